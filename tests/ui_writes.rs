//! Writes driven by keys: the app state gets key events, its effects run through the real
//! executor against the simulator, and the results come back — as in the dashboard loop.

mod support;
mod ui_support;

use crossterm::event::KeyCode;
use shiftlead::app::Overlay;
use shiftlead::backend::AssignTarget;
use std::time::Duration;
use ui_support::rig::rig;
use ui_support::{render, text};

#[tokio::test]
async fn assign_via_keys_then_undo() {
    let mut r = rig().await;
    r.keys("3");
    let conv = r.app.selected_conversation().unwrap();
    let before = r.backend().conversation(&conv).await.unwrap().assignee;
    r.keys("a");
    assert!(matches!(r.app.overlay, Some(Overlay::Picker(_))));
    r.keys("omar");
    insta::assert_snapshot!("assign_picker", render(&mut r.app, 100, 30).backend());
    r.key(KeyCode::Enter);
    // One unremarkable write runs straight away and shows as pending.
    assert_eq!(r.app.pending_writes, 1);
    assert!(text(&render(&mut r.app, 120, 40)).contains("writes 1 pending"));
    r.settle().await;
    assert!(
        r.message().starts_with("✓ applied: move #"),
        "{}",
        r.message()
    );
    let omar = r
        .app
        .snapshot
        .as_ref()
        .unwrap()
        .teammates
        .iter()
        .find(|t| t.name == "Omar Farouk")
        .unwrap()
        .id
        .clone();
    assert_eq!(
        r.backend()
            .conversation(&conv)
            .await
            .unwrap()
            .assignee
            .as_ref(),
        Some(&omar)
    );
    let shown = r
        .app
        .snapshot
        .as_ref()
        .unwrap()
        .conversation(&conv)
        .unwrap()
        .assignee
        .clone();
    assert_eq!(
        shown.as_ref(),
        Some(&omar),
        "the screen shows the state read back"
    );
    // Undo asks, then restores the exact before-state.
    r.keys("u");
    assert!(matches!(r.app.overlay, Some(Overlay::Confirm(_))));
    r.keys("y");
    r.settle().await;
    assert_eq!(
        r.backend().conversation(&conv).await.unwrap().assignee,
        before
    );
    assert!(r.message().contains("undo"), "{}", r.message());
}

#[tokio::test]
async fn bulk_assign_asks_first_and_reports_per_item() {
    let mut r = rig().await;
    r.keys("3   ");
    assert_eq!(r.app.marked.len(), 3);
    let marked: Vec<_> = r.app.target_conversations();
    r.keys("a");
    r.keys("inbox: onb");
    r.key(KeyCode::Enter);
    let Some(Overlay::Confirm(c)) = &r.app.overlay else {
        panic!("{:?}", r.app.overlay)
    };
    assert_eq!(c.plan.len(), 3);
    insta::assert_snapshot!("bulk_confirmation", render(&mut r.app, 100, 30).backend());
    r.keys("y");
    r.settle().await;
    assert_eq!(r.message(), "✓ applied: all 3 writes");
    let onboarding = r
        .app
        .snapshot
        .as_ref()
        .unwrap()
        .inboxes
        .iter()
        .find(|i| i.name == "Onboarding")
        .unwrap()
        .id
        .clone();
    for id in marked {
        assert_eq!(
            r.backend().conversation(&id).await.unwrap().inbox.as_ref(),
            Some(&onboarding)
        );
    }
    assert!(r.app.marked.is_empty());
}

#[tokio::test]
async fn warnings_before_assigning_to_someone_away() {
    let mut r = rig().await;
    r.keys("3a");
    r.keys("dana");
    r.key(KeyCode::Enter);
    let Some(Overlay::Confirm(c)) = &r.app.overlay else {
        panic!("{:?}", r.app.overlay)
    };
    assert!(
        c.warnings.iter().any(|w| w == "Dana Kim is away"),
        "{:?}",
        c.warnings
    );
    r.keys("n");
    assert!(r.app.overlay.is_none() && r.app.effects.is_empty());
    assert_eq!(r.message(), "cancelled");
}

