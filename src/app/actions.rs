//! The lead's writes from the keyboard: marking rows, pickers, confirmation, pending rows,
//! results, undo and the audit view. Pure: keys produce [`Effect`]s the loop carries out.

use super::{App, Pane, View};
use crate::audit::Entry;
use crate::domain::actions::{
    self, AssignTarget, MemberChange, Outcome, Planned, PresenceChange, Report, State, Write,
};
use crate::domain::{self, ConversationId, InboxId, Level, PresenceStatus, TeammateId};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use std::collections::HashSet;

/// Something the loop must do for the app.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Run these writes (`undo` marks them as an undo in the audit log).
    Run {
        /// The writes.
        plan: Vec<Planned>,
        /// Made by undo.
        undo: bool,
    },
    /// Load the recent audit log.
    LoadAudit,
    /// Write the shift handoff to a file.
    Handoff,
    /// Ring the bell / raise a desktop notification.
    Alert(domain::alerts::Alert),
    /// Persist the off-queue blocks (they outlive a restart).
    SaveBlocks(Vec<domain::blocks::Block>),
    /// Read a conversation's customer and latest parts (the conversation view).
    LoadConversation(domain::ConversationId),
    /// Write this escape sequence (OSC 52: set the clipboard) to the terminal between frames.
    Clipboard(String),
    /// Start this program (a browser) on a link, without waiting and with no terminal I/O.
    OpenLink {
        /// The program.
        program: String,
        /// Its arguments, the link among them.
        args: Vec<String>,
    },
    /// Read the shift's history for `:trends` over this window.
    LoadTrends(crate::history::Window),
    /// Start this block where the team keeps its blocks ([`App::blocks_shared`]).
    StartSharedBlock(domain::blocks::Block),
    /// End these teammates' shared blocks now (one winner per block, whoever races it).
    EndSharedBlocks(Vec<TeammateId>),
}

/// What a picker choice does.
#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    /// Assign the conversations to this target.
    Assign(AssignTarget),
    /// Change the teammates' membership of an inbox.
    Membership(domain::InboxId, MemberChange),
    /// Set the teammates away like this.
    Away(PresenceChange),
    /// Move the teammates (those in `from`) to `to` at `level`: add, confirm, then remove.
    Move {
        /// The inbox they leave.
        from: domain::InboxId,
        /// The inbox they join.
        to: domain::InboxId,
        /// Their level there.
        level: Level,
    },
    /// Not offered; choosing it says why.
    Explain(String),
    /// Take the teammates off the queue for a block of minutes with this reason.
    Block {
        /// Length of the block.
        minutes: i64,
        /// The away reason.
        reason: Option<domain::AwayReasonId>,
        /// Its text.
        label: String,
    },
}

/// One entry of a picker.
#[derive(Debug, Clone, PartialEq)]
pub struct PickItem {
    /// Main text (matched by the filter).
    pub label: String,
    /// Secondary text: load/cap, away state, current level.
    pub detail: String,
    /// What choosing it does.
    pub choice: Choice,
}

/// A fuzzy-filtered list to choose a target from.
#[derive(Debug, Clone, PartialEq)]
pub struct Picker {
    /// Title, e.g. "Assign 3 conversations to…".
    pub title: String,
    /// Everything on offer.
    pub items: Vec<PickItem>,
    /// Typed filter.
    pub query: String,
    /// Selected row among the visible ones.
    pub selected: usize,
    /// Conversations the choice applies to.
    pub conversations: Vec<ConversationId>,
    /// Teammates the choice applies to.
    pub teammates: Vec<TeammateId>,
}

impl Picker {
    /// Indices of the items matching the query, best first (all, in order, when empty).
    pub fn visible(&self) -> Vec<usize> {
        if self.query.trim().is_empty() {
            return (0..self.items.len()).collect();
        }
        let mut matcher = Matcher::new(Config::DEFAULT);
        let pattern = Pattern::parse(&self.query, CaseMatching::Ignore, Normalization::Smart);
        let mut buf = Vec::new();
        let mut scored: Vec<(u32, usize)> = self
            .items
            .iter()
            .enumerate()
            .filter_map(|(n, item)| {
                let hay = Utf32Str::new(&item.label, &mut buf);
                pattern.score(hay, &mut matcher).map(|s| (s, n))
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.into_iter().map(|(_, n)| n).collect()
    }
}

/// The audit view: its entries, the one under the cursor and whether it is opened.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditView {
    /// The entries as read, oldest first (shown newest first).
    pub entries: Vec<Entry>,
    /// The cursor, counted from the newest entry.
    pub selected: usize,
    /// The selected entry is shown whole (Enter opens, Esc goes back to the list).
    pub open: bool,
}

impl AuditView {
    /// A view of `entries` (oldest first) with the cursor on the newest.
    pub fn new(entries: Vec<Entry>) -> AuditView {
        AuditView {
            entries,
            selected: 0,
            open: false,
        }
    }

