//! Derived figures kept up to date by deltas: a refresh costs what changed, not what exists.
//!
//! [`Live`] holds, per inbox and per teammate, the counts and the ordered multisets
//! (waiting-since, last replies) that [`derive`] would compute, plus the SLA
//! queue and the running deadlines. [`Live::apply`] takes out the old version of each
//! conversation a [`Delta`] names and adds the new one; [`Live::advance`] moves the clock,
//! re-classifying only the conversations whose SLA standing changes in between (each has
//! one entry on a timeline: "at `t`, look at me again"). [`Live::figures`] then updates the
//! previous [`Metrics`] in place: the inboxes and teammates a change touched are recomputed,
//! the rest only have their clock-relative figures (oldest wait, idle) moved, a pass over
//! plain numbers. A countdown is the deadline minus the clock, computed when drawn. Pure:
//! time is passed in.
//!
//! Conversation ids are held inline (`ConversationId` is a `CompactString`: up to 24 bytes
//! without an allocation), so an ordered set's entry is a copy of the id, not a pointer to it.

use super::metrics::{InboxMetrics, Metrics, SlaStanding, TeammateMetrics, Totals, sla_standing};
use super::model::{
    Conversation, ConversationId, Conversations, Delta, Inbox, InboxId, Shared, SlaStatus,
    Snapshot, Teammate, TeammateId,
};
#[cfg(test)]
use super::ordering::SlaUrgency;
use super::ordering::{self, QEntry, SlaQueue};
use super::policy::Policy;
use jiff::{SignedDuration, Timestamp};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{BTreeMap, BTreeSet};

/// A conversation id as the ordered sets hold it.
type Id = ConversationId;

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

