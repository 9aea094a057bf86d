//! Figures derived from a snapshot: queue depth per inbox, load per teammate, SLA urgency.
//!
//! Pure functions of a [`Snapshot`], a [`Policy`] and the current time.

use super::model::{
    Cap, Conversation, ConversationId, ConversationState, InboxId, Snapshot, TeammateId,
};
use super::ordering::{self, SlaUrgency};
use super::policy::Policy;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Queue figures of one inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxMetrics {
    /// The inbox.
    pub inbox: InboxId,
    /// Open conversations assigned to the inbox.
    pub open: u32,
    /// Open conversations with no teammate assigned.
    pub unassigned: u32,
    /// Open conversations whose customer is waiting for a reply.
    pub waiting: u32,
    /// How long the longest-waiting customer has waited.
    pub oldest_wait: Option<SignedDuration>,
    /// Open conversations whose SLA is breached.
    pub breached: u32,
    /// Open conversations whose SLA breaches within the policy's "soon" window.
    pub breaching_soon: u32,
    /// Members not away.
    pub on_duty: u32,
    /// Members away.
    pub away: u32,
}

/// Load figures of one teammate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeammateMetrics {
    /// The teammate.
    pub teammate: TeammateId,
    /// Open conversations assigned to them.
    pub load: u32,
    /// Of those, how many have a customer waiting.
    pub waiting: u32,
    /// Their cap, when resolved.
    pub cap: Option<Cap>,
    /// `load / cap` (0 when the cap is 0 and load is 0).
    pub utilisation: f64,
    /// Load above cap.
    pub over_cap: bool,
    /// Not away, below cap: could take more.
    pub has_capacity: bool,
}

/// Totals across the workspace.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Open conversations.
    pub open: u32,
    /// Open with no teammate.
    pub unassigned: u32,
    /// Open with a customer waiting.
    pub waiting: u32,
    /// Breached SLAs.
    pub breached: u32,
    /// SLAs breaching soon.
    pub breaching_soon: u32,
    /// Teammates away.
    pub away: u32,
    /// Teammates over their cap.
    pub over_cap: u32,
}

/// All derived figures of one snapshot at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// The moment the figures were computed for.
    pub at: Timestamp,
    /// Per inbox, in snapshot order.
    pub inboxes: Vec<InboxMetrics>,
    /// Per teammate, in snapshot order.
    pub teammates: Vec<TeammateMetrics>,
    /// Open conversations with an SLA deadline, nearest to breach first (breached first).
    pub sla_queue: Vec<SlaUrgency>,
    /// Workspace totals.
    pub totals: Totals,
}

impl Metrics {
    /// Figures of one inbox.
    pub fn inbox(&self, id: &InboxId) -> Option<&InboxMetrics> {
        self.inboxes.iter().find(|m| &m.inbox == id)
    }

    /// Figures of one teammate.
    pub fn teammate(&self, id: &TeammateId) -> Option<&TeammateMetrics> {
        self.teammates.iter().find(|m| &m.teammate == id)
    }
}

/// Where an SLA stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaStanding {
    /// No deadline known.
    Unknown,
    /// Breached (deadline passed, or reported missed).
    Breached,
    /// Breaches within the "soon" window.
    Soon,
    /// Further off.
    Later,
}

/// Classifies a conversation's SLA at `now`.
pub fn sla_standing(c: &Conversation, now: Timestamp, soon: SignedDuration) -> SlaStanding {
    let Some(sla) = &c.sla else {
        return SlaStanding::Unknown;
    };
    if sla.status == super::model::SlaStatus::Missed {
        return SlaStanding::Breached;
    }
    match sla.deadline {
        None => SlaStanding::Unknown,
        Some(d) if d.at <= now => SlaStanding::Breached,
        Some(d) if d.at.duration_since(now) <= soon => SlaStanding::Soon,
        Some(_) => SlaStanding::Later,
    }
}