    /// The entry `n` places from the newest.
    pub fn newest(&self, n: usize) -> Option<&Entry> {
        self.entries
            .len()
            .checked_sub(n + 1)
            .map(|i| &self.entries[i])
    }

    /// Moves the cursor by `delta` (positive: towards older entries), staying in the list.
    pub fn move_by(&mut self, delta: isize) {
        let last = self.entries.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }
}

/// A write's result as the status line and history say it: the verdict first ("applied",
/// "not applied", "partly applied", "may have applied — re-read"), so that a line cut at the
/// screen's edge never hides how it went.
pub fn report_line(r: &Report) -> String {
    let label = &r.planned.label;
    match &r.outcome {
        Outcome::Applied { .. } => format!("✓ applied: {label}"),
        Outcome::Conflict { .. } => {
            format!("✗ not applied — conflict: {label}: it changed since it was shown; look again")
        }
        Outcome::NotApplied { error } => format!("✗ not applied: {label}: {error}"),
        Outcome::PartlyApplied { error, .. } => {
            format!("⚠ partly applied: {label} ({error}); the screen shows what landed")
        }
        Outcome::Unknown { error } => {
            format!("? may have applied — re-read: {label} ({error}); check before retrying")
        }
    }
}

/// The status line of a bulk write: its verdicts first, then every failure grouped by
/// reason with what it was for (`name` of each write), e.g. "✗ not applied: 3 of 10 — 2
/// conflict (Ana, Ben), 1 forbidden (Cy) · ✓ applied: 7". Each write's own line goes to the
/// message history.
pub fn bulk_summary(reports: &[Report], name: impl Fn(&Report) -> String) -> String {
    let n = reports.len();
    // (reason, names) in the order first seen, per verdict.
    type Groups = Vec<(String, Vec<String>)>;
    let (mut not, mut unknown, mut partly): (Groups, Groups, Groups) = Default::default();
    let mut applied = 0;
    for r in reports {
        let (groups, reason) = match &r.outcome {
            Outcome::Applied { .. } => {
                applied += 1;
                continue;
            }
            Outcome::Conflict { .. } => (&mut not, "conflict".to_owned()),
            Outcome::NotApplied { error } => (&mut not, error.clone()),
            Outcome::Unknown { error } => (&mut unknown, error.clone()),
            Outcome::PartlyApplied { error, .. } => (&mut partly, error.clone()),
        };
        match groups.iter_mut().find(|(why, _)| *why == reason) {
            Some((_, names)) => names.push(name(r)),
            None => groups.push((reason, vec![name(r)])),
        }
    }
    if applied == n {
        return format!("✓ applied: all {n} writes");
    }
    let listed = |groups: &Groups| -> (usize, String) {
        let count = groups.iter().map(|(_, names)| names.len()).sum();
        let text = groups
            .iter()
            .map(|(why, names)| format!("{} {why} ({})", names.len(), names.join(", ")))
            .collect::<Vec<_>>()
            .join(", ");
        (count, text)
    };
    let mut parts = Vec::new();
    for (symbol, verdict, groups) in [
        ("✗", "not applied", &not),
        ("?", "may have applied — re-read", &unknown),
        ("⚠", "partly applied", &partly),
    ] {
        if !groups.is_empty() {
            let (count, text) = listed(groups);
            parts.push(format!("{symbol} {verdict}: {count} of {n} — {text}"));
        }
    }
    if applied > 0 {
        parts.push(format!("✓ applied: {applied}"));
    }
    parts.join(" · ")
}

/// A plan waiting for the lead's yes.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    /// Title.
    pub title: String,
    /// The writes, one line each.
    pub plan: Vec<Planned>,
    /// Things to know first (over cap, away, …).
    pub warnings: Vec<String>,
    /// Made by undo.
    pub undo: bool,
}

/// An overlay over the current view.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    /// Choosing a target.
    Picker(Picker),
    /// Confirming a plan.
    Confirm(Confirm),
    /// The recent audit log.
    Audit(AuditView),
    /// The message history, scrolled this many lines back from the newest.
    Messages(usize),
    /// A proposed rebalance under review.
    Rebalance(super::Rebalance),
}

/// The away reasons a lead may choose (not deleted), labelled with their emoji.
pub(super) fn reason_choices(
    s: &domain::Snapshot,
) -> impl Iterator<Item = (Option<domain::AwayReasonId>, String)> + '_ {
    s.away_reasons.iter().filter(|r| !r.deleted).map(|r| {
        let emoji = r
            .emoji
            .as_deref()
            .map(|e| format!("{e} "))
            .unwrap_or_default();
        (Some(r.id.clone()), format!("{emoji}{}", r.label))
    })
}

impl App {
    /// The conversations a write applies to: the marked ones, else the selected one.
    pub fn target_conversations(&self) -> Vec<ConversationId> {
        if !self.marked.is_empty() {
            let mut v: Vec<ConversationId> = self.marked.iter().cloned().collect();
            v.sort();
            return v;
        }
        self.selected_conversation().into_iter().collect()
    }

