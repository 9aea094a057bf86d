//! The co-pilot's keys: a reviewable rebalance plan (`r`), one-key away for an idle teammate
//! (`z`), away with their waiting conversations released (`Z`). Pure: they build overlays and plans; the writes go through the normal, audited path.

use super::{App, Confirm, Overlay, Pane};
use crate::domain::actions::{self, PresenceChange};
use crate::domain::rebalance::{self, Move};
use crate::domain::{PresenceStatus, Snapshot, TeammateId};

/// A proposed rebalance under review: the lead drops items with Space, applies with Enter.
#[derive(Debug, Clone, PartialEq)]
pub struct Rebalance {
    /// The proposed moves, most urgent first.
    pub moves: Vec<Move>,
    /// Per move: still in the plan.
    pub keep: Vec<bool>,
    /// Cursor.
    pub selected: usize,
    /// Teammates over their cap now: (who, load, cap).
    pub over_before: Vec<(TeammateId, u32, u32)>,
}

impl Rebalance {
    /// The kept moves.
    pub fn kept(&self) -> Vec<Move> {
        self.moves
            .iter()
            .zip(&self.keep)
            .filter(|(_, k)| **k)
            .map(|(m, _)| m.clone())
            .collect()
    }

    /// How many teammates are still over their cap after the kept moves. (A plan never
    /// pushes anyone over, so only those over now can be.)
    pub fn over_after(&self) -> usize {
        self.over_before
            .iter()
            .filter(|(who, load, cap)| {
                let moved_off = self
                    .moves
                    .iter()
                    .zip(&self.keep)
                    .filter(|(m, k)| **k && m.from.holder() == Some(who))
                    .count() as u32;
                load.saturating_sub(moved_off) > *cap
            })
            .count()
    }
}

impl App {
    /// `r`: proposes a rebalance of the current data for review.
    pub(super) fn open_rebalance(&mut self) {
        if let Some(reason) = &self.read_only {
            self.message = Some(format!("read-only: {reason}"));
            return;
        }
        let (Some(s), Some(m)) = (&self.snapshot, &self.metrics) else {
            self.message = Some("no data yet".into());
            return;
        };
        let moves = rebalance::plan(s, m, &self.policy);
        if moves.is_empty() {
            self.message = Some(
                "rebalance: nothing to move — nobody over cap, away or idle with customers waiting and a teammate free in the same inbox, no backlog with room to take it".into(),
            );
            return;
        }
        let over_before = m
            .teammates
            .iter()
            .filter(|t| t.over_cap)
            .filter_map(|t| Some((t.teammate.clone(), t.load, t.cap?.value)))
            .collect();
        self.overlay = Some(Overlay::Rebalance(Rebalance {
            keep: vec![true; moves.len()],
            moves,
            selected: 0,
            over_before,
        }));
    }

    /// Keys while reviewing a rebalance.
    pub(super) fn rebalance_key(&mut self, mut r: Rebalance, key: crossterm::event::KeyEvent) {
        use super::keymap::Action as A;
        use crossterm::event::KeyCode;
        let n = r.moves.len();
        match (key.code, self.keymap.action(&key)) {
            (KeyCode::Esc, _) | (_, Some(A::Back | A::Quit)) => {
                self.message = Some("rebalance cancelled".into());
                return;
            }
            (KeyCode::Enter | KeyCode::Char('y'), _) => {
                let kept = r.kept();
                let Some(s) = &self.snapshot else { return };
                let plan = rebalance::to_planned(s, &kept);
                if plan.is_empty() {
                    self.message = Some("rebalance: every move was dropped".into());
                    return;
                }
                let warnings = self
                    .metrics
                    .as_ref()
                    .map(|m| actions::warnings(s, m, &plan))
                    .unwrap_or_default();
                self.overlay = Some(Overlay::Confirm(Confirm {
                    title: format!(
                        "Rebalance: {} move{} · over cap {} → {}",
                        plan.len(),
                        if plan.len() == 1 { "" } else { "s" },
                        r.over_before.len(),
                        r.over_after()
                    ),
                    plan,
                    warnings,
                    undo: false,
                }));
                return;
            }
            (KeyCode::Char(' '), _) | (_, Some(A::Mark)) => {
                if let Some(k) = r.keep.get_mut(r.selected) {
                    *k = !*k;
                }
                r.selected = (r.selected + 1).min(n.saturating_sub(1));
            }
            (_, Some(A::Down)) => r.selected = (r.selected + 1).min(n.saturating_sub(1)),
            (_, Some(A::Up)) => r.selected = r.selected.saturating_sub(1),
            (_, Some(A::Top)) => r.selected = 0,
            (_, Some(A::Bottom)) => r.selected = n.saturating_sub(1),
            (_, Some(A::PageDown)) => r.selected = (r.selected + 10).min(n.saturating_sub(1)),
            (_, Some(A::PageUp)) => r.selected = r.selected.saturating_sub(10),
            _ => {}
        }
        self.overlay = Some(Overlay::Rebalance(r));
    }

