//! The simulated workspace and how it evolves. Pure: no IO, time comes in as an argument, and
//! every random choice comes from one seeded RNG, so a seed and a sequence of clock readings
//! and requests always produce the same state.

use super::scenario::Scenario;
use crate::backend::intercom::wire;
use jiff::{SignedDuration, Timestamp};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashMap, HashSet};

/// First admin id; admins count up from here.
const ADMIN_BASE: i64 = 991_267_400;
/// First team id.
const TEAM_BASE: i64 = 5_017_690;
/// First conversation id.
const CONVERSATION_BASE: u64 = 215_470_000_000;
/// How often a member of a manual inbox picks up a conversation.
const MANUAL_PICKS_PER_HOUR: f64 = 6.0;

/// Membership level inside the simulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum SimLevel {
    /// Primary member.
    Primary,
    /// Secondary member.
    Secondary,
}

/// A teammate.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SimAdmin {
    /// Admin id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Away mode.
    pub away: bool,
    /// Away-and-reassign.
    pub reassign: bool,
    /// Away reason id.
    pub reason: Option<i64>,
    /// Own cap.
    pub cap: u32,
    /// Replies per hour when working.
    pub replies_per_hour: f64,
    /// On duty but not replying until this time (`Some(far future)` for scenario idlers).
    pub idle_until: Option<Timestamp>,
    /// A random break ends at this time (the simulator sets them back).
    pub break_until: Option<Timestamp>,
    /// Holds an inbox seat.
    pub seat: bool,
    /// IANA time zone (scenario only; Intercom does not expose it).
    pub time_zone: Option<String>,
}

/// A team inbox.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SimTeam {
    /// Team id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Members in order, with level.
    pub members: Vec<(i64, SimLevel)>,
    /// `round_robin`, `load_balanced` or `manual`.
    pub distribution: String,
    /// Per-teammate limit (load-balanced teams).
    pub assignment_limit: Option<u32>,
    /// Arrivals per hour at peak.
    pub arrivals: f64,
    /// SLA policy applied to new conversations.
    pub sla: Option<String>,
    /// Priority weights none..urgent.
    pub priorities: [f64; 5],
    /// Round-robin position.
    pub cursor: usize,
}

/// Conversation state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum SimState {
    /// Open.
    Open,
    /// Snoozed.
    Snoozed,
    /// Closed.
    Closed,
}

/// The SLA on a conversation, with the true deadline the simulator enforces.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SimSla {
    /// Policy name.
    pub name: String,
    /// `active`, `hit`, `missed`.
    pub status: &'static str,
    /// When the running target expires; `None` while nothing is owed.
    pub deadline: Option<Timestamp>,
}

/// A conversation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SimConversation {
    /// Id.
    pub id: u64,
    /// Title.
    pub title: String,
    /// State.
    pub state: SimState,
    /// Read.
    pub read: bool,
    /// Priority index 0..5 (none..urgent).
    pub priority: usize,
    /// Assigned admin, 0 = none.
    pub admin: i64,
    /// Assigned team, 0 = none.
    pub team: i64,
    /// Created.
    pub created_at: Timestamp,
    /// Updated.
    pub updated_at: Timestamp,
    /// Customer waiting since.
    pub waiting_since: Option<Timestamp>,
    /// Snoozed until.
    pub snoozed_until: Option<Timestamp>,
    /// SLA.
    pub sla: Option<SimSla>,
    /// First admin reply.
    pub first_admin_reply_at: Option<Timestamp>,
    /// Last admin reply.
    pub last_admin_reply_at: Option<Timestamp>,
    /// Last contact reply.
    pub last_contact_reply_at: Option<Timestamp>,
    /// Last assignment.
    pub last_assignment_at: Option<Timestamp>,
    /// When the customer will reply next (scheduled).
    pub customer_reply_at: Option<Timestamp>,
    /// When it will be closed if the customer stays silent (scheduled).
    pub close_at: Option<Timestamp>,
}

/// An away reason.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SimReason {
    /// Id.
    pub id: i64,
    /// Label.
    pub label: String,
    /// Emoji.
    pub emoji: String,
    /// Soft-deleted.
    pub deleted: bool,
}

/// The whole simulated workspace.
#[derive(Debug, Clone)]
pub struct World {
    rng: StdRng,
    /// Sim time reached so far.
    pub now: Timestamp,
    step: SignedDuration,
    next_conversation: u64,
    /// Workspace name.
    pub workspace: String,
    /// Region.
    pub region: String,
    /// Workspace time zone.
    pub timezone: String,
    /// Created (workspace).
    pub created_at: Timestamp,
    /// The acting admin.
    pub me: i64,
    /// Teammates.
    pub admins: Vec<SimAdmin>,
    /// Teams.
    pub teams: Vec<SimTeam>,
    /// Away reasons.
    pub reasons: Vec<SimReason>,
    /// SLA policies: name → (first, next).
    pub slas: Vec<(String, SignedDuration, SignedDuration)>,
    /// Conversations by id (ordered, so iteration is deterministic).
    pub conversations: BTreeMap<u64, SimConversation>,
}

