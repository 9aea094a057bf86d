//! Which rows each list shows: filter as typed, then the pane's sort mode.

use super::{App, Pane, View};
use crate::domain::metrics::{inbox_conversations, teammate_conversations};
use crate::domain::{Conversation, Snapshot};
use std::cmp::Reverse;

/// How a list is sorted; `s` cycles through the modes of the focused pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortMode {
    /// The natural order: backend order for inboxes and teammates, urgency for SLA.
    Natural,
    /// By name.
    Name,
    /// Most open conversations first.
    Open,
    /// Most unassigned first.
    Unassigned,
    /// Most breached first.
    Breached,
    /// Longest wait first.
    OldestWait,
    /// Highest load first.
    Load,
    /// Highest load/cap first.
    Utilisation,
    /// Highest priority first.
    Priority,
}

impl SortMode {
    /// The modes a pane offers, in cycle order.
    pub fn modes(pane: Pane) -> &'static [SortMode] {
        use SortMode::*;
        match pane {
            Pane::Inboxes => &[Natural, Open, Unassigned, Breached, OldestWait, Name],
            Pane::Teammates => &[Natural, Utilisation, Load, OldestWait, Name],
            Pane::Sla => &[Natural, Priority],
        }
    }

    /// Whether the mode lists the biggest first (▼) rather than A→Z or nearest first (▲).
    pub fn descending(self) -> bool {
        !matches!(self, SortMode::Natural | SortMode::Name)
    }

    /// Short label for the pane title.
    pub fn label(self) -> &'static str {
        match self {
            SortMode::Natural => "default",
            SortMode::Name => "name",
            SortMode::Open => "open",
            SortMode::Unassigned => "unassigned",
            SortMode::Breached => "breached",
            SortMode::OldestWait => "oldest wait",
            SortMode::Load => "load",
            SortMode::Utilisation => "load/cap",
            SortMode::Priority => "priority",
        }
    }

    /// Parses a label (for `:sort`).
    pub fn parse(pane: Pane, text: &str) -> Option<SortMode> {
        let t = text.trim().to_ascii_lowercase().replace(['_', '-'], " ");
        Self::modes(pane).iter().copied().find(|m| {
            m.label() == t
                || (t == "cap" && *m == SortMode::Utilisation)
                || (t == "wait" && *m == SortMode::OldestWait)
        })
    }
}

fn contains(hay: &str, needle: &str) -> bool {
    needle.is_empty() || hay.to_lowercase().contains(&needle.to_lowercase())
}

/// Names of a conversation's inbox and assignee, for filtering and display.
pub fn names<'a>(s: &'a Snapshot, c: &Conversation) -> (&'a str, &'a str) {
    let inbox = c
        .inbox
        .as_ref()
        .and_then(|i| s.inbox(i))
        .map_or("", |i| i.name.as_str());
    let assignee = c
        .assignee
        .as_ref()
        .and_then(|t| s.teammate(t))
        .map_or("", |t| t.name.as_str());
    (inbox, assignee)
}

/// What the screen shows as a conversation's title: the title, or its id in privacy mode.
pub fn title(app: &App, c: &Conversation) -> String {
    if app.privacy {
        format!("#{} (hidden)", c.id)
    } else {
        c.title.as_deref().unwrap_or_default().to_owned()
    }
}

/// Whether a conversation row matches a filter, on what the row shows: with `privacy` the
/// hidden title never matches (a filter must not reveal what the screen hides).
fn conversation_matches(s: &Snapshot, c: &Conversation, filter: &str, privacy: bool) -> bool {
    if filter.is_empty() {
        return true;
    }
    let (inbox, assignee) = names(s, c);
    (!privacy && contains(c.title.as_deref().unwrap_or(""), filter))
        || contains(inbox, filter)
        || contains(assignee, filter)
        || contains(c.id.as_str(), filter)
        || contains(c.priority.as_str(), filter)
}

/// The rows a list shows, as positions in its source (the snapshot's inboxes or teammates,
/// or the SLA queue): every position in order (no filter, natural order — O(1) however long
/// the queue), or the positions chosen, in the order shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rows {
    /// Positions `0..n`.
    All(usize),
    /// These positions.
    Some(Vec<usize>),
}

impl Rows {
    /// How many rows.
    pub fn len(&self) -> usize {
        match self {
            Rows::All(n) => *n,
            Rows::Some(v) => v.len(),
        }
    }

    /// `true` when there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The source position of row `i`.
    pub fn get(&self, i: usize) -> Option<usize> {
        match self {
            Rows::All(n) => (i < *n).then_some(i),
            Rows::Some(v) => v.get(i).copied(),
        }
    }

    /// Every source position, in row order.
    pub fn iter(&self) -> Box<dyn Iterator<Item = usize> + '_> {
        match self {
            Rows::All(n) => Box::new(0..*n),
            Rows::Some(v) => Box::new(v.iter().copied()),
        }
    }

    /// The source positions of the rows in `window`.
    pub fn window(&self, window: std::ops::Range<usize>) -> Vec<usize> {
        match self {
            Rows::All(n) => (window.start.min(*n)..window.end.min(*n)).collect(),
            Rows::Some(v) => v[window].to_vec(),
        }
    }
}

