//! The shipped example config is valid, complete and warning-free.

use shiftlead::app::keymap::Keymap;
use shiftlead::config;
use shiftlead::ui::theme::Theme;
use std::path::Path;

#[test]
fn example_config_parses_without_warnings() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let loaded = config::load(Some(&path)).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert!(loaded.config.backend.demo().is_some());
    assert_eq!(loaded.config.ui.refresh.as_secs(), 5);
}

#[test]
fn example_config_with_every_comment_removed_still_parses() {
    // Uncommenting the documented examples must give a valid config too.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let uncommented: String = text
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            // Documented examples are "# key = value" at the start; indented lines are prose.
            Some(rest)
                if !rest.starts_with(' ') && rest.starts_with('[')
                    || !rest.starts_with(' ')
                        && rest.contains(" = ")
                        && !rest.contains("e.g.")
                        && !rest.starts_with("Where") =>
            {
                rest.to_owned()
            }
            _ => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let (config, warnings) = config::parse(&uncommented, Path::new("uncommented.toml"))
        .unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(config.sla.len(), 2);
    assert_eq!(
        config.caps.teammates.len(),
        3,
        "two fixed caps and a ramp-up"
    );
    assert_eq!(config.teammates.len(), 1);
}

#[test]
fn a_missing_file_names_the_file() {
    let e = config::load(Some(Path::new("/nonexistent/shiftlead.toml"))).unwrap_err();
    assert!(e.to_string().contains("/nonexistent/shiftlead.toml"), "{e}");
}

#[test]
fn example_vendor_sections_uncommented_parse_without_warnings() {
    // The vendor sections shown commented out ("#   ") are valid as written.
    let text = include_str!("../config.example.toml");
    let vendor: String = text
        .lines()
        .skip_while(|l| *l != "#   [backend]")
        .map_while(|l| l.strip_prefix("#   "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(vendor.starts_with("[backend]\n"), "{vendor}");
    let (c, warnings) = config::parse(&vendor, Path::new("vendor.toml")).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(c.backend.demo().is_none());
}

/// Parses `text`, then builds the keymap and theme as `main` does, locating their errors.
fn looks(text: &str) -> Result<(Keymap, Theme), config::ConfigError> {
    let path = Path::new("/etc/x/config.toml");
    let (c, _) = config::parse(text, path)?;
    let keymap = Keymap::from_config(&c.keys)
        .map_err(|(a, e)| config::locate(&c, text, path, &format!("keys.{a}"), e))?;
    let theme = Theme::from_config(&c.theme, c.ui.monochrome)
        .map_err(|(k, e)| config::locate(&c, text, path, &k, e))?;
    Ok((keymap, theme))
}

#[test]
fn keys_and_theme_errors_name_the_key_and_line() {
    let e = looks("[keys]\nassign = \"hyper-a\"\n").unwrap_err();
    assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("keys.assign")));
    assert!(e.message.contains("unknown key"), "{e}");
    assert!(e.to_string().contains("/etc/x/config.toml line 2"), "{e}");
    let e = looks("[keys]\nassign = \"q\"\n").unwrap_err();
    assert!(e.message.contains("bound to both"), "{e}");
    let e = looks("[theme]\nname = \"neon\"\n").unwrap_err();
    assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("theme.name")));
    let e = looks("# Zoë 🎉\r\n[theme.colors]\r\nbad = \"reddish\"\r\n").unwrap_err();
    assert_eq!(
        (e.line, e.key.as_deref()),
        (Some(3), Some("theme.colors.bad"))
    );
    let text = "[keys]\nassign = [\"A\", \"ctrl-a\"]\n[theme]\nname = \"high-contrast\"\n";
    let (_, theme) = looks(text).unwrap();
    assert!(theme.high_contrast && !theme.monochrome);
    let (c, _) = config::parse(text, Path::new("x.toml")).unwrap();
    assert!(Theme::from_config(&c.theme, true).unwrap().monochrome);
}