    /// The conversation under the cursor (SLA pane or a drill-down list).
    pub fn selected_conversation(&self) -> Option<ConversationId> {
        match self.view {
            View::Main if self.focus == Pane::Sla => {
                let m = self.metrics.as_ref()?;
                let rows = self.rows(Pane::Sla);
                let n = rows.get(self.selected[2])?;
                Some(m.sla_queue.get(n)?.conversation.clone())
            }
            View::Main => None,
            View::Inbox(_) if self.members_focus => None,
            _ => self
                .detail_rows()
                .get(self.detail_selected)
                .map(|r| r.conversation.id.clone()),
        }
    }

    /// The teammates a write applies to: the marked ones, else the selected one.
    pub fn target_teammates(&self) -> Vec<TeammateId> {
        if !self.marked_mates.is_empty() {
            let mut v: Vec<TeammateId> = self.marked_mates.iter().cloned().collect();
            v.sort();
            return v;
        }
        let s = self.snapshot.as_ref();
        match &self.view {
            View::Teammate(id) => vec![id.clone()],
            View::Inbox(_) if self.members_focus => self
                .detail_members()
                .get(self.member_selected)
                .cloned()
                .into_iter()
                .collect(),
            View::Main if self.focus == Pane::Teammates => {
                let rows = self.rows(Pane::Teammates);
                rows.get(self.selected[1])
                    .and_then(|n| s.map(|s| s.teammates[n].id.clone()))
                    .into_iter()
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// Space: mark or unmark the row under the cursor.
    pub(super) fn toggle_mark(&mut self) {
        if self.view == View::Main && self.focus == Pane::Teammates {
            if let Some(t) = self.target_teammates_unmarked()
                && !self.marked_mates.remove(&t)
            {
                self.marked_mates.insert(t);
            }
        } else if let Some(c) = self.selected_conversation()
            && !self.marked.remove(&c)
        {
            self.marked.insert(c);
        }
        self.move_down_one();
    }

    /// `*`: mark every row of the list shown (teammates, or conversations); if all are
    /// marked already, clear them.
    pub(super) fn mark_all(&mut self) {
        let Some(s) = &self.snapshot else { return };
        if self.view == View::Main && self.focus == Pane::Teammates {
            let all: HashSet<TeammateId> = self
                .rows(Pane::Teammates)
                .iter()
                .filter_map(|n| s.teammates.get(n).map(|t| t.id.clone()))
                .collect();
            self.marked_mates = if all.is_subset(&self.marked_mates) {
                HashSet::new()
            } else {
                all
            };
            return;
        }
        let all: HashSet<ConversationId> = match self.view {
            View::Main if self.focus == Pane::Sla => {
                let Some(m) = &self.metrics else { return };
                self.rows(Pane::Sla)
                    .iter()
                    .filter_map(|n| m.sla_queue.get(n).map(|u| u.conversation.clone()))
                    .collect()
            }
            View::Main => return,
            _ => self
                .detail_rows()
                .iter()
                .map(|r| r.conversation.id.clone())
                .collect(),
        };
        self.marked = if all.is_subset(&self.marked) {
            HashSet::new()
        } else {
            all
        };
    }

    fn target_teammates_unmarked(&self) -> Option<TeammateId> {
        let rows = self.rows(Pane::Teammates);
        let s = self.snapshot.as_ref()?;
        rows.get(self.selected[1])
            .map(|n| s.teammates[n].id.clone())
    }

    fn writes_blocked(&mut self, capability: &crate::domain::capabilities::Write) -> bool {
        if let Some(reason) = &self.read_only {
            self.message = Some(format!("read-only: {reason}"));
            return true;
        }
        if let crate::domain::capabilities::Write::Unavailable(reason) = capability {
            self.message = Some(format!("unavailable: {reason}"));
            return true;
        }
        false
    }

    /// `a`: pick where the target conversations go.
    pub(super) fn open_assign_picker(&mut self) {
        if self.writes_blocked(&self.capabilities.assign.clone()) {
            return;
        }
        let conversations = self.target_conversations();
        let (Some(s), Some(m)) = (&self.snapshot, &self.metrics) else {
            return;
        };
        if conversations.is_empty() {
            self.message = Some("select a conversation (SLA pane or a drill-down) first".into());
            return;
        }
        // Most relevant first: members of the conversations' inbox with room, then other
        // members, then everyone else; away or seatless teammates last; unassign at the end.
        let inboxes: Vec<&InboxId> = conversations
            .iter()
            .filter_map(|c| s.conversation(c)?.inbox.as_ref())
            .collect();
        let levels = self.capabilities.has_levels();
        let mut ranked: Vec<(u8, &domain::Teammate, String)> = s
            .teammates
            .iter()
            .map(|t| {
                let f = m.teammate(&t.id);
                let load = f.map_or(0, |f| f.load);
                let cap = t.cap.map_or_else(|| "?".into(), |c| c.value.to_string());
                let level = inboxes.iter().find_map(|i| {
                    s.inbox(i)
                        .and_then(|inbox| inbox.level_of(&t.id))
                        .map(|l| (inbox_label(s, i), l))
                });
                let mut detail = format!("{load}/{cap}");
                match &level {
                    Some((name, l)) if levels => detail.push_str(&format!("  {l} in {name}")),
                    Some((name, _)) => detail.push_str(&format!("  member of {name}")),
                    // Where the assignee must be a member, the conversation goes along.
                    None if self.capabilities.assignee_in_inbox && !inboxes.is_empty() => {
                        if let Some(d) = t.default_inbox.as_ref() {
                            detail.push_str(&format!("  → {}", inbox_label(s, d)));
                        }
                    }
                    None => {}
                }
                let rank = if t.presence.is_away() {
                    detail.push_str("  AWAY");
                    3
                } else if !t.has_inbox_seat {
                    detail.push_str("  no seat");
                    3
                } else if f.is_some_and(|f| f.over_cap) {
                    detail.push_str("  over cap");
                    u8::from(level.is_none()) + 1
                } else if f.is_some_and(|f| f.has_capacity) {
                    detail.push_str("  spare");
                    if level.is_some() { 0 } else { 2 }
                } else if level.is_some() {
                    1
                } else {
                    2
                };
                (rank, t, detail)
            })
            .collect();
        ranked.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)));
        let mut items: Vec<PickItem> = ranked
            .into_iter()
            .map(|(_, t, detail)| PickItem {
                label: t.name.clone(),
                detail,
                choice: Choice::Assign(AssignTarget::Teammate(t.id.clone())),
            })
            .collect();
        for i in &s.inboxes {
            let open = m.inbox(&i.id).map_or(0, |f| f.open);
            items.push(PickItem {
                label: format!("Inbox: {}", i.name),
                detail: format!("{open} open"),
                choice: Choice::Assign(AssignTarget::Inbox(i.id.clone())),
            });
        }
        items.push(PickItem {
            label: "Unassign (no teammate)".into(),
            detail: "back to its inbox's queue; asks first".into(),
            choice: Choice::Assign(AssignTarget::UnassignTeammate),
        });
        let n = conversations.len();
        let marked = if self.marked.is_empty() {
            ""
        } else {
            " marked"
        };
        self.overlay = Some(super::actions::Overlay::Picker(Picker {
            title: format!(
                "Assign {n}{marked} conversation{} to…",
                if n == 1 { "" } else { "s" }
            ),
            items,
            query: String::new(),
            selected: 0,
            conversations,
            teammates: Vec::new(),
        }));
    }

