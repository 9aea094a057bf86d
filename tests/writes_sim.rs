//! Every write kind through the executor against the simulator: success, conflict (changed
//! under us), 404, 403 capability off, 409 partly applied, timeout — and the audit log and
//! undo for each.

mod support;

use shiftlead::audit;
use shiftlead::domain::actions::{self, AssignTarget, MemberChange, PresenceChange, State};
use shiftlead::domain::{ConversationId, Level, PresenceStatus};
use shiftlead::sim::TeamConflict;
use shiftlead::sim::faults::Fault;
use shiftlead::writes::Outcome;
use std::sync::Arc;
use std::time::Duration;
use support::subject::{Builder, Subject};

/// The demo behind the Intercom client, with a short timeout, on the system clock.
fn demo() -> Builder {
    Subject::intercom()
        .token("w")
        .timeout(Duration::from_millis(500))
        .client_on_system_clock()
}

async fn rig() -> Subject {
    demo().build().await
}

#[tokio::test]
async fn every_action_applies_is_confirmed_and_undoes_exactly() {
    let r = rig().await;
    let exec = r.executor();
    let s = r.snapshot().await;
    let c = s
        .conversations
        .iter()
        .find(|c| c.assignee.is_some() && c.inbox.is_some())
        .unwrap();
    let other = s
        .teammates
        .iter()
        .find(|t| Some(&t.id) != c.assignee.as_ref() && !t.presence.is_away())
        .unwrap();
    let other_inbox = s
        .inboxes
        .iter()
        .find(|i| Some(&i.id) != c.inbox.as_ref())
        .unwrap();
    for target in [
        AssignTarget::Teammate(other.id.clone()),
        AssignTarget::Inbox(other_inbox.id.clone()),
        AssignTarget::UnassignTeammate,
        AssignTarget::UnassignInbox,
    ] {
        let p = actions::plan_assign(&s, std::slice::from_ref(&c.id), &target).remove(0);
        r.apply_and_undo(&exec, p).await;
    }
    let balanced = s
        .inboxes
        .iter()
        .find(|i| i.assignment_limit.is_some())
        .unwrap();
    let outsider = s
        .teammates
        .iter()
        .find(|t| balanced.level_of(&t.id).is_none())
        .unwrap();
    let member = &balanced.members[0];
    for (who, change) in [
        (&outsider.id, MemberChange::Set(Level::Secondary)),
        (&outsider.id, MemberChange::Set(Level::Primary)),
        (&member.teammate, MemberChange::Remove),
        (&member.teammate, MemberChange::Set(Level::Secondary)),
    ] {
        let p = actions::plan_membership(&s, who, &balanced.id, change).unwrap();
        r.apply_and_undo(&exec, p).await;
    }
    let here = s.teammates.iter().find(|t| !t.presence.is_away()).unwrap();
    let away = s
        .teammates
        .iter()
        .find(|t| t.presence.is_away() && t.presence.reason.is_some())
        .unwrap();
    let reason = s.away_reasons.iter().find(|x| !x.deleted).unwrap();
    for (who, change) in [
        (
            &here.id,
            PresenceChange {
                status: PresenceStatus::AwayReassign,
                reason: Some(reason.id.clone()),
            },
        ),
        (&away.id, PresenceChange::online()),
    ] {
        let p = actions::plan_presence(&s, who, change).unwrap();
        r.apply_and_undo(&exec, p).await;
    }
    // Every attempt is in the audit log, undos marked.
    let log = r.audit().recent(100);
    assert_eq!(log.len(), 20);
    assert!(log.iter().all(|e| e.outcome == "applied"));
    assert_eq!(log.iter().filter(|e| e.undo).count(), 10);
    assert!(log.iter().all(|e| e.after.is_some()));
}

