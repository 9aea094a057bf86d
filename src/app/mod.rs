//! Dashboard state and how it changes. Pure: no IO, no async; the loop in `dashboard` feeds it
//! key events, sync results and ticks, and `ui` draws it.

mod actions;
pub mod conversation;
mod copilot;
mod input;
pub mod keymap;
mod rows;
mod trends;

pub use crate::sync::SyncMsg;
pub use actions::{
    AuditView, Choice, Confirm, Effect, Overlay, PickItem, Picker, bulk_summary, report_line,
};
pub use copilot::Rebalance;
pub use input::{COMMANDS, CmdLine, Completion, command_names};
pub use rows::{ConversationRow, Rows, SortMode, names, title};

use crate::backend::Budget;
use crate::domain::actions::{Planned, State};
use crate::domain::capabilities::{Capabilities, Read, Write as WriteCap};
use crate::domain::{self, ConversationId, InboxId, Metrics, Policy, Snapshot, TeammateId};
use jiff::{SignedDuration, Timestamp};
use std::collections::HashSet;
use std::collections::{HashMap, VecDeque};
use std::time::Duration;

/// Polls kept for the queue-depth sparklines.
pub const HISTORY: usize = 60;

/// A pane of the main view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    /// Queue depth per inbox.
    Inboxes,
    /// Load versus cap per teammate.
    Teammates,
    /// Conversations nearest to breach.
    Sla,
}

impl Pane {
    /// Panes in Tab order.
    pub const ALL: [Pane; 3] = [Pane::Inboxes, Pane::Teammates, Pane::Sla];

    fn index(self) -> usize {
        match self {
            Pane::Inboxes => 0,
            Pane::Teammates => 1,
            Pane::Sla => 2,
        }
    }

    /// Title shown on the pane.
    pub fn title(self) -> &'static str {
        match self {
            Pane::Inboxes => "Inboxes",
            Pane::Teammates => "Teammates",
            Pane::Sla => "SLA",
        }
    }
}

/// What fills the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    /// Inboxes, teammates, SLA.
    Main,
    /// One inbox: its conversations and members.
    Inbox(InboxId),
    /// One teammate: their conversations and memberships.
    Teammate(TeammateId),
    /// Coverage across time zones: members working per inbox, now and the next 12 hours.
    Coverage,
    /// One conversation at a glance: customer, state, SLA, the latest parts, its link.
    Conversation(ConversationId),
    /// The shift's history: queue depth per inbox, breaches over time, load now.
    Trends,
}

/// What keys currently do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Navigation.
    Normal,
    /// Typing a filter for the focused list.
    Filter,
    /// Typing a `:` command.
    Command(String),
}

/// One clickable list of the last frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListHit {
    /// The pane it belongs to (drill-down lists report the focused list).
    pub pane: Pane,
    /// Left column of the rows.
    pub x: u16,
    /// Screen row of the first visible row.
    pub y: u16,
    /// Width of the rows.
    pub width: u16,
    /// Number of visible rows.
    pub height: u16,
    /// Index of the first visible row.
    pub offset: usize,
}

/// Screen areas of the last frame, for mouse clicks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hits {
    /// Clickable lists.
    pub lists: Vec<ListHit>,
    /// The screen was too small to draw the dashboard: no key may act on what is not shown.
    pub hidden: bool,
}

/// One line of the message history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// When it was said (the latest time the app knew).
    pub at: Option<Timestamp>,
    /// Backend health (a poll error) rather than a message or a write result.
    pub health: bool,
    /// The text.
    pub text: String,
}

/// Most lines the history keeps.
pub const LOG_LINES: usize = 500;

