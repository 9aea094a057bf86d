//! The dashboard state driven by key sequences: focus, selection, filter, drill-down, back,
//! help, the command line and sorting.

mod support;
mod ui_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use shiftlead::app::{App, Mode, Pane, SortMode, SyncMsg, View};
use shiftlead::backend::Budget;
use std::time::Duration;
use ui_support::{demo_app, render, text};

fn press(app: &mut App, keys: &str) {
    for c in keys.chars() {
        app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
}

fn code(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

#[tokio::test]
async fn tab_and_shift_tab_cycle_focus() {
    let mut app = demo_app().await;
    assert_eq!(app.focus, Pane::Inboxes);
    code(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Pane::Teammates);
    code(&mut app, KeyCode::Tab);
    code(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Pane::Inboxes);
    code(&mut app, KeyCode::BackTab);
    assert_eq!(app.focus, Pane::Sla);
    press(&mut app, "2");
    assert_eq!(app.focus, Pane::Teammates);
}

#[tokio::test]
async fn movement_keys_stay_in_bounds() {
    let mut app = demo_app().await;
    press(&mut app, "2");
    let n = app.rows(Pane::Teammates).len();
    press(&mut app, "jjj");
    assert_eq!(app.selected[1], 3);
    press(&mut app, "k");
    assert_eq!(app.selected[1], 2);
    press(&mut app, "G");
    assert_eq!(app.selected[1], n - 1);
    press(&mut app, "j");
    assert_eq!(app.selected[1], n - 1, "no wrap past the end");
    press(&mut app, "g");
    assert_eq!(app.selected[1], 0);
    code(&mut app, KeyCode::PageDown);
    assert_eq!(app.selected[1], 10.min(n - 1));
    code(&mut app, KeyCode::Up);
    code(&mut app, KeyCode::PageUp);
    assert_eq!(app.selected[1], 0);
    press(&mut app, "k");
    assert_eq!(app.selected[1], 0);
}

#[tokio::test]
async fn filter_narrows_the_focused_list_as_you_type() {
    let mut app = demo_app().await;
    press(&mut app, "2/");
    assert_eq!(app.mode, Mode::Filter);
    press(&mut app, "ana");
    assert_eq!(app.filter[1], "ana");
    let names: Vec<String> = app
        .rows(Pane::Teammates)
        .iter()
        .map(|n| app.snapshot.as_ref().unwrap().teammates[n].name.clone())
        .collect();
    assert!(!names.is_empty());
    assert!(
        names.iter().all(|n| n.to_lowercase().contains("ana")),
        "{names:?}"
    );
    code(&mut app, KeyCode::Backspace);
    assert_eq!(app.filter[1], "an");
    code(&mut app, KeyCode::Enter);
    assert_eq!(app.mode, Mode::Normal);
    assert_eq!(app.filter[1], "an", "Enter keeps the filter");
    // Other panes are unaffected; Esc in normal mode clears the filter.
    assert!(app.filter[0].is_empty());
    code(&mut app, KeyCode::Esc);
    assert!(app.filter[1].is_empty());
    // Esc while typing clears and leaves.
    press(&mut app, "/zzz");
    assert!(app.rows(Pane::Teammates).is_empty());
    code(&mut app, KeyCode::Esc);
    assert_eq!(app.mode, Mode::Normal);
    assert!(app.filter[1].is_empty());
}

#[tokio::test]
async fn enter_drills_down_and_esc_goes_back() {
    let mut app = demo_app().await;
    press(&mut app, "j");
    let second = app.snapshot.as_ref().unwrap().inboxes[1].id.clone();
    code(&mut app, KeyCode::Enter);
    assert_eq!(app.view, View::Inbox(second));
    assert!(!app.detail_rows().is_empty());
    press(&mut app, "jj");
    assert_eq!(app.detail_selected, 2);
    code(&mut app, KeyCode::Esc);
    assert_eq!(app.view, View::Main);
    // Teammates drill into a teammate; the SLA pane opens the conversation.
    press(&mut app, "2");
    code(&mut app, KeyCode::Enter);
    assert!(matches!(app.view, View::Teammate(_)));
    code(&mut app, KeyCode::Esc);
    press(&mut app, "3");
    code(&mut app, KeyCode::Enter);
    assert!(matches!(app.view, View::Conversation(_)));
}

#[tokio::test]
async fn help_opens_and_closes_without_quitting() {
    let mut app = demo_app().await;
    press(&mut app, "?");
    assert!(app.help);
    press(&mut app, "q");
    assert!(!app.help && !app.quit, "q closes help first");
    press(&mut app, "?");
    code(&mut app, KeyCode::Esc);
    assert!(!app.help);
    press(&mut app, "q");
    assert!(app.quit);
}

#[tokio::test]
async fn help_scrolls_on_a_small_screen() {
    let mut app = demo_app().await;
    press(&mut app, "?");
    let first = text(&render(&mut app, 80, 24));
    assert!(first.contains("j/k scroll"), "{first}");
    assert!(!first.contains(":audit"), "{first}");
    let mut seen = String::new();
    for _ in 0..120 {
        press(&mut app, "j");
        seen.push_str(&text(&render(&mut app, 80, 24)));
    }
    assert!(seen.contains(":audit"), "the commands are reachable");
    let last = text(&render(&mut app, 80, 24));
    assert!(
        last.contains("a write to this row is in flight"),
        "the end of the help (its last marker) is reachable:\n{last}"
    );
    assert!(app.help && !app.quit);
}

#[tokio::test]
async fn ctrl_c_quits_from_any_mode() {
    let mut app = demo_app().await;
    press(&mut app, "/ab");
    app.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(app.quit);
}

#[tokio::test]
async fn sort_cycles_and_orders_rows() {
    let mut app = demo_app().await;
    press(&mut app, "s");
    assert_eq!(app.sort[0], SortMode::Open);
    let s = app.snapshot.clone().unwrap();
    let m = app.metrics.clone().unwrap();
    let opens: Vec<u32> = app
        .rows(Pane::Inboxes)
        .iter()
        .map(|n| m.inbox(&s.inboxes[n].id).unwrap().open)
        .collect();
    assert!(opens.windows(2).all(|w| w[0] >= w[1]), "{opens:?}");
    for _ in 0..SortMode::modes(Pane::Inboxes).len() - 1 {
        press(&mut app, "s");
    }
    assert_eq!(app.sort[0], SortMode::Natural, "cycles back");
}

#[tokio::test]
async fn command_line_runs_commands_and_reports_unknown_ones() {
    let mut app = demo_app().await;
    press(&mut app, ":sort unassigned");
    assert!(matches!(app.mode, Mode::Command(ref t) if t == "sort unassigned"));
    code(&mut app, KeyCode::Enter);
    assert_eq!(app.sort[0], SortMode::Unassigned);
    press(&mut app, ":filter tech");
    code(&mut app, KeyCode::Enter);
    assert_eq!(app.rows(Pane::Inboxes).len(), 1);
    press(&mut app, ":teammate lena");
    code(&mut app, KeyCode::Enter);
    assert!(matches!(app.view, View::Teammate(_)));
    press(&mut app, ":bogus");
    code(&mut app, KeyCode::Enter);
    assert!(
        app.message
            .as_deref()
            .unwrap_or("")
            .contains("unknown command")
    );
    press(&mut app, ":help");
    code(&mut app, KeyCode::Enter);
    assert!(app.help);
    code(&mut app, KeyCode::Esc);
    press(&mut app, ":q");
    code(&mut app, KeyCode::Enter);
    assert!(app.quit);
}

#[tokio::test]
async fn a_click_selects_the_row_under_the_mouse() {
    let mut app = demo_app().await;
    render(&mut app, 120, 40);
    let hit = app
        .hits
        .lists
        .iter()
        .find(|h| h.pane == Pane::Teammates)
        .copied()
        .unwrap();
    app.on_mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: hit.x + 2,
        row: hit.y + 3,
        modifiers: KeyModifiers::NONE,
    });
    assert_eq!(app.focus, Pane::Teammates);
    assert_eq!(app.selected[1], 3);
}

