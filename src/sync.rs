//! The sync task: polls the backend every refresh interval (or when asked), applies the local
//! policy, and sends each result to the UI loop. It never touches the terminal, and the UI
//! never waits for it.

use crate::backend::Budget;
use crate::backend::Helpdesk;
use crate::domain::Policy;
use crate::domain::{Capabilities, Snapshot};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc};

/// A result from the sync task.
#[derive(Debug, Clone)]
pub enum SyncMsg {
    /// A fresh snapshot (policy already applied).
    Snapshot {
        /// The data.
        snapshot: Box<Snapshot>,
        /// How long the poll took.
        took: Duration,
        /// Budget after the poll.
        budget: Budget,
        /// What the backend can do now.
        capabilities: Box<Capabilities>,
    },
    /// A failed poll; the last good data stays on screen.
    Failed {
        /// Why.
        error: String,
        /// How long the attempt took.
        took: Duration,
        /// Budget after the attempt.
        budget: Budget,
    },
}

/// Polls until the receiver is dropped. `refresh_now` cuts a wait short.
pub async fn run(
    backend: Arc<dyn Helpdesk>,
    policy: Policy,
    refresh: Duration,
    tx: mpsc::Sender<SyncMsg>,
    refresh_now: Arc<Notify>,
) {
    loop {
        let started = Instant::now();
        let result = backend.snapshot().await;
        let took = started.elapsed();
        let budget = backend.budget();
        let msg = match result {
            Ok(mut snapshot) => {
                policy.apply(&mut snapshot);
                SyncMsg::Snapshot {
                    snapshot: Box::new(snapshot),
                    took,
                    budget,
                    capabilities: Box::new(backend.capabilities()),
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "poll failed");
                SyncMsg::Failed {
                    error: e.to_string(),
                    took,
                    budget,
                }
            }
        };
        if tx.send(msg).await.is_err() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(refresh.saturating_sub(took)) => {}
            _ = refresh_now.notified() => {}
        }
    }
}
