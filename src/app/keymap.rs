//! Which key does what. Defaults follow k9s/lazygit habits (vim and arrow keys); every action
//! can be rebound in the config's `[keys]` table.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;
use std::fmt;

/// Something a key can do in the main views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Quit.
    Quit,
    /// Help overlay.
    Help,
    /// Back / clear filter / close.
    Back,
    /// Next pane.
    NextPane,
    /// Previous pane.
    PrevPane,
    /// Focus the inboxes.
    FocusInboxes,
    /// Focus the teammates.
    FocusTeammates,
    /// Focus the SLA list.
    FocusSla,
    /// Move down.
    Down,
    /// Move up.
    Up,
    /// First row.
    Top,
    /// Last row.
    Bottom,
    /// Page down.
    PageDown,
    /// Page up.
    PageUp,
    /// Drill down.
    Open,
    /// Filter the focused list.
    Filter,
    /// Command line.
    Command,
    /// Cycle the sort.
    Sort,
    /// Reverse the sort.
    ReverseSort,
    /// Mark the row.
    Mark,
    /// Mark every row of the list (again: clear them).
    MarkAll,
    /// Assign conversations.
    Assign,
    /// Change inbox membership.
    Membership,
    /// Away / back.
    Away,
    /// Undo the last write.
    Undo,
    /// Audit log.
    Audit,
    /// Message history.
    Messages,
    /// Refresh now.
    Refresh,
    /// Propose a rebalance.
    Rebalance,
    /// Set the selected idle teammate away.
    IdleAway,
    /// Set the selected teammate away and release their waiting conversations.
    AwayRelease,
    /// Give a teammate an off-queue block (or end it).
    Block,
    /// Write the shift handoff.
    Handoff,
    /// Coverage across time zones.
    Coverage,
    /// Copy the open conversation's link to the clipboard (OSC 52).
    CopyLink,
    /// Open the open conversation's link in a browser.
    OpenLink,
    /// The shift's history.
    Trends,
}

impl Action {
    /// Every action, in help order: (action, config name, description, default keys).
    pub const ALL: &'static [(Action, &'static str, &'static str, &'static [&'static str])] = &[
        (Action::NextPane, "next_pane", "next pane", &["tab"]),
        (Action::PrevPane, "prev_pane", "previous pane", &["backtab"]),
        (
            Action::FocusInboxes,
            "focus_inboxes",
            "focus Inboxes",
            &["1"],
        ),
        (
            Action::FocusTeammates,
            "focus_teammates",
            "focus Teammates",
            &["2"],
        ),
        (Action::FocusSla, "focus_sla", "focus SLA", &["3"]),
        (Action::Down, "down", "move down", &["j", "down"]),
        (Action::Up, "up", "move up", &["k", "up"]),
        (Action::Top, "top", "first row", &["g", "home"]),
        (Action::Bottom, "bottom", "last row", &["G", "end"]),
        (
            Action::PageDown,
            "page_down",
            "page down",
            &["pgdn", "ctrl-d"],
        ),
        (Action::PageUp, "page_up", "page up", &["pgup", "ctrl-u"]),
        (
            Action::Open,
            "open",
            "open the selected inbox, teammate or conversation",
            &["enter"],
        ),
        (
            Action::Back,
            "back",
            "back / clear filter / close",
            &["esc"],
        ),
        (
            Action::Filter,
            "filter",
            "filter the focused list as you type",
            &["/"],
        ),
        (
            Action::Sort,
            "sort",
            "cycle the sort of the focused list",
            &["s"],
        ),
        (
            Action::ReverseSort,
            "reverse_sort",
            "reverse the sort of the focused list (the header's ▼/▲ flips)",
            &["S"],
        ),
        (
            Action::Command,
            "command",
            "command line (:help for the list)",
            &[":"],
        ),
        (
            Action::Mark,
            "mark",
            "mark / unmark the row (bulk actions)",
            &["space"],
        ),
        (
            Action::MarkAll,
            "mark_all",
            "mark every row of the list; again to clear (Esc clears too)",
            &["*"],
        ),
        (
            Action::Assign,
            "assign",
            "assign the conversation(s) to a teammate or inbox",
            &["a"],
        ),
        (
            Action::Membership,
            "membership",
            "inbox membership of the teammate(s)",
            &["m"],
        ),
        (
            Action::Rebalance,
            "rebalance",
            "propose a rebalance: review (Space drops a move), Enter to apply",
            &["r"],
        ),
        (
            Action::Block,
            "block",
            "off-queue block: away for N minutes with a reason, back automatically (again: end it)",
            &["b"],
        ),
        (
            Action::Coverage,
            "coverage",
            "coverage: members working per inbox, now and the next 12 hours",
            &["C"],
        ),
        (
            Action::Trends,
            "trends",
            "trends: open per inbox and breaches over time, load now (1h/8h/24h)",
            &["T"],
        ),
        (
            Action::Handoff,
            "handoff",
            "write the shift handoff (Markdown) for the next lead",
            &["H"],
        ),
        (
            Action::IdleAway,
            "idle_away",
            "set the selected idle teammate (z idle?) away and reassign",
            &["z"],
        ),
        (
            Action::AwayRelease,
            "away_release",
            "set the teammate away and release their waiting conversations",
            &["Z"],
        ),
        (
            Action::Away,
            "away",
            "set the teammate(s) away (reason, reassign) or back",
            &["w"],
        ),
        (
            Action::Undo,
            "undo",
            "undo the latest write (again: the one before)",
            &["u"],
        ),
        (
            Action::CopyLink,
            "copy_link",
            "copy the conversation's link (OSC 52, works over SSH)",
            &["y"],
        ),
        (
            Action::OpenLink,
            "open_link",
            "open the conversation's link in a browser",
            &["o"],
        ),
        (Action::Audit, "audit", "recent audit log", &["L"]),
        (
            Action::Messages,
            "messages",
            "message history: write results, messages, poll errors",
            &["M"],
        ),
        (Action::Refresh, "refresh", "refresh now", &["ctrl-r", "f5"]),
        (Action::Help, "help", "this help", &["?"]),
        (Action::Quit, "quit", "quit (Ctrl-c always quits)", &["q"]),
    ];

