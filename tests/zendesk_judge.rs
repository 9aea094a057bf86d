//! A real Zendesk client judges the simulator: `tests/judges/zenpy_judge.py` (zenpy 2.0.57,
//! pointed at the in-process simulator through `ZENPY_FORCE_NETLOC`) lists groups, users and
//! memberships, pages tickets by cursor, searches, counts, exports, reads the incremental
//! cursor to its end and updates a ticket safely. Skips when zenpy is not importable (and
//! fails instead under CI).

mod support;

use jiff::Timestamp;
use serde_json::json;
use shiftlead::clock::{Clock, ManualClock};
use shiftlead::sim::world::SimState;
use shiftlead::sim::{self, SimConfig, SimVendor};
use std::process::Command;
use std::sync::Arc;

fn zenpy_importable() -> bool {
    Command::new("python3")
        .args(["-c", "import zenpy"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zenpy_reads_pages_searches_exports_and_updates() {
    if !support::require("python3 with zenpy==2.0.57", zenpy_importable()) {
        return;
    }
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
        let ticket = w
            .conversations
            .values()
            .find(|c| c.state == SimState::Open && c.admin != 0)
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
            "sla_policies": w.slas.len(),
        })
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/judges/zenpy_judge.py");
    let netloc = sim.addr.to_string();
    let email = sim.email.clone();
    let expected = expect.to_string();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .arg(script)
            .env("ZENPY_FORCE_NETLOC", netloc)
            .env("ZENPY_FORCE_SCHEME", "http")
            .env("JUDGE_EMAIL", email)
            .env("JUDGE_TOKEN", "judge-token")
            .env("JUDGE_EXPECT", expected)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "zenpy judge failed:\n{stdout}\n{stderr}"
    );
    eprintln!("zenpy saw: {stdout}");
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
