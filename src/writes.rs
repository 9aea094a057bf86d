//! Runs planned writes against a backend the careful way: re-read first and stop if the object
//! changed since the lead saw it; write; confirm by re-reading; after a failure the backend
//! classifies as "may have applied", re-read to learn whether it did; never retry blindly.
//! Writes to the same object run one at a time (so deltas to one inbox compose), every attempt
//! is audited before it is sent and again when its outcome is known. Used by the dashboard's
//! keys and the CLI alike.

use crate::audit::{Audit, Entry, INTENT};
use crate::backend::{Ack, BackendError, FailedWrite, Helpdesk, JobStatus, MemberChange};
use crate::clock::SharedClock;
pub use crate::domain::actions::{Outcome, Report};
use crate::domain::actions::{Planned, State, Write};
use futures::StreamExt;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Most writes in flight at once for a bulk action (well inside any API budget).
pub const CONCURRENCY: usize = 4;

/// Fewest reassignments in one plan that go out through the backend's bulk call.
pub const BULK_MIN: usize = 4;

/// How often, and how many times, a write job is polled before its outcome counts as unknown.
const JOB_POLL: Duration = Duration::from_secs(1);
const JOB_POLLS: u32 = 30;

/// Runs writes; refuses them all in read-only mode.
pub struct Executor {
    backend: Arc<dyn Helpdesk>,
    audit: Option<Arc<Audit>>,
    clock: SharedClock,
    read_only: bool,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    in_flight: AtomicUsize,
    idle: tokio::sync::Notify,
    /// Where writes run instead, when the backend hands them on (team mode: the relay).
    relay: Option<Arc<dyn crate::backend::WriteRelay>>,
}

/// Attempts started in this process, for audit ids unique across executors.
static ATTEMPTS: AtomicU64 = AtomicU64::new(0);