/// The whole dashboard state.
#[derive(Debug, Clone)]
pub struct App {
    /// Latest good data.
    pub snapshot: Option<Snapshot>,
    /// Figures derived from it.
    pub metrics: Option<Metrics>,
    /// The derived state behind `metrics`, updated by each refresh's delta.
    live: Option<domain::live::Live>,
    /// Local rules.
    pub policy: Policy,
    /// Open conversations per inbox over the last polls.
    pub history: HashMap<InboxId, VecDeque<u32>>,
    /// Arrival rates per inbox, smoothed over polls.
    pub arrivals: domain::forecast::ArrivalTracker,
    /// When to ring or notify.
    pub alert_rules: domain::alerts::AlertRules,
    /// What has been alerted.
    pub alert_state: domain::alerts::AlertState,
    /// Working hours for the coverage view.
    pub coverage: domain::coverage::CoverageConfig,
    /// The coverage view's figures, computed when it opens and on each poll while it is open
    /// (never while drawing).
    pub coverage_rows: Vec<domain::coverage::InboxCoverage>,
    /// Off-queue blocks in progress.
    pub blocks: Vec<domain::blocks::Block>,
    /// The blocks are the team's (kept and ended on time by the backend's write relay,
    /// [`crate::backend::WriteRelay::blocks`]): this dashboard shows them, starts and ends them
    /// through it, and never ends them itself.
    pub blocks_shared: bool,
    /// Blocks waiting for their away write: (teammate, minutes, reason, label).
    pub pending_blocks: Vec<(TeammateId, i64, Option<domain::AwayReasonId>, String)>,
    /// Team blocks asked of the relay and not yet in its copy: shown meanwhile, so a block
    /// does not vanish between `b` and the watch bringing it.
    pub starting_blocks: Vec<domain::blocks::Block>,
    /// Where each inbox of the snapshot sits in its list (rebuilt when the inboxes change).
    inbox_pos: rustc_hash::FxHashMap<InboxId, usize>,
    /// When the latest good data arrived.
    pub last_ok: Option<Timestamp>,
    /// Duration of the last poll.
    pub last_poll: Option<Duration>,
    /// The last poll's error, cleared by a good poll.
    pub last_error: Option<String>,
    /// API budget as last reported.
    pub budget: Budget,
    /// Poll interval (for staleness).
    pub refresh: Duration,
    /// Deadlines closer than this are highlighted.
    pub warn_under: SignedDuration,
    /// Running on the embedded simulator.
    pub demo: bool,
    /// Focused pane of the main view.
    pub focus: Pane,
    /// Selected row per pane.
    pub selected: [usize; 3],
    /// Sort mode per pane.
    pub sort: [SortMode; 3],
    /// Per pane: the sort reversed (`S`).
    pub sort_reversed: [bool; 3],
    /// Filter text per pane.
    pub filter: [String; 3],
    /// Selected row in a drill-down.
    pub detail_selected: usize,
    /// Filter text in a drill-down.
    pub detail_filter: String,
    /// Input mode.
    pub mode: Mode,
    /// Current view.
    pub view: View,
    /// Help overlay shown.
    pub help: bool,
    /// First line of the help overlay shown (it scrolls on small screens).
    pub help_scroll: u16,
    /// A one-off message for the status line (e.g. an unknown command).
    pub message: Option<String>,
    /// Writes in flight.
    pub pending_writes: usize,
    /// Objects with a write in flight ("conversation 1", "inbox 2", "teammate 3").
    pub pending: HashSet<String>,
    /// Conversations marked with Space.
    pub marked: HashSet<ConversationId>,
    /// Teammates marked with Space.
    pub marked_mates: HashSet<TeammateId>,
    /// A picker, confirmation or the audit view.
    pub overlay: Option<Overlay>,
    /// Work for the loop.
    pub effects: Vec<Effect>,
    /// The last applied writes with the state read back, for undo.
    pub undo_stack: Vec<Vec<(Planned, State)>>,
    /// Why writes are off (read-only mode).
    pub read_only: Option<String>,
    /// Hide conversation titles and customer details.
    pub privacy: bool,
    /// Key bindings.
    pub keymap: keymap::Keymap,
    /// What the backend can do.
    pub capabilities: Capabilities,
    /// Clickable areas of the last frame.
    pub hits: Hits,
    /// The user asked to quit.
    pub quit: bool,
    /// A quit was asked while blocks run; the next one quits.
    pub quit_armed: bool,
    /// In an inbox drill-down, the members list has the focus (Tab switches).
    pub members_focus: bool,
    /// The selected row of the drill-down's members list.
    pub member_selected: usize,
    /// Every message, write result and poll error since start, oldest first (bounded): the
    /// history `M` shows, so nothing said on the status line is lost.
    pub log: VecDeque<LogLine>,
    /// The latest time the app was told (sync results, writes), for stamping log lines.
    last_now: Option<Timestamp>,
    /// The user asked for an immediate refresh.
    pub refresh_requested: bool,
    /// What `:trends` shows: the history read for the window, or why it cannot be read;
    /// `None` until the first answer.
    pub trends: Option<Result<crate::history::Trends, String>>,
    /// The window `:trends` shows.
    pub trends_window: crate::history::Window,
    /// Something visible changed since the last draw.
    pub dirty: bool,
    /// The conversation view's state while it is open.
    pub conversation: Option<conversation::OpenConversation>,
    /// How links are opened here (set by the loop from the environment).
    pub browser: conversation::Browser,
    /// The `:` line's history and completion.
    pub cmdline: CmdLine,
}

