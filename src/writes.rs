//! Runs planned writes against a backend the careful way: re-read first and stop if the object
//! changed since the lead saw it; write; confirm by re-reading; after an ambiguous failure
//! (timeout, lost response) re-read to learn whether it applied; never retry blindly; log
//! every attempt to the audit log. Used by the dashboard's keys and the CLI alike.

use crate::audit::{Audit, Entry};
use crate::backend::{BackendError, Helpdesk};
use crate::clock::SharedClock;
pub use crate::domain::actions::{Outcome, Report};
use crate::domain::actions::{Planned, State, Write};
use futures::StreamExt;
use std::sync::Arc;

/// Most writes in flight at once for a bulk action (well inside any API budget).
pub const CONCURRENCY: usize = 4;

/// Runs writes; refuses them all in read-only mode.
pub struct Executor {
    backend: Arc<dyn Helpdesk>,
    audit: Option<Arc<Audit>>,
    clock: SharedClock,
    read_only: bool,
}

impl Executor {
    /// An executor over `backend`, logging to `audit` when given.
    pub fn new(
        backend: Arc<dyn Helpdesk>,
        audit: Option<Arc<Audit>>,
        clock: SharedClock,
        read_only: bool,
    ) -> Self {
        Self {
            backend,
            audit,
            clock,
            read_only,
        }
    }

    /// Runs several writes with bounded concurrency; reports in input order.
    pub async fn run_all(&self, plan: Vec<Planned>, undo: bool) -> Vec<Report> {
        let mut reports: Vec<(usize, Report)> = futures::stream::iter(plan.into_iter().enumerate())
            .map(|(n, p)| async move { (n, self.run(p, undo).await) })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        reports.sort_by_key(|(n, _)| *n);
        reports.into_iter().map(|(_, r)| r).collect()
    }

    /// Runs one write: check, write, confirm, log.
    pub async fn run(&self, planned: Planned, undo: bool) -> Report {
        let outcome = if self.read_only {
            Outcome::NotApplied {
                error: "read-only mode: writes are disabled".into(),
            }
        } else {
            self.attempt(&planned).await
        };
        if let Some(audit) = &self.audit {
            let entry = Entry {
                time: self.clock.now(),
                action: planned.label.clone(),
                target: planned.write.target(),
                write: planned.write.clone(),
                before: planned.before.clone(),
                after: outcome.after().cloned(),
                outcome: outcome.word().into(),
                error: outcome.error().map(str::to_owned),
                undo,
            };
            if let Err(e) = audit.append(&entry) {
                tracing::error!(error = %e, "could not write the audit log");
            }
        }
        tracing::info!(action = %planned.label, outcome = outcome.word(), "write");
        Report { planned, outcome }
    }

    async fn attempt(&self, planned: &Planned) -> Outcome {
        // 1. The object must still be as the lead saw it.
        match self.read(&planned.write).await {
            Ok(now) if now != planned.before => return Outcome::Conflict { now },
            Ok(_) => {}
            Err(e) => {
                return Outcome::NotApplied {
                    error: format!("could not re-read before writing: {e}"),
                };
            }
        }
        let expected = planned.write.expected(&planned.before);
        // 2. Write.
        let result = self.send(&planned.write).await;
        // 3. Confirm by re-reading (also after ambiguous failures).
        match result {
            Ok(()) => match self.read(&planned.write).await {
                Ok(after) if after == expected => Outcome::Applied { after },
                Ok(after) => Outcome::PartlyApplied {
                    after,
                    error: "the backend accepted the write but reads back something else".into(),
                },
                Err(e) => Outcome::Unknown {
                    error: format!("written, but the confirming re-read failed: {e}"),
                },
            },
            Err(e) => {
                // A lost or garbled answer says nothing about whether the write landed.
                let ambiguous = matches!(
                    e,
                    BackendError::Timeout(_)
                        | BackendError::Network(_)
                        | BackendError::Decode { .. }
                ) || e.status().is_some_and(|s| s >= 500)
                    || e.status() == Some(409);
                if !ambiguous {
                    return Outcome::NotApplied {
                        error: e.to_string(),
                    };
                }
                match self.read(&planned.write).await {
                    Ok(after) if after == expected => Outcome::Applied { after },
                    Ok(after) if after == planned.before => Outcome::NotApplied {
                        error: e.to_string(),
                    },
                    Ok(after) => Outcome::PartlyApplied {
                        after,
                        error: e.to_string(),
                    },
                    Err(e2) => Outcome::Unknown {
                        error: format!("{e}; re-read failed too: {e2}"),
                    },
                }
            }
        }
    }

    async fn read(&self, write: &Write) -> Result<State, BackendError> {
        Ok(match write {
            Write::Assign { conversation, .. } => {
                State::of_conversation(&self.backend.conversation(conversation).await?)
            }
            Write::SetMembers { inbox, .. } => State::of_inbox(&self.backend.inbox(inbox).await?),
            Write::SetAway { teammate, .. } => {
                State::of_teammate(&self.backend.teammate(teammate).await?)
            }
        })
    }

    async fn send(&self, write: &Write) -> Result<(), BackendError> {
        match write {
            Write::Assign {
                conversation,
                target,
            } => self.backend.assign(conversation, target).await.map(drop),
            Write::SetMembers { inbox, members } => {
                self.backend.set_members(inbox, members).await.map(drop)
            }
            Write::SetAway { teammate, change } => {
                self.backend.set_away(teammate, change).await.map(drop)
            }
        }
    }
}
