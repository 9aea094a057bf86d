//! Derived figures kept up to date by deltas: a refresh costs what changed, not what exists.
//!
//! [`Live`] holds, per inbox and per teammate, the counts and the ordered multisets
//! (waiting-since, last replies) that [`derive`] would compute, plus the SLA
//! queue and the running deadlines. [`Live::apply`] takes out the old version of each
//! conversation a [`Delta`] names and adds the new one; [`Live::advance`] moves the clock,
//! re-classifying only the conversations whose SLA standing changes in between (each has
//! one entry on a timeline: "at `t`, look at me again"). A countdown is the deadline minus
//! the clock, computed when drawn. Pure: time is passed in.

use super::metrics::{InboxMetrics, Metrics, SlaStanding, TeammateMetrics, Totals, sla_standing};
use super::model::{
    Conversation, ConversationId, Conversations, Delta, InboxId, SlaStatus, Snapshot, TeammateId,
};
use super::ordering::SlaQueue;
#[cfg(test)]
use super::ordering::SlaUrgency;
use super::policy::Policy;
use jiff::{SignedDuration, Timestamp};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A multiset of timestamps (first = smallest).
type Times = BTreeMap<Timestamp, u32>;

fn add_time(set: &mut Times, t: Timestamp, sign: i32) {
    if sign > 0 {
        *set.entry(t).or_default() += 1;
    } else if let Some(n) = set.get_mut(&t) {
        *n -= 1;
        if *n == 0 {
            set.remove(&t);
        }
    }
}

