//! Keys, `:` commands and mouse clicks.

use super::rows::SortMode;
use super::{App, Mode, Pane, View};
use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

/// Every `:` command: (usage, what it does).
pub const COMMANDS: &[(&str, &str)] = &[
    (":q  :quit", "quit"),
    (":help", "show help"),
    (":sort <mode>", "sort the focused list (see pane title)"),
    (":filter <text>", "filter the focused list"),
    (":inbox <name>", "open an inbox"),
    (":teammate <name>", "open a teammate"),
    (":refresh", "refresh now"),
    (":undo", "undo the last write"),
    (":audit", "show the audit log"),
    (":messages", "show the message history (as M)"),
    (":rebalance", "propose a rebalance (as r)"),
    (":handoff", "write the shift handoff (as H)"),
    (":coverage", "coverage across time zones (as C)"),
    (
        ":trends [1h|8h|24h]",
        "the shift's history: queues, breaches, load (as T)",
    ),
];

const PAGE: usize = 10;

/// Most lines the `:` history keeps.
pub const COMMAND_HISTORY: usize = 100;

/// The `:` line's memory: past commands (Up/Down recall them) and Tab completion.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CmdLine {
    /// Commands run, oldest first: each once (a repeat moves to the end), at most
    /// [`COMMAND_HISTORY`].
    pub history: std::collections::VecDeque<String>,
    /// While recalling: the history line shown, and what was typed before Up.
    recall: Option<(usize, String)>,
    /// While completing: the candidates for what was typed, and the one shown.
    pub completion: Option<Completion>,
}

/// Tab completion in progress: the line before the completed word, the candidates, and which
/// one the line shows (repeated Tab cycles).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// What stays in front of the completed word (`""` for a command, `"inbox "` for its
    /// argument).
    pub stem: String,
    /// Every candidate, in order.
    pub candidates: Vec<String>,
    /// The candidate on the line.
    pub shown: usize,
}

impl CmdLine {
    /// Remembers a command that was run.
    pub fn remember(&mut self, line: &str) {
        let line = line.trim();
        self.recall = None;
        self.completion = None;
        if line.is_empty() {
            return;
        }
        self.history.retain(|l| l != line);
        if self.history.len() == COMMAND_HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(line.to_owned());
    }

    /// The line Up shows after `text`: the previous command (the newest first).
    fn older(&mut self, text: &str) -> Option<String> {
        let at = match &self.recall {
            Some((at, _)) => at.checked_sub(1)?,
            None => self.history.len().checked_sub(1)?,
        };
        let draft = match self.recall.take() {
            Some((_, draft)) => draft,
            None => text.to_owned(),
        };
        self.recall = Some((at, draft));
        self.history.get(at).cloned()
    }

    /// The line Down shows: the next newer command, then what was typed before Up.
    fn newer(&mut self) -> Option<String> {
        let (at, draft) = self.recall.take()?;
        if at + 1 < self.history.len() {
            self.recall = Some((at + 1, draft));
            self.history.get(at + 1).cloned()
        } else {
            Some(draft)
        }
    }
}

/// The names of the `:` commands, as [`COMMANDS`] lists them (`q`, `quit`, `help`, …), each
/// with whether it takes an argument.
pub fn command_names() -> Vec<(&'static str, bool)> {
    COMMANDS
        .iter()
        .flat_map(|(usage, _)| {
            let takes = usage.contains('<');
            usage
                .split_whitespace()
                .filter_map(|w| w.strip_prefix(':'))
                .map(move |name| (name, takes))
        })
        .collect()
}

impl App {
    /// Handles a key press.
    pub fn on_key(&mut self, key: KeyEvent) {
        if key.kind == KeyEventKind::Release {
            return;
        }
        // The cursor stays on the same item through sorts and filters; only a key that moves
        // it (or changes the view) puts it elsewhere.
        let keys = self.selection_keys();
        let before = (
            self.selected,
            self.detail_selected,
            self.view.clone(),
            self.focus,
        );
        let armed = self.quit_armed;
        let said = self.message.clone();
        self.dispatch_key(key);
        self.log_message_change(&said);
        if armed {
            // Only the very next key can confirm a quit.
            self.quit_armed = false;
        }
        if (self.selected, self.detail_selected) == (before.0, before.1)
            && self.view == before.2
            && self.focus == before.3
        {
            self.follow(&keys, false);
        }
    }

