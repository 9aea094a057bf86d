//! Speed of the hot paths at the `large` scale preset (2,000 teammates, 300 inboxes, 100,000
//! open conversations): deriving the metrics, drawing the main view at 200×60, merging a
//! refresh's changes. Run with `cargo bench`; figures and how they were taken are in
//! BENCHMARKS.md.

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use secrecy::SecretString;
use shiftlead::app::{App, SyncMsg};
use shiftlead::backend::intercom::client::merge;
use shiftlead::backend::intercom::{IntercomClient, IntercomSettings};
use shiftlead::backend::{Budget, Helpdesk};
use shiftlead::clock::ManualClock;
use shiftlead::domain::{self, Policy, Snapshot};
use shiftlead::sim::scenario::Scale;
use shiftlead::sim::{self, Scenario, SimConfig};
use shiftlead::ui::{self, Ctx, theme::Theme};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

fn now() -> Timestamp {
    "2026-11-24T10:00:00Z".parse().expect("a valid timestamp")
}

/// A large snapshot read from the seeded simulator over loopback, policy applied.
fn large_snapshot() -> (Snapshot, Policy, domain::Capabilities) {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    rt.block_on(async {
        let clock = ManualClock::new(now());
        let mut cfg = SimConfig::demo(Arc::new(clock.clone()));
        cfg.token = "bench".into();
        cfg.rate_limit_per_window = 100_000;
        cfg.scenario = Scenario::scaled(Scale::preset("large").flatten().expect("large"));
        let sim = sim::start(cfg, "127.0.0.1:0".parse().expect("an address"))
            .await
            .expect("the simulator starts");
        let mut settings =
            IntercomSettings::new(sim.base_url(), SecretString::from("bench"), "bench")
                .with_clock(Arc::new(clock));
        settings.timeout = Duration::from_secs(120);
        let client = IntercomClient::new(settings).expect("a client");
        let mut snapshot = client.snapshot().await.expect("a snapshot");
        let policy = Policy::default();
        policy.apply(&mut snapshot);
        sim.shutdown().await;
        (snapshot, policy, client.capabilities())
    })
}

fn benches(c: &mut Criterion) {
    let (snapshot, policy, capabilities) = large_snapshot();
    c.bench_function("derive metrics, large", |b| {
        b.iter(|| domain::derive(black_box(&snapshot), &policy, now()))
    });

    let mut app = App::new(policy.clone(), Duration::from_secs(5), true);
    app.on_sync(
        SyncMsg::Snapshot {
            delta: None,
            snapshot: Box::new(snapshot.clone()),
            took: Duration::from_millis(5),
            budget: Budget::default(),
            capabilities: Box::new(capabilities),
        },
        now(),
    );
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("a test terminal");
    let ctx = Ctx {
        now: now(),
        theme: Theme::default(),
    };
    c.bench_function("draw main view 200x60, large", |b| {
        b.iter(|| {
            terminal
                .draw(|f| {
                    black_box(ui::draw(f, &app, ctx));
                })
                .map(|frame| frame.area)
                .expect("a frame")
        })
    });

    let held: std::collections::BTreeMap<String, domain::Conversation> = snapshot
        .conversations
        .iter()
        .map(|c| (c.id.0.clone(), c.clone()))
        .collect();
    let changed: Vec<domain::Conversation> =
        snapshot.conversations.iter().take(500).cloned().collect();
    c.bench_function("merge 500 changed into large", |b| {
        b.iter_batched(
            || held.clone(),
            |mut h| {
                merge(&mut h, changed.iter().cloned());
                h
            },
            criterion::BatchSize::LargeInput,
        )
    });
}

criterion_group! {
    name = dashboard;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(dashboard);
