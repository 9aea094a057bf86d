//! The held model every vendor shares: a full read first and every [`Cache::full_every`],
//! otherwise only what changed since the last refresh, merged into the conversations held.
//!
//! A vendor supplies a [`ChangeSource`]: how to read everything, how to read what changed
//! since a cursor (a timestamp for an `updated_at` search, an opaque token for an incremental
//! export), and how to assemble a [`Snapshot`] from what is held.

use super::BackendError;
use crate::domain::{Conversation, Snapshot};
use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;

/// What a full read returns.
pub struct FullRead<F, C> {
    /// What the vendor keeps between refreshes besides conversations (teams, reasons…).
    pub fixed: F,
    /// Every conversation not yet done.
    pub conversations: Vec<Conversation>,
    /// Where the next incremental read starts.
    pub cursor: C,
    /// Problems that degrade, but do not void, the read.
    pub warnings: Vec<String>,
}

/// What an incremental read returns.
pub struct Changes<C> {
    /// Conversations changed since the cursor (done ones leave the held set).
    pub conversations: Vec<Conversation>,
    /// Where the next incremental read starts.
    pub cursor: C,
    /// Problems that degrade, but do not void, the read.
    pub warnings: Vec<String>,
}

/// A vendor's way of reading everything, and what changed since a cursor.
#[async_trait]
pub trait ChangeSource: Send + Sync {
    /// Kept between refreshes besides conversations.
    type Fixed: Send + Sync;
    /// Where an incremental read starts.
    type Cursor: Send + Sync + Clone;

    /// Reads everything; `started` is when this refresh began (injected clock).
    async fn read_all(
        &self,
        started: Timestamp,
    ) -> Result<FullRead<Self::Fixed, Self::Cursor>, BackendError>;

    /// Reads what changed since `cursor`, refreshing `fixed` where the vendor needs to.
    async fn read_changes(
        &self,
        fixed: &mut Self::Fixed,
        cursor: &Self::Cursor,
        started: Timestamp,
    ) -> Result<Changes<Self::Cursor>, BackendError>;

    /// Reads what a full read keeps besides conversations (with its warnings), to resume
    /// from conversations held elsewhere without reading them all again. `None`: this vendor
    /// cannot, and [`Cache::resume`] declines.
    async fn read_fixed(
        &self,
        _started: Timestamp,
    ) -> Option<Result<(Self::Fixed, Vec<String>), BackendError>> {
        None
    }

    /// The cursor of an incremental read of everything changed since `at`, if this vendor's
    /// cursors can start from a time.
    fn cursor_since(&self, _at: Timestamp) -> Option<Self::Cursor> {
        None
    }

    /// A snapshot of what is held.
    fn assemble(
        &self,
        fixed: &Self::Fixed,
        conversations: Vec<Conversation>,
        warnings: Vec<String>,
    ) -> Snapshot;
}

struct Held<F, C> {
    fixed: F,
    conversations: BTreeMap<String, Conversation>,
    cursor: C,
    full_at: Timestamp,
}

/// The held model of one backend.
pub struct Cache<F, C> {
    held: tokio::sync::Mutex<Option<Held<F, C>>>,
    /// How often a full read reconciles what is held (catching deletions and anything an
    /// incremental read could miss).
    pub full_every: SignedDuration,
}

impl<F: Send + Sync, C: Send + Sync + Clone> Cache<F, C> {
    /// An empty cache: the first snapshot is a full read.
    pub fn new(full_every: SignedDuration) -> Self {
        Self {
            held: tokio::sync::Mutex::new(None),
            full_every,
        }
    }

    /// A snapshot at `started`: full or incremental as due. A failed refresh leaves what is
    /// held as it was.
    pub async fn snapshot<S>(
        &self,
        source: &S,
        started: Timestamp,
    ) -> Result<Snapshot, BackendError>
    where
        S: ChangeSource<Fixed = F, Cursor = C>,
    {
        let mut held = self.held.lock().await;
        if let Some(h) = held.as_mut()
            && started.duration_since(h.full_at) < self.full_every
        {
            let changes = source
                .read_changes(&mut h.fixed, &h.cursor, started)
                .await?;
            merge(&mut h.conversations, changes.conversations);
            h.cursor = changes.cursor;
            let conversations = h.conversations.values().cloned().collect();
            return Ok(source.assemble(&h.fixed, conversations, changes.warnings));
        }
        let full = source.read_all(started).await?;
        let conversations: BTreeMap<String, Conversation> = full
            .conversations
            .into_iter()
            .filter(|c| !c.state.is_done())
            .map(|c| (c.id.0.clone(), c))
            .collect();
        // Held by id, so snapshots come out in a stable order.
        let list = conversations.values().cloned().collect();
        let snapshot = source.assemble(&full.fixed, list, full.warnings);
        *held = Some(Held {
            fixed: full.fixed,
            conversations,
            cursor: full.cursor,
            full_at: started,
        });
        Ok(snapshot)
    }
}

impl<F: Send + Sync, C: Send + Sync + Clone> Cache<F, C> {
    /// Holds `conversations` as they were at `since` (e.g. the state a relay published) and
    /// reads only the rest of a full read, so the next snapshot is incremental from `since`.
    /// `false` (nothing changed) when the vendor cannot resume.
    pub async fn resume<S>(
        &self,
        source: &S,
        conversations: Vec<Conversation>,
        since: Timestamp,
        started: Timestamp,
    ) -> Result<bool, BackendError>
    where
        S: ChangeSource<Fixed = F, Cursor = C>,
    {
        let Some(cursor) = source.cursor_since(since) else {
            return Ok(false);
        };
        let Some(fixed) = source.read_fixed(started).await else {
            return Ok(false);
        };
        let (fixed, _warnings) = fixed?;
        let conversations = conversations
            .into_iter()
            .filter(|c| !c.state.is_done())
            .map(|c| (c.id.0.clone(), c))
            .collect();
        *self.held.lock().await = Some(Held {
            fixed,
            conversations,
            cursor,
            full_at: started,
        });
        Ok(true)
    }
}

/// Merges changed conversations into `held`: done ones leave, the rest are inserted or
/// replaced.
pub fn merge(
    held: &mut BTreeMap<String, Conversation>,
    changed: impl IntoIterator<Item = Conversation>,
) {
    for c in changed {
        if c.state.is_done() {
            held.remove(&c.id.0);
        } else {
            held.insert(c.id.0.clone(), c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixture;
    use crate::domain::{ConversationState, ConversationState::*};
    use proptest::prelude::*;

    fn conv(id: u8, state: ConversationState) -> Conversation {
        let mut c = fixture::conversation(&id.to_string(), fixture::t0());
        c.state = state;
        c
    }

    #[test]
    fn merging_replaces_changed_conversations_and_drops_done_ones() {
        let mut held: BTreeMap<String, Conversation> = [conv(1, Open), conv(2, Open)]
            .into_iter()
            .map(|c| (c.id.0.clone(), c))
            .collect();
        merge(
            &mut held,
            [conv(1, Closed), conv(2, Snoozed), conv(3, Open)],
        );
        let left: Vec<(&str, ConversationState)> =
            held.values().map(|c| (c.id.as_str(), c.state)).collect();
        assert_eq!(left, vec![("2", Snoozed), ("3", Open)]);
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
            let mut held = BTreeMap::new();
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
                held.iter().map(|(k, c)| (k.clone(), c.state)).collect();
            prop_assert_eq!(got, last);
        }
    }
}