    fn dispatch_key(&mut self, key: KeyEvent) {
        self.dirty = true;
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && key.code == KeyCode::Char('c') {
            self.quit = true;
            return;
        }
        // While the dashboard is not drawn (terminal too small), no key answers a dialog or
        // starts a write: only quitting works.
        if self.hits.hidden {
            if self.keymap.action(&key) == Some(super::keymap::Action::Quit) {
                self.quit = true;
            }
            return;
        }
        if self.overlay.is_some() {
            self.overlay_key(key);
            return;
        }
        match self.mode.clone() {
            Mode::Filter => self.filter_key(key),
            Mode::Command(text) => self.command_key(key, text),
            Mode::Normal => self.normal_key(key),
        }
    }

    fn normal_key(&mut self, key: KeyEvent) {
        use super::keymap::Action as A;
        let action = self.keymap.action(&key);
        if self.help {
            match action {
                Some(A::Down) => self.help_scroll = self.help_scroll.saturating_add(1),
                Some(A::Up) => self.help_scroll = self.help_scroll.saturating_sub(1),
                Some(A::PageDown) => {
                    self.help_scroll = self.help_scroll.saturating_add(PAGE as u16)
                }
                Some(A::PageUp) => self.help_scroll = self.help_scroll.saturating_sub(PAGE as u16),
                Some(A::Top) => self.help_scroll = 0,
                _ if matches!(action, Some(A::Back | A::Help | A::Quit))
                    || key.code == KeyCode::Esc =>
                {
                    self.help = false;
                    self.help_scroll = 0;
                }
                _ => {}
            }
            return;
        }
        self.message = None;
        let Some(action) = action else { return };
        if matches!(self.view, View::Conversation(_)) && !super::conversation::acts_in_view(action)
        {
            let back = self.keymap.key_for(A::Back).unwrap_or_else(|| "Esc".into());
            self.message = Some(format!("not in the conversation view — {back} goes back"));
            return;
        }
        if self.trends_key(action) {
            return;
        }
        match action {
            A::Quit => self.request_quit(),
            A::Help => self.help = true,
            A::Back => self.back(),
            A::NextPane => self.cycle_focus(1),
            A::PrevPane => self.cycle_focus(Pane::ALL.len() - 1),
            A::FocusInboxes => self.focus_pane(Pane::Inboxes),
            A::FocusTeammates => self.focus_pane(Pane::Teammates),
            A::FocusSla => self.focus_pane(Pane::Sla),
            A::Down => self.move_by(1),
            A::Up => self.move_by(-1),
            A::Top => self.move_to(0),
            A::Bottom => self.move_to(usize::MAX),
            A::PageDown => self.move_by(PAGE as isize),
            A::PageUp => self.move_by(-(PAGE as isize)),
            A::Refresh => self.refresh_requested = true,
            A::Open => self.drill_down(),
            A::Filter => self.mode = Mode::Filter,
            A::Command => self.mode = Mode::Command(String::new()),
            A::Sort => self.cycle_sort(),
            A::ReverseSort => self.reverse_sort(),
            A::Messages => self.overlay = Some(super::Overlay::Messages(0)),
            A::Mark => self.toggle_mark(),
            A::MarkAll => self.mark_all(),
            A::Assign => self.open_assign_picker(),
            A::Membership => self.open_membership_picker(),
            A::Away => self.open_away(),
            A::Undo => self.undo_last(),
            A::Audit => self.effects.push(super::Effect::LoadAudit),
            A::Rebalance => self.open_rebalance(),
            A::IdleAway => self.idle_away(),
            A::AwayRelease => self.away_release(),
            A::Block => self.open_block(),
            A::Handoff => self.effects.push(super::Effect::Handoff),
            A::Coverage if self.view == View::Coverage => self.view = View::Main,
            A::Coverage => self.open_coverage(),
            A::CopyLink => self.copy_link(),
            A::OpenLink => self.open_link(),
            A::Trends if self.view == View::Trends => self.view = View::Main,
            A::Trends => self.open_trends(None),
        }
    }

