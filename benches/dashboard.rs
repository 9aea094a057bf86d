//! Speed of the hot paths at the `large` scale preset (2,000 teammates, 300 inboxes, 100,000
//! open conversations): deriving the metrics afresh, drawing the main view at 200×60, and a
//! refresh of 500 changed conversations end to end (merge into the held model, policy on the
//! changed, the delta applied to the derived figures, forecasts, selection: ready to draw) —
//! at large and at xl size (500,000 conversations), to show it stays flat. Run with
//! `cargo bench`; figures and how they were taken are in BENCHMARKS.md.

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use secrecy::SecretString;
use shiftlead::app::{App, SyncMsg};
use shiftlead::backend::cache::merge;
use shiftlead::backend::intercom::{IntercomClient, IntercomSettings};
use shiftlead::backend::{Budget, Helpdesk};
use shiftlead::clock::ManualClock;
use shiftlead::domain::{self, Conversation, ConversationId, Delta, Policy, Snapshot};
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

/// The large snapshot with its conversations copied `times` over under new ids (the xl
/// preset's 500,000 conversations, at large's inboxes and teammates).
fn widened(s: &Snapshot, times: usize) -> Snapshot {
    let mut out = s.clone();
    for k in 1..times {
        for c in s.conversations.iter() {
            let mut c = c.clone();
            c.id = ConversationId(format!("{}x{k}", c.id));
            out.conversations.insert(c);
        }
    }
    out
}

/// 500 conversations spread over the workspace, each changed as a refresh sees it: a new
/// assignee, the customer waiting again, updated 5 s ago; 20 of them closed.
fn changes(s: &Snapshot) -> Vec<Conversation> {
    let step = (s.conversations.len() / 500).max(1);
    let mates: Vec<_> = s.teammates.iter().map(|t| t.id.clone()).collect();
    s.conversations
        .iter()
        .step_by(step)
        .take(500)
        .enumerate()
        .map(|(n, c)| {
            let mut c = c.clone();
            c.assignee = Some(mates[n * 7 % mates.len()].clone());
            c.waiting_since = Some(now() - SignedDuration::from_secs(30));
            c.updated_at = now() - SignedDuration::from_secs(5);
            if n % 25 == 0 {
                c.state = domain::ConversationState::Closed;
            }
            c
        })
        .collect()
}

/// The originals of [`changes`].
fn changes_back(s: &Snapshot) -> Vec<Conversation> {
    let step = (s.conversations.len() / 500).max(1);
    s.conversations
        .iter()
        .step_by(step)
        .take(500)
        .cloned()
        .collect()
}

/// One refresh end to end, as the sync task and the app do it: merge into the held model,
/// the policy on what changed, then the app applies the delta.
fn refresh(
    app: &mut App,
    held: &Snapshot,
    changed: &[Conversation],
    policy: &Policy,
    at: Timestamp,
) {
    let mut next = held.clone();
    let touched = merge(&mut next.conversations, changed.iter().cloned());
    policy.prepare_ids(&mut next.conversations, &touched);
    policy.apply_people(&mut next);
    let (changed, removed) = touched
        .into_iter()
        .partition(|id| next.conversations.contains(id));
    app.on_sync(
        SyncMsg::Snapshot {
            delta: Some(Delta { changed, removed }),
            snapshot: Box::new(next),
            took: Duration::from_millis(5),
            budget: Budget::default(),
            capabilities: Box::new(app.capabilities.clone()),
        },
        at,
    );
}

fn app_with(snapshot: &Snapshot, policy: &Policy, capabilities: &domain::Capabilities) -> App {
    let mut app = App::new(policy.clone(), Duration::from_secs(5), true);
    app.on_sync(
        SyncMsg::Snapshot {
            delta: None,
            snapshot: Box::new(snapshot.clone()),
            took: Duration::from_millis(5),
            budget: Budget::default(),
            capabilities: Box::new(capabilities.clone()),
        },
        now(),
    );
    app
}

fn benches(c: &mut Criterion) {
    let (snapshot, policy, capabilities) = large_snapshot();
    c.bench_function("derive metrics, large", |b| {
        b.iter(|| domain::derive(black_box(&snapshot), &policy, now()))
    });

    let app = app_with(&snapshot, &policy, &capabilities);
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

    let later = now() + SignedDuration::from_secs(5);
    for (name, s) in [("large", snapshot.clone()), ("xl", widened(&snapshot, 5))] {
        let mut app = app_with(&s, &policy, &capabilities);
        // Each iteration is one refresh of 500 changes: alternately the changed versions and
        // the originals back, so the model never drifts.
        let variants = [changes(&s), changes_back(&s)];
        let mut flip = 0;
        c.bench_function(
            &format!("refresh 500 changed into {name}, end to end"),
            |b| {
                b.iter(|| {
                    let held = app.snapshot.clone().expect("a snapshot");
                    refresh(&mut app, &held, &variants[flip], &policy, later);
                    flip = 1 - flip;
                })
            },
        );
        drop(app);
    }
}

criterion_group! {
    name = dashboard;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(dashboard);
