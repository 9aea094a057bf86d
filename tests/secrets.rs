//! The token never leaks: a canary token is used for every path a user can take — the
//! dashboard's screen, `snapshot --json`, `check`, writes and their audit log, error messages
//! (bad token, bad request, unreachable host), trace-level logs and a panic report — and every
//! output and every file written is searched for it.

mod support;

use assert_cmd::Command;
use shiftlead::clock::SystemClock;
use shiftlead::sim::{self, SimConfig};
use std::path::Path;
use std::process::Command as Process;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CANARY: &str = "canary-7c1f9e2ab35d";

fn shiftlead(home: &Path, config: &Path) -> Command {
    let mut cmd = Command::cargo_bin("shiftlead").unwrap();
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("SHIFTLEAD_LOG", "trace")
        .env("INTERCOM_TOKEN", CANARY)
        .env_remove("SHIFTLEAD_CONFIG")
        .arg("--config")
        .arg(config);
    cmd
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn assert_clean(what: &str, text: &str) {
    assert!(
        !text.contains(CANARY),
        "the token leaked into {what}:\n{text}"
    );
}

/// The dashboard in tmux: the screen it shows, then a deliberate panic's report.
fn screen_and_panic(home: &Path, config: &Path) -> Vec<String> {
    if !support::require("tmux (for the screen check)", support::has_tmux()) {
        return Vec::new();
    }
    let bin = env!("CARGO_BIN_EXE_shiftlead");
    let mut screens = Vec::new();
    for (n, extra) in ["", "SHIFTLEAD_TEST_PANIC=1"].into_iter().enumerate() {
        // A server per run: reusing a socket right after kill-server races its shutdown.
        let socket = format!("shiftlead-secrets-{}-{n}", std::process::id());
        let tmux = |args: &[&str]| {
            let out = Process::new("tmux")
                .args(["-L", &socket])
                .args(args)
                .output()
                .unwrap();
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        };
        let env = format!(
            "HOME={h} XDG_CONFIG_HOME={h}/config XDG_STATE_HOME={h}/state XDG_DATA_HOME={h}/data \
         SHIFTLEAD_LOG=trace INTERCOM_TOKEN={CANARY}",
            h = home.display()
        );
        let script = format!(
            "{env} {extra} {bin} --config {}; echo EXIT=$?; sleep 30",
            config.display()
        );
        tmux(&[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "160",
            "-y",
            "40",
            &script,
        ]);
        let start = Instant::now();
        let screen = loop {
            let s = tmux(&["capture-pane", "-p", "-t", "t"]);
            if (extra.is_empty() && s.contains("Teammates")) || s.contains("EXIT=") {
                break s;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "{s}");
            std::thread::sleep(Duration::from_millis(100));
        };
        screens.push(screen);
        if extra.is_empty() {
            // Through help and the command line too.
            tmux(&["send-keys", "-t", "t", "?"]);
            std::thread::sleep(Duration::from_millis(300));
            screens.push(tmux(&["capture-pane", "-p", "-t", "t"]));
            tmux(&["send-keys", "-t", "t", "Escape", "q"]);
            std::thread::sleep(Duration::from_millis(300));
        }
        let _ = tmux(&["kill-server"]);
    }
    screens
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_never_appears_in_output_files_screens_or_reports() {
    let mut cfg = SimConfig::demo(Arc::new(SystemClock));
    cfg.token = CANARY.into();
    let sim = sim::start(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let teammate = sim.world().admins[3].id.to_string();
    let conversation = sim
        .world()
        .conversations
        .keys()
        .next()
        .copied()
        .unwrap()
        .to_string();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("shiftlead.toml");
    std::fs::write(
        &config,
        format!(
            "[backend]\nkind = \"intercom\"\nbase_url = \"{}\"\n",
            sim.base_url()
        ),
    )
    .unwrap();
    let unreachable = home.path().join("unreachable.toml");
    std::fs::write(
        &unreachable,
        "[backend]\nkind = \"intercom\"\nbase_url = \"http://127.0.0.1:9\"\ntimeout = \"2s\"\n",
    )
    .unwrap();
    let home_path = home.path().to_path_buf();
    let outputs = tokio::task::spawn_blocking(move || {
        let h = home_path.as_path();
        let mut outputs: Vec<(String, String)> = Vec::new();
        let mut run = |label: &str, cmd: &mut Command| {
            let out = cmd.output().unwrap();
            let text = format!(
                "{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            outputs.push((label.to_owned(), text));
            out.status.success()
        };
        assert!(run(
            "snapshot --json",
            shiftlead(h, &config).args(["snapshot", "--json"])
        ));
        assert!(run("check", shiftlead(h, &config).arg("check")));
        assert!(run("away", shiftlead(h, &config).args(["away", &teammate])));
        assert!(run("back", shiftlead(h, &config).args(["back", &teammate])));
        assert!(!run(
            "assign to nobody",
            shiftlead(h, &config).args(["assign", &conversation, "--to", "nobody-here"])
        ));
        assert!(!run(
            "a wrong token",
            shiftlead(h, &config)
                .env("INTERCOM_TOKEN", format!("{CANARY}-wrong"))
                .args(["snapshot", "--json"])
        ));
        assert!(!run(
            "an unreachable host",
            shiftlead(h, &unreachable).args(["snapshot", "--json"])
        ));
        for (n, screen) in screen_and_panic(h, &config).into_iter().enumerate() {
            outputs.push((format!("screen {n}"), screen));
        }
        outputs
    })
    .await
    .unwrap();
    for (what, text) in &outputs {
        assert_clean(what, text);
    }
    let written = files(home.path());
    let names: Vec<String> = written
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    assert!(names.iter().any(|n| n == "audit.log"), "{names:?}");
    assert!(names.iter().any(|n| n == "shiftlead.log"), "{names:?}");
    if names.iter().any(|n| n.starts_with("panic-")) {
        eprintln!("a panic report was written and checked");
    }
    for path in written {
        if path.ends_with("shiftlead.toml") || path.ends_with("unreachable.toml") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        assert_clean(
            &path.display().to_string(),
            &String::from_utf8_lossy(&bytes),
        );
    }
    // The trace log did record requests, so the check above means something.
    let log = std::fs::read_to_string(home.path().join("state/shiftlead/shiftlead.log")).unwrap();
    assert!(
        log.len() > 1000,
        "trace logging wrote little: {}",
        log.len()
    );
}