    fn overlay_key(&mut self, key: KeyEvent) {
        use super::Overlay;
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let Some(overlay) = self.overlay.take() else {
            return;
        };
        match overlay {
            Overlay::Rebalance(r) => self.rebalance_key(r, key),
            Overlay::Messages(back) => {
                let last = self.log.len().saturating_sub(1);
                self.overlay = match key.code {
                    KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('M') => None,
                    KeyCode::Char('j') | KeyCode::Down => {
                        Some(Overlay::Messages(back.saturating_sub(1)))
                    }
                    KeyCode::Char('k') | KeyCode::Up => {
                        Some(Overlay::Messages((back + 1).min(last)))
                    }
                    KeyCode::PageDown => Some(Overlay::Messages(back.saturating_sub(10))),
                    KeyCode::PageUp => Some(Overlay::Messages((back + 10).min(last))),
                    KeyCode::Char('g') | KeyCode::Home => Some(Overlay::Messages(last)),
                    KeyCode::Char('G') | KeyCode::End => Some(super::Overlay::Messages(0)),
                    _ => Some(Overlay::Messages(back)),
                };
            }
            Overlay::Audit(mut view) => {
                let page = PAGE as isize;
                match key.code {
                    // Esc leaves an opened entry for the list, then the list.
                    KeyCode::Esc | KeyCode::Backspace | KeyCode::Char('q') if view.open => {
                        view.open = false
                    }
                    KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('L') => return,
                    KeyCode::Enter => view.open = !view.open,
                    KeyCode::Char('j') | KeyCode::Down => view.move_by(1),
                    KeyCode::Char('k') | KeyCode::Up => view.move_by(-1),
                    KeyCode::Char('d') if ctrl => view.move_by(page),
                    KeyCode::Char('u') if ctrl => view.move_by(-page),
                    KeyCode::PageDown => view.move_by(page),
                    KeyCode::PageUp => view.move_by(-page),
                    KeyCode::Char('g') | KeyCode::Home => view.selected = 0,
                    KeyCode::Char('G') | KeyCode::End => view.move_by(isize::MAX),
                    _ => {}
                }
                self.overlay = Some(Overlay::Audit(view));
            }
            Overlay::Confirm(c) => match key.code {
                KeyCode::Char('y') | KeyCode::Enter => self.run(c.plan, c.undo),
                KeyCode::Char('n') | KeyCode::Esc | KeyCode::Char('q') => {
                    self.message = Some("cancelled".into());
                }
                _ => self.overlay = Some(Overlay::Confirm(c)),
            },
            Overlay::Picker(mut p) => {
                let n = p.visible().len();
                match key.code {
                    KeyCode::Esc => return,
                    KeyCode::Enter => {
                        let chosen = p.visible().get(p.selected).map(|&i| p.items[i].clone());
                        if let Some(item) = chosen {
                            self.choose(&p, &item);
                        }
                        return;
                    }
                    KeyCode::Down => p.selected = (p.selected + 1).min(n.saturating_sub(1)),
                    KeyCode::Char('n' | 'j') if ctrl => {
                        p.selected = (p.selected + 1).min(n.saturating_sub(1))
                    }
                    KeyCode::Up => p.selected = p.selected.saturating_sub(1),
                    KeyCode::Char('p' | 'k') if ctrl => p.selected = p.selected.saturating_sub(1),
                    KeyCode::Backspace => {
                        p.query.pop();
                        p.selected = 0;
                    }
                    KeyCode::Char(c) => {
                        p.query.push(c);
                        p.selected = 0;
                    }
                    _ => {}
                }
                self.overlay = Some(Overlay::Picker(p));
            }
        }
    }

    pub(super) fn move_down_one(&mut self) {
        self.move_by(1);
    }

    fn filter_key(&mut self, key: KeyEvent) {
        let text = self.filter_text_mut();
        match key.code {
            KeyCode::Esc => {
                text.clear();
                self.mode = Mode::Normal;
            }
            KeyCode::Enter => self.mode = Mode::Normal,
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char(c) => text.push(c),
            _ => {}
        }
    }

