//! Unit tests of loading and locating; keymap and theme errors are in tests/config_example.rs.

use super::*;
use crate::backend::Vendor;
use crate::domain::Priority;
use crate::domain::policy::SortKey;
use jiff::SignedDuration;
use std::time::Duration;

#[test]
fn caps_may_be_fixed_or_a_ramp_up() {
    let (c, w) = p(r#"
[caps.teammates]
"ana@x.io" = 5
"new@x.io" = { ramp = [{ until = "2026-12-07", cap = 2 }], then = 6 }
"#)
    .unwrap();
    assert!(w.is_empty(), "{w:?}");
    let policy = c.policy();
    let new = &policy
        .caps
        .overrides
        .iter()
        .find(|(k, _)| k == "new@x.io")
        .unwrap()
        .1;
    let cap = new.in_force(jiff::civil::date(2026, 12, 1)).unwrap();
    assert_eq!(cap.value, 2);
    assert_eq!(cap.source.to_string(), "ramp-up until 2026-12-07");
    assert_eq!(
        new.in_force(jiff::civil::date(2026, 12, 8)).unwrap().value,
        6
    );
    let e =
        p("[caps.teammates]\n\"x\" = { ramp = [{ until = \"soon\", cap = 2 }] }\n").unwrap_err();
    assert_eq!(e.line, Some(2), "{e}");
}

fn p(text: &str) -> Result<(Config, Vec<String>), ConfigError> {
    parse(text, Path::new("/etc/x/config.toml"))
}

#[test]
fn empty_file_is_the_demo_with_defaults() {
    let (c, w) = p("").unwrap();
    assert_eq!(c.backend.demo().map(|d| d.vendor), Some(Vendor::default()));
    assert_eq!(c.ui.refresh, Duration::from_secs(5));
    assert_eq!(c.caps.default, 8);
    assert!(w.is_empty());
}

#[test]
fn bad_duration_names_file_line_and_key() {
    let e = p("[backend]\nkind = \"demo\"\n\n[ui]\nrefresh = \"5 parsecs\"\n").unwrap_err();
    assert_eq!(e.line, Some(5));
    assert_eq!(e.key.as_deref(), Some("ui.refresh"));
    let text = e.to_string();
    assert!(text.contains("/etc/x/config.toml line 5"), "{text}");
    assert!(text.contains("key ui.refresh"), "{text}");
    assert!(text.contains("5 parsecs"), "{text}");
}

#[test]
fn wrong_type_and_bad_enum_are_located() {
    let e = p("[caps]\ndefault = \"eight\"\n").unwrap_err();
    assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("caps.default")));
    let e = p("[backend]\nkind = \"helpdesk9\"\n").unwrap_err();
    assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("backend.kind")));
    let e = p("[teammates.\"ana@x.io\"]\ntime_zone = \"Mars/Olympus\"\n").unwrap_err();
    assert!(e.to_string().contains("Mars/Olympus"));
    let e = p("[[sla]]\nfirst_response = \"1h\"\nnext_response = \"2h\"\n").unwrap_err();
    assert!(e.to_string().contains("name or a priority"));
    let e = p("[ui]\norder = [\"priority\", \"shoe_size\"]\n").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("ui.order"));
}

#[test]
fn syntax_errors_have_a_line() {
    let e = p("[ui\nrefresh = 1\n").unwrap_err();
    assert_eq!(e.line, Some(1));
}

#[test]
fn unknown_keys_are_warned_with_their_path() {
    let (_, w) = p("colour = 1\n[ui]\nrefreshh = \"5s\"\n").unwrap();
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(
        w.iter()
            .any(|x| x.contains("ui.refreshh") && x.contains("/etc/x/config.toml"))
    );
    assert!(w.contains(&"/etc/x/config.toml:1: unknown key colour (ignored)".to_owned()));
    assert!(w.contains(&"/etc/x/config.toml:3: unknown key ui.refreshh (ignored)".to_owned()));
}

#[test]
fn unknown_keys_in_backend_and_nested_tables_name_their_line() {
    let text = "[backend]\nkind = \"demo\"\nseeed = 4\n\n[alerts]\nbell = true\nbel = true\n";
    let (_, w) = p(text).unwrap();
    assert!(
        w.contains(&"/etc/x/config.toml:3: unknown key backend.seeed (ignored)".to_owned()),
        "{w:?}"
    );
    assert!(
        w.contains(&"/etc/x/config.toml:7: unknown key alerts.bel (ignored)".to_owned()),
        "{w:?}"
    );
}

