//! Ordering of conversations: the configurable priority rule and SLA urgency.

use super::model::{Conversation, ConversationId, SlaStatus, Snapshot};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize, Serializer};
use std::cmp::Ordering;
use std::collections::HashMap;

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

/// One entry of the SLA queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaUrgency {
    /// The conversation.
    pub conversation: ConversationId,
    /// Time left until breach; zero or negative once breached.
    pub remaining: SignedDuration,
    /// `true` when the deadline came from the backend, `false` when estimated.
    pub exact: bool,
    /// The backend reports the SLA missed (on some backends sticky once any target was missed).
    pub missed: bool,
}

/// Open conversations with a known SLA deadline or a reported miss, nearest to breach first.
///
/// Breached conversations come first, most overdue first; a reported miss counts as breached
/// now even when the running target is still ahead. Ties fall back to id for stability.
pub fn sla_queue(snapshot: &Snapshot, now: Timestamp) -> Vec<SlaUrgency> {
    let mut queue: Vec<SlaUrgency> = snapshot
        .conversations
        .iter()
        .filter(|c| c.state.waiting_on_us())
        .filter_map(|c| {
            let sla = c.sla.as_ref()?;
            let missed = sla.status == SlaStatus::Missed;
            let remaining = sla.deadline.map(|d| d.at.duration_since(now));
            let remaining = match (missed, remaining) {
                (true, r) => r.unwrap_or_default().min(SignedDuration::ZERO),
                (false, r) => r?,
            };
            Some(SlaUrgency {
                conversation: c.id.clone(),
                remaining,
                exact: sla.deadline.is_some_and(|d| d.exact),
                missed,
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

/// One entry of the SLA queue, keyed on absolute time so it never moves as the clock runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QEntry {
    key: Timestamp,
    /// The conversation (an inline id: a copy of 24 bytes, no allocation, for ids up to 24
    /// bytes).
    id: ConversationId,
    exact: bool,
    missed: bool,
}

/// Open conversations with a known SLA deadline or a reported miss, nearest to breach first
/// at [`SlaQueue::at`] (breached first, most overdue first; a reported miss counts as
/// breached now; ties by id) — the order [`super::ordering::sla_queue`] gives, held as two
/// persistent sorted sequences: deadlines (fixed on the clock) and reported misses whose
/// deadline is still ahead or unknown (they sit at "now"). O(1) to clone, O(log² n) to
/// update or index.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SlaQueue {
    at: Option<Timestamp>,
    fixed: imbl::Vector<QEntry>,
    floating: imbl::Vector<QEntry>,
}

impl SlaQueue {
    /// The moment the remaining times are measured from.
    pub fn at(&self) -> Option<Timestamp> {
        self.at
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.fixed.len() + self.floating.len()
    }

    /// `true` when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn now(&self) -> Timestamp {
        self.at.unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// Fixed entries before "now", and those exactly at it.
    fn split(&self) -> (usize, usize) {
        let now = self.now();
        let before = partition(&self.fixed, |e| e.key < now);
        let upto = partition(&self.fixed, |e| e.key <= now);
        (before, upto - before)
    }

    fn urgency(&self, e: &QEntry, floating: bool) -> SlaUrgency {
        SlaUrgency {
            conversation: e.id.clone(),
            remaining: if floating {
                SignedDuration::ZERO
            } else {
                e.key.duration_since(self.now())
            },
            exact: e.exact,
            missed: e.missed,
        }
    }

    /// The entry at position `n`.
    pub fn get(&self, n: usize) -> Option<SlaUrgency> {
        let (p, e) = self.split();
        let f = self.floating.len();
        if n < p {
            return self.fixed.get(n).map(|x| self.urgency(x, false));
        }
        if n >= p + e + f {
            return self.fixed.get(n - f).map(|x| self.urgency(x, false));
        }
        // The tie group at "now": fixed entries exactly at it and the floating ones, by id.
        let j = n - p;
        for i in 0..e {
            let a = &self.fixed[p + i];
            let pos = i + partition(&self.floating, |b| b.id < a.id);
            match j.cmp(&pos) {
                std::cmp::Ordering::Equal => return Some(self.urgency(a, false)),
                std::cmp::Ordering::Less => {
                    return self.floating.get(j - i).map(|x| self.urgency(x, true));
                }
                std::cmp::Ordering::Greater => {}
            }
        }
        self.floating.get(j - e).map(|x| self.urgency(x, true))
    }

    /// Every entry in order (O(n log n); for tests, exports and the handoff).
    pub fn iter(&self) -> impl Iterator<Item = SlaUrgency> + '_ {
        (0..self.len()).filter_map(|n| self.get(n))
    }

    /// Where `c` stands in the queue, if it is in it.
    pub fn position(&self, c: &Conversation) -> Option<usize> {
        let (floating, entry) = q_entry(c, &c.id, self.now())?;
        let (p, e) = self.split();
        if floating {
            let k = find(&self.floating, &entry, false)?;
            let ties = (0..e).filter(|&i| self.fixed[p + i].id < entry.id).count();
            Some(p + k + ties)
        } else {
            let k = find(&self.fixed, &entry, true)?;
            let now = self.now();
            Some(if entry.key < now {
                k
            } else if entry.key > now {
                k + self.floating.len()
            } else {
                k + partition(&self.floating, |b| b.id < entry.id)
            })
        }
    }

    /// Measures from `now` (the entries' standing at `now` is the caller's to keep).
    pub(crate) fn move_to(&mut self, now: Timestamp) {
        self.at = Some(now);
    }

    /// A queue measured from `at` with these entries: `fixed` in (deadline, id) order,
    /// `floating` in id order (built in one pass, O(n)).
    pub(crate) fn from_sorted(at: Timestamp, fixed: Vec<QEntry>, floating: Vec<QEntry>) -> Self {
        debug_assert!(fixed.is_sorted_by(|a, b| order(a, b, true).is_lt()));
        debug_assert!(floating.is_sorted_by(|a, b| order(a, b, false).is_lt()));
        SlaQueue {
            at: Some(at),
            fixed: fixed.into_iter().collect(),
            floating: floating.into_iter().collect(),
        }
    }

    /// Adds (`sign` 1) or takes out (−1) `c`'s entry (under its id `id`) as it stands
    /// at `at`.
    pub(crate) fn change(
        &mut self,
        c: &Conversation,
        id: &ConversationId,
        at: Timestamp,
        sign: i32,
    ) {
        let Some((floating, entry)) = q_entry(c, id, at) else {
            return;
        };
        let list = if floating {
            &mut self.floating
        } else {
            &mut self.fixed
        };
        let pos = list.binary_search_by(|x| order(x, &entry, !floating));
        match (pos, sign > 0) {
            (Err(n), true) => list.insert(n, entry),
            (Ok(n), false) => {
                list.remove(n);
            }
            _ => {}
        }
    }
}

impl Serialize for SlaQueue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// Sorts entries for [`SlaQueue::from_sorted`]: (deadline, id), or id for floating ones.
pub(crate) fn sort_entries(v: &mut [QEntry], by_key: bool) {
    v.sort_unstable_by(|a, b| order(a, b, by_key));
}

fn order(a: &QEntry, b: &QEntry, by_key: bool) -> std::cmp::Ordering {
    if by_key {
        (a.key, &a.id).cmp(&(b.key, &b.id))
    } else {
        a.id.cmp(&b.id)
    }
}

fn find(list: &imbl::Vector<QEntry>, e: &QEntry, by_key: bool) -> Option<usize> {
    list.binary_search_by(|x| order(x, e, by_key)).ok()
}

/// The number of leading entries for which `pred` holds (it must hold for a prefix).
fn partition(list: &imbl::Vector<QEntry>, pred: impl Fn(&QEntry) -> bool) -> usize {
    let (mut lo, mut hi) = (0, list.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        if pred(&list[mid]) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// `c`'s SLA queue entry at `at` (under its id `id`): whether it floats at "now", and
/// the entry.
pub(crate) fn q_entry(
    c: &Conversation,
    id: &ConversationId,
    at: Timestamp,
) -> Option<(bool, QEntry)> {
    if !c.state.waiting_on_us() {
        return None;
    }
    let sla = c.sla.as_ref()?;
    let missed = sla.status == SlaStatus::Missed;
    let deadline = sla.deadline;
    let exact = deadline.is_some_and(|d| d.exact);
    let (floating, key) = match (missed, deadline) {
        (false, None) => return None,
        (false, Some(d)) => (false, d.at),
        (true, Some(d)) if d.at <= at => (false, d.at),
        (true, d) => (true, d.map_or(Timestamp::UNIX_EPOCH, |d| d.at)),
    };
    Some((
        floating,
        QEntry {
            key,
            id: id.clone(),
            exact,
            missed,
        },
    ))
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
        SortKey::SlaDeadline => urgency(a).cmp(&urgency(b)),
        // The earliest `waiting_since` has waited longest.
        SortKey::WaitingTime => some_first(a.waiting_since, b.waiting_since),
        SortKey::CreatedAt => a.created_at.cmp(&b.created_at),
        SortKey::InboxOrder => some_first(
            a.inbox.as_ref().and_then(|i| inbox_pos.get(i)),
            b.inbox.as_ref().and_then(|i| inbox_pos.get(i)),
        ),
    }
}

/// SLA urgency as a sort key: reported misses first, then by deadline, then no deadline.
fn urgency(c: &Conversation) -> (u8, Option<Timestamp>) {
    match &c.sla {
        Some(s) if s.status == SlaStatus::Missed => (0, s.deadline.map(|d| d.at)),
        Some(s) if s.deadline.is_some() => (1, s.deadline.map(|d| d.at)),
        _ => (2, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::*;
    use proptest::prelude::*;

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).unwrap()
    }

    prop_compose! {
        fn arb_conversation()(
            id in 0u32..50,
            priority in 0usize..5,
            inbox in proptest::option::of(0u8..3),
            waiting in proptest::option::of(-10_000i64..0),
            deadline in proptest::option::of(-5_000i64..5_000),
            missed in any::<bool>(),
            created in -50_000i64..0,
        ) -> Conversation {
            Conversation {
                id: ConversationId::from(id.to_string()),
                title: None,
                state: ConversationState::Open,
                raw_state: None,
                priority: Priority::ALL[priority],
                inbox: inbox.map(|i| InboxId::from(i.to_string())),
                assignee: None,
                created_at: t(created),
                updated_at: t(0),
                waiting_since: waiting.map(t),
                snoozed_until: None,
                first_reply_at: None,
                last_reply_at: None,
                sla: (deadline.is_some() || missed).then(|| Sla {
                    name: "x".into(),
                    status: if missed { SlaStatus::Missed } else { SlaStatus::Active },
                    deadline: deadline.map(|d| Deadline { at: t(d), exact: false }),
                }),
            }
        }
    }

    fn snapshot(conversations: Vec<Conversation>) -> Snapshot {
        Snapshot {
            taken_at: t(0),
            workspace: Workspace::default(),
            inboxes: (0..3)
                .map(|i| Inbox {
                    id: InboxId::from(i.to_string()),
                    name: i.to_string(),
                    members: vec![],
                    assignment_limit: None,
                    distribution: None,
                    secondary_unavailable: None,
                })
                .collect(),
            teammates: vec![].into(),
            conversations: conversations.into(),
            away_reasons: vec![].into(),
            warnings: vec![],
        }
    }

    const KEYS: [SortKey; 5] = [
        SortKey::Priority,
        SortKey::SlaDeadline,
        SortKey::WaitingTime,
        SortKey::CreatedAt,
        SortKey::InboxOrder,
    ];

    proptest! {
        #[test]
        fn sort_is_a_deterministic_permutation_respecting_the_first_key(
            convs in proptest::collection::vec(arb_conversation(), 0..40),
            key_order in proptest::sample::subsequence(KEYS.to_vec(), 1..=5),
        ) {
            let mut convs = convs;
            for (n, c) in convs.iter_mut().enumerate() {
                c.id = ConversationId::from(format!("{n:03}"));
            }
            let s = snapshot(convs);
            let mut a: Vec<&Conversation> = s.conversations.iter().collect();
            let mut b: Vec<&Conversation> = s.conversations.iter().rev().collect();
            sort(&mut a, &key_order, &s);
            sort(&mut b, &key_order, &s);
            // Input order does not matter: the order is total.
            let ids_a: Vec<_> = a.iter().map(|c| &c.id).collect();
            let ids_b: Vec<_> = b.iter().map(|c| &c.id).collect();
            prop_assert_eq!(&ids_a, &ids_b);
            prop_assert_eq!(ids_a.len(), s.conversations.len());
            for w in a.windows(2) {
                let first = compare(key_order[0], w[0], w[1], &HashMap::from_iter(
                    s.inboxes.iter().enumerate().map(|(n, i)| (&i.id, n))));
                prop_assert!(first != Ordering::Greater);
            }
        }

        #[test]
        fn sla_queue_is_sorted_and_breached_first(
            convs in proptest::collection::vec(arb_conversation(), 0..40),
        ) {
            let s = snapshot(convs);
            let q = sla_queue(&s, t(0));
            for w in q.windows(2) {
                prop_assert!(w[0].remaining <= w[1].remaining);
            }
            for u in &q {
                if u.missed { prop_assert!(u.remaining <= SignedDuration::ZERO); }
            }
            let expected = s.conversations.iter()
                .filter(|c| c.sla.as_ref().is_some_and(|x| x.deadline.is_some() || x.status == SlaStatus::Missed))
                .count();
            prop_assert_eq!(q.len(), expected);
        }
    }
}
