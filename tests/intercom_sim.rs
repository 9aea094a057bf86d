//! The real Intercom client against the simulator over loopback HTTP: reads, paging, rate
//! limits, every write and its error cases.

mod support;

use jiff::SignedDuration;
use shiftlead::backend::intercom::IntercomClient;
use shiftlead::backend::{
    AssignTarget, BackendError, FailedWrite, Helpdesk, MemberChange, PresenceChange,
};
use shiftlead::clock::Clock;
use shiftlead::domain::capabilities::Write;
use shiftlead::domain::{
    AwayReasonId, ConversationId, ConversationState, InboxId, Level, PresenceStatus, TeammateId,
};
use shiftlead::sim::TeamConflict;
use std::time::Duration;
use support::subject::{Builder, Subject, start};

/// The demo behind the Intercom client (typed: the checks here are Intercom's own codes),
/// with a 5 s timeout on the system clock.
fn demo() -> Builder {
    Subject::intercom()
        .token("test-token")
        .timeout(Duration::from_secs(5))
        .client_on_system_clock()
        .without_audit()
}

async fn setup() -> Subject {
    demo().build().await
}

/// The demo with `per_window` requests a window, the client (default timeout) on the
/// simulator's manual clock: waiting for a window's reset moves it.
async fn rate_limited(per_window: u32) -> Subject {
    Subject::intercom()
        .token("test-token")
        .rate_limit(per_window)
        .without_audit()
        .build()
        .await
}

fn typed(s: &Subject) -> &IntercomClient {
    s.intercom_client()
}

#[tokio::test]
async fn snapshot_agrees_with_the_simulators_own_state() {
    let s = setup().await;
    let (sim, client) = (&s.sim, typed(&s));
    let snap = client.snapshot().await.unwrap();
    let w = sim.world();
    assert_eq!(snap.workspace.name, w.workspace);
    assert_eq!(snap.workspace.backend, "demo");
    assert_eq!(snap.inboxes.len(), w.teams.len());
    assert_eq!(snap.teammates.len(), w.admins.len());
    assert_eq!(snap.conversations.len(), w.open_count());
    assert!(
        snap.conversations.len() > 40,
        "the demo opens on a real backlog"
    );
    assert_eq!(snap.away_reasons.len(), w.reasons.len());
    assert!(snap.warnings.is_empty(), "{:?}", snap.warnings);
    // Memberships and levels come through.
    for t in &w.teams {
        let inbox = snap.inbox(&InboxId::from(t.id.to_string())).unwrap();
        assert_eq!(inbox.members.len(), t.members.len());
    }
    let away = snap
        .teammates
        .iter()
        .filter(|t| t.presence.is_away())
        .count();
    assert_eq!(away, w.admins.iter().filter(|a| a.away).count());
    assert!(snap.teammates.iter().any(|t| t.presence.reason.is_some()));
    // Assignees and inboxes agree per conversation.
    for c in &snap.conversations {
        let id: u64 = c.id.as_str().parse().unwrap();
        let sc = &w.conversations[&id];
        assert_eq!(
            c.assignee.as_ref().map(|a| a.as_str().to_owned()),
            (sc.admin != 0).then(|| sc.admin.to_string())
        );
        assert_eq!(
            c.inbox.as_ref().map(|a| a.as_str().to_owned()),
            (sc.team != 0).then(|| sc.team.to_string())
        );
    }
}

#[tokio::test]
async fn paging_with_small_pages_returns_every_open_conversation_once() {
    let s = demo().page_size(7).build().await;
    let (sim, client) = (&s.sim, typed(&s));
    let snap = client.snapshot().await.unwrap();
    let mut ids: Vec<&str> = snap.conversations.iter().map(|c| c.id.as_str()).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "no duplicates");
    assert_eq!(n, sim.world().open_count());
    let searches = sim.stats().requests["POST /conversations/search"];
    assert_eq!(searches as usize, n.div_ceil(7));
}

#[tokio::test]
async fn a_bad_token_is_a_typed_401() {
    let s = setup().await;
    let bad = s.new_client(|o| o.token = "wrong".into());
    let e = bad.snapshot().await.unwrap_err();
    assert_eq!(
        (e.status(), e.code()),
        (Some(401), Some("unauthorized")),
        "{e}"
    );
    assert!(
        !e.to_string().contains("wrong"),
        "the token never shows in errors"
    );
}

