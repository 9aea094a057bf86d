//! Who gets a conversation: auto-assignment on round-robin and load-balanced inboxes (primary
//! members first, within caps), and manual pick-ups on manual inboxes.

use super::{SimAdmin, SimLevel, SimState, SimTeam, World};
use rand::Rng;
use std::collections::{BTreeMap, HashMap, HashSet};

/// How often a member of a manual inbox picks up a conversation.
const MANUAL_PICKS_PER_HOUR: f64 = 6.0;

impl World {
    /// On `manual` inboxes, members on duty pick the oldest unassigned conversation now and
    /// then — ignoring caps, as people do, which is how teammates end up over cap.
    pub(super) fn manual_picks(&mut self, dt: f64) {
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

    /// The cap that stops assignment to `admin` from `team`.
    pub(super) fn cap_in(&self, team: &SimTeam, admin: &SimAdmin) -> u32 {
        match (team.distribution.as_str(), team.assignment_limit) {
            ("load_balanced", Some(limit)) => limit,
            _ => admin.cap,
        }
    }

    /// Auto-assignment of unassigned open conversations, oldest first.
    pub(super) fn assign_unassigned(&mut self) {
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
        let admin_index = self.admin_index();
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
}
