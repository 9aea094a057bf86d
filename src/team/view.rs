//! The workspace as the buckets hold it: a [`Mirror`] watches every bucket (the full state
//! first, then deltas; rebuilt from scratch if a watch ever ends), and [`TeamView`] is the
//! dashboard's [`Helpdesk`] over it. Its snapshot fails, keeping the last good data on
//! screen and marked stale, while the bus is down or the relay is quiet.
//!
//! The watch's deltas are the dashboard's: the mirror holds conversations in the shared
//! persistent map and notes which ids each KV change touched, so [`TeamView`]'s refresh
//! hands the app a [`Delta`] of what changed since the previous one — O(changes), like a
//! direct backend's — with the policy applied to the changed conversations only, and the
//! people lists rebuilt only when a teammate or an inbox changed.

use super::bus::{Buckets, Bus};
use super::records::{self, Heartbeat, SnapshotRecord, WorkspaceRecord};
use super::remote::RemoteWrites;
use crate::backend::{
    Ack, AssignTarget, BackendError, Budget, Helpdesk, MemberChange, PresenceChange, WriteRelay,
};
use crate::domain::capabilities::{Read, Write as WriteCap};
use crate::domain::{
    Capabilities, Conversation, ConversationId, Conversations, Delta, Inbox, InboxId, Policy,
    Refresh, Shared, Snapshot, Teammate, TeammateId,
};
use async_nats::jetstream::kv;
use async_trait::async_trait;
use futures::StreamExt;
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Conversations changed since they were last taken ([`Mirror::take_changes`]).
#[derive(Debug, Default)]
pub struct Changes {
    /// The whole map was replaced (a watch's full state): anything may have changed.
    pub all: bool,
    /// Each id touched, and whether it is present now.
    pub ids: HashMap<ConversationId, bool>,
}

/// What the watches hold.
#[derive(Default)]
pub struct Held {
    /// Conversations by id (shared with the snapshots handed out: O(1) to clone).
    pub convs: Conversations,
    /// What changed in `convs` since it was last taken (only when [`Mirror::tracked`]).
    pub changes: Changes,
    /// Whether `changes` is kept.
    tracking: bool,
    /// Bumped whenever a teammate or an inbox changes.
    pub people_rev: u64,
    /// Teammates by key.
    pub people: BTreeMap<String, Teammate>,
    /// Inboxes by key.
    pub inboxes: BTreeMap<String, Inbox>,
    /// Meta values by key.
    pub meta: BTreeMap<String, Vec<u8>>,
    /// When each meta key last arrived (local clock: immune to skew with the relay), and how
    /// old it already was then (a value replayed from the bucket: its age by the server).
    pub meta_seen: BTreeMap<String, (Instant, Duration)>,
    /// Which watches have delivered their full state: convs, people, inboxes, meta.
    pub current: [bool; 4],
    /// Records that did not parse (key, why); kept out of the snapshot.
    pub bad: BTreeMap<String, String>,
}

impl Held {
    /// `true` once every watch has delivered its full state.
    pub fn ready(&self) -> bool {
        self.current.iter().all(|c| *c)
    }

    /// A meta record.
    pub fn meta<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        self.meta
            .get(key)
            .and_then(|v| serde_json::from_slice(v).ok())
    }
}

/// The watched state of a workspace.
#[derive(Clone)]
pub struct Mirror {
    held: Arc<Mutex<Held>>,
    tasks: Arc<Vec<tokio::task::JoinHandle<()>>>,
    changed: Arc<tokio::sync::Notify>,
}

impl Drop for Mirror {
    fn drop(&mut self) {
        if Arc::strong_count(&self.tasks) == 1 {
            for t in self.tasks.iter() {
                t.abort();
            }
        }
    }
}

/// Where a watch keeps its bucket: one change (`None`: deleted), or the whole full state.
struct Slot<T> {
    apply: fn(&mut Held, &str, Option<T>),
    replace: fn(&mut Held, BTreeMap<String, T>),
}