#[tokio::test]
async fn a_conversation_changed_under_us_is_not_overwritten() {
    let r = rig().await;
    let exec = r.executor();
    let s = r.snapshot().await;
    let c = s
        .conversations
        .iter()
        .find(|c| c.assignee.is_some())
        .unwrap();
    let mine = s
        .teammates
        .iter()
        .find(|t| Some(&t.id) != c.assignee.as_ref())
        .unwrap();
    let p = actions::plan_assign(
        &s,
        std::slice::from_ref(&c.id),
        &AssignTarget::Teammate(mine.id.clone()),
    )
    .remove(0);
    // Someone else unassigns it first.
    r.backend
        .assign(&c.id, &AssignTarget::UnassignTeammate)
        .await
        .unwrap();
    let report = exec.run(p, false).await;
    let Outcome::Conflict { now } = &report.outcome else {
        panic!("{:?}", report.outcome)
    };
    assert_eq!(
        now,
        &State::Conversation {
            assignee: None,
            inbox: c.inbox.clone()
        }
    );
    assert_eq!(
        r.backend.conversation(&c.id).await.unwrap().assignee,
        None,
        "nothing written"
    );
    assert!(report.line().contains("changed since it was shown"));
    assert_eq!(r.audit().recent(1)[0].outcome, "conflict");
}

#[tokio::test]
async fn a_missing_conversation_is_a_404_not_applied() {
    let r = rig().await;
    let exec = r.executor();
    let mut s = r.snapshot().await;
    // Pretend the screen still shows a conversation the backend no longer has.
    let mut ghost = s.conversations.iter().next().unwrap().clone();
    ghost.id = ConversationId("999".into());
    s.conversations.insert(ghost);
    let p = actions::plan_assign(
        &s,
        &[ConversationId("999".into())],
        &AssignTarget::UnassignTeammate,
    )
    .remove(0);
    let report = exec.run(p, false).await;
    let Outcome::NotApplied { error } = &report.outcome else {
        panic!("{:?}", report.outcome)
    };
    assert!(error.contains("404"), "{error}");
}

#[tokio::test]
async fn membership_403_409_and_partial_are_reported_truthfully() {
    let r = rig().await;
    let exec = r.executor();
    let s = r.snapshot().await;
    let balanced = s
        .inboxes
        .iter()
        .find(|i| i.assignment_limit.is_some())
        .unwrap();
    let outsider = s
        .teammates
        .iter()
        .find(|t| balanced.level_of(&t.id).is_none())
        .unwrap();
    let member = balanced.members[0].teammate.clone();
    // 409 declined: nothing applied.
    r.sim.fail_next_team_update(TeamConflict::Declined);
    let add = actions::plan_membership(
        &s,
        &outsider.id,
        &balanced.id,
        MemberChange::Set(Level::Primary),
    )
    .unwrap();
    let report = exec.run(add.clone(), false).await;
    assert!(
        matches!(report.outcome, Outcome::NotApplied { .. }),
        "{:?}",
        report.outcome
    );
    assert_eq!(
        r.backend
            .inbox(&balanced.id)
            .await
            .unwrap()
            .level_of(&outsider.id),
        None
    );
    // 409 "partly applied" on an add: the re-read decides, and the add is there.
    r.sim.fail_next_team_update(TeamConflict::PartlyApplied);
    let report = exec.run(add.clone(), false).await;
    assert!(
        matches!(&report.outcome, Outcome::Applied { after } if after == &add.write.expected(&add.before)),
        "{:?}",
        report.outcome
    );
    // 403 api_plan_restricted: not applied, and the capability turns off with the reason.
    r.sim.set_preview_enabled(false);
    let s2 = r.snapshot().await;
    let p = actions::plan_membership(&s2, &member, &balanced.id, MemberChange::Remove).unwrap();
    let report = exec.run(p, false).await;
    let Outcome::NotApplied { error } = &report.outcome else {
        panic!("{:?}", report.outcome)
    };
    assert!(
        error.contains("403") && error.contains("api_plan_restricted"),
        "{error}"
    );
    assert!(!r.backend.capabilities().membership.is_available());
}