#[tokio::test]
async fn a_failed_poll_keeps_the_data_and_shows_the_error() {
    let mut app = demo_app().await;
    let before = app.snapshot.clone();
    app.on_sync(
        SyncMsg::Failed {
            error: "HTTP 503: unavailable".into(),
            took: Duration::from_millis(5),
            budget: Budget::default(),
        },
        ui_support::now(),
    );
    assert_eq!(app.snapshot, before);
    assert_eq!(app.last_error.as_deref(), Some("HTTP 503: unavailable"));
    let screen = ui_support::text(&render(&mut app, 120, 40));
    assert!(screen.contains("error: HTTP 503"), "{screen}");
}

#[tokio::test]
async fn a_remapped_key_drives_its_action() {
    let mut app = demo_app().await;
    let mut overrides = std::collections::BTreeMap::new();
    overrides.insert("quit".to_owned(), vec!["x".to_owned()]);
    overrides.insert("down".to_owned(), vec!["n".to_owned()]);
    app.keymap = shiftlead::app::keymap::Keymap::with_overrides(&overrides).unwrap();
    press(&mut app, "n");
    assert_eq!(app.selected[0], 1, "n moves down now");
    press(&mut app, "j");
    assert_eq!(app.selected[0], 1, "j no longer does");
    press(&mut app, "q");
    assert!(!app.quit, "q no longer quits");
    press(&mut app, "?");
    let screen = ui_support::text(&render(&mut app, 120, 60));
    let line = screen
        .lines()
        .find(|l| l.contains("quit (Ctrl-c"))
        .unwrap_or_default();
    let keys = line.split('│').nth(2).unwrap_or_default().trim_start();
    assert!(keys.starts_with("x "), "help shows the binding: {line}");
    code(&mut app, KeyCode::Esc);
    press(&mut app, "x");
    assert!(app.quit);
}