const CONVS: Slot<Conversation> = Slot {
    apply: |h, key, value| {
        match value {
            Some(c) => {
                if h.tracking {
                    h.changes.ids.insert(c.id.clone(), true);
                }
                h.convs.insert(c);
            }
            None => {
                if let Some(id) = key
                    .strip_prefix(records::CONV)
                    .and_then(super::key_unpart)
                    .map(ConversationId::from)
                {
                    h.convs.remove(&id);
                    if h.tracking {
                        h.changes.ids.insert(id, false);
                    }
                }
            }
        };
    },
    replace: |h, fresh| {
        h.convs = fresh.into_values().collect();
        h.changes = Changes {
            all: true,
            ids: HashMap::new(),
        };
    },
};

const PEOPLE: Slot<Teammate> = Slot {
    apply: |h, key, value| {
        apply(&mut h.people, key, value);
        h.people_rev += 1;
    },
    replace: |h, fresh| {
        h.people = fresh;
        h.people_rev += 1;
    },
};

const INBOXES: Slot<Inbox> = Slot {
    apply: |h, key, value| {
        apply(&mut h.inboxes, key, value);
        h.people_rev += 1;
    },
    replace: |h, fresh| {
        h.inboxes = fresh;
        h.people_rev += 1;
    },
};

impl Mirror {
    /// Starts watching every object bucket and meta.
    pub fn start(buckets: &Buckets) -> Mirror {
        Self::watching(buckets, false)
    }

    /// [`Mirror::start`], also noting which conversations each change touched, for
    /// [`Mirror::take_changes`] (which must then be called, or the notes pile up).
    pub fn tracked(buckets: &Buckets) -> Mirror {
        Self::watching(buckets, true)
    }

    fn watching(buckets: &Buckets, tracking: bool) -> Mirror {
        let held = Arc::new(Mutex::new(Held {
            tracking,
            ..Held::default()
        }));
        let changed = Arc::new(tokio::sync::Notify::new());
        let tasks = vec![
            tokio::spawn(watch(
                buckets.convs.clone(),
                held.clone(),
                changed.clone(),
                0,
                CONVS,
            )),
            tokio::spawn(watch(
                buckets.people.clone(),
                held.clone(),
                changed.clone(),
                1,
                PEOPLE,
            )),
            tokio::spawn(watch(
                buckets.inboxes.clone(),
                held.clone(),
                changed.clone(),
                2,
                INBOXES,
            )),
            tokio::spawn(watch_meta(buckets.meta.clone(), held.clone())),
        ];
        Mirror {
            held,
            tasks: Arc::new(tasks),
            changed,
        }
    }

    /// Notified whenever an object (conversation, teammate, inbox) changed after the first
    /// full state.
    pub fn changed(&self) -> Arc<tokio::sync::Notify> {
        self.changed.clone()
    }