    /// `m`: pick an inbox membership change for the target teammates.
    pub(super) fn open_membership_picker(&mut self) {
        if self.writes_blocked(&self.capabilities.membership.clone()) {
            return;
        }
        let teammates = self.target_teammates();
        let Some(s) = &self.snapshot else { return };
        if teammates.is_empty() {
            self.message = Some(self.select_a_teammate());
            return;
        }
        let mut items = Vec::new();
        let has_levels = self.capabilities.has_levels();
        let can_default = matches!(
            self.capabilities.default_inbox,
            crate::domain::capabilities::Write::Available
        );
        for i in &s.inboxes {
            let levels: Vec<Option<Level>> = teammates.iter().map(|t| i.level_of(t)).collect();
            let is_default = |t: &TeammateId| {
                s.teammate(t)
                    .is_some_and(|x| x.default_inbox.as_ref() == Some(&i.id))
            };
            let now = if teammates.len() == 1 {
                let default = if is_default(&teammates[0]) {
                    " (default)"
                } else {
                    ""
                };
                match levels[0] {
                    None => "not a member".into(),
                    Some(l) if has_levels => format!("now {l}{default}"),
                    Some(_) => format!("now a member{default}"),
                }
            } else {
                format!(
                    "{} of {} are members",
                    levels.iter().flatten().count(),
                    teammates.len()
                )
            };
            let secondary_ok = self.capabilities.has_levels() && i.secondary_unavailable.is_none();
            for (label, change) in [
                ("primary", MemberChange::Set(Level::Primary)),
                ("secondary", MemberChange::Set(Level::Secondary)),
                ("remove", MemberChange::Remove),
            ] {
                if label == "secondary" && !secondary_ok {
                    // Say why instead of leaving it out.
                    if let Some(why) = &i.secondary_unavailable
                        && self.capabilities.has_levels()
                    {
                        items.push(PickItem {
                            label: format!("{}: make secondary", i.name),
                            detail: format!("not offered: {why}"),
                            choice: Choice::Explain(format!(
                                "{}: secondary is not offered — {why}",
                                i.name
                            )),
                        });
                    }
                    continue;
                }
                let useful = match change {
                    MemberChange::Set(l) => levels.iter().any(|x| *x != Some(l)),
                    MemberChange::Remove => levels.iter().any(Option::is_some),
                    MemberChange::MakeDefault => false,
                };
                if !useful {
                    continue;
                }
                let text = match change {
                    MemberChange::Remove => format!("{}: remove", i.name),
                    // Without levels a member is a member: "add", not "make primary".
                    _ if !has_levels => format!("{}: add", i.name),
                    _ => format!("{}: make {label}", i.name),
                };
                items.push(PickItem {
                    label: text,
                    detail: now.clone(),
                    choice: Choice::Membership(i.id.clone(), change),
                });
            }
            // The default inbox (where the backend has one): for members it is not yet.
            if can_default
                && teammates
                    .iter()
                    .zip(&levels)
                    .any(|(t, l)| l.is_some() && !is_default(t))
                && teammates.iter().zip(&levels).all(|(_, l)| l.is_some())
            {
                items.push(PickItem {
                    label: format!("{}: make default", i.name),
                    detail: now.clone(),
                    choice: Choice::Membership(i.id.clone(), MemberChange::MakeDefault),
                });
            }
        }
        // Moves: from each inbox a target teammate is in, to each inbox they are not in.
        for from in &s.inboxes {
            if !teammates.iter().any(|t| from.level_of(t).is_some()) {
                continue;
            }
            for to in s.inboxes.iter().filter(|to| to.id != from.id) {
                if teammates
                    .iter()
                    .all(|t| from.level_of(t).is_none() || to.level_of(t).is_some())
                {
                    continue;
                }
                items.push(PickItem {
                    label: format!("move from {} to {}", from.name, to.name),
                    detail: "add, confirm, then remove".into(),
                    choice: Choice::Move {
                        from: from.id.clone(),
                        to: to.id.clone(),
                        level: Level::Primary,
                    },
                });
            }
        }
        let who = self.names_of(&teammates);
        self.overlay = Some(Overlay::Picker(Picker {
            title: format!("Inbox membership of {who}…"),
            items,
            query: String::new(),
            selected: 0,
            conversations: Vec::new(),
            teammates,
        }));
    }

