//! The shipped example config is valid, complete and warning-free.

use shiftlead::config::{self, BackendKind};
use std::path::Path;

#[test]
fn example_config_parses_without_warnings() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let loaded = config::load(Some(&path)).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.config.backend.kind, BackendKind::Demo);
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
