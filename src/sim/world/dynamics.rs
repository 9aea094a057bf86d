//! Stepping time forward: conversations arrive by a daily curve, scheduled customer replies,
//! closes and snooze wake-ups fall due, and teammates on duty reply at their own rates. Each
//! step then runs breaks and assignment.

use super::{SimConversation, SimSla, SimState, World};
use jiff::{SignedDuration, Timestamp};
use rand::Rng;
use rand::rngs::StdRng;
use std::collections::BTreeMap;

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
    /// Runs the simulation forward in fixed steps until `to` (no-op if `to` is not later);
    /// while [`World::quiet`], the steps pass without anything happening.
    pub fn advance_to(&mut self, to: Timestamp) {
        while let Ok(next) = self.now.checked_add(self.step) {
            if next > to {
                break;
            }
            self.now = next;
            if !self.quiet {
                self.tick();
            }
        }
    }

    /// One step of sim time.
    pub(super) fn tick(&mut self) {
        let dt = self.step.as_secs_f64() / 3600.0;
        self.arrivals(dt);
        self.scheduled_events();
        self.breaks(dt);
        self.teammates_work(dt);
        self.manual_picks(dt);
        self.assign_unassigned();
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

    pub(super) fn new_conversation(&mut self, team_index: usize) {
        let team = &self.teams[team_index];
        let priority = weighted(&mut self.rng, &team.priorities);
        let subject = SUBJECTS[self.rng.random_range(0..SUBJECTS.len())];
        let sla = team
            .sla
            .as_ref()
            .and_then(|name| SimSla::start(&self.slas, name, self.now));
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
    pub(super) fn scheduled_events(&mut self) {
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
                if let Some(sla) = &mut c.sla {
                    sla.customer_replied(&self.slas, now);
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
    pub(super) fn admin_reply(&mut self, cid: u64, now: Timestamp) {
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
            sla.teammate_replied(now);
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
