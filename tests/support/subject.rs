//! The one test rig: a backend under test — the real client against its simulator over real
//! HTTP, on a manual clock, with an audit log — and the hooks that hold everything
//! vendor-specific, so checks stay vendor-neutral.
//!
//! Built with [`for_vendor`] (or [`Subject::intercom`]) and options for what tests vary: the
//! start time, seed, scenario, token, rate limit and fault profile of the simulator; the
//! client's timeout, clock, page size and label; with or without an audit log; a read-only
//! executor. A new backend is one arm in [`connect`] and one in [`hooks`].

#![allow(dead_code)]

use futures::future::BoxFuture;
use jiff::SignedDuration;
use jiff::Timestamp;
use secrecy::SecretString;
use shiftlead::audit::Audit;
use shiftlead::backend::Helpdesk;
use shiftlead::backend::intercom::{IntercomClient, IntercomSettings};
use shiftlead::backend::transport::Auth;
use shiftlead::backend::zendesk::{self, ZendeskClient, ZendeskSettings};
use shiftlead::clock::{ManualClock, SharedClock};
use shiftlead::connect::demo_policy;
use shiftlead::domain::actions::{Planned, State, Write};
use shiftlead::domain::{ConversationId, InboxId, Policy, Snapshot, TeammateId};
use shiftlead::sim::world::SimState;
use shiftlead::sim::{self, FaultProfile, Scenario, SimConfig, SimHandle, SimVendor, World};
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
    /// Brings what the backend holds up to the world's present, so that a check can compare
    /// the next snapshot (and re-reads) with the world exactly: a backend whose reads lag is
    /// given the (manual) time it needs, with the world quiet meanwhile. Leaves the world
    /// awake, at the clock's now.
    pub settle: for<'a> fn(&'a Subject) -> BoxFuture<'a, ()>,
}

/// How a client of the subject's simulator is set up.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// The bearer token it sends.
    pub token: String,
    /// Its per-request timeout; `None`: the client's default.
    pub timeout: Option<Duration>,
    /// Whether it waits (retries, rate-limit resets) on the subject's manual clock; else on
    /// the system clock.
    pub manual_clock: bool,
    /// Its search page size; `None`: the client's default.
    pub page_size: Option<u32>,
    /// The label it shows as the backend.
    pub label: &'static str,
}

/// The concrete client under test, for checks that are vendor-specific by nature.
pub enum Concrete {
    /// An Intercom client.
    Intercom(Arc<IntercomClient>),
    /// A Zendesk Support client.
    Zendesk(Arc<ZendeskClient>),
}

impl Concrete {
    fn helpdesk(&self) -> Arc<dyn Helpdesk> {
        match self {
            Concrete::Intercom(c) => c.clone(),
            Concrete::Zendesk(c) => c.clone(),
        }
    }
}

/// A backend under test.
pub struct Subject {
    /// Its name, for messages.
    pub name: &'static str,
    /// The client, behind the trait.
    pub backend: Arc<dyn Helpdesk>,
    /// The same client, typed.
    pub concrete: Concrete,
    /// Its simulator.
    pub sim: SimHandle,
    /// The clock the simulator (and, unless told otherwise, the client) runs on.
    pub clock: ManualClock,
    /// The vendor specifics.
    pub hooks: Hooks,
    /// The scenario the simulator was started with.
    pub scenario: Scenario,
    vendor: SimVendor,
    client: ClientOptions,
    audit: Option<Arc<Audit>>,
    read_only: bool,
    _dir: Option<tempfile::TempDir>,
}

/// The moment every subject starts at unless told otherwise: 10:00 UTC on a weekday, the busy
/// part of the simulated day.
pub fn start() -> Timestamp {
    "2026-11-24T10:00:00Z".parse().unwrap()
}

/// A subject of `vendor` to build: the seeded demo at [`start`], a client with its default
/// timeout on the subject's manual clock, an audit log, a writing executor.
pub fn for_vendor(vendor: SimVendor) -> Builder {
    Builder {
        vendor,
        start: start(),
        seed: None,
        scenario: None,
        rate_limit: None,
        faults: FaultProfile::none(),
        client: ClientOptions {
            token: "test-token".into(),
            timeout: None,
            manual_clock: true,
            page_size: None,
            label: "demo",
        },
        audit: true,
        read_only: false,
    }
}