fn selected_mate(app: &App) -> String {
    let id = app
        .target_teammates()
        .pop()
        .expect("a teammate under the cursor");
    let s = app.snapshot.as_ref().unwrap();
    s.teammate(&id).unwrap().name.clone()
}

#[tokio::test]
async fn the_selection_stays_on_the_same_teammate_through_sorts_filters_and_refreshes() {
    let mut app = demo_app().await;
    press(&mut app, "2");
    while selected_mate(&app) != "Chidi Okafor" {
        press(&mut app, "j");
    }
    // Two re-sorts: the rows move, the cursor stays on Chidi, and `w` names Chidi.
    press(&mut app, "ss");
    assert_eq!(selected_mate(&app), "Chidi Okafor");
    press(&mut app, "w");
    let screen = text(&render(&mut app, 120, 36));
    assert!(screen.contains("Set Chidi Okafor away"), "{screen}");
    code(&mut app, KeyCode::Esc);
    // A filter that keeps him keeps the cursor on him.
    press(&mut app, "/chi");
    code(&mut app, KeyCode::Enter);
    assert_eq!(selected_mate(&app), "Chidi Okafor");
    code(&mut app, KeyCode::Esc);
    assert_eq!(
        selected_mate(&app),
        "Chidi Okafor",
        "clearing the filter too"
    );
    // A refresh that reorders the teammates keeps him; one without him says so.
    let mut fix = ui_support::fixture();
    fix.snapshot.teammates.reverse();
    let refresh = |app: &mut App, f: ui_support::Fixture| {
        app.on_sync(
            SyncMsg::Snapshot {
                delta: None,
                snapshot: Box::new(f.snapshot),
                took: Duration::from_millis(5),
                budget: Budget::default(),
                capabilities: Box::new(f.capabilities),
            },
            ui_support::now(),
        )
    };
    refresh(&mut app, fix);
    assert_eq!(selected_mate(&app), "Chidi Okafor");
    let mut fix = ui_support::fixture();
    fix.snapshot.teammates.retain(|t| t.name != "Chidi Okafor");
    refresh(&mut app, fix);
    assert_ne!(selected_mate(&app), "Chidi Okafor");
    let message = app.message.clone().unwrap_or_default();
    assert!(message.contains("Chidi Okafor left the list"), "{message}");
}

#[tokio::test]
async fn an_ambiguous_name_in_a_command_lists_the_candidates() {
    let mut app = demo_app().await;
    press(&mut app, ":teammate le");
    code(&mut app, KeyCode::Enter);
    assert_eq!(app.view, View::Main, "nobody was opened");
    let message = app.message.clone().unwrap_or_default();
    assert!(
        message.contains("Lena Fischer") && message.contains("Lea Rossi"),
        "{message}"
    );
    press(&mut app, ":teammate lea");
    code(&mut app, KeyCode::Enter);
    let View::Teammate(id) = &app.view else {
        panic!("{:?}", app.view)
    };
    let s = app.snapshot.as_ref().unwrap();
    assert_eq!(s.teammate(id).unwrap().name, "Lea Rossi");
}

#[tokio::test]
async fn unassign_is_the_last_choice_and_asks_first() {
    use shiftlead::app::{Choice, Overlay};
    use shiftlead::backend::AssignTarget;
    let mut app = demo_app().await;
    press(&mut app, "3");
    press(&mut app, "a");
    let Some(Overlay::Picker(p)) = &app.overlay else {
        panic!("{:?}", app.overlay)
    };
    // `a` Enter picks a teammate, never "unassign".
    assert!(matches!(
        p.items[0].choice,
        Choice::Assign(AssignTarget::Teammate(_))
    ));
    assert!(!p.items[0].detail.contains("AWAY"), "{:?}", p.items[0]);
    let last = p.items.last().unwrap();
    assert!(matches!(
        last.choice,
        Choice::Assign(AssignTarget::UnassignTeammate)
    ));
    // Choosing it asks, and says where the conversation goes.
    press(&mut app, "unassign");
    code(&mut app, KeyCode::Enter);
    let Some(Overlay::Confirm(c)) = &app.overlay else {
        panic!("{:?}", app.overlay)
    };
    assert_eq!(c.plan.len(), 1);
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains("goes back to") || w.contains("no teammate")),
        "{:?}",
        c.warnings
    );
    assert!(app.take_effects().is_empty(), "nothing ran yet");
}

