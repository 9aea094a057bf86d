//! The simulated workspace, vendor-neutral: teammates, team inboxes, conversations, away reasons
//! and SLA policies, and how they evolve. Pure: no IO, time comes in as an argument, and every
//! random choice comes from one seeded RNG, so a seed and a sequence of clock readings and
//! requests always produce the same state. Vendor projections read it and apply their
//! validated writes through [`edits`].
//!
//! - [`model`]: the entity types.
//! - [`dynamics`]: stepping time forward: arrivals, customer replies, teammates' replies.
//! - [`assignment`]: auto-assignment and manual pick-ups, within caps.
//! - [`away`]: away mode and random breaks.
//! - [`sla`]: SLA targets.
//! - [`edits`]: the state changes a write can make.
//! - [`talk`]: each conversation's customer and parts, derived on demand (no RNG, no memory).

pub mod assignment;
pub mod away;
pub mod dynamics;
pub mod edits;
pub mod model;
pub mod sla;
pub mod talk;
#[cfg(test)]
mod tests;

pub use edits::ConversationEdit;
pub use model::{SimAdmin, SimConversation, SimLevel, SimReason, SimState, SimTeam};
pub use sla::SimSla;
pub use talk::{SimAuthor, SimCustomer, SimPart};

use super::scenario::Scenario;
use jiff::{SignedDuration, Timestamp};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashMap};

/// First admin id; admins count up from here.
const ADMIN_BASE: i64 = 991_267_400;
/// First team id.
const TEAM_BASE: i64 = 5_017_690;
/// First conversation id.
const CONVERSATION_BASE: u64 = 215_470_000_000;

/// A teammate's team memberships: (primary team ids, secondary team ids), in team order.
pub type Memberships = (Vec<i64>, Vec<i64>);

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
    /// While set, time passes but nothing happens: no arrivals, replies, closes, breaks or
    /// assignment (tests that wait for a lagging read to catch up with the world).
    pub quiet: bool,
}

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
                    default_team: None,
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
            quiet: false,
        };
        // Each teammate's default team: their first primary team, else their first team.
        let mut levels = world.all_memberships();
        for a in &mut world.admins {
            let (primary, secondary) = levels.remove(&a.id).unwrap_or_default();
            a.default_team = primary
                .first()
                .copied()
                .or_else(|| secondary.iter().min().copied());
        }
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
        let admin_index = self.admin_index();
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

    /// Open (not closed) conversations, as the dashboard's search sees them.
    pub fn open_count(&self) -> usize {
        self.conversations
            .values()
            .filter(|c| c.state != SimState::Closed)
            .count()
    }

    /// Each teammate's position in `admins`, by id.
    pub fn admin_index(&self) -> HashMap<i64, usize> {
        self.admins
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id, i))
            .collect()
    }

    /// The teams `admin` belongs to, by level.
    pub fn memberships(&self, admin: i64) -> Memberships {
        let (mut primary, mut secondary) = (Vec::new(), Vec::new());
        for t in &self.teams {
            for (id, level) in &t.members {
                if *id == admin {
                    match level {
                        SimLevel::Primary => primary.push(t.id),
                        SimLevel::Secondary => secondary.push(t.id),
                    }
                }
            }
        }
        (primary, secondary)
    }

    /// Every member's teams by level, gathered in one pass over the teams.
    pub fn all_memberships(&self) -> HashMap<i64, Memberships> {
        let mut levels: HashMap<i64, Memberships> = HashMap::new();
        for t in &self.teams {
            for (id, level) in &t.members {
                let e = levels.entry(*id).or_default();
                match level {
                    SimLevel::Primary => e.0.push(t.id),
                    SimLevel::Secondary => e.1.push(t.id),
                }
            }
        }
        levels
    }
}
