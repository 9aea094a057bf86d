//! Real Zendesk clients judge the simulator:
//! - `tests/judges/zenpy_judge.py` (zenpy 2.0.57, pointed at the in-process simulator through
//!   `ZENPY_FORCE_NETLOC`) lists groups, users and memberships, pages tickets by cursor
//!   (continuing while `meta.has_more`), searches, counts, exports, reads the incremental cursor
//!   to its end and updates a ticket safely;
//! - `tests/judges/node_zendesk_judge.js` (node-zendesk 6.0.1, `endpointUri` at the simulator)
//!   pages by following `links.next`, searches, reads the incremental cursor, updates safely and
//!   with a stale stamp (409), runs a bulk update as a job and makes a membership the default.
//!
//! Each skips when its client is not installed (and fails instead under CI; `.ci/run` installs
//! both: zenpy with pip, node-zendesk with npm into `target/judges`).

mod support;

use jiff::Timestamp;
use serde_json::{Value, json};
use shiftlead::clock::{Clock, ManualClock};
use shiftlead::sim::world::SimState;
use shiftlead::sim::{self, SimConfig, SimHandle, SimVendor};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

fn zenpy_importable() -> bool {
    Command::new("python3")
        .args(["-c", "import zenpy"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Where `.ci/run` installs node-zendesk (`npm install --prefix target/judges`).
fn node_modules() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/judges/node_modules")
}

fn node_zendesk_installed() -> bool {
    node_modules().join("node-zendesk/package.json").is_file()
        && Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
}

/// The simulator both judges run against, on a manual clock, and what its world holds.
async fn judged_sim() -> (SimHandle, ManualClock, Value) {
    let clock = ManualClock::new("2026-11-24T10:00:00Z".parse::<Timestamp>().unwrap());
    let mut cfg = SimConfig::demo_of(SimVendor::Zendesk, Arc::new(clock.clone()));
    cfg.token = "judge-token".into();
    let sim = sim::start(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let expect = {
        let w = sim.world();
        let agents = w
            .admins
            .iter()
            .enumerate()
            .filter(|(i, a)| a.id != w.me && i % 8 != 1)
            .count();
        let live = w
            .conversations
            .values()
            .filter(|c| c.state != SimState::Closed)
            .count();
        let mut assigned = w
            .conversations
            .values()
            .filter(|c| c.state == SimState::Open && c.admin != 0)
            .map(|c| c.id);
        let ticket = assigned.next().unwrap();
        let bulk: Vec<u64> = assigned.take(2).collect();
        let memberships = w.all_memberships();
        let member = w
            .admins
            .iter()
            .find(|a| {
                memberships
                    .get(&a.id)
                    .is_some_and(|(p, s)| p.len() + s.len() >= 2)
            })
            .unwrap()
            .id;
        json!({
            "groups": w.teams.len(),
            "users": w.admins.len(),
            "agents": agents,
            "memberships": w.teams.iter().map(|t| t.members.len()).sum::<usize>(),
            "first_group_members": w.teams[0].members.len(),
            "tickets": w.conversations.len(),
            "live": live,
            "now": clock.now().as_second(),
            "ticket": ticket,
            "bulk": bulk,
            "member": member,
            "sla_policies": w.slas.len(),
        })
    };
    (sim, clock, expect)
}

/// Runs a judge to its end (off the runtime: the simulator answers meanwhile).
async fn run_judge(mut cmd: Command, name: &'static str) {
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "{name} judge failed:\n{stdout}\n{stderr}"
    );
    eprintln!("{name} saw: {stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zenpy_reads_pages_searches_exports_and_updates() {
    if !support::require("python3 with zenpy==2.0.57", zenpy_importable()) {
        return;
    }
    let (sim, _clock, expect) = judged_sim().await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/judges/zenpy_judge.py");
    let netloc = sim.addr.to_string();
    let email = sim.email.clone();
    let expected = expect.to_string();
    let mut cmd = Command::new("python3");
    cmd.arg(script)
        .env("ZENPY_FORCE_NETLOC", netloc)
        .env("ZENPY_FORCE_SCHEME", "http")
        .env("JUDGE_EMAIL", email)
        .env("JUDGE_TOKEN", "judge-token")
        .env("JUDGE_EXPECT", expected);
    run_judge(cmd, "zenpy").await;
    let id = expect["ticket"].as_u64().unwrap();
    assert_eq!(
        sim.world().conversations[&id].admin,
        0,
        "zenpy's update landed"
    );
    assert!(
        sim.applied()
            .iter()
            .any(|a| a.endpoint == "PUT /api/v2/tickets/{id}"),
        "{:?}",
        sim.applied()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_zendesk_pages_by_links_next_updates_and_runs_jobs() {
    if !support::require(
        "node with node-zendesk@6.0.1 in target/judges (npm install --prefix target/judges node-zendesk@6.0.1)",
        node_zendesk_installed(),
    ) {
        return;
    }
    let (sim, _clock, expect) = judged_sim().await;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/judges/node_zendesk_judge.js"
    );
    let mut cmd = Command::new("node");
    cmd.arg(script)
        .env("NODE_PATH", node_modules())
        .env("JUDGE_URL", format!("{}/api/v2", sim.base_url()))
        .env("JUDGE_EMAIL", &sim.email)
        .env("JUDGE_TOKEN", "judge-token")
        .env("JUDGE_EXPECT", expect.to_string());
    run_judge(cmd, "node-zendesk").await;
    let w = sim.world();
    let id = expect["ticket"].as_u64().unwrap();
    assert_eq!(w.conversations[&id].admin, 0, "the safe update landed");
    for id in expect["bulk"].as_array().unwrap() {
        let id = id.as_u64().unwrap();
        assert_eq!(
            w.conversations[&id].admin, 0,
            "the bulk job unassigned #{id}"
        );
    }
    let member = expect["member"].as_i64().unwrap();
    let made = w.admins.iter().find(|a| a.id == member).unwrap();
    assert!(made.default_team.is_some(), "{made:?}");
}
