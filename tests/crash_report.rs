//! The panic hook end to end, in its own process: a panic whose message carries the token
//! writes a report file without it.

#[test]
fn a_panic_report_never_contains_a_registered_secret() {
    let dir = tempfile::tempdir().unwrap();
    shiftlead::crash::install(Some(dir.path().to_path_buf()));
    shiftlead::crash::register_secret("canary-token-panic-5d1e");
    let joined = std::thread::spawn(|| {
        panic!("request failed with Authorization: Bearer canary-token-panic-5d1e");
    })
    .join();
    assert!(joined.is_err());
    let _ = std::panic::take_hook();
    let reports: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .collect();
    assert_eq!(reports.len(), 1);
    let text = std::fs::read_to_string(reports[0].path()).unwrap();
    assert!(text.contains("Bearer [redacted]"), "{text}");
    assert!(!text.contains("canary-token-panic-5d1e"), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "no terminal colour codes: {text:?}"
    );
}

/// A closed stderr (the SSH session dropped, the tmux pane killed) is not a crash: the error
/// that could not be shown still ends the process with its own status, and no panic report
/// is written.
#[test]
fn a_closed_stderr_is_not_a_crash() {
    let home = tempfile::tempdir().unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_shiftlead"))
        .args(["--config", "/nonexistent/shiftlead.toml", "check"])
        .env("HOME", home.path())
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .stdout(std::process::Stdio::null())
        .stderr(writer)
        .status()
        .unwrap();
    assert_eq!(
        status.code(),
        Some(2),
        "the config error's status, not a panic's"
    );
    let reports: Vec<_> = walk(home.path())
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("panic-"))
        .collect();
    assert!(reports.is_empty(), "{reports:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
