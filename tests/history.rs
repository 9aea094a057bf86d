//! The shift's history: a day of samples at injected times in a real SQLite file, its
//! retention and size bound, a restart, the handoff's peaks, a recorder that never blocks
//! the dashboard, and the `:trends` screens drawn from a fixture-filled database.

mod support;
mod ui_support;

use jiff::{SignedDuration, Timestamp};
use shiftlead::domain::handoff::{self, Peak, Peaks};
use shiftlead::history::{
    self, Answer, HistoryError, InboxSample, Query, Recorder, Sample, Settings, Store,
    TeammateSample, Window,
};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use ui_support::{demo_app, fixture, now, render, render_at, text};

const MINUTE: i64 = 60;
const DAY: i64 = 24 * 60;

fn at(minute: i64) -> Timestamp {
    // A day of samples ending at the UI tests' moment.
    now() + SignedDuration::from_secs((minute - (DAY - 1)) * MINUTE)
}

/// A triangle wave over 4 hours: 0 → 120 → 0.
fn tri(minute: i64, shift: i64) -> u32 {
    let p = (minute + shift).rem_euclid(240);
    (if p < 120 { p } else { 240 - p }) as u32
}

/// Two inboxes with known peaks: Billing's open peaks at 90 on minute 1000 (in the last 8
/// hours) and at 80 on minute 700 (before them); Sales' breached spikes to 20 on minute 1200.
fn sample(minute: i64) -> Sample {
    let billing_open = match minute {
        700 => 80,
        1000 => 90,
        m => 5 + (m % 30) as u32,
    };
    let sales_breached = if minute == 1200 {
        20
    } else {
        (minute % 7) as u32
    };
    Sample {
        workspace: "demo/Acme".into(),
        at: at(minute),
        inboxes: vec![
            InboxSample {
                id: "1".into(),
                name: "Billing".into(),
                open: billing_open,
                unassigned: 1,
                waiting: 3,
                breached: 2,
                on_duty: 4,
            },
            InboxSample {
                id: "2".into(),
                name: "Sales".into(),
                open: 7,
                unassigned: 0,
                waiting: 2,
                breached: sales_breached,
                on_duty: 2,
            },
        ],
        teammates: (0..25)
            .map(|n| TeammateSample {
                id: format!("t{n}"),
                name: format!("Teammate {n:02} with a long name"),
                load: ((minute + n) % 9) as u32,
                cap: Some(6),
            })
            .collect(),
    }
}

fn fill(store: &mut Store, minutes: impl Iterator<Item = i64>) {
    for m in minutes {
        store.record(&sample(m)).unwrap();
    }
}

#[test]
fn retention_prunes_exactly_what_is_older_than_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        retention: SignedDuration::from_hours(12),
        ..Settings::default()
    };
    let mut store = Store::open(&dir.path().join("history.sqlite"), settings).unwrap();
    fill(&mut store, 0..DAY);
    let (count, oldest, newest) = store.span("demo/Acme").unwrap();
    let cutoff = at(DAY - 1) - SignedDuration::from_hours(12);
    // Minutes 719 … 1439: the one exactly 12 hours old stays, the one a minute older went.
    assert_eq!(oldest, Some(cutoff));
    assert_eq!(newest, Some(at(DAY - 1)));
    assert_eq!(count, 721);
    // Pruning again later removes exactly the samples that have aged out since.
    let later = at(DAY - 1) + SignedDuration::from_mins(30);
    assert_eq!(store.prune(later).unwrap(), 30);
    assert_eq!(store.span("demo/Acme").unwrap().0, 691);
}