impl App {
    /// A fresh dashboard with no data yet.
    pub fn new(policy: Policy, refresh: Duration, demo: bool) -> App {
        App {
            snapshot: None,
            metrics: None,
            live: None,
            policy,
            history: HashMap::new(),
            arrivals: domain::forecast::ArrivalTracker::new(SignedDuration::from_mins(15)),
            inbox_pos: Default::default(),
            blocks: Vec::new(),
            blocks_shared: false,
            pending_blocks: Vec::new(),
            starting_blocks: Vec::new(),
            coverage: domain::coverage::CoverageConfig::default(),
            coverage_rows: Vec::new(),
            alert_rules: domain::alerts::AlertRules::default(),
            alert_state: domain::alerts::AlertState::default(),
            last_ok: None,
            last_poll: None,
            last_error: None,
            budget: Budget::default(),
            refresh,
            warn_under: SignedDuration::from_hours(1),
            demo,
            focus: Pane::Inboxes,
            selected: [0; 3],
            sort: [SortMode::Natural; 3],
            sort_reversed: [false; 3],
            filter: Default::default(),
            detail_selected: 0,
            detail_filter: String::new(),
            mode: Mode::Normal,
            view: View::Main,
            help: false,
            help_scroll: 0,
            message: None,
            pending_writes: 0,
            pending: HashSet::new(),
            marked: HashSet::new(),
            marked_mates: HashSet::new(),
            overlay: None,
            effects: Vec::new(),
            undo_stack: Vec::new(),
            quit_armed: false,
            members_focus: false,
            member_selected: 0,
            log: VecDeque::new(),
            last_now: None,
            read_only: None,
            privacy: false,
            keymap: keymap::Keymap::default(),
            capabilities: Capabilities {
                inboxes: Read::Exact,
                member_levels: Read::Exact,
                load: Read::Exact,
                caps: Read::Exact,
                sla_deadlines: Read::Exact,
                away: Read::Exact,
                away_since: Read::Exact,
                assign: WriteCap::Available,
                set_away: WriteCap::Available,
                membership: WriteCap::Available,
                default_inbox: WriteCap::Unavailable("not known yet".into()),
                presence: domain::PresenceStatus::ALL.to_vec(),
                removal_unassigns: None,
                assign_batch: None,
                assignee_in_inbox: false,
            },
            hits: Hits::default(),
            quit: false,
            refresh_requested: false,
            trends: None,
            trends_window: crate::history::Window::default(),
            dirty: true,
            conversation: None,
            browser: conversation::Browser::Unavailable("no browser detected".into()),
            cmdline: CmdLine::default(),
        }
    }