const SUBJECTS: &[&str] = &[
    "Refund not received",
    "Card declined at checkout",
    "Invoice shows wrong VAT",
    "Can't log in after password reset",
    "API returns 500 on export",
    "Webhook deliveries delayed",
    "How do I add a teammate?",
    "Upgrade to annual plan",
    "Data import stuck at 90%",
    "SSO setup with Okta",
    "Charged twice this month",
    "Mobile app crashes on launch",
    "Need a copy of last invoice",
    "Cancel my subscription",
    "Two-factor codes not arriving",
    "Integration with Slack broken",
    "Question about usage limits",
    "Delete my account data",
    "Report shows empty chart",
    "Onboarding call scheduling",
];

impl World {
    /// Builds the workspace of `scenario` at time `start` (before any warm-up).
    pub fn new(scenario: &Scenario, seed: u64, start: Timestamp) -> World {
        let reasons: Vec<SimReason> = scenario
            .away_reasons
            .iter()
            .enumerate()
            .map(|(n, r)| SimReason {
                id: 1 + n as i64,
                label: r.label.clone(),
                emoji: r.emoji.clone(),
                deleted: r.deleted,
            })
            .collect();
        let mut teams: Vec<SimTeam> = scenario
            .inboxes
            .iter()
            .enumerate()
            .map(|(n, i)| SimTeam {
                id: TEAM_BASE + n as i64,
                name: i.name.clone(),
                members: Vec::new(),
                distribution: i.distribution.clone(),
                assignment_limit: i.assignment_limit,
                arrivals: i.arrivals,
                sla: i.sla.clone(),
                priorities: i.priorities,
                cursor: 0,
            })
            .collect();
        let far = Timestamp::MAX;
        let admins: Vec<SimAdmin> = scenario
            .teammates
            .iter()
            .enumerate()
            .map(|(n, t)| {
                let id = ADMIN_BASE + n as i64;
                for (names, level) in [
                    (&t.primary, SimLevel::Primary),
                    (&t.secondary, SimLevel::Secondary),
                ] {
                    for name in names {
                        if let Some(team) = teams.iter_mut().find(|x| &x.name == name) {
                            team.members.push((id, level));
                        }
                    }
                }
                let reason = t
                    .away
                    .as_ref()
                    .and_then(|label| reasons.iter().find(|r| &r.label == label))
                    .map(|r| r.id);
                SimAdmin {
                    id,
                    name: t.name.clone(),
                    email: t.email.clone(),
                    away: t.away.is_some(),
                    reassign: t.away.is_some() && t.reassign,
                    reason,
                    cap: t.cap,
                    replies_per_hour: t.replies,
                    idle_until: t.idle.then_some(far),
                    break_until: None,
                    seat: t.seat,
                    time_zone: t.time_zone.clone(),
                }
            })
            .collect();
        let me = admins
            .iter()
            .find(|a| a.email == scenario.me)
            .map_or(ADMIN_BASE, |a| a.id);
        let mut world = World {
            rng: StdRng::seed_from_u64(seed),
            now: start,
            step: scenario.step(),
            next_conversation: CONVERSATION_BASE,
            workspace: scenario.workspace.clone(),
            region: scenario.region.clone(),
            timezone: scenario.timezone.clone(),
            created_at: start
                .checked_sub(SignedDuration::from_hours(24 * 400))
                .unwrap_or(start),
            me,
            admins,
            teams,
            reasons,
            slas: scenario
                .sla
                .iter()
                .map(|s| {
                    (
                        s.name.clone(),
                        SignedDuration::try_from(s.first_response).unwrap_or_default(),
                        SignedDuration::try_from(s.next_response).unwrap_or_default(),
                    )
                })
                .collect(),
            conversations: BTreeMap::new(),
        };
        world.seed_backlog(scenario.initial_open);
        world
    }