fn bump(n: &mut u32, yes: bool, sign: i32) {
    if yes {
        *n = n.wrapping_add_signed(sign);
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Counts {
    open: u32,
    unassigned: u32,
    waiting: u32,
    breached: u32,
    soon: u32,
}

impl Counts {
    fn add(&mut self, c: &Conversation, standing: SlaStanding, sign: i32) {
        bump(&mut self.open, true, sign);
        bump(&mut self.unassigned, c.assignee.is_none(), sign);
        bump(&mut self.waiting, c.waiting_since.is_some(), sign);
        bump(&mut self.breached, standing == SlaStanding::Breached, sign);
        bump(&mut self.soon, standing == SlaStanding::Soon, sign);
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
struct InboxAgg {
    counts: Counts,
    waits: Times,
    /// Running SLA deadlines of its open conversations (for forecasts).
    deadlines: BTreeSet<(Timestamp, ConversationId)>,
}

impl InboxAgg {
    fn is_empty(&self) -> bool {
        self.counts.open == 0 && self.waits.is_empty() && self.deadlines.is_empty()
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
struct MateAgg {
    load: u32,
    waiting: u32,
    waits: Times,
    replies: Times,
}

/// The next moment after `at` when something about `c` that depends on the clock changes:
/// its standing (later → soon → breached) or a reported miss's place in the queue.
fn next_event(c: &Conversation, at: Timestamp, soon: SignedDuration) -> Option<Timestamp> {
    if !c.state.waiting_on_us() {
        return None;
    }
    let sla = c.sla.as_ref()?;
    let d = sla.deadline?.at;
    let candidates = if sla.status == SlaStatus::Missed {
        [Some(d), None]
    } else {
        [d.checked_sub(soon).ok(), Some(d)]
    };
    candidates.into_iter().flatten().filter(|t| *t > at).min()
}

/// Computes every derived figure of `snapshot` at `now` (O(conversations); a dashboard keeps
/// a [`Live`] and applies deltas instead).
pub fn derive(snapshot: &Snapshot, policy: &Policy, now: Timestamp) -> Metrics {
    Live::build(snapshot, policy, now).metrics(snapshot, policy)
}

/// The derived state of one model, kept up to date by deltas and the clock.
#[derive(Debug, Clone)]
pub struct Live {
    /// The conversations these figures were derived from (shared, O(1)).
    base: Conversations,
    at: Timestamp,
    soon: SignedDuration,
    totals: Counts,
    inboxes: HashMap<InboxId, InboxAgg>,
    teammates: HashMap<TeammateId, MateAgg>,
    queue: SlaQueue,
    timeline: BTreeSet<(Timestamp, ConversationId)>,
    /// Running SLA deadlines of all open conversations (for alerts).
    running: BTreeSet<(Timestamp, ConversationId)>,
}

impl Live {
    /// Everything derived afresh from `snapshot` at `now` (O(conversations)).
    pub fn build(snapshot: &Snapshot, policy: &Policy, now: Timestamp) -> Live {
        let mut live = Live {
            base: snapshot.conversations.clone(),
            at: now,
            soon: policy.breaching_soon,
            totals: Counts::default(),
            inboxes: HashMap::new(),
            teammates: HashMap::new(),
            queue: SlaQueue::starting(now),
            timeline: BTreeSet::new(),
            running: BTreeSet::new(),
        };
        for c in snapshot.conversations.iter() {
            live.change(c, now, 1);
        }
        live
    }

    /// The moment the figures hold for.
    pub fn at(&self) -> Timestamp {
        self.at
    }

    /// `true` when built for this policy's "soon" window (else rebuild).
    pub fn fits(&self, policy: &Policy) -> bool {
        self.soon == policy.breaching_soon
    }

    /// Adds (`sign` 1) or takes out (−1) one conversation's part, as it stands at `at`.
    fn change(&mut self, c: &Conversation, at: Timestamp, sign: i32) {
        if !c.state.waiting_on_us() {
            return;
        }
        let standing = sla_standing(c, at, self.soon);
        self.totals.add(c, standing, sign);
        let running = c
            .sla
            .as_ref()
            .filter(|s| s.status.is_running())
            .and_then(|s| s.deadline)
            .map(|d| (d.at, c.id.clone()));
        if let Some(inbox) = &c.inbox {
            let agg = self.inboxes.entry(inbox.clone()).or_default();
            agg.counts.add(c, standing, sign);
            if let Some(w) = c.waiting_since {
                add_time(&mut agg.waits, w, sign);
            }
            if let Some(r) = &running {
                if sign > 0 {
                    agg.deadlines.insert(r.clone());
                } else {
                    agg.deadlines.remove(r);
                }
            }
            if agg.is_empty() {
                self.inboxes.remove(inbox);
            }
        }
        if let Some(mate) = &c.assignee {
            let agg = self.teammates.entry(mate.clone()).or_default();
            bump(&mut agg.load, true, sign);
            bump(&mut agg.waiting, c.waiting_since.is_some(), sign);
            if let Some(w) = c.waiting_since {
                add_time(&mut agg.waits, w, sign);
            }
            if let Some(r) = c.last_reply_at {
                add_time(&mut agg.replies, r, sign);
            }
            if agg.load == 0 {
                self.teammates.remove(mate);
            }
        }
        if let Some(r) = running {
            if sign > 0 {
                self.running.insert(r);
            } else {
                self.running.remove(&r);
            }
        }
        self.queue.change(c, at, sign);
        if let Some(t) = next_event(c, at, self.soon) {
            let key = (t, c.id.clone());
            if sign > 0 {
                self.timeline.insert(key);
            } else {
                self.timeline.remove(&key);
            }
        }
    }

    /// `true` when these figures were derived from exactly `snapshot`'s conversations (the
    /// same shared map), so a delta from it can be applied.
    pub fn derived_from(&self, snapshot: &Snapshot) -> bool {
        self.base.ptr_eq(&snapshot.conversations)
    }

    /// Applies a delta: `old` is the model these figures were derived from (see
    /// [`Live::derived_from`]), `new` the model after the delta. O(changes · log n).
    pub fn apply(&mut self, old: &Snapshot, new: &Snapshot, delta: &Delta) {
        self.base = new.conversations.clone();
        let at = self.at;
        let ids: BTreeSet<&ConversationId> = delta.ids().collect();
        for id in ids {
            if let Some(c) = old.conversation(id) {
                self.change(c, at, -1);
            }
            if let Some(c) = new.conversation(id) {
                self.change(c, at, 1);
            }
        }
    }

    /// Moves the clock to `now`, re-classifying the conversations whose standing changes in
    /// between (O(those · log n)). `false` when `now` is before the figures' moment: the
    /// caller rebuilds.
    pub fn advance(&mut self, snapshot: &Snapshot, now: Timestamp) -> bool {
        if now < self.at {
            return false;
        }
        while let Some((t, id)) = self.timeline.first().cloned() {
            if t > now {
                break;
            }
            match snapshot.conversation(&id) {
                Some(c) => {
                    let c = c.clone();
                    self.change(&c, self.at, -1);
                    self.change(&c, now, 1);
                }
                None => {
                    self.timeline.remove(&(t, id));
                }
            }
        }
        self.at = now;
        self.queue.move_to(now);
        true
    }

    /// The nearest running SLA deadline after `now` among `inbox`'s open conversations.
    pub fn nearest_deadline(
        &self,
        inbox: &InboxId,
        now: Timestamp,
    ) -> Option<(Timestamp, &ConversationId)> {
        self.inboxes
            .get(inbox)?
            .deadlines
            .range((now, ConversationId(String::new()))..)
            .find(|(t, _)| *t > now)
            .map(|(t, id)| (*t, id))
    }

    /// Open conversations whose running SLA deadline falls in `(now, now + within]`.
    pub fn running_within(
        &self,
        now: Timestamp,
        within: SignedDuration,
    ) -> BTreeSet<ConversationId> {
        let end = now.checked_add(within).unwrap_or(now);
        self.running
            .range((now, ConversationId(String::new()))..)
            .take_while(|(t, _)| *t <= end)
            .filter(|(t, _)| *t > now)
            .map(|(_, id)| id.clone())
            .collect()
    }

    /// The figures at the live moment, in `snapshot` order (O(inboxes × members +
    /// teammates): those are re-read on every refresh anyway).
    pub fn metrics(&self, snapshot: &Snapshot, policy: &Policy) -> Metrics {
        let now = self.at;
        let teammate_index: HashMap<&TeammateId, usize> = snapshot
            .teammates
            .iter()
            .enumerate()
            .map(|(n, t)| (&t.id, n))
            .collect();
        let mut totals = Totals {
            open: self.totals.open,
            unassigned: self.totals.unassigned,
            waiting: self.totals.waiting,
            breached: self.totals.breached,
            breaching_soon: self.totals.soon,
            away: 0,
            over_cap: 0,
        };
        let empty = InboxAgg::default();
        let inboxes = snapshot
            .inboxes
            .iter()
            .map(|i| {
                let (away, on_duty) =
                    i.members.iter().fold((0, 0), |(a, d), m| {
                        match teammate_index
                            .get(&m.teammate)
                            .map(|&n| &snapshot.teammates[n])
                        {
                            Some(t) if t.presence.is_away() => (a + 1, d),
                            Some(_) => (a, d + 1),
                            None => (a, d),
                        }
                    });
                let agg = self.inboxes.get(&i.id).unwrap_or(&empty);
                InboxMetrics {
                    inbox: i.id.clone(),
                    open: agg.counts.open,
                    unassigned: agg.counts.unassigned,
                    waiting: agg.counts.waiting,
                    oldest_wait: agg.waits.keys().next().map(|w| now.duration_since(*w)),
                    breached: agg.counts.breached,
                    breaching_soon: agg.counts.soon,
                    on_duty,
                    away,
                }
            })
            .collect();
        let none = MateAgg::default();
        let teammates = snapshot
            .teammates
            .iter()
            .map(|t| {
                let agg = self.teammates.get(&t.id).unwrap_or(&none);
                let load = agg.load;
                let oldest_wait = agg.waits.keys().next().map(|w| now.duration_since(*w));
                let last_reply = agg.replies.keys().next_back().copied();
                let utilisation = match t.cap {
                    Some(cap) if cap.value > 0 => f64::from(load) / f64::from(cap.value),
                    Some(_) if load > 0 => f64::INFINITY,
                    _ => 0.0,
                };
                let over_cap = t.cap.is_some_and(|c| load > c.value);
                let has_capacity = !t.presence.is_away()
                    && t.has_inbox_seat
                    && t.cap.is_some_and(|c| load < c.value);
                totals.away += u32::from(t.presence.is_away());
                totals.over_cap += u32::from(over_cap);
                TeammateMetrics {
                    teammate: t.id.clone(),
                    load,
                    waiting: agg.waiting,
                    cap: t.cap,
                    utilisation,
                    over_cap,
                    has_capacity,
                    oldest_wait,
                    last_reply,
                    idle: !t.presence.is_away()
                        && oldest_wait.is_some_and(|w| w > policy.idle_after)
                        && last_reply.is_none_or(|r| now.duration_since(r) > policy.idle_after),
                }
            })
            .collect();
        Metrics {
            at: now,
            inboxes,
            teammates,
            sla_queue: self.queue.clone(),
            totals,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixture;
    use crate::domain::metrics::reference;
    use crate::domain::model::*;
    use proptest::prelude::*;

    fn t(secs: i64) -> Timestamp {
        fixture::t0()
            .checked_add(SignedDuration::from_secs(secs))
            .unwrap()
    }

    /// A conversation over a small id space, so deltas replace and remove each other's.
    fn arb_conversation() -> impl Strategy<Value = Conversation> {
        (
            0u8..24,
            0usize..7,
            proptest::option::of(0u8..3),
            proptest::option::of(0u8..4),
            proptest::option::of(-4_000i64..600),
            proptest::option::of(-4_000i64..600),
            proptest::option::of((
                0usize..6,
                proptest::option::of((-3_000i64..3_000, any::<bool>())),
            )),
            -9_000i64..600,
        )
            .prop_map(|(id, state, inbox, mate, waiting, replied, sla, created)| {
                let states = [
                    ConversationState::New,
                    ConversationState::Open,
                    ConversationState::Pending,
                    ConversationState::OnHold,
                    ConversationState::Snoozed,
                    ConversationState::Open,
                    ConversationState::New,
                ];
                let statuses = [
                    SlaStatus::Active,
                    SlaStatus::Missed,
                    SlaStatus::Paused,
                    SlaStatus::Hit,
                    SlaStatus::Unknown,
                    SlaStatus::Cancelled,
                ];
                let mut c = fixture::conversation(&format!("c{id:02}"), t(created));
                c.state = states[state];
                c.inbox = inbox.map(|i| InboxId(format!("i{i}")));
                c.assignee = mate.map(|m| TeammateId(format!("m{m}")));
                c.waiting_since = waiting.map(t);
                c.last_reply_at = replied.map(t);
                c.first_reply_at = c.last_reply_at;
                c.sla = sla.map(|(s, deadline)| Sla {
                    name: "Gold".into(),
                    status: statuses[s],
                    deadline: deadline.map(|(d, exact)| Deadline { at: t(d), exact }),
                });
                c
            })
    }

    fn base(conversations: Vec<Conversation>) -> Snapshot {
        let mut s = fixture::snapshot(t(0));
        s.inboxes = (0..3)
            .map(|i| {
                let mut inbox = fixture::inbox(&format!("i{i}"), &format!("Inbox {i}"));
                inbox.members = (0..3)
                    .map(|m| fixture::member(&format!("m{}", (i + m) % 4), Level::Primary))
                    .collect();
                inbox
            })
            .collect();
        s.teammates = (0..4)
            .map(|m| {
                let mut mate = fixture::teammate(&format!("m{m}"));
                mate.presence = fixture::away_if(m == 3);
                mate
            })
            .collect();
        s.conversations = conversations.into();
        s
    }

    fn policy() -> Policy {
        Policy {
            sla_targets: vec![crate::domain::policy::SlaTarget {
                name: Some("Gold".into()),
                priority: None,
                first_response: SignedDuration::from_mins(20),
                next_response: SignedDuration::from_mins(40),
            }],
            idle_after: SignedDuration::from_mins(20),
            ..Policy::default()
        }
    }

    /// A batch of changes: conversations to insert or replace, ids to remove, and how far
    /// the clock moves before the batch lands.
    fn arb_step() -> impl Strategy<Value = (Vec<Conversation>, Vec<u8>, i64)> {
        (
            proptest::collection::vec(arb_conversation(), 0..8),
            proptest::collection::vec(0u8..24, 0..4),
            prop_oneof![Just(0i64), 0i64..5, 0i64..2_000],
        )
    }

    fn check_same(
        live: &Live,
        s: &Snapshot,
        p: &Policy,
        now: Timestamp,
    ) -> Result<(), TestCaseError> {
        let incremental = live.metrics(s, p);
        let fresh = Live::build(s, p, now).metrics(s, p);
        prop_assert_eq!(&incremental, &fresh);
        let r = reference(s, p, now);
        prop_assert_eq!(&incremental.inboxes, &r.inboxes);
        prop_assert_eq!(&incremental.teammates, &r.teammates);
        prop_assert_eq!(&incremental.totals, &r.totals);
        let queue: Vec<SlaUrgency> = incremental.sla_queue.iter().collect();
        prop_assert_eq!(&queue, &r.sla_queue);
        for (n, u) in r.sla_queue.iter().enumerate() {
            let c = s.conversation(&u.conversation).unwrap();
            prop_assert_eq!(incremental.sla_queue.position(c), Some(n));
        }
        // Forecast and alert look-ups agree with a pass over everything.
        for inbox in &s.inboxes {
            let nearest = s
                .conversations
                .iter()
                .filter(|c| c.state.waiting_on_us() && c.inbox.as_ref() == Some(&inbox.id))
                .filter_map(|c| {
                    let d = c.sla.as_ref().filter(|x| x.status.is_running())?.deadline?;
                    (d.at > now).then_some((d.at, &c.id))
                })
                .min();
            prop_assert_eq!(live.nearest_deadline(&inbox.id, now), nearest);
        }
        let within = SignedDuration::from_mins(10);
        let near: BTreeSet<ConversationId> = s
            .conversations
            .iter()
            .filter(|c| c.state.waiting_on_us())
            .filter(|c| {
                c.sla.as_ref().is_some_and(|x| {
                    x.status.is_running()
                        && x.deadline
                            .is_some_and(|d| d.at > now && d.at.duration_since(now) <= within)
                })
            })
            .map(|c| c.id.clone())
            .collect();
        prop_assert_eq!(live.running_within(now, within), near);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Applying any sequence of deltas, with the clock moving between them, gives the
        /// same model and the same figures as a fresh full derive (and as the one-pass
        /// reference derive).
        #[test]
        fn deltas_give_what_a_full_derive_gives(
            start in proptest::collection::vec(arb_conversation(), 0..20),
            steps in proptest::collection::vec(arb_step(), 1..8),
        ) {
            let p = policy();
            let mut now = t(0);
            let mut s = base(start);
            p.apply(&mut s);
            let mut live = Live::build(&s, &p, now);
            check_same(&live, &s, &p, now)?;
            for (changed, removed, dt) in steps {
                now = now.checked_add(SignedDuration::from_secs(dt)).unwrap();
                let mut next = s.clone();
                let mut delta = Delta::default();
                for mut c in changed {
                    p.prepare(&mut c);
                    delta.changed.push(c.id.clone());
                    next.conversations.insert(c);
                }
                for r in removed {
                    let id = ConversationId(format!("c{r:02}"));
                    if next.conversations.remove(&id).is_some() {
                        delta.changed.retain(|x| x != &id);
                        delta.removed.push(id);
                    }
                }
                prop_assert!(live.derived_from(&s));
                live.apply(&s, &next, &delta);
                prop_assert!(live.advance(&next, now));
                s = next;
                check_same(&live, &s, &p, now)?;
            }
        }
    }

    #[test]
    fn a_clock_that_goes_back_asks_for_a_rebuild() {
        let s = base(vec![]);
        let mut live = Live::build(&s, &policy(), t(10));
        assert!(!live.advance(&s, t(5)));
        assert!(live.advance(&s, t(10)));
    }
}
