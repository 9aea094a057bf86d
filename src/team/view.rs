//! The workspace as the buckets hold it: a [`Mirror`] watches every bucket (the full state
//! first, then deltas; rebuilt from scratch if a watch ever ends), and [`TeamView`] is the
//! dashboard's [`Helpdesk`] over it. Its snapshot fails, keeping the last good data on
//! screen and marked stale, while the bus is down or the relay is quiet.

use super::bus::{Buckets, Bus};
use super::records::{self, Heartbeat, SnapshotRecord, WorkspaceRecord};
use super::remote::RemoteWrites;
use crate::backend::{
    Ack, AssignTarget, BackendError, Budget, Helpdesk, MemberChange, PresenceChange, WriteRelay,
};
use crate::domain::capabilities::{Read, Write as WriteCap};
use crate::domain::{
    Capabilities, Conversation, ConversationId, Inbox, InboxId, Snapshot, Teammate, TeammateId,
};
use async_nats::jetstream::kv;
use async_trait::async_trait;
use futures::StreamExt;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// What the watches hold.
#[derive(Default)]
pub struct Held {
    /// Conversations by key.
    pub convs: BTreeMap<String, Conversation>,
    /// Teammates by key.
    pub people: BTreeMap<String, Teammate>,
    /// Inboxes by key.
    pub inboxes: BTreeMap<String, Inbox>,
    /// Meta values by key.
    pub meta: BTreeMap<String, Vec<u8>>,
    /// When each meta key last arrived (local clock: immune to skew with the relay).
    pub meta_seen: BTreeMap<String, Instant>,
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

type Slot<T> = fn(&mut Held) -> &mut BTreeMap<String, T>;

impl Mirror {
    /// Starts watching every object bucket and meta.
    pub fn start(buckets: &Buckets) -> Mirror {
        let held = Arc::new(Mutex::new(Held::default()));
        let changed = Arc::new(tokio::sync::Notify::new());
        let tasks = vec![
            tokio::spawn(watch::<Conversation>(
                buckets.convs.clone(),
                held.clone(),
                changed.clone(),
                0,
                |h| &mut h.convs,
            )),
            tokio::spawn(watch::<Teammate>(
                buckets.people.clone(),
                held.clone(),
                changed.clone(),
                1,
                |h| &mut h.people,
            )),
            tokio::spawn(watch::<Inbox>(
                buckets.inboxes.clone(),
                held.clone(),
                changed.clone(),
                2,
                |h| &mut h.inboxes,
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
                conversations: h.convs.values().cloned().collect(),
                away_reasons: ws.away_reasons.into(),
                warnings,
            })
        })
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
        if let Err(e) = watch_once(&store, &held, &changed, index, slot).await {
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
    slot: Slot<T>,
) -> Result<(), String> {
    let lock = || held.lock().unwrap_or_else(PoisonError::into_inner);
    let empty = super::bus::is_empty(store).await?;
    let mut entries = store
        .watch_with_history(">")
        .await
        .map_err(|e| e.to_string())?;
    let mut fresh: Option<BTreeMap<String, T>> = if empty {
        let mut h = lock();
        slot(&mut h).clear();
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
                    *slot(&mut h) = fresh.take().unwrap_or_default();
                    h.current[index] = true;
                }
            }
            None => {
                apply(slot(&mut lock()), &entry.key, value);
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
            while let Some(entry) = entries.next().await {
                let entry = entry.map_err(|e| e.to_string())?;
                let mut h = held.lock().unwrap_or_else(PoisonError::into_inner);
                match entry.operation {
                    kv::Operation::Put => {
                        h.meta.insert(entry.key.clone(), entry.value.to_vec());
                        h.meta_seen.insert(entry.key.clone(), Instant::now());
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

/// How long a dashboard waits for the first full state.
pub const FIRST_STATE: Duration = Duration::from_secs(15);

/// The dashboard's backend in team mode.
pub struct TeamView {
    bus: Bus,
    mirror: Mirror,
    stale_after: Duration,
    remote: Arc<RemoteWrites>,
}

impl TeamView {
    /// Opens the workspace's buckets and starts watching them.
    pub async fn open(
        bus: Bus,
        stale_after: Duration,
        remote: RemoteWrites,
    ) -> Result<TeamView, super::TeamError> {
        let buckets = Buckets::open(&bus, false, Duration::ZERO).await?;
        let mirror = Mirror::start(&buckets);
        Ok(TeamView {
            bus,
            mirror,
            stale_after,
            remote: Arc::new(remote),
        })
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
                .map_or(Duration::MAX, Instant::elapsed);
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
        if !self.mirror.wait_ready(FIRST_STATE).await {
            return Err(BackendError::Network(format!(
                "no full state from the bus within {}s",
                FIRST_STATE.as_secs()
            )));
        }
        if let Some(why) = self.health() {
            return Err(BackendError::Network(why));
        }
        let mut snapshot = self.mirror.snapshot().ok_or_else(|| {
            BackendError::Network(format!(
                "no relay has published workspace {:?} yet",
                self.bus.names.workspace()
            ))
        })?;
        if let Some(beat) = self
            .mirror
            .with(|h| h.meta::<Heartbeat>(records::HEARTBEAT))
        {
            snapshot.workspace.backend = format!(
                "{} · team via relay {}",
                snapshot.workspace.backend, beat.relay
            );
        }
        Ok(snapshot)
    }

    async fn conversation(&self, id: &ConversationId) -> Result<Conversation, BackendError> {
        let key = format!("{}{}", records::CONV, super::key_part(&id.0));
        self.mirror
            .with(|h| h.convs.get(&key).cloned())
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

fn relayed() -> BackendError {
    BackendError::Unsupported("in team mode writes run at the relay".into())
}