    /// The action named `name` in the config.
    pub fn by_name(name: &str) -> Option<Action> {
        Self::ALL
            .iter()
            .find(|(_, n, _, _)| *n == name)
            .map(|(a, ..)| *a)
    }
}

/// One key with modifiers, e.g. `ctrl-r`, `G`, `f5`, `space`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    code: KeyCode,
    ctrl: bool,
    alt: bool,
}

impl KeySpec {
    /// Parses a key name: a character, or `enter esc tab backtab space up down left right
    /// home end pgup pgdn backspace delete f1`…`f12`, with optional `ctrl-` / `alt-`.
    pub fn parse(text: &str) -> Result<KeySpec, String> {
        let mut rest = text.trim();
        let (mut ctrl, mut alt) = (false, false);
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.chars().count() > 5 && lower.starts_with("ctrl-") {
                ctrl = true;
                rest = &rest[5..];
            } else if rest.chars().count() > 4 && lower.starts_with("alt-") {
                alt = true;
                rest = &rest[4..];
            } else {
                break;
            }
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" | "shift-tab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            f if f.len() >= 2
                && f.starts_with('f')
                && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
            {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
                    _ => {
                        return Err(format!(
                            "unknown key {text:?} (e.g. \"a\", \"G\", \"ctrl-r\", \"f5\", \"space\")"
                        ));
                    }
                }
            }
        };
        Ok(KeySpec { code, ctrl, alt })
    }

    /// Whether a key event is this key (Shift is implied by the character itself).
    pub fn matches(&self, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let code = match key.code {
            KeyCode::Char(c) if ctrl => KeyCode::Char(c.to_ascii_lowercase()),
            other => other,
        };
        code == self.code && ctrl == self.ctrl && alt == self.alt
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("Ctrl-")?;
        }
        if self.alt {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Key bindings.
#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    bindings: Vec<(KeySpec, Action)>,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = Action::ALL
            .iter()
            .flat_map(|(a, _, _, keys)| {
                keys.iter()
                    .filter_map(move |k| KeySpec::parse(k).ok().map(|s| (s, *a)))
            })
            .collect();
        Keymap { bindings }
    }
}

impl Keymap {
    /// The defaults with `[keys]` applied. Errors name the action (`keys.ACTION` in the
    /// config) and say what is wrong.
    pub fn from_config(keys: &crate::config::KeysConfig) -> Result<Keymap, (String, String)> {
        let overrides = keys
            .0
            .iter()
            .map(|(action, k)| (action.clone(), k.get_ref().to_vec()))
            .collect();
        Keymap::with_overrides(&overrides)
    }

