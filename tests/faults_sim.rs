//! The fault matrix against the simulator over real HTTP: what each injected fault does to reads
//! (retried with backoff, then a typed error; recovery as soon as faults stop) and to writes
//! (never retried blindly; after an ambiguous failure the truth is re-read and reported),
//! checked against the simulator's own record of applied writes.

mod support;

use shiftlead::backend::{BackendError, PresenceChange};
use shiftlead::clock::Clock;
use shiftlead::domain::actions::{self, MemberChange, State};
use shiftlead::domain::{InboxId, Level, TeammateId};
use shiftlead::sim::{FaultProfile, SimHandle};
use shiftlead::writes::Outcome;
use std::time::Duration;
use support::subject::Subject;

/// A simulator with `faults`, and a client on the same manual clock (retry waits cost no real
/// time) with a short timeout; its executor audits nothing.
async fn rig(faults: FaultProfile) -> Subject {
    Subject::intercom()
        .token("f")
        .faults(faults)
        .timeout(Duration::from_millis(300))
        .without_audit()
        .build()
        .await
}

fn only(f: impl FnOnce(&mut FaultProfile)) -> FaultProfile {
    let mut p = FaultProfile::none();
    p.name = "test".into();
    f(&mut p);
    p
}

fn back() -> PresenceChange {
    PresenceChange::online()
}

fn count(sim: &SimHandle, endpoint: &str) -> u64 {
    sim.stats().requests.get(endpoint).copied().unwrap_or(0)
}

#[tokio::test]
async fn reads_ride_out_transient_faults_and_recover_when_they_stop() {
    let r = rig(only(|p| {
        p.server_error = 0.1;
        p.reset = 0.05;
        p.truncated = 0.05;
        p.malformed = 0.05;
    }))
    .await;
    let mut ok = 0;
    for _ in 0..20 {
        match r.backend.snapshot().await {
            Ok(s) => {
                assert!(!s.conversations.is_empty());
                ok += 1;
            }
            Err(e) => assert!(
                matches!(
                    e,
                    BackendError::Api { .. }
                        | BackendError::Network(_)
                        | BackendError::Decode { .. }
                ),
                "{e}"
            ),
        }
        r.clock.advance(jiff::SignedDuration::from_secs(30));
    }
    let stats = r.sim.stats();
    let injected: u64 = stats.faults.values().sum();
    assert!(injected >= 10, "faults were injected: {:?}", stats.faults);
    assert!(
        ok >= 18,
        "retries hide a 25% fault rate: {ok}/20 polls succeeded"
    );
    r.sim.set_faults(FaultProfile::none());
    r.backend.snapshot().await.expect("recovers at once");
}

#[tokio::test]
async fn a_read_that_keeps_failing_is_tried_a_bounded_number_of_times() {
    let r = rig(only(|p| p.server_error = 1.0)).await;
    let started = r.clock.now();
    let e = r
        .backend
        .inbox(&InboxId("5017690".into()))
        .await
        .unwrap_err();
    assert!(e.status().is_some_and(|s| s >= 500), "{e}");
    assert_eq!(count(&r.sim, "GET /teams/{id}"), 4, "1 try + 3 retries");
    let waited = r.clock.now().duration_since(started);
    assert!(
        waited.as_millis() >= 875 && waited.as_secs() < 8,
        "jittered exponential backoff between tries: {waited:?}"
    );
}

#[tokio::test]
async fn slow_answers_time_out_and_are_retried() {
    let r = rig(only(|p| {
        p.slow = 1.0;
        p.slow_delay = Duration::from_millis(600);
    }))
    .await;
    let e = r
        .backend
        .inbox(&InboxId("5017690".into()))
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Timeout(_)), "{e}");
    assert_eq!(count(&r.sim, "GET /teams/{id}"), 4);
}

#[tokio::test]
async fn unexpected_fields_and_enum_values_degrade_nothing_fatal() {
    let r = rig(only(|p| p.unexpected = 1.0)).await;
    let s = r
        .backend
        .snapshot()
        .await
        .expect("odd but well-formed JSON decodes");
    assert!(!s.teammates.is_empty() && !s.inboxes.is_empty());
    assert!(r.sim.stats().faults.get("unexpected").copied().unwrap_or(0) > 0);
}

