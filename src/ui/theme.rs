//! Colours and emphasis. Colour never carries meaning alone: every styled state also has a
//! symbol or word. Monochrome (NO_COLOR or `ui.monochrome`) keeps only bold/reverse/dim.

use ratatui::style::{Color, Modifier, Style};

/// A semantic style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Plain text.
    Text,
    /// Secondary text.
    Dim,
    /// Headers and labels.
    Header,
    /// Focused pane border and title.
    Focus,
    /// Unfocused borders.
    Border,
    /// Selected row.
    Selected,
    /// Breached / over cap / errors.
    Bad,
    /// Breaching soon.
    Warn,
    /// Under the "warn" threshold.
    Notice,
    /// Healthy.
    Good,
    /// Away.
    Away,
    /// The DEMO badge.
    Badge,
}

/// The palette in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Theme {
    /// No colours.
    pub monochrome: bool,
}

impl Theme {
    /// The style of a role.
    pub fn style(self, role: Role) -> Style {
        let s = Style::default();
        if self.monochrome {
            return match role {
                Role::Header | Role::Focus | Role::Bad | Role::Badge => {
                    s.add_modifier(Modifier::BOLD)
                }
                Role::Selected => s.add_modifier(Modifier::REVERSED),
                Role::Dim | Role::Border => s.add_modifier(Modifier::DIM),
                _ => s,
            };
        }
        match role {
            Role::Text => s,
            Role::Dim => s.fg(Color::DarkGray),
            Role::Header => s.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            Role::Focus => s.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            Role::Border => s.fg(Color::DarkGray),
            Role::Selected => s.bg(Color::Rgb(40, 50, 70)).add_modifier(Modifier::BOLD),
            Role::Bad => s.fg(Color::LightRed).add_modifier(Modifier::BOLD),
            Role::Warn => s.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Role::Notice => s.fg(Color::Yellow),
            Role::Good => s.fg(Color::Green),
            Role::Away => s.fg(Color::Magenta),
            Role::Badge => s
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
        }
    }
}