    fn command_key(&mut self, key: KeyEvent, mut text: String) {
        if !matches!(key.code, KeyCode::Tab | KeyCode::BackTab) {
            self.cmdline.completion = None;
        }
        match key.code {
            KeyCode::Esc => {
                self.cmdline.recall = None;
                self.mode = Mode::Normal;
            }
            KeyCode::Enter => {
                self.mode = Mode::Normal;
                self.cmdline.remember(&text);
                self.run_command(&text);
            }
            KeyCode::Up => {
                if let Some(line) = self.cmdline.older(&text) {
                    self.mode = Mode::Command(line);
                }
            }
            KeyCode::Down => {
                if let Some(line) = self.cmdline.newer() {
                    self.mode = Mode::Command(line);
                }
            }
            KeyCode::Tab => self.complete(&text, 1),
            KeyCode::BackTab => self.complete(&text, -1),
            KeyCode::Backspace => {
                if text.pop().is_none() {
                    self.mode = Mode::Normal;
                } else {
                    self.mode = Mode::Command(text);
                }
            }
            KeyCode::Char(c) => {
                text.push(c);
                self.mode = Mode::Command(text);
            }
            _ => {}
        }
    }

    /// Tab on the `:` line: the first candidate for what was typed, then (repeated) the next
    /// one, or with `step` -1 the one before; the status line lists them.
    fn complete(&mut self, text: &str, step: isize) {
        if let Some(c) = self.cmdline.completion.as_mut()
            && !c.candidates.is_empty()
        {
            let n = c.candidates.len() as isize;
            c.shown = (c.shown as isize + step).rem_euclid(n) as usize;
            let line = format!("{}{}", c.stem, c.candidates[c.shown]);
            self.mode = Mode::Command(line);
            return;
        }
        let (stem, candidates) = self.candidates(text);
        match candidates.as_slice() {
            [] => {
                self.cmdline.completion = Some(Completion {
                    stem,
                    candidates,
                    shown: 0,
                })
            }
            [one] => {
                // A command that takes an argument is followed by a space, ready for it.
                let takes = stem.is_empty()
                    && command_names()
                        .iter()
                        .any(|(name, takes)| name == one && *takes);
                self.mode = Mode::Command(format!("{stem}{one}{}", if takes { " " } else { "" }));
            }
            _ => {
                let shown = if step < 0 { candidates.len() - 1 } else { 0 };
                self.mode = Mode::Command(format!("{stem}{}", candidates[shown]));
                self.cmdline.completion = Some(Completion {
                    stem,
                    candidates,
                    shown,
                });
            }
        }
    }

    /// What Tab offers for `text`: command names, then the arguments a command takes (inbox
    /// and teammate names, sort modes of the focused list), matching the start of the name or
    /// of a word in it, ignoring case. Returns the text kept in front and the candidates.
    pub fn candidates(&self, text: &str) -> (String, Vec<String>) {
        let starts = |name: &str, typed: &str| {
            let (name, typed) = (name.to_lowercase(), typed.to_lowercase());
            name.starts_with(&typed) || name.split_whitespace().any(|w| w.starts_with(&typed))
        };
        let Some((cmd, arg)) = text.split_once(' ') else {
            let mut names: Vec<String> = command_names()
                .into_iter()
                .filter(|(name, _)| name.starts_with(text))
                .map(|(name, _)| name.to_owned())
                .collect();
            names.dedup();
            return (String::new(), names);
        };
        let arg = arg.trim_start();
        let stem = format!("{cmd} ");
        let mut found: Vec<String> = match (cmd, &self.snapshot) {
            ("inbox", Some(s)) => s
                .inboxes
                .iter()
                .filter(|i| starts(&i.name, arg))
                .map(|i| i.name.clone())
                .collect(),
            ("teammate", Some(s)) => s
                .teammates
                .iter()
                .filter(|t| starts(&t.name, arg))
                .map(|t| t.name.clone())
                .collect(),
            ("sort", _) => SortMode::modes(self.focus)
                .iter()
                .map(|m| m.label().to_owned())
                .filter(|m| starts(m, arg))
                .collect(),
            _ => Vec::new(),
        };
        found.sort_by_key(|n| n.to_lowercase());
        found.dedup();
        (stem, found)
    }

