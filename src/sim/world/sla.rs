//! SLA targets: a policy starts a first-response target on a new conversation, a customer
//! reply starts the next-response target, and a teammate reply settles the running one as hit
//! or missed.

use jiff::{SignedDuration, Timestamp};

/// SLA policies: name → (first response, next response).
pub type SlaPolicies = [(String, SignedDuration, SignedDuration)];

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

impl SimSla {
    /// The SLA a new conversation gets under policy `name` at `now` (`None` if no such policy).
    pub fn start(policies: &SlaPolicies, name: &str, now: Timestamp) -> Option<SimSla> {
        policies
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(n, first, _)| SimSla {
                name: n.clone(),
                status: "active",
                deadline: now.checked_add(*first).ok(),
            })
    }

    /// A customer reply at `now` starts the next-response target (a met target runs again).
    pub fn customer_replied(&mut self, policies: &SlaPolicies, now: Timestamp) {
        if let Some((_, _, next)) = policies.iter().find(|(n, _, _)| *n == self.name) {
            self.deadline = now.checked_add(*next).ok();
            if self.status == "hit" {
                self.status = "active";
            }
        }
    }

    /// A teammate reply at `now` settles the running target.
    pub fn teammate_replied(&mut self, now: Timestamp) {
        // Per the spec, "missed" is applied only at the next teammate reply after expiry.
        if self.deadline.is_some_and(|d| d < now) {
            self.status = "missed";
        } else if self.status == "active" {
            self.status = "hit";
        }
        self.deadline = None;
    }
}
