//! The held model every vendor shares: a full read first and every [`Cache::full_every`],
//! otherwise only what changed since the last refresh, merged into the conversations held.
//!
//! A vendor supplies a [`ChangeSource`]: how to read everything, how to read what changed
//! since a cursor (a timestamp for an `updated_at` search, an opaque token for an incremental
//! export), and how to assemble a [`Snapshot`] from what is held.
//!
//! The conversations are held in a persistent map ([`Conversations`]): the snapshot handed
//! out shares it (O(1), not a copy), and [`Cache::refresh`] says which conversations changed
//! since the previous refresh ([`Delta`]), so everything downstream costs what changed.

use super::BackendError;
use crate::domain::{
    Conversation, ConversationId, Conversations, Delta, Policy, Refresh, Snapshot, Teammate,
    TeammateId,
};
use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet};

/// What a full read returns.
pub struct FullRead<F, C> {
    /// What the vendor keeps between refreshes besides conversations (teams, reasons…).
    pub fixed: F,
    /// Every conversation read, filed page by page through the [`Intake`] it was given (done
    /// ones dropped, unchanged ones shared with what is held).
    pub conversations: Conversations,
    /// Where the next incremental read starts.
    pub cursor: C,
    /// Problems that degrade, but do not void, the read.
    pub warnings: Vec<String>,
}

/// What a full read files each conversation it reads through ([`Intake::file`]): done ones
/// are dropped, the policy's estimates are applied, and a conversation equal to one already
/// held is kept as the held copy. A reconcile (every few minutes, all day) then holds the
/// workspace once plus what changed, not twice.
pub struct Intake<'a> {
    held: Option<&'a Conversations>,
    policy: Option<&'a Policy>,
}

impl<'a> Intake<'a> {
    /// Files against `held` (what the cache holds) with `policy` applied first.
    pub fn new(held: Option<&'a Conversations>, policy: Option<&'a Policy>) -> Self {
        Self { held, policy }
    }

    /// Adds `c` to `into` (see [`Intake`]).
    pub fn file(&self, into: &mut Conversations, mut c: Conversation) {
        if c.state.is_done() {
            return;
        }
        if let Some(p) = self.policy {
            p.prepare(&mut c);
        }
        match self.held {
            Some(held) => into.insert_sharing(c, held),
            None => {
                into.insert(c);
            }
        }
    }
}

/// What an incremental read returns.
pub struct Changes<C> {
    /// Conversations changed since the cursor (done ones leave the held set).
    pub conversations: Vec<Conversation>,
    /// Where the next incremental read starts.
    pub cursor: C,
    /// Problems that degrade, but do not void, the read.
    pub warnings: Vec<String>,
    /// What the read did to the fixed data: nothing (the people of the previous refresh,
    /// caps resolved, are handed out again, shared), some teammates only (patched), or
    /// anything. A source whose [`ChangeSource::assemble`] depends on the conversations says
    /// [`FixedChange::All`].
    pub fixed: FixedChange,
}

/// What an incremental read did to a vendor's fixed data (the people).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixedChange {
    /// Exactly as it was.
    Unchanged,
    /// Only these teammates changed, and not their memberships: no inbox, away reason or
    /// workspace changed. The previous people are patched, one teammate each
    /// ([`ChangeSource::teammate`]), O(changed teammates).
    Teammates(Vec<TeammateId>),
    /// Anything may have changed: the people are assembled afresh.
    All,
}

/// A vendor's way of reading everything, and what changed since a cursor.
#[async_trait]
pub trait ChangeSource: Send + Sync {
    /// Kept between refreshes besides conversations.
    type Fixed: Send + Sync;
    /// Where an incremental read starts.
    type Cursor: Send + Sync + Clone;

    /// Reads everything; `started` is when this refresh began (injected clock). Conversations
    /// are filed into [`FullRead::conversations`] through `intake` as they are read.
    async fn read_all(
        &self,
        started: Timestamp,
        intake: &Intake<'_>,
    ) -> Result<FullRead<Self::Fixed, Self::Cursor>, BackendError>;