#[tokio::test]
async fn with_privacy_a_filter_matches_only_what_the_screen_shows() {
    let mut app = demo_app().await;
    let s = app.snapshot.clone().unwrap();
    // A word found only in titles.
    let word = "refund";
    let titled = s
        .conversations
        .iter()
        .filter(|c| {
            c.title
                .as_deref()
                .is_some_and(|t| t.to_lowercase().contains(word))
        })
        .count();
    assert!(titled > 0, "the fixture has {word:?} in some titles");
    press(&mut app, "3");
    press(&mut app, &format!("/{word}"));
    code(&mut app, KeyCode::Enter);
    let without = app.rows(Pane::Sla).len();
    assert!(without > 0);
    code(&mut app, KeyCode::Esc);
    app.privacy = true;
    press(&mut app, &format!("/{word}"));
    code(&mut app, KeyCode::Enter);
    assert_eq!(app.rows(Pane::Sla).len(), 0, "hidden titles never match");
    let screen = text(&render(&mut app, 120, 36));
    assert!(screen.contains("PRIVACY"), "{screen}");
}

#[tokio::test]
async fn marks_are_counted_cleared_by_esc_and_named_in_confirmations() {
    use shiftlead::app::Overlay;
    let mut app = demo_app().await;
    press(&mut app, "2  ");
    assert_eq!(app.marked_mates.len(), 2);
    let screen = text(&render(&mut app, 120, 36));
    assert!(screen.contains("/25 · 2 marked"), "{screen}");
    assert!(screen.contains("2 marked (Esc clears)"), "{screen}");
    // The confirmation says it covers the marked rows, not the highlighted one.
    press(&mut app, "w");
    let Some(Overlay::Picker(p)) = &app.overlay else {
        panic!("{:?}", app.overlay)
    };
    assert!(p.title.contains("2 marked teammates ("), "{}", p.title);
    code(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
    // Esc clears the marks first, and only then anything else.
    code(&mut app, KeyCode::Esc);
    assert!(app.marked_mates.is_empty());
    assert!(!text(&render(&mut app, 120, 36)).contains("marked"));
    // `*` marks every row, again clears.
    press(&mut app, "*");
    assert_eq!(app.marked_mates.len(), app.rows(Pane::Teammates).len());
    press(&mut app, "*");
    assert!(app.marked_mates.is_empty());
    // Marks do not follow into a drill-down.
    press(&mut app, "3 ");
    assert_eq!(app.marked.len(), 1);
    press(&mut app, "1");
    code(&mut app, KeyCode::Enter);
    assert!(app.marked.is_empty(), "entering a view clears marks");
}

#[tokio::test]
async fn the_hint_bar_names_the_keys_in_force_for_the_focused_pane() {
    let mut app = demo_app().await;
    let mut overrides = std::collections::BTreeMap::new();
    overrides.insert("help".to_owned(), vec!["f1".to_owned()]);
    overrides.insert("quit".to_owned(), vec!["Q".to_owned()]);
    app.keymap = shiftlead::app::keymap::Keymap::with_overrides(&overrides).unwrap();
    press(&mut app, "2");
    let screen = text(&render(&mut app, 120, 36));
    let status = screen.lines().rev().find(|l| !l.trim().is_empty()).unwrap();
    assert!(
        status.contains("F1:help") && status.contains("Q:quit"),
        "{status}"
    );
    assert!(
        status.contains("m:inbox") && status.contains("w:away"),
        "{status}"
    );
    assert!(
        !status.contains("?:help") && !status.contains("q:quit"),
        "{status}"
    );
    // The too-small screen names the remapped quit key too.
    let small = text(&render(&mut app, 30, 8));
    assert!(small.contains("press Q to quit"), "{small}");
}

#[tokio::test]
async fn assigning_to_someone_flagged_idle_asks_and_says_why() {
    use shiftlead::app::Overlay;
    let mut app = demo_app().await;
    let (s, m) = (app.snapshot.clone().unwrap(), app.metrics.clone().unwrap());
    let idle = s
        .teammates
        .iter()
        .find(|t| {
            !t.presence.is_away()
                && m.teammate(&t.id)
                    .is_some_and(|f| f.idle && !f.over_cap && f.has_capacity)
        })
        .expect("the fixture has an idle teammate with room");
    press(&mut app, "3a");
    press(&mut app, &idle.name.to_lowercase());
    code(&mut app, KeyCode::Enter);
    let Some(Overlay::Confirm(c)) = &app.overlay else {
        panic!("a single write to an idle teammate asks: {:?}", app.overlay)
    };
    assert!(
        c.warnings.iter().any(|w| w.contains("flagged idle")),
        "{:?}",
        c.warnings
    );
}