#[test]
fn the_size_bound_holds_and_the_oldest_samples_go_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    let max = 256 * 1024;
    let settings = Settings {
        max_bytes: max,
        ..Settings::default()
    };
    let mut store = Store::open(&path, settings).unwrap();
    for m in 0..DAY {
        store.record(&sample(m)).unwrap();
        assert!(store.used_bytes().unwrap() <= max, "minute {m}");
    }
    let (count, oldest, newest) = store.span("demo/Acme").unwrap();
    assert!(count > 50 && count < DAY as u64, "{count} samples kept");
    assert_eq!(newest, Some(at(DAY - 1)), "the newest sample is kept");
    assert!(oldest > Some(at(0)), "the oldest went first");
    drop(store);
    // Closed (the WAL checkpointed) and vacuumed incrementally, the file is near the bound.
    let len = std::fs::metadata(&path).unwrap().len();
    assert!(len <= max + 64 * 1024, "{len} bytes on disk");
}

#[test]
fn a_restart_keeps_the_shifts_curve() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    let mut store = Store::open(&path, Settings::default()).unwrap();
    fill(&mut store, 0..DAY);
    let before = store.trends("demo/Acme", Window::Day, now()).unwrap();
    drop(store);
    let store = Store::open(&path, Settings::default()).unwrap();
    let after = store.trends("demo/Acme", Window::Day, now()).unwrap();
    assert_eq!(before, after);
    assert_eq!(after.samples, DAY as usize);
    assert_eq!(after.inboxes[0].name, "Billing", "busiest first");
    assert_eq!(after.inboxes[0].peak, 90);
    assert_eq!(after.load.len(), 25);
    // Another workspace's rows are not in it.
    assert!(
        store
            .trends("helpdesk/Real", Window::Day, now())
            .unwrap()
            .inboxes
            .is_empty()
    );
    // The windows cut where they should: 60 samples in the last hour (its start included).
    let hour = store.trends("demo/Acme", Window::Hour, now()).unwrap();
    assert_eq!(hour.samples, 61);
    assert_eq!(hour.from, now() - SignedDuration::from_hours(1));
}

#[test]
fn the_handoffs_peaks_are_the_right_values_and_times() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("history.sqlite"), Settings::default()).unwrap();
    fill(&mut store, 0..DAY);
    let since = now() - SignedDuration::from_hours(8);
    let peaks = store.peaks("demo/Acme", since, now()).unwrap();
    assert_eq!(peaks.samples, 8 * 60 + 1);
    assert_eq!(peaks.first, Some(since));
    let billing = &peaks.inboxes[0];
    assert_eq!(billing.inbox, "Billing");
    // 80 at minute 700 is before the shift; 90 at minute 1000 is in it.
    assert_eq!(
        billing.open,
        Peak {
            value: 90,
            at: at(1000)
        }
    );
    assert_eq!(
        billing.breached,
        Peak {
            value: 2,
            at: since
        }
    );
    let sales = &peaks.inboxes[1];
    assert_eq!(
        sales.breached,
        Peak {
            value: 20,
            at: at(1200)
        }
    );
    assert_eq!(
        peaks.breached,
        Some(Peak {
            value: 22,
            at: at(1200)
        })
    );
    // Over the whole day, 90 is still the highest.
    let day = store.peaks("demo/Acme", at(0), now()).unwrap();
    assert_eq!(day.inboxes[0].open.value, 90);

    // And the handoff says so.
    let f = fixture();
    let app = ui_support::app_from(f);
    let md = handoff::markdown(handoff::Inputs {
        snapshot: app.snapshot.as_ref().unwrap(),
        metrics: app.metrics.as_ref().unwrap(),
        policy: &app.policy,
        blocks: &[],
        writes: &[],
        since,
        now: now(),
        privacy: false,
        peaks: Ok(&peaks),
    });
    let hhmm = |t: Timestamp| t.strftime("%H:%M").to_string();
    assert!(md.contains("## Peaks this shift"), "{md}");
    assert!(
        md.contains(&format!(
            "| Billing | 90 | {} UTC | 2 | {} UTC |",
            hhmm(at(1000)),
            hhmm(since)
        )),
        "{md}"
    );
    assert!(
        md.contains(&format!(
            "Most breached at once across inboxes: 22 at {} UTC.",
            hhmm(at(1200))
        )),
        "{md}"
    );
}

