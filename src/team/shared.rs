//! Shared co-pilot state in KV, by compare-and-set on the key's revision:
//!
//! - **Off-queue blocks** (`sl_<ws>_blocks`, `b.<teammate>`: one key per teammate, so two
//!   leads starting a block for one teammate at once race on one revision and the second is
//!   refused with the first's name): a lead starts one (created `active`); whoever ends it —
//!   the leading relay when it is over (so it ends on time with no dashboard running), or a
//!   lead ending it early — first moves it `active → ending` by CAS.
//!   Exactly one contender wins, sends the one "back" write through the executor (one audit
//!   entry, naming the lead), and marks it `ending → ended`. A winner that died in `ending`
//!   is taken over by the relay after [`ENDING_STALE`].
//! - **Rebalance leases** (`sl_<ws>_leases`, `rebalance.t.<inbox>`, the bucket's max age is
//!   the lease): taken by create before a lead's plan runs over an inbox, renewed while it
//!   runs, given up after; a second lead is refused with the holder's name.

use super::records::Lease;
use super::{TeamError, key_part};
use crate::domain::actions::{self, Outcome, PresenceChange};
use crate::domain::blocks::{Block, Step, reconcile};
use crate::domain::{InboxId, Snapshot, TeammateId};
use crate::writes::Executor;
use async_nats::jetstream::kv;
use futures::StreamExt;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A block's place in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockState {
    /// Running.
    Active,
    /// Someone won the end and is setting the teammate back.
    Ending,
    /// Over.
    Ended,
}

/// `blocks.b.<teammate>`: the teammate's latest block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRecord {
    /// The block's id (unique: a later block of the same teammate has another).
    pub id: String,
    /// The block.
    pub block: Block,
    /// The lead who started it.
    pub created_by: String,
    /// Where it stands.
    pub state: BlockState,
    /// Who won the end (a lead, or `relay <id>`).
    #[serde(default)]
    pub ended_by: Option<String>,
    /// When the end was won.
    #[serde(default)]
    pub ending_at: Option<Timestamp>,
    /// When it was over.
    #[serde(default)]
    pub ended_at: Option<Timestamp>,
    /// What the end did: the back write's outcome, or why there was none.
    #[serde(default)]
    pub result: Option<String>,
}

/// How long a block may stay `ending` before the relay takes the end over (the winner died).
pub const ENDING_STALE: Duration = Duration::from_secs(60);

/// How an attempt to end a block went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// This caller won and the back write went this way.
    Wrote(Outcome),
    /// This caller won; no write was due (the reason says why: someone changed the status).
    NoWrite(String),
    /// Someone else won (or it is over already): who.
    Lost {
        /// The winner.
        by: Option<String>,
        /// Where it stands now.
        state: BlockState,
    },
    /// No such block.
    Missing,
}

/// How an attempt to start a block went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Started {
    /// Started, with this id.
    Started(String),
    /// Refused: the teammate has this block running already (maybe started a moment ago by
    /// another lead).
    Running(Box<BlockRecord>),
}

/// The blocks of a workspace.
#[derive(Clone)]
pub struct SharedBlocks {
    store: kv::Store,
}

/// The key of `teammate`'s block.
pub fn block_key(teammate: &TeammateId) -> String {
    format!("b.{}", key_part(&teammate.0))
}

fn decode(entry: &kv::Entry) -> Result<BlockRecord, TeamError> {
    serde_json::from_slice(&entry.value).map_err(|e| TeamError::Record {
        key: entry.key.clone(),
        detail: e.to_string(),
    })
}

impl SharedBlocks {
    /// Over the workspace's blocks bucket.
    pub fn new(store: kv::Store) -> Self {
        Self { store }
    }