    /// Creates `n` open conversations that arrived over the last four hours, assigned to
    /// primary members up to their caps (the rest unassigned), without simulating the hours.
    fn seed_backlog(&mut self, n: usize) {
        if n == 0 || self.teams.is_empty() {
            return;
        }
        let start = self.now;
        let admin_index: HashMap<i64, usize> = self
            .admins
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id, i))
            .collect();
        let mut loads: HashMap<i64, u32> = HashMap::new();
        for k in 0..n {
            let ti = (k * 7919 + self.rng.random_range(0..self.teams.len())) % self.teams.len();
            let age = SignedDuration::from_secs(self.rng.random_range(60..4 * 3600));
            self.now = start.checked_sub(age).unwrap_or(start);
            self.new_conversation(ti);
            let id = self.next_conversation - 1;
            let team = &self.teams[ti];
            let admin = if team.distribution == "manual" && k % 3 != 0 {
                None
            } else {
                team.members
                    .iter()
                    .filter(|(_, level)| *level == SimLevel::Primary)
                    .map(|(id, _)| *id)
                    .filter(|id| {
                        admin_index.get(id).is_some_and(|&i| {
                            let a = &self.admins[i];
                            !a.away && a.seat && loads.get(id).copied().unwrap_or(0) < a.cap
                        })
                    })
                    .min_by_key(|id| (loads.get(id).copied().unwrap_or(0), *id))
            };
            if let (Some(admin), Some(c)) = (admin, self.conversations.get_mut(&id)) {
                *loads.entry(admin).or_default() += 1;
                c.admin = admin;
                c.last_assignment_at = Some(c.created_at);
            }
        }
        self.now = start;
    }

    /// Runs the simulation forward in fixed steps until `to` (no-op if `to` is not later).
    pub fn advance_to(&mut self, to: Timestamp) {
        while let Ok(next) = self.now.checked_add(self.step) {
            if next > to {
                break;
            }
            self.now = next;
            self.tick();
        }
    }

    /// One step of sim time.
    fn tick(&mut self) {
        let dt = self.step.as_secs_f64() / 3600.0;
        self.arrivals(dt);
        self.scheduled_events();
        self.breaks(dt);
        self.teammates_work(dt);
        self.manual_picks(dt);
        self.assign_unassigned();
    }

    /// On `manual` inboxes, members on duty pick the oldest unassigned conversation now and
    /// then — ignoring caps, as people do, which is how teammates end up over cap.
    fn manual_picks(&mut self, dt: f64) {
        let p = (MANUAL_PICKS_PER_HOUR * dt).clamp(0.0, 1.0);
        let now = self.now;
        for ti in 0..self.teams.len() {
            if self.teams[ti].distribution != "manual" {
                continue;
            }
            let team_id = self.teams[ti].id;
            for (admin, _) in self.teams[ti].members.clone() {
                let on_duty = self
                    .admins
                    .iter()
                    .any(|a| a.id == admin && !a.away && a.idle_until.is_none() && a.seat);
                if !on_duty || !self.rng.random_bool(p) {
                    continue;
                }
                let oldest = self
                    .conversations
                    .values_mut()
                    .filter(|c| c.state == SimState::Open && c.admin == 0 && c.team == team_id)
                    .min_by_key(|c| (c.created_at, c.id));
                if let Some(c) = oldest {
                    c.admin = admin;
                    c.last_assignment_at = Some(now);
                    c.updated_at = now;
                }
            }
        }
    }

    fn arrivals(&mut self, dt: f64) {
        let shape = daily_shape(self.now);
        for n in 0..self.teams.len() {
            let lambda = self.teams[n].arrivals * shape * dt;
            let count = poisson(&mut self.rng, lambda);
            for _ in 0..count {
                self.new_conversation(n);
            }
        }
    }

    fn new_conversation(&mut self, team_index: usize) {
        let team = &self.teams[team_index];
        let priority = weighted(&mut self.rng, &team.priorities);
        let subject = SUBJECTS[self.rng.random_range(0..SUBJECTS.len())];
        let sla = team.sla.as_ref().and_then(|name| {
            self.slas
                .iter()
                .find(|(n, _, _)| n == name)
                .map(|(n, first, _)| SimSla {
                    name: n.clone(),
                    status: "active",
                    deadline: self.now.checked_add(*first).ok(),
                })
        });
        let id = self.next_conversation;
        self.next_conversation += 1;
        let c = SimConversation {
            id,
            title: subject.to_owned(),
            state: SimState::Open,
            read: false,
            priority,
            admin: 0,
            team: team.id,
            created_at: self.now,
            updated_at: self.now,
            waiting_since: Some(self.now),
            snoozed_until: None,
            sla,
            first_admin_reply_at: None,
            last_admin_reply_at: None,
            last_contact_reply_at: Some(self.now),
            last_assignment_at: None,
            customer_reply_at: None,
            close_at: None,
        };
        self.conversations.insert(id, c);
    }

    /// Customer replies, closes and snooze wake-ups that fall due.
    fn scheduled_events(&mut self) {
        let now = self.now;
        let mut dropped = Vec::new();
        for c in self.conversations.values_mut() {
            if c.state == SimState::Snoozed && c.snoozed_until.is_some_and(|t| t <= now) {
                c.state = SimState::Open;
                c.snoozed_until = None;
                c.updated_at = now;
            }
            if c.state != SimState::Open {
                if c.state == SimState::Closed
                    && now.duration_since(c.updated_at) > SignedDuration::from_hours(2)
                {
                    dropped.push(c.id);
                }
                continue;
            }
            if c.customer_reply_at.is_some_and(|t| t <= now) {
                c.customer_reply_at = None;
                c.close_at = None;
                c.waiting_since = Some(now);
                c.last_contact_reply_at = Some(now);
                c.read = false;
                c.updated_at = now;
                if let Some(sla) = &mut c.sla
                    && let Some((_, _, next)) = self.slas.iter().find(|(n, _, _)| *n == sla.name)
                {
                    sla.deadline = now.checked_add(*next).ok();
                    if sla.status == "hit" {
                        sla.status = "active";
                    }
                }
                // Away-and-reassign: a customer reply goes back to the team inbox.
                if let Some(a) = self.admins.iter().find(|a| a.id == c.admin)
                    && a.away
                    && a.reassign
                {
                    c.admin = 0;
                    c.last_assignment_at = Some(now);
                }
            } else if c.close_at.is_some_and(|t| t <= now) {
                c.close_at = None;
                c.state = SimState::Closed;
                c.updated_at = now;
            }
        }
        // Closed conversations are forgotten after a while to keep memory bounded.
        for id in dropped {
            self.conversations.remove(&id);
        }
    }

    /// Random breaks and idle stretches start and end.
    fn breaks(&mut self, dt: f64) {
        let now = self.now;
        let break_reason = self.reasons.iter().find(|r| !r.deleted).map(|r| r.id);
        for a in &mut self.admins {
            if let Some(until) = a.break_until
                && until <= now
            {
                a.break_until = None;
                a.away = false;
                a.reassign = false;
                a.reason = None;
            }
            if a.idle_until.is_some_and(|t| t <= now) {
                a.idle_until = None;
            }
            let on_duty = !a.away && a.idle_until.is_none();
            if on_duty && self.rng.random_bool((dt / 8.0).clamp(0.0, 1.0)) {
                let mins = self.rng.random_range(15..=45);
                a.away = true;
                a.reason = break_reason;
                a.break_until = now.checked_add(SignedDuration::from_mins(mins)).ok();
            } else if on_duty && self.rng.random_bool((dt / 10.0).clamp(0.0, 1.0)) {
                let mins = self.rng.random_range(10..=40);
                a.idle_until = now.checked_add(SignedDuration::from_mins(mins)).ok();
            }
        }
    }

    /// Teammates on duty reply to their longest-waiting conversation at their reply rate.
    fn teammates_work(&mut self, dt: f64) {
        let now = self.now;
        // Each admin's longest-waiting conversation, found in one pass.
        let mut longest: BTreeMap<i64, (Timestamp, u64)> = BTreeMap::new();
        for c in self.conversations.values() {
            if let (SimState::Open, Some(w), true) = (c.state, c.waiting_since, c.admin != 0) {
                let e = longest.entry(c.admin).or_insert((w, c.id));
                if (w, c.id) < *e {
                    *e = (w, c.id);
                }
            }
        }
        for n in 0..self.admins.len() {
            let a = &self.admins[n];
            if a.away || a.idle_until.is_some() || a.replies_per_hour <= 0.0 {
                continue;
            }
            let p = (a.replies_per_hour * dt).clamp(0.0, 1.0);
            if !self.rng.random_bool(p) {
                continue;
            }
            if let Some(&(_, cid)) = longest.get(&a.id) {
                self.admin_reply(cid, now);
            }
        }
    }

    /// A teammate reply: the customer stops waiting, the SLA target is met or missed, and
    /// the conversation will either hear back from the customer, be snoozed, or close.
    fn admin_reply(&mut self, cid: u64, now: Timestamp) {
        let roll: f64 = self.rng.random();
        let wait_mins = self.rng.random_range(3..=25);
        let snooze_mins = self.rng.random_range(30..=120);
        let Some(c) = self.conversations.get_mut(&cid) else {
            return;
        };
        c.waiting_since = None;
        c.read = true;
        c.first_admin_reply_at.get_or_insert(now);
        c.last_admin_reply_at = Some(now);
        c.updated_at = now;
        if let Some(sla) = &mut c.sla {
            // Per the spec, "missed" is applied only at the next teammate reply after expiry.
            if sla.deadline.is_some_and(|d| d < now) {
                sla.status = "missed";
            } else if sla.status == "active" {
                sla.status = "hit";
            }
            sla.deadline = None;
        }
        let later = |m: i64| now.checked_add(SignedDuration::from_mins(m)).ok();
        if roll < 0.45 {
            c.customer_reply_at = later(wait_mins);
        } else if roll < 0.55 {
            c.state = SimState::Snoozed;
            c.snoozed_until = later(snooze_mins);
        } else {
            c.close_at = later(wait_mins / 3 + 1);
        }
    }

    /// Open load of each admin.
    pub fn loads(&self) -> BTreeMap<i64, u32> {
        let mut loads = BTreeMap::new();
        for c in self.conversations.values() {
            if c.state == SimState::Open && c.admin != 0 {
                *loads.entry(c.admin).or_insert(0) += 1;
            }
        }
        loads
    }

    /// The cap that stops assignment to `admin` from `team`.
    fn cap_in(&self, team: &SimTeam, admin: &SimAdmin) -> u32 {
        match (team.distribution.as_str(), team.assignment_limit) {
            ("load_balanced", Some(limit)) => limit,
            _ => admin.cap,
        }
    }

    /// Auto-assignment of unassigned open conversations, oldest first.
    fn assign_unassigned(&mut self) {
        let mut loads = self.loads();
        let waiting: Vec<u64> = self
            .conversations
            .values()
            .filter(|c| c.state == SimState::Open && c.admin == 0 && c.team != 0)
            .map(|c| c.id)
            .collect();
        if waiting.is_empty() {
            return;
        }
        // Unassigned open conversations per team, kept current as they are assigned.
        let mut unassigned: HashMap<i64, usize> = HashMap::new();
        for id in &waiting {
            if let Some(c) = self.conversations.get(id) {
                *unassigned.entry(c.team).or_default() += 1;
            }
        }
        let team_index: HashMap<i64, usize> = self
            .teams
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id, i))
            .collect();
        let admin_index: HashMap<i64, usize> = self
            .admins
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id, i))
            .collect();
        // Each admin's primary teams, for the "secondary only when primaries are empty" rule.
        let mut primary_of: HashMap<i64, Vec<i64>> = HashMap::new();
        for t in &self.teams {
            for (id, level) in &t.members {
                if *level == SimLevel::Primary {
                    primary_of.entry(*id).or_default().push(t.id);
                }
            }
        }
        // Loads only grow within a step: a team with nobody free stays full.
        let mut full: HashSet<i64> = HashSet::new();
        for cid in waiting {
            let Some(team_id) = self.conversations.get(&cid).map(|c| c.team) else {
                continue;
            };
            let Some(&ti) = team_index.get(&team_id) else {
                continue;
            };
            let team = &self.teams[ti];
            if team.distribution == "manual" || full.contains(&team_id) {
                continue;
            }
            let available = |id: i64, loads: &BTreeMap<i64, u32>| {
                admin_index.get(&id).is_some_and(|&i| {
                    let a = &self.admins[i];
                    !a.away && a.seat && loads.get(&id).copied().unwrap_or(0) < self.cap_in(team, a)
                })
            };
            let mut candidates: Vec<i64> = team
                .members
                .iter()
                .filter(|(id, level)| *level == SimLevel::Primary && available(*id, &loads))
                .map(|(id, _)| *id)
                .collect();
            if candidates.is_empty() {
                // A secondary member helps only when all their primary inboxes are empty.
                candidates = team
                    .members
                    .iter()
                    .filter(|(id, level)| *level == SimLevel::Secondary && available(*id, &loads))
                    .filter(|(id, _)| {
                        primary_of.get(id).is_none_or(|teams| {
                            teams
                                .iter()
                                .all(|t| unassigned.get(t).copied().unwrap_or(0) == 0)
                        })
                    })
                    .map(|(id, _)| *id)
                    .collect();
            }
            if candidates.is_empty() {
                full.insert(team_id);
                continue;
            }
            let chosen = if team.distribution == "load_balanced" {
                candidates
                    .iter()
                    .copied()
                    .min_by_key(|id| (loads.get(id).copied().unwrap_or(0), *id))
            } else {
                let k = team.cursor % candidates.len();
                Some(candidates[k])
            };
            let Some(admin) = chosen else { continue };
            self.teams[ti].cursor = self.teams[ti].cursor.wrapping_add(1);
            *loads.entry(admin).or_insert(0) += 1;
            if let Some(n) = unassigned.get_mut(&team_id) {
                *n = n.saturating_sub(1);
            }
            if let Some(c) = self.conversations.get_mut(&cid) {
                c.admin = admin;
                c.last_assignment_at = Some(self.now);
                c.updated_at = self.now;
            }
        }
    }

    // ---- views in wire shapes -------------------------------------------------------------

    /// An admin as the API shows it.
    pub fn wire_admin(&self, a: &SimAdmin) -> wire::Admin {
        let (mut primary, mut secondary) = (Vec::new(), Vec::new());
        for t in &self.teams {
            for (id, level) in &t.members {
                if *id == a.id {
                    match level {
                        SimLevel::Primary => primary.push(t.id),
                        SimLevel::Secondary => secondary.push(t.id),
                    }
                }
            }
        }
        self.wire_admin_in(a, primary, secondary)
    }

    /// Every admin as the API lists them (memberships gathered in one pass over the teams).
    pub fn wire_admins(&self) -> Vec<wire::Admin> {
        let mut levels: HashMap<i64, (Vec<i64>, Vec<i64>)> = HashMap::new();
        for t in &self.teams {
            for (id, level) in &t.members {
                let e = levels.entry(*id).or_default();
                match level {
                    SimLevel::Primary => e.0.push(t.id),
                    SimLevel::Secondary => e.1.push(t.id),
                }
            }
        }
        self.admins
            .iter()
            .map(|a| {
                let (p, s) = levels.remove(&a.id).unwrap_or_default();
                self.wire_admin_in(a, p, s)
            })
            .collect()
    }

    fn wire_admin_in(&self, a: &SimAdmin, primary: Vec<i64>, secondary: Vec<i64>) -> wire::Admin {
        let mut team_ids: Vec<i64> = primary.iter().chain(&secondary).copied().collect();
        team_ids.sort_unstable();
        team_ids.dedup();
        wire::Admin {
            kind: "admin".into(),
            id: a.id.to_string(),
            name: a.name.clone(),
            email: a.email.clone(),
            job_title: Some("Support Specialist".into()),
            away_mode_enabled: a.away,
            away_mode_reassign: a.reassign,
            away_status_reason_id: if a.away { a.reason } else { None },
            has_inbox_seat: a.seat,
            team_ids,
            avatar: None,
            team_priority_level: Some(wire::TeamPriorityLevel {
                primary_team_ids: Some(primary),
                secondary_team_ids: Some(secondary),
            }),
        }
    }

    /// A team as the API shows it: levels and limit only on load-balanced teams.
    pub fn wire_team(&self, t: &SimTeam) -> wire::Team {
        let balanced = t.distribution == "load_balanced";
        let ids = |level| {
            t.members
                .iter()
                .filter(|(_, l)| *l == level)
                .map(|(id, _)| *id)
                .collect::<Vec<_>>()
        };
        wire::Team {
            kind: "team".into(),
            id: t.id.to_string(),
            name: t.name.clone(),
            admin_ids: t.members.iter().map(|(id, _)| *id).collect(),
            admin_priority_level: balanced.then(|| wire::AdminPriorityLevel {
                primary_admin_ids: Some(ids(SimLevel::Primary)),
                secondary_admin_ids: Some(ids(SimLevel::Secondary)),
            }),
            assignment_limit: if balanced {
                t.assignment_limit.map(i64::from)
            } else {
                None
            },
            distribution_method: Some(t.distribution.clone()),
        }
    }

    /// A conversation as the API shows it.
    pub fn wire_conversation(c: &SimConversation) -> wire::Conversation {
        let secs = |t: Option<Timestamp>| t.map(|t| t.as_second());
        wire::Conversation {
            kind: "conversation".into(),
            id: c.id.to_string(),
            title: Some(c.title.clone()),
            created_at: c.created_at.as_second(),
            updated_at: c.updated_at.as_second(),
            waiting_since: secs(c.waiting_since),
            snoozed_until: secs(c.snoozed_until),
            open: c.state != SimState::Closed,
            state: match c.state {
                SimState::Open => "open",
                SimState::Snoozed => "snoozed",
                SimState::Closed => "closed",
            }
            .into(),
            read: c.read,
            priority: ["none", "low", "medium", "high", "urgent"][c.priority.min(4)].into(),
            admin_assignee_id: Some(c.admin),
            team_assignee_id: Some(c.team),
            sla_applied: c.sla.as_ref().map(|s| wire::SlaApplied {
                kind: "conversation_sla_summary".into(),
                sla_name: s.name.clone(),
                sla_status: Some(s.status.into()),
            }),
            statistics: Some(wire::Statistics {
                kind: "conversation_statistics".into(),
                first_admin_reply_at: secs(c.first_admin_reply_at),
                last_assignment_at: secs(c.last_assignment_at),
                last_admin_reply_at: secs(c.last_admin_reply_at),
                last_contact_reply_at: secs(c.last_contact_reply_at),
            }),
        }
    }

    /// An away reason as the API shows it.
    pub fn wire_reason(&self, r: &SimReason) -> wire::AwayStatusReason {
        let at = self.created_at.as_second();
        wire::AwayStatusReason {
            kind: "away_status_reason".into(),
            id: r.id.to_string(),
            label: r.label.clone(),
            emoji: r.emoji.clone(),
            order: r.id,
            deleted: r.deleted,
            created_at: at,
            updated_at: at,
        }
    }

    /// Open (not closed) conversations, as the dashboard's search sees them.
    pub fn open_count(&self) -> usize {
        self.conversations
            .values()
            .filter(|c| c.state != SimState::Closed)
            .count()
    }
}