#[tokio::test]
async fn a_conflict_leaves_the_screen_true() {
    let mut r = rig().await;
    r.keys("3");
    let conv = r.app.selected_conversation().unwrap();
    // Someone else unassigns it after we saw it.
    r.backend()
        .assign(&conv, &AssignTarget::UnassignTeammate)
        .await
        .unwrap();
    r.keys("aomar");
    r.key(KeyCode::Enter);
    r.settle().await;
    assert!(
        r.message().contains("changed since it was shown"),
        "{}",
        r.message()
    );
    let shown = r
        .app
        .snapshot
        .as_ref()
        .unwrap()
        .conversation(&conv)
        .unwrap();
    assert_eq!(shown.assignee, None, "the screen now shows the real state");
    assert_eq!(
        r.backend().conversation(&conv).await.unwrap().assignee,
        None,
        "nothing written"
    );
}

#[tokio::test]
async fn membership_via_keys_and_403_turns_it_off() {
    let mut r = rig().await;
    // Teammates pane, first teammate (Lena): make her a secondary member of Billing.
    r.keys("2m");
    r.keys("billing second");
    r.key(KeyCode::Enter);
    r.settle().await;
    assert!(
        r.message()
            .contains("add Lena Fischer to Billing as secondary"),
        "{}",
        r.message()
    );
    let billing = r
        .app
        .snapshot
        .as_ref()
        .unwrap()
        .inboxes
        .iter()
        .find(|i| i.name == "Billing")
        .unwrap()
        .clone();
    let lena = r.app.snapshot.as_ref().unwrap().teammates[0].id.clone();
    assert_eq!(
        billing.level_of(&lena),
        Some(shiftlead::domain::Level::Secondary)
    );
    // Preview switched off: the write fails with the reason and the key reports it next time.
    r.subject.sim.set_preview_enabled(false);
    r.keys("m");
    r.keys("billing remove");
    r.key(KeyCode::Enter);
    r.settle().await;
    assert!(
        r.message().contains("403") && r.message().contains("api_plan_restricted"),
        "{}",
        r.message()
    );
    r.poll().await;
    r.keys("m");
    assert!(r.app.overlay.is_none());
    assert!(
        r.message()
            .starts_with("unavailable: membership writes unavailable"),
        "{}",
        r.message()
    );
}

#[tokio::test]
async fn away_and_back_via_keys() {
    let mut r = rig().await;
    r.keys("2");
    let lena = r.app.target_teammates()[0].clone();
    r.keys("w");
    r.keys("break reassign");
    r.key(KeyCode::Enter);
    r.settle().await;
    let t = r.backend().teammate(&lena).await.unwrap();
    assert!(t.presence.is_away() && t.presence.reassigns());
    assert_eq!(
        t.presence.reason.map(|x| x.label).as_deref(),
        Some("On a break")
    );
    // On someone away, `w` sets them back — one safe write, so like going away it does not
    // ask (one rule both ways).
    r.keys("w");
    assert!(r.app.overlay.is_none(), "{:?}", r.app.overlay);
    assert!(
        r.message().contains("set Lena Fischer back"),
        "{}",
        r.message()
    );
    r.settle().await;
    assert!(
        !r.backend()
            .teammate(&lena)
            .await
            .unwrap()
            .presence
            .is_away()
    );
    // The audit view lists both, newest first.
    r.keys("L");
    r.settle().await;
    insta::assert_snapshot!("audit_view", render(&mut r.app, 110, 20).backend());
    r.key(KeyCode::Esc);
    assert!(r.app.overlay.is_none());
}

#[tokio::test]
async fn read_only_mode_blocks_every_write_key() {
    let mut r = rig().await;
    r.app.read_only = Some("started with --read-only".into());
    for keys in ["3a", "2m", "2w", "u"] {
        r.keys(keys);
        assert!(
            r.app.overlay.is_none() && r.app.effects.is_empty(),
            "{keys}"
        );
        assert!(
            r.message().starts_with("read-only"),
            "{keys}: {}",
            r.message()
        );
    }
    assert!(text(&render(&mut r.app, 120, 40)).contains("READ-ONLY"));
}