    /// Starts `block` for `lead` (the away write already confirmed), unless the teammate has
    /// a block running: creates the teammate's key, or replaces an ended block by CAS on its
    /// revision, so of two leads starting at once exactly one wins.
    pub async fn start(&self, block: Block, lead: &str) -> Result<Started, TeamError> {
        let key = block_key(&block.teammate);
        let id = format!(
            "{}-{}-{:08x}",
            block.teammate.0,
            block.start.as_second(),
            rand::random::<u32>()
        );
        let record = BlockRecord {
            id: id.clone(),
            block,
            created_by: lead.to_owned(),
            state: BlockState::Active,
            ended_by: None,
            ending_at: None,
            ended_at: None,
            result: None,
        };
        let value = serde_json::to_vec(&record).map_err(|e| TeamError::js("block", e))?;
        let entry = self
            .store
            .entry(&key)
            .await
            .map_err(|e| TeamError::js("reading a block", e))?;
        let written = match entry {
            None => self
                .store
                .create(&key, value.into())
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Some(e) => {
                if e.operation == kv::Operation::Put
                    && let Ok(r) = decode(&e)
                    && r.running()
                {
                    return Ok(Started::Running(Box::new(r)));
                }
                // Ended, deleted or unreadable: replaced, if nobody moved it meanwhile.
                self.store
                    .update(&key, value.into(), e.revision)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
        };
        match written {
            Ok(()) => Ok(Started::Started(id)),
            Err(e) => match self.get(&record.block.teammate).await? {
                // Ours landed after all (an answer lost on the way).
                Some((r, _)) if r.id == id => Ok(Started::Started(id)),
                // Someone else's start landed first.
                Some((r, _)) if r.running() => Ok(Started::Running(Box::new(r))),
                _ => Err(TeamError::js(format!("starting block {id}"), e)),
            },
        }
    }

    /// `teammate`'s latest block and its revision.
    pub async fn get(
        &self,
        teammate: &TeammateId,
    ) -> Result<Option<(BlockRecord, u64)>, TeamError> {
        self.get_at(&block_key(teammate)).await
    }

    /// The block at `key` and its revision.
    async fn get_at(&self, key: &str) -> Result<Option<(BlockRecord, u64)>, TeamError> {
        let entry = self
            .store
            .entry(key)
            .await
            .map_err(|e| TeamError::js("reading a block", e))?;
        match entry {
            Some(e) if e.operation == kv::Operation::Put => Ok(Some((decode(&e)?, e.revision))),
            _ => Ok(None),
        }
    }

    /// Every block (any state).
    pub async fn list(&self) -> Result<Vec<BlockRecord>, TeamError> {
        let mut keys = self
            .store
            .keys()
            .await
            .map_err(|e| TeamError::js("listing blocks", e))?;
        let mut out = Vec::new();
        while let Some(key) = keys.next().await {
            let key = key.map_err(|e| TeamError::js("listing blocks", e))?;
            if let Some(e) = self
                .store
                .entry(&key)
                .await
                .map_err(|e| TeamError::js("reading a block", e))?
                && e.operation == kv::Operation::Put
                && let Ok(r) = decode(&e)
            {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// Ends `teammate`'s block `id` as `by` (a lead, or the relay): wins `active → ending` by CAS (or takes
    /// over an `ending` older than [`ENDING_STALE`] when `take_over`), sets the teammate back
    /// through `executor` for `lead` when they are still away for the block (checked against
    /// `snapshot`), then marks it `ended`. Only the winner writes.
    #[allow(clippy::too_many_arguments)]
    pub async fn end(
        &self,
        teammate: &TeammateId,
        id: &str,
        by: &str,
        take_over: bool,
        snapshot: &Snapshot,
        executor: &Executor,
        lead: Option<&str>,
    ) -> Result<Ended, TeamError> {
        let mut key = block_key(teammate);
        let (mut record, rev) = match self.get_at(&key).await? {
            Some((r, rev)) if r.id == id => (r, rev),
            current => {
                // A block started before blocks were keyed per teammate sits at its id's key.
                let legacy = format!("b.{}", key_part(id));
                match self.get_at(&legacy).await? {
                    Some((r, rev)) if r.id == id => {
                        key = legacy;
                        (r, rev)
                    }
                    // Over, and the teammate has had another block since.
                    _ if current.is_some() => {
                        return Ok(Ended::Lost {
                            by: None,
                            state: BlockState::Ended,
                        });
                    }
                    _ => return Ok(Ended::Missing),
                }
            }
        };
        let now = Timestamp::now();
        let stale = record
            .ending_at
            .is_some_and(|at| now.duration_since(at).as_secs() >= ENDING_STALE.as_secs() as i64);
        let may = match record.state {
            BlockState::Active => true,
            BlockState::Ending => take_over && stale,
            BlockState::Ended => false,
        };
        if !may {
            return Ok(Ended::Lost {
                by: record.ended_by,
                state: record.state,
            });
        }
        record.state = BlockState::Ending;
        record.ended_by = Some(by.to_owned());
        record.ending_at = Some(now);
        let value = serde_json::to_vec(&record).map_err(|e| TeamError::js("block", e))?;
        let rev = match self.store.update(&key, value.into(), rev).await {
            Ok(r) => r,
            Err(_) => {
                // Someone else moved it first: say who.
                let now = self.get_at(&key).await?;
                return Ok(match now {
                    Some((r, _)) if r.id == id => Ended::Lost {
                        by: r.ended_by,
                        state: r.state,
                    },
                    Some(_) => Ended::Lost {
                        by: None,
                        state: BlockState::Ended,
                    },
                    None => Ended::Missing,
                });
            }
        };
        // The winner, alone: is a back write still due?
        let (_, steps) = reconcile(
            std::slice::from_ref(&record.block),
            snapshot,
            // Ending early (a lead's end) is due at once; the relay ends only what is over.
            now.max(record.block.end),
        );
        let ended = match steps.into_iter().next() {
            Some(Step::SetBack(b)) => {
                match actions::plan_presence(snapshot, &b.teammate, PresenceChange::online()) {
                    Some(mut p) => {
                        p.label = format!("block over: set {} back", b.name);
                        let report = executor.run_as(p, false, lead).await;
                        Ended::Wrote(report.outcome)
                    }
                    None => Ended::NoWrite(format!("{} is back already", b.name)),
                }
            }
            Some(Step::Dropped(_, why)) => Ended::NoWrite(why),
            None => Ended::NoWrite("not over yet".into()),
        };
        record.state = BlockState::Ended;
        record.ended_at = Some(Timestamp::now());
        record.result = Some(match &ended {
            Ended::Wrote(o) => o.word().to_owned(),
            Ended::NoWrite(why) => why.clone(),
            _ => String::new(),
        });
        let value = serde_json::to_vec(&record).map_err(|e| TeamError::js("block", e))?;
        if let Err(e) = self.store.update(&key, value.into(), rev).await {
            tracing::warn!(block = id, error = %e, "block ended but could not be marked ended");
        }
        Ok(ended)
    }
}

/// The lease key of `inbox`'s rebalance.
pub fn rebalance_key(inbox: &InboxId) -> String {
    format!("rebalance.t.{}", key_part(&inbox.0))
}

/// Why a rebalance lease was not had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeaseRefused {
    /// Another lead (or this one, elsewhere) holds it.
    #[error("{holder} is rebalancing inbox {inbox} (since {since})")]
    Held {
        /// The inbox.
        inbox: String,
        /// Who.
        holder: String,
        /// Since when.
        since: Timestamp,
    },
    /// The bus failed.
    #[error("the rebalance lease of inbox {inbox}: {detail}")]
    Bus {
        /// The inbox.
        inbox: String,
        /// What failed.
        detail: String,
    },
}

/// Rebalance leases held by one lead for one plan; renewed until released (or dropped).
pub struct RebalanceLeases {
    store: kv::Store,
    held: std::sync::Arc<tokio::sync::Mutex<Vec<(String, u64)>>>,
    renew: tokio::task::JoinHandle<()>,
}

impl Drop for RebalanceLeases {
    /// Stops renewing and gives the leases up in the background (they would expire anyway
    /// within the bucket's max age).
    fn drop(&mut self) {
        self.renew.abort();
        let (store, held) = (self.store.clone(), self.held.clone());
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                let held = std::mem::take(&mut *held.lock().await);
                for (key, rev) in held {
                    let _ = store.delete_expect_revision(&key, Some(rev)).await;
                }
            });
        }
    }
}

