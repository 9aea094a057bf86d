//! Speed of the hot paths at the `large` scale preset (2,000 teammates, 300 inboxes, 100,000
//! open conversations): deriving the metrics afresh, drawing the main view at 200×60, and a
//! refresh of 500 changed conversations end to end — through the functions the app runs:
//! `Cache::refresh` (merge into the held model, the policy on what changed, the people of the
//! previous refresh reused when unchanged) and `App::on_sync` (the delta applied to the
//! derived figures, the clock moved 5 s, history, arrivals, alerts, selection: ready to
//! draw) — at large and at the real xl preset (10,000 teammates, 1,000 inboxes, 500,000
//! conversations), to show it stays flat; and the same with the people re-read changed (a
//! teammate's presence flipped: that teammate patched into the held people, its cap resolved,
//! its figures and its inboxes' on-duty counts redone). The allocator is the app's
//! (mimalloc). Run with `cargo bench`; figures and how they were taken are in BENCHMARKS.md.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use secrecy::SecretString;
use shiftlead::app::{App, SyncMsg};
use shiftlead::backend::BackendError;
use shiftlead::backend::cache::{Cache, ChangeSource, Changes, FixedChange, FullRead, Intake};
use shiftlead::backend::intercom::{IntercomClient, IntercomSettings};
use shiftlead::backend::{Budget, Helpdesk};
use shiftlead::clock::ManualClock;
use shiftlead::domain::{self, Conversation, Conversations, Policy, Shared, Snapshot};
use shiftlead::sim::scenario::Scale;
use shiftlead::sim::{self, Scenario, SimConfig};
use shiftlead::ui::{self, Ctx, theme::Theme};
use std::cell::Cell;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn now() -> Timestamp {
    "2026-11-24T10:00:00Z".parse().expect("a valid timestamp")
}