    /// Runs a `:` command (without the colon).
    pub fn run_command(&mut self, line: &str) {
        let line = line.trim();
        let (cmd, arg) = line.split_once(' ').unwrap_or((line, ""));
        let arg = arg.trim();
        match cmd {
            "" => {}
            "q!" => self.quit = true,
            "q" | "quit" => self.request_quit(),
            "help" | "h" => self.help = true,
            "refresh" => self.refresh_requested = true,
            "undo" => self.undo_last(),
            "audit" | "log" => self.effects.push(super::Effect::LoadAudit),
            "rebalance" => self.open_rebalance(),
            "handoff" => self.effects.push(super::Effect::Handoff),
            "coverage" => self.open_coverage(),
            "trends" => self.trends_command(arg),
            "sort" => {
                let pane = self.focus;
                match SortMode::parse(pane, arg) {
                    Some(mode) => self.sort[pane.index()] = mode,
                    None => {
                        let modes: Vec<&str> =
                            SortMode::modes(pane).iter().map(|m| m.label()).collect();
                        self.message = Some(format!("sort: one of {}", modes.join(", ")));
                    }
                }
            }
            "filter" => {
                *self.filter_text_mut() = arg.to_owned();
            }
            "inbox" | "teammate" => self.open_by_name(cmd, arg),
            "messages" => self.overlay = Some(super::Overlay::Messages(0)),
            other => self.message = Some(format!("unknown command :{other} — try :help")),
        }
    }

    fn open_by_name(&mut self, kind: &str, name: &str) {
        let Some(s) = &self.snapshot else {
            self.message = Some("no data yet".into());
            return;
        };
        let lower = name.to_lowercase();
        // (view, name, exact) for every match of the prefix.
        let found: Vec<(View, String, bool)> = if kind == "inbox" {
            s.inboxes
                .iter()
                .filter(|i| i.name.to_lowercase().starts_with(&lower))
                .map(|i| {
                    let exact = i.name.to_lowercase() == lower;
                    (View::Inbox(i.id.clone()), i.name.clone(), exact)
                })
                .collect()
        } else {
            s.teammates
                .iter()
                .filter(|t| {
                    t.name.to_lowercase().starts_with(&lower) || t.email.to_lowercase() == lower
                })
                .map(|t| {
                    let exact = t.name.to_lowercase() == lower || t.email.to_lowercase() == lower;
                    (View::Teammate(t.id.clone()), t.name.clone(), exact)
                })
                .collect()
        };
        let exact: Vec<&(View, String, bool)> = found.iter().filter(|f| f.2).collect();
        match (found.as_slice(), exact.as_slice()) {
            _ if name.is_empty() => self.message = Some(format!("no {kind} named {name:?}")),
            ([], _) => self.message = Some(format!("no {kind} named {name:?}")),
            ([(view, _, _)], _) | (_, [(view, _, _)]) => {
                let view = view.clone();
                self.enter(view);
            }
            (many, _) => {
                let names: Vec<&str> = many.iter().map(|f| f.1.as_str()).collect();
                self.message = Some(format!(
                    "{name:?} matches {} {kind}s: {} — type more",
                    names.len(),
                    names.join(", ")
                ));
            }
        }
    }

    fn filter_text_mut(&mut self) -> &mut String {
        match self.view {
            View::Main => &mut self.filter[self.focus.index()],
            _ => &mut self.detail_filter,
        }
    }

    /// Quits, unless off-queue blocks are running: they end only while a dashboard runs, so
    /// the first quit says so and the second one quits.
    fn request_quit(&mut self) {
        if self.blocks.is_empty() || self.blocks_shared || self.quit_armed {
            self.quit = true;
            return;
        }
        self.quit_armed = true;
        let n = self.blocks.len();
        let quit = self
            .keymap
            .key_for(super::keymap::Action::Quit)
            .unwrap_or_else(|| ":q!".into());
        self.message = Some(format!(
            "{n} running block{} end{} only while this dashboard runs (those teammates stay \
             away after it quits) — {quit} again to quit anyway",
            if n == 1 { "" } else { "s" },
            if n == 1 { "s" } else { "" }
        ));
    }