    /// Reads what changed since `cursor`, refreshing `fixed` where the vendor needs to.
    async fn read_changes(
        &self,
        fixed: &mut Self::Fixed,
        cursor: &Self::Cursor,
        started: Timestamp,
    ) -> Result<Changes<Self::Cursor>, BackendError>;

    /// Reads what a full read keeps besides conversations (with its warnings), to resume
    /// from conversations held elsewhere (`held`, open ones only) without reading them all
    /// again. `None`: this vendor cannot, and [`Cache::resume`] declines.
    async fn read_fixed(
        &self,
        _started: Timestamp,
        _held: &Conversations,
    ) -> Option<Result<(Self::Fixed, Vec<String>), BackendError>> {
        None
    }

    /// The cursor of an incremental read of everything changed since `at`, if this vendor's
    /// cursors can start from a time.
    fn cursor_since(&self, _at: Timestamp) -> Option<Self::Cursor> {
        None
    }

    /// The source's clock (the moment a snapshot is taken).
    fn now(&self) -> Timestamp;

    /// Warnings the people of a snapshot give against the held load, said on every snapshot
    /// (e.g. teammates over a cap the helpdesk enforces). O(teammates) at most: `load` is kept
    /// up to date by every merge, so this needs no pass over the conversations.
    fn people_warnings(
        &self,
        _fixed: &Self::Fixed,
        _people: &Snapshot,
        _load: &Load,
    ) -> Vec<String> {
        Vec::new()
    }

    /// `old` (a teammate of the previous [`ChangeSource::assemble`]) as `fixed` has them now,
    /// for a read that said [`FixedChange::Teammates`]: their memberships are unchanged, so
    /// `old`'s may be reused. Caps are the policy's (the cache applies it). `None`: cannot
    /// (gone, ambiguous): the people are assembled afresh.
    fn teammate(&self, _fixed: &Self::Fixed, _old: &Teammate) -> Option<Teammate> {
        None
    }

    /// A snapshot of what is held. `conversations` is the held map itself (an O(1) clone that
    /// shares its nodes): put it in the snapshot as it is.
    fn assemble(
        &self,
        fixed: &Self::Fixed,
        conversations: Conversations,
        warnings: Vec<String>,
    ) -> Snapshot;
}

/// How many held conversations waiting on us each teammate is assigned, kept up to date by
/// every merge (O(changes)).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Load(FxHashMap<TeammateId, u32>);

impl Load {
    /// Counted over `conversations` (a full read, a resume).
    fn of(conversations: &Conversations) -> Load {
        let mut load = Load::default();
        for c in conversations.iter() {
            load.add(c, 1);
        }
        load
    }

    fn add(&mut self, c: &Conversation, sign: i32) {
        let Some(a) = c.assignee.as_ref().filter(|_| c.state.waiting_on_us()) else {
            return;
        };
        if sign > 0 {
            *self.0.entry(a.clone()).or_default() += 1;
        } else if let Some(n) = self.0.get_mut(a) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.0.remove(a);
            }
        }
    }

    /// `teammate`'s load.
    pub fn of_teammate(&self, teammate: &TeammateId) -> u32 {
        self.0.get(teammate).copied().unwrap_or(0)
    }
}

struct Held<F, C> {
    fixed: F,
    conversations: Conversations,
    /// Per-teammate load of `conversations`.
    load: Load,
    cursor: C,
    full_at: Timestamp,
    /// The people of the last refresh with the policy applied, while the fixed data stays
    /// as it was (dropped on any change).
    people: Option<People>,
}

/// A refresh's people (inboxes, teammates, away reasons, workspace), caps resolved: reused,
/// shared, while neither the fixed data, the policy nor the day changes.
struct People {
    snapshot: Snapshot,
    policy: Policy,
    day: jiff::civil::Date,
    /// Each teammate's position in `snapshot.teammates`; `None` when an id is listed twice
    /// (then a patch is declined and the people assembled afresh).
    at: Option<FxHashMap<TeammateId, usize>>,
    /// Teammates reads said changed since `snapshot` was assembled, to patch in.
    stale: Vec<TeammateId>,
}