/// The rows of `pane`: filtered, sorted, reversed when the lead asked (`S`).
pub(super) fn rows(app: &App, pane: Pane) -> Rows {
    let rows = sorted(app, pane);
    if !app.sort_reversed[pane.index()] {
        return rows;
    }
    match rows {
        Rows::All(n) => Rows::Some((0..n).rev().collect()),
        Rows::Some(mut v) => {
            v.reverse();
            Rows::Some(v)
        }
    }
}

fn sorted(app: &App, pane: Pane) -> Rows {
    let (Some(s), Some(m)) = (&app.snapshot, &app.metrics) else {
        return Rows::Some(Vec::new());
    };
    let filter = app.filter[pane.index()].as_str();
    let sort = app.sort[pane.index()];
    match pane {
        Pane::Inboxes => {
            let mut idx: Vec<usize> = (0..s.inboxes.len())
                .filter(|&n| contains(&s.inboxes[n].name, filter))
                .collect();
            let fig = |n: usize| m.inbox_at(n, &s.inboxes[n].id);
            match sort {
                SortMode::Name => idx.sort_by_key(|&n| s.inboxes[n].name.to_lowercase()),
                SortMode::Open => idx.sort_by_key(|&n| Reverse(fig(n).map_or(0, |f| f.open))),
                SortMode::Unassigned => {
                    idx.sort_by_key(|&n| Reverse(fig(n).map_or(0, |f| f.unassigned)))
                }
                SortMode::Breached => {
                    idx.sort_by_key(|&n| Reverse(fig(n).map_or(0, |f| f.breached)))
                }
                SortMode::OldestWait => {
                    idx.sort_by_key(|&n| Reverse(fig(n).and_then(|f| f.oldest_wait)))
                }
                _ => {}
            }
            Rows::Some(idx)
        }
        Pane::Teammates => {
            let mut idx: Vec<usize> = (0..s.teammates.len())
                .filter(|&n| {
                    let t = &s.teammates[n];
                    filter.is_empty()
                        || contains(&t.name, filter)
                        || contains(&t.email, filter)
                        || (t.presence.is_away() && contains("away", filter))
                        || t.memberships
                            .iter()
                            .any(|(i, _)| s.inbox(i).is_some_and(|i| contains(&i.name, filter)))
                })
                .collect();
            let fig = |n: usize| m.teammate_at(n, &s.teammates[n].id);
            match sort {
                SortMode::Name => idx.sort_by_key(|&n| s.teammates[n].name.to_lowercase()),
                SortMode::Load => idx.sort_by_key(|&n| Reverse(fig(n).map_or(0, |f| f.load))),
                SortMode::Utilisation => idx.sort_by(|&a, &b| {
                    let u = |n| fig(n).map_or(0.0, |f| f.utilisation);
                    u(b).total_cmp(&u(a))
                }),
                SortMode::OldestWait => {
                    idx.sort_by_key(|&n| Reverse(fig(n).and_then(|f| f.oldest_wait)))
                }
                _ => {}
            }
            Rows::Some(idx)
        }
        Pane::Sla => {
            let q = &m.sla_queue;
            if filter.is_empty() && sort != SortMode::Priority {
                return Rows::All(q.len());
            }
            let conv = |n: usize| q.get(n).and_then(|u| s.conversation(&u.conversation));
            let mut idx: Vec<usize> = (0..q.len())
                .filter(|&n| {
                    filter.is_empty()
                        || conv(n).is_some_and(|c| conversation_matches(s, c, filter, app.privacy))
                })
                .collect();
            if sort == SortMode::Priority {
                idx.sort_by_cached_key(|&n| Reverse(conv(n).map(|c| c.priority)));
            }
            Rows::Some(idx)
        }
    }
}

/// One conversation row of a drill-down.
#[derive(Debug, Clone, Copy)]
pub struct ConversationRow<'a> {
    /// The conversation.
    pub conversation: &'a Conversation,
}

pub(super) fn detail_rows(app: &App) -> Vec<ConversationRow<'_>> {
    let Some(s) = &app.snapshot else {
        return Vec::new();
    };
    let ids = match &app.view {
        View::Main | View::Coverage | View::Trends => return Vec::new(),
        View::Inbox(id) => inbox_conversations(s, &app.policy, id),
        View::Teammate(id) => teammate_conversations(s, &app.policy, id),
        // The list behind an open conversation stays as it was (its cursor kept).
        View::Conversation(_) => match app.conversation.as_ref().map(|o| &o.back) {
            Some(View::Inbox(id)) => inbox_conversations(s, &app.policy, id),
            Some(View::Teammate(id)) => teammate_conversations(s, &app.policy, id),
            _ => return Vec::new(),
        },
    };
    ids.iter()
        .filter_map(|id| s.conversation(id))
        .filter(|c| conversation_matches(s, c, &app.detail_filter, app.privacy))
        .map(|conversation| ConversationRow { conversation })
        .collect()
}
