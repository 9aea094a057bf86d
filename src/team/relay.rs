//! `shiftlead relay`: the only process that talks to the helpdesk. Relays campaign for the
//! lease `leases.relay` (bucket max age = the lease; renewed every third of it by
//! compare-and-set on its revision). The leader polls through the backend, publishes what
//! changed (one key per object; done conversations deleted), writes a heartbeat at every
//! renewal, and serves the leads' writes through the executor. A standby watches the buckets
//! all along, so when it takes over it publishes only differences from what is already there.
//! A failed renewal (the lease expired while it was stopped, or another relay holds it) ends
//! polling and serving at once.

use super::audit::StreamAudit;
use super::bus::{self, Buckets, Bus};
use super::records::{self, Heartbeat, Lease, SnapshotRecord, WorkspaceRecord};
use super::remote::{START_MARGIN, WriteReply, WriteRequest};
use super::view::Mirror;
use super::{TeamError, key_part};
use crate::backend::Helpdesk;
use crate::backend::webhook::Hook;
use crate::domain::actions::Outcome;
use crate::domain::{Conversation, ConversationId, Conversations, Snapshot};
use crate::writes::Executor;
use async_nats::jetstream::kv;
use futures::StreamExt;
use jiff::Timestamp;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How the relay runs.
#[derive(Debug, Clone)]
pub struct RelaySettings {
    /// This relay's name.
    pub id: String,
    /// The leadership lease.
    pub lease: Duration,
    /// Poll interval while leading.
    pub refresh: Duration,
}

/// What the relay reports about itself (for tests and logs).
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// The lease revision while leading.
    pub leading: Option<u64>,
    /// Polls made.
    pub polls: u64,
    /// When the last poll succeeded.
    pub polled_at: Option<Timestamp>,
    /// Why the last poll failed.
    pub poll_error: Option<String>,
    /// Whether this leadership began from the published state (no full re-read).
    pub resumed: bool,
    /// The API budget after the last poll: remaining, limit.
    pub budget: (Option<u32>, Option<u32>),
}

/// A relay, set up and ready to run.
pub struct Relay {
    bus: Bus,
    buckets: Buckets,
    backend: Arc<dyn Helpdesk>,
    executor: Arc<Executor>,
    settings: RelaySettings,
    mirror: Mirror,
    status: Arc<Mutex<Status>>,
    hooks: Option<super::hooks::Listening>,
}

/// What was last published, to publish only differences: conversations as the model (the
/// map shared with the backend's cache, so a poll's differences are found in O(changes) and
/// nothing is held twice), the rest as bytes per key.
#[derive(Default)]
struct Published {
    convs: Conversations,
    /// Conversations published without their title, or left out, being too large for a KV
    /// value (said on every snapshot).
    shortened: BTreeSet<ConversationId>,
    people: HashMap<String, Vec<u8>>,
    inboxes: HashMap<String, Vec<u8>>,
    meta: HashMap<String, Vec<u8>>,
}

impl Relay {
    /// Creates the workspace's buckets and audit stream if missing, starts watching them,
    /// and builds the executor that runs the leads' writes (audited to `audit`, a local file,
    /// and to the audit stream).
    pub async fn new(
        bus: Bus,
        backend: Arc<dyn Helpdesk>,
        audit: Option<crate::audit::Audit>,
        clock: crate::clock::SharedClock,
        settings: RelaySettings,
    ) -> Result<Relay, TeamError> {
        let buckets = Buckets::open(&bus, true, settings.lease).await?;
        let stream = bus::audit_stream(&bus, true).await?;
        let audit = audit.map(|a| {
            Arc::new(a.with_mirror(Arc::new(StreamAudit::new(bus.clone(), stream.clone()))))
        });
        let executor = Arc::new(Executor::new(backend.clone(), audit, clock, false));
        let mirror = Mirror::start(&buckets);
        Ok(Relay {
            bus,
            buckets,
            backend,
            executor,
            settings,
            mirror,
            status: Arc::new(Mutex::new(Status::default())),
            hooks: None,
        })
    }