#[test]
fn policy_maps_caps_targets_and_order() {
    let (c, _) = p(r#"
[caps]
default = 5
[caps.teammates]
"ana@x.io" = 3
[[sla]]
name = "VIP"
first_response = "15m"
next_response = "1h"
[[sla]]
priority = "urgent"
first_response = "5m"
next_response = "30m"
[ui]
order = ["priority", "created_at"]
breaching_soon = "10m"
"#)
    .unwrap();
    let policy = c.policy();
    assert_eq!(policy.caps.default, 5);
    assert_eq!(
        policy.caps.overrides,
        vec![("ana@x.io".to_owned(), CapOverride::fixed(3))]
    );
    assert_eq!(policy.sla_targets.len(), 2);
    assert_eq!(policy.sla_targets[1].priority, Some(Priority::Urgent));
    assert_eq!(policy.order, vec![SortKey::Priority, SortKey::CreatedAt]);
    assert_eq!(policy.breaching_soon, SignedDuration::from_mins(10));
}

#[test]
fn a_crlf_file_with_multibyte_characters_reports_the_right_line_without_panicking() {
    let text = "# Zoë's team 🎉\r\n[teammates.\"zoë@x.io\"]\r\ntime_zone = \"Europe/Dublin\" # ☕\r\n\r\n[ui]\r\nrefresh = \"🎉 soon\"\r\n";
    let e = p(text).unwrap_err();
    assert_eq!(e.line, Some(6), "{e}");
    assert_eq!(e.column, Some(11), "{e}");
    assert_eq!(e.key.as_deref(), Some("ui.refresh"), "{e}");
    let e = p("a = \"Zoë\"\r\n[keys]\r\n\"🎉\" = 3\r\n").unwrap_err();
    assert_eq!(e.line, Some(3), "{e}");
    let e = p("name = \"Zoë 🎉\"\r\n[ui\r\n").unwrap_err();
    assert_eq!(e.line, Some(2), "{e}");
}

#[test]
fn coverage_errors_are_located() {
    for (text, key) in [
        ("[coverage]\nhours = \"nine-five\"\n", "coverage.hours"),
        (
            "[teammates.\"ana@x.io\"]\nhours = \"late\"\n",
            "teammates.\"ana@x.io\".hours",
        ),
    ] {
        let e = p(text).unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(2), Some(key)), "{e}");
    }
}

#[test]
fn a_team_lead_may_name_a_vendor_fallback_and_mistakes_name_its_line_and_key() {
    let team = "[backend]\nkind = \"team\"\nnats_url = \"nats://127.0.0.1:4222\"\n";
    let (a, b) = (Vendor::ALL[0], Vendor::ALL[1]);
    let (c, w) = p(&format!(
        "{team}[fallback]\nkind = \"{}\"\ntoken_env = \"MY_TOKEN\"\ncolour = 1\n",
        a.name()
    ))
    .unwrap();
    assert_eq!(c.fallback.as_ref().map(BackendConfig::kind), Some(a.name()));
    assert_eq!(
        w,
        ["/etc/x/config.toml:7: unknown key fallback.colour (ignored)"]
    );
    // Not a vendor.
    let e = p(&format!("{team}[fallback]\nkind = \"team\"\n")).unwrap_err();
    assert_eq!(
        (e.line, e.key.as_deref()),
        (Some(4), Some("fallback.kind")),
        "{e}"
    );
    // A key of another vendor, named as the fallback's.
    let theirs = b.keys().iter().find(|k| !a.keys().contains(k)).unwrap();
    let e = p(&format!(
        "{team}[fallback]\nkind = \"{}\"\n{theirs} = \"x\"\n",
        a.name()
    ))
    .unwrap_err();
    assert_eq!(e.key, Some(format!("fallback.{theirs}")), "{e}");
    assert_eq!(e.line, Some(6), "{e}");
    // Only in team mode.
    let e = p(&format!("[fallback]\nkind = \"{}\"\n", a.name())).unwrap_err();
    assert_eq!(
        (e.line, e.key.as_deref()),
        (Some(1), Some("fallback")),
        "{e}"
    );
}