    /// Takes a sync result at `now`.
    pub fn on_sync(&mut self, msg: SyncMsg, now: Timestamp) {
        let keys = self.selection_keys();
        let said = self.message.clone();
        match msg {
            SyncMsg::Snapshot {
                snapshot,
                delta,
                took,
                budget,
                capabilities,
            } => {
                self.capabilities = *capabilities;
                let delta = delta.filter(|_| self.can_apply(now));
                let metrics = self.rederive(&snapshot, delta.as_ref(), now);
                let people_same = self
                    .snapshot
                    .as_ref()
                    .is_some_and(|old| old.inboxes.ptr_eq(&snapshot.inboxes));
                if !people_same {
                    self.inbox_pos = snapshot
                        .inboxes
                        .iter()
                        .enumerate()
                        .map(|(n, i)| (i.id.clone(), n))
                        .collect();
                    let pos = &self.inbox_pos;
                    self.history.retain(|id, _| pos.contains_key(id));
                }
                for m in &metrics.inboxes {
                    let h = match self.history.get_mut(&m.inbox) {
                        Some(h) => h,
                        None => self.history.entry(m.inbox.clone()).or_default(),
                    };
                    h.push_back(m.open);
                    while h.len() > HISTORY {
                        h.pop_front();
                    }
                }
                match &delta {
                    Some(d) => self.arrivals.observe_changed(
                        &snapshot,
                        d.changed.iter().filter_map(|id| snapshot.conversation(id)),
                        now,
                    ),
                    None => self.arrivals.observe(&snapshot, now),
                }
                self.reconcile_blocks(&snapshot, now);
                if self.view == View::Coverage {
                    self.coverage_rows = domain::coverage::coverage(&snapshot, &self.coverage, now);
                }
                if self.view == View::Trends {
                    self.effects.push(Effect::LoadTrends(self.trends_window));
                }
                let live = self.live.as_ref();
                let near = |within| live.map(|l| l.running_within(now, within));
                if let Some(alert) =
                    self.alert_state
                        .check_with(&self.alert_rules, &snapshot, &metrics, now, near)
                {
                    self.message = Some(format!("🔔 {}", alert.body));
                    self.effects.push(Effect::Alert(alert));
                }
                self.snapshot = Some(*snapshot);
                self.metrics = Some(metrics);
                self.last_ok = Some(now);
                self.last_poll = Some(took);
                self.budget = budget;
                self.follow(&keys, true);
                self.last_now = Some(now);
                if self.last_error.take().is_some() {
                    self.push_log(true, "polling works again".into());
                }
            }
            SyncMsg::Failed {
                error,
                took,
                budget,
            } => {
                self.last_now = Some(now);
                if self.last_error.as_ref() != Some(&error) {
                    self.push_log(true, format!("poll failed: {error}"));
                }
                self.last_error = Some(error);
                self.last_poll = Some(took);
                if budget.limit.is_some() {
                    self.budget = budget;
                }
            }
        }
        self.log_message_change(&said);
        self.dirty = true;
    }

    /// Whether a delta can be applied to the figures held at `now`: they exist, were derived
    /// from the snapshot held, with this policy, and the clock has not gone back.
    pub(crate) fn can_apply(&self, now: Timestamp) -> bool {
        match (&self.live, &self.snapshot) {
            (Some(live), Some(s)) => {
                live.derived_from(s) && live.fits(&self.policy) && now >= live.at()
            }
            _ => false,
        }
    }