/// A multiset from unsorted timestamps, built in one pass after a sort.
fn times_of(mut v: Vec<Timestamp>) -> Times {
    v.sort_unstable();
    let mut runs: Vec<(Timestamp, u32)> = Vec::new();
    for t in v {
        match runs.last_mut() {
            Some((last, n)) if *last == t => *n += 1,
            _ => runs.push((t, 1)),
        }
    }
    runs.into_iter().collect()
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
    deadlines: BTreeSet<(Timestamp, Id)>,
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

/// The running SLA deadline of an open conversation, if any.
fn running_deadline(c: &Conversation) -> Option<Timestamp> {
    c.sla
        .as_ref()
        .filter(|s| s.status.is_running())
        .and_then(|s| s.deadline)
        .map(|d| d.at)
}

/// Computes every derived figure of `snapshot` at `now` (O(conversations); a dashboard keeps
/// a [`Live`] and applies deltas instead).
pub fn derive(snapshot: &Snapshot, policy: &Policy, now: Timestamp) -> Metrics {
    Live::build(snapshot, policy, now).metrics(snapshot, policy)
}

/// Where each inbox and teammate sits in the [`Metrics`] last handed out, and the plain
/// numbers their clock-relative figures are moved from: valid while the snapshot's people
/// are the very same (shared) lists.
#[derive(Debug, Clone)]
struct Layout {
    inboxes: Shared<Vec<Inbox>>,
    teammates: Shared<Vec<Teammate>>,
    idle_after: SignedDuration,
    inbox_at: FxHashMap<InboxId, usize>,
    mate_at: FxHashMap<TeammateId, usize>,
    /// Per inbox position: its oldest waiting-since.
    inbox_oldest: Vec<Option<Timestamp>>,
    /// Per teammate position: oldest waiting-since, last reply, away.
    mate_times: Vec<(Option<Timestamp>, Option<Timestamp>, bool)>,
    /// Per teammate position: the positions of the inboxes that list them (whose on-duty and
    /// away counts follow their presence).
    member_of: Vec<Vec<u32>>,
    /// Teammates away (people only).
    away: u32,
}

/// Which inboxes' and teammates' people figures differ between two versions of the people
/// (the same ids at the same positions): positions of the inboxes and teammates to recompute.
/// `None` when the lists do not line up (recompute everything).
fn people_diff(
    layout: &Layout,
    inboxes: &Shared<Vec<Inbox>>,
    teammates: &Shared<Vec<Teammate>>,
) -> Option<(Vec<usize>, Vec<usize>)> {
    let (old_i, old_t) = (&layout.inboxes, &layout.teammates);
    if old_i.len() != inboxes.len() || old_t.len() != teammates.len() {
        return None;
    }
    let mut dirty_inboxes = Vec::new();
    if !old_i.ptr_eq(inboxes) {
        for (n, (a, b)) in old_i.iter().zip(inboxes.iter()).enumerate() {
            if a != b {
                if a.id != b.id {
                    return None;
                }
                dirty_inboxes.push(n);
            }
        }
    }
    let mut dirty_mates = Vec::new();
    if !old_t.ptr_eq(teammates) {
        for (n, (a, b)) in old_t.iter().zip(teammates.iter()).enumerate() {
            if a != b {
                if a.id != b.id {
                    return None;
                }
                dirty_mates.push(n);
            }
        }
    }
    Some((dirty_inboxes, dirty_mates))
}

/// The derived state of one model, kept up to date by deltas and the clock.
#[derive(Debug, Clone)]
pub struct Live {
    /// The conversations these figures were derived from (shared, O(1)).
    base: Conversations,
    at: Timestamp,
    soon: SignedDuration,
    totals: Counts,
    inboxes: FxHashMap<InboxId, InboxAgg>,
    teammates: FxHashMap<TeammateId, MateAgg>,
    queue: SlaQueue,
    timeline: BTreeSet<(Timestamp, Id)>,
    /// Running SLA deadlines of all open conversations (for alerts).
    running: BTreeSet<(Timestamp, Id)>,
    /// Inboxes and teammates whose figures changed since the last [`Live::figures`].
    dirty_inboxes: FxHashSet<InboxId>,
    dirty_mates: FxHashSet<TeammateId>,
    layout: Option<Layout>,
}

/// What [`Live::build`] gathers for one inbox before building its sets in one go.
#[derive(Default)]
struct InboxBuild {
    counts: Counts,
    waits: Vec<Timestamp>,
    deadlines: Vec<(Timestamp, Id)>,
}

#[derive(Default)]
struct MateBuild {
    load: u32,
    waiting: u32,
    waits: Vec<Timestamp>,
    replies: Vec<Timestamp>,
}

fn slot<'a, K: std::hash::Hash + Eq + Clone, V: Default>(
    map: &'a mut FxHashMap<K, V>,
    key: &K,
) -> &'a mut V {
    if !map.contains_key(key) {
        map.insert(key.clone(), V::default());
    }
    map.get_mut(key).expect("just inserted")
}