    /// `w`: set the target teammates away (pick a reason) or, if all are away, back.
    pub(super) fn open_away(&mut self) {
        if self.writes_blocked(&self.capabilities.set_away.clone()) {
            return;
        }
        let teammates = self.target_teammates();
        let Some(s) = &self.snapshot else { return };
        if teammates.is_empty() {
            self.message = Some(self.select_a_teammate());
            return;
        }
        let all_away = teammates
            .iter()
            .all(|t| s.teammate(t).is_some_and(|x| x.presence.is_away()));
        if all_away {
            let change = PresenceChange::online();
            let plan: Vec<Planned> = teammates
                .iter()
                .filter_map(|t| actions::plan_presence(s, t, change.clone()))
                .collect();
            let title = format!("Set {} back", self.names_of(&teammates));
            self.propose(title, plan);
            return;
        }
        let mut items = Vec::new();
        let reasons: Vec<(Option<domain::AwayReasonId>, String)> =
            std::iter::once((None, "Away (no reason)".to_owned()))
                .chain(reason_choices(s))
                .collect();
        let statuses: Vec<PresenceStatus> = self
            .capabilities
            .presence
            .iter()
            .copied()
            .filter(|s| s.is_away())
            .collect();
        for status in statuses {
            let (suffix, detail) = match status {
                PresenceStatus::AwayReassign => (" · reassign new replies", "away-and-reassign"),
                PresenceStatus::TransfersOnly => (" · transfers only", "transfers only"),
                PresenceStatus::Offline => (" · offline", "offline"),
                _ => ("", ""),
            };
            for (id, label) in &reasons {
                items.push(PickItem {
                    label: format!("{label}{suffix}"),
                    detail: detail.into(),
                    choice: Choice::Away(PresenceChange {
                        status,
                        reason: id.clone(),
                    }),
                });
            }
        }
        let who = self.names_of(&teammates);
        self.overlay = Some(Overlay::Picker(Picker {
            title: format!("Set {who} away…"),
            items,
            query: String::new(),
            selected: 0,
            conversations: Vec::new(),
            teammates,
        }));
    }

    /// What to say when a teammate action has no teammate to act on.
    fn select_a_teammate(&self) -> String {
        if matches!(self.view, View::Inbox(_)) {
            "select a teammate first: Tab moves to the inbox's members".into()
        } else {
            "select a teammate first".into()
        }
    }

    /// Who a write covers, in words: marked rows are named as such, so a confirmation never
    /// hides that it acts on marks rather than the highlighted row.
    pub(super) fn names_of(&self, teammates: &[TeammateId]) -> String {
        let Some(s) = &self.snapshot else {
            return String::new();
        };
        let name = |id: &TeammateId| {
            s.teammate(id)
                .map_or_else(|| id.to_string(), |t| t.name.clone())
        };
        let marked = !self.marked_mates.is_empty();
        match teammates {
            [one] if marked => format!("{} (marked)", name(one)),
            [one] => name(one),
            [a, b] if marked => format!("2 marked teammates ({}, {})", name(a), name(b)),
            [a, b, c] if marked => {
                format!("3 marked teammates ({}, {}, {})", name(a), name(b), name(c))
            }
            many if marked => format!("{} marked teammates", many.len()),
            many => format!("{} teammates", many.len()),
        }
    }