    fn back(&mut self) {
        // The conversation view goes straight back where it was opened (marks and filter
        // belong to the list behind it).
        if matches!(self.view, View::Conversation(_)) {
            self.close_conversation();
            return;
        }
        // Esc first clears marks, then the filter, then leaves the view.
        if !self.marked.is_empty() || !self.marked_mates.is_empty() {
            self.marked.clear();
            self.marked_mates.clear();
        } else if !self.filter_text_mut().is_empty() {
            self.filter_text_mut().clear();
        } else if self.view != View::Main {
            self.view = View::Main;
            self.marked.clear();
        }
    }

    fn cycle_focus(&mut self, by: usize) {
        // In an inbox drill-down, Tab moves between its conversations and its members.
        if matches!(self.view, View::Inbox(_)) {
            self.members_focus = !self.members_focus;
            return;
        }
        if self.view == View::Main {
            let n = Pane::ALL.len();
            self.focus = Pane::ALL[(self.focus.index() + by) % n];
        }
    }

    fn focus_pane(&mut self, pane: Pane) {
        if self.view == View::Main {
            self.focus = pane;
        }
    }

    fn list_len(&self) -> usize {
        match self.view {
            View::Main => self.rows(self.focus).len(),
            View::Inbox(_) if self.members_focus => self.detail_members().len(),
            _ => self.detail_rows().len(),
        }
    }

    fn selection_mut(&mut self) -> &mut usize {
        match self.view {
            View::Main => &mut self.selected[self.focus.index()],
            View::Inbox(_) if self.members_focus => &mut self.member_selected,
            _ => &mut self.detail_selected,
        }
    }

    fn move_by(&mut self, delta: isize) {
        if matches!(self.view, View::Conversation(_)) {
            self.scroll_conversation(delta);
            return;
        }
        let n = self.list_len();
        let s = self.selection_mut();
        *s = s.saturating_add_signed(delta).min(n.saturating_sub(1));
    }

    fn move_to(&mut self, row: usize) {
        if matches!(self.view, View::Conversation(_)) {
            self.scroll_conversation(if row == 0 { -4_000 } else { 4_000 });
            return;
        }
        let n = self.list_len();
        *self.selection_mut() = row.min(n.saturating_sub(1));
    }

    fn cycle_sort(&mut self) {
        if self.view != View::Main {
            return;
        }
        let pane = self.focus;
        let modes = SortMode::modes(pane);
        let now = modes
            .iter()
            .position(|m| *m == self.sort[pane.index()])
            .unwrap_or(0);
        self.sort[pane.index()] = modes[(now + 1) % modes.len()];
    }

    fn reverse_sort(&mut self) {
        if self.view != View::Main {
            return;
        }
        let i = self.focus.index();
        self.sort_reversed[i] = !self.sort_reversed[i];
    }

    fn drill_down(&mut self) {
        // Enter on a member of an inbox drill-down opens that teammate.
        if matches!(self.view, View::Inbox(_)) && self.members_focus {
            if let Some(t) = self.detail_members().get(self.member_selected).cloned() {
                self.enter(View::Teammate(t));
            }
            return;
        }
        // Enter on a conversation (the SLA pane, a drill-down's list) opens it.
        let on_conversation = match self.view {
            View::Main => self.focus == Pane::Sla,
            View::Inbox(_) | View::Teammate(_) => true,
            View::Coverage | View::Trends | View::Conversation(_) => false,
        };
        if on_conversation {
            if let Some(id) = self.selected_conversation() {
                self.open_conversation(id);
            }
            return;
        }
        if self.view != View::Main {
            return;
        }
        let Some(s) = &self.snapshot else {
            return;
        };
        let rows = self.rows(self.focus);
        let Some(n) = rows.get(self.selected[self.focus.index()]) else {
            return;
        };
        let view = match self.focus {
            Pane::Inboxes => View::Inbox(s.inboxes[n].id.clone()),
            Pane::Teammates => View::Teammate(s.teammates[n].id.clone()),
            // Opened as a conversation above.
            Pane::Sla => return,
        };
        self.enter(view);
    }

