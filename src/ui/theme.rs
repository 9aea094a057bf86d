//! Colours and emphasis. Colour never carries meaning alone: every styled state also has a
//! symbol or word. Monochrome (NO_COLOR or `ui.monochrome`) keeps only bold/reverse/dim.

use ratatui::style::{Color, Modifier, Style};
use std::str::FromStr;

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

impl Role {
    /// Every role with its config name.
    pub const ALL: [(Role, &'static str); 12] = [
        (Role::Text, "text"),
        (Role::Dim, "dim"),
        (Role::Header, "header"),
        (Role::Focus, "focus"),
        (Role::Border, "border"),
        (Role::Selected, "selected"),
        (Role::Bad, "bad"),
        (Role::Warn, "warn"),
        (Role::Notice, "notice"),
        (Role::Good, "good"),
        (Role::Away, "away"),
        (Role::Badge, "badge"),
    ];
}

/// The palette in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Theme {
    /// No colours.
    pub monochrome: bool,
    /// Bright colours on black, bold text: for projectors and low-quality screens.
    pub high_contrast: bool,
    /// Foreground overrides per role (from `[theme.colors]`).
    pub colors: [Option<Color>; 12],
}

impl Theme {
    /// The theme of `[theme]`, monochrome as well when `monochrome` (`ui.monochrome` or
    /// NO_COLOR). Errors name the offending key (`theme.name`, `theme.colors.ROLE`).
    pub fn from_config(
        config: &crate::config::ThemeConfig,
        monochrome: bool,
    ) -> Result<Theme, (String, String)> {
        let colors = config.colors.iter().map(|(role, c)| (role, c.get_ref()));
        let mut theme = Theme::named(config.name.get_ref(), colors)?;
        theme.monochrome |= monochrome;
        Ok(theme)
    }

    /// A theme by name (`default`, `high-contrast`, `monochrome`) with colour overrides
    /// (role name → colour name or `#rrggbb`). Errors name the offending key.
    pub fn named<'a>(
        name: &str,
        colors: impl Iterator<Item = (&'a String, &'a String)>,
    ) -> Result<Theme, (String, String)> {
        let mut theme = match name {
            "default" | "" => Theme::default(),
            "high-contrast" | "high_contrast" => Theme {
                high_contrast: true,
                ..Theme::default()
            },
            "monochrome" => Theme {
                monochrome: true,
                ..Theme::default()
            },
            other => {
                return Err((
                    "theme.name".into(),
                    format!("unknown theme {other:?} (default, high-contrast, monochrome)"),
                ));
            }
        };
        for (role, color) in colors {
            let key = format!("theme.colors.{role}");
            let n = Role::ALL
                .iter()
                .position(|(_, r)| r == role)
                .ok_or_else(|| {
                    let names: Vec<&str> = Role::ALL.iter().map(|(_, r)| *r).collect();
                    (
                        key.clone(),
                        format!("unknown role {role:?} ({})", names.join(", ")),
                    )
                })?;
            let c = Color::from_str(color).map_err(|_| {
                (
                    key.clone(),
                    format!("invalid colour {color:?} (a name like \"red\" or \"#ff8800\")"),
                )
            })?;
            theme.colors[n] = Some(c);
        }
        Ok(theme)
    }

    /// The style of a role.
    pub fn style(self, role: Role) -> Style {
        let base = self.base(role);
        if self.monochrome {
            return base;
        }
        let n = Role::ALL.iter().position(|(r, _)| *r == role).unwrap_or(0);
        match self.colors[n] {
            Some(c) => base.fg(c),
            None => base,
        }
    }

    fn base(self, role: Role) -> Style {
        let s = Style::default();
        if self.high_contrast && !self.monochrome {
            return match role {
                Role::Text => s.fg(Color::White),
                Role::Dim => s.fg(Color::Gray),
                Role::Header | Role::Focus => s.fg(Color::LightCyan).add_modifier(Modifier::BOLD),
                Role::Border => s.fg(Color::White),
                Role::Selected => s
                    .fg(Color::Black)
                    .bg(Color::White)
                    .add_modifier(Modifier::BOLD),
                Role::Bad => s
                    .fg(Color::LightRed)
                    .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
                Role::Warn | Role::Notice => s.fg(Color::LightYellow).add_modifier(Modifier::BOLD),
                Role::Good => s.fg(Color::LightGreen).add_modifier(Modifier::BOLD),
                Role::Away => s.fg(Color::LightMagenta).add_modifier(Modifier::BOLD),
                Role::Badge => s
                    .fg(Color::Black)
                    .bg(Color::LightYellow)
                    .add_modifier(Modifier::BOLD),
            };
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn themes_load_by_name_with_overrides_and_errors_name_the_key() {
        let colors = [("bad".to_owned(), "#ff8800".to_owned())];
        let t = Theme::named("high-contrast", colors.iter().map(|(a, b)| (a, b))).unwrap();
        assert!(t.high_contrast);
        assert_eq!(t.style(Role::Bad).fg, Some(Color::Rgb(255, 136, 0)));
        let (key, e) = Theme::named("neon", std::iter::empty()).unwrap_err();
        assert_eq!(key, "theme.name");
        assert!(e.contains("neon"));
        let bad = [("bad".to_owned(), "reddish".to_owned())];
        let (key, _) = Theme::named("default", bad.iter().map(|(a, b)| (a, b))).unwrap_err();
        assert_eq!(key, "theme.colors.bad");
        let bad = [("sparkle".to_owned(), "red".to_owned())];
        let (key, e) = Theme::named("default", bad.iter().map(|(a, b)| (a, b))).unwrap_err();
        assert_eq!(key, "theme.colors.sparkle");
        assert!(e.contains("unknown role"));
        let mono = Theme::named("monochrome", colors.iter().map(|(a, b)| (a, b))).unwrap();
        assert_eq!(mono.style(Role::Bad).fg, None, "monochrome ignores colours");
    }
}