#[tokio::test]
async fn a_write_that_times_out_is_re_read_never_resent_and_reported_as_it_landed() {
    let r = rig().await;
    let exec = r.executor();
    let s = r.snapshot().await;
    let mut away = s.teammates.iter().filter(|t| !t.presence.is_away());
    let change = || PresenceChange {
        status: PresenceStatus::Away,
        reason: None,
    };
    // The write itself is applied, then its answer takes longer than the client waits.
    let t = away.next().unwrap();
    let p = actions::plan_presence(&s, &t.id, change()).unwrap();
    r.sim.fault_next_write(Fault::Slow(Duration::from_secs(2)));
    let report = exec.run(p, false).await;
    assert!(
        matches!(report.outcome, Outcome::Applied { .. }),
        "the re-read finds it landed: {:?}",
        report.outcome
    );
    assert_eq!(r.sim.applied().len(), 1, "sent once, never resent");
    assert_eq!(r.audit().recent(1)[0].outcome, "applied");
    // Everything slow: the re-read before writing times out, so nothing is sent at all.
    let t = away.next().unwrap();
    let p = actions::plan_presence(&s, &t.id, change()).unwrap();
    r.sim.set_response_delay(Duration::from_secs(2));
    let report = exec.run(p, false).await;
    r.sim.set_response_delay(Duration::ZERO);
    let Outcome::NotApplied { error } = &report.outcome else {
        panic!("{:?}", report.outcome)
    };
    assert!(error.contains("timed out"), "{error}");
    assert!(!report.line().starts_with('✓'));
    assert_eq!(r.sim.applied().len(), 1, "nothing more was written");
    let entry = &r.audit().recent(1)[0];
    assert_eq!(entry.outcome, "not_applied");
}

#[tokio::test]
async fn read_only_refuses_every_write_below_the_ui() {
    let r = demo().read_only().build().await;
    let s = r.snapshot().await;
    let exec = r.executor_on(Arc::new(shiftlead::clock::SystemClock));
    let t = &s.teammates[0];
    let p = actions::plan_presence(
        &s,
        &t.id,
        if t.presence.is_away() {
            PresenceChange::online()
        } else {
            PresenceChange {
                status: PresenceStatus::Away,
                reason: None,
            }
        },
    )
    .unwrap();
    let before = p.before.clone();
    let report = exec.run(p.clone(), false).await;
    assert!(
        matches!(&report.outcome, Outcome::NotApplied { error } if error.contains("read-only"))
    );
    assert_eq!(r.state_of(&p.write).await, before);
}

#[tokio::test]
async fn bulk_writes_report_per_item_in_order() {
    let r = rig().await;
    let exec = r.executor();
    let s = r.snapshot().await;
    let inbox = &s.inboxes[0];
    let ids: Vec<ConversationId> = s
        .conversations
        .iter()
        .filter(|c| c.inbox.as_ref() != Some(&inbox.id))
        .take(6)
        .map(|c| c.id.clone())
        .collect();
    let plan = actions::plan_assign(&s, &ids, &AssignTarget::Inbox(inbox.id.clone()));
    let reports = exec.run_all(plan, false).await;
    assert_eq!(reports.len(), 6);
    for (report, id) in reports.iter().zip(&ids) {
        assert!(matches!(report.outcome, Outcome::Applied { .. }));
        assert!(report.planned.label.contains(id.as_str()));
        assert_eq!(
            r.backend.conversation(id).await.unwrap().inbox.as_ref(),
            Some(&inbox.id)
        );
    }
    assert_eq!(audit::read_recent(r.audit().path(), 10).len(), 6);
}

#[tokio::test]
async fn quitting_waits_for_writes_in_flight_and_their_audit_lines() {
    let r = rig().await;
    let exec = r.executor();
    let s = r.snapshot().await;
    let t = s.teammates.iter().find(|t| !t.presence.is_away()).unwrap();
    let p = actions::plan_presence(
        &s,
        &t.id,
        PresenceChange {
            status: PresenceStatus::Away,
            reason: None,
        },
    )
    .unwrap();
    r.sim.set_response_delay(Duration::from_millis(150));
    let exec = Arc::new(exec);
    let running = tokio::spawn({
        let exec = exec.clone();
        async move { exec.run(p, false).await }
    });
    while exec.in_flight() == 0 {
        tokio::task::yield_now().await;
    }
    // The intent is logged before the write goes out; the outcome only once it is known.
    exec.wait_idle().await;
    assert_eq!(exec.in_flight(), 0);
    let lines = std::fs::read_to_string(r.audit().path()).unwrap();
    let words: Vec<String> = lines
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["outcome"].to_string())
        .collect();
    assert_eq!(words, vec!["\"intent\"", "\"applied\""], "{lines}");
    assert!(matches!(
        running.await.unwrap().outcome,
        Outcome::Applied { .. }
    ));
}