/// The options of a subject to be built.
#[must_use]
pub struct Builder {
    vendor: SimVendor,
    start: Timestamp,
    seed: Option<u64>,
    scenario: Option<Scenario>,
    rate_limit: Option<u32>,
    faults: FaultProfile,
    client: ClientOptions,
    audit: bool,
    read_only: bool,
}

impl Builder {
    /// Starts the clock at `at`.
    pub fn start(mut self, at: Timestamp) -> Self {
        self.start = at;
        self
    }

    /// Seeds the simulator with `seed` (else the demo's).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Runs `scenario` (else the shipped demo).
    pub fn scenario(mut self, scenario: Scenario) -> Self {
        self.scenario = Some(scenario);
        self
    }

    /// Allows `per_window` requests a window (else the demo's).
    pub fn rate_limit(mut self, per_window: u32) -> Self {
        self.rate_limit = Some(per_window);
        self
    }

    /// Injects `faults` from the start.
    pub fn faults(mut self, faults: FaultProfile) -> Self {
        self.faults = faults;
        self
    }

    /// The token the simulator accepts and the client sends.
    pub fn token(mut self, token: &str) -> Self {
        self.client.token = token.into();
        self
    }

    /// The client's per-request timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.client.timeout = Some(timeout);
        self
    }

    /// The client waits on the system clock, not the subject's manual one.
    pub fn client_on_system_clock(mut self) -> Self {
        self.client.manual_clock = false;
        self
    }

    /// The client reads search pages of `n`.
    pub fn page_size(mut self, n: u32) -> Self {
        self.client.page_size = Some(n);
        self
    }

    /// The label the client shows as the backend.
    pub fn label(mut self, label: &'static str) -> Self {
        self.client.label = label;
        self
    }

    /// No audit log: the executor audits nothing.
    pub fn without_audit(mut self) -> Self {
        self.audit = false;
        self
    }

    /// The executor refuses every write.
    pub fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    /// Starts the simulator and connects the client.
    pub async fn build(self) -> Subject {
        let clock = ManualClock::new(self.start);
        let mut cfg = SimConfig::demo_of(self.vendor, Arc::new(clock.clone()));
        cfg.token = self.client.token.clone();
        if let Some(seed) = self.seed {
            cfg.seed = seed;
        }
        if let Some(scenario) = self.scenario {
            cfg.scenario = scenario;
        }
        if let Some(limit) = self.rate_limit {
            cfg.rate_limit_per_window = limit;
        }
        cfg.faults = self.faults;
        let scenario = cfg.scenario.clone();
        let sim = sim::start(cfg, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let concrete = connect(self.vendor, &sim, &clock, &self.client);
        let (audit, dir) = if self.audit {
            let dir = tempfile::tempdir().unwrap();
            let audit = Arc::new(Audit::open(&dir.path().join("audit.log")).unwrap());
            (Some(audit), Some(dir))
        } else {
            (None, None)
        };
        Subject {
            name: self.vendor.name(),
            backend: concrete.helpdesk(),
            concrete,
            sim,
            clock,
            hooks: hooks(self.vendor),
            scenario,
            vendor: self.vendor,
            client: self.client,
            audit,
            read_only: self.read_only,
            _dir: dir,
        }
    }
}

/// A client of `vendor` for `sim`, set up as `o` says.
fn connect(vendor: SimVendor, sim: &SimHandle, clock: &ManualClock, o: &ClientOptions) -> Concrete {
    match vendor {
        SimVendor::Intercom => {
            let mut settings =
                IntercomSettings::new(sim.base_url(), SecretString::from(o.token.clone()), o.label);
            if o.manual_clock {
                settings = settings.with_clock(Arc::new(clock.clone()));
            }
            if let Some(timeout) = o.timeout {
                settings.timeout = timeout;
            }
            let mut client = IntercomClient::new(settings).unwrap();
            if let Some(n) = o.page_size {
                client = client.with_page_size(n);
            }
            Concrete::Intercom(Arc::new(client))
        }
        SimVendor::Zendesk => {
            // An API token as an admin (the account owner) sends it: basic
            // `{email}/token:{token}`.
            let auth = Auth::Basic {
                user: format!("{}/token", sim.email),
                secret: SecretString::from(o.token.clone()),
            };
            let mut settings = ZendeskSettings::new(sim.base_url(), auth, o.label);
            if o.manual_clock {
                settings = settings.with_clock(Arc::new(clock.clone()));
            }
            if let Some(timeout) = o.timeout {
                settings.timeout = timeout;
            }
            // The conversations' paged read is `search/export`; the lists page by the same
            // size, so both paging modes' pages turn.
            if let Some(n) = o.page_size {
                settings.page_size = n;
                settings.export_page_size = n;
            }
            Concrete::Zendesk(Arc::new(ZendeskClient::new(settings).unwrap()))
        }
    }
}

