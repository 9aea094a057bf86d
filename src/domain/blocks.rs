//! Off-queue blocks: a teammate is taken off the queue (set away) for N minutes with a reason
//! — training, project time — and set back when the block ends. Blocks outlive a restart
//! (the caller persists them) and are reconciled with what the helpdesk says on every poll:
//! if someone else changed the teammate's status meanwhile, the block is dropped rather than
//! fought over.

use super::model::{AwayReasonId, Snapshot, TeammateId};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// One block in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// Who is off the queue.
    pub teammate: TeammateId,
    /// Their name when the block started (for messages and the handoff).
    pub name: String,
    /// The away reason set for the block, if any.
    pub reason: Option<AwayReasonId>,
    /// The reason's text ("Training"), for display.
    pub label: String,
    /// When the block started (the away write was confirmed).
    pub start: Timestamp,
    /// When it ends.
    pub end: Timestamp,
    /// Who started it, where the blocks are shared by a team (`None`: this dashboard did).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

impl Block {
    /// Time left at `now` (zero once over).
    pub fn left(&self, now: Timestamp) -> SignedDuration {
        self.end.duration_since(now).max(SignedDuration::ZERO)
    }
}

/// What reconciling asks the caller to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The block is over and the teammate is still away for it: set them back.
    SetBack(Block),
    /// The block is dropped without a write; the text says why (for the status line).
    Dropped(Block, String),
}

/// Reconciles `blocks` with `snapshot` at `now`: returns the blocks still running and the
/// steps to take. A block is dropped, never acted on, when its teammate is gone, is back
/// already, or is away for another reason than the block's — someone else decided.
pub fn reconcile(blocks: &[Block], snapshot: &Snapshot, now: Timestamp) -> (Vec<Block>, Vec<Step>) {
    let mut running = Vec::new();
    let mut steps = Vec::new();
    for b in blocks {
        let Some(t) = snapshot.teammate(&b.teammate) else {
            steps.push(Step::Dropped(
                b.clone(),
                format!("block for {} dropped: no longer a teammate", b.name),
            ));
            continue;
        };
        let reason = t.presence.reason.as_ref().map(|r| &r.id);
        if !t.presence.is_away() {
            let why = if now >= b.end {
                format!("block for {} over: already back", b.name)
            } else {
                format!("block for {} dropped: set back by someone else", b.name)
            };
            steps.push(Step::Dropped(b.clone(), why));
        } else if b.reason.is_some() && reason != b.reason.as_ref() {
            steps.push(Step::Dropped(
                b.clone(),
                format!(
                    "block for {} dropped: now away for another reason ({})",
                    b.name,
                    t.presence
                        .reason
                        .as_ref()
                        .map_or("none", |r| r.label.as_str())
                ),
            ));
        } else if now >= b.end {
            steps.push(Step::SetBack(b.clone()));
        } else {
            running.push(b.clone());
        }
    }
    (running, steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::*;
    use proptest::prelude::*;

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).unwrap()
    }

    fn reason(id: &str) -> AwayReason {
        AwayReason {
            id: AwayReasonId(id.into()),
            label: format!("reason {id}"),
            emoji: None,
            deleted: false,
        }
    }

    fn mate(id: &str, away: bool, why: Option<&str>) -> Teammate {
        Teammate {
            id: TeammateId(id.into()),
            name: id.to_uppercase(),
            email: format!("{id}@x.io"),
            presence: Presence {
                status: crate::domain::fixture::status(away, false),
                reason: why.map(reason),
                since: None,
            },
            memberships: vec![],
            cap: None,
            time_zone: None,
            has_inbox_seat: true,
            default_inbox: None,
            cap_rule: None,
        }
    }

    fn snapshot(teammates: Vec<Teammate>) -> Snapshot {
        Snapshot {
            taken_at: t(0),
            workspace: Workspace::default(),
            inboxes: vec![].into(),
            teammates: teammates.into(),
            conversations: vec![].into(),
            away_reasons: vec![].into(),
            warnings: vec![],
        }
    }

    fn block(id: &str, why: Option<&str>, end: i64) -> Block {
        Block {
            teammate: TeammateId(id.into()),
            name: id.to_uppercase(),
            reason: why.map(|w| AwayReasonId(w.into())),
            label: "Training".into(),
            start: t(0),
            end: t(end),
            by: None,
        }
    }

    #[test]
    fn a_running_block_is_kept_and_an_ended_one_sets_back() {
        let s = snapshot(vec![
            mate("ana", true, Some("7")),
            mate("bo", true, Some("7")),
        ]);
        let blocks = [block("ana", Some("7"), 600), block("bo", Some("7"), 60)];
        let (running, steps) = reconcile(&blocks, &s, t(120));
        assert_eq!(running, vec![blocks[0].clone()]);
        assert_eq!(steps, vec![Step::SetBack(blocks[1].clone())]);
        assert_eq!(blocks[0].left(t(120)), SignedDuration::from_secs(480));
        assert_eq!(blocks[1].left(t(120)), SignedDuration::ZERO);
    }

    #[test]
    fn someone_elses_change_drops_the_block_without_a_write() {
        let s = snapshot(vec![
            mate("ana", false, None),
            mate("bo", true, Some("9")),
            mate("cy", false, None),
        ]);
        let blocks = [
            block("ana", Some("7"), 600),
            block("bo", Some("7"), 600),
            block("cy", None, 60),
            block("gone", None, 600),
        ];
        let (running, steps) = reconcile(&blocks, &s, t(120));
        assert!(running.is_empty());
        let why: Vec<&str> = steps
            .iter()
            .map(|s| match s {
                Step::Dropped(_, why) => why.as_str(),
                Step::SetBack(_) => panic!("no write for {s:?}"),
            })
            .collect();
        assert!(why[0].contains("set back by someone else"), "{why:?}");
        assert!(why[1].contains("another reason (reason 9)"), "{why:?}");
        assert!(why[2].contains("already back"), "{why:?}");
        assert!(why[3].contains("no longer a teammate"), "{why:?}");
    }

    proptest! {
        /// Every block ends up exactly once: running, set back, or dropped; only blocks
        /// that are over and whose teammate is still away for them are set back.
        #[test]
        fn every_block_is_accounted_for_once(
            cases in proptest::collection::vec((any::<bool>(), 0u8..3, 0u8..3, 0i64..1200), 0..12),
            now in 0i64..1200,
        ) {
            let mut teammates = Vec::new();
            let mut blocks = Vec::new();
            for (n, (away, have, want, end)) in cases.iter().enumerate() {
                let id = format!("t{n}");
                let have = (*have > 0).then(|| have.to_string());
                let want = (*want > 0).then(|| want.to_string());
                teammates.push(mate(&id, *away, have.as_deref()));
                blocks.push(block(&id, want.as_deref(), *end));
            }
            let s = snapshot(teammates);
            let (running, steps) = reconcile(&blocks, &s, t(now));
            prop_assert_eq!(running.len() + steps.len(), blocks.len());
            for b in &running {
                prop_assert!(t(now) < b.end);
            }
            for step in &steps {
                if let Step::SetBack(b) = step {
                    let m = s.teammate(&b.teammate).unwrap();
                    prop_assert!(t(now) >= b.end && m.presence.is_away());
                }
            }
        }
    }
}
