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
            Overlay::Audit(entries) => {
                if !matches!(
                    key.code,
                    KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('L')
                ) {
                    self.overlay = Some(Overlay::Audit(entries));
                }
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
        match key.code {
            KeyCode::Esc => self.mode = Mode::Normal,
            KeyCode::Enter => {
                self.mode = Mode::Normal;
                self.run_command(&text);
            }
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
        let n = self.list_len();
        let s = self.selection_mut();
        *s = s.saturating_add_signed(delta).min(n.saturating_sub(1));
    }

    fn move_to(&mut self, row: usize) {
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

    fn drill_down(&mut self) {
        // Enter on a member of an inbox drill-down opens that teammate.
        if matches!(self.view, View::Inbox(_)) && self.members_focus {
            if let Some(t) = self.detail_members().get(self.member_selected).cloned() {
                self.enter(View::Teammate(t));
            }
            return;
        }
        if self.view != View::Main {
            return;
        }
        let (Some(s), Some(m)) = (&self.snapshot, &self.metrics) else {
            return;
        };
        let rows = self.rows(self.focus);
        let Some(n) = rows.get(self.selected[self.focus.index()]) else {
            return;
        };
        let view = match self.focus {
            Pane::Inboxes => View::Inbox(s.inboxes[n].id.clone()),
            Pane::Teammates => View::Teammate(s.teammates[n].id.clone()),
            Pane::Sla => {
                let c = m
                    .sla_queue
                    .get(n)
                    .and_then(|u| s.conversation(&u.conversation));
                match c.and_then(|c| c.inbox.clone()) {
                    Some(inbox) => View::Inbox(inbox),
                    None => return,
                }
            }
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
