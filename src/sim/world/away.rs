//! Away mode: teammates set away (optionally reassigning replies) with a reason, and random
//! breaks and idle stretches that start and end on their own.

use super::{SimAdmin, World};
use jiff::SignedDuration;
use rand::Rng;

impl World {
    /// Random breaks and idle stretches start and end.
    pub(super) fn breaks(&mut self, dt: f64) {
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

    /// Sets teammate `id` away or back (reassign and reason only apply while away), ending
    /// any random break; the teammate after it, or `None` if unknown.
    pub fn set_away(
        &mut self,
        id: i64,
        away: bool,
        reassign: bool,
        reason: Option<i64>,
    ) -> Option<&SimAdmin> {
        let a = self.admins.iter_mut().find(|a| a.id == id)?;
        a.away = away;
        a.reassign = away && reassign;
        a.reason = if away { reason } else { None };
        a.break_until = None;
        Some(a)
    }
}