    fn enter(&mut self, view: View) {
        self.members_focus = false;
        self.member_selected = 0;
        // Marks belong to the list they were made in.
        self.marked.clear();
        self.marked_mates.clear();
        self.view = view;
        self.detail_selected = 0;
        self.detail_filter.clear();
    }

    /// Handles a mouse event: a left click selects the row under it.
    pub fn on_mouse(&mut self, mouse: MouseEvent) {
        let (x, y) = (mouse.column, mouse.row);
        match mouse.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                let hit = self
                    .hits
                    .lists
                    .iter()
                    .copied()
                    .find(|h| x >= h.x && x < h.x + h.width && y >= h.y && y < h.y + h.height);
                if let Some(h) = hit {
                    let row = usize::from(y - h.y) + h.offset;
                    if self.view == View::Main {
                        self.focus = h.pane;
                    }
                    if row < self.list_len() {
                        *self.selection_mut() = row;
                    }
                    self.dirty = true;
                }
            }
            MouseEventKind::ScrollDown => {
                self.move_by(1);
                self.dirty = true;
            }
            MouseEventKind::ScrollUp => {
                self.move_by(-1);
                self.dirty = true;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Policy, fixture};
    use std::time::Duration;

    fn app() -> App {
        let mut app = App::new(Policy::default(), Duration::from_secs(5), true);
        let mut s = fixture::snapshot(fixture::t0());
        s.inboxes = vec![
            fixture::inbox("i1", "Billing"),
            fixture::inbox("i2", "Billing Disputes"),
            fixture::inbox("i3", "Support"),
        ]
        .into();
        let mate = |id: &str, name: &str| crate::domain::Teammate {
            name: name.into(),
            ..fixture::teammate(id)
        };
        s.teammates = vec![mate("t1", "Ana Souza"), mate("t2", "Ben Okafor")].into();
        app.snapshot = Some(s);
        app
    }

    fn press(app: &mut App, code: KeyCode) {
        app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
    }

    fn typed(app: &mut App, text: &str) {
        for c in text.chars() {
            press(app, KeyCode::Char(c));
        }
    }

    fn line(app: &App) -> &str {
        match &app.mode {
            Mode::Command(t) => t,
            other => panic!("not on the : line: {other:?}"),
        }
    }

    #[test]
    fn command_names_come_from_the_command_list() {
        let names = command_names();
        assert!(names.contains(&("q", false)) && names.contains(&("quit", false)));
        assert!(names.contains(&("inbox", true)) && names.contains(&("sort", true)));
        assert_eq!(names.len(), COMMANDS.len() + 1, "only :q has two names");
    }

    #[test]
    fn history_recalls_newest_first_deduped_and_back_to_the_draft() {
        let mut app = app();
        for cmd in ["refresh", "coverage", "refresh"] {
            typed(&mut app, ":");
            typed(&mut app, cmd);
            press(&mut app, KeyCode::Enter);
            app.view = View::Main;
        }
        assert_eq!(
            app.cmdline.history,
            ["coverage", "refresh"],
            "a repeat moves last"
        );
        typed(&mut app, ":ha");
        press(&mut app, KeyCode::Up);
        assert_eq!(line(&app), "refresh");
        press(&mut app, KeyCode::Up);
        assert_eq!(line(&app), "coverage");
        press(&mut app, KeyCode::Up);
        assert_eq!(line(&app), "coverage", "the oldest stays");
        press(&mut app, KeyCode::Down);
        assert_eq!(line(&app), "refresh");
        press(&mut app, KeyCode::Down);
        assert_eq!(line(&app), "ha", "what was typed comes back");
        press(&mut app, KeyCode::Esc);
        assert_eq!(app.mode, Mode::Normal);
    }