    /// The figures of `new` at `now`: the held ones updated by `delta` (O(changes)) when it
    /// is given, else derived afresh (O(conversations)).
    pub(crate) fn rederive(
        &mut self,
        new: &Snapshot,
        delta: Option<&domain::Delta>,
        now: Timestamp,
    ) -> Metrics {
        // The previous figures are updated in place (and their SLA queue, shared with the
        // live state, is then changed without a copy).
        let previous = self.metrics.take();
        let (mut live, previous) = match (self.live.take(), delta, &self.snapshot) {
            (Some(mut live), Some(d), Some(old)) => {
                let mut previous = previous;
                // Drop the queue the old figures share, so the delta changes it in place.
                if let Some(m) = previous.as_mut() {
                    m.sla_queue = Default::default();
                }
                live.apply(old, new, d);
                if live.advance(new, now) {
                    (live, previous)
                } else {
                    (domain::live::Live::build(new, &self.policy, now), None)
                }
            }
            _ => (domain::live::Live::build(new, &self.policy, now), None),
        };
        let metrics = live.figures(previous, new, &self.policy);
        self.live = Some(live);
        metrics
    }

    /// Adds a line to the history.
    pub(crate) fn push_log(&mut self, health: bool, text: String) {
        if self.log.len() == LOG_LINES {
            self.log.pop_front();
        }
        self.log.push_back(LogLine {
            at: self.last_now,
            health,
            text,
        });
    }

    /// Records the status message in the history when it changed.
    pub(crate) fn log_message_change(&mut self, before: &Option<String>) {
        if self.message != *before
            && let Some(m) = self.message.clone()
        {
            self.push_log(false, m);
        }
    }

    /// A second passed: countdowns and the data age move.
    pub fn on_tick(&mut self) {
        if self.snapshot.is_some() || self.last_error.is_some() {
            self.dirty = true;
        }
    }

    /// Age of the data at `now`.
    pub fn data_age(&self, now: Timestamp) -> Option<SignedDuration> {
        self.last_ok.map(|t| now.duration_since(t))
    }

    /// Data older than three refresh intervals is stale.
    pub fn is_stale(&self, now: Timestamp) -> bool {
        let limit = SignedDuration::try_from(self.refresh * 3).unwrap_or(SignedDuration::MAX);
        self.data_age(now).is_some_and(|age| age > limit)
    }

    /// Rows shown in a pane after filter and sort (indices into the snapshot's lists, or
    /// into the SLA queue).
    pub fn rows(&self, pane: Pane) -> rows::Rows {
        rows::rows(self, pane)
    }