    /// The defaults with `overrides` (action name → keys) replacing those actions' keys.
    /// Errors name the action and say what is wrong.
    pub fn with_overrides(
        overrides: &BTreeMap<String, Vec<String>>,
    ) -> Result<Keymap, (String, String)> {
        let mut map = Keymap::default();
        for (name, keys) in overrides {
            let action = Action::by_name(name).ok_or_else(|| {
                (
                    name.clone(),
                    format!(
                        "unknown action {name:?}; actions: {}",
                        Action::ALL
                            .iter()
                            .map(|a| a.1)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            let specs = keys
                .iter()
                .map(|k| KeySpec::parse(k))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| (name.clone(), e))?;
            map.bindings.retain(|(_, a)| *a != action);
            map.bindings.extend(specs.into_iter().map(|s| (s, action)));
        }
        for (i, (spec, a)) in map.bindings.iter().enumerate() {
            if let Some((_, b)) = map.bindings[i + 1..]
                .iter()
                .find(|(s, b)| s == spec && b != a)
            {
                let name = |x: &Action| Action::ALL.iter().find(|e| e.0 == *x).map_or("?", |e| e.1);
                return Err((
                    name(a).to_owned(),
                    format!("key {spec} is bound to both {} and {}", name(a), name(b)),
                ));
            }
        }
        Ok(map)
    }

    /// The action of a key, if any.
    pub fn action(&self, key: &KeyEvent) -> Option<Action> {
        self.bindings
            .iter()
            .find(|(s, _)| s.matches(key))
            .map(|(_, a)| *a)
    }

    /// The first key bound to `action`, as help writes it (e.g. `q`), when any is.
    pub fn key_for(&self, action: Action) -> Option<String> {
        self.bindings
            .iter()
            .find(|(_, a)| *a == action)
            .map(|(s, _)| s.to_string())
    }

    /// Help lines: (keys, description), in help order.
    pub fn help(&self) -> Vec<(String, &'static str)> {
        Action::ALL
            .iter()
            .map(|(a, _, what, _)| {
                let keys: Vec<String> = self
                    .bindings
                    .iter()
                    .filter(|(_, b)| b == a)
                    .map(|(s, _)| s.to_string())
                    .collect();
                (keys.join("  "), *what)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn defaults_cover_vim_arrows_and_ctrl_keys() {
        let k = Keymap::default();
        assert_eq!(
            k.action(&ev(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            k.action(&ev(KeyCode::Down, KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            k.action(&ev(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            k.action(&ev(KeyCode::Char('r'), KeyModifiers::CONTROL)),
            Some(Action::Refresh)
        );
        assert_eq!(
            k.action(&ev(KeyCode::Char('r'), KeyModifiers::NONE)),
            Some(Action::Rebalance),
            "plain r is not Ctrl-r"
        );
        assert_eq!(
            k.action(&ev(KeyCode::F(5), KeyModifiers::NONE)),
            Some(Action::Refresh)
        );
    }

    #[test]
    fn overrides_replace_keys_and_conflicts_are_refused() {
        let mut o = BTreeMap::new();
        o.insert(
            "assign".to_owned(),
            vec!["A".to_owned(), "ctrl-a".to_owned()],
        );
        let k = Keymap::with_overrides(&o).unwrap();
        assert_eq!(
            k.action(&ev(KeyCode::Char('A'), KeyModifiers::SHIFT)),
            Some(Action::Assign)
        );
        assert_eq!(
            k.action(&ev(KeyCode::Char('a'), KeyModifiers::CONTROL)),
            Some(Action::Assign)
        );
        assert_eq!(k.action(&ev(KeyCode::Char('a'), KeyModifiers::NONE)), None);
        assert!(
            k.help()
                .iter()
                .any(|(keys, what)| keys == "A  Ctrl-a" && what.starts_with("assign"))
        );
        o.insert("quit".to_owned(), vec!["A".to_owned()]);
        let (name, e) = Keymap::with_overrides(&o).unwrap_err();
        assert!(e.contains("bound to both"), "{name}: {e}");
        let mut bad = BTreeMap::new();
        bad.insert("teleport".to_owned(), vec!["t".to_owned()]);
        assert!(
            Keymap::with_overrides(&bad)
                .unwrap_err()
                .1
                .contains("unknown action")
        );
        bad.clear();
        bad.insert("quit".to_owned(), vec!["hyper-q".to_owned()]);
        assert!(
            Keymap::with_overrides(&bad)
                .unwrap_err()
                .1
                .contains("unknown key")
        );
    }
}