    /// `z`: sets the selected idle teammate away with reassign, so they stop receiving
    /// conversations and their customers' replies go back to the inbox. Asks first.
    pub(super) fn idle_away(&mut self) {
        if let Some(reason) = &self.read_only {
            self.message = Some(format!("read-only: {reason}"));
            return;
        }
        let (Some(s), Some(m)) = (&self.snapshot, &self.metrics) else {
            return;
        };
        let Some(teammate) = self.one_teammate() else {
            self.message = Some("z: select an idle teammate (flagged z idle?) first".into());
            return;
        };
        let Some(tm) = m.teammate(&teammate) else {
            return;
        };
        if !tm.idle {
            self.message = Some("z: this teammate is not flagged idle; w sets anyone away".into());
            return;
        }
        let status = self.away_reassign_status();
        let change = PresenceChange {
            status,
            reason: None,
        };
        let Some(plan) = actions::plan_presence(s, &teammate, change) else {
            return;
        };
        let name = s.teammate(&teammate).map_or("?", |t| t.name.as_str());
        let idle_for = tm
            .last_reply
            .map(|r| crate::duration::short(m.at.duration_since(r)))
            .unwrap_or_else(|| "no reply seen".into());
        self.overlay = Some(Overlay::Confirm(Confirm {
            title: format!(
                "{name} looks idle (last reply {idle_for} ago, {} waiting): set away and reassign",
                tm.waiting
            ),
            plan: vec![plan],
            warnings: Vec::new(),
            undo: false,
        }));
    }
}

impl App {
    /// The one teammate a `z`/`Z` acts on: the drill-down's, or the one under the cursor.
    fn one_teammate(&self) -> Option<TeammateId> {
        match &self.view {
            super::View::Teammate(t) => Some(t.clone()),
            super::View::Main if self.focus == Pane::Teammates => {
                self.target_teammates().into_iter().next()
            }
            super::View::Inbox(_) if self.members_focus => {
                self.target_teammates().into_iter().next()
            }
            _ => None,
        }
    }

    /// Away with reassign where the backend has it, else plain away.
    fn away_reassign_status(&self) -> PresenceStatus {
        if self.capabilities.can_set(PresenceStatus::AwayReassign) {
            PresenceStatus::AwayReassign
        } else {
            PresenceStatus::Away
        }
    }

