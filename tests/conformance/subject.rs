//! A backend under test: the real client against its simulator over real HTTP, on a manual
//! clock, with an audit log; and the hooks that hold everything vendor-specific, so the
//! checks stay vendor-neutral. A new backend is one constructor here and one line in
//! `conformance.rs`.

use jiff::Timestamp;
use secrecy::SecretString;
use shiftlead::audit::Audit;
use shiftlead::backend::Helpdesk;
use shiftlead::backend::intercom::{IntercomClient, IntercomSettings};
use shiftlead::clock::ManualClock;
use shiftlead::domain::actions::{Planned, State, Write};
use shiftlead::domain::{ConversationId, InboxId, Snapshot, TeammateId};
use shiftlead::sim::world::SimState;
use shiftlead::sim::{self, SimConfig, SimHandle, World};
use shiftlead::writes::Executor;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// Everything vendor-specific a check needs, as data and plain functions.
pub struct Hooks {
    /// The request (as the simulator's stats name it) that pages through conversations.
    pub paged_read: &'static str,
    /// Whether a request, as the simulator's stats name it (`METHOD /path/{id}`), writes.
    pub is_write: fn(&str) -> bool,
    /// The status the backend answers a write it refuses as invalid.
    pub refused_status: u16,
    /// A conversation id the backend has never had.
    pub missing_conversation: &'static str,
    /// The world's id of a conversation.
    pub world_conversation: fn(&ConversationId) -> u64,
    /// The world's id of a teammate.
    pub world_teammate: fn(&TeammateId) -> i64,
    /// The world's id of an inbox.
    pub world_inbox: fn(&InboxId) -> i64,
    /// The world's conversations a snapshot must hold (every one not yet done), as domain ids.
    pub live_conversations: fn(&World) -> BTreeSet<ConversationId>,
    /// How much of a window's budget the backend keeps for writes (reads wait at this).
    pub write_reserve: fn(u32) -> u32,
}

/// A backend under test.
pub struct Subject {
    /// Its name, for messages.
    pub name: &'static str,
    /// The client, behind the trait.
    pub backend: Arc<dyn Helpdesk>,
    /// Its simulator.
    pub sim: SimHandle,
    /// The clock both run on.
    pub clock: ManualClock,
    /// The audit log the executor writes.
    pub audit: Arc<Audit>,
    /// The vendor specifics.
    pub hooks: Hooks,
    _dir: tempfile::TempDir,
}

/// The moment every subject starts at.
fn start() -> Timestamp {
    "2026-11-24T10:00:00Z".parse().unwrap()
}

