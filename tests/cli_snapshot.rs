//! `shiftlead snapshot --json` and `shiftlead simulate`, as a user runs them.

use assert_cmd::Command;
use jiff::Timestamp;
use serde_json::Value;
use shiftlead::clock::ManualClock;
use shiftlead::sim::{self, SimConfig, SimHandle};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::Arc;

fn shiftlead(home: &tempfile::TempDir) -> Command {
    let mut cmd = Command::cargo_bin("shiftlead").unwrap();
    // No user config, logs in a temp dir.
    cmd.env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env_remove("SHIFTLEAD_CONFIG");
    cmd
}

fn write_config(home: &tempfile::TempDir, base_url: &str) -> std::path::PathBuf {
    let path = home.path().join("shiftlead.toml");
    std::fs::write(
        &path,
        format!(
            "[backend]\nkind = \"intercom\"\nbase_url = \"{base_url}\"\ntoken_env = \"SHIFTLEAD_TEST_TOKEN\"\n"
        ),
    )
    .unwrap();
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn snapshot_json_counts_agree_with_the_simulators_own_state() {
    let clock = ManualClock::new("2026-11-24T10:00:00Z".parse::<Timestamp>().unwrap());
    let mut cfg = SimConfig::demo(Arc::new(clock));
    cfg.token = "cli-token".into();
    let sim = sim::start(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let config = write_config(&home, &sim.base_url());
    let out = tokio::task::spawn_blocking(move || {
        shiftlead(&home)
            .args(["snapshot", "--json", "--config"])
            .arg(&config)
            .env("SHIFTLEAD_TEST_TOKEN", "cli-token")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let snap = &json["snapshot"];
    let w = sim.world();
    assert_eq!(snap["inboxes"].as_array().unwrap().len(), w.teams.len());
    assert_eq!(snap["teammates"].as_array().unwrap().len(), w.admins.len());
    assert_eq!(
        snap["conversations"].as_array().unwrap().len(),
        w.open_count()
    );
    assert_eq!(snap["workspace"]["name"], w.workspace.as_str());
    assert_eq!(
        json["metrics"]["inboxes"].as_array().unwrap().len(),
        w.teams.len()
    );
    let open = w
        .conversations
        .values()
        .filter(|c| c.state == sim::world::SimState::Open)
        .count();
    assert_eq!(
        json["metrics"]["totals"]["open"].as_u64().unwrap() as usize,
        open
    );
    // The token never appears in the output.
    assert!(!String::from_utf8_lossy(&out.stdout).contains("cli-token"));
}

/// `shiftlead snapshot --json --demo zendesk`: its counts — inboxes, teammates, unsolved
/// tickets, and unsolved tickets per inbox — agree with the simulator's own state.
///
/// The binary's embedded simulator lives and dies in its own process, so its state cannot be
/// asked for afterwards. Instead the demo is made deterministic: with `SHIFTLEAD_DEMO_AT` the
/// binary runs the demo on a clock stopped at that time, and a simulator started here with
/// the demo's own settings (the Zendesk demo, its seed) on a clock stopped at the same time
/// builds the same workspace — the world is a pure function of scenario, seed and clock
/// readings, and the snapshot only reads. The counts are compared with that world, not with
/// a second read through the client.
#[tokio::test(flavor = "multi_thread")]
async fn snapshot_json_demo_zendesk_counts_agree_with_the_simulators_own_state() {
    use shiftlead::backend::DemoConfig;
    use shiftlead::sim::SimVendor;
    use std::collections::BTreeMap;
    let at = "2026-11-24T10:00:00Z";
    let home = tempfile::tempdir().unwrap();
    let out = tokio::task::spawn_blocking(move || {
        shiftlead(&home)
            .args(["--demo", "zendesk", "snapshot", "--json"])
            .env("SHIFTLEAD_DEMO_AT", at)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let snap = &json["snapshot"];
    assert_eq!(snap["taken_at"], at, "the demo ran on the stopped clock");

    let clock = ManualClock::new(at.parse::<Timestamp>().unwrap());
    let mut cfg = SimConfig::demo_of(SimVendor::Zendesk, Arc::new(clock));
    cfg.seed = DemoConfig::default().seed;
    let sim = sim::start(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let w = sim.world();
    let unsolved = || {
        w.conversations
            .values()
            .filter(|c| c.state != sim::world::SimState::Closed)
    };
    assert_eq!(snap["inboxes"].as_array().unwrap().len(), w.teams.len());
    assert_eq!(snap["teammates"].as_array().unwrap().len(), w.admins.len());
    let conversations = snap["conversations"].as_array().unwrap();
    assert_eq!(conversations.len(), w.open_count());
    let mut per_inbox: BTreeMap<String, usize> = BTreeMap::new();
    for c in conversations {
        let inbox = c["inbox"].as_str().unwrap_or("none").to_owned();
        *per_inbox.entry(inbox).or_default() += 1;
    }
    let mut world_per_inbox: BTreeMap<String, usize> = BTreeMap::new();
    for c in unsolved() {
        let team = if c.team == 0 {
            "none".to_owned()
        } else {
            c.team.to_string()
        };
        *world_per_inbox.entry(team).or_default() += 1;
    }
    assert_eq!(per_inbox, world_per_inbox);
    let mut ids: Vec<u64> = conversations
        .iter()
        .map(|c| c["id"].as_str().unwrap().parse().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, unsolved().map(|c| c.id).collect::<Vec<_>>());
    let open = w
        .conversations
        .values()
        .filter(|c| c.state == sim::world::SimState::Open)
        .count();
    assert_eq!(
        json["metrics"]["totals"]["open"].as_u64().unwrap() as usize,
        open
    );
}

#[test]
fn snapshot_json_without_config_uses_the_embedded_demo() {
    let home = tempfile::tempdir().unwrap();
    // With --demo VENDOR a config pointing at a dead workspace is not even read.
    let config = write_config(&home, "http://127.0.0.1:9");
    let config = config.to_str().unwrap();
    for args in [
        &["snapshot", "--json"][..],
        &[
            "snapshot", "--json", "--demo", "intercom", "--config", config,
        ],
    ] {
        let out = shiftlead(&home).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["snapshot"]["workspace"]["backend"], "demo");
        assert_eq!(json["snapshot"]["inboxes"].as_array().unwrap().len(), 5);
    }
    let out = shiftlead(&home)
        .args(["--demo", "zendesk9", "snapshot", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("zendesk9") && err.contains("intercom"),
        "{err}"
    );
}

#[test]
fn snapshot_failure_is_one_line_and_non_zero() {
    let home = tempfile::tempdir().unwrap();
    // Nothing listens on port 9 of loopback.
    let config = write_config(&home, "http://127.0.0.1:9");
    let out = shiftlead(&home)
        .args(["snapshot", "--json", "--config"])
        .arg(&config)
        .env("SHIFTLEAD_TEST_TOKEN", "x")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.starts_with("shiftlead: "), "{err}");
    assert!(out.stdout.is_empty());
}

/// Runs `snapshot --json` on a config file `name` holding `text`; it must exit 2: the error.
fn config_error(home: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = home.path().join(name);
    std::fs::write(&path, text).unwrap();
    let out = shiftlead(home)
        .args(["snapshot", "--json", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_bad_config_names_file_line_and_key() {
    let home = tempfile::tempdir().unwrap();
    let err = config_error(&home, "bad.toml", "[ui]\nrefresh = \"soon\"\n");
    assert!(err.contains("bad.toml line 2"), "{err}");
    assert!(err.contains("key ui.refresh"), "{err}");
    // An old flat [backend] is told to add its kind.
    let err = config_error(&home, "old.toml", "[backend]\nregion = \"eu\"\n");
    assert!(err.contains("old.toml line 2"), "{err}");
    assert!(err.contains("add kind = \"intercom\""), "{err}");
    // Key bindings are checked before anything connects, located past CRLF and multibyte.
    let err = config_error(
        &home,
        "keys.toml",
        "# Zoë 🎉\r\n[keys]\r\nassign = \"hyper-a\"\r\n",
    );
    assert!(err.contains("keys.toml line 3"), "{err}");
    assert!(err.contains("key keys.assign"), "{err}");
}

#[test]
fn missing_token_is_a_clear_error() {
    let home = tempfile::tempdir().unwrap();
    let config = write_config(&home, "http://127.0.0.1:9");
    let out = shiftlead(&home)
        .args(["snapshot", "--json", "--config"])
        .arg(&config)
        .env_remove("SHIFTLEAD_TEST_TOKEN")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("SHIFTLEAD_TEST_TOKEN"));
}

#[test]
fn help_and_version() {
    let home = tempfile::tempdir().unwrap();
    let out = shiftlead(&home).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("snapshot") && help.contains("simulate") && help.contains("--config"));
    let out = shiftlead(&home).arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn simulate_serves_what_snapshot_reads() {
    let home = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("shiftlead");
    let mut server = std::process::Command::new(&bin)
        .args([
            "simulate",
            "--listen",
            "127.0.0.1:0",
            "--seed",
            "7",
            "--token",
            "sim-cli",
        ])
        .env("HOME", home.path())
        .env("XDG_STATE_HOME", home.path().join("state"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first.rsplit(' ').next().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");
    let config = write_config(&home, &url);
    let out = shiftlead(&home)
        .args(["snapshot", "--json", "--config"])
        .arg(&config)
        .env("SHIFTLEAD_TEST_TOKEN", "sim-cli")
        .output()
        .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["snapshot"]["inboxes"].as_array().unwrap().len(), 5);
    assert_eq!(json["snapshot"]["teammates"].as_array().unwrap().len(), 25);
    assert!(
        !json["snapshot"]["conversations"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn simulate_refuses_a_non_loopback_address() {
    let home = tempfile::tempdir().unwrap();
    let out = shiftlead(&home)
        .args(["simulate", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
}

/// Runs a write command against an in-process simulator; returns (success, stdout, stderr).
async fn write_cmd(
    sim: &sim::SimHandle,
    home: &tempfile::TempDir,
    args: &[&str],
) -> (bool, String, String) {
    write_cmd_with(sim, home, "", args).await
}

/// [`write_cmd`] with `extra` appended to the config file (e.g. a `[caps]` section).
async fn write_cmd_with(
    sim: &sim::SimHandle,
    home: &tempfile::TempDir,
    extra: &str,
    args: &[&str],
) -> (bool, String, String) {
    let config = write_config(home, &sim.base_url());
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(extra);
    std::fs::write(&config, text).unwrap();
    let mut cmd = shiftlead(home);
    cmd.args(args)
        .arg("--config")
        .arg(&config)
        .env("SHIFTLEAD_TEST_TOKEN", "cli-token")
        .env("XDG_DATA_HOME", home.path().join("data"));
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn write_commands_apply_and_are_audited() {
    let clock = ManualClock::new("2026-11-24T10:00:00Z".parse::<Timestamp>().unwrap());
    let mut cfg = SimConfig::demo(Arc::new(clock));
    cfg.token = "cli-token".into();
    let sim = sim::start(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    // An assignee on duty, with room (a generous cap), for a conversation not yet theirs.
    let (cid, team, mate, email) = sim.with_world(|w| {
        let mate = w.admins.iter().find(|a| !a.away && a.seat).unwrap();
        let c = w
            .conversations
            .values()
            .find(|c| c.state == sim::world::SimState::Open && c.admin != mate.id)
            .unwrap();
        (c.id, w.teams[1].name.clone(), mate.id, mate.email.clone())
    });
    let cid = cid.to_string();
    let room = format!("[ui]\nidle_after = \"999h\"\n[caps.teammates]\n\"{email}\" = 100\n");

    let (ok, out, err) =
        write_cmd_with(&sim, &home, &room, &["assign", &cid, "--to", &email]).await;
    assert!(ok, "{out}{err}");
    assert!(out.starts_with("✓ move #"), "{out}");
    assert_eq!(
        sim.with_world(|w| w.conversations[&cid.parse::<u64>().unwrap()].admin),
        mate
    );

    let (ok, _, err) = write_cmd(&sim, &home, &["assign", &cid, "--inbox", &team]).await;
    assert!(ok, "{err}");
    // Unassigning where the inbox hands work out again is what the dashboard asks about:
    // refused without --force, nothing written.
    let writes_before = sim.applied().len();
    let (ok, out, err) = write_cmd(&sim, &home, &["assign", &cid, "--unassign"]).await;
    assert!(!ok, "{out}");
    assert!(out.is_empty(), "{out}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("add --force to do it anyway"), "{err}");
    assert!(
        err.contains(&format!("#{cid} goes back to {team}")),
        "{err}"
    );
    assert_eq!(sim.applied().len(), writes_before, "nothing was written");
    let (ok, _, err) = write_cmd(&sim, &home, &["assign", &cid, "--unassign", "--force"]).await;
    assert!(ok, "{err}");
    assert_eq!(
        sim.with_world(|w| w.conversations[&cid.parse::<u64>().unwrap()].admin),
        0
    );

    let (ok, out, err) = write_cmd(
        &sim,
        &home,
        &[
            "move",
            "Omar",
            "--to",
            "Billing",
            "--secondary",
            "--from",
            "Onboarding",
        ],
    )
    .await;
    assert!(ok, "{out}{err}");
    assert_eq!(
        out.trim(),
        "✓ move Omar Farouk from Onboarding to Billing as secondary"
    );
    // A move whose add fails (secondary only on load-balanced inboxes) removes nothing.
    let bo_teams = |sim: &SimHandle| {
        sim.with_world(|w| {
            let bo = w
                .admins
                .iter()
                .find(|a| a.name.starts_with("Bo "))
                .unwrap()
                .id;
            w.teams
                .iter()
                .filter(|t| t.members.iter().any(|(id, _)| *id == bo))
                .map(|t| t.name.clone())
                .collect::<Vec<_>>()
        })
    };
    let before = bo_teams(&sim);
    assert!(before.contains(&"Billing".to_owned()), "{before:?}");
    let (ok, out, err) = write_cmd(
        &sim,
        &home,
        &[
            "move",
            "Bo",
            "--to",
            "Onboarding",
            "--from",
            "Billing",
            "--secondary",
        ],
    )
    .await;
    assert!(!ok, "{out}");
    assert!(err.contains("nothing removed"), "{err}");
    // Told once: on stderr, not also as a `✗` line on stdout.
    assert_eq!(
        format!("{out}{err}").matches("nothing removed").count(),
        1,
        "{out}{err}"
    );
    assert_eq!(bo_teams(&sim), before, "Bo is still in Billing");
    let writes_before = sim.applied().len();
    // `--from` an inbox the teammate is not in: a clear error, nothing written.
    let (ok, _, err) = write_cmd(
        &sim,
        &home,
        &["move", "Bo", "--to", "VIP", "--from", "Onboarding"],
    )
    .await;
    assert!(!ok);
    assert!(err.contains("not a member of Onboarding"), "{err}");
    assert_eq!(sim.applied().len(), writes_before, "nothing was written");
    let (ok, _, err) = write_cmd(
        &sim,
        &home,
        &[
            "away",
            "omar@northwind.example",
            "--reason",
            "On a break",
            "--reassign",
        ],
    )
    .await;
    assert!(ok, "{err}");
    assert!(sim.with_world(|w| {
        w.admins
            .iter()
            .any(|a| a.name == "Omar Farouk" && a.away && a.reassign)
    }));
    let (ok, _, err) = write_cmd(&sim, &home, &["back", "Omar"]).await;
    assert!(ok, "{err}");

    // Failures: one line, non-zero.
    let (ok, _, err) = write_cmd(&sim, &home, &["assign", "1", "--unassign"]).await;
    assert!(!ok);
    assert!(err.contains("no open conversation 1"), "{err}");
    let (ok, _, err) = write_cmd(&sim, &home, &["away", "Nobody"]).await;
    assert!(!ok && err.contains("no teammate matches"), "{err}");
    let (ok, _, err) = write_cmd(&sim, &home, &["back", "Le"]).await;
    assert!(!ok && err.contains("be more specific"), "{err}");
    let (ok, _, err) = write_cmd(&sim, &home, &["away", "Omar", "--reason", "Lunch (old)"]).await;
    assert!(!ok && err.contains("no away reason"), "{err}");
    sim.set_preview_enabled(false);
    let (ok, out, err) = write_cmd(&sim, &home, &["move", "Omar", "--to", "Technical"]).await;
    assert!(!ok, "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("api_plan_restricted"), "{err}");
    assert!(
        out.is_empty(),
        "the failure is not repeated on stdout: {out}"
    );
    let (ok, _, err) = write_cmd(&sim, &home, &["--read-only", "back", "Dana"]).await;
    assert!(!ok && err.contains("read-only"), "{err}");

    let log = shiftlead::audit::read_recent(&home.path().join("data/shiftlead/audit.log"), 100);
    assert_eq!(log.len(), 9, "{log:#?}");
    assert!(
        log.iter()
            .all(|e| !serde_json::to_string(e).unwrap().contains("cli-token"))
    );
}

#[test]
fn init_writes_a_commented_private_config_that_loads() {
    let home = tempfile::tempdir().unwrap();
    let out = shiftlead(&home)
        .args(["init", "--region", "eu"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = home.path().join("config/shiftlead/config.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("kind = \"intercom\"") && text.contains("region = \"eu\""));
    assert!(
        text.contains("# Intercom exposes no per-teammate assignment limit"),
        "commented"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // Found without --config, and a second init refuses to overwrite.
    let out = shiftlead(&home).args(["init"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    let out = shiftlead(&home)
        .args(["check"])
        .env_remove("INTERCOM_TOKEN")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("INTERCOM_TOKEN"));
}

#[tokio::test(flavor = "multi_thread")]
async fn check_reports_identity_and_capabilities_with_and_without_preview() {
    let clock = ManualClock::new("2026-11-24T10:00:00Z".parse::<Timestamp>().unwrap());
    let mut cfg = SimConfig::demo(Arc::new(clock));
    cfg.token = "cli-token".into();
    let sim = sim::start(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let (ok, out, err) = write_cmd(&sim, &home, &["check"]).await;
    assert!(ok, "{err}");
    assert!(
        out.contains("acting as Lena Fischer <lena@northwind.example>"),
        "{out}"
    );
    assert!(
        out.contains("membership writes: not probed: Intercom tells only in answer to a write"),
        "{out}"
    );
    assert!(out.contains("SLA deadlines    estimated"), "{out}");
    assert!(out.contains("away since       unavailable"), "{out}");
    assert!(!out.contains("cli-token"));
    let before = sim.with_world(|w| {
        w.teams
            .iter()
            .map(|t| t.members.clone())
            .collect::<Vec<_>>()
    });
    sim.set_preview_enabled(false);
    let (ok, out, err) = write_cmd(&sim, &home, &["check"]).await;
    assert!(ok, "{err}");
    assert!(out.contains("membership writes: not probed"), "{out}");
    // `check` never writes: the simulator saw no write request at all.
    let stats = sim.stats();
    let writes: Vec<&String> = stats
        .requests
        .keys()
        .filter(|k| k.starts_with("PUT") || (k.starts_with("POST") && !k.ends_with("/search")))
        .collect();
    assert!(writes.is_empty(), "check sent writes: {writes:?}");
    assert!(sim.applied().is_empty());
    let after = sim.with_world(|w| {
        w.teams
            .iter()
            .map(|t| t.members.clone())
            .collect::<Vec<_>>()
    });
    assert_eq!(before, after, "the probe changed nothing");
    // A bad token fails clearly.
    let config = write_config(&home, &sim.base_url());
    let mut cmd = shiftlead(&home);
    cmd.args(["check", "--config"])
        .arg(&config)
        .env("SHIFTLEAD_TEST_TOKEN", "wrong");
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("401"));
}

#[test]
fn completions_and_man_page() {
    let home = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let out = shiftlead(&home)
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("snapshot"),
            "{shell}"
        );
    }
    let out = shiftlead(&home).arg("man").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(".TH shiftlead"));
}

#[test]
fn handoff_prints_markdown_for_the_next_lead_or_writes_a_file() {
    let home = tempfile::tempdir().unwrap();
    let out = shiftlead(&home).args(["handoff"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8_lossy(&out.stdout);
    for section in [
        "# Shift handoff — Northwind Support (demo)",
        "## Queues",
        "| Billing |",
        "## Breaches and near-misses",
        "## Away",
        "## Blocks in progress",
        "## Writes this shift",
    ] {
        assert!(md.contains(section), "{section} missing:\n{md}");
    }
    let file = home.path().join("handoff.md");
    let out = shiftlead(&home)
        .args(["handoff", "--since", "2h", "--out"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .starts_with("# Shift handoff")
    );
}

#[test]
fn a_closed_pipe_ends_quietly_with_the_conventional_status() {
    let home = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("shiftlead");
    let mut child = std::process::Command::new(bin)
        .args(["snapshot", "--json"])
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env_remove("SHIFTLEAD_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away (like `| head -0`) before the snapshot is even read: the first
    // write finds the pipe closed, whatever the size of the output.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(141), "{stderr}");
    assert!(
        !stderr.contains("crashed") && !stderr.contains("panic"),
        "{stderr}"
    );
}

#[test]
fn snapshot_json_honours_privacy() {
    let home = tempfile::tempdir().unwrap();
    let titles = |args: &[&str]| {
        let out = shiftlead(&home).args(args).output().unwrap();
        assert!(out.status.success());
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        json["snapshot"]["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["title"].is_string())
            .count()
    };
    assert!(titles(&["snapshot", "--json"]) > 0);
    assert_eq!(titles(&["--privacy", "snapshot", "--json"]), 0);
}

/// A simulator of the demo workspace at a fixed time, for the write commands' tests.
async fn demo_sim() -> SimHandle {
    let clock = ManualClock::new("2026-11-24T10:00:00Z".parse::<Timestamp>().unwrap());
    let mut cfg = SimConfig::demo(Arc::new(clock));
    cfg.token = "cli-token".into();
    sim::start(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// An open conversation not assigned to the admin `not`.
fn open_conversation(sim: &SimHandle, not: i64) -> String {
    sim.with_world(|w| {
        w.conversations
            .values()
            .find(|c| c.state == sim::world::SimState::Open && c.admin != not)
            .unwrap()
            .id
            .to_string()
    })
}

/// (id, name, email) of the first admin matching `f`.
fn admin(sim: &SimHandle, f: impl Fn(&sim::world::SimAdmin) -> bool) -> (i64, String, String) {
    sim.with_world(|w| {
        let a = w.admins.iter().find(|a| f(a)).unwrap();
        (a.id, a.name.clone(), a.email.clone())
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn risky_writes_need_force_and_no_ops_write_nothing() {
    let sim = demo_sim().await;
    let home = tempfile::tempdir().unwrap();
    let (dana, _, _) = admin(&sim, |a| a.name == "Dana Kim");
    assert!(sim.with_world(|w| w.admins.iter().any(|a| a.id == dana && a.away)));

    // Assigning to someone away: refused, one line on stderr, nothing written.
    let cid = open_conversation(&sim, dana);
    let (ok, out, err) = write_cmd(&sim, &home, &["assign", &cid, "--to", "dana"]).await;
    assert!(!ok, "{out}");
    assert!(out.is_empty(), "{out}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("Dana Kim is away"), "{err}");
    assert!(err.contains("add --force to do it anyway"), "{err}");
    assert!(sim.applied().is_empty(), "nothing was written");
    // With --force it is done.
    let (ok, out, err) = write_cmd(&sim, &home, &["assign", &cid, "--to", "dana", "--force"]).await;
    assert!(ok, "{err}");
    assert!(out.starts_with("✓ move #"), "{out}");
    assert_eq!(sim.applied().len(), 1);
    let conv = cid.parse::<u64>().unwrap();
    assert_eq!(sim.with_world(|w| w.conversations[&conv].admin), dana);

    // Over cap: refused (a cap of 0 leaves no room for anyone).
    let (_, name, email) = admin(&sim, |a| !a.away && a.seat);
    let no_room = format!("[ui]\nidle_after = \"999h\"\n[caps.teammates]\n\"{email}\" = 0\n");
    let (ok, _, err) =
        write_cmd_with(&sim, &home, &no_room, &["assign", &cid, "--to", &email]).await;
    assert!(!ok);
    assert!(
        err.contains(&format!("{name} would hold")) && err.contains("of a cap of 0"),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    assert_eq!(sim.applied().len(), 1, "nothing was written");

    // Assigning twice: the second run writes nothing and says so.
    let room = format!("[ui]\nidle_after = \"999h\"\n[caps.teammates]\n\"{email}\" = 100\n");
    let (ok, out, err) =
        write_cmd_with(&sim, &home, &room, &["assign", &cid, "--to", &email]).await;
    assert!(ok, "{err}");
    assert!(out.starts_with("✓ move #"), "{out}");
    assert_eq!(sim.applied().len(), 2);
    let (ok, out, err) =
        write_cmd_with(&sim, &home, &room, &["assign", &cid, "--to", &email]).await;
    assert!(ok, "{err}");
    assert_eq!(
        out.trim(),
        format!("· nothing to do: #{cid} is already assigned to {name}")
    );
    assert_eq!(sim.applied().len(), 2, "the second assign wrote nothing");

    // `back` on someone on duty, `away` as they already are, a membership in place: no write.
    let (ok, out, err) = write_cmd(&sim, &home, &["back", &name]).await;
    assert!(ok, "{err}");
    assert_eq!(
        out.trim(),
        format!("· nothing to do: {name} is already back")
    );
    let (ok, out, err) = write_cmd(&sim, &home, &["away", "Dana", "--reason", "on a break"]).await;
    assert!(ok, "{err}");
    assert_eq!(
        out.trim(),
        "· nothing to do: Dana Kim is already away (On a break)"
    );
    let (ok, out, err) = write_cmd(&sim, &home, &["move", "Bo", "--to", "Billing"]).await;
    assert!(ok, "{err}");
    assert_eq!(
        out.trim(),
        "· nothing to do: Bo Lindqvist is already primary in Billing"
    );
    assert_eq!(sim.applied().len(), 2, "no-ops wrote nothing");
    // A different reason is a change.
    let (ok, out, err) = write_cmd(&sim, &home, &["away", "Dana", "--reason", "Training"]).await;
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "✓ set Dana Kim away (Training)");
    assert_eq!(sim.applied().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn write_commands_take_names_as_the_dashboard_does_and_tell_a_failure_once() {
    let sim = demo_sim().await;
    let home = tempfile::tempdir().unwrap();
    // Case and accents folded; a word of the name; an inbox by prefix.
    let (ok, out, err) = write_cmd(&sim, &home, &["away", "muller", "--reason", "TRAINING"]).await;
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "✓ set Kai Müller away (Training)");
    let (ok, out, err) = write_cmd(&sim, &home, &["back", "KAI MÜ"]).await;
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "✓ set Kai Müller back");
    let (ok, out, err) = write_cmd(&sim, &home, &["move", "jimenez", "--to", "onb"]).await;
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "✓ add Rosa Jiménez to Onboarding as primary");
    let (ok, out, err) = write_cmd(
        &sim,
        &home,
        &["move", "tomas", "--to", "tech", "--from", "bill"],
    )
    .await;
    assert!(ok, "{err}");
    assert!(out.contains("Tomás Novak"), "{out}");
    // Ambiguous: the candidates are listed, nothing is written.
    let writes = sim.applied().len();
    let (ok, _, err) = write_cmd(&sim, &home, &["back", "le"]).await;
    assert!(!ok);
    assert!(
        err.contains("Lena Fischer")
            && err.contains("Lea Rossi")
            && err.contains("be more specific"),
        "{err}"
    );
    assert_eq!(sim.applied().len(), writes);

    // A write that fails is told exactly once across stdout and stderr.
    sim.set_preview_enabled(false);
    let (ok, out, err) = write_cmd(&sim, &home, &["move", "chidi", "--to", "vip"]).await;
    assert!(!ok, "{out}");
    let both = format!("{out}{err}");
    assert_eq!(both.matches("api_plan_restricted").count(), 1, "{both}");
    assert_eq!(both.matches("add Chidi Okafor to VIP").count(), 1, "{both}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}