/// Computes every derived figure of `snapshot` at `now`.
pub fn derive(snapshot: &Snapshot, policy: &Policy, now: Timestamp) -> Metrics {
    let mut inboxes: Vec<InboxMetrics> = snapshot
        .inboxes
        .iter()
        .map(|i| {
            let (away, on_duty) =
                i.members
                    .iter()
                    .fold((0, 0), |(a, d), m| match snapshot.teammate(&m.teammate) {
                        Some(t) if t.away.enabled => (a + 1, d),
                        Some(_) => (a, d + 1),
                        None => (a, d),
                    });
            InboxMetrics {
                inbox: i.id.clone(),
                open: 0,
                unassigned: 0,
                waiting: 0,
                oldest_wait: None,
                breached: 0,
                breaching_soon: 0,
                on_duty,
                away,
            }
        })
        .collect();
    let inbox_index: HashMap<&InboxId, usize> = snapshot
        .inboxes
        .iter()
        .enumerate()
        .map(|(n, i)| (&i.id, n))
        .collect();
    let teammate_index: HashMap<&TeammateId, usize> = snapshot
        .teammates
        .iter()
        .enumerate()
        .map(|(n, t)| (&t.id, n))
        .collect();
    let mut loads = vec![(0u32, 0u32); snapshot.teammates.len()];
    let mut totals = Totals::default();

    for c in snapshot
        .conversations
        .iter()
        .filter(|c| c.state == ConversationState::Open)
    {
        let standing = sla_standing(c, now, policy.breaching_soon);
        let wait = c.waiting_since.map(|w| now.duration_since(w));
        totals.open += 1;
        totals.unassigned += u32::from(c.assignee.is_none());
        totals.waiting += u32::from(wait.is_some());
        totals.breached += u32::from(standing == SlaStanding::Breached);
        totals.breaching_soon += u32::from(standing == SlaStanding::Soon);

        if let Some(m) = c
            .inbox
            .as_ref()
            .and_then(|id| inbox_index.get(id))
            .map(|&n| &mut inboxes[n])
        {
            m.open += 1;
            m.unassigned += u32::from(c.assignee.is_none());
            if let Some(w) = wait {
                m.waiting += 1;
                m.oldest_wait = Some(m.oldest_wait.map_or(w, |o| o.max(w)));
            }
            m.breached += u32::from(standing == SlaStanding::Breached);
            m.breaching_soon += u32::from(standing == SlaStanding::Soon);
        }
        if let Some(&n) = c.assignee.as_ref().and_then(|id| teammate_index.get(id)) {
            loads[n].0 += 1;
            loads[n].1 += u32::from(wait.is_some());
        }
    }

    let teammates: Vec<TeammateMetrics> = snapshot
        .teammates
        .iter()
        .zip(&loads)
        .map(|(t, &(load, waiting))| {
            let utilisation = match t.cap {
                Some(cap) if cap.value > 0 => f64::from(load) / f64::from(cap.value),
                Some(_) if load > 0 => f64::INFINITY,
                _ => 0.0,
            };
            let over_cap = t.cap.is_some_and(|c| load > c.value);
            let has_capacity =
                !t.away.enabled && t.has_inbox_seat && t.cap.is_some_and(|c| load < c.value);
            totals.away += u32::from(t.away.enabled);
            totals.over_cap += u32::from(over_cap);
            TeammateMetrics {
                teammate: t.id.clone(),
                load,
                waiting,
                cap: t.cap,
                utilisation,
                over_cap,
                has_capacity,
            }
        })
        .collect();

    let sla_queue = ordering::sla_queue(snapshot, now);
    Metrics {
        at: now,
        inboxes,
        teammates,
        sla_queue,
        totals,
    }
}

/// Ids of the open conversations of one inbox, in the policy's priority order.
pub fn inbox_conversations(
    snapshot: &Snapshot,
    policy: &Policy,
    inbox: &InboxId,
) -> Vec<ConversationId> {
    let mut list: Vec<&Conversation> = snapshot
        .conversations
        .iter()
        .filter(|c| c.state == ConversationState::Open && c.inbox.as_ref() == Some(inbox))
        .collect();
    ordering::sort(&mut list, &policy.order, snapshot);
    list.into_iter().map(|c| c.id.clone()).collect()
}

/// Ids of the open conversations assigned to one teammate, in the policy's priority order.
pub fn teammate_conversations(
    snapshot: &Snapshot,
    policy: &Policy,
    teammate: &TeammateId,
) -> Vec<ConversationId> {
    let mut list: Vec<&Conversation> = snapshot
        .conversations
        .iter()
        .filter(|c| c.state == ConversationState::Open && c.assignee.as_ref() == Some(teammate))
        .collect();
    ordering::sort(&mut list, &policy.order, snapshot);
    list.into_iter().map(|c| c.id.clone()).collect()
}