impl People {
    fn new(snapshot: Snapshot, policy: Policy, day: jiff::civil::Date) -> People {
        let mut at = FxHashMap::default();
        let mut unique = true;
        for (n, t) in snapshot.teammates.iter().enumerate() {
            unique &= at.insert(t.id.clone(), n).is_none();
        }
        People {
            snapshot,
            policy,
            day,
            at: unique.then_some(at),
            stale: Vec::new(),
        }
    }

    /// Patches the stale teammates in from `fixed` (the list copied once, only when one of
    /// them differs). `false`: the source could not; assemble afresh.
    fn patch<S: ChangeSource>(&mut self, source: &S, fixed: &S::Fixed) -> bool {
        if self.stale.is_empty() {
            return true;
        }
        let Some(at) = &self.at else {
            return false;
        };
        let mut stale = std::mem::take(&mut self.stale);
        stale.sort_unstable();
        stale.dedup();
        let mut fresh: Vec<(usize, Teammate)> = Vec::with_capacity(stale.len());
        for id in &stale {
            let Some(&n) = at.get(id) else {
                return false;
            };
            let Some(mut t) = source.teammate(fixed, &self.snapshot.teammates[n]) else {
                return false;
            };
            if t.id != *id {
                return false;
            }
            self.policy
                .apply_teammate(&mut t, &self.snapshot.inboxes, self.day);
            if t != self.snapshot.teammates[n] {
                fresh.push((n, t));
            }
        }
        if !fresh.is_empty() {
            // Copy-on-write: the lists handed out before stay as they were.
            let teammates = &mut *self.snapshot.teammates;
            for (n, t) in fresh {
                teammates[n] = t;
            }
        }
        true
    }
}

/// What changed since the last [`Cache::refresh`] (reads through [`Cache::snapshot`] in
/// between are folded in, so a refresh never misses a change).
#[derive(Default)]
struct Pending {
    /// Anything may have changed (no refresh yet).
    all: bool,
    /// Ids inserted, replaced (`true`) or removed (`false`), the last word winning.
    ids: BTreeMap<ConversationId, bool>,
    /// Of those, the ones stored as read, without the policy (by [`Cache::snapshot`]).
    unprepared: BTreeSet<ConversationId>,
}

impl Pending {
    fn note(
        &mut self,
        touched: impl IntoIterator<Item = (ConversationId, bool)>,
        unprepared: bool,
    ) {
        if self.all {
            // The next refresh derives everything afresh: ids would only pile up (a relay
            // reads snapshots only and never takes them).
            return;
        }
        for (id, present) in touched {
            if unprepared && present {
                self.unprepared.insert(id.clone());
            }
            self.ids.insert(id, present);
        }
    }
}

struct State<F, C> {
    held: Option<Held<F, C>>,
    pending: Pending,
}

/// The held model of one backend.
pub struct Cache<F, C> {
    state: tokio::sync::Mutex<State<F, C>>,
    /// How often a full read reconciles what is held (catching deletions and anything an
    /// incremental read could miss).
    pub full_every: SignedDuration,
}

impl<F: Send + Sync, C: Send + Sync + Clone> Cache<F, C> {
    /// An empty cache: the first snapshot is a full read.
    pub fn new(full_every: SignedDuration) -> Self {
        Self {
            state: tokio::sync::Mutex::new(State {
                held: None,
                pending: Pending {
                    all: true,
                    ..Pending::default()
                },
            }),
            full_every,
        }
    }

    /// A snapshot at `started`: full or incremental as due. A failed refresh leaves what is
    /// held as it was. Caps and SLA estimates are the caller's ([`Policy::apply`]).
    pub async fn snapshot<S>(
        &self,
        source: &S,
        started: Timestamp,
    ) -> Result<Snapshot, BackendError>
    where
        S: ChangeSource<Fixed = F, Cursor = C>,
    {
        let mut state = self.state.lock().await;
        let warnings = read(&mut state, source, started, self.full_every, None).await?;
        let h = state.held.as_ref().expect("held after a read");
        let mut snapshot = source.assemble(&h.fixed, h.conversations.clone(), warnings);
        let said = source.people_warnings(&h.fixed, &snapshot, &h.load);
        snapshot.warnings.extend(said);
        Ok(snapshot)
    }