impl Live {
    /// Everything derived afresh from `snapshot` at `now`: one pass over the conversations
    /// into plain lists, then each ordered set built from its sorted list (O(n log n) with
    /// small constants, no per-entry tree insertion).
    pub fn build(snapshot: &Snapshot, policy: &Policy, now: Timestamp) -> Live {
        let soon = policy.breaching_soon;
        let mut totals = Counts::default();
        let mut inboxes: FxHashMap<InboxId, InboxBuild> = FxHashMap::default();
        let mut mates: FxHashMap<TeammateId, MateBuild> = FxHashMap::default();
        let mut fixed: Vec<QEntry> = Vec::new();
        let mut floating: Vec<QEntry> = Vec::new();
        let mut timeline: Vec<(Timestamp, Id)> = Vec::new();
        let mut running: Vec<(Timestamp, Id)> = Vec::new();
        for (id, c) in snapshot.conversations.iter_keyed() {
            if !c.state.waiting_on_us() {
                continue;
            }
            let standing = sla_standing(c, now, soon);
            totals.add(c, standing, 1);
            let deadline = running_deadline(c);
            if let Some(inbox) = &c.inbox {
                let b = slot(&mut inboxes, inbox);
                b.counts.add(c, standing, 1);
                b.waits.extend(c.waiting_since);
                if let Some(d) = deadline {
                    b.deadlines.push((d, id.clone()));
                }
            }
            if let Some(mate) = &c.assignee {
                let b = slot(&mut mates, mate);
                b.load += 1;
                b.waiting += u32::from(c.waiting_since.is_some());
                b.waits.extend(c.waiting_since);
                b.replies.extend(c.last_reply_at);
            }
            if let Some(d) = deadline {
                running.push((d, id.clone()));
            }
            if let Some((float, e)) = ordering::q_entry(c, id, now) {
                if float {
                    floating.push(e);
                } else {
                    fixed.push(e);
                }
            }
            if let Some(t) = next_event(c, now, soon) {
                timeline.push((t, id.clone()));
            }
        }
        ordering::sort_entries(&mut fixed, true);
        ordering::sort_entries(&mut floating, false);
        Live {
            base: snapshot.conversations.clone(),
            at: now,
            soon,
            totals,
            inboxes: inboxes
                .into_iter()
                .map(|(k, b)| {
                    let agg = InboxAgg {
                        counts: b.counts,
                        waits: times_of(b.waits),
                        deadlines: b.deadlines.into_iter().collect(),
                    };
                    (k, agg)
                })
                .collect(),
            teammates: mates
                .into_iter()
                .map(|(k, b)| {
                    let agg = MateAgg {
                        load: b.load,
                        waiting: b.waiting,
                        waits: times_of(b.waits),
                        replies: times_of(b.replies),
                    };
                    (k, agg)
                })
                .collect(),
            queue: SlaQueue::from_sorted(now, fixed, floating),
            timeline: timeline.into_iter().collect(),
            running: running.into_iter().collect(),
            dirty_inboxes: FxHashSet::default(),
            dirty_mates: FxHashSet::default(),
            layout: None,
        }
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
    fn change(&mut self, id: &Id, c: &Conversation, at: Timestamp, sign: i32) {
        if !c.state.waiting_on_us() {
            return;
        }
        let track = self.layout.is_some();
        let standing = sla_standing(c, at, self.soon);
        self.totals.add(c, standing, sign);
        let running = running_deadline(c).map(|d| (d, id.clone()));
        if let Some(inbox) = &c.inbox {
            let agg = slot(&mut self.inboxes, inbox);
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
            if track && !self.dirty_inboxes.contains(inbox) {
                self.dirty_inboxes.insert(inbox.clone());
            }
        }
        if let Some(mate) = &c.assignee {
            let agg = slot(&mut self.teammates, mate);
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
            if track && !self.dirty_mates.contains(mate) {
                self.dirty_mates.insert(mate.clone());
            }
        }
        if let Some(r) = running {
            if sign > 0 {
                self.running.insert(r);
            } else {
                self.running.remove(&r);
            }
        }
        self.queue.change(c, id, at, sign);
        if let Some(t) = next_event(c, at, self.soon) {
            let key = (t, id.clone());
            if sign > 0 {
                self.timeline.insert(key);
            } else {
                self.timeline.remove(&key);
            }
        }
    }

    /// Moves one conversation's clock-dependent part from the figures' moment to `now`: its
    /// SLA standing (totals and its inbox's breached / soon), its queue entry (a reported
    /// miss whose deadline passed stops floating) and its timeline event. Loads, waits,
    /// deadlines and replies do not depend on the clock and stay as they are.
    fn reclassify(&mut self, id: &Id, c: &Conversation, now: Timestamp) {
        let at = self.at;
        if !c.state.waiting_on_us() {
            return;
        }
        let (before, after) = (
            sla_standing(c, at, self.soon),
            sla_standing(c, now, self.soon),
        );
        if before != after {
            let fix = |counts: &mut Counts| {
                bump(&mut counts.breached, before == SlaStanding::Breached, -1);
                bump(&mut counts.soon, before == SlaStanding::Soon, -1);
                bump(&mut counts.breached, after == SlaStanding::Breached, 1);
                bump(&mut counts.soon, after == SlaStanding::Soon, 1);
            };
            fix(&mut self.totals);
            if let Some(inbox) = &c.inbox
                && let Some(agg) = self.inboxes.get_mut(inbox)
            {
                fix(&mut agg.counts);
                if self.layout.is_some() && !self.dirty_inboxes.contains(inbox) {
                    self.dirty_inboxes.insert(inbox.clone());
                }
            }
        }
        if ordering::q_entry(c, id, at) != ordering::q_entry(c, id, now) {
            self.queue.change(c, id, at, -1);
            self.queue.change(c, id, now, 1);
        }
        let (old, new) = (next_event(c, at, self.soon), next_event(c, now, self.soon));
        if old != new {
            if let Some(t) = old {
                self.timeline.remove(&(t, id.clone()));
            }
            if let Some(t) = new {
                self.timeline.insert((t, id.clone()));
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
            if let Some((k, c)) = old.conversations.get_keyed(id) {
                self.change(k, c, at, -1);
            }
            if let Some((k, c)) = new.conversations.get_keyed(id) {
                self.change(k, c, at, 1);
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
            match snapshot.conversations.get_keyed(&id) {
                Some((k, c)) => {
                    let k = k.clone();
                    self.reclassify(&k, c, now);
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
        let from = (now, ConversationId::from(""));
        self.inboxes
            .get(inbox)?
            .deadlines
            .range(from..)
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
        let from = (now, ConversationId::from(""));
        self.running
            .range(from..)
            .take_while(|(t, _)| *t <= end)
            .filter(|(t, _)| *t > now)
            .map(|(_, id)| id.clone())
            .collect()
    }

    fn inbox_figures(
        &self,
        i: &Inbox,
        on_duty: u32,
        away: u32,
    ) -> (InboxMetrics, Option<Timestamp>) {
        let empty = InboxAgg::default();
        let agg = self.inboxes.get(&i.id).unwrap_or(&empty);
        let oldest = agg.waits.keys().next().copied();
        (
            InboxMetrics {
                inbox: i.id.clone(),
                open: agg.counts.open,
                unassigned: agg.counts.unassigned,
                waiting: agg.counts.waiting,
                oldest_wait: oldest.map(|w| self.at.duration_since(w)),
                breached: agg.counts.breached,
                breaching_soon: agg.counts.soon,
                on_duty,
                away,
            },
            oldest,
        )
    }

    fn mate_figures(
        &self,
        t: &Teammate,
        policy: &Policy,
    ) -> (
        TeammateMetrics,
        (Option<Timestamp>, Option<Timestamp>, bool),
    ) {
        let none = MateAgg::default();
        let agg = self.teammates.get(&t.id).unwrap_or(&none);
        let load = agg.load;
        let oldest = agg.waits.keys().next().copied();
        let last_reply = agg.replies.keys().next_back().copied();
        let away = t.presence.is_away();
        let utilisation = match t.cap {
            Some(cap) if cap.value > 0 => f64::from(load) / f64::from(cap.value),
            Some(_) if load > 0 => f64::INFINITY,
            _ => 0.0,
        };
        let mut m = TeammateMetrics {
            teammate: t.id.clone(),
            load,
            waiting: agg.waiting,
            cap: t.cap,
            utilisation,
            over_cap: t.cap.is_some_and(|c| load > c.value),
            has_capacity: !away && t.has_inbox_seat && t.cap.is_some_and(|c| load < c.value),
            oldest_wait: None,
            last_reply,
            idle: false,
        };
        let times = (oldest, last_reply, away);
        retime_mate(&mut m, times, self.at, policy.idle_after);
        (m, times)
    }

    /// The figures at the live moment, in `snapshot` order, computed afresh (O(inboxes ×
    /// members + teammates)); [`Live::figures`] updates the previous ones instead.
    pub fn metrics(&self, snapshot: &Snapshot, policy: &Policy) -> Metrics {
        self.metrics_and_layout(snapshot, policy).0
    }

    fn metrics_and_layout(
        &self,
        snapshot: &Snapshot,
        policy: &Policy,
    ) -> (Metrics, Option<Layout>) {
        let mut mate_at: FxHashMap<TeammateId, usize> = FxHashMap::default();
        let mut unique = true;
        for (n, t) in snapshot.teammates.iter().enumerate() {
            unique &= mate_at.insert(t.id.clone(), n).is_none();
        }
        let mut totals = Totals {
            open: self.totals.open,
            unassigned: self.totals.unassigned,
            waiting: self.totals.waiting,
            breached: self.totals.breached,
            breaching_soon: self.totals.soon,
            away: 0,
            over_cap: 0,
        };
        let mut inbox_at: FxHashMap<InboxId, usize> = FxHashMap::default();
        let mut inbox_oldest = Vec::with_capacity(snapshot.inboxes.len());
        let mut member_of: Vec<Vec<u32>> = vec![Vec::new(); snapshot.teammates.len()];
        let inboxes = snapshot
            .inboxes
            .iter()
            .enumerate()
            .map(|(n, i)| {
                unique &= inbox_at.insert(i.id.clone(), n).is_none();
                for m in &i.members {
                    if let Some(&k) = mate_at.get(&m.teammate) {
                        member_of[k].push(n as u32);
                    }
                }
                let (on_duty, away) = on_duty_away(i, &mate_at, &snapshot.teammates);
                let (m, oldest) = self.inbox_figures(i, on_duty, away);
                inbox_oldest.push(oldest);
                m
            })
            .collect();
        let mut mate_times = Vec::with_capacity(snapshot.teammates.len());
        let teammates = snapshot
            .teammates
            .iter()
            .map(|t| {
                let (m, times) = self.mate_figures(t, policy);
                totals.away += u32::from(times.2);
                totals.over_cap += u32::from(m.over_cap);
                mate_times.push(times);
                m
            })
            .collect();
        let layout = unique.then(|| Layout {
            inboxes: snapshot.inboxes.clone(),
            teammates: snapshot.teammates.clone(),
            idle_after: policy.idle_after,
            inbox_at,
            mate_at,
            inbox_oldest,
            mate_times,
            member_of,
            away: totals.away,
        });
        let metrics = Metrics {
            at: self.at,
            inboxes,
            teammates,
            sla_queue: self.queue.clone(),
            totals,
        };
        (metrics, layout)
    }

    /// The figures at the live moment, in `snapshot` order: `previous` (the figures this
    /// `Live` last handed out) updated in place when the snapshot's people line up with the
    /// ones it was computed for (the same ids at the same positions) — the inboxes and
    /// teammates a change touched recomputed (conversations changed, or their people: a
    /// teammate whose entry differs, the inboxes listing a teammate whose presence flipped, an
    /// inbox whose entry differs), every other one only its oldest wait and idle flag moved
    /// to the clock (no hashing, no allocation) — else computed afresh. Equal to
    /// [`Live::metrics`] either way. People lists shared with the previous call cost nothing
    /// to compare; others are compared entry by entry (O(people), no allocation).
    pub fn figures(
        &mut self,
        previous: Option<Metrics>,
        snapshot: &Snapshot,
        policy: &Policy,
    ) -> Metrics {
        let dirty_inboxes = std::mem::take(&mut self.dirty_inboxes);
        let dirty_mates = std::mem::take(&mut self.dirty_mates);
        let people = self
            .layout
            .as_ref()
            .filter(|l| l.idle_after == policy.idle_after)
            .and_then(|l| people_diff(l, &snapshot.inboxes, &snapshot.teammates));
        let (mut m, (people_inboxes, people_mates)) = match (previous, people) {
            (Some(m), Some(diff))
                if m.inboxes.len() == snapshot.inboxes.len()
                    && m.teammates.len() == snapshot.teammates.len() =>
            {
                (m, diff)
            }
            _ => {
                let (m, layout) = self.metrics_and_layout(snapshot, policy);
                self.layout = layout;
                return m;
            }
        };
        let mut layout = self.layout.take().expect("checked above");
        // People first: who changed, which inboxes' members or on-duty counts follow.
        let mut recount: Vec<usize> = Vec::new();
        for &n in &people_inboxes {
            for member in &layout.inboxes[n].members {
                if let Some(&k) = layout.mate_at.get(&member.teammate) {
                    layout.member_of[k].retain(|&i| i as usize != n);
                }
            }
            for member in &snapshot.inboxes[n].members {
                if let Some(&k) = layout.mate_at.get(&member.teammate) {
                    layout.member_of[k].push(n as u32);
                }
            }
            recount.push(n);
        }
        for &n in &people_mates {
            let was_away = layout.mate_times[n].2;
            let (f, times) = self.mate_figures(&snapshot.teammates[n], policy);
            m.teammates[n] = f;
            layout.mate_times[n] = times;
            if times.2 != was_away {
                if times.2 {
                    layout.away += 1;
                } else {
                    layout.away -= 1;
                }
                recount.extend(layout.member_of[n].iter().map(|&i| i as usize));
            }
        }
        recount.sort_unstable();
        recount.dedup();
        for n in recount {
            let inbox = &snapshot.inboxes[n];
            let (on_duty, away) = on_duty_away(inbox, &layout.mate_at, &snapshot.teammates);
            let (f, oldest) = self.inbox_figures(inbox, on_duty, away);
            m.inboxes[n] = f;
            layout.inbox_oldest[n] = oldest;
        }
        layout.inboxes = snapshot.inboxes.clone();
        layout.teammates = snapshot.teammates.clone();
        for id in &dirty_inboxes {
            if let Some(&n) = layout.inbox_at.get(id) {
                let (on_duty, away) = (m.inboxes[n].on_duty, m.inboxes[n].away);
                let (f, oldest) = self.inbox_figures(&snapshot.inboxes[n], on_duty, away);
                m.inboxes[n] = f;
                layout.inbox_oldest[n] = oldest;
            }
        }
        for id in &dirty_mates {
            if let Some(&n) = layout.mate_at.get(id) {
                let (f, times) = self.mate_figures(&snapshot.teammates[n], policy);
                m.teammates[n] = f;
                layout.mate_times[n] = times;
            }
        }
        let now = self.at;
        for (f, oldest) in m.inboxes.iter_mut().zip(&layout.inbox_oldest) {
            f.oldest_wait = oldest.map(|w| now.duration_since(w));
        }
        let mut over_cap = 0;
        for (f, times) in m.teammates.iter_mut().zip(&layout.mate_times) {
            retime_mate(f, *times, now, policy.idle_after);
            over_cap += u32::from(f.over_cap);
        }
        m.at = now;
        m.sla_queue = self.queue.clone();
        m.totals = Totals {
            open: self.totals.open,
            unassigned: self.totals.unassigned,
            waiting: self.totals.waiting,
            breached: self.totals.breached,
            breaching_soon: self.totals.soon,
            away: layout.away,
            over_cap,
        };
        self.layout = Some(layout);
        m
    }
}

/// How many of the teammates `inbox` lists are on duty and how many away (each listing
/// counts; a listed id that is no teammate counts for neither).
fn on_duty_away(
    inbox: &Inbox,
    mate_at: &FxHashMap<TeammateId, usize>,
    teammates: &[Teammate],
) -> (u32, u32) {
    inbox.members.iter().fold((0, 0), |(d, a), m| {
        match mate_at.get(&m.teammate).map(|&n| &teammates[n]) {
            Some(t) if t.presence.is_away() => (d, a + 1),
            Some(_) => (d + 1, a),
            None => (d, a),
        }
    })
}

/// A teammate's clock-relative figures at `now`: how long their longest-waiting customer has
/// waited, and whether they look idle.
fn retime_mate(
    m: &mut TeammateMetrics,
    (oldest, last_reply, away): (Option<Timestamp>, Option<Timestamp>, bool),
    now: Timestamp,
    idle_after: SignedDuration,
) {
    m.oldest_wait = oldest.map(|w| now.duration_since(w));
    m.idle = !away
        && m.oldest_wait.is_some_and(|w| w > idle_after)
        && last_reply.is_none_or(|r| now.duration_since(r) > idle_after);
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
                c.inbox = inbox.map(|i| InboxId::from(format!("i{i}")));
                c.assignee = mate.map(|m| TeammateId::from(format!("m{m}")));
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
    fn arb_step() -> impl Strategy<Value = (Vec<Conversation>, Vec<u8>, i64, Vec<PeopleChange>)> {
        (
            proptest::collection::vec(arb_conversation(), 0..8),
            proptest::collection::vec(0u8..24, 0..4),
            prop_oneof![Just(0i64), 0i64..5, 0i64..2_000],
            // Now and then the people change.
            prop_oneof![
                3 => Just(Vec::new()),
                1 => proptest::collection::vec(arb_people_change(), 1..4),
            ],
        )
    }

    /// One change to the people, as a vendor's re-read may bring.
    #[derive(Debug, Clone)]
    enum PeopleChange {
        /// Teammate `m`'s presence flips.
        Flip(usize),
        /// Teammate `m` joins inbox `i`, or leaves it when listed.
        Member(usize, usize),
        /// Teammate `m`'s cap becomes `v` (as a changed policy or capacity rule gives).
        Cap(usize, u32),
        /// A teammate joins (the lists no longer line up).
        Join,
    }

    fn arb_people_change() -> impl Strategy<Value = PeopleChange> {
        prop_oneof![
            4 => (0usize..4).prop_map(PeopleChange::Flip),
            2 => (0usize..4, 0usize..3).prop_map(|(m, i)| PeopleChange::Member(m, i)),
            2 => (0usize..4, 0u32..3).prop_map(|(m, v)| PeopleChange::Cap(m, v)),
            1 => Just(PeopleChange::Join),
        ]
    }

    fn change_people(s: &mut Snapshot, change: &PeopleChange) {
        match *change {
            PeopleChange::Flip(m) => {
                if let Some(t) = s.teammates.get(m) {
                    let away = t.presence.is_away();
                    s.teammates[m].presence = fixture::away_if(!away);
                }
            }
            PeopleChange::Member(m, i) => {
                let id = TeammateId::from(format!("m{m}"));
                let inbox = &mut s.inboxes[i];
                if inbox.members.iter().any(|x| x.teammate == id) {
                    inbox.members.retain(|x| x.teammate != id);
                } else {
                    inbox.members.push(fixture::member(&id.0, Level::Primary));
                }
            }
            PeopleChange::Cap(m, v) => {
                if m < s.teammates.len() {
                    s.teammates[m].cap = Some(Cap {
                        value: v,
                        source: CapSource::CapacityRule,
                    });
                }
            }
            PeopleChange::Join => {
                let n = s.teammates.len();
                s.teammates.push(fixture::teammate(&format!("m{n}")));
            }
        }
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

        /// Applying any sequence of deltas, with the clock moving between them and the people
        /// changing (presence flips, memberships, caps, a teammate joining), gives the same
        /// model and the same figures as a fresh full derive (and as the one-pass reference
        /// derive), also when the figures are updated in place.
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
            let mut figures = live.figures(None, &s, &p);
            prop_assert_eq!(&figures, &live.metrics(&s, &p));
            for (changed, removed, dt, people) in steps {
                now = now.checked_add(SignedDuration::from_secs(dt)).unwrap();
                let mut next = s.clone();
                for change in &people {
                    change_people(&mut next, change);
                }
                let mut delta = Delta::default();
                for mut c in changed {
                    p.prepare(&mut c);
                    delta.changed.push(c.id.clone());
                    next.conversations.insert(c);
                }
                for r in removed {
                    let id = ConversationId::from(format!("c{r:02}"));
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
                // The figures updated in place equal the figures computed afresh.
                figures = live.figures(Some(figures), &s, &p);
                prop_assert_eq!(&figures, &Live::build(&s, &p, now).metrics(&s, &p));
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