/// A seeded demo simulator of `vendor` on a fresh manual clock.
async fn simulator(vendor: sim::SimVendor, token: &str) -> (SimHandle, ManualClock) {
    let clock = ManualClock::new(start());
    let mut cfg = SimConfig::demo(Arc::new(clock.clone()));
    cfg.vendor = vendor;
    cfg.token = token.into();
    let sim = sim::start(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    (sim, clock)
}

fn numeric<T: std::str::FromStr>(what: &str, id: &str) -> T {
    id.parse()
        .unwrap_or_else(|_| panic!("{what} id {id:?} is not numeric"))
}

/// The Intercom client against the Intercom simulator, with a small search page so that
/// paging is exercised.
pub async fn intercom() -> Subject {
    let (sim, clock) = simulator(sim::SimVendor::Intercom, "conformance").await;
    let mut settings =
        IntercomSettings::new(sim.base_url(), SecretString::from("conformance"), "demo")
            .with_clock(Arc::new(clock.clone()));
    settings.timeout = Duration::from_secs(5);
    let client = IntercomClient::new(settings).unwrap().with_page_size(20);
    Subject::new(
        "intercom",
        Arc::new(client),
        sim,
        clock,
        Hooks {
            paged_read: "POST /conversations/search",
            is_write: |req| {
                let (method, path) = req.split_once(' ').unwrap_or((req, ""));
                match method {
                    "GET" | "HEAD" => false,
                    "POST" => path != "/conversations/search",
                    _ => true,
                }
            },
            refused_status: 400,
            missing_conversation: "999999999",
            world_conversation: |id| numeric("conversation", id.as_str()),
            world_teammate: |id| numeric("teammate", id.as_str()),
            world_inbox: |id| numeric("inbox", id.as_str()),
            // Intercom's `open = true` search: open and snoozed.
            live_conversations: |w| {
                w.conversations
                    .values()
                    .filter(|c| c.state != SimState::Closed)
                    .map(|c| ConversationId(c.id.to_string()))
                    .collect()
            },
            write_reserve: |limit| (limit / 10).max(1),
        },
    )
}

impl Subject {
    fn new(
        name: &'static str,
        backend: Arc<dyn Helpdesk>,
        sim: SimHandle,
        clock: ManualClock,
        hooks: Hooks,
    ) -> Subject {
        let dir = tempfile::tempdir().unwrap();
        let audit = Arc::new(Audit::open(&dir.path().join("audit.log")).unwrap());
        Subject {
            name,
            backend,
            sim,
            clock,
            audit,
            hooks,
            _dir: dir,
        }
    }

    /// An executor over the backend, auditing to the subject's log.
    pub fn executor(&self) -> Executor {
        Executor::new(
            self.backend.clone(),
            Some(self.audit.clone()),
            Arc::new(self.clock.clone()),
            false,
        )
    }

    /// A fresh snapshot.
    pub async fn snapshot(&self) -> Snapshot {
        self.backend
            .snapshot()
            .await
            .unwrap_or_else(|e| panic!("{}: snapshot: {e}", self.name))
    }

    /// The state a write touches, re-read through the backend.
    pub async fn state_of(&self, write: &Write) -> State {
        let b = &self.backend;
        let ctx = |e| format!("{}: re-reading {}: {e}", self.name, write.target());
        match write {
            Write::Assign { conversation, .. } => State::of_conversation(
                &b.conversation(conversation)
                    .await
                    .unwrap_or_else(|e| panic!("{}", ctx(e))),
            ),
            Write::Membership {
                inbox, teammate, ..
            } => State::Membership {
                level: b
                    .inbox(inbox)
                    .await
                    .unwrap_or_else(|e| panic!("{}", ctx(e)))
                    .level_of(teammate),
            },
            Write::Move {
                teammate, from, to, ..
            } => State::Moved {
                from: b
                    .inbox(from)
                    .await
                    .unwrap_or_else(|e| panic!("{}", ctx(e)))
                    .level_of(teammate),
                to: b
                    .inbox(to)
                    .await
                    .unwrap_or_else(|e| panic!("{}", ctx(e)))
                    .level_of(teammate),
            },
            Write::SetPresence { teammate, .. } => State::of_teammate(
                &b.teammate(teammate)
                    .await
                    .unwrap_or_else(|e| panic!("{}", ctx(e))),
            ),
        }
    }

    /// Requests sent so far that write, as the simulator counted them.
    pub fn write_requests(&self) -> Vec<(String, u64)> {
        self.sim
            .stats()
            .requests
            .into_iter()
            .filter(|(k, _)| (self.hooks.is_write)(k))
            .collect()
    }

    /// Runs `p` through `exec`, checks it applied as planned (the executor's confirming
    /// re-read and an independent one agree), undoes it exactly and checks the before-state
    /// is back.
    pub async fn apply_and_undo(&self, exec: &Executor, p: Planned) {
        let name = self.name;
        let report = exec.run(p.clone(), false).await;
        let shiftlead::writes::Outcome::Applied { after } = &report.outcome else {
            panic!("{name}: {}: {:?}", p.label, report.outcome)
        };
        assert_eq!(after, &p.write.expected(&p.before), "{name}: {}", p.label);
        let moved = |s: State| match (&p.write, s) {
            // The undo of a move runs the other way, so it reads with the inboxes swapped.
            (Write::Move { .. }, State::Moved { from, to }) => State::Moved { from: to, to: from },
            (_, s) => s,
        };
        assert_eq!(&self.state_of(&p.write).await, after, "{name}: {}", p.label);
        let undo = Planned {
            write: p
                .write
                .undo(&p.before)
                .unwrap_or_else(|| panic!("{name}: {} has no undo", p.label)),
            before: moved(after.clone()),
            label: format!("undo: {}", p.label),
        };
        let report = exec.run(undo.clone(), true).await;
        assert!(
            matches!(report.outcome, shiftlead::writes::Outcome::Applied { .. }),
            "{name}: {}: {:?}",
            undo.label,
            report.outcome
        );
        assert_eq!(
            self.state_of(&p.write).await,
            p.before,
            "{name}: the undo restores the state before {}",
            p.label
        );
    }
}