#[tokio::test]
async fn rate_limit_headers_feed_the_budget_and_reads_leave_a_reserve_for_writes() {
    // Client and simulator share a manual clock: waiting for a window's reset moves it.
    let s = rate_limited(4).await;
    let window_end = start().as_second() + 10;
    let (sim, client, clock) = (&s.sim, typed(&s), &s.clock);
    let team = InboxId("5017690".into());
    client.inbox(&team).await.unwrap();
    client.inbox(&team).await.unwrap();
    let b = client.budget();
    assert_eq!((b.limit, b.remaining), (Some(4), Some(2)));
    assert_eq!(b.reset.map(|r| r.as_second()), Some(window_end));
    client.inbox(&team).await.unwrap();
    assert_eq!(
        client.budget().remaining,
        Some(1),
        "the writes' reserve is left"
    );
    // A write may spend the reserve at once: polling never starves it.
    let at = clock.now();
    let t = sim.world().admins[1].id.to_string();
    client
        .set_presence(&TeammateId::from(t), &PresenceChange::online())
        .await
        .unwrap();
    let applied = sim.applied();
    assert_eq!(applied.len(), 1);
    assert_eq!(
        applied[0].at, at,
        "the write went at once, before the window reset"
    );
    // A read now waits for the next window instead of drawing a 429.
    client.inbox(&team).await.unwrap();
    assert!(clock.now().as_second() >= window_end, "the read waited");
    assert_eq!(
        client.budget().reset.map(|r| r.as_second()),
        Some(window_end + 10),
        "a new window"
    );
    assert_eq!(sim.stats().rate_limited, 0);
}

#[tokio::test]
async fn a_429_waits_for_the_announced_reset_then_succeeds() {
    let s = rate_limited(3).await;
    let (sim, client, clock) = (&s.sim, typed(&s), &s.clock);
    // Someone else (another tool on the same token) uses the window up.
    let http = reqwest::Client::new();
    for _ in 0..3 {
        let r = http
            .get(format!("{}/teams", sim.base_url()))
            .bearer_auth("test-token")
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }
    let team = InboxId("5017690".into());
    client.inbox(&team).await.unwrap();
    assert_eq!(
        sim.stats().rate_limited,
        1,
        "one 429, then a wait, then success"
    );
    assert!(clock.now().as_second() >= start().as_second() + 10);
}

#[tokio::test]
async fn assign_to_teammate_inbox_and_unassign_is_confirmed_by_the_backend() {
    let s = setup().await;
    let (sim, client) = (&s.sim, typed(&s));
    let snap = client.snapshot().await.unwrap();
    let c = snap
        .conversations
        .iter()
        .find(|c| c.state == ConversationState::Open)
        .unwrap();
    let target = snap
        .teammates
        .iter()
        .find(|t| Some(&t.id) != c.assignee.as_ref())
        .unwrap();
    client
        .assign(&c.id, &AssignTarget::Teammate(target.id.clone()))
        .await
        .unwrap();
    let after = client.conversation(&c.id).await.unwrap();
    assert_eq!(after.assignee.as_ref(), Some(&target.id));
    let inbox = &snap.inboxes[1].id;
    client
        .assign(&c.id, &AssignTarget::Inbox(inbox.clone()))
        .await
        .unwrap();
    let after = client.conversation(&c.id).await.unwrap();
    assert_eq!(after.inbox.as_ref(), Some(inbox));
    assert_eq!(
        after.assignee.as_ref(),
        Some(&target.id),
        "a team assignment keeps the admin"
    );
    client
        .assign(&c.id, &AssignTarget::UnassignTeammate)
        .await
        .unwrap();
    let after = client.conversation(&c.id).await.unwrap();
    assert_eq!(after.assignee, None);
    let reread = client.conversation(&c.id).await.unwrap();
    assert_eq!(reread.assignee, None);
    let id: u64 = c.id.as_str().parse().unwrap();
    assert_eq!(sim.world().conversations[&id].admin, 0);
}

#[tokio::test]
async fn assign_errors_are_typed() {
    let s = setup().await;
    let client = typed(&s);
    let e = client
        .assign(
            &ConversationId("999".into()),
            &AssignTarget::UnassignTeammate,
        )
        .await
        .unwrap_err();
    assert_eq!((e.status(), e.code()), (Some(404), Some("not_found")));
    let snap = client.snapshot().await.unwrap();
    let c = snap.conversations.iter().next().unwrap();
    let e = client
        .assign(&c.id, &AssignTarget::Teammate(TeammateId("12345".into())))
        .await
        .unwrap_err();
    assert_eq!(
        (e.status(), e.code()),
        (Some(400), Some("parameter_invalid"))
    );
}