/// Relative arrival intensity by hour of day (UTC): quiet nights, a late-morning peak.
fn daily_shape(now: Timestamp) -> f64 {
    let hour = now.as_second().rem_euclid(86_400) / 3600;
    const SHAPE: [f64; 24] = [
        0.35, 0.3, 0.3, 0.3, 0.35, 0.45, 0.6, 0.75, 0.9, 1.0, 1.0, 1.0, 0.95, 0.95, 1.0, 1.0, 0.95,
        0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4,
    ];
    SHAPE[hour as usize]
}

/// A Poisson-distributed count (Knuth's method; `lambda` is small here).
fn poisson(rng: &mut StdRng, lambda: f64) -> u32 {
    if !(lambda.is_finite() && lambda > 0.0) {
        return 0;
    }
    let limit = (-lambda).exp();
    let mut k = 0;
    let mut p: f64 = rng.random();
    while p > limit && k < 1000 {
        k += 1;
        p *= rng.random::<f64>();
    }
    k
}

/// An index drawn with the given weights (all zero → 0).
fn weighted(rng: &mut StdRng, weights: &[f64; 5]) -> usize {
    let total: f64 = weights.iter().sum();
    if !(total.is_finite() && total > 0.0) {
        return 0;
    }
    let mut x = rng.random::<f64>() * total;
    for (n, w) in weights.iter().enumerate() {
        if x < *w {
            return n;
        }
        x -= w;
    }
    weights.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> Timestamp {
        "2026-11-24T08:00:00Z".parse().unwrap()
    }

    fn demo(seed: u64) -> World {
        World::new(&Scenario::default_demo(), seed, start())
    }

    fn at(h: i64) -> Timestamp {
        start() + SignedDuration::from_hours(h)
    }

    fn state(w: &World) -> String {
        serde_json::to_string(&(
            w.conversations.values().collect::<Vec<_>>(),
            &w.admins,
            &w.teams,
        ))
        .unwrap()
    }

    #[test]
    fn same_seed_and_times_give_the_same_world() {
        let (mut a, mut b) = (demo(7), demo(7));
        for h in [1, 2] {
            a.advance_to(at(h));
            b.advance_to(at(h));
        }
        assert_eq!(state(&a), state(&b));
        let mut c = demo(8);
        c.advance_to(at(2));
        assert_ne!(state(&a), state(&c), "another seed, another day");
    }

    #[test]
    fn stepping_in_pieces_equals_stepping_at_once() {
        let (mut a, mut b) = (demo(3), demo(3));
        a.advance_to(at(2));
        for m in (1..=120).step_by(7) {
            b.advance_to(start() + SignedDuration::from_mins(m));
        }
        b.advance_to(at(2));
        assert_eq!(state(&a), state(&b));
    }

    #[test]
    fn auto_assignment_respects_caps_and_primary_before_secondary() {
        // Loads can exceed a cap through snoozes waking up or manual picks; what auto
        // assignment itself hands out never pushes anyone past the cap that applies.
        let mut w = demo(11);
        for m in (10..=240).step_by(10) {
            w.advance_to(start() + SignedDuration::from_mins(m));
            let before_loads = w.loads();
            let before: BTreeMap<u64, i64> = w
                .conversations
                .iter()
                .map(|(id, c)| (*id, c.admin))
                .collect();
            let unassigned_teams: Vec<i64> = w
                .conversations
                .values()
                .filter(|c| c.state == SimState::Open && c.admin == 0)
                .map(|c| c.team)
                .collect();
            w.assign_unassigned();
            let after = w.loads();
            for (id, c) in &w.conversations {
                if before.get(id) != Some(&0) || c.admin == 0 {
                    continue;
                }
                let a = w.admins.iter().find(|a| a.id == c.admin).unwrap();
                let team = w.teams.iter().find(|t| t.id == c.team).unwrap();
                assert!(!a.away, "{} is away", a.name);
                let cap = w.cap_in(team, a);
                assert!(
                    after[&a.id] <= cap.max(before_loads.get(&a.id).copied().unwrap_or(0)),
                    "{} got work past cap {cap}",
                    a.name
                );
                if team.members.contains(&(a.id, SimLevel::Secondary)) {
                    let primaries_busy = w.teams.iter().any(|t| {
                        t.members.contains(&(a.id, SimLevel::Primary))
                            && unassigned_teams.contains(&t.id)
                    });
                    assert!(
                        !primaries_busy,
                        "{} helped out while a primary inbox waited",
                        a.name
                    );
                }
            }
        }
    }

    #[test]
    fn away_teammates_receive_nothing_new() {
        let mut w = demo(5);
        w.advance_to(at(1));
        let away: Vec<i64> = w.admins.iter().filter(|a| a.away).map(|a| a.id).collect();
        let before: BTreeMap<u64, i64> = w
            .conversations
            .iter()
            .map(|(id, c)| (*id, c.admin))
            .collect();
        w.step = SignedDuration::from_secs(10);
        w.tick();
        for (id, c) in &w.conversations {
            if away.contains(&c.admin) && w.admins.iter().any(|a| a.id == c.admin && a.away) {
                assert_eq!(
                    before.get(id),
                    Some(&c.admin),
                    "conversation {id} newly given to an away teammate"
                );
            }
        }
    }

    #[test]
    fn a_customer_reply_to_an_away_and_reassign_teammate_goes_back_to_the_team() {
        let mut w = demo(2);
        w.advance_to(at(1));
        let admin = w.admins[1].id;
        let (cid, _) = w
            .conversations
            .iter()
            .find(|(_, c)| c.state == SimState::Open && c.team != 0)
            .map(|(id, c)| (*id, c.team))
            .unwrap();
        let now = w.now;
        {
            let c = w.conversations.get_mut(&cid).unwrap();
            c.admin = admin;
            c.waiting_since = None;
            c.customer_reply_at = Some(now);
        }
        let a = w.admins.iter_mut().find(|a| a.id == admin).unwrap();
        a.away = true;
        a.reassign = true;
        w.scheduled_events();
        let c = &w.conversations[&cid];
        assert_eq!(c.admin, 0, "back to the team inbox");
        assert_eq!(c.waiting_since, Some(now));
    }

    #[test]
    fn sla_turns_hit_on_time_and_missed_only_at_the_late_reply() {
        let mut w = demo(4);
        w.advance_to(at(1));
        let now = w.now;
        let mut ids = w
            .conversations
            .iter()
            .filter(|(_, c)| c.state == SimState::Open && c.sla.is_some())
            .map(|(id, _)| *id);
        let (on_time, late) = (ids.next().unwrap(), ids.next().unwrap());
        for (id, deadline) in [
            (on_time, now + SignedDuration::from_mins(5)),
            (late, now - SignedDuration::from_mins(5)),
        ] {
            let c = w.conversations.get_mut(&id).unwrap();
            c.waiting_since = Some(now - SignedDuration::from_mins(20));
            c.sla = Some(SimSla {
                name: "VIP 15m".into(),
                status: "active",
                deadline: Some(deadline),
            });
        }
        // Expired but unanswered: still "active", as the spec says.
        assert_eq!(
            w.conversations[&late].sla.as_ref().unwrap().status,
            "active"
        );
        w.admin_reply(on_time, now);
        w.admin_reply(late, now);
        assert_eq!(
            w.conversations[&on_time].sla.as_ref().unwrap().status,
            "hit"
        );
        assert_eq!(
            w.conversations[&late].sla.as_ref().unwrap().status,
            "missed"
        );
        assert_eq!(
            w.conversations[&late].waiting_since, None,
            "an admin reply ends the wait"
        );
    }

    #[test]
    fn memory_stays_bounded_over_half_a_day() {
        let mut w = demo(9);
        let mut sizes = Vec::new();
        for h in (3..=12).step_by(3) {
            w.advance_to(at(h));
            sizes.push(w.conversations.len());
        }
        let closed_kept = w
            .conversations
            .values()
            .filter(|c| c.state == SimState::Closed)
            .count();
        assert!(
            closed_kept < 2000,
            "closed conversations are dropped: {closed_kept}"
        );
        assert!(sizes.iter().all(|s| *s < 5000), "{sizes:?}");
    }

    #[test]
    fn the_demo_at_peak_has_work_to_steer() {
        let mut w = World::new(
            &Scenario::default_demo(),
            42,
            "2026-11-24T08:00:00Z".parse().unwrap(),
        );
        w.advance_to("2026-11-24T10:00:00Z".parse().unwrap());
        let loads = w.loads();
        let at_cap = w
            .admins
            .iter()
            .filter(|a| loads.get(&a.id).copied().unwrap_or(0) >= a.cap)
            .count();
        assert!(at_cap > 0, "someone is at cap");
        let expired = w
            .conversations
            .values()
            .filter(|c| {
                c.sla
                    .as_ref()
                    .is_some_and(|s| s.status == "active" && s.deadline.is_some_and(|d| d < w.now))
            })
            .count();
        assert!(expired > 0, "some SLA has expired unanswered");
        assert!(w.admins.iter().filter(|a| a.away).count() >= 3);
    }
}