    /// `Z`: sets the selected teammate away (reassigning new replies where the backend can)
    /// and moves their waiting conversations to members of the same inboxes with room, in one
    /// confirmation listing every write.
    pub(super) fn away_release(&mut self) {
        if let Some(reason) = &self.read_only {
            self.message = Some(format!("read-only: {reason}"));
            return;
        }
        let (Some(s), Some(m)) = (&self.snapshot, &self.metrics) else {
            self.message = Some("no data yet".into());
            return;
        };
        let Some(teammate) = self.one_teammate() else {
            self.message = Some("Z: select a teammate first".into());
            return;
        };
        let Some(t) = s.teammate(&teammate) else {
            return;
        };
        let status = self.away_reassign_status();
        let mut plan = Vec::new();
        if !t.presence.is_away() {
            let change = PresenceChange {
                status,
                reason: None,
            };
            plan.extend(actions::plan_presence(s, &teammate, change));
        }
        let moves = rebalance::release(s, m, &self.policy, &teammate);
        plan.extend(rebalance::to_planned(s, &moves));
        let waiting = s
            .conversations
            .iter()
            .filter(|c| c.assignee.as_ref() == Some(&teammate))
            .filter(|c| c.state.waiting_on_us() && c.waiting_since.is_some())
            .count();
        if plan.is_empty() {
            self.message = Some(format!(
                "Z: {} is already away and none of their {waiting} waiting conversation(s) can move: no member of the inbox has room",
                t.name
            ));
            return;
        }
        let mut warnings = actions::warnings(s, m, &plan);
        let stay = waiting.saturating_sub(moves.len());
        if stay > 0 {
            warnings.push(format!(
                "{stay} waiting conversation(s) stay with {}: no member of the inbox has room",
                t.name
            ));
        }
        let how = if t.presence.is_away() {
            "already away: release"
        } else {
            "set away and release"
        };
        self.overlay = Some(Overlay::Confirm(Confirm {
            title: format!(
                "{}: {how} {} of {waiting} waiting conversation(s)",
                t.name,
                moves.len()
            ),
            plan,
            warnings,
            undo: false,
        }));
    }
}

/// Lengths of block on offer, in minutes.
const BLOCK_MINUTES: [i64; 5] = [15, 30, 60, 90, 120];

impl App {
    /// `b`: a picker of block lengths and reasons for the target teammates; on a teammate
    /// with a block running, offers to end it now.
    pub(super) fn open_block(&mut self) {
        use super::{Choice, PickItem, Picker};
        if let Some(reason) = &self.read_only {
            self.message = Some(format!("read-only: {reason}"));
            return;
        }
        let teammates = self.target_teammates();
        let Some(s) = &self.snapshot else { return };
        if teammates.is_empty() {
            self.message = Some("b: select a teammate first".into());
            return;
        }
        let running: Vec<TeammateId> = teammates
            .iter()
            .filter(|t| self.blocks.iter().any(|b| &b.teammate == *t))
            .cloned()
            .collect();
        if !running.is_empty() && self.blocks_shared {
            // The team's blocks end through the relay's compare-and-set (one winner, whoever
            // races it); the status line says how it went.
            self.message = Some(format!(
                "ending the block of {} (the relay sets them back)…",
                self.names_of(&running)
            ));
            self.starting_blocks
                .retain(|b| !running.contains(&b.teammate));
            self.effects.push(super::Effect::EndSharedBlocks(running));
            return;
        }
        if !running.is_empty() {
            let back = PresenceChange::online();
            let plan: Vec<_> = running
                .iter()
                .filter_map(|t| actions::plan_presence(s, t, back.clone()))
                .collect();
            self.blocks.retain(|b| !running.contains(&b.teammate));
            self.effects
                .push(super::Effect::SaveBlocks(self.blocks.clone()));
            self.overlay = Some(Overlay::Confirm(Confirm {
                title: format!("End the block now and set {} back", self.names_of(&running)),
                plan,
                warnings: Vec::new(),
                undo: false,
            }));
            return;
        }
        let reasons: Vec<(Option<crate::domain::AwayReasonId>, String)> =
            super::actions::reason_choices(s)
                .chain(std::iter::once((None, "Off the queue".to_owned())))
                .collect();
        let mut items = Vec::new();
        for (id, label) in &reasons {
            for minutes in BLOCK_MINUTES {
                items.push(PickItem {
                    label: format!(
                        "{} · {label}",
                        crate::duration::short(jiff::SignedDuration::from_mins(minutes))
                    ),
                    detail: "away, back when it ends".into(),
                    choice: Choice::Block {
                        minutes,
                        reason: id.clone(),
                        label: label.clone(),
                    },
                });
            }
        }
        let who = self.names_of(&teammates);
        self.overlay = Some(Overlay::Picker(Picker {
            title: if self.blocks_shared {
                format!("Block {who} off the queue (the relay sets them back) for…")
            } else {
                format!("Block {who} off the queue (set back only while this dashboard runs) for…")
            },
            items,
            query: String::new(),
            selected: 0,
            conversations: Vec::new(),
            teammates,
        }));
    }

