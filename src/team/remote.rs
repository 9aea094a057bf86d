//! Writes handed to the relay by request/reply on `sl.<ws>.cmd.<lead>.write`. A write is
//! sent only while the bus is connected (a disconnected client would buffer it and send it
//! later); each carries an id (the relay answers a repeat from memory, never writing twice)
//! and a deadline (the relay refuses it after, so a write the lead was told failed never
//! lands later).

use super::bus::Bus;
use super::shared::{BlockRecord, BlockReply, BlockRequest, BlockState};
use crate::backend::WriteRelay;
use crate::domain::actions::{Outcome, Planned};
use async_nats::jetstream::kv;
use async_trait::async_trait;
use futures::StreamExt;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
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
    /// The team's running blocks by key, as the blocks bucket's watch last said.
    blocks: Arc<Mutex<BTreeMap<String, BlockRecord>>>,
    watch: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for RemoteWrites {
    fn drop(&mut self) {
        if let Some(w) = self.watch.take() {
            w.abort();
        }
    }
}

impl RemoteWrites {
    /// Writes as `lead`, each allowed `timeout` at the relay.
    pub fn new(bus: Bus, lead: String, timeout: Duration) -> Self {
        Self {
            bus,
            lead,
            timeout,
            blocks: Arc::default(),
            watch: None,
        }
    }

    /// Starts watching the team's blocks (the full state, then each change), so
    /// [`WriteRelay::blocks`] answers from memory.
    pub async fn watch_blocks(&mut self) -> Result<(), super::TeamError> {
        let store = self.bus.bucket("blocks", None).await?;
        let held = self.blocks.clone();
        self.watch = Some(tokio::spawn(async move {
            loop {
                if let Err(e) = watch_blocks_once(&store, &held).await {
                    tracing::warn!(error = %e, "blocks watch ended; starting again");
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }));
        Ok(())
    }

    async fn ask_blocks(&self, request: BlockRequest) -> Result<String, String> {
        if !self.bus.is_connected() {
            return Err(format!(
                "the bus ({}) is down: nothing was sent",
                self.bus.url()
            ));
        }
        let body = serde_json::to_vec(&request).map_err(|e| e.to_string())?;
        let req = async_nats::Request::new()
            .payload(body.into())
            .timeout(Some(self.timeout));
        let subject = self.bus.names.block_subject(&self.lead);
        let asked = std::time::Instant::now();
        let result = self.bus.client.send_request(subject.clone(), req).await;
        if result.is_err() && self.bus.refused(&subject, asked) {
            return Err(format!(
                "the NATS server refused {subject}: these credentials may not act as {:?}; \
                 nothing was sent",
                self.lead
            ));
        }
        match result {
            Ok(msg) => {
                serde_json::from_slice::<BlockReply>(&msg.payload)
                    .map_err(|e| format!("the relay's answer did not parse: {e}"))?
                    .result
            }
            Err(e) => Err(match e.kind() {
                async_nats::RequestErrorKind::NoResponders => format!(
                    "no relay is serving workspace {:?}: nothing was sent",
                    self.bus.names.workspace()
                ),
                _ => format!("asking the relay: {e}; see the team audit log (L)"),
            }),
        }
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

    fn blocks(&self) -> Option<Vec<crate::domain::blocks::Block>> {
        let held = self.blocks.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out: Vec<_> = held.values().map(BlockRecord::shown).collect();
        out.sort_by(|a, b| (a.end, &a.teammate).cmp(&(b.end, &b.teammate)));
        Some(out)
    }

    async fn start_block(&self, block: crate::domain::blocks::Block) -> Result<(), String> {
        self.ask_blocks(BlockRequest::Start { block })
            .await
            .map(|_| ())
    }

    async fn end_block(&self, teammate: &crate::domain::TeammateId) -> Result<String, String> {
        self.ask_blocks(BlockRequest::End {
            teammate: teammate.clone(),
        })
        .await
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
        let asked = std::time::Instant::now();
        let result = self.bus.client.send_request(subject.clone(), req).await;
        if result.is_err() && self.bus.refused(&subject, asked) {
            return not_sent(format!(
                "the NATS server refused {subject}: these credentials may not write as {:?}",
                self.lead
            ));
        }
        match result {
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

/// One pass of the blocks watch: the running blocks replace what is held once the full state
/// has arrived, then each change applies.
async fn watch_blocks_once(
    store: &kv::Store,
    held: &Mutex<BTreeMap<String, BlockRecord>>,
) -> Result<(), String> {
    let lock = || held.lock().unwrap_or_else(PoisonError::into_inner);
    let empty = super::bus::is_empty(store).await?;
    let mut entries = store
        .watch_with_history(">")
        .await
        .map_err(|e| e.to_string())?;
    let mut fresh: Option<BTreeMap<String, BlockRecord>> = if empty {
        lock().clear();
        None
    } else {
        Some(BTreeMap::new())
    };
    while let Some(entry) = entries.next().await {
        let entry = entry.map_err(|e| e.to_string())?;
        let record = match entry.operation {
            kv::Operation::Put => serde_json::from_slice::<BlockRecord>(&entry.value)
                .ok()
                .filter(|r| r.state != BlockState::Ended),
            kv::Operation::Delete | kv::Operation::Purge => None,
        };
        let apply = |map: &mut BTreeMap<String, BlockRecord>| match record {
            Some(r) => {
                map.insert(entry.key.clone(), r);
            }
            None => {
                map.remove(&entry.key);
            }
        };
        match &mut fresh {
            Some(map) => {
                apply(map);
                if entry.delta == 0 {
                    *lock() = fresh.take().unwrap_or_default();
                }
            }
            None => apply(&mut lock()),
        }
    }
    Ok(())
}