#[tokio::test]
async fn a_429_storm_with_reset_headers_is_waited_out() {
    let r = rig(FaultProfile::none()).await;
    r.sim.start_storm(Duration::from_secs(5));
    let started = r.clock.now();
    r.backend
        .inbox(&InboxId("5017690".into()))
        .await
        .expect("waits for the announced reset, then succeeds");
    assert!(r.sim.stats().rate_limited >= 1);
    assert!(r.clock.now().duration_since(started).as_secs() >= 5);
}

#[tokio::test]
async fn a_429_storm_without_reset_headers_backs_off_then_gives_a_typed_error() {
    let r = rig(only(|p| p.storm_without_reset = 1.0)).await;
    r.sim.start_storm(Duration::from_secs(600));
    let e = r
        .backend
        .inbox(&InboxId("5017690".into()))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(429), "{e}");
    assert_eq!(count(&r.sim, "GET /teams/{id}"), 4, "bounded: 1 + 3 waits");
}

#[tokio::test]
async fn a_failed_write_is_never_retried() {
    for fault in ["server_error", "reset"] {
        let r = rig(only(|p| match fault {
            "server_error" => p.server_error = 1.0,
            _ => p.reset = 1.0,
        }))
        .await;
        let id = r.sim.world().admins[2].id.to_string();
        let e = r
            .backend
            .set_presence(&TeammateId::from(id), &back())
            .await
            .unwrap_err();
        assert!(
            matches!(e, BackendError::Api { .. } | BackendError::Network(_)),
            "{fault}: {e}"
        );
        assert_eq!(
            count(&r.sim, "PUT /admins/{id}/away"),
            1,
            "{fault}: one try"
        );
        assert!(r.sim.applied().is_empty(), "{fault}: nothing applied");
    }
}

#[tokio::test]
async fn a_lost_response_is_reported_applied_after_a_re_read() {
    let r = rig(only(|p| p.lost_response = 1.0)).await;
    let exec = r.executor();
    for n in 0..4 {
        let s = r.backend.snapshot().await.unwrap();
        let t = s
            .teammates
            .iter()
            .filter(|t| !t.presence.is_away())
            .nth(n)
            .unwrap();
        let p = actions::plan_presence(
            &s,
            &t.id,
            PresenceChange {
                status: shiftlead::domain::PresenceStatus::Away,
                reason: None,
            },
        )
        .unwrap();
        let report = exec.run(p, false).await;
        assert!(
            matches!(report.outcome, Outcome::Applied { .. }),
            "{:?}",
            report.outcome
        );
    }
    let applied = r.sim.applied();
    assert_eq!(applied.len(), 4, "each applied exactly once: {applied:?}");
    assert!(applied.iter().all(|a| a.fault == Some("lost_response")));
    assert_eq!(count(&r.sim, "PUT /admins/{id}/away"), 4, "never resent");
}

#[tokio::test]
async fn a_409_partial_membership_write_is_reported_as_partly_applied() {
    let r = rig(only(|p| p.write_conflict = 1.0)).await;
    let exec = r.executor();
    let s = r.backend.snapshot().await.unwrap();
    let inbox = s
        .inboxes
        .iter()
        .find(|i| i.assignment_limit.is_some() && i.members.len() >= 2)
        .unwrap();
    let outsider = s
        .teammates
        .iter()
        .find(|t| inbox.level_of(&t.id).is_none())
        .unwrap();
    // An addition lands despite the 409; a removal does not. Either way the report says what
    // the backend now holds.
    let member = inbox.members[0].teammate.clone();
    for (who, change) in [
        (&outsider.id, MemberChange::Set(Level::Primary)),
        (&member, MemberChange::Remove),
    ] {
        let s = r.backend.snapshot().await.unwrap();
        let p = actions::plan_membership(&s, who, &inbox.id, change).unwrap();
        let report = exec.run(p.clone(), false).await;
        let now = State::Membership {
            level: r.backend.inbox(&inbox.id).await.unwrap().level_of(who),
        };
        match &report.outcome {
            Outcome::Applied { after } | Outcome::PartlyApplied { after, .. } => {
                assert_eq!(after, &now)
            }
            Outcome::NotApplied { error } => {
                assert_eq!(now, p.before);
                assert!(error.contains("409"), "{error}");
            }
            other => panic!("{other:?}"),
        }
    }
    let applied = r.sim.applied();
    assert_eq!(applied.len(), 2);
    assert!(applied.iter().all(|a| a.status == 409));
}
