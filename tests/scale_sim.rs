//! The large scale preset over real HTTP: after the first full read, a refresh asks only for
//! what changed — counted by the simulator's own `/_sim/stats` — the merged snapshot equals a
//! fresh full read, and the refresh's delta names every conversation that differs.

mod support;

use jiff::SignedDuration;
use shiftlead::clock::Clock;
use shiftlead::sim::scenario::Scale;
use shiftlead::sim::{Scenario, SimHandle};
use std::time::Duration;
use support::subject::Subject;

fn requests(sim: &SimHandle) -> u64 {
    sim.stats().requests.values().sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_large_a_refresh_costs_at_most_five_requests_and_matches_a_full_read() {
    let size = Scale::preset("large").unwrap().unwrap();
    let subject = Subject::intercom()
        .token("s")
        .scenario(Scenario::scaled(size))
        .rate_limit(100_000)
        .timeout(Duration::from_secs(120))
        .label("scale")
        .without_audit()
        .build()
        .await;
    let (sim, clock, held) = (&subject.sim, &subject.clock, &subject.backend);
    let policy = shiftlead::domain::Policy::default();
    let first = held.refresh(&policy).await.unwrap();
    assert!(first.delta.is_none(), "a first read derives everything");
    let first = first.snapshot;
    assert_eq!(first.teammates.len(), size.teammates);
    assert_eq!(first.inboxes.len(), size.inboxes);
    assert!(
        first.conversations.len() >= size.open,
        "{}",
        first.conversations.len()
    );
    let full_cost = requests(sim);
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
    let before = requests(sim);
    let refreshed = held.refresh(&policy).await.unwrap();
    let cost = requests(sim) - before;
    let delta = refreshed
        .delta
        .expect("an incremental refresh says what changed");
    let merged = refreshed.snapshot;
    eprintln!("scale: full read {full_cost} requests; refresh with {changed} changed: {cost}");
    assert!(
        cost <= 5,
        "a refresh cost {cost} requests: {:?}",
        sim.stats().requests
    );

    // The delta names every conversation that differs, and little else.
    let differ: std::collections::BTreeSet<_> = first
        .conversations
        .diff_ids(&merged.conversations)
        .into_iter()
        .collect();
    let named: std::collections::BTreeSet<_> = delta.ids().cloned().collect();
    assert!(differ.is_subset(&named), "{:?}", differ.difference(&named));
    assert!(
        named.len() <= changed,
        "{} named, {changed} changed",
        named.len()
    );
    eprintln!("scale: delta of {} ({} differ)", named.len(), differ.len());

    // The merged snapshot is what a full read sees.
    let mut fresh = subject.new_client(|_| {}).snapshot().await.unwrap();
    policy.apply(&mut fresh);
    assert_eq!(merged.conversations, fresh.conversations);
    assert_eq!(merged.teammates, fresh.teammates);
    assert_eq!(merged.inboxes, fresh.inboxes);
}