#[tokio::test]
async fn conflicts_and_timeouts_via_keys_say_what_really_happened() {
    let mut r = rig().await;
    // Two teammates marked, both added to Billing as secondary: the first write is declined
    // (409), the other goes through; the message says so and the screen shows the members
    // read back.
    r.keys("2");
    r.keys("j j ");
    r.subject
        .sim
        .fail_next_team_update(shiftlead::sim::TeamConflict::Declined);
    r.keys("m");
    r.keys("billing second");
    r.key(KeyCode::Enter);
    let Some(Overlay::Confirm(_)) = &r.app.overlay else {
        panic!("{:?}", r.app.overlay)
    };
    r.keys("y");
    r.settle().await;
    assert!(
        r.message().starts_with("✗ not applied: 1 of 2 — "),
        "{}",
        r.message()
    );
    assert!(r.message().ends_with("✓ applied: 1"), "{}", r.message());
    assert!(r.message().contains("409"), "{}", r.message());
    // A write whose answer times out after it landed: the re-read says so, and it is
    // written once.
    let sent = r.subject.sim.applied().len();
    r.subject
        .sim
        .fault_next_write(shiftlead::sim::faults::Fault::Slow(Duration::from_secs(2)));
    r.keys("3aomar");
    r.key(KeyCode::Enter);
    r.settle().await;
    assert!(r.message().starts_with('✓'), "{}", r.message());
    assert_eq!(r.subject.sim.applied().len(), sent + 1, "never resent");
    // Everything slow: the re-read before writing times out; reported as such, never as
    // success, and nothing is sent.
    r.subject.sim.set_response_delay(Duration::from_secs(2));
    r.keys("aomar");
    r.key(KeyCode::Enter);
    r.settle().await;
    r.subject.sim.set_response_delay(Duration::ZERO);
    assert!(r.message().contains("timed out"), "{}", r.message());
    assert!(!r.message().starts_with('✓'));
    assert_eq!(r.subject.sim.applied().len(), sent + 1);
    assert_eq!(r.app.pending_writes, 0);
    let log = r.subject.audit().recent(10);
    assert!(
        log.iter().any(|e| e.outcome == "not_applied"
            && e.error.as_deref().unwrap_or("").contains("timed out"))
    );
}

#[tokio::test]
async fn no_key_answers_a_dialog_while_the_screen_is_too_small_to_show_it() {
    let mut r = rig().await;
    r.keys("3   ");
    r.keys("a");
    r.keys("inbox: onb");
    r.key(KeyCode::Enter);
    assert!(matches!(r.app.overlay, Some(Overlay::Confirm(_))));
    // The terminal shrinks until only "Terminal too small" shows; `y` must do nothing.
    let small = text(&render(&mut r.app, 40, 10));
    assert!(
        small.contains("too small") && small.contains("press q"),
        "{small}"
    );
    let sent = r.subject.sim.applied().len();
    r.keys("y");
    r.settle().await;
    assert_eq!(r.subject.sim.applied().len(), sent, "nothing was written");
    assert_eq!(r.app.pending_writes, 0);
    assert!(!r.app.quit);
    // Back at a usable size the confirmation is still there, and answers.
    render(&mut r.app, 120, 36);
    assert!(matches!(r.app.overlay, Some(Overlay::Confirm(_))));
    r.keys("y");
    r.settle().await;
    assert_eq!(r.subject.sim.applied().len(), sent + 3);
}