/// A snapshot of a scale preset read from the seeded simulator over loopback, policy applied.
fn preset_snapshot(scale: &str) -> (Snapshot, Policy, domain::Capabilities) {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    rt.block_on(async {
        let clock = ManualClock::new(now());
        let mut cfg = SimConfig::demo(Arc::new(clock.clone()));
        cfg.token = "bench".into();
        cfg.rate_limit_per_window = 100_000;
        cfg.scenario = Scenario::scaled(Scale::preset(scale).flatten().expect("a preset"));
        let sim = sim::start(cfg, "127.0.0.1:0".parse().expect("an address"))
            .await
            .expect("the simulator starts");
        let mut settings =
            IntercomSettings::new(sim.base_url(), SecretString::from("bench"), "bench")
                .with_clock(Arc::new(clock));
        settings.timeout = Duration::from_secs(600);
        let client = IntercomClient::new(settings).expect("a client");
        let mut snapshot = client.snapshot().await.expect("a snapshot");
        let policy = Policy::default();
        policy.apply(&mut snapshot);
        sim.shutdown().await;
        (snapshot, policy, client.capabilities())
    })
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

/// A change source replaying prepared changes: a full read of the snapshot's conversations,
/// then whatever the bench queues; its people are rebuilt (fresh lists, as a vendor maps its
/// wire types) whenever it says they changed.
struct Replay {
    people: Snapshot,
    all: Conversations,
    next: Mutex<Vec<Conversation>>,
    people_changed: AtomicBool,
    now: Mutex<Timestamp>,
}

#[async_trait::async_trait]
impl ChangeSource for Replay {
    type Fixed = ();
    type Cursor = ();

    async fn read_all(
        &self,
        _: Timestamp,
        _: &Intake<'_>,
    ) -> Result<FullRead<(), ()>, BackendError> {
        Ok(FullRead {
            fixed: (),
            conversations: self.all.clone(),
            cursor: (),
            warnings: Vec::new(),
        })
    }

    async fn read_changes(
        &self,
        _: &mut (),
        _: &(),
        _: Timestamp,
    ) -> Result<Changes<()>, BackendError> {
        Ok(Changes {
            conversations: std::mem::take(&mut *self.next.lock().expect("a lock")),
            cursor: (),
            warnings: Vec::new(),
            // One teammate's presence flipped (as Intercom says when one admin changed).
            fixed: if self.people_changed.load(Ordering::Relaxed) {
                FixedChange::Teammates(vec![self.people.teammates[0].id.clone()])
            } else {
                FixedChange::Unchanged
            },
        })
    }

    fn now(&self) -> Timestamp {
        *self.now.lock().expect("a lock")
    }

    /// The teammate as re-read: their presence flipped (a fresh value, as a vendor maps it).
    fn teammate(&self, _: &(), old: &domain::Teammate) -> Option<domain::Teammate> {
        let mut t = old.clone();
        t.cap = None;
        t.presence.status = if t.presence.is_away() {
            domain::PresenceStatus::Online
        } else {
            domain::PresenceStatus::Away
        };
        Some(t)
    }

    fn assemble(&self, _: &(), conversations: Conversations, warnings: Vec<String>) -> Snapshot {
        Snapshot {
            taken_at: self.now(),
            inboxes: Shared::new(self.people.inboxes.to_vec()),
            teammates: Shared::new(self.people.teammates.to_vec()),
            conversations,
            warnings,
            ..self.people.clone()
        }
    }
}

/// One refresh end to end, as the sync task and the app do it: `Cache::refresh` (merge into
/// the held model, the policy on what changed, the people reused or rebuilt), then
/// `App::on_sync` applies the delta at `at`.
#[inline(never)]
fn refresh(
    rt: &tokio::runtime::Runtime,
    app: &mut App,
    cache: &Cache<(), ()>,
    source: &Replay,
    changed: Vec<Conversation>,
    policy: &Policy,
    at: Timestamp,
) {
    *source.next.lock().expect("a lock") = changed;
    *source.now.lock().expect("a lock") = at;
    let r = rt
        .block_on(cache.refresh(source, at, policy))
        .expect("a refresh");
    app.on_sync(
        SyncMsg::Snapshot {
            delta: r.delta,
            snapshot: Box::new(r.snapshot),
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
    let (snapshot, policy, capabilities) = preset_snapshot("large");
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

    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    for name in ["large", "xl"] {
        let (s, policy, capabilities) = if name == "large" {
            (snapshot.clone(), policy.clone(), capabilities.clone())
        } else {
            preset_snapshot(name)
        };
        let source = Replay {
            people: Snapshot {
                conversations: Conversations::new(),
                ..s.clone()
            },
            all: s.conversations.clone(),
            next: Mutex::new(Vec::new()),
            people_changed: AtomicBool::new(false),
            now: Mutex::new(now()),
        };
        let cache = Cache::new(SignedDuration::from_hours(24 * 365));
        let mut app = App::new(policy.clone(), Duration::from_secs(5), true);
        let first = rt
            .block_on(cache.refresh(&source, now(), &policy))
            .expect("a first read");
        app.on_sync(
            SyncMsg::Snapshot {
                delta: first.delta,
                snapshot: Box::new(first.snapshot),
                took: Duration::from_millis(5),
                budget: Budget::default(),
                capabilities: Box::new(capabilities.clone()),
            },
            now(),
        );
        // Each iteration is one refresh of 500 changes 5 s after the last: alternately the
        // changed versions and the originals back, so the model never drifts.
        let variants = [changes(&s), changes_back(&s)];
        let flip = Cell::new(0);
        let clock = Cell::new(now());
        for people in [false, true] {
            let label = if people {
                format!(
                    "refresh 500 changed and the people re-read changed into {name}, end to end"
                )
            } else {
                format!("refresh 500 changed into {name}, end to end")
            };
            source.people_changed.store(people, Ordering::Relaxed);
            c.bench_function(&label, |b| {
                b.iter_batched(
                    || {
                        let v = variants[flip.get()].clone();
                        flip.set(1 - flip.get());
                        clock.set(clock.get() + SignedDuration::from_secs(5));
                        v
                    },
                    |changed| {
                        refresh(
                            &rt,
                            &mut app,
                            &cache,
                            &source,
                            changed,
                            &policy,
                            clock.get(),
                        )
                    },
                    BatchSize::SmallInput,
                )
            });
        }
        drop(app);
    }
}

criterion_group! {
    name = dashboard;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(dashboard);