    /// Turns confirmed away writes that were asked for as blocks into running blocks.
    pub(super) fn start_blocks(&mut self, reports: &[actions::Report], now: jiff::Timestamp) {
        if self.pending_blocks.is_empty() {
            return;
        }
        let mut changed = false;
        for r in reports {
            let actions::Write::SetPresence { teammate, change } = &r.planned.write else {
                continue;
            };
            let Some(at) = self.pending_blocks.iter().position(|(t, ..)| t == teammate) else {
                continue;
            };
            let (t, minutes, reason, label) = self.pending_blocks.remove(at);
            if !change.status.is_away() || !matches!(r.outcome, actions::Outcome::Applied { .. }) {
                continue;
            }
            let name = self
                .snapshot
                .as_ref()
                .and_then(|s| s.teammate(&t))
                .map_or_else(|| t.to_string(), |x| x.name.clone());
            let block = crate::domain::blocks::Block {
                teammate: t.clone(),
                name,
                reason,
                label,
                start: now,
                end: now
                    .checked_add(jiff::SignedDuration::from_mins(minutes))
                    .unwrap_or(now),
                by: None,
            };
            self.blocks.retain(|b| b.teammate != t);
            if self.blocks_shared {
                // Shown at once; the team's copy replaces it when the watch brings it.
                self.blocks.push(block.clone());
                self.starting_blocks.retain(|b| b.teammate != t);
                self.starting_blocks.push(block.clone());
                self.effects.push(super::Effect::StartSharedBlock(block));
                continue;
            }
            self.blocks.push(block);
            changed = true;
        }
        if changed {
            self.effects
                .push(super::Effect::SaveBlocks(self.blocks.clone()));
        }
    }

    /// The team's blocks as the write relay holds them now (team mode; see
    /// [`App::blocks_shared`]); redraws only when they changed.
    pub fn on_shared_blocks(&mut self, mut blocks: Vec<crate::domain::blocks::Block>) {
        self.blocks_shared = true;
        // A block this dashboard started shows until the team's copy has one for its
        // teammate (or the relay refused it: [`App::on_block_not_started`]).
        self.starting_blocks
            .retain(|s| !blocks.iter().any(|b| b.teammate == s.teammate));
        blocks.extend(self.starting_blocks.iter().cloned());
        if self.blocks != blocks {
            self.blocks = blocks;
            self.dirty = true;
        }
    }

    /// The relay did not start `teammate`'s block (`why`, for the status line): it is not
    /// shown as running.
    pub fn on_block_not_started(&mut self, teammate: &TeammateId, why: String) {
        self.starting_blocks.retain(|b| &b.teammate != teammate);
        self.blocks
            .retain(|b| &b.teammate != teammate || b.by.is_some());
        self.message = Some(why);
        self.dirty = true;
    }