/// The QA report, by keys: three teammates outside Escalations marked with Space in the
/// Teammates pane, `m`, "Escalations: make primary", `y` — all three end up members (before
/// the seam's redesign only the last survived) and the audit log has three applied entries.
#[tokio::test]
async fn bulk_add_of_three_marked_teammates_to_one_inbox_via_keys() {
    let mut r = rig().await;
    r.keys("2");
    assert_eq!(r.app.focus, shiftlead::app::Pane::Teammates);
    let s = r.app.snapshot.clone().unwrap();
    let escalations = s.inboxes.iter().find(|i| i.name == "Escalations").unwrap();
    let members_before = escalations.members.len();
    // Walk the pane from the top: Space marks (and moves down), `j` skips a member.
    let mut chosen = Vec::new();
    for n in r.app.rows(shiftlead::app::Pane::Teammates).iter() {
        if chosen.len() == 3 {
            break;
        }
        let t = &s.teammates[n];
        if escalations.level_of(&t.id).is_none() {
            chosen.push(t.id.clone());
            r.keys(" ");
        } else {
            r.keys("j");
        }
    }
    assert_eq!(chosen.len(), 3);
    let mut marked = r.app.target_teammates();
    marked.sort();
    chosen.sort();
    assert_eq!(marked, chosen, "the three are marked");
    r.keys("m");
    let Some(Overlay::Picker(p)) = &r.app.overlay else {
        panic!("{:?}", r.app.overlay)
    };
    assert!(
        p.items
            .iter()
            .any(|i| i.label == "Escalations: make primary"),
        "{:?}",
        p.items.iter().map(|i| &i.label).collect::<Vec<_>>()
    );
    r.keys("escalations: make primary");
    r.key(KeyCode::Enter);
    let Some(Overlay::Confirm(c)) = &r.app.overlay else {
        panic!("{:?}", r.app.overlay)
    };
    assert_eq!(c.plan.len(), 3, "{:?}", c.plan);
    r.keys("y");
    r.settle().await;
    assert_eq!(r.message(), "✓ applied: all 3 writes");
    let team: i64 = escalations.id.as_str().parse().unwrap();
    let members: Vec<i64> = r.subject.sim.with_world(|w| {
        let t = w.teams.iter().find(|t| t.id == team).unwrap();
        t.members.iter().map(|(id, _)| *id).collect()
    });
    for t in &chosen {
        let id: i64 = t.as_str().parse().unwrap();
        assert!(members.contains(&id), "{t} is in Escalations: {members:?}");
    }
    assert_eq!(members.len(), members_before + 3, "nobody else was dropped");
    let log = r.subject.audit().recent(10);
    assert_eq!(log.len(), 3, "{log:?}");
    assert!(log.iter().all(|e| e.outcome == "applied"), "{log:?}");
}

/// `m` offers "move from … to …" as one action (add, confirm, then remove), and says why a
/// level is not offered instead of leaving it out.
#[tokio::test]
async fn a_move_between_inboxes_is_one_choice_and_a_missing_level_says_why() {
    let mut r = rig().await;
    r.keys("2");
    let name = |r: &ui_support::rig::Rig| {
        let id = r.app.target_teammates().pop().unwrap();
        r.app
            .snapshot
            .as_ref()
            .unwrap()
            .teammate(&id)
            .unwrap()
            .name
            .clone()
    };
    while name(&r) != "Bo Lindqvist" {
        r.keys("j");
    }
    r.keys("m");
    r.keys("escalations secondary");
    r.key(KeyCode::Enter);
    assert!(r.message().contains("not offered"), "{}", r.message());
    assert!(r.app.overlay.is_none());
    let sent = r.subject.sim.applied().len();
    r.keys("m");
    r.keys("move from billing to vip");
    r.key(KeyCode::Enter);
    r.settle().await;
    assert!(r.message().starts_with('✓'), "{}", r.message());
    assert_eq!(
        r.subject.sim.applied().len(),
        sent + 2,
        "an add and a remove"
    );
    let teams = r.subject.sim.with_world(|w| {
        let bo = w
            .admins
            .iter()
            .find(|a| a.name == "Bo Lindqvist")
            .unwrap()
            .id;
        w.teams
            .iter()
            .filter(|t| t.members.iter().any(|(id, _)| *id == bo))
            .map(|t| t.name.clone())
            .collect::<Vec<_>>()
    });
    assert_eq!(teams, vec!["VIP".to_owned()]);
}