    /// The members of the inbox drill-down, in the order listed.
    pub fn detail_members(&self) -> Vec<TeammateId> {
        match (&self.view, &self.snapshot) {
            (View::Inbox(id), Some(s)) => s
                .inbox(id)
                .map(|i| i.members.iter().map(|m| m.teammate.clone()).collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// Conversations listed in the current drill-down, filtered.
    pub fn detail_rows(&self) -> Vec<ConversationRow<'_>> {
        rows::detail_rows(self)
    }

    /// Takes the work queued for the loop.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    /// What is under the cursor of each list, by id and name: the three panes, then the
    /// drill-down.
    fn selection_keys(&self) -> [Option<(String, String)>; 4] {
        let key = |pane: Pane| -> Option<(String, String)> {
            let rows = self.rows(pane);
            let n = rows.get(self.selected[pane.index()])?;
            let s = self.snapshot.as_ref()?;
            Some(match pane {
                Pane::Inboxes => {
                    let i = s.inboxes.get(n)?;
                    (i.id.to_string(), i.name.clone())
                }
                Pane::Teammates => {
                    let t = s.teammates.get(n)?;
                    (t.id.to_string(), t.name.clone())
                }
                Pane::Sla => {
                    let id = &self.metrics.as_ref()?.sla_queue.get(n)?.conversation;
                    (id.to_string(), format!("conversation #{id}"))
                }
            })
        };
        let detail = self.detail_rows().get(self.detail_selected).map(|r| {
            let id = &r.conversation.id;
            (id.to_string(), format!("conversation #{id}"))
        });
        [
            key(Pane::Inboxes),
            key(Pane::Teammates),
            key(Pane::Sla),
            detail,
        ]
    }

    /// Puts each cursor back on the item it was on (by id) after the rows changed (a sort, a
    /// filter, a refresh). An item that left the list leaves the cursor where it was; with
    /// `tell`, the status line says so.
    fn follow(&mut self, keys: &[Option<(String, String)>; 4], tell: bool) {
        self.clamp_selection();
        let now = self.selection_keys();
        let same =
            |a: &Option<(String, String)>, id: &str| a.as_ref().is_some_and(|(x, _)| x == id);
        let mut gone = Vec::new();
        for pane in Pane::ALL {
            let (Some((key, name)), Some(s)) = (&keys[pane.index()], &self.snapshot) else {
                continue;
            };
            if same(&now[pane.index()], key) {
                continue;
            }
            let rows = self.rows(pane);
            let found = match (&rows, pane, &self.metrics) {
                // The whole queue in its own order: find the item by its key, not by a scan.
                (rows::Rows::All(_), Pane::Sla, Some(m)) => s
                    .conversation(&ConversationId::from(key.clone()))
                    .and_then(|c| m.sla_queue.position(c)),
                _ => rows.iter().position(|n| match pane {
                    Pane::Inboxes => s.inboxes.get(n).is_some_and(|i| i.id.0 == *key),
                    Pane::Teammates => s.teammates.get(n).is_some_and(|t| t.id.0 == *key),
                    Pane::Sla => self
                        .metrics
                        .as_ref()
                        .and_then(|m| m.sla_queue.get(n))
                        .is_some_and(|u| u.conversation.0 == *key),
                }),
            };
            match found {
                Some(at) => self.selected[pane.index()] = at,
                None => gone.push(name.clone()),
            }
        }
        if let Some((key, name)) = &keys[3]
            && !same(&now[3], key)
        {
            match self
                .detail_rows()
                .iter()
                .position(|r| r.conversation.id.0 == *key)
            {
                Some(at) => self.detail_selected = at,
                None => gone.push(name.clone()),
            }
        }
        if tell && !gone.is_empty() {
            self.message = Some(format!("the selected {} left the list", gone.join(", ")));
        }
    }

    fn clamp_selection(&mut self) {
        for pane in Pane::ALL {
            let n = self.rows(pane).len();
            let s = &mut self.selected[pane.index()];
            *s = (*s).min(n.saturating_sub(1));
        }
        let n = self.detail_rows().len();
        self.detail_selected = self.detail_selected.min(n.saturating_sub(1));
    }
}

impl App {
    /// The forecast of one inbox at the figures' moment, computed when asked (O(log n): the
    /// screen asks for the rows it shows).
    pub fn forecast(&self, inbox: &InboxId) -> Option<domain::forecast::InboxForecast> {
        let (s, m) = (self.snapshot.as_ref()?, self.metrics.as_ref()?);
        let n = match self.inbox_pos.get(inbox) {
            Some(&n) if s.inboxes.get(n).is_some_and(|i| &i.id == inbox) => n,
            _ => s.inboxes.iter().position(|i| &i.id == inbox)?,
        };
        let id = &s.inboxes[n].id;
        let now = m.at;
        let params = domain::forecast::ForecastParams::from(&self.policy);
        let nearest = match &self.live {
            Some(live) => live.nearest_deadline(id, now),
            None => None,
        };
        Some(domain::forecast::forecast_one(
            id,
            m.inbox_at(n, id),
            &self.arrivals,
            &params,
            now,
            nearest,
        ))
    }

    /// Opens the coverage view, computing its figures from the latest data.
    pub(crate) fn open_coverage(&mut self) {
        self.view = View::Coverage;
        if let (Some(s), Some(m)) = (&self.snapshot, &self.metrics) {
            self.coverage_rows = domain::coverage::coverage(s, &self.coverage, m.at);
        }
    }
}