    /// On every poll: blocks that are over set their teammate back; blocks someone else
    /// overrode are dropped (and the status line says so).
    pub(super) fn reconcile_blocks(&mut self, snapshot: &Snapshot, now: jiff::Timestamp) {
        use crate::domain::blocks::{Step, reconcile};
        if self.blocks.is_empty() || self.blocks_shared {
            // The team's blocks are ended by the relay, on time, with no dashboard running.
            return;
        }
        let (running, steps) = reconcile(&self.blocks, snapshot, now);
        if steps.is_empty() {
            return;
        }
        self.blocks = running;
        let back = PresenceChange::online();
        let mut plan = Vec::new();
        let mut notes = Vec::new();
        for step in steps {
            match step {
                Step::SetBack(b) => {
                    if let Some(mut p) = actions::plan_presence(snapshot, &b.teammate, back.clone())
                    {
                        p.label = format!("block over: set {} back", b.name);
                        plan.push(p);
                    }
                }
                Step::Dropped(_, why) => notes.push(why),
            }
        }
        self.effects
            .push(super::Effect::SaveBlocks(self.blocks.clone()));
        if self.read_only.is_none() && !plan.is_empty() {
            self.run(plan, false);
        }
        if !notes.is_empty() {
            self.message = Some(notes.join("; "));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Effect, SyncMsg, View};
    use crate::domain::blocks::Block;
    use crate::domain::{Policy, PresenceStatus, fixture};
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use std::time::Duration;

    /// An app holding one away teammate whose block (started by alice) is over at `t0`.
    fn app_with_block(shared: bool) -> (App, Snapshot, Block) {
        let now = fixture::t0();
        let mut s = fixture::snapshot(now);
        let mut ana = fixture::teammate("7");
        ana.presence = fixture::presence(PresenceStatus::Away);
        s.teammates = vec![ana].into();
        let mut app = App::new(Policy::default(), Duration::from_secs(5), false);
        app.on_sync(
            SyncMsg::Snapshot {
                snapshot: Box::new(s.clone()),
                delta: None,
                took: Duration::ZERO,
                budget: Default::default(),
                capabilities: Box::new(fixture::capabilities()),
            },
            now,
        );
        let block = Block {
            teammate: TeammateId("7".into()),
            name: "7".into(),
            reason: None,
            label: "Training".into(),
            start: now - jiff::SignedDuration::from_mins(15),
            end: now - jiff::SignedDuration::from_secs(1),
            by: shared.then(|| "alice".to_owned()),
        };
        if shared {
            app.on_shared_blocks(vec![block.clone()]);
        } else {
            app.blocks = vec![block.clone()];
        }
        app.take_effects();
        (app, s, block)
    }

    #[test]
    fn a_solo_dashboard_ends_its_blocks_a_team_one_leaves_them_to_the_relay() {
        let (mut solo, s, _) = app_with_block(false);
        solo.reconcile_blocks(&s, fixture::t0());
        let effects = solo.take_effects();
        assert!(effects.iter().any(|e| matches!(e, Effect::SaveBlocks(_))));
        assert!(solo.blocks.is_empty());

        let (mut team, s, block) = app_with_block(true);
        assert!(team.blocks_shared);
        team.reconcile_blocks(&s, fixture::t0());
        assert_eq!(team.take_effects(), Vec::new(), "a team dashboard wrote");
        assert_eq!(team.blocks, vec![block.clone()]);
        // `b` on the blocked teammate asks the relay to end it; nothing is saved locally.
        team.view = View::Teammate(block.teammate.clone());
        team.on_key(KeyEvent::new(KeyCode::Char('b'), KeyModifiers::NONE));
        assert_eq!(
            team.take_effects(),
            vec![Effect::EndSharedBlocks(vec![block.teammate.clone()])]
        );
        assert!(team.overlay.is_none());
        // The relay ends blocks without this dashboard: quitting asks nothing.
        team.view = View::Main;
        team.on_key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE));
        assert!(team.quit, "{:?}", team.message);
        // The watch's next answer replaces the blocks; an unchanged one does not redraw.
        team.dirty = false;
        team.on_shared_blocks(vec![block]);
        assert!(!team.dirty);
        team.on_shared_blocks(Vec::new());
        assert!(team.dirty && team.blocks.is_empty());
    }

    #[test]
    fn a_team_block_just_started_shows_until_the_watch_brings_it_or_the_relay_refuses() {
        let (mut team, _, theirs) = app_with_block(true);
        let mine = Block {
            teammate: TeammateId("8".into()),
            name: "8".into(),
            by: None,
            ..theirs.clone()
        };
        team.blocks.push(mine.clone());
        team.starting_blocks.push(mine.clone());
        // The watch has not brought it yet: still shown.
        team.on_shared_blocks(vec![theirs.clone()]);
        assert_eq!(team.blocks, vec![theirs.clone(), mine.clone()]);
        // The team's copy arrives: it replaces the local one.
        let copy = Block {
            by: Some("alice".into()),
            ..mine.clone()
        };
        team.on_shared_blocks(vec![theirs.clone(), copy.clone()]);
        assert!(team.starting_blocks.is_empty());
        assert_eq!(team.blocks, vec![theirs.clone(), copy]);
        // Another start the relay refuses: gone, and the status line says why.
        team.blocks.push(mine.clone());
        team.starting_blocks.push(mine.clone());
        team.on_block_not_started(&mine.teammate, "refused".into());
        assert!(team.starting_blocks.is_empty());
        assert!(!team.blocks.iter().any(|b| b.by.is_none()));
        assert_eq!(team.message.as_deref(), Some("refused"));
    }
}