#[tokio::test]
async fn away_and_back_with_reason_and_reassign() {
    let s = setup().await;
    let (sim, client) = (&s.sim, typed(&s));
    let snap = client.snapshot().await.unwrap();
    let mate = snap
        .teammates
        .iter()
        .find(|t| !t.presence.is_away())
        .unwrap();
    let reason = snap.away_reasons.iter().find(|r| !r.deleted).unwrap();
    let change = PresenceChange {
        status: PresenceStatus::AwayReassign,
        reason: Some(reason.id.clone()),
    };
    client.set_presence(&mate.id, &change).await.unwrap();
    let after = client.teammate(&mate.id).await.unwrap();
    assert!(after.presence.is_away() && after.presence.reassigns());
    assert_eq!(
        after.presence.reason.as_ref().map(|r| &r.id),
        Some(&reason.id)
    );
    let id: i64 = mate.id.as_str().parse().unwrap();
    assert!(
        sim.world()
            .admins
            .iter()
            .any(|a| a.id == id && a.away && a.reassign)
    );
    let back = PresenceChange::online();
    client.set_presence(&mate.id, &back).await.unwrap();
    let after = client.teammate(&mate.id).await.unwrap();
    assert!(!after.presence.is_away() && after.presence.reason.is_none());
}

#[tokio::test]
async fn away_errors_match_the_spec() {
    let s = setup().await;
    let client = typed(&s);
    let snap = client.snapshot().await.unwrap();
    let mate = &snap.teammates[0];
    let deleted = snap.away_reasons.iter().find(|r| r.deleted).unwrap();
    let e = client
        .set_presence(
            &mate.id,
            &PresenceChange {
                status: PresenceStatus::Away,
                reason: Some(deleted.id.clone()),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.status(), e.code()),
        (Some(400), Some("parameter_invalid"))
    );
    assert!(e.to_string().contains("deleted"), "{e}");
    let e = client
        .set_presence(
            &TeammateId("1".into()),
            &PresenceChange {
                status: PresenceStatus::Away,
                reason: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!((e.status(), e.code()), (Some(404), Some("admin_not_found")));
    let e = client
        .set_presence(
            &mate.id,
            &PresenceChange {
                status: PresenceStatus::Away,
                reason: Some(AwayReasonId("424242".into())),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400));
}

#[tokio::test]
async fn move_teammate_between_inboxes_and_levels() {
    let s = setup().await;
    let (sim, client) = (&s.sim, typed(&s));
    let snap = client.snapshot().await.unwrap();
    let balanced = snap
        .inboxes
        .iter()
        .find(|i| i.assignment_limit.is_some())
        .unwrap();
    let outsider = snap
        .teammates
        .iter()
        .find(|t| balanced.level_of(&t.id).is_none())
        .unwrap();
    let change = |c| client.change_membership(&balanced.id, &outsider.id, c);
    change(MemberChange::Set(Level::Secondary)).await.unwrap();
    let after = client.inbox(&balanced.id).await.unwrap();
    assert_eq!(after.level_of(&outsider.id), Some(Level::Secondary));
    // Promote to primary, then remove.
    change(MemberChange::Set(Level::Primary)).await.unwrap();
    let after = client.inbox(&balanced.id).await.unwrap();
    assert_eq!(after.level_of(&outsider.id), Some(Level::Primary));
    change(MemberChange::Remove).await.unwrap();
    let after = client.inbox(&balanced.id).await.unwrap();
    assert_eq!(after.level_of(&outsider.id), None);
    assert_eq!(after.members, balanced.members);
    // Intercom has no default inbox.
    let e = change(MemberChange::MakeDefault).await.unwrap_err();
    assert!(matches!(e, BackendError::Unsupported(_)), "{e}");
    // The admin object follows the team.
    let mate = client.teammate(&outsider.id).await.unwrap();
    assert!(!mate.memberships.iter().any(|(i, _)| i == &balanced.id));
    let _ = sim;
}

#[tokio::test]
async fn membership_errors_403_turns_capability_off_and_409_reports() {
    let s = setup().await;
    let (sim, client) = (&s.sim, typed(&s));
    let snap = client.snapshot().await.unwrap();
    let rr = snap
        .inboxes
        .iter()
        .find(|i| i.assignment_limit.is_none() && !i.members.is_empty())
        .unwrap();
    // Secondary members only on load-balanced teams, and the inbox says so.
    assert!(rr.secondary_unavailable.is_some());
    let first = rr.members[0].teammate.clone();
    let e = client
        .change_membership(&rr.id, &first, MemberChange::Set(Level::Secondary))
        .await
        .unwrap_err();
    assert_eq!(
        (e.status(), e.code()),
        (Some(400), Some("parameter_invalid"))
    );
    assert_eq!(client.classify(&e), FailedWrite::NotApplied);
    // 404.
    let e = client
        .change_membership(&InboxId("1".into()), &first, MemberChange::Remove)
        .await
        .unwrap_err();
    assert_eq!((e.status(), e.code()), (Some(404), Some("team_not_found")));
    // 409 declined: nothing applied.
    sim.fail_next_team_update(TeamConflict::Declined);
    let outsider = snap
        .teammates
        .iter()
        .find(|t| rr.level_of(&t.id).is_none())
        .unwrap();
    let add = MemberChange::Set(Level::Primary);
    let e = client
        .change_membership(&rr.id, &outsider.id, add)
        .await
        .unwrap_err();
    assert_eq!((e.status(), e.code()), (Some(409), Some("conflict")));
    assert_eq!(client.classify(&e), FailedWrite::MayHaveApplied);
    assert_eq!(client.inbox(&rr.id).await.unwrap().members, rr.members);
    // 409 partly applied: a re-read tells exactly what landed.
    sim.fail_next_team_update(TeamConflict::PartlyApplied);
    let e = client
        .change_membership(&rr.id, &outsider.id, add)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(409));
    assert!(e.to_string().contains("partly applied"), "{e}");
    // 403 api_plan_restricted turns the capability off with the reason.
    sim.set_preview_enabled(false);
    assert!(client.capabilities().membership.is_available());
    let e = client
        .change_membership(&rr.id, &first, MemberChange::Remove)
        .await
        .unwrap_err();
    assert_eq!(
        (e.status(), e.code()),
        (Some(403), Some("api_plan_restricted"))
    );
    match client.capabilities().membership {
        Write::Unavailable(reason) => assert!(reason.contains("not available"), "{reason}"),
        Write::Available => panic!("membership should be off"),
    }
    let e = client
        .change_membership(&rr.id, &first, MemberChange::Remove)
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Unsupported(_)));
    let _ = sim;
}

