//! Screens of the dashboard, rendered from the seeded simulator at a fixed time and compared
//! with reviewed snapshots (`tests/snapshots/`).

mod ui_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ui_support::{demo_app, render, render_at, text};

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
