//! Screens of the dashboard, rendered from a frozen fixture (one poll of the seeded demo,
//! `tests/fixtures/demo.json`) at a fixed time and compared with reviewed snapshots
//! (`tests/snapshots/`). `SHIFTLEAD_RECORD_FIXTURE=1 cargo test --test ui_snapshots` records
//! the fixture again from the simulator.

mod support;
mod ui_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use shiftlead::domain::PresenceStatus;
use shiftlead::domain::capabilities::Read;
use ui_support::{app_from, demo_app, fixture, render, render_at, text};

#[tokio::test]
async fn the_fixture_is_a_consistent_poll_or_is_recorded_again() {
    if std::env::var_os("SHIFTLEAD_RECORD_FIXTURE").is_some() {
        let f = ui_support::record().await;
        let json = serde_json::to_string_pretty(&f).unwrap();
        std::fs::create_dir_all(ui_support::fixture_path().parent().unwrap()).unwrap();
        std::fs::write(ui_support::fixture_path(), json + "\n").unwrap();
    }
    let f = fixture();
    let s = &f.snapshot;
    assert!(s.inboxes.len() >= 3 && s.teammates.len() >= 10 && s.conversations.len() >= 20);
    for c in &s.conversations {
        assert!(
            c.inbox.as_ref().is_none_or(|i| s.inbox(i).is_some()),
            "{c:?}"
        );
        assert!(
            c.assignee.as_ref().is_none_or(|t| s.teammate(t).is_some()),
            "{c:?}"
        );
    }
    for i in &s.inboxes {
        assert!(i.members.iter().all(|m| s.teammate(&m.teammate).is_some()));
    }
}

#[tokio::test]
async fn the_screen_follows_the_backends_capabilities() {
    // A backend without membership levels and with a "transfers only" status.
    let mut f = fixture();
    f.capabilities.member_levels = Read::Unavailable("no levels".into());
    f.capabilities.presence = vec![PresenceStatus::Online, PresenceStatus::TransfersOnly];
    let mate = f
        .snapshot
        .teammates
        .iter_mut()
        .find(|t| !t.presence.is_away())
        .unwrap();
    mate.presence.status = PresenceStatus::TransfersOnly;
    let name = mate.name.clone();
    let mut app = app_from(f);
    let screen = text(&render(&mut app, 200, 60));
    assert!(!screen.contains("Secondary"), "{screen}");
    assert!(screen.contains("Inboxes"), "{screen}");
    let row = screen.lines().find(|l| l.contains(&name)).unwrap();
    assert!(row.contains("TRANSFERS"), "{row}");
    key(&mut app, KeyCode::Char('?'));
    let help = text(&render(&mut app, 120, 40));
    assert!(!help.contains("away-and-reassign"), "{help}");
    // The demo's own capabilities keep both.
    let mut app = demo_app().await;
    assert!(text(&render(&mut app, 200, 60)).contains("Secondary"));
}

fn key(app: &mut shiftlead::app::App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

#[tokio::test]
async fn main_view_80x24() {
    let mut app = demo_app().await;
    insta::assert_snapshot!(render(&mut app, 80, 24).backend());
}

#[tokio::test]
async fn main_view_200x60() {
    let mut app = demo_app().await;
    insta::assert_snapshot!(render(&mut app, 200, 60).backend());
}

#[tokio::test]
async fn inbox_drill_down() {
    let mut app = demo_app().await;
    key(&mut app, KeyCode::Enter);
    insta::assert_snapshot!(render(&mut app, 120, 32).backend());
}

#[tokio::test]
async fn teammate_drill_down() {
    let mut app = demo_app().await;
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Enter);
    insta::assert_snapshot!(render(&mut app, 120, 32).backend());
}

#[tokio::test]
async fn help_overlay() {
    let mut app = demo_app().await;
    key(&mut app, KeyCode::Char('?'));
    insta::assert_snapshot!(render(&mut app, 120, 40).backend());
}

#[tokio::test]
async fn countdowns_tick_with_the_clock() {
    let mut app = demo_app().await;
    let before = text(&render(&mut app, 120, 40));
    let later = ui_support::now() + jiff::SignedDuration::from_secs(7);
    let after = text(&render_at(&mut app, 120, 40, later, false));
    assert_ne!(
        before, after,
        "a second later the countdowns and data age moved"
    );
    assert!(after.contains("data 7s old"), "{after}");
}

#[tokio::test]
async fn stale_data_is_shown_as_stale() {
    let mut app = demo_app().await;
    let later = ui_support::now() + jiff::SignedDuration::from_secs(16);
    let screen = text(&render_at(&mut app, 120, 40, later, false));
    assert!(screen.contains("STALE data 16s old"), "{screen}");
}

#[tokio::test]
async fn no_panic_and_no_garbage_at_any_size() {
    let mut app = demo_app().await;
    for w in (1..=220).step_by(7).chain([59, 60, 61, 80]) {
        for h in (1..=70).step_by(5).chain([15, 16, 17, 24]) {
            let screen = text(&render(&mut app, w, h));
            if w < 60 || h < 16 {
                assert!(
                    screen.contains("too small") || screen.contains("Terminal") || w < 20 || h < 2,
                    "{w}x{h}:\n{screen}"
                );
            }
        }
    }
    // In every view and overlay, too.
    for code in [KeyCode::Enter, KeyCode::Char('?')] {
        key(&mut app, code);
        for (w, h) in [(1, 1), (60, 16), (61, 17), (80, 24), (300, 100)] {
            render(&mut app, w, h);
        }
    }
}

#[tokio::test]
async fn monochrome_keeps_every_meaning_in_text() {
    let mut app = demo_app().await;
    let term = render_at(&mut app, 200, 60, ui_support::now(), true);
    let buf = term.backend().buffer();
    let colours = buf
        .content()
        .iter()
        .filter(|c| c.fg != ratatui::style::Color::Reset || c.bg != ratatui::style::Color::Reset)
        .count();
    assert_eq!(colours, 0, "monochrome uses no colour");
    let screen = text(&term);
    for marker in ["!", "AWAY", "DEMO", "≈"] {
        assert!(screen.contains(marker), "{marker} missing");
    }
}