impl RebalanceLeases {
    /// Takes the leases of `inboxes` (in sorted order, all or none) for `lead`.
    pub async fn take(
        store: kv::Store,
        inboxes: &[InboxId],
        lead: &str,
    ) -> Result<RebalanceLeases, LeaseRefused> {
        let mut inboxes: Vec<&InboxId> = inboxes.iter().collect();
        inboxes.sort();
        inboxes.dedup();
        let max_age = store
            .status()
            .await
            .map(|s| s.max_age())
            .unwrap_or(Duration::from_secs(10));
        let value = serde_json::to_vec(&Lease {
            holder: lead.to_owned(),
            since: Timestamp::now(),
        })
        .unwrap_or_default();
        let mut held: Vec<(String, u64)> = Vec::new();
        let mut refused = None;
        for inbox in inboxes {
            let key = rebalance_key(inbox);
            match store.create(&key, value.clone().into()).await {
                Ok(rev) => held.push((key, rev)),
                Err(e) => {
                    let holder = store
                        .get(&key)
                        .await
                        .ok()
                        .flatten()
                        .and_then(|v| serde_json::from_slice::<Lease>(&v).ok());
                    refused = Some(match holder {
                        Some(l) => LeaseRefused::Held {
                            inbox: inbox.to_string(),
                            holder: l.holder,
                            since: l.since,
                        },
                        None => LeaseRefused::Bus {
                            inbox: inbox.to_string(),
                            detail: e.to_string(),
                        },
                    });
                    break;
                }
            }
        }
        if let Some(why) = refused {
            for (key, rev) in held {
                let _ = store.delete_expect_revision(&key, Some(rev)).await;
            }
            return Err(why);
        }
        let held = std::sync::Arc::new(tokio::sync::Mutex::new(held));
        let every = if max_age.is_zero() {
            Duration::from_secs(3)
        } else {
            (max_age / 3).max(Duration::from_millis(100))
        };
        let renew = tokio::spawn({
            let (store, held, value) = (store.clone(), held.clone(), value.clone());
            async move {
                loop {
                    tokio::time::sleep(every).await;
                    let mut h = held.lock().await;
                    for (key, rev) in h.iter_mut() {
                        match store.update(key.as_str(), value.clone().into(), *rev).await {
                            Ok(r) => *rev = r,
                            Err(e) => tracing::warn!(key, error = %e, "rebalance lease lost"),
                        }
                    }
                }
            }
        });
        Ok(RebalanceLeases { store, held, renew })
    }

