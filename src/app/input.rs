//! Keys, `:` commands and mouse clicks.

use super::rows::SortMode;
use super::{App, Mode, Pane, View};
use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

/// Every key, for the help overlay: (keys, what they do).
pub const KEYS: &[(&str, &str)] = &[
    ("Tab / Shift-Tab", "next / previous pane"),
    ("1 2 3", "focus Inboxes / Teammates / SLA"),
    ("j k  ↓ ↑", "move down / up"),
    ("g G  Home End", "first / last row"),
    ("PgDn PgUp  Ctrl-d Ctrl-u", "page down / up"),
    ("Enter", "drill down into the selected inbox or teammate"),
    ("Space", "mark / unmark the row (bulk actions)"),
    ("a", "assign the conversation(s) to a teammate or inbox"),
    (
        "m",
        "inbox membership of the teammate(s): add, primary/secondary, remove",
    ),
    ("w", "set the teammate(s) away (reason, reassign) or back"),
    ("u", "undo the last write"),
    ("L", "recent audit log"),
    ("Esc", "back / clear filter / close"),
    ("/", "filter the focused list as you type"),
    ("s", "cycle the sort of the focused list"),
    (":", "command line (:help for the list)"),
    ("Ctrl-r  F5", "refresh now"),
    ("?", "this help"),
    ("q  Ctrl-c", "quit"),
    ("mouse click", "select a row"),
];

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
];

const PAGE: usize = 10;

impl App {
    /// Handles a key press.
    pub fn on_key(&mut self, key: KeyEvent) {
        if key.kind == KeyEventKind::Release {
            return;
        }
        self.dirty = true;
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && key.code == KeyCode::Char('c') {
            self.quit = true;
            return;
        }
        if self.overlay.is_some() {
            self.overlay_key(key);
            return;
        }
        match self.mode.clone() {
            Mode::Filter => self.filter_key(key),
            Mode::Command(text) => self.command_key(key, text),
            Mode::Normal => self.normal_key(key, ctrl),
        }
    }

    fn normal_key(&mut self, key: KeyEvent, ctrl: bool) {
        if self.help {
            if matches!(
                key.code,
                KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q')
            ) {
                self.help = false;
            }
            return;
        }
        self.message = None;
        match key.code {
            KeyCode::Char('q') => self.quit = true,
            KeyCode::Char('?') => self.help = true,
            KeyCode::Esc => self.back(),
            KeyCode::Tab => self.cycle_focus(1),
            KeyCode::BackTab => self.cycle_focus(Pane::ALL.len() - 1),
            KeyCode::Char('1') => self.focus_pane(Pane::Inboxes),
            KeyCode::Char('2') => self.focus_pane(Pane::Teammates),
            KeyCode::Char('3') => self.focus_pane(Pane::Sla),
            KeyCode::Char('j') | KeyCode::Down => self.move_by(1),
            KeyCode::Char('k') | KeyCode::Up => self.move_by(-1),
            KeyCode::Char('g') | KeyCode::Home => self.move_to(0),
            KeyCode::Char('G') | KeyCode::End => self.move_to(usize::MAX),
            KeyCode::PageDown => self.move_by(PAGE as isize),
            KeyCode::PageUp => self.move_by(-(PAGE as isize)),
            KeyCode::Char('d') if ctrl => self.move_by(PAGE as isize),
            KeyCode::Char('u') if ctrl => self.move_by(-(PAGE as isize)),
            KeyCode::Char('r') if ctrl => self.refresh_requested = true,
            KeyCode::F(5) => self.refresh_requested = true,
            KeyCode::Enter => self.drill_down(),
            KeyCode::Char('/') => self.mode = Mode::Filter,
            KeyCode::Char(':') => self.mode = Mode::Command(String::new()),
            KeyCode::Char('s') => self.cycle_sort(),
            KeyCode::Char(' ') => self.toggle_mark(),
            KeyCode::Char('a') => self.open_assign_picker(),
            KeyCode::Char('m') => self.open_membership_picker(),
            KeyCode::Char('w') => self.open_away(),
            KeyCode::Char('u') => self.undo_last(),
            KeyCode::Char('L') => self.effects.push(super::Effect::LoadAudit),
            _ => {}
        }
    }

    fn overlay_key(&mut self, key: KeyEvent) {
        use super::Overlay;
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let Some(overlay) = self.overlay.take() else {
            return;
        };
        match overlay {
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
        self.reset_selection();
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
            "q" | "quit" | "q!" => self.quit = true,
            "help" | "h" => self.help = true,
            "refresh" => self.refresh_requested = true,
            "undo" => self.undo_last(),
            "audit" | "log" => self.effects.push(super::Effect::LoadAudit),
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
                self.reset_selection();
            }
            "inbox" | "teammate" => self.open_by_name(cmd, arg),
            other => self.message = Some(format!("unknown command :{other} — try :help")),
        }
    }

    fn open_by_name(&mut self, kind: &str, name: &str) {
        let Some(s) = &self.snapshot else {
            self.message = Some("no data yet".into());
            return;
        };
        let lower = name.to_lowercase();
        let view = if kind == "inbox" {
            s.inboxes
                .iter()
                .find(|i| i.name.to_lowercase().starts_with(&lower))
                .map(|i| View::Inbox(i.id.clone()))
        } else {
            s.teammates
                .iter()
                .find(|t| {
                    t.name.to_lowercase().starts_with(&lower) || t.email.to_lowercase() == lower
                })
                .map(|t| View::Teammate(t.id.clone()))
        };
        match view {
            Some(v) if !name.is_empty() => self.enter(v),
            _ => self.message = Some(format!("no {kind} named {name:?}")),
        }
    }

    fn filter_text_mut(&mut self) -> &mut String {
        match self.view {
            View::Main => &mut self.filter[self.focus.index()],
            _ => &mut self.detail_filter,
        }
    }

    fn back(&mut self) {
        if !self.filter_text_mut().is_empty() {
            self.filter_text_mut().clear();
            self.reset_selection();
        } else if self.view != View::Main {
            self.view = View::Main;
        }
    }

    fn cycle_focus(&mut self, by: usize) {
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
            _ => self.detail_rows().len(),
        }
    }

    fn selection_mut(&mut self) -> &mut usize {
        match self.view {
            View::Main => &mut self.selected[self.focus.index()],
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

    fn reset_selection(&mut self) {
        *self.selection_mut() = 0;
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
        if self.view != View::Main {
            return;
        }
        let (Some(s), Some(m)) = (&self.snapshot, &self.metrics) else {
            return;
        };
        let rows = self.rows(self.focus);
        let Some(&n) = rows.get(self.selected[self.focus.index()]) else {
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
