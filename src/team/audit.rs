//! The team's audit log: the audit stream `SL_<ws>_AUDIT`, as a [`Mirror`] of the relay's
//! local log (every line published and acknowledged, with `Nats-Msg-Id` = attempt and outcome
//! so a repeat is stored once) and the log every dashboard's `L` reads.

use super::bus::Bus;
use crate::audit::{Entry, Mirror};
use async_nats::jetstream::stream::Stream;
use std::time::Duration;

/// The audit stream, for appending (relay) and reading (everyone).
pub struct StreamAudit {
    bus: Bus,
    stream: Stream,
}

impl StreamAudit {
    /// Over the workspace's audit stream (created by the relay).
    pub fn new(bus: Bus, stream: Stream) -> Self {
        Self { bus, stream }
    }

    /// Publishes one entry and waits for the server's acknowledgement.
    pub async fn publish(&self, entry: &Entry) -> Result<(), String> {
        let body = serde_json::to_vec(entry).map_err(|e| e.to_string())?;
        let mut headers = async_nats::HeaderMap::new();
        headers.insert(
            "Nats-Msg-Id",
            format!("{}-{}", entry.id, entry.outcome).as_str(),
        );
        if let Some(lead) = &entry.lead {
            headers.insert("Sl-Lead", lead.as_str());
        }
        let subject = self.bus.names.audit_subject(&entry.outcome);
        let ack = self
            .bus
            .js
            .publish_with_headers(subject, headers, body.into())
            .await
            .map_err(|e| e.to_string())?;
        tokio::time::timeout(Duration::from_secs(5), ack)
            .await
            .map_err(|_| "no acknowledgement within 5s".to_owned())?
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    /// The last `n` attempts, oldest first.
    pub async fn read_recent(&self, n: usize) -> Result<Vec<Entry>, String> {
        let info = self.stream.get_info().await.map_err(|e| e.to_string())?;
        let (first, last) = (info.state.first_sequence, info.state.last_sequence);
        if info.state.messages == 0 {
            return Ok(Vec::new());
        }
        // Intent and outcome lines: twice as many lines as attempts, plus some slack.
        let from = last.saturating_sub(2 * n as u64 + 8).max(first);
        let mut lines = Vec::new();
        for seq in from..=last {
            match self.stream.get_raw_message(seq).await {
                Ok(m) => {
                    if let Ok(e) = serde_json::from_slice::<Entry>(&m.payload) {
                        lines.push(e);
                    }
                }
                Err(e) => tracing::debug!(seq, error = %e, "audit line unavailable"),
            }
        }
        Ok(crate::audit::fold(lines, n))
    }
}

impl Mirror for StreamAudit {
    fn append(&self, entry: &Entry) -> std::io::Result<()> {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return Err(std::io::Error::other(
                "no async runtime to publish the audit line",
            ));
        };
        let publish = self.publish(entry);
        let result = match handle.runtime_flavor() {
            // Called from the executor's async code: wait for the ack on this worker without
            // stalling the others, so the intent is stored before the write is sent.
            tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(|| handle.block_on(publish))
            }
            _ => {
                return Err(std::io::Error::other(
                    "the audit stream needs a multi-thread runtime",
                ));
            }
        };
        result.map_err(|e| std::io::Error::other(format!("audit stream: {e}")))
    }

    fn recent(&self, n: usize) -> Option<Vec<Entry>> {
        let handle = tokio::runtime::Handle::try_current().ok()?;
        let read = self.read_recent(n);
        let result = match handle.runtime_flavor() {
            tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(|| handle.block_on(read))
            }
            _ => return None,
        };
        result
            .map_err(|e| tracing::warn!(error = %e, "cannot read the team audit log"))
            .ok()
    }
}