/// Undo is a stack since start: each `u` takes back the latest step, worded by the state it
/// restores.
#[tokio::test]
async fn undo_goes_back_step_by_step_and_says_what_it_restores() {
    let mut r = rig().await;
    r.keys("3");
    let first = r.app.selected_conversation().unwrap();
    let first_before = r.backend().conversation(&first).await.unwrap().assignee;
    r.keys("aomar");
    r.key(KeyCode::Enter);
    r.settle().await;
    r.keys("j");
    let second = r.app.selected_conversation().unwrap();
    assert_ne!(first, second);
    let second_before = r.backend().conversation(&second).await.unwrap().assignee;
    r.keys("aomar");
    r.key(KeyCode::Enter);
    r.settle().await;
    assert_eq!(r.app.undo_stack.len(), 2);
    r.keys("u");
    let Some(Overlay::Confirm(c)) = &r.app.overlay else {
        panic!("{:?}", r.app.overlay)
    };
    assert!(c.title.contains("1 more step"), "{}", c.title);
    assert!(
        c.plan[0]
            .label
            .starts_with(&format!("undo: #{second} back to")),
        "{}",
        c.plan[0].label
    );
    r.keys("y");
    r.settle().await;
    assert_eq!(
        r.backend().conversation(&second).await.unwrap().assignee,
        second_before
    );
    r.keys("uy");
    r.settle().await;
    assert_eq!(
        r.backend().conversation(&first).await.unwrap().assignee,
        first_before
    );
    r.keys("u");
    assert!(r.message().contains("nothing to undo"), "{}", r.message());
}

/// A failed write and a poll error each keep their place on the status line, and `M` shows
/// every write's line and the poll errors in order.
#[tokio::test]
async fn write_results_and_backend_health_are_kept_apart_and_in_the_history() {
    let mut r = rig().await;
    // A write that fails: assign a conversation that no longer exists in the backend.
    r.keys("3");
    let conv = r.app.selected_conversation().unwrap();
    r.subject.sim.with_world(|w| {
        w.conversations
            .remove(&conv.as_str().parse::<u64>().unwrap());
    });
    r.keys("aomar");
    r.key(KeyCode::Enter);
    r.settle().await;
    assert!(r.message().starts_with('✗'), "{}", r.message());
    // Then the backend goes away: the next poll fails.
    r.app.on_sync(
        shiftlead::app::SyncMsg::Failed {
            error: "network: connection refused".into(),
            took: Duration::from_millis(3),
            budget: shiftlead::backend::Budget::default(),
        },
        ui_support::now(),
    );
    let screen = text(&render(&mut r.app, 200, 40));
    let status = screen.lines().rev().find(|l| !l.trim().is_empty()).unwrap();
    assert!(status.contains("error: network"), "{status}");
    assert!(
        status.contains("✗ not applied: move #"),
        "the write's result is still there: {status}"
    );
    // The history has both, in order.
    r.keys("M");
    let history = text(&render(&mut r.app, 200, 40));
    let write = history
        .find("✗ not applied: move #")
        .expect("the failed write is in the history");
    let poll = history
        .find("poll failed: network")
        .expect("the poll error too");
    assert!(write < poll, "{history}");
    r.key(KeyCode::Esc);
    assert!(r.app.overlay.is_none());
}

/// In an inbox drill-down, Tab focuses the members list and `w`/`m` act on the member under
/// the cursor; Enter opens that teammate.
#[tokio::test]
async fn the_inbox_drill_down_members_are_focusable_and_actionable() {
    let mut r = rig().await;
    r.key(KeyCode::Enter);
    assert!(matches!(r.app.view, shiftlead::app::View::Inbox(_)));
    r.keys("w");
    assert!(
        r.message().contains("Tab moves to the inbox's members"),
        "w on the conversation list says how to reach the members: {}",
        r.message()
    );
    r.key(KeyCode::Tab);
    assert!(r.app.members_focus);
    r.keys("j");
    let member = r.app.target_teammates();
    assert_eq!(member.len(), 1);
    assert_eq!(r.app.detail_members()[1], member[0]);
    r.keys("m");
    let Some(Overlay::Picker(p)) = &r.app.overlay else {
        panic!(
            "m opens the membership picker for the member: {}",
            r.message()
        )
    };
    let name = r
        .app
        .snapshot
        .as_ref()
        .unwrap()
        .teammate(&member[0])
        .unwrap()
        .name
        .clone();
    assert!(p.title.contains(&name), "{}", p.title);
    r.key(KeyCode::Esc);
    let screen = text(&render(&mut r.app, 120, 36));
    assert!(screen.contains("Members"), "{screen}");
    let status = screen.lines().rev().find(|l| !l.trim().is_empty()).unwrap();
    assert!(
        status.contains("m:inbox") && status.contains("w:away"),
        "{status}"
    );
    r.key(KeyCode::Enter);
    assert_eq!(
        r.app.view,
        shiftlead::app::View::Teammate(member[0].clone())
    );
}