    /// Receives the helpdesk's webhooks as `settings` say (see [`super::hooks`]); returns
    /// where it listens.
    pub async fn receive_webhooks(
        &mut self,
        settings: super::hooks::HookSettings,
        clock: crate::clock::SharedClock,
    ) -> Result<std::net::SocketAddr, TeamError> {
        let listening = super::hooks::listen(self.bus.clone(), settings, clock).await?;
        let addr = listening.addr;
        self.hooks = Some(listening);
        Ok(addr)
    }

    /// The relay's own status.
    pub fn status(&self) -> Status {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Runs until `shutdown` resolves; then gives the lease up so a standby takes over at once.
    pub async fn run(mut self, shutdown: impl std::future::Future<Output = ()>) {
        let (lead_tx, lead_rx) = watch::channel::<Option<u64>>(None);
        let (prompt_tx, prompt_rx) = tokio::sync::mpsc::channel::<Hook>(PROMPTS);
        let prompt_task = tokio::spawn(prompt_loop(self.bus.clone(), prompt_tx));
        let lease_task = tokio::spawn(lease_loop(
            self.buckets.leases.clone(),
            self.buckets.meta.clone(),
            self.settings.clone(),
            self.status.clone(),
            lead_tx,
        ));
        let poll_task = tokio::spawn(poll_loop(
            self.buckets.clone(),
            self.backend.clone(),
            self.mirror.clone(),
            self.settings.clone(),
            self.status.clone(),
            lead_rx.clone(),
            self.bus.max_payload(),
            prompt_rx,
        ));
        let blocks_task = tokio::spawn(blocks_loop(
            super::shared::SharedBlocks::new(self.buckets.blocks.clone()),
            self.executor.clone(),
            self.mirror.clone(),
            self.settings.id.clone(),
            lead_rx.clone(),
        ));
        let serve_task = tokio::spawn(serve_loop(
            self.bus.clone(),
            self.executor.clone(),
            lead_rx.clone(),
        ));
        let block_requests_task = tokio::spawn(block_requests_loop(
            self.bus.clone(),
            super::shared::SharedBlocks::new(self.buckets.blocks.clone()),
            self.executor.clone(),
            self.mirror.clone(),
            self.backend.clone(),
            lead_rx.clone(),
        ));
        shutdown.await;
        drop(self.hooks.take());
        prompt_task.abort();
        blocks_task.abort();
        lease_task.abort();
        poll_task.abort();
        serve_task.abort();
        block_requests_task.abort();
        self.executor.wait_idle().await;
        let leading = *lead_rx.borrow();
        if let Some(rev) = leading {
            let _ = self
                .buckets
                .leases
                .delete_expect_revision(records::RELAY_LEASE, Some(rev))
                .await;
            tracing::info!("relay: lease given up");
        }
    }
}

fn lease_value(id: &str, since: Timestamp) -> Vec<u8> {
    serde_json::to_vec(&Lease {
        holder: id.to_owned(),
        since,
    })
    .unwrap_or_default()
}

/// Campaigns for, renews and loses the lease; writes the heartbeat while leading.
async fn lease_loop(
    leases: kv::Store,
    meta: kv::Store,
    settings: RelaySettings,
    status: Arc<Mutex<Status>>,
    lead: watch::Sender<Option<u64>>,
) {
    let every = (settings.lease / 3).max(Duration::from_millis(100));
    let mut since = Timestamp::now();
    loop {
        let current = *lead.borrow();
        let next = match current {
            None => match leases
                .create(
                    records::RELAY_LEASE,
                    lease_value(&settings.id, Timestamp::now()).into(),
                )
                .await
            {
                Ok(rev) => {
                    since = Timestamp::now();
                    tracing::info!(relay = %settings.id, rev, "relay: leading");
                    Some(rev)
                }
                Err(_) => None,
            },
            Some(rev) => match leases
                .update(
                    records::RELAY_LEASE,
                    lease_value(&settings.id, since).into(),
                    rev,
                )
                .await
            {
                Ok(rev) => Some(rev),
                Err(e) => {
                    tracing::warn!(relay = %settings.id, error = %e, "relay: lost the lease; polling stops");
                    None
                }
            },
        };
        if next != current {
            let _ = lead.send(next);
        }
        {
            let mut s = status.lock().unwrap_or_else(PoisonError::into_inner);
            s.leading = next;
        }
        if let Some(rev) = next {
            let s = status
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            let beat = Heartbeat {
                relay: settings.id.clone(),
                lease_rev: rev,
                at: Timestamp::now(),
                polled_at: s.polled_at,
                poll_error: s.poll_error,
                polls: s.polls,
                api_remaining: s.budget.0,
                api_limit: s.budget.1,
                resumed: s.resumed,
            };
            if let Ok(v) = serde_json::to_vec(&beat) {
                let _ = meta.put(records::HEARTBEAT, v.into()).await;
            }
        }
        tokio::time::sleep(every).await;
    }
}

/// Prompts waiting for the leader at most (more are dropped: polling reconciles).
const PROMPTS: usize = 1024;

/// Conversations re-read for one batch of prompts at most; beyond, the next poll comes now.
const REREAD_MAX: usize = 50;

/// The shortest gap between two polls that prompts bring forward.
const PROMPT_GAP: Duration = Duration::from_secs(1);

/// How long a re-read conversation stands in for the poll's older version (some vendors'
/// incremental reads lag by a minute): until a poll reads it as new, or this long.
const OVERRIDE_TTL: Duration = Duration::from_secs(180);

/// Every relay hears the prompts; only the leader acts on them (a standby's are dropped).
async fn prompt_loop(bus: Bus, tx: tokio::sync::mpsc::Sender<Hook>) {
    loop {
        match bus
            .client
            .subscribe(super::hooks::prompt_subject(&bus))
            .await
        {
            Ok(mut sub) => {
                while let Some(msg) = sub.next().await {
                    if let Ok(hook) = serde_json::from_slice::<Hook>(&msg.payload) {
                        let _ = tx.try_send(hook);
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "relay: cannot hear webhook prompts"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Conversations re-read on a webhook, standing in for older versions a poll still returns.
type Overrides = HashMap<String, (Conversation, Instant)>;

/// Polls and publishes while leading; re-reads and publishes at once what a webhook names.
#[allow(clippy::too_many_arguments)]
async fn poll_loop(
    buckets: Buckets,
    backend: Arc<dyn Helpdesk>,
    mirror: Mirror,
    settings: RelaySettings,
    status: Arc<Mutex<Status>>,
    mut lead: watch::Receiver<Option<u64>>,
    max_payload: usize,
    mut prompts: tokio::sync::mpsc::Receiver<Hook>,
) {
    let mut overrides = Overrides::new();
    loop {
        // Wait to lead; prompts heard meanwhile are a standby's, dropped.
        while lead.borrow_and_update().is_none() {
            tokio::select! {
                changed = lead.changed() => if changed.is_err() { return },
                p = prompts.recv() => if p.is_none() { return },
            }
        }
        while prompts.try_recv().is_ok() {}
        // What is already published: the watched state (a standby has it all along).
        if !mirror.wait_ready(Duration::from_secs(30)).await {
            tracing::warn!("relay: the buckets' state did not arrive; publishing everything");
        }
        let mut published = from_mirror(&mirror);
        // Take over without a full re-read: the backend holds what is published and reads
        // only what changed since the last poll that published it.
        if let Some(held) = mirror.snapshot() {
            let resumed = backend.resume(&held, held.taken_at).await;
            tracing::info!(resumed, since = %held.taken_at, "relay: taking over");
            status
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .resumed = resumed;
        }
        tracing::info!(
            conversations = published.convs.len(),
            "relay: publishing differences from the buckets' state"
        );
        let mut next_poll = Instant::now();
        let mut last_poll: Option<Instant> = None;
        while lead.borrow().is_some() {
            if Instant::now() >= next_poll {
                let started = Instant::now();
                last_poll = Some(started);
                next_poll = started + settings.refresh;
                match backend.snapshot().await {
                    Ok(snapshot) if lead.borrow().is_some() => {
                        let caps = backend.capabilities();
                        let result = publish(
                            &buckets,
                            &mut published,
                            &snapshot,
                            &caps,
                            max_payload,
                            &mut overrides,
                        )
                        .await;
                        match result {
                            Ok(n) => {
                                let mut s = status.lock().unwrap_or_else(PoisonError::into_inner);
                                s.polls += 1;
                                let b = backend.budget();
                                s.budget = (b.remaining, b.limit);
                                s.polled_at = Some(Timestamp::now());
                                s.poll_error = None;
                                tracing::debug!(changed = n, "relay: published");
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "relay: publishing failed");
                                status
                                    .lock()
                                    .unwrap_or_else(PoisonError::into_inner)
                                    .poll_error = Some(format!("publishing: {e}"));
                                // What is published is unknown now: start again from the buckets.
                                published = from_mirror(&mirror);
                            }
                        }
                    }
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "relay: poll failed");
                        status
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .poll_error = Some(e.to_string());
                    }
                }
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep_until(next_poll.into()) => {}
                _ = lead.changed() => {}
                p = prompts.recv() => {
                    let Some(first) = p else { return };
                    let mut batch = vec![first];
                    while let Ok(more) = prompts.try_recv() {
                        batch.push(more);
                    }
                    let poll_now =
                        reread(&buckets, backend.as_ref(), &mut published, &mut overrides, &batch, max_payload)
                            .await;
                    if poll_now {
                        let soonest = last_poll.map_or_else(Instant::now, |t| t + PROMPT_GAP);
                        next_poll = next_poll.min(soonest.max(Instant::now()));
                    }
                }
            }
        }
    }
}

/// Re-reads the conversations `hooks` name and publishes them now; `true` when a poll should
/// come soon as well (a hook named teammates or nothing we can re-read alone, or a re-read
/// failed).
async fn reread(
    buckets: &Buckets,
    backend: &dyn Helpdesk,
    published: &mut Published,
    overrides: &mut Overrides,
    hooks: &[Hook],
    max_payload: usize,
) -> bool {
    let limit = (bus::MAX_VALUE as usize).min(max_payload.saturating_sub(1024));
    let mut ids: Vec<ConversationId> = hooks
        .iter()
        .flat_map(|h| h.conversations.iter().cloned())
        .collect();
    ids.sort();
    ids.dedup();
    let mut poll = ids.len() > REREAD_MAX
        || hooks
            .iter()
            .any(|h| h.conversations.is_empty() || !h.teammates.is_empty());
    ids.truncate(REREAD_MAX);
    for id in ids {
        let key = conv_key(&id);
        let conv = match backend.conversation(&id).await {
            Ok(c) => Some(c),
            Err(e) if e.status() == Some(404) => None,
            Err(e) => {
                tracing::warn!(conversation = %id, error = %e, "relay: webhook re-read failed");
                poll = true;
                continue;
            }
        };
        if let Some(c) = &conv {
            overrides.insert(key.clone(), (c.clone(), Instant::now()));
        }
        let open = conv.filter(|c| !c.state.is_done());
        let result = match open {
            Some(c) if published.convs.get(&id) != Some(&c) => match encode(&c, limit) {
                Some((v, short)) => buckets
                    .convs
                    .put(&key, v.into())
                    .await
                    .map(|_| {
                        if short {
                            published.shortened.insert(id.clone());
                        } else {
                            published.shortened.remove(&id);
                        }
                        published.convs.insert(c);
                    })
                    .map_err(|e| e.to_string()),
                None => Err("too large to publish".to_owned()),
            },
            None if published.convs.contains(&id) => buckets
                .convs
                .delete(&key)
                .await
                .map(|_| {
                    published.convs.remove(&id);
                    published.shortened.remove(&id);
                })
                .map_err(|e| e.to_string()),
            _ => Ok(()),
        };
        if let Err(e) = result {
            tracing::warn!(key, error = %e, "relay: publishing a re-read failed");
            poll = true;
        }
    }
    poll
}

/// How often the leader looks for blocks that are over.
const BLOCKS_EVERY: Duration = Duration::from_millis(500);

/// Ends blocks on time while leading (no dashboard need run): each one over (or stuck
/// `ending`) is ended by CAS, so a lead ending it at the same moment, or another relay,
/// writes nothing.
async fn blocks_loop(
    blocks: super::shared::SharedBlocks,
    executor: Arc<Executor>,
    mirror: Mirror,
    id: String,
    mut lead: watch::Receiver<Option<u64>>,
) {
    use super::shared::{BlockState, ENDING_STALE};
    let by = format!("relay {id}");
    loop {
        while lead.borrow_and_update().is_none() {
            if lead.changed().await.is_err() {
                return;
            }
        }
        while lead.borrow().is_some() {
            tokio::time::sleep(BLOCKS_EVERY).await;
            let now = Timestamp::now();
            let due: Vec<super::shared::BlockRecord> = match blocks.list().await {
                Ok(list) => list
                    .into_iter()
                    .filter(|r| match r.state {
                        BlockState::Active => now >= r.block.end,
                        BlockState::Ending => r.ending_at.is_some_and(|at| {
                            now.duration_since(at).as_secs() >= ENDING_STALE.as_secs() as i64
                        }),
                        BlockState::Ended => false,
                    })
                    .collect(),
                Err(e) => {
                    tracing::warn!(error = %e, "relay: cannot read the blocks");
                    continue;
                }
            };
            if due.is_empty() || lead.borrow().is_none() {
                continue;
            }
            let Some(snapshot) = mirror.snapshot() else {
                continue;
            };
            for r in due {
                match blocks
                    .end(
                        &r.block.teammate,
                        &r.id,
                        &by,
                        true,
                        &snapshot,
                        &executor,
                        Some(&r.created_by),
                    )
                    .await
                {
                    Ok(ended) => tracing::info!(block = %r.id, ?ended, "relay: block over"),
                    Err(e) => tracing::warn!(block = %r.id, error = %e, "relay: ending a block"),
                }
            }
        }
    }
}

fn from_mirror(mirror: &Mirror) -> Published {
    fn bytes<T: serde::Serialize>(m: &BTreeMap<String, T>) -> HashMap<String, Vec<u8>> {
        m.iter()
            .filter_map(|(k, v)| serde_json::to_vec(v).ok().map(|b| (k.clone(), b)))
            .collect()
    }
    mirror.with(|h| Published {
        convs: h.convs.clone(),
        shortened: BTreeSet::new(),
        people: bytes(&h.people),
        inboxes: bytes(&h.inboxes),
        meta: h.meta.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
    })
}

/// Most puts in flight at once (the client blocks beyond 5,000 unacknowledged).
const IN_FLIGHT: usize = 256;

/// Publishes `snapshot`'s differences from `published`; returns how many keys changed.
async fn publish(
    buckets: &Buckets,
    published: &mut Published,
    snapshot: &Snapshot,
    caps: &crate::domain::Capabilities,
    max_payload: usize,
    overrides: &mut Overrides,
) -> Result<usize, String> {
    let limit = (bus::MAX_VALUE as usize).min(max_payload.saturating_sub(1024));
    let mut warnings = snapshot.warnings.clone();
    let mut changed = 0;
    // A re-read stands in until the poll reads the conversation as new (or for a while).
    let mut wanted = snapshot.conversations.clone();
    overrides.retain(|_, (c, at)| {
        let polled = snapshot.conversations.get(&c.id);
        let caught_up = polled.is_some_and(|p| p.updated_at >= c.updated_at);
        let keep = !caught_up && at.elapsed() < OVERRIDE_TTL;
        if keep {
            if c.state.is_done() {
                wanted.remove(&c.id);
            } else {
                wanted.insert(c.clone());
            }
        }
        keep
    });
    // What differs from the published model: O(changes), the maps share their nodes.
    let mut shortened = published.shortened.clone();
    let mut jobs: Vec<(String, Option<Vec<u8>>)> = Vec::new();
    for id in published.convs.diff_ids(&wanted) {
        let key = conv_key(&id);
        shortened.remove(&id);
        match wanted.get(&id).map(|c| encode(c, limit)) {
            Some(Some((v, short))) => {
                if short {
                    shortened.insert(id);
                }
                jobs.push((key, Some(v)));
            }
            Some(None) => {
                tracing::warn!(conversation = %id, "relay: too large to publish, even untitled");
                // Left out, and said so on every snapshot while it is (like a short title).
                shortened.insert(id);
                jobs.push((key, None));
            }
            None => jobs.push((key, None)),
        }
    }
    changed += jobs.len();
    run_jobs(&buckets.convs, jobs).await?;
    published.convs = wanted;
    published.shortened = shortened;
    warnings.extend(published.shortened.iter().map(|id| {
        match published.convs.get(id).and_then(|c| encode(c, limit)) {
            Some(_) => format!("conversation {id}: title left out (too large)"),
            None => format!("conversation {id}: left out (too large to publish)"),
        }
    }));
    let people = keyed(&snapshot.teammates, records::MATE, |t| &t.id.0, limit);
    changed += sync_bucket(&buckets.people, &mut published.people, people).await?;
    let inboxes = keyed(&snapshot.inboxes, records::INBOX, |i| &i.id.0, limit);
    changed += sync_bucket(&buckets.inboxes, &mut published.inboxes, inboxes).await?;
    let ws = WorkspaceRecord {
        workspace: snapshot.workspace.clone(),
        away_reasons: snapshot.away_reasons.to_vec(),
    };
    let snap = SnapshotRecord {
        taken_at: snapshot.taken_at,
        warnings,
    };
    for (key, value) in [
        (records::WORKSPACE, serde_json::to_vec(&ws)),
        (records::CAPABILITIES, serde_json::to_vec(caps)),
        (records::SNAPSHOT, serde_json::to_vec(&snap)),
    ] {
        let value = value.map_err(|e| e.to_string())?;
        if published.meta.get(key) != Some(&value) {
            buckets
                .meta
                .put(key, value.clone().into())
                .await
                .map_err(|e| format!("meta {key}: {e}"))?;
            published.meta.insert(key.to_owned(), value);
        }
    }
    Ok(changed)
}

fn keyed<T: serde::Serialize>(
    items: &[T],
    prefix: &str,
    id: impl Fn(&T) -> &str,
    limit: usize,
) -> BTreeMap<String, Vec<u8>> {
    items
        .iter()
        .filter_map(|x| {
            let v = serde_json::to_vec(x).ok()?;
            (v.len() <= limit).then(|| (format!("{prefix}{}", key_part(id(x))), v))
        })
        .collect()
}

/// The KV key of a conversation.
fn conv_key(id: &ConversationId) -> String {
    format!("{}{}", records::CONV, key_part(&id.0))
}

/// A conversation's KV value, and whether its title had to be left out to fit `limit`
/// (an oversized title is the only unbounded field); `None` when it does not fit anyway.
fn encode(c: &Conversation, limit: usize) -> Option<(Vec<u8>, bool)> {
    let v = serde_json::to_vec(c).ok()?;
    if v.len() <= limit {
        return Some((v, false));
    }
    let short = Conversation {
        title: None,
        ..c.clone()
    };
    let v = serde_json::to_vec(&short).ok()?;
    (v.len() <= limit).then_some((v, true))
}

/// Puts (a value) and deletes (none), a bounded number in flight; the first error, if any.
async fn run_jobs(store: &kv::Store, jobs: Vec<(String, Option<Vec<u8>>)>) -> Result<(), String> {
    let futures: Vec<_> = jobs
        .into_iter()
        .map(|(k, v)| {
            let store = store.clone();
            async move {
                let r = match v {
                    None => store.delete(&k).await.map_err(|e| e.to_string()),
                    Some(v) => store
                        .put(&k, v.into())
                        .await
                        .map(drop)
                        .map_err(|e| e.to_string()),
                };
                r.map_err(|e| format!("{} {k}: {e}", store.name))
            }
        })
        .collect();
    let results: Vec<Result<(), String>> = futures::stream::iter(futures)
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    results.into_iter().collect()
}

/// Puts what changed and deletes what is gone, a bounded number in flight.
async fn sync_bucket(
    store: &kv::Store,
    published: &mut HashMap<String, Vec<u8>>,
    wanted: BTreeMap<String, Vec<u8>>,
) -> Result<usize, String> {
    let gone: Vec<String> = published
        .keys()
        .filter(|k| !wanted.contains_key(*k))
        .cloned()
        .collect();
    let puts: Vec<(String, Vec<u8>)> = wanted
        .into_iter()
        .filter(|(k, v)| published.get(k) != Some(v))
        .collect();
    let n = gone.len() + puts.len();
    // A delete is a key without a value.
    let jobs: Vec<(String, Option<Vec<u8>>)> = puts
        .iter()
        .map(|(k, v)| (k.clone(), Some(v.clone())))
        .chain(gone.iter().map(|k| (k.clone(), None)))
        .collect();
    run_jobs(store, jobs).await?;
    for (k, v) in puts {
        published.insert(k, v);
    }
    for k in gone {
        published.remove(&k);
    }
    Ok(n)
}

/// How many answered write ids are remembered, to answer a repeat without writing again.
const REMEMBERED: usize = 10_000;

/// Serves the leads' writes while leading (only the leader: the executor's per-object locks
/// live in one process).
async fn serve_loop(bus: Bus, executor: Arc<Executor>, mut lead: watch::Receiver<Option<u64>>) {
    let answered: Arc<Answered> = Arc::default();
    loop {
        while lead.borrow_and_update().is_none() {
            if lead.changed().await.is_err() {
                return;
            }
        }
        let subject = bus.names.write_subjects();
        let mut sub = match bus.client.queue_subscribe(subject, "relay".into()).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "relay: cannot serve writes");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        tracing::info!("relay: serving writes");
        loop {
            tokio::select! {
                msg = sub.next() => {
                    let Some(msg) = msg else { break };
                    let (bus, executor, answered) = (bus.clone(), executor.clone(), answered.clone());
                    tokio::spawn(async move { serve_one(&bus, &executor, &answered, msg).await });
                }
                changed = lead.changed() => {
                    if changed.is_err() || lead.borrow().is_none() {
                        break;
                    }
                }
            }
        }
        let _ = sub.unsubscribe().await;
        tracing::info!("relay: no longer serving writes");
    }
}

/// Serves the leads' block requests (start, end now) while leading: a start goes into KV for
/// the timer ([`blocks_loop`]) to end; an end early goes through the same compare-and-set, so
/// a lead racing the timer or another lead writes nothing twice. The lead is the subject's.
async fn block_requests_loop(
    bus: Bus,
    blocks: super::shared::SharedBlocks,
    executor: Arc<Executor>,
    mirror: Mirror,
    backend: Arc<dyn Helpdesk>,
    mut lead: watch::Receiver<Option<u64>>,
) {
    use super::shared::{BlockReply, BlockRequest};
    loop {
        while lead.borrow_and_update().is_none() {
            if lead.changed().await.is_err() {
                return;
            }
        }
        let subject = bus.names.block_subjects();
        let mut sub = match bus.client.queue_subscribe(subject, "relay".into()).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "relay: cannot serve block requests");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        loop {
            tokio::select! {
                msg = sub.next() => {
                    let Some(msg) = msg else { break };
                    let (bus, blocks, executor, mirror, backend) = (
                        bus.clone(),
                        blocks.clone(),
                        executor.clone(),
                        mirror.clone(),
                        backend.clone(),
                    );
                    tokio::spawn(async move {
                        let Some(reply) = msg.reply.clone() else { return };
                        let result = match (
                            bus.names.lead_of_cmd(&msg.subject, "block"),
                            serde_json::from_slice::<BlockRequest>(&msg.payload),
                        ) {
                            (None, _) => Err("the request's subject names no lead".to_owned()),
                            (_, Err(e)) => Err(format!("the relay cannot read this request: {e}")),
                            (Some(who), Ok(req)) => {
                                let mut snapshot = mirror.snapshot();
                                // An early end judges the teammate as they are now, not as
                                // last published (the away write may be moments old).
                                if let (Some(s), BlockRequest::End { teammate }) = (&mut snapshot, &req)
                                    && let Ok(fresh) = backend.teammate(teammate).await
                                    && let Some(t) = s.teammates.iter_mut().find(|t| t.id == *teammate)
                                {
                                    *t = fresh;
                                }
                                blocks.answer(&who, req, snapshot.as_ref(), &executor).await
                            }
                        };
                        let body = serde_json::to_vec(&BlockReply { result }).unwrap_or_default();
                        if let Err(e) = bus.client.publish(reply, body.into()).await {
                            tracing::warn!(error = %e, "relay: could not answer a block request");
                        }
                    });
                }
                changed = lead.changed() => {
                    if changed.is_err() || lead.borrow().is_none() {
                        break;
                    }
                }
            }
        }
        let _ = sub.unsubscribe().await;
    }
}

type Answered = Mutex<(HashMap<String, Outcome>, std::collections::VecDeque<String>)>;

async fn serve_one(bus: &Bus, executor: &Executor, answered: &Answered, msg: async_nats::Message) {
    let Some(reply) = msg.reply.clone() else {
        return;
    };
    let refuse = |why: String| Outcome::NotApplied { error: why };
    let outcome = match (
        bus.names.lead_of(&msg.subject),
        serde_json::from_slice::<WriteRequest>(&msg.payload),
    ) {
        (None, _) => refuse("the write's subject names no lead".into()),
        (_, Err(e)) => refuse(format!("the relay cannot read this write: {e}")),
        (Some(lead), Ok(req)) => {
            let seen = answered
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .0
                .get(&req.op_id)
                .cloned();
            let late = Timestamp::now()
                .checked_add(jiff::SignedDuration::try_from(START_MARGIN).unwrap_or_default())
                .is_ok_and(|t| t > req.deadline);
            if let Some(o) = seen {
                o
            } else if late {
                refuse("it reached the relay after its deadline: not applied".into())
            } else {
                let report = executor.run_as(req.planned, req.undo, Some(&lead)).await;
                let mut a = answered.lock().unwrap_or_else(PoisonError::into_inner);
                a.0.insert(req.op_id.clone(), report.outcome.clone());
                a.1.push_back(req.op_id);
                while a.1.len() > REMEMBERED {
                    if let Some(old) = a.1.pop_front() {
                        a.0.remove(&old);
                    }
                }
                report.outcome
            }
        }
    };
    let body = serde_json::to_vec(&WriteReply { outcome }).unwrap_or_default();
    if let Err(e) = bus.client.publish(reply, body.into()).await {
        tracing::warn!(error = %e, "relay: could not answer a write");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixture;

    #[test]
    fn an_oversized_title_is_left_out_and_what_cannot_fit_is_not_published() {
        let mut c = fixture::conversation("1", fixture::t0());
        let (v, short) = encode(&c, 4_096).unwrap();
        assert!(!short);
        assert_eq!(serde_json::from_slice::<Conversation>(&v).unwrap(), c);
        c.title = Some("x".repeat(10_000).into());
        let (v, short) = encode(&c, 4_096).unwrap();
        assert!(short && v.len() <= 4_096);
        let back: Conversation = serde_json::from_slice(&v).unwrap();
        assert_eq!(back.title, None);
        assert_eq!(back.id, c.id);
        assert_eq!(encode(&c, 10), None);
    }
}