    /// A refresh at `started` with `policy` applied: the whole model (sharing the held
    /// conversations) and which conversations changed since the previous refresh. The held
    /// conversations are kept with the policy applied, so only changed ones are prepared.
    /// One consumer (the sync task) should call this; [`Cache::snapshot`] may be called
    /// beside it.
    pub async fn refresh<S>(
        &self,
        source: &S,
        started: Timestamp,
        policy: &Policy,
    ) -> Result<Refresh, BackendError>
    where
        S: ChangeSource<Fixed = F, Cursor = C>,
    {
        let mut state = self.state.lock().await;
        let warnings = read(&mut state, source, started, self.full_every, Some(policy)).await?;
        let State { held, pending } = &mut *state;
        let h = held.as_mut().expect("held after a read");
        let pending = std::mem::take(pending);
        let delta = if pending.all {
            let due: Vec<ConversationId> = h
                .conversations
                .iter()
                .filter(|c| !policy.is_prepared(c))
                .map(|c| c.id.clone())
                .collect();
            policy.prepare_ids(&mut h.conversations, &due);
            None
        } else {
            // Reads through `snapshot` in between stored conversations as read.
            policy.prepare_ids(&mut h.conversations, &pending.unprepared);
            let mut changed = Vec::new();
            let mut removed = Vec::new();
            for (id, present) in pending.ids {
                if present {
                    changed.push(id);
                } else {
                    removed.push(id);
                }
            }
            Some(Delta { changed, removed })
        };
        let now = source.now();
        let day = now.to_zoned(jiff::tz::TimeZone::UTC).date();
        if let Some(p) = h.people.as_mut()
            && !(p.day == day && p.policy == *policy && p.patch(source, &h.fixed))
        {
            h.people = None;
        }
        let mut snapshot = match h.people.as_ref() {
            // Nothing about people changed: the same inboxes and teammates, shared (O(1)).
            Some(p) => Snapshot {
                taken_at: now,
                conversations: h.conversations.clone(),
                warnings,
                ..p.snapshot.clone()
            },
            None => {
                let mut snapshot = source.assemble(&h.fixed, h.conversations.clone(), warnings);
                policy.apply_people(&mut snapshot);
                let people = Snapshot {
                    conversations: Conversations::new(),
                    warnings: Vec::new(),
                    ..snapshot.clone()
                };
                let day = snapshot.taken_at.to_zoned(jiff::tz::TimeZone::UTC).date();
                h.people = Some(People::new(people, policy.clone(), day));
                snapshot
            }
        };
        let said = source.people_warnings(&h.fixed, &snapshot, &h.load);
        snapshot.warnings.extend(said);
        Ok(Refresh { snapshot, delta })
    }
}

impl<F: Send + Sync, C: Send + Sync + Clone> Cache<F, C> {
    /// Holds `conversations` as they were at `since` (e.g. the state a relay published) and
    /// reads only the rest of a full read, so the next snapshot is incremental from `since`
    /// (the next refresh derives afresh). `false` (nothing changed) when the vendor cannot
    /// resume.
    pub async fn resume<S>(
        &self,
        source: &S,
        mut conversations: Conversations,
        since: Timestamp,
        started: Timestamp,
    ) -> Result<bool, BackendError>
    where
        S: ChangeSource<Fixed = F, Cursor = C>,
    {
        let Some(cursor) = source.cursor_since(since) else {
            return Ok(false);
        };
        conversations.retain(|c| !c.state.is_done());
        let Some(fixed) = source.read_fixed(started, &conversations).await else {
            return Ok(false);
        };
        let (fixed, _warnings) = fixed?;
        let mut state = self.state.lock().await;
        state.held = Some(Held {
            fixed,
            load: Load::of(&conversations),
            conversations,
            cursor,
            full_at: started,
            people: None,
        });
        state.pending = Pending {
            all: true,
            ..Pending::default()
        };
        Ok(true)
    }
}

impl<F: Send + Sync, C: Send + Sync + Clone> Cache<F, C> {
    /// [`Cache::resume`] from a held snapshot, for `Helpdesk::resume`: a failure is logged
    /// and answered `false` (the next snapshot is then a full read).
    pub async fn resume_held<S>(&self, source: &S, held: &Snapshot, since: Timestamp) -> bool
    where
        S: ChangeSource<Fixed = F, Cursor = C>,
    {
        match self
            .resume(source, held.conversations.clone(), since, source.now())
            .await
        {
            Ok(done) => done,
            Err(e) => {
                tracing::warn!(error = %e, "resume failed; the next snapshot is a full read");
                false
            }
        }
    }
}