    /// The picker's choice → a plan to confirm.
    pub(super) fn choose(&mut self, picker: &Picker, item: &PickItem) {
        let (Some(s), Some(_)) = (&self.snapshot, &self.metrics) else {
            return;
        };
        let plan: Vec<Planned> = match &item.choice {
            Choice::Assign(target) => {
                actions::plan_assign_in(s, &picker.conversations, target, &self.capabilities)
            }
            Choice::Membership(inbox, change) => picker
                .teammates
                .iter()
                .filter_map(|t| actions::plan_membership(s, t, inbox, *change))
                .collect(),
            Choice::Away(change) => picker
                .teammates
                .iter()
                .filter_map(|t| actions::plan_presence(s, t, change.clone()))
                .collect(),
            Choice::Move { from, to, level } => picker
                .teammates
                .iter()
                .filter(|t| s.inbox(from).is_some_and(|i| i.level_of(t).is_some()))
                .filter_map(|t| actions::plan_move(s, t, to, *level, Some(from)).ok())
                .flatten()
                .collect(),
            Choice::Explain(why) => {
                self.message = Some(why.clone());
                return;
            }
            Choice::Block {
                minutes,
                reason,
                label,
            } => {
                let change = PresenceChange {
                    status: PresenceStatus::Away,
                    reason: reason.clone(),
                };
                let plan: Vec<Planned> = picker
                    .teammates
                    .iter()
                    .filter_map(|t| actions::plan_presence(s, t, change.clone()))
                    .collect();
                for p in &plan {
                    if let Write::SetPresence { teammate, .. } = &p.write {
                        self.pending_blocks.push((
                            teammate.clone(),
                            *minutes,
                            reason.clone(),
                            label.clone(),
                        ));
                    }
                }
                plan
            }
        };
        if plan.is_empty() {
            self.message = Some("nothing to change".into());
            return;
        }
        let title = picker.title.trim_end_matches('…').to_owned() + ": " + &item.label;
        self.propose(title, plan);
    }

    /// The one rule for asking: a single write with no warning runs straight away; bulk or
    /// risky ones (any warning: away, over cap, last member, unassign) ask first. Both ways
    /// alike: away and back, add and remove.
    pub(super) fn propose(&mut self, title: String, plan: Vec<Planned>) {
        let safe = plan.len() == 1
            && match (&self.snapshot, &self.metrics) {
                (Some(s), Some(m)) => {
                    actions::warnings_for(s, m, &self.capabilities, &plan).is_empty()
                }
                _ => true,
            };
        if safe {
            self.run(plan, false);
        } else {
            self.confirm(title, plan, false);
        }
    }

    fn confirm(&mut self, title: String, plan: Vec<Planned>, undo: bool) {
        if plan.is_empty() {
            self.message = Some("nothing to change".into());
            return;
        }
        let warnings = match (&self.snapshot, &self.metrics) {
            (Some(s), Some(m)) => actions::warnings_for(s, m, &self.capabilities, &plan),
            _ => Vec::new(),
        };
        self.overlay = Some(Overlay::Confirm(Confirm {
            title,
            plan,
            warnings,
            undo,
        }));
    }

