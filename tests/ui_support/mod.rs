//! A dashboard state built from the seeded simulator at a fixed time, and a renderer into
//! ratatui's `TestBackend`.

#![allow(dead_code)]

pub mod rig;

use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use secrecy::SecretString;
use shiftlead::app::{App, SyncMsg};
use shiftlead::backend::intercom::{IntercomClient, IntercomSettings};
use shiftlead::backend::{Budget, Helpdesk};
use shiftlead::clock::ManualClock;
use shiftlead::connect::demo_policy;
use shiftlead::domain::Policy;
use shiftlead::sim::{self, SimConfig};
use shiftlead::ui::{self, Ctx, theme::Theme};
use std::sync::Arc;
use std::time::Duration;

/// The fixed moment every UI test renders at.
pub fn now() -> Timestamp {
    "2026-11-24T10:00:00Z".parse().unwrap()
}

/// The demo dashboard after one poll of the seeded simulator at [`now`].
pub async fn demo_app() -> App {
    let clock = ManualClock::new(now());
    let mut cfg = SimConfig::demo(Arc::new(clock));
    cfg.token = "ui-test".into();
    let mut policy = Policy::default();
    demo_policy(&mut policy, &cfg.scenario);
    let sim = sim::start(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = IntercomClient::new(IntercomSettings::new(
        sim.base_url(),
        SecretString::from("ui-test"),
        "demo",
    ))
    .unwrap();
    let mut snapshot = client.snapshot().await.unwrap();
    policy.apply(&mut snapshot);
    sim.shutdown().await;
    let mut app = App::new(policy, Duration::from_secs(5), true);
    app.on_sync(
        SyncMsg::Snapshot {
            snapshot: Box::new(snapshot),
            took: Duration::from_millis(42),
            budget: Budget {
                limit: Some(1000),
                remaining: Some(996),
                reset: None,
            },
            capabilities: Box::new(client.capabilities()),
        },
        now(),
    );
    app
}

/// Renders `app` at `width`×`height` at time `at`; returns the terminal for assertions.
pub fn render_at(
    app: &mut App,
    width: u16,
    height: u16,
    at: Timestamp,
    monochrome: bool,
) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let ctx = Ctx {
        now: at,
        theme: Theme {
            monochrome,
            ..Theme::default()
        },
    };
    let mut hits = None;
    terminal
        .draw(|f| hits = Some(ui::draw(f, app, ctx)))
        .unwrap();
    app.hits = hits.unwrap_or_default();
    terminal
}

/// Renders at [`now`] in colour.
pub fn render(app: &mut App, width: u16, height: u16) -> Terminal<TestBackend> {
    render_at(app, width, height, now(), false)
}

/// The screen as text lines.
pub fn text(terminal: &Terminal<TestBackend>) -> String {
    let buf = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}