fn numeric<T: std::str::FromStr>(what: &str, id: &str) -> T {
    id.parse()
        .unwrap_or_else(|_| panic!("{what} id {id:?} is not numeric"))
}

/// The hooks of `vendor`.
fn hooks(vendor: SimVendor) -> Hooks {
    match vendor {
        SimVendor::Intercom => Hooks {
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
                    .map(|c| ConversationId::from(c.id.to_string()))
                    .collect()
            },
            write_reserve: |limit| (limit / 10).max(1),
            // Search reads the world as it is.
            settle: |_| Box::pin(async {}),
        },
        SimVendor::Zendesk => Hooks {
            paged_read: "GET /api/v2/search/export",
            is_write: |req| {
                let (method, _) = req.split_once(' ').unwrap_or((req, ""));
                !matches!(method, "GET" | "HEAD")
            },
            refused_status: 422,
            missing_conversation: "999999999",
            world_conversation: |id| numeric("ticket", id.as_str()),
            world_teammate: |id| numeric("agent", id.as_str()),
            world_inbox: |id| numeric("group", id.as_str()),
            // Unsolved tickets (`status<solved`): new, open, pending and on-hold.
            live_conversations: |w| {
                w.conversations
                    .values()
                    .filter(|c| c.state != SimState::Closed)
                    .map(|c| ConversationId::from(c.id.to_string()))
                    .collect()
            },
            write_reserve: |limit| (limit / 10).max(1),
            // The incremental export leaves out the last minute and is asked every 15 s; the
            // SLAs of tickets not yet read come in `show_many` batches, a few a tick. So: a
            // quiet minute and a tick, then ticks until every live ticket's SLA was read.
            settle: |s| {
                Box::pin(async move {
                    s.sim.set_quiet(true);
                    s.clock.advance(SignedDuration::from_secs(61));
                    s.snapshot().await;
                    let live = s.sim.with_world(|w| w.open_count());
                    let per_tick = zendesk::sync::SLA_CALLS * zendesk::client::BATCH;
                    for _ in 0..live.div_ceil(per_tick) {
                        s.clock.advance(SignedDuration::from_secs(15));
                        s.snapshot().await;
                    }
                    s.sim.set_quiet(false);
                })
            },
        },
    }
}

impl Subject {
    /// An Intercom subject to build.
    pub fn intercom() -> Builder {
        for_vendor(SimVendor::Intercom)
    }

    /// A Zendesk Support subject to build.
    pub fn zendesk() -> Builder {
        for_vendor(SimVendor::Zendesk)
    }

    /// The typed Intercom client (panics for another vendor).
    pub fn intercom_client(&self) -> &Arc<IntercomClient> {
        match &self.concrete {
            Concrete::Intercom(c) => c,
            _ => panic!("{}: not an Intercom subject", self.name),
        }
    }

    /// The typed Zendesk client (panics for another vendor).
    pub fn zendesk_client(&self) -> &Arc<ZendeskClient> {
        match &self.concrete {
            Concrete::Zendesk(c) => c,
            _ => panic!("{}: not a Zendesk subject", self.name),
        }
    }

    /// Another client of the simulator, set up as this subject's is but for what `change`
    /// changes.
    pub fn new_client(&self, change: impl FnOnce(&mut ClientOptions)) -> Arc<dyn Helpdesk> {
        let mut o = self.client.clone();
        change(&mut o);
        connect(self.vendor, &self.sim, &self.clock, &o).helpdesk()
    }

