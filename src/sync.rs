//! The sync task: polls the backend every refresh interval (or when asked) through
//! [`Helpdesk::refresh`] (the local policy applied to what changed), and sends each result,
//! with its [`Delta`], to the UI loop. It never touches the terminal, and the UI never waits
//! for it.

use crate::backend::Budget;
use crate::backend::Helpdesk;
use crate::domain::Policy;
use crate::domain::{Capabilities, Delta, Snapshot};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc};

/// A result from the sync task.
#[derive(Debug, Clone)]
pub enum SyncMsg {
    /// A fresh snapshot (policy already applied).
    Snapshot {
        /// The data: the whole model, its conversations shared with the backend's cache.
        snapshot: Box<Snapshot>,
        /// Which conversations changed since the previous `Snapshot` message; `None`: anything
        /// may have (derive everything afresh).
        delta: Option<Delta>,
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

/// The shortest gap between two refreshes a backend's change notice brings forward.
pub const CHANGED_GAP: Duration = Duration::from_millis(250);

/// Forwards `backend`'s change notices ([`Helpdesk::changed`]) to `refresh_now`, at most one
/// per [`CHANGED_GAP`]; returns at once for a backend that gives none.
pub async fn forward_changes(backend: Arc<dyn Helpdesk>, refresh_now: Arc<Notify>) {
    let Some(changed) = backend.changed() else {
        return;
    };
    loop {
        changed.notified().await;
        refresh_now.notify_one();
        tokio::time::sleep(CHANGED_GAP).await;
    }
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
        let result = backend.refresh(&policy).await;
        let took = started.elapsed();
        let budget = backend.budget();
        let msg = match result {
            Ok(refresh) => SyncMsg::Snapshot {
                snapshot: Box::new(refresh.snapshot),
                delta: refresh.delta,
                took,
                budget,
                capabilities: Box::new(backend.capabilities()),
            },
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