/// One read into `state`: incremental when a full read is held and not yet due, else full
/// (a reconcile merges into what is held, so unchanged conversations stay shared). Records
/// what changed in `state.pending`; returns the read's warnings.
async fn read<S, F, C>(
    state: &mut State<F, C>,
    source: &S,
    started: Timestamp,
    full_every: SignedDuration,
    policy: Option<&Policy>,
) -> Result<Vec<String>, BackendError>
where
    S: ChangeSource<Fixed = F, Cursor = C>,
    F: Send + Sync,
    C: Send + Sync + Clone,
{
    let prepare = |c: &mut Conversation| {
        if let Some(p) = policy {
            p.prepare(c);
        }
    };
    if let Some(h) = state.held.as_mut()
        && started.duration_since(h.full_at) < full_every
    {
        let changes = source
            .read_changes(&mut h.fixed, &h.cursor, started)
            .await?;
        let touched = merge_with(
            &mut h.conversations,
            &mut h.load,
            changes.conversations,
            prepare,
        );
        state.pending.note(touched, policy.is_none());
        h.cursor = changes.cursor;
        match changes.fixed {
            FixedChange::Unchanged => {}
            FixedChange::Teammates(ids) => {
                if let Some(p) = h.people.as_mut() {
                    p.stale.extend(ids);
                }
            }
            FixedChange::All => h.people = None,
        }
        return Ok(changes.warnings);
    }
    let intake = Intake::new(state.held.as_ref().map(|h| &h.conversations), policy);
    let full = source.read_all(started, &intake).await?;
    tracing::info!(
        conversations = full.conversations.len(),
        reconcile = state.held.is_some(),
        "full read done"
    );
    let mut fresh = full.conversations;
    fresh.retain(|c| !c.state.is_done());
    match state.held.as_mut() {
        Some(h) => {
            // A reconcile: drop what the read no longer has, then merge the rest into what is
            // held (unchanged conversations stay shared).
            let gone: Vec<ConversationId> = {
                let mut new_ids = fresh.ids().peekable();
                h.conversations
                    .ids()
                    .filter(|id| {
                        while new_ids.next_if(|n| *n < *id).is_some() {}
                        new_ids.peek() != Some(id)
                    })
                    .cloned()
                    .collect()
            };
            for id in &gone {
                if let Some(c) = h.conversations.remove(id) {
                    h.load.add(&c, -1);
                }
            }
            // Only what the intake could not share with what is held is merged (the rest is
            // the held copy itself: no clone, no second comparison).
            let changed = fresh.into_unshared(&h.conversations);
            let touched = merge_with(&mut h.conversations, &mut h.load, changed, prepare);
            state.pending.note(touched, policy.is_none());
            state
                .pending
                .note(gone.into_iter().map(|id| (id, false)), false);
            h.fixed = full.fixed;
            h.cursor = full.cursor;
            h.full_at = started;
            h.people = None;
        }
        None => {
            if let Some(p) = policy {
                let due: Vec<ConversationId> = fresh
                    .iter()
                    .filter(|c| !p.is_prepared(c))
                    .map(|c| c.id.clone())
                    .collect();
                p.prepare_ids(&mut fresh, &due);
            }
            state.held = Some(Held {
                fixed: full.fixed,
                load: Load::of(&fresh),
                conversations: fresh,
                cursor: full.cursor,
                full_at: started,
                people: None,
            });
            state.pending = Pending {
                all: true,
                ..Pending::default()
            };
        }
    }
    Ok(full.warnings)
}