    /// Starts writes: rows show them pending until the reports arrive.
    pub(super) fn run(&mut self, plan: Vec<Planned>, undo: bool) {
        for p in &plan {
            self.pending.insert(p.write.target());
        }
        self.pending_writes += plan.len();
        self.message = Some(format!(
            "writing: {}",
            plan.iter()
                .map(|p| p.label.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ));
        self.effects.push(Effect::Run { plan, undo });
        self.marked.clear();
        self.marked_mates.clear();
    }

    /// `u`: undo the last successful write (or bulk write), after confirmation.
    pub(super) fn undo_last(&mut self) {
        if let Some(reason) = &self.read_only {
            self.message = Some(format!("read-only: {reason}"));
            return;
        }
        let (Some(done), Some(s)) = (self.undo_stack.last(), &self.snapshot) else {
            self.message = Some("nothing to undo".into());
            return;
        };
        let plan: Vec<Planned> = done
            .iter()
            .filter_map(|(p, after)| actions::plan_undo(s, p, after))
            .collect();
        let left = self.undo_stack.len() - 1;
        self.confirm(
            format!(
                "Undo {} write{} ({left} more step{} to undo after this)",
                plan.len(),
                if plan.len() == 1 { "" } else { "s" },
                if left == 1 { "" } else { "s" }
            ),
            plan,
            true,
        );
    }

    /// Reports of finished writes: the screen takes the states read back, the status line
    /// says how it went, and the applied ones become the undo step.
    pub fn on_writes(&mut self, reports: Vec<Report>, undo: bool, now: jiff::Timestamp) {
        self.pending_writes = self.pending_writes.saturating_sub(reports.len());
        let mut applied = Vec::new();
        let before = self.snapshot.clone();
        let mut touched = Vec::new();
        for r in &reports {
            self.pending.remove(&r.planned.write.target());
            if let Some(after) = r.outcome.after() {
                if let Write::Assign { conversation, .. } = &r.planned.write {
                    touched.push(conversation.clone());
                }
                self.apply_state(&r.planned.write, after);
            }
            if let Outcome::Applied { after } = &r.outcome {
                applied.push((r.planned.clone(), after.clone()));
            }
        }
        self.last_now = Some(now);
        // Every write's own line goes to the history, not only the summary.
        for r in &reports {
            self.push_log(false, report_line(r));
        }
        self.message = Some(match reports.as_slice() {
            [one] => report_line(one),
            many => bulk_summary(many, |r| self.write_subject(&r.planned.write)),
        });
        self.start_blocks(&reports, now);
        // Each applied step joins the undo stack; an undo that landed takes its step off.
        if !applied.is_empty() {
            if undo {
                self.undo_stack.pop();
            } else {
                self.undo_stack.push(applied);
            }
        }
        if !reports.is_empty()
            && let Some(s) = self.snapshot.take()
        {
            // The figures follow the conversations the writes changed, as a delta.
            self.snapshot = before;
            let delta = domain::Delta {
                changed: touched,
                removed: Vec::new(),
            };
            let delta = self.can_apply(now).then_some(&delta);
            self.metrics = Some(self.rederive(&s, delta, now));
            self.snapshot = Some(s);
        }
        self.refresh_requested = true;
        self.dirty = true;
    }

    /// Puts a state read back from the backend onto the held snapshot.
    fn apply_state(&mut self, write: &Write, state: &State) {
        let Some(s) = self.snapshot.as_mut() else {
            return;
        };
        match (write, state) {
            (Write::Assign { conversation, .. }, State::Conversation { assignee, inbox }) => {
                if let Some(c) = s.conversations.get_mut(conversation) {
                    c.assignee = assignee.clone();
                    c.inbox = inbox.clone();
                }
            }
            (
                Write::Membership {
                    inbox, teammate, ..
                },
                State::Membership { level },
            ) => set_level(s, inbox, teammate, *level),
            (
                Write::Move {
                    teammate, from, to, ..
                },
                State::Moved {
                    from: left,
                    to: joined,
                },
            ) => {
                set_level(s, from, teammate, *left);
                set_level(s, to, teammate, *joined);
            }
            (Write::Membership { teammate, .. }, State::DefaultInbox { inbox }) => {
                if let Some(t) = s.teammates.iter_mut().find(|t| &t.id == teammate) {
                    t.default_inbox = inbox.clone();
                }
            }
            (Write::SetPresence { teammate, .. }, State::Presence { status, reason }) => {
                let reason = reason
                    .as_ref()
                    .and_then(|r| s.away_reasons.iter().find(|x| &x.id == r).cloned());
                if let Some(t) = s.teammates.iter_mut().find(|t| &t.id == teammate) {
                    t.presence.status = *status;
                    t.presence.reason = reason;
                }
            }
            _ => {}
        }
    }

    /// The audit view's entries arrived.
    pub fn on_audit(&mut self, entries: Vec<Entry>) {
        self.overlay = Some(Overlay::Audit(AuditView::new(entries)));
        self.dirty = true;
    }

    /// What a write is for, in a few words: the conversation (`#123`) or the teammate's name.
    fn write_subject(&self, write: &Write) -> String {
        let mate = |id: &TeammateId| {
            self.snapshot
                .as_ref()
                .and_then(|s| s.teammates.iter().find(|t| &t.id == id))
                .map_or_else(|| id.to_string(), |t| t.name.clone())
        };
        match write {
            Write::Assign { conversation, .. } => format!("#{conversation}"),
            Write::Membership { teammate, .. }
            | Write::Move { teammate, .. }
            | Write::SetPresence { teammate, .. } => mate(teammate),
        }
    }

    /// Config warnings (unknown keys, each naming file, line and key), said once at start:
    /// the first on the status line, every one in the message history.
    pub fn config_warnings(&mut self, warnings: &[String], now: jiff::Timestamp) {
        self.last_now = self.last_now.or(Some(now));
        for w in warnings {
            self.push_log(false, format!("⚠ config: {w}"));
        }
        self.message = match warnings {
            [] => return,
            [one] => Some(format!("⚠ config: {one}")),
            [first, rest @ ..] => Some(format!(
                "⚠ config: {first} (+{} more: M lists them)",
                rest.len()
            )),
        };
        self.dirty = true;
    }
}

/// Puts one teammate's level in one inbox (`None`: not a member) onto a snapshot.
fn set_level(
    s: &mut domain::Snapshot,
    inbox: &InboxId,
    teammate: &TeammateId,
    level: Option<Level>,
) {
    if let Some(i) = s.inboxes.iter_mut().find(|i| &i.id == inbox) {
        i.members.retain(|m| &m.teammate != teammate);
        if let Some(level) = level {
            i.members.push(domain::Member {
                teammate: teammate.clone(),
                level,
            });
        }
    }
    if let Some(t) = s.teammates.iter_mut().find(|t| &t.id == teammate) {
        t.memberships.retain(|(i, _)| i != inbox);
        if let Some(level) = level {
            t.memberships.push((inbox.clone(), level));
        }
    }
}

/// An inbox's name, or its id when it is not in the data.
fn inbox_label(s: &domain::Snapshot, id: &InboxId) -> String {
    s.inbox(id)
        .map_or_else(|| id.to_string(), |i| i.name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Policy, fixture};

    fn presence(mate: &str, outcome: Outcome) -> Report {
        let state = State::Presence {
            status: PresenceStatus::Online,
            reason: None,
        };
        Report {
            planned: Planned {
                write: Write::SetPresence {
                    teammate: TeammateId(mate.into()),
                    change: PresenceChange {
                        status: PresenceStatus::Away,
                        reason: None,
                    },
                },
                before: state.clone(),
                label: format!("set {mate} away"),
            },
            outcome,
        }
    }

    fn applied(mate: &str) -> Report {
        presence(
            mate,
            Outcome::Applied {
                after: State::Presence {
                    status: PresenceStatus::Away,
                    reason: None,
                },
            },
        )
    }

    fn conflict(mate: &str) -> Report {
        let now = State::Presence {
            status: PresenceStatus::Away,
            reason: None,
        };
        presence(mate, Outcome::Conflict { now })
    }

    fn refused(mate: &str, error: &str) -> Report {
        presence(
            mate,
            Outcome::NotApplied {
                error: error.into(),
            },
        )
    }

    #[test]
    fn every_line_starts_with_its_verdict() {
        assert!(report_line(&applied("ana")).starts_with("✓ applied: set ana away"));
        assert!(report_line(&conflict("ana")).starts_with("✗ not applied — conflict: "));
        assert!(report_line(&refused("ana", "403")).starts_with("✗ not applied: set ana"));
        let unknown = presence(
            "ana",
            Outcome::Unknown {
                error: "timed out".into(),
            },
        );
        assert!(report_line(&unknown).starts_with("? may have applied — re-read: "));
    }

    #[test]
    fn a_bulk_report_names_every_failure_grouped_by_reason() {
        let reports = vec![
            applied("dee"),
            conflict("ana"),
            refused("cy", "forbidden"),
            conflict("ben"),
            applied("eve"),
        ];
        let line = bulk_summary(&reports, |r| match &r.planned.write {
            Write::SetPresence { teammate, .. } => teammate.to_string(),
            _ => unreachable!(),
        });
        assert_eq!(
            line,
            "✗ not applied: 3 of 5 — 2 conflict (ana, ben), 1 forbidden (cy) · ✓ applied: 2"
        );
        assert_eq!(
            bulk_summary(&[applied("a"), applied("b")], |_| String::new()),
            "✓ applied: all 2 writes"
        );
    }

    #[test]
    fn a_bulk_write_names_teammates_by_name_and_logs_every_line() {
        let mut app = App::new(Policy::default(), std::time::Duration::from_secs(5), true);
        let mut s = fixture::snapshot(fixture::t0());
        s.teammates = vec![crate::domain::Teammate {
            name: "Ana Souza".into(),
            ..fixture::teammate("ana")
        }]
        .into();
        app.snapshot = Some(s);
        let reports = vec![conflict("ana"), refused("zed", "forbidden"), applied("x")];
        app.on_writes(reports, false, fixture::t0());
        let m = app.message.clone().unwrap();
        assert!(m.starts_with("✗ not applied: 2 of 3"), "{m}");
        assert!(m.contains("1 conflict (Ana Souza)"), "{m}");
        assert!(m.contains("1 forbidden (zed)"), "{m}");
        let lines: Vec<&str> = app.log.iter().map(|l| l.text.as_str()).collect();
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("✗ not applied — conflict: set ana"))
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("✗ not applied: set zed away: forbidden"))
        );
        assert!(lines.iter().any(|l| l.starts_with("✓ applied: set x away")));
    }

    #[test]
    fn config_warnings_reach_the_status_line_and_the_history_once() {
        let mut app = App::new(Policy::default(), std::time::Duration::from_secs(5), true);
        let w = [
            "/c.toml:3: unknown key ui.refreshh (ignored)".to_owned(),
            "/c.toml:9: unknown key colour (ignored)".to_owned(),
        ];
        app.config_warnings(&w, fixture::t0());
        assert_eq!(
            app.message.as_deref(),
            Some("⚠ config: /c.toml:3: unknown key ui.refreshh (ignored) (+1 more: M lists them)")
        );
        assert!(app.log.iter().all(|l| l.at == Some(fixture::t0())));
        let lines: Vec<&str> = app.log.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            lines,
            [
                "⚠ config: /c.toml:3: unknown key ui.refreshh (ignored)",
                "⚠ config: /c.toml:9: unknown key colour (ignored)"
            ]
        );
        app.config_warnings(&[], fixture::t0());
        assert_eq!(app.log.len(), 2);
    }
}