#[tokio::test]
async fn a_slow_backend_is_a_timeout() {
    let s = setup().await;
    let sim = &s.sim;
    let client = s.new_client(|o| o.timeout = Some(Duration::from_millis(200)));
    sim.set_response_delay(Duration::from_secs(2));
    let e = client.inbox(&InboxId("5017690".into())).await.unwrap_err();
    assert!(matches!(e, BackendError::Timeout(_)), "{e}");
}

#[tokio::test]
async fn the_world_moves_with_the_clock_and_is_deterministic() {
    let (one, two) = (setup().await, setup().await);
    let (sim_a, client_a, clock_a) = (&one.sim, typed(&one), &one.clock);
    let (sim_b, client_b, clock_b) = (&two.sim, typed(&two), &two.clock);
    for clock in [clock_a, clock_b] {
        clock.advance(SignedDuration::from_mins(30));
    }
    let a = client_a.snapshot().await.unwrap();
    let b = client_b.snapshot().await.unwrap();
    assert_eq!(a.conversations, b.conversations);
    assert_eq!(a.teammates, b.teammates);
    let sim_now = sim_a.world().now;
    assert!(sim_now <= clock_a.now() && clock_a.now().duration_since(sim_now).as_secs() < 10);
    let _ = sim_b;
}

#[tokio::test]
async fn a_failed_optional_read_is_retried_on_later_refreshes_and_said_missing_meanwhile() {
    let s = setup().await;
    s.sim.set_endpoint_down("GET /away_status_reasons", true);
    let first = s.backend.snapshot().await.unwrap();
    assert!(first.away_reasons.is_empty());
    assert!(
        first
            .warnings
            .iter()
            .any(|w| w.contains("away reasons unavailable")),
        "{:?}",
        first.warnings
    );
    // Still down: the next (incremental) refresh says so again.
    s.clock.advance(SignedDuration::from_secs(30));
    let second = s.backend.snapshot().await.unwrap();
    assert!(second.warnings.iter().any(|w| w.contains("away reasons")));
    // Back up: the next refresh has them, long before the next full read.
    s.sim.set_endpoint_down("GET /away_status_reasons", false);
    s.clock.advance(SignedDuration::from_secs(30));
    let third = s.backend.snapshot().await.unwrap();
    assert!(!third.away_reasons.is_empty());
    assert!(third.warnings.is_empty(), "{:?}", third.warnings);
    let away = third
        .teammates
        .iter()
        .find(|t| t.presence.is_away())
        .unwrap();
    assert!(away.presence.reason.is_some(), "reasons resolve again");
}