/// Merges changed conversations into `held`: done ones leave, the rest are inserted or
/// replaced. Returns the ids whose conversation actually changed (an incremental read that
/// reaches back sees many again unchanged).
pub fn merge(
    held: &mut Conversations,
    changed: impl IntoIterator<Item = Conversation>,
) -> Vec<ConversationId> {
    merge_with(held, &mut Load::default(), changed, |_| {})
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

/// [`merge`] with `prepare` run on each conversation before it is compared; the ids come with
/// whether the conversation is held after it (`false`: it left).
fn merge_with(
    held: &mut Conversations,
    load: &mut Load,
    changed: impl IntoIterator<Item = Conversation>,
    prepare: impl Fn(&mut Conversation),
) -> Vec<(ConversationId, bool)> {
    let mut touched = Vec::new();
    for mut c in changed {
        if c.state.is_done() {
            if let Some(old) = held.remove(&c.id) {
                load.add(&old, -1);
                touched.push((c.id, false));
            }
        } else {
            prepare(&mut c);
            let old = held.get(&c.id);
            if old != Some(&c) {
                if let Some(old) = old {
                    load.add(old, -1);
                }
                load.add(&c, 1);
                touched.push((c.id.clone(), true));
                held.insert(c);
            }
        }
    }
    touched
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixture;
    use crate::domain::{ConversationState, ConversationState::*};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn conv(id: u8, state: ConversationState) -> Conversation {
        let mut c = fixture::conversation(&id.to_string(), fixture::t0());
        c.state = state;
        c
    }

    #[test]
    fn merging_replaces_changed_conversations_and_drops_done_ones() {
        let mut held: Conversations = [conv(1, Open), conv(2, Open)].into_iter().collect();
        merge(
            &mut held,
            [conv(1, Closed), conv(2, Snoozed), conv(3, Open)],
        );
        let left: Vec<(&str, ConversationState)> =
            held.iter().map(|c| (c.id.as_str(), c.state)).collect();
        assert_eq!(left, vec![("2", Snoozed), ("3", Open)]);
    }

    /// A source whose fixed data is raw people (caps unresolved); each read brings the
    /// queued people and says what changed as queued.
    struct People0 {
        next: std::sync::Mutex<Option<(Vec<Teammate>, FixedChange)>>,
    }

    type RawPeople = (Vec<crate::domain::Inbox>, Vec<Teammate>);

    fn raw_people() -> RawPeople {
        use crate::domain::Level;
        let inboxes = (0..3)
            .map(|i| {
                let mut inbox = fixture::inbox(&format!("i{i}"), "Inbox");
                inbox.members = (0..3)
                    .map(|m| fixture::member(&format!("m{}", (i + m) % 5), Level::Primary))
                    .collect();
                inbox.assignment_limit = (i == 1).then_some(3);
                inbox
            })
            .collect();
        let teammates = (0..5)
            .map(|m| {
                let mut t = fixture::teammate(&format!("m{m}"));
                t.memberships = (0..3)
                    .filter(|i| (0..3).any(|k| (i + k) % 5 == m))
                    .map(|i| {
                        (
                            crate::domain::InboxId::from(format!("i{i}")),
                            Level::Primary,
                        )
                    })
                    .collect();
                t
            })
            .collect();
        (inboxes, teammates)
    }

    #[async_trait]
    impl ChangeSource for People0 {
        type Fixed = RawPeople;
        type Cursor = ();

        async fn read_all(
            &self,
            _: Timestamp,
            _: &Intake<'_>,
        ) -> Result<FullRead<RawPeople, ()>, BackendError> {
            Ok(FullRead {
                fixed: raw_people(),
                conversations: Conversations::new(),
                cursor: (),
                warnings: Vec::new(),
            })
        }

        async fn read_changes(
            &self,
            fixed: &mut RawPeople,
            _: &(),
            _: Timestamp,
        ) -> Result<Changes<()>, BackendError> {
            let (teammates, change) = self
                .next
                .lock()
                .expect("a lock")
                .take()
                .unwrap_or((fixed.1.clone(), FixedChange::Unchanged));
            fixed.1 = teammates;
            Ok(Changes {
                conversations: Vec::new(),
                cursor: (),
                warnings: Vec::new(),
                fixed: change,
            })
        }

        fn now(&self) -> Timestamp {
            fixture::t0()
        }

        fn teammate(&self, fixed: &RawPeople, old: &Teammate) -> Option<Teammate> {
            fixed.1.iter().find(|t| t.id == old.id).cloned()
        }

        fn assemble(
            &self,
            fixed: &RawPeople,
            conversations: Conversations,
            warnings: Vec<String>,
        ) -> Snapshot {
            Snapshot {
                inboxes: fixed.0.clone().into(),
                teammates: fixed.1.clone().into(),
                conversations,
                warnings,
                ..fixture::snapshot(fixture::t0())
            }
        }
    }

    /// Every read is full (a reconcile); it files `convs` through the intake it is given.
    struct Reconciling {
        convs: std::sync::Mutex<Vec<Conversation>>,
    }

    #[async_trait]
    impl ChangeSource for Reconciling {
        type Fixed = ();
        type Cursor = ();

        async fn read_all(
            &self,
            _: Timestamp,
            intake: &Intake<'_>,
        ) -> Result<FullRead<(), ()>, BackendError> {
            let mut conversations = Conversations::new();
            for c in self.convs.lock().expect("a lock").iter().cloned() {
                intake.file(&mut conversations, c);
            }
            Ok(FullRead {
                fixed: (),
                conversations,
                cursor: (),
                warnings: Vec::new(),
            })
        }

        async fn read_changes(
            &self,
            _: &mut (),
            _: &(),
            _: Timestamp,
        ) -> Result<Changes<()>, BackendError> {
            unreachable!("every read is full")
        }

        fn now(&self) -> Timestamp {
            fixture::t0()
        }

        fn assemble(
            &self,
            _: &(),
            conversations: Conversations,
            warnings: Vec<String>,
        ) -> Snapshot {
            Snapshot {
                conversations,
                warnings,
                ..fixture::snapshot(fixture::t0())
            }
        }
    }

    /// While a full read is filed, an unchanged conversation is the held copy (so a reconcile
    /// never holds the workspace twice); a changed one is the new copy, with the policy's
    /// estimate applied; a done one is not filed.
    #[test]
    fn the_intake_files_unchanged_conversations_as_the_held_copy() {
        let t0 = fixture::t0();
        let mut policy = Policy::default();
        policy.sla_targets.push(crate::domain::policy::SlaTarget {
            name: Some("vip".into()),
            priority: None,
            first_response: SignedDuration::from_mins(30),
            next_response: SignedDuration::from_mins(30),
        });
        let mut held = Conversations::new();
        let mut same = fixture::conversation("c0", t0);
        same.sla = Some(crate::domain::Sla {
            name: "vip".into(),
            status: crate::domain::SlaStatus::Active,
            deadline: None,
        });
        same.waiting_since = Some(t0);
        let mut prepared = same.clone();
        policy.prepare(&mut prepared);
        assert_ne!(prepared, same, "the policy estimates a deadline");
        held.insert(prepared);
        held.insert(fixture::conversation("c1", t0));
        let intake = Intake::new(Some(&held), Some(&policy));
        let mut read = Conversations::new();
        intake.file(&mut read, same);
        let mut changed = fixture::conversation("c1", t0);
        changed.title = Some("changed".into());
        intake.file(&mut read, changed);
        let mut done = fixture::conversation("c2", t0);
        done.state = Closed;
        intake.file(&mut read, done);
        let id = |n: &str| ConversationId::from(n);
        assert!(
            read.shares(&held, &id("c0")),
            "unchanged after the policy: the held copy"
        );
        assert!(!read.shares(&held, &id("c1")));
        assert_eq!(read.len(), 2, "the done one is not filed");
    }

    /// A reconcile replaces what changed and drops what is gone or done; what is unchanged
    /// stays the copy held.
    #[tokio::test]
    async fn a_reconcile_shares_what_is_unchanged_with_what_is_held() {
        let t0 = fixture::t0();
        let mut convs: Vec<Conversation> = (0..4)
            .map(|n| fixture::conversation(&format!("c{n}"), t0))
            .collect();
        let source = Reconciling {
            convs: std::sync::Mutex::new(convs.clone()),
        };
        let cache = Cache::new(SignedDuration::ZERO);
        let policy = Policy::default();
        let first = cache.refresh(&source, t0, &policy).await.unwrap().snapshot;
        convs[1].title = Some("changed".into());
        convs[2].state = Closed;
        convs.remove(3);
        *source.convs.lock().unwrap() = convs;
        let later = t0 + SignedDuration::from_secs(5);
        let second = cache.refresh(&source, later, &policy).await.unwrap();
        let (a, b) = (&first.conversations, &second.snapshot.conversations);
        let id = |n: &str| ConversationId::from(n);
        assert!(b.shares(a, &id("c0")), "unchanged: the held copy");
        assert!(!b.shares(a, &id("c1")));
        assert_eq!(b.get(&id("c1")).unwrap().title.as_deref(), Some("changed"));
        assert!(!b.contains(&id("c2")) && !b.contains(&id("c3")));
        let delta = second.delta.expect("a reconcile is a delta");
        assert_eq!(delta.changed, vec![id("c1")]);
        let mut removed = delta.removed;
        removed.sort();
        assert_eq!(removed, vec![id("c2"), id("c3")]);
    }

    proptest! {
        /// Teammates patched into the held people (a read naming the teammates that changed)
        /// are what assembling everything afresh and applying the policy gives; the people a
        /// refresh handed out before stay as they were.
        #[test]
        fn patched_people_equal_assembled_people(
            steps in proptest::collection::vec(
                proptest::collection::vec((0usize..5, 0u8..4), 0..4),
                1..6,
            ),
        ) {
            let source = People0 { next: std::sync::Mutex::new(None) };
            let mut policy = Policy::default();
            policy.caps.overrides = vec![(
                "m2@example.com".into(),
                crate::domain::policy::CapOverride::fixed(5),
            )];
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let cache = Cache::new(SignedDuration::from_hours(1));
            let t0 = fixture::t0();
            let mut handed: Vec<(Snapshot, Snapshot)> = Vec::new();
            let mut raw = raw_people();
            rt.block_on(cache.refresh(&source, t0, &policy)).unwrap();
            for step in steps {
                let mut ids = Vec::new();
                for (m, what) in step {
                    let t = &mut raw.1[m];
                    match what {
                        0 => t.presence = fixture::away_if(!t.presence.is_away()),
                        1 => t.email = format!("m{}@example.com", m + 1),
                        2 => t.name.push('x'),
                        _ => {}
                    }
                    ids.push(t.id.clone());
                }
                let change = if ids.is_empty() {
                    FixedChange::Unchanged
                } else {
                    FixedChange::Teammates(ids)
                };
                *source.next.lock().unwrap() = Some((raw.1.clone(), change));
                let got = rt.block_on(cache.refresh(&source, t0, &policy)).unwrap().snapshot;
                let mut want = source.assemble(&raw, Conversations::new(), Vec::new());
                policy.apply_people(&mut want);
                prop_assert_eq!(&got.teammates, &want.teammates);
                prop_assert_eq!(&got.inboxes, &want.inboxes);
                handed.push((got, want));
            }
            for (got, want) in &handed {
                prop_assert_eq!(&got.teammates, &want.teammates);
            }
        }
    }

    proptest! {
        /// Applying a batch of changes one by one or all at once leaves the same set, and it
        /// always equals "the last word on each id, minus the done ones".
        #[test]
        fn delta_application_is_the_last_word_per_id(
            start in proptest::collection::vec((0u8..20, 0usize..7), 0..30),
            changes in proptest::collection::vec((0u8..20, 0usize..7), 0..30),
        ) {
            let states = [New, Open, Pending, OnHold, Snoozed, Solved, Closed];
            let mk = |v: &[(u8, usize)]| -> Vec<Conversation> {
                v.iter().map(|(id, s)| conv(*id, states[*s])).collect()
            };
            let mut held = Conversations::new();
            merge(&mut held, mk(&start));
            let mut one_by_one = held.clone();
            for c in mk(&changes) {
                merge(&mut one_by_one, [c]);
            }
            merge(&mut held, mk(&changes));
            prop_assert_eq!(&held, &one_by_one);
            let mut last: BTreeMap<String, ConversationState> = BTreeMap::new();
            for (id, s) in start.iter().chain(&changes) {
                last.insert(id.to_string(), states[*s]);
            }
            last.retain(|_, s| !s.is_done());
            let got: BTreeMap<String, ConversationState> =
                held.iter().map(|c| (c.id.to_string(), c.state)).collect();
            prop_assert_eq!(got, last);
        }
    }
}
