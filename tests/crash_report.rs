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
