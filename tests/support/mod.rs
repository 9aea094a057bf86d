//! Shared helpers for integration tests.

#![allow(dead_code)]

pub mod nats;
pub mod spec;
pub mod subject;

/// Whether the CI environment variable says this run is CI (set, and not empty, `0` or
/// `false`).
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// Whether a test may go on with an optional dependency (`what`, e.g. "tmux"): `true` when it
/// is `available`; when it is not, `false` with a "skipping" message locally, and a panic under
/// CI, where a test that skips must not pass.
pub fn require(what: &str, available: bool) -> bool {
    match decide(what, available, under_ci()) {
        Ok(go_on) => go_on,
        Err(why) => panic!("{why}"),
    }
}

/// [`require`]'s decision, apart from the environment: `Ok(true)` go on, `Ok(false)` skip,
/// `Err` fail with the message.
pub fn decide(what: &str, available: bool, ci: bool) -> Result<bool, String> {
    match (available, ci) {
        (true, _) => Ok(true),
        (false, true) => Err(format!(
            "{what} is missing, and under CI (CI is set) a test may not skip: install it or \
             unset CI to skip locally"
        )),
        (false, false) => {
            eprintln!("skipping: {what} is missing (this fails under CI)");
            Ok(false)
        }
    }
}

/// `true` when tmux runs here.
pub fn has_tmux() -> bool {
    std::process::Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn a_missing_dependency_skips_locally_and_fails_under_ci() {
    assert_eq!(decide("x", true, true), Ok(true));
    assert_eq!(decide("x", true, false), Ok(true));
    assert_eq!(decide("x", false, false), Ok(false));
    let err = decide("tmux", false, true).unwrap_err();
    assert!(
        err.contains("tmux is missing") && err.contains("CI"),
        "{err}"
    );
}
