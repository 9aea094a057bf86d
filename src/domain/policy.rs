//! Local rules that fill gaps in what a backend can tell: caps, SLA targets, ordering.
//!
//! Built from the config file; applied to a [`Snapshot`] by pure functions.

use super::model::{
    Cap, CapSource, Conversation, ConversationState, Deadline, Priority, Sla, SlaStatus, Snapshot,
    Teammate,
};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// How caps are resolved: per-teammate override, else the team's limit, else the default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapPolicy {
    /// Workspace default cap.
    pub default: u32,
    /// Overrides keyed by teammate id or email (emails compared case-insensitively).
    pub overrides: Vec<(String, u32)>,
}

impl Default for CapPolicy {
    fn default() -> Self {
        Self {
            default: 8,
            overrides: Vec::new(),
        }
    }
}

impl CapPolicy {
    /// The cap for `teammate`, given the assignment limits of their inboxes.
    ///
    /// When several of their inboxes carry a limit, the smallest wins: it is the one that
    /// stops assignment first.
    pub fn resolve(&self, teammate: &Teammate, team_limits: impl Iterator<Item = u32>) -> Cap {
        let by_override = self.overrides.iter().find(|(key, _)| {
            key == teammate.id.as_str() || key.eq_ignore_ascii_case(&teammate.email)
        });
        if let Some((_, value)) = by_override {
            return Cap {
                value: *value,
                source: CapSource::Config,
            };
        }
        match team_limits.min() {
            Some(value) => Cap {
                value,
                source: CapSource::TeamLimit,
            },
            None => Cap {
                value: self.default,
                source: CapSource::WorkspaceDefault,
            },
        }
    }
}

/// Response-time targets of one SLA, matched by name or, failing that, by priority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaTarget {
    /// SLA policy name as the backend reports it.
    pub name: Option<String>,
    /// Priority this target applies to when no name matches.
    pub priority: Option<Priority>,
    /// Time allowed for the first teammate reply.
    pub first_response: SignedDuration,
    /// Time allowed for each later reply.
    pub next_response: SignedDuration,
}

/// A key of the conversation priority rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    /// Higher priority first.
    Priority,
    /// Earlier SLA deadline first; conversations without one last.
    SlaDeadline,
    /// Longest waiting first.
    WaitingTime,
    /// Oldest first.
    CreatedAt,
    /// In the order inboxes are listed.
    InboxOrder,
}

/// Local rules applied to every snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Cap resolution.
    pub caps: CapPolicy,
    /// SLA targets for estimating deadlines.
    pub sla_targets: Vec<SlaTarget>,
    /// The conversation priority rule, most significant key first.
    pub order: Vec<SortKey>,
    /// A deadline closer than this counts as "breaching soon".
    pub breaching_soon: SignedDuration,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            caps: CapPolicy::default(),
            sla_targets: Vec::new(),
            order: vec![
                SortKey::SlaDeadline,
                SortKey::Priority,
                SortKey::WaitingTime,
                SortKey::CreatedAt,
            ],
            breaching_soon: SignedDuration::from_mins(15),
        }
    }
}

impl Policy {
    /// The target for an SLA name, falling back to the conversation's priority.
    pub fn target_for(&self, sla_name: &str, priority: Priority) -> Option<&SlaTarget> {
        self.sla_targets
            .iter()
            .find(|t| t.name.as_deref() == Some(sla_name))
            .or_else(|| {
                self.sla_targets
                    .iter()
                    .find(|t| t.name.is_none() && t.priority == Some(priority))
            })
    }

    /// Estimates the next breach time of an active SLA from its targets and `waiting_since`.
    ///
    /// Returns `None` when nothing is owed (the last reply was ours, the SLA is settled) or
    /// no target matches.
    pub fn estimate_deadline(&self, conversation: &Conversation, sla: &Sla) -> Option<Deadline> {
        if sla.status != SlaStatus::Active && sla.status != SlaStatus::Missed {
            return None;
        }
        let waiting_since = conversation.waiting_since?;
        let target = self.target_for(&sla.name, conversation.priority)?;
        let allowed = if conversation.first_reply_at.is_none() {
            target.first_response
        } else {
            target.next_response
        };
        let at = waiting_since.checked_add(allowed).ok()?;
        Some(Deadline { at, exact: false })
    }

    /// Resolves caps and fills estimated SLA deadlines where the backend gave none.
    pub fn apply(&self, snapshot: &mut Snapshot) {
        let limits: Vec<(String, u32)> = snapshot
            .inboxes
            .iter()
            .filter_map(|i| i.assignment_limit.map(|l| (i.id.0.clone(), l)))
            .collect();
        for teammate in &mut snapshot.teammates {
            let team_limits = teammate.memberships.iter().filter_map(|(inbox, _)| {
                limits
                    .iter()
                    .find(|(id, _)| id == inbox.as_str())
                    .map(|(_, l)| *l)
            });
            let cap = self.caps.resolve(teammate, team_limits);
            teammate.cap = Some(cap);
        }
        for conversation in &mut snapshot.conversations {
            if conversation.state == ConversationState::Closed {
                continue;
            }
            let Some(sla) = conversation.sla.clone() else {
                continue;
            };
            if sla.deadline.is_some_and(|d| d.exact) {
                continue;
            }
            let estimate = self.estimate_deadline(conversation, &sla);
            if let Some(s) = conversation.sla.as_mut() {
                s.deadline = estimate;
            }
        }
    }
}

/// Whether `deadline` has passed at `now`.
pub fn is_past(deadline: &Deadline, now: Timestamp) -> bool {
    deadline.at <= now
}
