//! The audit view (`L`): it scrolls to every entry, and Enter opens one whole.

mod support;
mod ui_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use shiftlead::app::{AuditView, Overlay};
use shiftlead::audit::Entry;
use shiftlead::domain::PresenceStatus;
use shiftlead::domain::actions::{PresenceChange, State, Write};
use ui_support::{app_from, fixture, now, render, text};

fn key(app: &mut shiftlead::app::App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

/// `n` audit entries, oldest first, a minute apart: writes setting the fixture's teammates
/// away, every third one refused with a long reason.
fn entries(n: usize) -> (shiftlead::app::App, Vec<Entry>) {
    let f = fixture();
    let mates: Vec<_> = f
        .snapshot
        .teammates
        .iter()
        .map(|t| (t.id.clone(), t.name.clone()))
        .collect();
    let app = app_from(f);
    let online = State::Presence {
        status: PresenceStatus::Online,
        reason: None,
    };
    let away = State::Presence {
        status: PresenceStatus::Away,
        reason: None,
    };
    let list = (0..n)
        .map(|k| {
            let (id, name) = &mates[k % mates.len()];
            let refused = k % 3 == 2;
            Entry {
                id: format!("w{k}"),
                time: now() - jiff::SignedDuration::from_mins((n - k) as i64),
                action: format!("write {} of {n}: set {name} away", k + 1),
                target: format!("teammate {id}"),
                write: Write::SetPresence {
                    teammate: id.clone(),
                    change: PresenceChange {
                        status: PresenceStatus::Away,
                        reason: None,
                    },
                },
                before: online.clone(),
                after: Some(if refused {
                    online.clone()
                } else {
                    away.clone()
                }),
                outcome: if refused { "not_applied" } else { "applied" }.into(),
                error: refused.then(|| {
                    "403 forbidden: the token's teammate may not change other teammates' \
                     away status in this workspace"
                        .to_owned()
                }),
                undo: false,
                lead: None,
            }
        })
        .collect();
    (app, list)
}

#[tokio::test]
async fn every_entry_is_reachable_at_120x24() {
    let (mut app, list) = entries(25);
    app.on_audit(list);
    let first = text(&render(&mut app, 120, 24));
    assert!(first.contains("write 25 of 25"), "{first}");
    assert!(
        !first.contains("write 1 of 25"),
        "the oldest do not fit at first:\n{first}"
    );
    assert!(first.contains("Audit log 1–17 of 25"), "{first}");
    // G goes to the oldest; every entry was on screen on the way (j one by one).
    let mut seen = std::collections::HashSet::new();
    for _ in 0..25 {
        let screen = text(&render(&mut app, 120, 24));
        for k in 1..=25 {
            if screen.contains(&format!("write {k} of 25:")) {
                seen.insert(k);
            }
        }
        key(&mut app, KeyCode::Char('j'));
    }
    assert_eq!(
        seen.len(),
        25,
        "unreachable: {:?}",
        (1..=25).filter(|k| !seen.contains(k)).collect::<Vec<_>>()
    );
    key(&mut app, KeyCode::Char('g'));
    key(&mut app, KeyCode::Char('G'));
    let last = text(&render(&mut app, 120, 24));
    assert!(last.contains("write 1 of 25"), "{last}");
    assert!(last.contains("Audit log 9–25 of 25"), "{last}");
    key(&mut app, KeyCode::PageUp);
    let Some(Overlay::Audit(AuditView { selected, .. })) = &app.overlay else {
        panic!("{:?}", app.overlay)
    };
    assert_eq!(*selected, 14);
}

#[tokio::test]
async fn enter_opens_an_entry_whole_and_esc_goes_back_to_the_list() {
    let (mut app, list) = entries(25);
    app.on_audit(list);
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Enter);
    let screen = text(&render(&mut app, 80, 24));
    // The second newest: write 24, refused; its reason is wrapped whole.
    assert!(screen.contains("write 24 of 25"), "{screen}");
    assert!(screen.contains("not applied"), "{screen}");
    assert!(
        screen.contains("workspace"),
        "the reason is not cut:\n{screen}"
    );
    insta::assert_snapshot!("audit_entry_80x24", render(&mut app, 80, 24).backend());
    key(&mut app, KeyCode::Esc);
    assert!(matches!(&app.overlay, Some(Overlay::Audit(v)) if !v.open));
    key(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
}

#[tokio::test]
async fn audit_view_at_three_sizes() {
    for (w, h) in [(80, 24), (120, 36), (200, 60)] {
        let (mut app, list) = entries(40);
        app.on_audit(list);
        for _ in 0..12 {
            key(&mut app, KeyCode::Char('j'));
        }
        insta::assert_snapshot!(
            format!("audit_view_{w}x{h}"),
            render(&mut app, w, h).backend()
        );
    }
}

#[tokio::test]
async fn an_empty_log_says_so() {
    let (mut app, _) = entries(0);
    app.on_audit(Vec::new());
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Enter);
    let screen = text(&render(&mut app, 80, 24));
    assert!(screen.contains("No writes recorded yet."), "{screen}");
}