    /// The audit log the executor writes (panics for a subject built without one).
    pub fn audit(&self) -> &Arc<Audit> {
        self.audit
            .as_ref()
            .unwrap_or_else(|| panic!("{}: built without an audit log", self.name))
    }

    /// The demo's local rules for the subject's scenario.
    pub fn demo_policy(&self) -> Policy {
        let mut policy = Policy::default();
        demo_policy(&mut policy, &self.scenario);
        policy
    }

    /// An executor over the backend on the subject's clock, auditing to the subject's log
    /// (if it has one), read-only if built so.
    pub fn executor(&self) -> Executor {
        self.executor_on(Arc::new(self.clock.clone()))
    }

    /// [`Subject::executor`] on another clock.
    pub fn executor_on(&self, clock: SharedClock) -> Executor {
        Executor::new(
            self.backend.clone(),
            self.audit.clone(),
            clock,
            self.read_only,
        )
    }

    /// Waits (on the manual clock) until the backend holds the world as it is: see
    /// [`Hooks::settle`].
    pub async fn settle(&self) {
        (self.hooks.settle)(self).await;
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
        let level_in = async |inbox: &InboxId, teammate: &TeammateId| {
            b.inbox(inbox)
                .await
                .unwrap_or_else(|e| panic!("{}", ctx(e)))
                .level_of(teammate)
        };
        match write {
            Write::Assign { conversation, .. } => State::of_conversation(
                &b.conversation(conversation)
                    .await
                    .unwrap_or_else(|e| panic!("{}", ctx(e))),
            ),
            Write::Membership {
                inbox, teammate, ..
            } => State::Membership {
                level: level_in(inbox, teammate).await,
            },
            Write::Move {
                teammate, from, to, ..
            } => State::Moved {
                from: level_in(from, teammate).await,
                to: level_in(to, teammate).await,
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

    /// Runs `p` through `exec`: it applies exactly as planned (checked and undone as
    /// [`Subject::apply_and_undo`] does), or it is refused — not applied, with the backend's
    /// refusal (its refused status, or the client's own "not supported") — and the object is
    /// as it was, with no write applied. Never anything else. Says (on stderr) which way it
    /// went; `true` when it applied.
    pub async fn apply_or_refuse(&self, exec: &Executor, p: Planned) -> bool {
        let name = self.name;
        let applied_before = self.sim.applied().len();
        let report = exec.run(p.clone(), false).await;
        match &report.outcome {
            shiftlead::writes::Outcome::Applied { after } => {
                self.confirm_and_undo(exec, &p, after).await;
                eprintln!("{name}: {}: applied exactly", p.label);
                true
            }
            shiftlead::writes::Outcome::NotApplied { error } => {
                let refused = self.hooks.refused_status.to_string();
                assert!(
                    error.contains(&refused) || error.contains("not supported"),
                    "{name}: {}: refused with {refused} or as not supported: {error}",
                    p.label
                );
                assert_eq!(
                    self.state_of(&p.write).await,
                    p.before,
                    "{name}: {}: refused, and nothing changed",
                    p.label
                );
                assert_eq!(
                    self.sim.applied().len(),
                    applied_before,
                    "{name}: {}: no write applied",
                    p.label
                );
                eprintln!("{name}: {}: refused, nothing changed: {error}", p.label);
                false
            }
            other => panic!(
                "{name}: {}: neither applied nor refused: {other:?}",
                p.label
            ),
        }
    }

    /// Runs `p` through `exec`, checks it applied as planned (the executor's confirming
    /// re-read and an independent one agree), undoes it exactly and checks the before-state
    /// is back.
    pub async fn apply_and_undo(&self, exec: &Executor, p: Planned) {
        let report = exec.run(p.clone(), false).await;
        let shiftlead::writes::Outcome::Applied { after } = &report.outcome else {
            panic!("{}: {}: {:?}", self.name, p.label, report.outcome)
        };
        self.confirm_and_undo(exec, &p, after).await;
    }

    /// `p` applied with `after`: checks it is as planned (the executor's confirming re-read
    /// and an independent one agree), undoes it exactly and checks the before-state is back.
    async fn confirm_and_undo(&self, exec: &Executor, p: &Planned, after: &State) {
        let name = self.name;
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