    #[test]
    fn history_is_bounded() {
        let mut c = CmdLine::default();
        for n in 0..COMMAND_HISTORY + 5 {
            c.remember(&format!("filter {n}"));
        }
        c.remember("  ");
        assert_eq!(c.history.len(), COMMAND_HISTORY);
        assert_eq!(c.history.front().map(String::as_str), Some("filter 5"));
        assert_eq!(
            c.history.back().map(String::as_str),
            Some(format!("filter {}", COMMAND_HISTORY + 4).as_str())
        );
    }

    #[test]
    fn tab_completes_a_command_then_its_argument() {
        let mut app = app();
        typed(&mut app, ":inb");
        press(&mut app, KeyCode::Tab);
        assert_eq!(
            line(&app),
            "inbox ",
            "one candidate, ready for its argument"
        );
        typed(&mut app, "sup");
        press(&mut app, KeyCode::Tab);
        assert_eq!(line(&app), "inbox Support");
        press(&mut app, KeyCode::Enter);
        assert_eq!(app.view, View::Inbox(crate::domain::InboxId("i3".into())));
    }

    #[test]
    fn repeated_tab_cycles_and_the_candidates_are_kept_for_the_status_line() {
        let mut app = app();
        typed(&mut app, ":inbox bil");
        press(&mut app, KeyCode::Tab);
        assert_eq!(line(&app), "inbox Billing");
        let c = app.cmdline.completion.clone().unwrap();
        assert_eq!(c.candidates, ["Billing", "Billing Disputes"]);
        press(&mut app, KeyCode::Tab);
        assert_eq!(line(&app), "inbox Billing Disputes");
        press(&mut app, KeyCode::Tab);
        assert_eq!(line(&app), "inbox Billing", "it wraps");
        press(&mut app, KeyCode::BackTab);
        assert_eq!(line(&app), "inbox Billing Disputes");
        // Typing ends the cycle; the next Tab starts from what is typed.
        press(&mut app, KeyCode::Backspace);
        assert_eq!(app.cmdline.completion, None);
    }

    #[test]
    fn teammates_match_a_word_of_their_name_and_commands_their_prefix() {
        let app = app();
        assert_eq!(
            app.candidates("teammate oka"),
            ("teammate ".into(), vec!["Ben Okafor".to_owned()])
        );
        assert_eq!(
            app.candidates("re"),
            (
                String::new(),
                vec!["refresh".to_owned(), "rebalance".to_owned()]
            )
        );
        let (_, modes) = app.candidates("sort ");
        assert!(!modes.is_empty());
        assert!(app.candidates("filter x").1.is_empty(), "free text");
        assert!(app.candidates("zz").1.is_empty());
    }

    proptest::proptest! {
        /// Any prefix of an inbox's name, or of a word in it, in any case, offers that inbox;
        /// every candidate offered matches what was typed.
        #[test]
        fn completion_offers_what_matches_and_only_that(
            pick in 0usize..3,
            word in 0usize..2,
            len in 0usize..8,
            upper in proptest::bool::ANY,
        ) {
            let app = app();
            let names = ["Billing", "Billing Disputes", "Support"];
            let name = names[pick];
            let w = name.split(' ').nth(word).unwrap_or(name);
            let typed: String = w.chars().take(len).collect();
            let typed = if upper { typed.to_uppercase() } else { typed };
            let (stem, found) = app.candidates(&format!("inbox {typed}"));
            proptest::prop_assert_eq!(stem, "inbox ");
            proptest::prop_assert!(found.iter().any(|f| f == name), "{found:?}");
            let lower = typed.to_lowercase();
            for f in &found {
                let f = f.to_lowercase();
                proptest::prop_assert!(
                    f.starts_with(&lower) || f.split(' ').any(|w| w.starts_with(&lower))
                );
            }
        }
    }

    #[test]
    fn no_candidate_says_so_and_tab_again_does_not_panic() {
        let mut app = app();
        typed(&mut app, ":inbox zz");
        press(&mut app, KeyCode::Tab);
        press(&mut app, KeyCode::Tab);
        assert_eq!(line(&app), "inbox zz");
        assert!(
            app.cmdline
                .completion
                .as_ref()
                .is_some_and(|c| c.candidates.is_empty())
        );
    }
}