    /// Runs `f` on what is held.
    pub fn with<R>(&self, f: impl FnOnce(&Held) -> R) -> R {
        f(&self.held.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Waits until every watch has delivered its full state; `false` after `limit`.
    pub async fn wait_ready(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            if self.with(Held::ready) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The objects held as a snapshot (without health checks).
    pub fn snapshot(&self) -> Option<Snapshot> {
        self.with(|h| {
            let ws: WorkspaceRecord = h.meta(records::WORKSPACE)?;
            let snap: SnapshotRecord = h.meta(records::SNAPSHOT)?;
            let mut warnings = snap.warnings;
            if !h.bad.is_empty() {
                warnings.push(format!(
                    "{} records from the relay did not parse and are left out (first: {})",
                    h.bad.len(),
                    h.bad.keys().next().map(String::as_str).unwrap_or_default()
                ));
            }
            Some(Snapshot {
                taken_at: snap.taken_at,
                workspace: ws.workspace,
                inboxes: h.inboxes.values().cloned().collect(),
                teammates: h.people.values().cloned().collect(),
                conversations: h.convs.clone(),
                away_reasons: ws.away_reasons.into(),
                warnings,
            })
        })
    }

    /// The conversations now and what changed in them since the last call (taken: the next
    /// call starts from here), with the people revision.
    pub fn take_changes(&self) -> (Conversations, Changes, u64) {
        let mut h = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let changes = std::mem::take(&mut h.changes);
        (h.convs.clone(), changes, h.people_rev)
    }
}

/// Watches one object bucket into its slot; a watch that ends is started again from scratch
/// (the new state replaces the old once it is complete).
async fn watch<T: DeserializeOwned>(
    store: kv::Store,
    held: Arc<Mutex<Held>>,
    changed: Arc<tokio::sync::Notify>,
    index: usize,
    slot: Slot<T>,
) {
    loop {
        if let Err(e) = watch_once(&store, &held, &changed, index, &slot).await {
            tracing::warn!(bucket = %store.name, error = %e, "watch ended; starting again");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn watch_once<T: DeserializeOwned>(
    store: &kv::Store,
    held: &Arc<Mutex<Held>>,
    changed: &tokio::sync::Notify,
    index: usize,
    slot: &Slot<T>,
) -> Result<(), String> {
    let lock = || held.lock().unwrap_or_else(PoisonError::into_inner);
    let empty = super::bus::is_empty(store).await?;
    let mut entries = store
        .watch_with_history(">")
        .await
        .map_err(|e| e.to_string())?;
    let mut fresh: Option<BTreeMap<String, T>> = if empty {
        let mut h = lock();
        (slot.replace)(&mut h, BTreeMap::new());
        h.current[index] = true;
        None
    } else {
        Some(BTreeMap::new())
    };
    while let Some(entry) = entries.next().await {
        let entry = entry.map_err(|e| e.to_string())?;
        let mut bad = None;
        let value = match entry.operation {
            kv::Operation::Put => match serde_json::from_slice::<T>(&entry.value) {
                Ok(v) => Some(v),
                Err(e) => {
                    bad = Some(e.to_string());
                    None
                }
            },
            kv::Operation::Delete | kv::Operation::Purge => None,
        };
        match &mut fresh {
            Some(map) => {
                apply(map, &entry.key, value);
                if entry.delta == 0 {
                    let mut h = lock();
                    (slot.replace)(&mut h, fresh.take().unwrap_or_default());
                    h.current[index] = true;
                }
            }
            None => {
                (slot.apply)(&mut lock(), &entry.key, value);
                changed.notify_one();
            }
        }
        let mut h = lock();
        match bad {
            Some(why) => h.bad.insert(entry.key.clone(), why),
            None => h.bad.remove(&entry.key),
        };
    }
    Err("the watch ended".into())
}

fn apply<T>(map: &mut BTreeMap<String, T>, key: &str, value: Option<T>) {
    match value {
        Some(v) => map.insert(key.to_owned(), v),
        None => map.remove(key),
    };
}

async fn watch_meta(store: kv::Store, held: Arc<Mutex<Held>>) {
    loop {
        let result: Result<(), String> = async {
            let empty = super::bus::is_empty(&store).await?;
            let mut entries = store
                .watch_with_history(">")
                .await
                .map_err(|e| e.to_string())?;
            if empty {
                held.lock().unwrap_or_else(PoisonError::into_inner).current[3] = true;
            }
            // Until the replay of what the bucket holds is over, a value is as old as the
            // server says it is (a heartbeat of a relay that died before this dashboard
            // started is stale at once); after it, it arrived now.
            let mut live = empty;
            while let Some(entry) = entries.next().await {
                let entry = entry.map_err(|e| e.to_string())?;
                let seen = if live {
                    (Instant::now(), Duration::ZERO)
                } else {
                    (
                        Instant::now(),
                        replayed_age(entry.created.unix_timestamp_nanos()),
                    )
                };
                live |= entry.delta == 0;
                let mut h = held.lock().unwrap_or_else(PoisonError::into_inner);
                match entry.operation {
                    kv::Operation::Put => {
                        h.meta.insert(entry.key.clone(), entry.value.to_vec());
                        h.meta_seen.insert(entry.key.clone(), seen);
                    }
                    _ => {
                        h.meta.remove(&entry.key);
                    }
                }
                if entry.delta == 0 {
                    h.current[3] = true;
                }
            }
            Err("the watch ended".into())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(bucket = %store.name, error = %e, "meta watch ended; starting again");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// How old a replayed value (put at `created_ns`, the server's clock, Unix nanoseconds) is
/// by this machine's clock (never negative; a lead's clock ahead of the server's makes it
/// older).
fn replayed_age(created_ns: i128) -> Duration {
    let now_ns = jiff::Timestamp::now().as_nanosecond();
    Duration::from_nanos(
        u64::try_from(now_ns.saturating_sub(created_ns).max(0)).unwrap_or(u64::MAX),
    )
}

/// How long a dashboard waits for the first full state.
pub const FIRST_STATE: Duration = Duration::from_secs(15);

/// The dashboard's backend in team mode.
pub struct TeamView {
    bus: Bus,
    mirror: Mirror,
    stale_after: Duration,
    remote: Arc<RemoteWrites>,
    prepared: Mutex<Option<Prepared>>,
}

/// The model the last refresh handed out, with the policy applied: the next refresh changes
/// only what the watch touched.
struct Prepared {
    conversations: Conversations,
    policy: Policy,
    people_rev: u64,
    day: jiff::civil::Date,
    inboxes: Shared<Vec<Inbox>>,
    teammates: Shared<Vec<Teammate>>,
}

impl TeamView {
    /// Opens the workspace's buckets and starts watching them.
    pub async fn open(
        bus: Bus,
        stale_after: Duration,
        remote: RemoteWrites,
    ) -> Result<TeamView, super::TeamError> {
        let buckets = Buckets::open(&bus, false, Duration::ZERO).await?;
        let mirror = Mirror::tracked(&buckets);
        Ok(TeamView {
            bus,
            mirror,
            stale_after,
            remote: Arc::new(remote),
            prepared: Mutex::new(None),
        })
    }

    /// Waits for the first full state, then checks the bus and the relay.
    async fn ready(&self) -> Result<(), BackendError> {
        if !self.mirror.wait_ready(FIRST_STATE).await {
            return Err(BackendError::Network(format!(
                "no full state from the bus within {}s",
                FIRST_STATE.as_secs()
            )));
        }
        match self.health() {
            Some(why) => Err(BackendError::Network(why)),
            None => Ok(()),
        }
    }

    fn unpublished(&self) -> BackendError {
        BackendError::Network(format!(
            "no relay has published workspace {:?} yet",
            self.bus.names.workspace()
        ))
    }

    /// The backend's label, naming the relay.
    fn label(&self, backend: &str) -> String {
        match self
            .mirror
            .with(|h| h.meta::<Heartbeat>(records::HEARTBEAT))
        {
            Some(beat) => format!("{backend} · team via relay {}", beat.relay),
            None => backend.to_owned(),
        }
    }

    /// The watched state.
    pub fn mirror(&self) -> &Mirror {
        &self.mirror
    }

    /// Why the data is not fresh, or `None` when it is: the bus, the relay's heartbeat, its
    /// last poll.
    pub fn health(&self) -> Option<String> {
        if !self.bus.is_connected() {
            return Some(format!(
                "the bus ({}) is unreachable: showing the relay's last data",
                self.bus.url()
            ));
        }
        self.mirror.with(|h| {
            let Some(beat) = h.meta::<Heartbeat>(records::HEARTBEAT) else {
                return Some("no relay heartbeat yet".to_owned());
            };
            let age = h
                .meta_seen
                .get(records::HEARTBEAT)
                .map_or(Duration::MAX, |(at, before)| at.elapsed() + *before);
            if age > self.stale_after {
                return Some(format!(
                    "relay {} quiet for {}s: showing its last data",
                    beat.relay,
                    age.as_secs()
                ));
            }
            if let Some(e) = &beat.poll_error {
                let polled = beat
                    .polled_at
                    .map(|t| beat.at.duration_since(t).as_secs())
                    .unwrap_or(i64::MAX);
                if polled > self.stale_after.as_secs() as i64 {
                    return Some(format!(
                        "relay {} cannot poll the helpdesk: {e}",
                        beat.relay
                    ));
                }
            }
            None
        })
    }
}

fn missing(what: &str, id: &str) -> BackendError {
    BackendError::Api {
        status: 404,
        code: Some("not_found".into()),
        message: format!("{what} {id} is not in the relay's data"),
    }
}

#[async_trait]
impl Helpdesk for TeamView {
    fn capabilities(&self) -> Capabilities {
        self.mirror
            .with(|h| h.meta::<Capabilities>(records::CAPABILITIES))
            .unwrap_or_else(|| {
                let none = || Read::Unavailable("no relay data yet".into());
                let off = || WriteCap::Unavailable("no relay data yet".into());
                Capabilities {
                    inboxes: none(),
                    member_levels: none(),
                    load: none(),
                    caps: none(),
                    sla_deadlines: none(),
                    away: none(),
                    away_since: none(),
                    assign: off(),
                    set_away: off(),
                    membership: off(),
                    default_inbox: off(),
                    presence: Vec::new(),
                    removal_unassigns: None,
                    assign_batch: None,
                    assignee_in_inbox: false,
                }
            })
    }

    async fn conversation_detail(
        &self,
        id: &ConversationId,
    ) -> Result<crate::domain::detail::ConversationDetail, BackendError> {
        // The relay publishes the held model only; customers and parts stay with the vendor
        // token at the relay, so a team dashboard shows the held fields and says so.
        Err(BackendError::Unsupported(format!(
            "team mode reads the relay's published state, which holds no customer or parts \
             of conversation {id} (they need the vendor's token); open it in the helpdesk"
        )))
    }

    fn budget(&self) -> Budget {
        self.mirror
            .with(|h| h.meta::<Heartbeat>(records::HEARTBEAT))
            .map(|b| Budget {
                limit: b.api_limit,
                remaining: b.api_remaining,
                reset: None,
            })
            .unwrap_or_default()
    }

    async fn snapshot(&self) -> Result<Snapshot, BackendError> {
        self.ready().await?;
        let mut snapshot = self.mirror.snapshot().ok_or_else(|| self.unpublished())?;
        snapshot.workspace.backend = self.label(&snapshot.workspace.backend);
        Ok(snapshot)
    }

    /// What the watch brought since the previous refresh, as a delta: the changed
    /// conversations copied in and prepared, the people rebuilt only when they changed.
    /// A full state from the watch (a first one, or a rebuilt watch) or another policy
    /// derives afresh.
    async fn refresh(&self, policy: &Policy) -> Result<Refresh, BackendError> {
        self.ready().await?;
        let meta = self.mirror.with(|h| {
            Some((
                h.meta::<records::WorkspaceRecord>(records::WORKSPACE)?,
                h.meta::<SnapshotRecord>(records::SNAPSHOT)?,
            ))
        });
        let (ws, snap) = meta.ok_or_else(|| self.unpublished())?;
        let (now, changes, people_rev) = self.mirror.take_changes();
        let day = snap.taken_at.to_zoned(jiff::tz::TimeZone::UTC).date();
        let mut guard = self.prepared.lock().unwrap_or_else(PoisonError::into_inner);
        let reuse = guard.take().filter(|p| !changes.all && p.policy == *policy);
        let people = reuse
            .as_ref()
            .filter(|p| p.people_rev == people_rev && p.day == day)
            .map(|p| (p.inboxes.clone(), p.teammates.clone()));
        let (conversations, delta) = advance(reuse.map(|p| p.conversations), now, changes, policy);
        let (inboxes, teammates) = match people {
            Some(shared) => shared,
            None => {
                let (inboxes, teammates) = self.mirror.with(|h| {
                    (
                        h.inboxes.values().cloned().collect::<Shared<Vec<Inbox>>>(),
                        h.people
                            .values()
                            .cloned()
                            .collect::<Shared<Vec<Teammate>>>(),
                    )
                });
                let mut people = Snapshot {
                    taken_at: snap.taken_at,
                    workspace: ws.workspace.clone(),
                    inboxes,
                    teammates,
                    conversations: Conversations::new(),
                    away_reasons: Shared::new(Vec::new()),
                    warnings: Vec::new(),
                };
                policy.apply_people(&mut people);
                (people.inboxes, people.teammates)
            }
        };
        let mut warnings = snap.warnings;
        let bad = self.mirror.with(|h| {
            h.bad
                .keys()
                .next()
                .map(|first| (h.bad.len(), first.clone()))
        });
        if let Some((n, first)) = bad {
            warnings.push(format!(
                "{n} records from the relay did not parse and are left out (first: {first})"
            ));
        }
        *guard = Some(Prepared {
            conversations: conversations.clone(),
            policy: policy.clone(),
            people_rev,
            day,
            inboxes: inboxes.clone(),
            teammates: teammates.clone(),
        });
        drop(guard);
        let mut workspace = ws.workspace;
        workspace.backend = self.label(&workspace.backend);
        Ok(Refresh {
            snapshot: Snapshot {
                taken_at: snap.taken_at,
                workspace,
                inboxes,
                teammates,
                conversations,
                away_reasons: ws.away_reasons.into(),
                warnings,
            },
            delta,
        })
    }

    async fn conversation(&self, id: &ConversationId) -> Result<Conversation, BackendError> {
        self.mirror
            .with(|h| h.convs.get(id).cloned())
            .ok_or_else(|| missing("conversation", &id.0))
    }

    async fn teammate(&self, id: &TeammateId) -> Result<Teammate, BackendError> {
        let key = format!("{}{}", records::MATE, super::key_part(&id.0));
        self.mirror
            .with(|h| h.people.get(&key).cloned())
            .ok_or_else(|| missing("teammate", &id.0))
    }

    async fn inbox(&self, id: &InboxId) -> Result<Inbox, BackendError> {
        let key = format!("{}{}", records::INBOX, super::key_part(&id.0));
        self.mirror
            .with(|h| h.inboxes.get(&key).cloned())
            .ok_or_else(|| missing("inbox", &id.0))
    }

    async fn assign(&self, _: &ConversationId, _: &AssignTarget) -> Result<Ack, BackendError> {
        Err(relayed())
    }

    async fn set_presence(&self, _: &TeammateId, _: &PresenceChange) -> Result<Ack, BackendError> {
        Err(relayed())
    }

    async fn change_membership(
        &self,
        _: &InboxId,
        _: &TeammateId,
        _: MemberChange,
    ) -> Result<Ack, BackendError> {
        Err(relayed())
    }

    fn write_relay(&self) -> Option<Arc<dyn WriteRelay>> {
        Some(self.remote.clone())
    }

    fn changed(&self) -> Option<Arc<tokio::sync::Notify>> {
        Some(self.mirror.changed())
    }
}

/// The prepared conversations after `changes`: `held` (what the previous refresh handed out,
/// `None` to derive afresh) with the changed ones copied in from `now` and prepared, and the
/// delta between the two; or all of `now` prepared, and no delta.
fn advance(
    held: Option<Conversations>,
    now: Conversations,
    changes: Changes,
    policy: &Policy,
) -> (Conversations, Option<Delta>) {
    match held {
        Some(mut conversations) if !changes.all => {
            let mut delta = Delta::default();
            for (id, present) in changes.ids {
                match now.get(&id).filter(|_| present) {
                    Some(c) => {
                        conversations.insert(c.clone());
                        delta.changed.push(id);
                    }
                    None => {
                        if conversations.remove(&id).is_some() {
                            delta.removed.push(id);
                        }
                    }
                }
            }
            policy.prepare_ids(&mut conversations, &delta.changed);
            (conversations, Some(delta))
        }
        _ => {
            let mut conversations = now;
            let due: Vec<ConversationId> = conversations
                .iter()
                .filter(|c| !policy.is_prepared(c))
                .map(|c| c.id.clone())
                .collect();
            policy.prepare_ids(&mut conversations, &due);
            (conversations, None)
        }
    }
}

fn relayed() -> BackendError {
    BackendError::Unsupported("in team mode writes run at the relay".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ConversationState, Deadline, Sla, SlaStatus, fixture};
    use proptest::prelude::*;

    fn policy() -> Policy {
        Policy {
            sla_targets: vec![crate::domain::policy::SlaTarget {
                name: Some("Gold".into()),
                priority: None,
                first_response: jiff::SignedDuration::from_mins(20),
                next_response: jiff::SignedDuration::from_mins(40),
            }],
            ..Policy::default()
        }
    }

    /// A conversation over a small id space, with or without an exact deadline (an inexact
    /// one is the policy's to estimate).
    fn arb_conversation() -> impl Strategy<Value = Conversation> {
        (
            0u8..12,
            0usize..3,
            -600i64..600,
            proptest::option::of(any::<bool>()),
        )
            .prop_map(|(id, state, at, sla)| {
                let t = fixture::t0() + jiff::SignedDuration::from_secs(at);
                let mut c = fixture::conversation(&format!("c {id}"), t);
                c.state = [
                    ConversationState::New,
                    ConversationState::Open,
                    ConversationState::Pending,
                ][state];
                c.waiting_since = Some(t);
                c.sla = sla.map(|exact| Sla {
                    name: "Gold".into(),
                    status: SlaStatus::Active,
                    deadline: exact.then_some(Deadline { at: t, exact: true }),
                });
                c
            })
    }

    #[derive(Debug, Clone)]
    enum Op {
        Put(Box<Conversation>),
        Delete(u8),
        Refresh,
        /// The watch started again: a full state replaces everything.
        Rebuild(Vec<Conversation>),
    }

    fn arb_op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => arb_conversation().prop_map(|c| Op::Put(Box::new(c))),
            2 => (0u8..12).prop_map(Op::Delete),
            2 => Just(Op::Refresh),
            1 => proptest::collection::vec(arb_conversation(), 0..6).prop_map(Op::Rebuild),
        ]
    }

    proptest! {
        /// Any sequence of KV changes, refreshed at any points: the refreshed model equals
        /// the watched state prepared afresh, and the delta names every conversation that
        /// differs from the previous refresh's (so the app's figures follow it exactly).
        #[test]
        fn watch_deltas_refresh_to_the_full_derive(ops in proptest::collection::vec(arb_op(), 1..40)) {
            let p = policy();
            let mut held = Held { tracking: true, ..Held::default() };
            let mut shown: Option<Conversations> = None;
            for op in ops.into_iter().chain([Op::Refresh]) {
                match op {
                    Op::Put(c) => {
                        let key = format!("{}{}", records::CONV, crate::team::key_part(&c.id.0));
                        (CONVS.apply)(&mut held, &key, Some(*c));
                    }
                    Op::Delete(id) => {
                        let key = format!("{}{}", records::CONV, crate::team::key_part(&format!("c {id}")));
                        (CONVS.apply)(&mut held, &key, None);
                    }
                    Op::Rebuild(cs) => {
                        let fresh = cs
                            .into_iter()
                            .map(|c| (format!("{}{}", records::CONV, crate::team::key_part(&c.id.0)), c))
                            .collect();
                        (CONVS.replace)(&mut held, fresh);
                    }
                    Op::Refresh => {
                        let changes = std::mem::take(&mut held.changes);
                        let all = changes.all;
                        let (next, delta) = advance(shown.clone(), held.convs.clone(), changes, &p);
                        let (fresh, _) = advance(None, held.convs.clone(), Changes::default(), &p);
                        prop_assert_eq!(&next, &fresh);
                        match (&shown, delta) {
                            (Some(before), Some(delta)) => {
                                prop_assert!(!all);
                                for id in before.diff_ids(&next) {
                                    prop_assert!(
                                        delta.ids().any(|d| d == &id),
                                        "{} changed but is not in the delta", id
                                    );
                                }
                                for id in &delta.removed {
                                    prop_assert!(!next.contains(id));
                                }
                            }
                            (_, None) => prop_assert!(all || shown.is_none()),
                            (None, Some(_)) => prop_assert!(false, "a delta with nothing shown"),
                        }
                        shown = Some(next);
                    }
                }
            }
        }
    }
}
