//! A dashboard state built from the seeded simulator at a fixed time, and a renderer into
//! ratatui's `TestBackend`.

#![allow(dead_code)]

pub mod rig;

use crate::support::subject::Subject;
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use shiftlead::app::{App, SyncMsg};
use shiftlead::backend::Budget;
use shiftlead::domain::{Capabilities, Policy, Snapshot};
use shiftlead::ui::{self, Ctx, theme::Theme};
use std::time::Duration;

/// The fixed moment every UI test renders at.
pub fn now() -> Timestamp {
    "2026-11-24T10:00:00Z".parse().unwrap()
}

/// What a screen test renders from: one poll of the demo, policy applied, frozen in
/// `tests/fixtures/demo.json` so that tuning the simulator does not churn every screen.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Fixture {
    /// The local rules.
    pub policy: Policy,
    /// The snapshot, policy applied.
    pub snapshot: Snapshot,
    /// What the backend could do.
    pub capabilities: Capabilities,
}

/// Where the frozen fixture lives.
pub fn fixture_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/demo.json")
}

/// Reads the seeded simulator once at [`now`], as the fixture is recorded.
pub async fn record() -> Fixture {
    let s = Subject::intercom()
        .start(now())
        .token("ui-test")
        .client_on_system_clock()
        .without_audit()
        .build()
        .await;
    let policy = s.demo_policy();
    let mut snapshot = s.backend.snapshot().await.unwrap();
    policy.apply(&mut snapshot);
    s.sim.shutdown().await;
    Fixture {
        policy,
        snapshot,
        capabilities: s.backend.capabilities(),
    }
}

/// The frozen fixture.
pub fn fixture() -> Fixture {
    let text = std::fs::read_to_string(fixture_path()).expect("tests/fixtures/demo.json");
    serde_json::from_str(&text).expect("the fixture parses")
}

/// A dashboard that has received `f` as its first poll.
pub fn app_from(f: Fixture) -> App {
    let mut app = App::new(f.policy, Duration::from_secs(5), true);
    app.on_sync(
        SyncMsg::Snapshot {
            delta: None,
            snapshot: Box::new(f.snapshot),
            took: Duration::from_millis(42),
            budget: Budget {
                limit: Some(1000),
                remaining: Some(996),
                reset: None,
            },
            capabilities: Box::new(f.capabilities),
        },
        now(),
    );
    app
}

/// The demo dashboard after one poll, from the frozen fixture.
pub async fn demo_app() -> App {
    app_from(fixture())
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