/// Counts a write in flight for as long as it lives.
struct InFlight<'a>(&'a Executor);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
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
            relay: backend.write_relay(),
            backend,
            audit,
            clock,
            read_only,
            locks: Mutex::new(HashMap::new()),
            in_flight: AtomicUsize::new(0),
            idle: tokio::sync::Notify::new(),
        }
    }

    /// Writes started and not yet finished.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Waits until no write is in flight.
    pub async fn wait_idle(&self) {
        loop {
            let notified = self.idle.notified();
            if self.in_flight() == 0 {
                return;
            }
            notified.await;
        }
    }

    /// Runs several writes with bounded concurrency; writes to one object run in plan order,
    /// one after the other. Reports in input order. On a backend with bulk reassignment
    /// ([`crate::domain::Capabilities::assign_batch`]), [`BULK_MIN`] or more reassignments
    /// of distinct conversations go out in batches, each conversation still re-read, checked,
    /// confirmed and audited on its own.
    pub async fn run_all(&self, plan: Vec<Planned>, undo: bool) -> Vec<Report> {
        let assigns = plan
            .iter()
            .filter(|p| matches!(p.write, Write::Assign { .. }))
            .count();
        // A plan over inboxes others may be planning over too: hold them first (team mode).
        let _held = match &self.relay {
            Some(relay) if assigns >= 2 && !self.read_only => match relay.hold(&plan).await {
                Ok(guard) => guard,
                Err(why) => {
                    return plan
                        .into_iter()
                        .map(|planned| Report {
                            planned,
                            outcome: Outcome::NotApplied {
                                error: format!("{why}: not sent, nothing changed"),
                            },
                        })
                        .collect();
                }
            },
            _ => None,
        };
        // Relayed writes go one by one: the relay runs each through its own executor.
        let batch = if assigns >= BULK_MIN && !self.read_only && self.relay.is_none() {
            self.backend.capabilities().assign_batch.filter(|n| *n > 1)
        } else {
            None
        };
        let mut bulk: Vec<(usize, Planned)> = Vec::new();
        let mut single: Vec<(usize, Planned)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (n, p) in plan.into_iter().enumerate() {
            match (&p.write, batch) {
                (Write::Assign { conversation, .. }, Some(_))
                    if seen.insert(conversation.clone()) =>
                {
                    bulk.push((n, p));
                }
                _ => single.push((n, p)),
            }
        }
        let mut reports: Vec<(usize, Report)> = futures::stream::iter(single)
            .map(|(n, p)| async move { (n, self.run(p, undo).await) })
            .buffered(CONCURRENCY)
            .collect()
            .await;
        if let Some(size) = batch {
            let mut rest = bulk;
            while !rest.is_empty() {
                let chunk: Vec<(usize, Planned)> = rest.drain(..size.min(rest.len())).collect();
                reports.extend(self.run_batch(chunk, undo).await);
            }
        }
        reports.sort_by_key(|(n, _)| *n);
        reports.into_iter().map(|(_, r)| r).collect()
    }

    /// Reassignments sent in one bulk call: each locked, audited and re-read first (a changed
    /// one stops alone), the rest sent together, each confirmed by its own re-read.
    async fn run_batch(&self, chunk: Vec<(usize, Planned)>, undo: bool) -> Vec<(usize, Report)> {
        self.in_flight.fetch_add(chunk.len(), Ordering::SeqCst);
        let _counted: Vec<InFlight<'_>> = (0..chunk.len()).map(|_| InFlight(self)).collect();
        let locks: Vec<Arc<tokio::sync::Mutex<()>>> = {
            let mut keys: Vec<String> = chunk.iter().flat_map(|(_, p)| p.write.locks()).collect();
            keys.sort();
            keys.dedup();
            let mut map = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
            keys.into_iter()
                .map(|k| map.entry(k).or_default().clone())
                .collect()
        };
        let mut _held = Vec::with_capacity(locks.len());
        for l in &locks {
            _held.push(l.lock().await);
        }
        let mut done: Vec<(usize, String, Planned, Outcome)> = Vec::new();
        let mut send: Vec<(usize, String, Planned)> = Vec::new();
        for (n, planned) in chunk {
            let id = self.attempt_id();
            self.log(&id, &planned, INTENT, None, None, undo, None);
            match self.read(&planned.write).await {
                Ok(now) if now != planned.before => {
                    done.push((n, id, planned, Outcome::Conflict { now }));
                }
                Ok(_) => send.push((n, id, planned)),
                Err(e) => {
                    let error = format!("could not re-read before writing: {e}");
                    done.push((n, id, planned, Outcome::NotApplied { error }));
                }
            }
        }
        let items: Vec<_> = send
            .iter()
            .filter_map(|(_, _, p)| match &p.write {
                Write::Assign {
                    conversation,
                    target,
                } => Some((conversation.clone(), target.clone())),
                _ => None,
            })
            .collect();
        let results: Vec<Result<(), BackendError>> = if items.is_empty() {
            Vec::new()
        } else {
            match self.backend.assign_many(&items).await {
                Ok(r) if r.len() == items.len() => r,
                Ok(r) => {
                    let e = BackendError::JobFailed(format!(
                        "the bulk answer covered {} of {} conversations",
                        r.len(),
                        items.len()
                    ));
                    vec![Err(e); items.len()]
                }
                Err(e) => vec![Err(e); items.len()],
            }
        };
        for ((n, id, planned), result) in send.into_iter().zip(results) {
            let expected = planned.write.expected(&planned.before);
            let outcome = self
                .confirm(&planned.write, &planned.before, &expected, result)
                .await;
            done.push((n, id, planned, outcome));
        }
        done.into_iter()
            .map(|(n, id, planned, outcome)| {
                self.log(
                    &id,
                    &planned,
                    outcome.word(),
                    outcome.after().cloned(),
                    outcome.error().map(str::to_owned),
                    undo,
                    None,
                );
                tracing::info!(action = %planned.label, outcome = outcome.word(), "bulk write");
                (n, Report { planned, outcome })
            })
            .collect()
    }

    fn attempt_id(&self) -> String {
        format!(
            "{}-{}-{}",
            self.clock.now().as_millisecond(),
            std::process::id(),
            ATTEMPTS.fetch_add(1, Ordering::SeqCst)
        )
    }

    /// Runs one write: lock its objects, log the intent, check, write, confirm, log.
    pub async fn run(&self, planned: Planned, undo: bool) -> Report {
        self.run_as(planned, undo, None).await
    }

    /// [`Executor::run`] for `lead`, who is named in the audit entries (team mode's relay
    /// runs every lead's writes). When the backend hands writes on, the write runs there
    /// (and is audited there) instead.
    pub async fn run_as(&self, planned: Planned, undo: bool, lead: Option<&str>) -> Report {
        if let Some(relay) = &self.relay
            && !self.read_only
        {
            self.in_flight.fetch_add(1, Ordering::SeqCst);
            let _counted = InFlight(self);
            let outcome = relay.run(&planned, undo).await;
            tracing::info!(action = %planned.label, outcome = outcome.word(), "write (relayed)");
            return Report { planned, outcome };
        }
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let _counted = InFlight(self);
        let locks: Vec<Arc<tokio::sync::Mutex<()>>> = {
            let mut map = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
            planned
                .write
                .locks()
                .into_iter()
                .map(|k| map.entry(k).or_default().clone())
                .collect()
        };
        // Keys come sorted, so two writes never wait on each other's second lock.
        let mut _held = Vec::with_capacity(locks.len());
        for l in &locks {
            _held.push(l.lock().await);
        }
        let id = self.attempt_id();
        let outcome = if self.read_only {
            Outcome::NotApplied {
                error: "read-only mode: writes are disabled".into(),
            }
        } else {
            self.log(&id, &planned, INTENT, None, None, undo, lead);
            self.attempt(&planned).await
        };
        self.log(
            &id,
            &planned,
            outcome.word(),
            outcome.after().cloned(),
            outcome.error().map(str::to_owned),
            undo,
            lead,
        );
        tracing::info!(action = %planned.label, outcome = outcome.word(), "write");
        Report { planned, outcome }
    }

    #[allow(clippy::too_many_arguments)]
    fn log(
        &self,
        id: &str,
        planned: &Planned,
        outcome: &str,
        after: Option<State>,
        error: Option<String>,
        undo: bool,
        lead: Option<&str>,
    ) {
        let Some(audit) = &self.audit else { return };
        let entry = Entry {
            id: id.to_owned(),
            time: self.clock.now(),
            action: planned.label.clone(),
            target: planned.write.target(),
            write: planned.write.clone(),
            before: planned.before.clone(),
            after,
            outcome: outcome.into(),
            error,
            undo,
            lead: lead.map(str::to_owned),
        };
        if let Err(e) = audit.append(&entry) {
            tracing::error!(error = %e, "could not write the audit log");
        }
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
        if let Write::Move {
            teammate,
            from,
            to,
            level,
        } = &planned.write
        {
            return self.run_move(planned, teammate, from, to, *level).await;
        }
        let expected = planned.write.expected(&planned.before);
        // 2. Write, and 3. confirm by re-reading (also after ambiguous failures).
        let result = self.send(&planned.write).await;
        self.confirm(&planned.write, &planned.before, &expected, result)
            .await
    }

    /// Learns what a sent write did: re-read and compare with what it should have left.
    async fn confirm(
        &self,
        write: &Write,
        before: &State,
        expected: &State,
        result: Result<(), BackendError>,
    ) -> Outcome {
        match result {
            Ok(()) => match self.read(write).await {
                Ok(after) if &after == expected => Outcome::Applied { after },
                Ok(after) => Outcome::PartlyApplied {
                    after,
                    error: "the backend accepted the write but reads back something else".into(),
                },
                Err(e) => Outcome::Unknown {
                    error: format!("written, but the confirming re-read failed: {e}"),
                },
            },
            Err(e) => {
                if self.backend.classify(&e) == FailedWrite::NotApplied {
                    return Outcome::NotApplied {
                        error: e.to_string(),
                    };
                }
                match self.read(write).await {
                    Ok(after) if &after == expected => Outcome::Applied { after },
                    Ok(after) if &after == before => Outcome::NotApplied {
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

    /// A move: add to `to`, confirm the add, and only then remove from `from`.
    async fn run_move(
        &self,
        planned: &Planned,
        teammate: &crate::domain::TeammateId,
        from: &crate::domain::InboxId,
        to: &crate::domain::InboxId,
        level: crate::domain::Level,
    ) -> Outcome {
        let State::Moved {
            from: from_level, ..
        } = planned.before
        else {
            return Outcome::NotApplied {
                error: "a move needs the levels it was planned from".into(),
            };
        };
        let add = Write::Membership {
            inbox: to.clone(),
            teammate: teammate.clone(),
            change: MemberChange::Set(level),
        };
        let add_before = State::Membership { level: None };
        let add_expected = add.expected(&add_before);
        let added = self.send(&add).await;
        match self.confirm(&add, &add_before, &add_expected, added).await {
            Outcome::Applied { .. } => {}
            Outcome::Unknown { error } => {
                return Outcome::Unknown {
                    error: format!("adding to the new inbox: {error}; nothing removed"),
                };
            }
            Outcome::PartlyApplied {
                after: State::Membership { level: joined },
                error,
            } => {
                return Outcome::PartlyApplied {
                    after: State::Moved {
                        from: from_level,
                        to: joined,
                    },
                    error: format!("the new inbox reads back otherwise ({error}); nothing removed"),
                };
            }
            other => {
                let why = other.error().unwrap_or("not added").to_owned();
                return Outcome::NotApplied {
                    error: format!("could not add to the new inbox ({why}); nothing removed"),
                };
            }
        }
        let remove = Write::Membership {
            inbox: from.clone(),
            teammate: teammate.clone(),
            change: MemberChange::Remove,
        };
        let remove_before = State::Membership { level: from_level };
        let remove_expected = remove.expected(&remove_before);
        let removed = self.send(&remove).await;
        let moved = |left: Option<crate::domain::Level>| State::Moved {
            from: left,
            to: Some(level),
        };
        match self
            .confirm(&remove, &remove_before, &remove_expected, removed)
            .await
        {
            Outcome::Applied { .. } => Outcome::Applied { after: moved(None) },
            Outcome::Unknown { error } => Outcome::Unknown {
                error: format!("added to the new inbox; removing from the old one: {error}"),
            },
            other => Outcome::PartlyApplied {
                after: moved(from_level),
                error: format!(
                    "added to the new inbox but still in the old one: {}",
                    other.error().unwrap_or("not removed")
                ),
            },
        }
    }

    async fn read(&self, write: &Write) -> Result<State, BackendError> {
        Ok(match write {
            Write::Assign { conversation, .. } => {
                State::of_conversation(&self.backend.conversation(conversation).await?)
            }
            Write::Membership {
                teammate,
                change: MemberChange::MakeDefault,
                ..
            } => State::DefaultInbox {
                inbox: self.backend.teammate(teammate).await?.default_inbox,
            },
            Write::Membership {
                inbox, teammate, ..
            } => State::Membership {
                level: self.backend.inbox(inbox).await?.level_of(teammate),
            },
            Write::Move {
                teammate, from, to, ..
            } => {
                let (f, t) = tokio::join!(self.backend.inbox(from), self.backend.inbox(to));
                State::Moved {
                    from: f?.level_of(teammate),
                    to: t?.level_of(teammate),
                }
            }
            Write::SetPresence { teammate, .. } => {
                State::of_teammate(&self.backend.teammate(teammate).await?)
            }
        })
    }

    /// Sends one write and, when the backend answers with a job, follows it to its end.
    async fn send(&self, write: &Write) -> Result<(), BackendError> {
        let ack = match write {
            Write::Assign {
                conversation,
                target,
            } => self.backend.assign(conversation, target).await?,
            Write::Membership {
                inbox,
                teammate,
                change,
            } => {
                self.backend
                    .change_membership(inbox, teammate, *change)
                    .await?
            }
            Write::Move { .. } => {
                return Err(BackendError::Unsupported(
                    "a move is sent as an add and a remove".into(),
                ));
            }
            Write::SetPresence { teammate, change } => {
                self.backend.set_presence(teammate, change).await?
            }
        };
        let Ack::Job(job) = ack else { return Ok(()) };
        for _ in 0..JOB_POLLS {
            match self.backend.job(&job).await {
                Ok(JobStatus::Completed) => return Ok(()),
                Ok(JobStatus::Failed(why)) => return Err(BackendError::JobFailed(why)),
                Ok(JobStatus::Running) => self.clock.sleep(JOB_POLL).await,
                // A failed poll says nothing about the job: the re-read decides.
                Err(e) => return Err(BackendError::Network(format!("polling job {}: {e}", job.0))),
            }
        }
        Err(BackendError::Timeout(JOB_POLL * JOB_POLLS))
    }
}

#[cfg(test)]
mod tests {
    //! The executor against an in-memory backend whose membership write replaces the whole
    //! list (read, yield, write: any interleaving loses a change) and whose assignments
    //! finish as jobs.

    use super::*;
    use crate::backend::{AssignTarget, Budget, JobId, PresenceChange};
    use crate::clock::ManualClock;
    use crate::domain::actions::{self, MemberChange};
    use crate::domain::{
        Capabilities, Conversation, ConversationId, Inbox, InboxId, Level, Snapshot, Teammate,
        TeammateId, fixture,
    };
    use async_trait::async_trait;

    #[derive(Default)]
    struct World {
        members: Vec<crate::domain::Member>,
        assignee: Option<TeammateId>,
        job_polls: u32,
        job_fails: bool,
        pending: Option<TeammateId>,
    }

    #[derive(Default)]
    struct Desk(std::sync::Mutex<World>);

    impl Desk {
        fn world(&self) -> std::sync::MutexGuard<'_, World> {
            self.0.lock().unwrap()
        }

        fn snapshot_now(&self) -> Snapshot {
            let w = self.world();
            let mut inbox = fixture::inbox("i", "Escalations");
            inbox.members = w.members.clone();
            let mut c = fixture::conversation("c", fixture::t0());
            c.assignee = w.assignee.clone();
            Snapshot {
                inboxes: vec![inbox].into(),
                teammates: ["a", "b", "c"].map(fixture::teammate).to_vec().into(),
                conversations: vec![c].into(),
                ..fixture::snapshot(fixture::t0())
            }
        }
    }

    #[async_trait]
    impl Helpdesk for Desk {
        fn capabilities(&self) -> Capabilities {
            unreachable!("not used by the executor")
        }
        fn budget(&self) -> Budget {
            Budget::default()
        }
        async fn snapshot(&self) -> Result<Snapshot, BackendError> {
            Ok(self.snapshot_now())
        }
        async fn conversation(&self, _: &ConversationId) -> Result<Conversation, BackendError> {
            Ok(self
                .snapshot_now()
                .conversations
                .iter()
                .next()
                .cloned()
                .unwrap())
        }
        async fn teammate(&self, id: &TeammateId) -> Result<Teammate, BackendError> {
            Ok(fixture::teammate(id.as_str()))
        }
        async fn inbox(&self, _: &InboxId) -> Result<Inbox, BackendError> {
            Ok(self.snapshot_now().inboxes.remove(0))
        }
        async fn assign(
            &self,
            _: &ConversationId,
            target: &AssignTarget,
        ) -> Result<Ack, BackendError> {
            let AssignTarget::Teammate(t) = target else {
                return Err(BackendError::Unsupported("only teammates".into()));
            };
            self.world().pending = Some(t.clone());
            Ok(Ack::Job(JobId("job-1".into())))
        }
        async fn set_presence(
            &self,
            _: &TeammateId,
            _: &PresenceChange,
        ) -> Result<Ack, BackendError> {
            Err(BackendError::Unsupported("no presence".into()))
        }
        async fn change_membership(
            &self,
            _: &InboxId,
            teammate: &TeammateId,
            change: MemberChange,
        ) -> Result<Ack, BackendError> {
            // A full-replacement API: read the list, let others run, write it back.
            let mut members = self.world().members.clone();
            tokio::task::yield_now().await;
            members.retain(|m| &m.teammate != teammate);
            if let MemberChange::Set(level) = change {
                members.push(fixture::member(teammate.as_str(), level));
            }
            tokio::task::yield_now().await;
            self.world().members = members;
            Ok(Ack::Done)
        }
        async fn job(&self, _: &JobId) -> Result<JobStatus, BackendError> {
            let mut w = self.world();
            w.job_polls += 1;
            if w.job_polls < 3 {
                return Ok(JobStatus::Running);
            }
            if w.job_fails {
                return Ok(JobStatus::Failed("validation failed".into()));
            }
            w.assignee = w.pending.take();
            Ok(JobStatus::Completed)
        }
    }

    fn executor(desk: &Arc<Desk>) -> Executor {
        let clock = ManualClock::new(fixture::t0());
        Executor::new(desk.clone(), None, Arc::new(clock), false)
    }

    #[tokio::test]
    async fn deltas_to_one_inbox_run_one_at_a_time_and_all_land() {
        let desk = Arc::new(Desk::default());
        let s = desk.snapshot_now();
        let plan: Vec<Planned> = ["a", "b", "c"]
            .iter()
            .filter_map(|t| {
                actions::plan_membership(
                    &s,
                    &TeammateId((*t).into()),
                    &InboxId("i".into()),
                    MemberChange::Set(Level::Primary),
                )
            })
            .collect();
        let reports = executor(&desk).run_all(plan, false).await;
        assert!(
            reports
                .iter()
                .all(|r| matches!(r.outcome, Outcome::Applied { .. })),
            "{reports:?}"
        );
        assert_eq!(desk.world().members.len(), 3, "no change was lost");
    }

    #[tokio::test]
    async fn a_write_answered_with_a_job_is_followed_to_its_end() {
        let desk = Arc::new(Desk::default());
        let s = desk.snapshot_now();
        let target = AssignTarget::Teammate(TeammateId("b".into()));
        let p = actions::plan_assign(&s, &[ConversationId("c".into())], &target).remove(0);
        let report = executor(&desk).run(p.clone(), false).await;
        assert!(
            matches!(report.outcome, Outcome::Applied { .. }),
            "{report:?}"
        );
        assert_eq!(desk.world().job_polls, 3);
        assert_eq!(desk.world().assignee, Some(TeammateId("b".into())));

        let desk = Arc::new(Desk::default());
        desk.world().job_fails = true;
        let report = executor(&desk).run(p, false).await;
        let Outcome::NotApplied { error } = &report.outcome else {
            panic!("{report:?}")
        };
        assert!(error.contains("validation failed"), "{error}");
        assert_eq!(desk.world().assignee, None);
    }
}
