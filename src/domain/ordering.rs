//! Ordering of conversations: the configurable priority rule and SLA urgency.

use super::model::{Conversation, ConversationId, ConversationState, Snapshot};
use super::policy::SortKey;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::HashMap;

/// One entry of the SLA queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaUrgency {
    /// The conversation.
    pub conversation: ConversationId,
    /// Time left until breach; negative once breached.
    pub remaining: SignedDuration,
    /// `true` when the deadline came from the backend, `false` when estimated.
    pub exact: bool,
}

/// Open conversations with a known SLA deadline (or a reported miss), nearest to breach first.
///
/// Breached conversations come first, most overdue first; ties fall back to id for stability.
pub fn sla_queue(snapshot: &Snapshot, now: Timestamp) -> Vec<SlaUrgency> {
    let mut queue: Vec<SlaUrgency> = snapshot
        .conversations
        .iter()
        .filter(|c| c.state == ConversationState::Open)
        .filter_map(|c| {
            let sla = c.sla.as_ref()?;
            let deadline = sla.deadline?;
            Some(SlaUrgency {
                conversation: c.id.clone(),
                remaining: deadline.at.duration_since(now),
                exact: deadline.exact,
            })
        })
        .collect();
    queue.sort_by(|a, b| {
        a.remaining
            .cmp(&b.remaining)
            .then_with(|| a.conversation.cmp(&b.conversation))
    });
    queue
}

/// Sorts conversations by the priority rule `keys`, most significant first.
///
/// Ties after every key fall back to the id, so the order is total and stable.
pub fn sort(list: &mut [&Conversation], keys: &[SortKey], snapshot: &Snapshot) {
    let inbox_pos: HashMap<_, _> = snapshot
        .inboxes
        .iter()
        .enumerate()
        .map(|(n, i)| (&i.id, n))
        .collect();
    list.sort_by(|a, b| {
        keys.iter()
            .map(|k| compare(*k, a, b, &inbox_pos))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
            .then_with(|| a.id.cmp(&b.id))
    });
}

fn compare(
    key: SortKey,
    a: &Conversation,
    b: &Conversation,
    inbox_pos: &HashMap<&super::model::InboxId, usize>,
) -> Ordering {
    // `None` sorts last in every key.
    fn some_first<T: Ord>(a: Option<T>, b: Option<T>) -> Ordering {
        match (a, b) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
    match key {
        SortKey::Priority => b.priority.cmp(&a.priority),
        SortKey::SlaDeadline => some_first(deadline(a), deadline(b)),
        // The earliest `waiting_since` has waited longest.
        SortKey::WaitingTime => some_first(a.waiting_since, b.waiting_since),
        SortKey::CreatedAt => a.created_at.cmp(&b.created_at),
        SortKey::InboxOrder => some_first(
            a.inbox.as_ref().and_then(|i| inbox_pos.get(i)),
            b.inbox.as_ref().and_then(|i| inbox_pos.get(i)),
        ),
    }
}

fn deadline(c: &Conversation) -> Option<Timestamp> {
    c.sla.as_ref().and_then(|s| s.deadline).map(|d| d.at)
}
