//! `[backend]`: tagged on `kind`, each vendor's keys its own, old flat sections caught, and
//! inline tokens refused in files others can read.

use shiftlead::backend::{BackendConfig, TokenSource};
use shiftlead::config::{self, Config, ConfigError};
use std::path::Path;
use std::time::Duration;

fn p(text: &str) -> Result<(Config, Vec<String>), ConfigError> {
    config::parse(text, Path::new("/etc/x/config.toml"))
}

#[cfg(unix)]
#[test]
fn an_inline_token_in_a_file_others_can_read_is_refused_with_the_fix() {
    use secrecy::ExposeSecret;
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[backend]\nkind = \"intercom\"\ntoken = \"canary-inline-7f3\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let e = config::load(Some(&path)).unwrap_err();
    assert_eq!(e.line, Some(3));
    assert_eq!(e.key.as_deref(), Some("backend.token"));
    let msg = e.to_string();
    assert!(msg.contains("chmod 600") && msg.contains("644"), "{msg}");
    assert!(msg.contains("${INTERCOM_TOKEN}"), "{msg}");
    assert!(!msg.contains("canary-inline-7f3"), "{msg}");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let loaded = config::load(Some(&path)).unwrap();
    let c = &loaded.config;
    let source = TokenSource {
        env: "SHIFTLEAD_TEST_UNSET_VAR_inline",
        ..c.backend.token_source().unwrap()
    };
    assert_eq!(
        config::token::resolve(&source).unwrap().expose_secret(),
        "canary-inline-7f3"
    );
    assert!(!format!("{c:?}").contains("canary-inline-7f3"));
    assert!(!format!("{loaded:?}").contains("canary-inline-7f3"));
}

#[test]
fn intercom_values_are_validated_where_they_are_written() {
    let intercom = "[backend]\nkind = \"intercom\"\n";
    let plain = format!("{intercom}base_url = \"http://api.intercom.io\"\n");
    fails_at(&plain, 3, "backend.base_url", "plain http");
    fails_at(
        &format!("{intercom}region = \"mars\"\n"),
        3,
        "backend.region",
        "mars",
    );
}

/// `text` fails at `line` under `key`, and the message says `says`.
fn fails_at(text: &str, line: usize, key: &str, says: &str) {
    let e = p(text).unwrap_err();
    assert_eq!((e.line, e.key.as_deref()), (Some(line), Some(key)), "{e}");
    assert!(e.message.contains(says), "{e}");
}

#[test]
fn backend_is_tagged_on_kind_and_keys_belong_to_their_kind() {
    let (c, w) = p("[backend]\nkind = \"intercom\"\nregion = \"EU\"\ntimeout = \"3s\"\n").unwrap();
    assert!(w.is_empty(), "{w:?}");
    let BackendConfig::Intercom(i) = &c.backend else {
        panic!("{c:?}")
    };
    assert_eq!(
        (i.region.as_str(), i.timeout),
        ("eu", Duration::from_secs(3))
    );
    assert_eq!(c.backend.token_source().unwrap().env, "INTERCOM_TOKEN");

    let (c, _) = p("[backend]\nkind = \"demo\"\nvendor = \"intercom\"\nseed = 7\n").unwrap();
    assert_eq!(c.backend.demo().map(|d| d.seed), Some(7));

    let demo = "[backend]\nkind = \"demo\"\n";
    fails_at(
        &format!("{demo}region = \"eu\"\n"),
        3,
        "backend.region",
        "kind = \"intercom\"",
    );
    fails_at(
        &format!("{demo}vendor = \"zendesk9\"\n"),
        3,
        "backend.vendor",
        "intercom",
    );
    fails_at(
        &format!("{demo}timeout = \"0s\"\n"),
        3,
        "backend.timeout",
        "more than 0s",
    );
    fails_at(
        "[backend]\nkind = \"intercom\"\nseed = 3\n",
        3,
        "backend.seed",
        "kind = \"demo\"",
    );

    let (_, w) = p(&format!("{demo}seeed = 3\n")).unwrap();
    assert!(w.iter().any(|x| x.contains("backend.seeed")), "{w:?}");
}

#[test]
fn an_old_flat_backend_without_kind_says_to_add_it() {
    let old = "[backend]\nregion = \"eu\"\ntoken_env = \"X\"\n";
    fails_at(old, 2, "backend.region", "add kind = \"intercom\"");
    let (c, w) = p("[backend]\nseed = 9\ntimeout = \"2s\"\n").unwrap();
    assert!(w.is_empty(), "{w:?}");
    assert_eq!(c.backend.demo().map(|d| d.seed), Some(9));
}
