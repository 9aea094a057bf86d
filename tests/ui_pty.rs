//! The real binary in a real terminal (tmux): the demo opens, `?` `/` Esc work, `q` exits 0
//! and the terminal is restored. Skips with a message when tmux is not installed.

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

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

#[test]
fn the_demo_opens_answers_keys_and_exits_cleanly() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("skipping: tmux is not installed");
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
