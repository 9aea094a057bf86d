//! The real binary in a real terminal (tmux): the demo opens, `?` `/` Esc work, `q` exits 0
//! and the terminal is restored — also after SIGTERM, SIGHUP and a panic (whose report goes to
//! a file), and through a resize storm down to 1×1. Skips with a message when tmux is not
//! installed — and fails instead under CI (the `CI` environment variable set).

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "t"])
    }

    /// Waits (bounded) until the screen contains `needle`.
    fn wait_for(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "timed out waiting for {needle:?}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits (bounded) until `ok` holds for the screen.
    fn wait_until(&self, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "timed out; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.run(&args);
    }
}

/// The binary's process id: the child of the pane's shell.
fn child_pid(tmux: &Tmux) -> String {
    let start = Instant::now();
    loop {
        let shell = tmux.run(&["display", "-p", "-t", "t", "#{pane_pid}"]);
        let out = Command::new("pgrep")
            .args(["-P", shell.trim()])
            .output()
            .expect("pgrep runs");
        let pid = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_owned();
        if !pid.is_empty() {
            return pid;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no child process"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Starts the binary in a fresh tmux server with a clean HOME; after it exits the pane shows
/// `EXIT=<code>` and `stty -a`. `None` (with a message) when tmux is missing.
fn start(env: &str) -> Option<(Tmux, tempfile::TempDir)> {
    if !support::require("tmux", support::has_tmux()) {
        return None;
    }
    let home = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_shiftlead");
    let tmux = Tmux {
        socket: format!(
            "shiftlead-test-{}-{}",
            std::process::id(),
            home.path().file_name().unwrap().to_string_lossy()
        ),
    };
    let script = format!(
        "HOME={home} XDG_CONFIG_HOME={home}/config XDG_STATE_HOME={home}/state XDG_DATA_HOME={home}/data {env} {bin}; \
         echo EXIT=$?; stty -a; sleep 60",
        home = home.path().display()
    );
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "100",
        "-y",
        "30",
        &script,
    ]);
    Some((tmux, home))
}

/// Raw mode is off again (canonical input and echo are back) and the alternate screen is gone.
fn assert_restored(after: &str) {
    assert!(
        after.contains(" icanon") && after.contains(" echo"),
        "{after}"
    );
    assert!(
        !after.contains("Teammates"),
        "the alternate screen is gone: {after}"
    );
}

#[test]
fn sigterm_and_sighup_leave_the_terminal_restored() {
    for signal in ["TERM", "HUP"] {
        let Some((tmux, _home)) = start("") else {
            return;
        };
        tmux.wait_for("Teammates");
        let pid = child_pid(&tmux);
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap();
        assert!(killed.success());
        let after = tmux.wait_for("speed");
        assert!(after.contains("EXIT="), "{signal}: {after}");
        assert_restored(&after);
    }
}

/// SSH dropped: the terminal itself goes away (the pty's master closes), so the binary gets
/// SIGHUP and every write to the terminal fails with EIO. It leaves quietly — no panic report
/// (ratatui's drop would `eprintln!` into the dead terminal and panic) — and promptly.
#[test]
fn a_hung_up_terminal_quits_without_a_crash_report() {
    let Some((tmux, home)) = start("") else {
        return;
    };
    tmux.wait_for("Teammates");
    let pid = child_pid(&tmux);
    tmux.run(&["kill-server"]);
    let start = Instant::now();
    while std::path::Path::new(&format!("/proc/{pid}")).exists() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "still running 10 s after the hang-up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let dir = home.path().join("state/shiftlead");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with("panic-")),
        "a hang-up is not a crash: {names:?}"
    );
    let log = std::fs::read_to_string(dir.join("shiftlead.log")).unwrap();
    assert!(
        log.contains("quitting on SIGHUP") || log.contains("the terminal is gone"),
        "{log}"
    );
}

#[test]
fn a_panic_restores_the_terminal_and_says_where_the_report_is() {
    let Some((tmux, home)) = start("SHIFTLEAD_TEST_PANIC=1") else {
        return;
    };
    let after = tmux.wait_for("speed");
    assert!(after.contains("shiftlead crashed"), "{after}");
    assert!(after.contains("EXIT=101"), "{after}");
    assert_restored(&after);
    let dir = home.path().join("state/shiftlead");
    let report = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with("panic-"))
        .expect("a panic report file");
    let text = std::fs::read_to_string(report.path()).unwrap();
    assert!(text.contains("deliberate panic"), "{text}");
    let joined: String = after.lines().map(str::trim_end).collect();
    assert!(joined.contains("panic-"), "the path is printed: {after}");
}

#[test]
fn a_resize_storm_down_to_1x1_does_not_panic() {
    let Some((tmux, _home)) = start("") else {
        return;
    };
    tmux.wait_for("Teammates");
    let sizes = [
        (1, 1),
        (200, 60),
        (2, 1),
        (80, 24),
        (10, 3),
        (1, 40),
        (300, 1),
        (45, 12),
        (79, 23),
        (120, 36),
    ];
    for round in 0..6 {
        for (w, h) in sizes {
            let (w, h) = (w + round, h);
            tmux.run(&[
                "resize-window",
                "-t",
                "t",
                "-x",
                &w.to_string(),
                "-y",
                &h.to_string(),
            ]);
        }
    }
    tmux.run(&["resize-window", "-t", "t", "-x", "100", "-y", "30"]);
    tmux.wait_until(|s| s.contains("Teammates") && s.contains("Inboxes"));
    tmux.keys(&["q"]);
    let after = tmux.wait_for("speed");
    assert!(after.contains("EXIT=0"), "{after}");
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

#[test]
fn the_demo_opens_answers_keys_and_exits_cleanly() {
    if !support::require("tmux", support::has_tmux()) {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_shiftlead");
    let tmux = Tmux {
        socket: format!("shiftlead-test-{}", std::process::id()),
    };
    // A clean environment: no user config, logs under a temp HOME.
    let script = format!(
        "HOME={home} XDG_CONFIG_HOME={home}/config XDG_STATE_HOME={home}/state {bin}; \
         echo EXIT=$?; stty -a; sleep 60",
        home = home.path().display()
    );
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "100",
        "-y",
        "30",
        &script,
    ]);
    let first = tmux.wait_for("Teammates");
    assert!(first.contains("DEMO"), "{first}");
    assert!(
        first.contains("Inboxes") && first.contains("SLA"),
        "{first}"
    );

    tmux.keys(&["?"]);
    // Frames arrive as diffs: wait for the last thing asserted, not the first.
    let help = tmux.wait_for("filter the focused list");
    assert!(help.contains("Help"), "{help}");
    tmux.keys(&["Escape"]);
    tmux.wait_until(|s| !s.contains("Help —") && s.contains("SLA"));

    tmux.keys(&["/"]);
    tmux.wait_for("Enter keep");
    tmux.keys(&["b", "i", "l"]);
    // Only Billing is left in the inbox list (other inboxes may still be named elsewhere).
    let filtered = tmux.wait_until(|s| s.contains("/bil") && !s.contains("│ Technical "));
    assert!(filtered.contains("│ Billing "), "{filtered}");
    tmux.keys(&["Escape"]);
    tmux.wait_until(|s| s.contains("│ Technical "));

    tmux.keys(&["q"]);
    let after = tmux.wait_for("speed");
    assert!(after.contains("EXIT=0"), "{after}");
    // Raw mode is off again: canonical input and echo are back.
    assert!(
        after.contains(" icanon") && after.contains(" echo"),
        "{after}"
    );
    assert!(
        !after.contains("Teammates"),
        "the alternate screen is gone: {after}"
    );
}