#[test]
fn the_recorder_never_blocks_when_the_writer_is_slow() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    drop(Store::open(&path, Settings::default()).unwrap());
    // Another process holds the write lock: the writer waits on it, then fails.
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let warnings = Arc::new(Mutex::new(Vec::<String>::new()));
    let heard = warnings.clone();
    let settings = Settings {
        busy_timeout: Duration::from_millis(300),
        ..Settings::default()
    };
    let recorder = Recorder::spawn(path.clone(), settings, move |w| {
        heard.lock().unwrap().push(w)
    });
    let start = Instant::now();
    let mut kept = 0;
    for m in 0..500 {
        if recorder.record(sample(m)) {
            kept += 1;
        }
    }
    let took = start.elapsed();
    assert!(
        took < Duration::from_millis(250),
        "500 samples handed over in {took:?}"
    );
    assert!(recorder.dropped() > 0, "a full queue drops");
    assert_eq!(recorder.dropped() + kept, 500);
    assert!(kept >= history::QUEUE as u64);
    // The lock outlives the writer's patience (its first write fails), then goes away: the
    // writer catches up on what it was given, and says so.
    std::thread::sleep(Duration::from_millis(700));
    other.execute_batch("ROLLBACK").unwrap();
    drop(other);
    let answer = recorder
        .ask(
            Query::Trends {
                workspace: "demo/Acme".into(),
                window: Window::Day,
                now: now(),
            },
            Duration::from_secs(60),
        )
        .unwrap();
    let Answer::Trends(t) = answer else {
        panic!("{answer:?}")
    };
    assert!(t.samples > 0, "recorded after the lock went");
    let w = warnings.lock().unwrap().clone();
    assert!(
        w.first()
            .is_some_and(|w| w.starts_with("history not recorded:")),
        "{w:?}"
    );
    assert!(w.iter().any(|w| w == "history is recorded again"), "{w:?}");
}

#[test]
fn a_damaged_file_leaves_the_recorder_answering_why() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    std::fs::write(&path, vec![b'x'; 8192]).unwrap();
    let warnings = Arc::new(Mutex::new(Vec::<String>::new()));
    let heard = warnings.clone();
    let recorder = Recorder::spawn(path, Settings::default(), move |w| {
        heard.lock().unwrap().push(w)
    });
    assert!(recorder.record(sample(0)));
    let e = recorder
        .ask(
            Query::Peaks {
                workspace: "demo/Acme".into(),
                since: at(0),
                now: now(),
            },
            Duration::from_secs(10),
        )
        .unwrap_err();
    assert!(matches!(e, HistoryError::Unavailable(_)), "{e}");
    assert!(
        e.to_string().contains("history.sqlite"),
        "names the file: {e}"
    );
    let w = warnings.lock().unwrap().clone();
    assert!(w[0].starts_with("history off:"), "{w:?}");
}

/// A database filled with a day of the fixture's own inboxes and teammates, and the trends
/// view opened on it over `window`.
async fn trends_app(window: Window) -> shiftlead::app::App {
    let dir = tempfile::tempdir().unwrap();
    let mut app = demo_app().await;
    let snapshot = app.snapshot.clone().unwrap();
    let metrics = app.metrics.clone().unwrap();
    let mut store = Store::open(&dir.path().join("history.sqlite"), Settings::default()).unwrap();
    for m in 0..DAY {
        // Each inbox between half and all of its figures now, on its own 4-hour wave; the
        // newest sample is the fixture's own.
        let mut s = history::sample_of(&snapshot, &metrics, at(m));
        if m < DAY - 1 {
            for (n, i) in s.inboxes.iter_mut().enumerate() {
                let n = n as i64;
                i.open = i.open * (120 + tri(m, n * 50)) / 240;
                i.breached = i.breached * tri(m, n * 50 + 30) / 120;
            }
        }
        store.record(&s).unwrap();
    }
    let key = history::workspace_key(&snapshot);
    let trends = store.trends(&key, window, now()).unwrap();
    app.run_command(&format!("trends {}", window.label()));
    assert_eq!(
        app.take_effects(),
        vec![shiftlead::app::Effect::LoadTrends(window)]
    );
    app.on_trends(Ok(trends));
    app
}

