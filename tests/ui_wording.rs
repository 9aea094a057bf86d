//! Wording and small screens: the inbox drill-down's forecast lines, coverage, the SLA pane's
//! title, the help's legend.

mod support;
mod ui_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use shiftlead::app::{App, SyncMsg};
use shiftlead::backend::Budget;
use std::time::Duration;
use ui_support::{fixture, now, render_at, text};

fn key(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

/// The demo after two polls a minute apart (the forecast needs two to measure arrivals): the
/// second one sees three conversations more in Billing.
fn two_polls() -> App {
    let f = fixture();
    let mut second = f.snapshot.clone();
    let billing = second.inboxes[0].id.clone();
    let later = now() + jiff::SignedDuration::from_mins(1);
    for n in 0..3 {
        let mut c = second.conversations.iter().next().unwrap().clone();
        c.id = shiftlead::domain::ConversationId::from(format!("9000{n}"));
        c.inbox = Some(billing.clone());
        c.created_at = later;
        second.conversations.insert(c);
    }
    second.taken_at = later;
    let caps = f.capabilities.clone();
    let mut app = ui_support::app_from(f);
    app.on_sync(
        SyncMsg::Snapshot {
            delta: None,
            snapshot: Box::new(second),
            took: Duration::from_millis(42),
            budget: Budget::default(),
            capabilities: Box::new(caps),
        },
        later,
    );
    app
}

/// The drill-down's summary and forecast lines (the rows under them are the tables' own
/// snapshots).
fn forecast_block(app: &mut App, w: u16, h: u16) -> String {
    let at = now() + jiff::SignedDuration::from_mins(1);
    let screen = text(&render_at(app, w, h, at, false));
    screen
        .lines()
        .skip(1)
        .take(4)
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn the_forecast_lines_end_on_whole_clauses_at_every_size() {
    for (w, h) in [(80, 24), (120, 36), (200, 60)] {
        let mut app = two_polls();
        key(&mut app, KeyCode::Enter);
        let block = forecast_block(&mut app, w, h);
        insta::assert_snapshot!(format!("inbox_forecast_{w}x{h}"), block);
        let lines: Vec<&str> = block.lines().map(str::trim_end).collect();
        // Some have breached already: the forecast speaks of the next one, never cut.
        assert!(
            lines[2].starts_with(" forecast: next breach in ~"),
            "{block}"
        );
        assert!(lines[2].contains("(SLA of #"), "{block}");
        // The staffing line in a lead's words, whole.
        assert!(
            lines[3].starts_with(" staffing: to answer 80% within ")
                && lines[3].ends_with("; you have 9"),
            "{block}"
        );
        // Clauses are dropped whole (a trailing " …" says some were), never cut inside.
        assert!(
            !block.replace(" …", "").contains('…') && !block.contains("erlang"),
            "{block}"
        );
        // The figures line drops whole figures: each kept one is "name number".
        for part in lines[1].trim().trim_end_matches(" …").split(" · ") {
            let (name, value) = part.rsplit_once(' ').unwrap();
            assert!(!name.is_empty() && !value.is_empty(), "{part:?} in {block}");
        }
    }
}

#[tokio::test]
async fn coverage_figures_sit_under_their_hour_labels() {
    for (w, h) in [(80, 24), (120, 36), (200, 60)] {
        let mut app = ui_support::app_from(fixture());
        app.coverage = shiftlead::config::Config::default().coverage().unwrap();
        key(&mut app, KeyCode::Char('C'));
        let screen = text(&render_at(&mut app, w, h, now(), false));
        insta::assert_snapshot!(format!("coverage_{w}x{h}"), screen);
        let lines: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
        let title: String = lines[1].iter().collect();
        assert!(title.contains("now: at work and not away"), "{title}");
        let head = &lines[2];
        let head_text: String = head.iter().collect();
        let after_now = &head_text[head_text.find("now").unwrap() + 3..];
        assert!(
            after_now.trim_start().starts_with('│'),
            "now stands apart: {head_text}"
        );
        // The columns where each label ends ("now", "11", "12", …).
        let ends: Vec<usize> = (1..head.len())
            .filter(|&x| head[x - 1].is_ascii_alphanumeric() && !head[x].is_ascii_alphanumeric())
            .filter(|&x| x > head_text.find("Members").unwrap() + 7)
            .collect();
        assert!(ends.len() >= 4, "{head_text}");
        let rows: Vec<&Vec<char>> = lines[3..]
            .iter()
            .take_while(|l| l.iter().any(|c| c.is_ascii_digit()))
            .collect();
        assert!(rows.len() >= 3, "{screen}");
        for row in rows {
            for &x in &ends {
                assert!(
                    row[x - 1].is_ascii_digit(),
                    "a figure ends under the label ending at {x}:\n{head_text}\n{}",
                    row.iter().collect::<String>()
                );
            }
        }
    }
}

#[tokio::test]
async fn the_sla_title_says_its_order() {
    let mut app = ui_support::app_from(fixture());
    key(&mut app, KeyCode::Char('3'));
    let screen = text(&render_at(&mut app, 120, 36, now(), false));
    assert!(
        screen.contains("┌ SLA — nearest breach first 1/"),
        "{screen}"
    );
    key(&mut app, KeyCode::Char('s'));
    let screen = text(&render_at(&mut app, 120, 36, now(), false));
    assert!(
        screen.contains("┌ SLA — highest priority first, then nearest breach "),
        "{screen}"
    );
    assert!(!screen.contains("↓priority"), "{screen}");
}

#[tokio::test]
async fn help_explains_every_column_header_and_marker() {
    let mut app = ui_support::app_from(fixture());
    key(&mut app, KeyCode::Char('?'));
    // Scrolled through at 80×24, every line of help is seen.
    let mut seen = String::new();
    for _ in 0..120 {
        seen.push_str(&text(&render_at(&mut app, 80, 24, now(), false)));
        key(&mut app, KeyCode::Char('j'));
    }
    insta::assert_snapshot!(
        "help_end_80x24",
        render_at(&mut app, 80, 24, now(), false).backend()
    );
    for header in ["Brch", "Unasg", "Duty/Away", "Next", "Oldest", "Load/cap"] {
        assert!(
            seen.contains(&format!("  {header} ")),
            "help lacks the column {header}"
        );
    }
    for marker in [
        "↑",
        "≈",
        "!",
        "⚠",
        "•",
        "BLOCK",
        "at cap",
        "z idle?",
        "· spare",
        "▲ over cap",
        "…",
        "●",
    ] {
        assert!(
            seen.contains(&format!("  {marker} ")),
            "help lacks the marker {marker}"
        );
    }
    // Every header the main view shows at its widest is one help explains (or names itself).
    let main = {
        let mut app = ui_support::app_from(fixture());
        text(&render_at(&mut app, 200, 60, now(), false))
    };
    let plain = [
        "Inbox",
        "Teammate",
        "Status",
        "Prio",
        "Assignee",
        "Conversation",
    ];
    for header in [
        "Unasg",
        "Brch",
        "Duty/Away",
        "Next",
        "Queue trend",
        "Load/cap",
        "Local",
    ] {
        assert!(main.contains(header), "the main view shows {header}");
        assert!(seen.contains(header));
    }
    for p in plain {
        assert!(main.contains(p));
    }
    key(&mut app, KeyCode::Esc);
    assert!(!app.help);
}

#[tokio::test]
async fn tab_candidates_fit_the_status_line() {
    let mut app = ui_support::app_from(fixture());
    for c in ":teammate ".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    key(&mut app, KeyCode::Tab);
    let screen = text(&render_at(&mut app, 80, 24, now(), false));
    let status = screen.lines().last().unwrap();
    assert!(
        status.starts_with(" : teammate Ana Souza▏  [Ana Souza]  Bo Lindqvist"),
        "{status}"
    );
    assert!(status.trim_end().ends_with(" more"), "{status}");
    key(&mut app, KeyCode::Tab);
    let screen = text(&render_at(&mut app, 120, 36, now(), false));
    let status = screen.lines().last().unwrap();
    assert!(
        status.starts_with(" : teammate Bo Lindqvist▏  [Bo Lindqvist]"),
        "{status}"
    );
}