    /// Gives the leases up now.
    pub async fn release(self) {
        self.renew.abort();
        let held = std::mem::take(&mut *self.held.lock().await);
        for (key, rev) in held {
            let _ = self.store.delete_expect_revision(&key, Some(rev)).await;
        }
    }
}

/// The inboxes a plan moves conversations out of or into (what its rebalance leases cover).
pub fn plan_inboxes(plan: &[actions::Planned]) -> Vec<InboxId> {
    let mut out: Vec<InboxId> = Vec::new();
    for p in plan {
        if let actions::State::Conversation { inbox: Some(i), .. } = &p.before {
            out.push(i.clone());
        }
        if let actions::Write::Assign {
            target: actions::AssignTarget::Inbox(i),
            ..
        } = &p.write
        {
            out.push(i.clone());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A lead's request about shared blocks, on `sl.<ws>.cmd.<lead>.block` (the lead is the
/// subject's: the server pins each lead's credentials to their own subjects).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "op")]
pub enum BlockRequest {
    /// Start this block (the away write already confirmed).
    Start {
        /// The block.
        block: Block,
    },
    /// End the running block of this teammate now.
    End {
        /// Whose block.
        teammate: crate::domain::TeammateId,
    },
}

/// The relay's answer: `Ok` with what happened, or why not.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BlockReply {
    /// What happened, or why nothing did.
    pub result: Result<String, String>,
}

impl BlockRecord {
    /// The block as a dashboard shows it: with who started it.
    pub fn shown(&self) -> Block {
        Block {
            by: Some(self.created_by.clone()),
            ..self.block.clone()
        }
    }

    /// `true` while it is running (active, or being ended).
    pub fn running(&self) -> bool {
        self.state != BlockState::Ended
    }
}

/// A line for the status line about how an end went.
pub fn ended_line(name: &str, ended: &Ended) -> String {
    match ended {
        Ended::Wrote(Outcome::Applied { .. }) => format!("block ended: {name} set back"),
        Ended::Wrote(o) => format!("block ended; setting {name} back: {}", o.word()),
        Ended::NoWrite(why) => format!("block ended: {why}"),
        Ended::Lost { by, .. } => format!(
            "{name}'s block was ended already{}",
            by.as_deref()
                .map(|b| format!(" by {b}"))
                .unwrap_or_default()
        ),
        Ended::Missing => format!("{name} has no running block"),
    }
}

impl SharedBlocks {
    /// The running block of `teammate`, if any.
    pub async fn running_of(
        &self,
        teammate: &TeammateId,
    ) -> Result<Option<BlockRecord>, TeamError> {
        if let Some((r, _)) = self.get(teammate).await?
            && r.running()
        {
            return Ok(Some(r));
        }
        // One started before blocks were keyed per teammate (at its id's key).
        Ok(self
            .list()
            .await?
            .into_iter()
            .filter(|r| r.running() && &r.block.teammate == teammate)
            .max_by_key(|r| r.block.start))
    }

    /// Answers one lead's block request, as `lead`: a start is refused while the teammate
    /// has a block running; an end goes through [`SharedBlocks::end`] (one winner).
    pub async fn answer(
        &self,
        lead: &str,
        request: BlockRequest,
        snapshot: Option<&Snapshot>,
        executor: &Executor,
    ) -> Result<String, String> {
        match request {
            BlockRequest::Start { mut block } => {
                block.by = None;
                let name = block.name.clone();
                match self.start(block, lead).await.map_err(|e| e.to_string())? {
                    Started::Started(_) => Ok(format!(
                        "block started for {name}; the relay sets them back"
                    )),
                    Started::Running(r) => Err(format!(
                        "{name} {} (started by {})",
                        crate::backend::BLOCK_RUNNING,
                        r.created_by
                    )),
                }
            }
            BlockRequest::End { teammate } => {
                let Some(r) = self
                    .running_of(&teammate)
                    .await
                    .map_err(|e| e.to_string())?
                else {
                    return Ok(format!("{teammate} has no running block"));
                };
                let Some(snapshot) = snapshot else {
                    return Err("the relay has no data yet: try again".into());
                };
                let ended = self
                    .end(
                        &teammate,
                        &r.id,
                        lead,
                        false,
                        snapshot,
                        executor,
                        Some(lead),
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(ended_line(&r.block.name, &ended))
            }
        }
    }
}
