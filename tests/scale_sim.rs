//! The large scale preset over real HTTP: after the first full read, a refresh asks only for
//! what changed — counted by the simulator's own `/_sim/stats` — and the merged snapshot equals
//! a fresh full read.

use jiff::{SignedDuration, Timestamp};
use secrecy::SecretString;
use shiftlead::backend::Helpdesk;
use shiftlead::backend::intercom::{IntercomClient, IntercomSettings};
use shiftlead::clock::{Clock, ManualClock};
use shiftlead::sim::scenario::Scale;
use shiftlead::sim::{self, Scenario, SimConfig, SimHandle};
use std::sync::Arc;
use std::time::Duration;

fn client(sim: &SimHandle, clock: &ManualClock) -> IntercomClient {
    let mut settings = IntercomSettings::new(sim.base_url(), SecretString::from("s"), "scale")
        .with_clock(Arc::new(clock.clone()));
    settings.timeout = Duration::from_secs(120);
    IntercomClient::new(settings).unwrap()
}

fn requests(sim: &SimHandle) -> u64 {
    sim.stats().requests.values().sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_large_a_refresh_costs_at_most_five_requests_and_matches_a_full_read() {
    let size = Scale::preset("large").unwrap().unwrap();
    let clock = ManualClock::new("2026-11-24T10:00:00Z".parse::<Timestamp>().unwrap());
    let mut cfg = SimConfig::demo(Arc::new(clock.clone()));
    cfg.token = "s".into();
    cfg.scenario = Scenario::scaled(size);
    cfg.rate_limit_per_window = 100_000;
    let sim = sim::start(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let held = client(&sim, &clock);
    let first = held.snapshot().await.unwrap();
    assert_eq!(first.teammates.len(), size.teammates);
    assert_eq!(first.inboxes.len(), size.inboxes);
    assert!(
        first.conversations.len() >= size.open,
        "{}",
        first.conversations.len()
    );
    let full_cost = requests(&sim);
    assert!(
        full_cost >= 600,
        "a full read pages through everything: {full_cost}"
    );

    // One default refresh interval (5 s) later: count what changed by the simulator's own
    // record (the search reaches back a minute further, for clock skew).
    let synced = clock.now();
    clock.advance(SignedDuration::from_secs(5));
    let changed = {
        let w = sim.world();
        let since = synced.checked_sub(SignedDuration::from_secs(60)).unwrap();
        w.conversations
            .values()
            .filter(|c| c.updated_at > since)
            .count()
    };
    assert!(changed <= 500, "the premise: ≤ 500 changed, was {changed}");
    let before = requests(&sim);
    let merged = held.snapshot().await.unwrap();
    let cost = requests(&sim) - before;
    eprintln!("scale: full read {full_cost} requests; refresh with {changed} changed: {cost}");
    assert!(
        cost <= 5,
        "a refresh cost {cost} requests: {:?}",
        sim.stats().requests
    );

    // The merged snapshot is what a full read sees.
    let fresh = client(&sim, &clock).snapshot().await.unwrap();
    assert_eq!(merged.conversations, fresh.conversations);
    assert_eq!(merged.teammates, fresh.teammates);
    assert_eq!(merged.inboxes, fresh.inboxes);
}