#[tokio::test]
async fn trends_80x24() {
    let mut app = trends_app(Window::Shift).await;
    insta::assert_snapshot!(render(&mut app, 80, 24).backend());
}

#[tokio::test]
async fn trends_120x36() {
    let mut app = trends_app(Window::Shift).await;
    insta::assert_snapshot!(render(&mut app, 120, 36).backend());
}

#[tokio::test]
async fn trends_200x60_last_24h() {
    let mut app = trends_app(Window::Day).await;
    insta::assert_snapshot!(render(&mut app, 200, 60).backend());
}

#[tokio::test]
async fn trends_read_without_colour_and_draw_at_every_size() {
    let mut app = trends_app(Window::Hour).await;
    let screen = text(&render_at(&mut app, 120, 36, now(), true));
    // Each inbox's line has its own symbol, named in the legend.
    assert!(screen.contains("• "), "{screen}");
    assert!(screen.contains("x "), "{screen}");
    assert!(
        screen.contains("Open per inbox · last 1h (UTC) · 61 samples"),
        "{screen}"
    );
    assert!(
        screen.contains("1:1h"),
        "the window keys are in the hint\n{screen}"
    );
    // At the smallest drawn size the over-cap count stays and titles lose whole parts.
    let small = text(&render(&mut app, 60, 16));
    assert!(small.contains("over cap"), "{small}");
    assert!(
        small.contains("┌ Open per inbox · last 1h (UTC) · 61 samples ─"),
        "{small}"
    );
    for (w, h) in [(60, 16), (61, 17), (80, 24), (59, 15), (20, 5), (300, 80)] {
        let _ = render(&mut app, w, h);
    }
    // No data yet, and an unreadable database, say so.
    app.trends = None;
    assert!(text(&render(&mut app, 80, 24)).contains("Reading the shift's history"));
    app.on_trends(Err("history database x: file is not a database".into()));
    assert!(text(&render(&mut app, 80, 24)).contains("History unavailable: history database x"));
    let empty = Store::open(
        &tempfile::tempdir().unwrap().path().join("h.sqlite"),
        Settings::default(),
    )
    .unwrap()
    .trends("demo/none", Window::Hour, now())
    .unwrap();
    app.on_trends(Ok(empty));
    assert!(text(&render(&mut app, 120, 36)).contains("No history recorded in the last 1h yet"));
}

#[test]
fn peaks_of_an_empty_history_say_so_in_the_handoff() {
    let f = fixture();
    let app = ui_support::app_from(f);
    let md = handoff::markdown(handoff::Inputs {
        snapshot: app.snapshot.as_ref().unwrap(),
        metrics: app.metrics.as_ref().unwrap(),
        policy: &app.policy,
        blocks: &[],
        writes: &[],
        since: now() - SignedDuration::from_hours(8),
        now: now(),
        privacy: false,
        peaks: Ok(&Peaks::default()),
    });
    assert!(md.contains("_No history recorded this shift._"), "{md}");
}

#[test]
fn the_history_section_parses_and_an_unknown_key_is_a_warning() {
    let text = "[backend]\nkind = \"demo\"\n[history]\nretention = \"2 days\"\nmax_size_mb = 5\nsample_every = \"30s\"\nkeep = 1\n";
    let (config, warnings) =
        shiftlead::config::parse(text, std::path::Path::new("h.toml")).unwrap();
    assert!(config.history.enabled);
    let s = Settings::from_config(&config.history);
    assert_eq!(s.retention, SignedDuration::from_hours(48));
    assert_eq!(s.max_bytes, 5 * 1024 * 1024);
    assert_eq!(s.sample_every, SignedDuration::from_secs(30));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("history.keep"), "{warnings:?}");
    let bad = "[backend]\nkind = \"demo\"\n[history]\nretention = \"soon\"\n";
    let e = shiftlead::config::parse(bad, std::path::Path::new("h.toml")).unwrap_err();
    assert!(
        e.to_string().contains("retention") || e.to_string().contains("line 4"),
        "{e}"
    );
}
