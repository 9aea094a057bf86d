//! Writes handed to the relay by request/reply on `sl.<ws>.cmd.<lead>.write`. A write is
//! sent only while the bus is connected (a disconnected client would buffer it and send it
//! later); each carries an id (the relay answers a repeat from memory, never writing twice)
//! and a deadline (the relay refuses it after, so a write the lead was told failed never
//! lands later).

use super::bus::Bus;
use crate::backend::WriteRelay;
use crate::domain::actions::{Outcome, Planned};
use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A write for the relay.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WriteRequest {
    /// Unique per attempt.
    pub op_id: String,
    /// The write as planned, with the state the lead saw.
    pub planned: Planned,
    /// An undo.
    pub undo: bool,
    /// The relay refuses it after this (the lead's clock, bounded by `timeout`).
    pub deadline: Timestamp,
}

/// The relay's answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WriteReply {
    /// How it ended.
    pub outcome: Outcome,
}

/// Sends writes to the relay.
pub struct RemoteWrites {
    bus: Bus,
    lead: String,
    timeout: Duration,
}

impl RemoteWrites {
    /// Writes as `lead`, each allowed `timeout` at the relay.
    pub fn new(bus: Bus, lead: String, timeout: Duration) -> Self {
        Self { bus, lead, timeout }
    }

    /// The lead's name.
    pub fn lead(&self) -> &str {
        &self.lead
    }
}

/// How much of the timeout the relay must have left to start a write (the rest is for the
/// reply's way back).
pub const START_MARGIN: Duration = Duration::from_secs(2);

#[async_trait]
impl WriteRelay for RemoteWrites {
    /// Takes the rebalance lease of every inbox the plan touches (see [`super::shared`]); a
    /// second lead is refused with the holder's name.
    async fn hold(&self, plan: &[Planned]) -> Result<Option<Box<dyn Send>>, String> {
        let inboxes = super::shared::plan_inboxes(plan);
        if inboxes.is_empty() {
            return Ok(None);
        }
        if !self.bus.is_connected() {
            return Err(format!("the bus ({}) is down", self.bus.url()));
        }
        let leases = self
            .bus
            .bucket("leases", None)
            .await
            .map_err(|e| e.to_string())?;
        super::shared::RebalanceLeases::take(leases, &inboxes, &self.lead)
            .await
            .map(|held| Some(Box::new(held) as Box<dyn Send>))
            .map_err(|e| e.to_string())
    }

    async fn run(&self, planned: &Planned, undo: bool) -> Outcome {
        let not_sent = |why: String| Outcome::NotApplied {
            error: format!("{why}: the write was not sent, nothing changed"),
        };
        if !self.bus.is_connected() {
            return not_sent(format!("the bus ({}) is down", self.bus.url()));
        }
        let op_id = format!("{}-{:016x}", self.lead, rand::random::<u64>());
        let deadline = Timestamp::now()
            .checked_add(SignedDuration::try_from(self.timeout).unwrap_or(SignedDuration::MAX))
            .unwrap_or(Timestamp::MAX);
        let request = WriteRequest {
            op_id,
            planned: planned.clone(),
            undo,
            deadline,
        };
        let body = match serde_json::to_vec(&request) {
            Ok(b) => b,
            Err(e) => return not_sent(format!("cannot encode the write: {e}")),
        };
        let subject = self.bus.names.write_subject(&self.lead);
        let req = async_nats::Request::new()
            .payload(body.into())
            .timeout(Some(self.timeout));
        match self.bus.client.send_request(subject, req).await {
            Ok(msg) => match serde_json::from_slice::<WriteReply>(&msg.payload) {
                Ok(reply) => reply.outcome,
                Err(e) => Outcome::Unknown {
                    error: format!(
                        "the relay's answer did not parse ({e}); see the team audit log (L)"
                    ),
                },
            },
            Err(e) => match e.kind() {
                async_nats::RequestErrorKind::NoResponders => not_sent(format!(
                    "no relay is serving workspace {:?}",
                    self.bus.names.workspace()
                )),
                async_nats::RequestErrorKind::TimedOut => Outcome::Unknown {
                    error: format!(
                        "the relay did not answer within {}s; it may have applied it: see the \
                         team audit log (L)",
                        self.timeout.as_secs()
                    ),
                },
                _ => Outcome::Unknown {
                    error: format!("sending to the relay: {e}; see the team audit log (L)"),
                },
            },
        }
    }
}
