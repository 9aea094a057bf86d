//! The real Zendesk client against the simulator's Zendesk projection, in-process over
//! loopback: snapshot counts, every write, a stale stamp, the agent-token fallback, and the
//! incremental export's pacing on the injected clock.

use jiff::SignedDuration;
use secrecy::SecretString;
use shiftlead::backend::transport::Auth;
use shiftlead::backend::zendesk::{ZendeskClient, ZendeskSettings};
use shiftlead::backend::{
    AssignTarget, BackendError, FailedWrite, Helpdesk, MemberChange, PresenceChange, Probe,
};
use shiftlead::clock::{Clock, ManualClock};
use shiftlead::domain::capabilities::{Read, Write};
use shiftlead::domain::{ConversationId, InboxId, Level, PresenceStatus, TeammateId};
use shiftlead::sim::{self, SimConfig, SimHandle, SimVendor};
use std::sync::Arc;

struct Setup {
    sim: SimHandle,
    clock: ManualClock,
}

async fn start(routing: bool) -> Setup {
    let clock = ManualClock::new(shiftlead::domain::fixture::t0());
    let mut config = SimConfig::demo_of(SimVendor::Zendesk, Arc::new(clock.clone()));
    config.token = "zd-test-token".into();
    config.routing_enabled = routing;
    let sim = sim::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    Setup { sim, clock }
}

impl Setup {
    fn client_as(&self, auth: Auth) -> ZendeskClient {
        let settings = ZendeskSettings::new(self.sim.base_url(), auth, "demo")
            .with_clock(Arc::new(self.clock.clone()));
        ZendeskClient::new(settings).unwrap()
    }

    /// The account owner (an admin) over OAuth.
    fn admin(&self) -> ZendeskClient {
        self.client_as(Auth::Bearer(SecretString::from("zd-test-token")))
    }

    /// An agent (not an admin) with an API token.
    fn agent(&self) -> (ZendeskClient, String) {
        let email = {
            let w = self.sim.world();
            let me = w.me;
            // The projection makes every eighth teammate an admin; pick a plain agent.
            w.admins
                .iter()
                .enumerate()
                .find(|(i, a)| a.id != me && i % 8 != 1)
                .map(|(_, a)| a.email.clone())
                .unwrap()
        };
        let c = self.client_as(Auth::Basic {
            user: format!("{email}/token"),
            secret: SecretString::from("zd-test-token"),
        });
        (c, email)
    }

    fn advance(&self, secs: i64) {
        self.clock.advance(SignedDuration::from_secs(secs));
    }
}

fn probe<'a>(probes: &'a [Probe], what: &str) -> &'a Probe {
    probes.iter().find(|p| p.what == what).unwrap()
}

#[tokio::test]
async fn snapshot_counts_equal_the_worlds() {
    let s = start(true).await;
    let c = s.admin();
    let snap = c.snapshot().await.unwrap();
    {
        let w = s.sim.world();
        assert_eq!(snap.inboxes.len(), w.teams.len());
        assert_eq!(snap.teammates.len(), w.admins.len());
        assert_eq!(snap.conversations.len(), w.open_count());
        for t in &w.teams {
            let inbox = snap.inbox(&InboxId(t.id.to_string())).unwrap();
            assert_eq!(inbox.members.len(), t.members.len(), "{}", t.name);
        }
    }
    assert!(!snap.conversations.is_empty());
    assert!(
        snap.inboxes
            .iter()
            .all(|i| i.members.iter().all(|m| m.level == Level::Primary))
    );
    let caps = c.capabilities();
    assert!(!caps.has_levels());
    assert!(caps.can_set(PresenceStatus::Away), "{caps:?}");
    assert!(caps.removal_unassigns.is_some());
    let probes = c.probe().await;
    assert!(probe(&probes, "token").ok, "{probes:?}");
    assert!(probe(&probes, "omnichannel routing").ok, "{probes:?}");
}

#[tokio::test]
async fn sla_countdowns_are_exact_once_read() {
    let s = start(true).await;
    let c = s.admin();
    c.snapshot().await.unwrap();
    // The SLA backlog is read over the next ticks.
    let mut snap = None;
    for _ in 0..6 {
        s.advance(20);
        snap = Some(c.snapshot().await.unwrap());
    }
    let snap = snap.unwrap();
    let exact = snap
        .conversations
        .iter()
        .filter(|c| {
            c.sla
                .as_ref()
                .and_then(|s| s.deadline)
                .is_some_and(|d| d.exact)
        })
        .count();
    assert!(
        exact > 0,
        "no exact SLA deadline in {} tickets",
        snap.conversations.len()
    );
    assert_eq!(c.capabilities().sla_deadlines, Read::Exact);
    assert!(probe(&c.probe().await, "SLA sideload").ok);
}

#[tokio::test]
async fn the_incremental_export_is_paced_on_the_clock() {
    let s = start(true).await;
    let c = s.admin();
    let count = || {
        s.sim
            .stats()
            .requests
            .iter()
            .filter(|(k, _)| k.contains("incremental"))
            .map(|(_, n)| *n)
            .sum::<u64>()
    };
    c.snapshot().await.unwrap();
    assert_eq!(count(), 0, "a cold start reads search/export");
    for _ in 0..2 {
        s.advance(5);
        c.snapshot().await.unwrap();
    }
    assert_eq!(count(), 0, "10 s in: not yet");
    s.advance(5);
    c.snapshot().await.unwrap();
    assert_eq!(count(), 1, "15 s in: one call");
    s.advance(5);
    c.snapshot().await.unwrap();
    assert_eq!(count(), 1, "held model returned between calls");
    s.advance(10);
    c.snapshot().await.unwrap();
    assert_eq!(count(), 2);
}

#[tokio::test]
async fn reassign_then_a_stale_stamp_is_a_409_not_applied() {
    let s = start(true).await;
    let c = s.admin();
    let snap = c.snapshot().await.unwrap();
    let conv = snap
        .conversations
        .iter()
        .find(|x| x.state.waiting_on_us() && x.inbox.is_some())
        .unwrap()
        .clone();
    let inbox = snap.inbox(conv.inbox.as_ref().unwrap()).unwrap();
    let to = inbox
        .members
        .iter()
        .map(|m| m.teammate.clone())
        .find(|t| Some(t) != conv.assignee.as_ref())
        .unwrap();
    c.conversation(&conv.id).await.unwrap();
    c.assign(&conv.id, &AssignTarget::Teammate(to.clone()))
        .await
        .unwrap();
    let now = c.conversation(&conv.id).await.unwrap();
    assert_eq!(now.assignee.as_ref(), Some(&to));

    // Someone else changes it after our read: our stamp is stale.
    let other = s.client_as(Auth::Bearer(SecretString::from("zd-test-token")));
    s.advance(60);
    other.conversation(&conv.id).await.unwrap();
    other
        .assign(&conv.id, &AssignTarget::UnassignTeammate)
        .await
        .unwrap();
    let e = c
        .assign(&conv.id, &AssignTarget::Teammate(to.clone()))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(409), "{e}");
    assert!(e.to_string().contains("changed by someone else"), "{e}");
    assert_eq!(c.classify(&e), FailedWrite::NotApplied);
    let after = c.conversation(&conv.id).await.unwrap();
    assert_eq!(after.assignee, None);
}

#[tokio::test]
async fn membership_add_make_default_and_remove() {
    let s = start(true).await;
    let c = s.admin();
    let snap = c.snapshot().await.unwrap();
    let (mate, inbox) = snap
        .teammates
        .iter()
        .find_map(|t| {
            snap.inboxes
                .iter()
                .find(|i| i.level_of(&t.id).is_none())
                .map(|i| (t.id.clone(), i.id.clone()))
        })
        .unwrap();
    c.change_membership(&inbox, &mate, MemberChange::Set(Level::Primary))
        .await
        .unwrap();
    assert_eq!(
        c.inbox(&inbox).await.unwrap().level_of(&mate),
        Some(Level::Primary)
    );
    let e = c
        .change_membership(&inbox, &mate, MemberChange::Set(Level::Secondary))
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Unsupported(_)), "{e}");
    c.change_membership(&inbox, &mate, MemberChange::MakeDefault)
        .await
        .unwrap();
    assert_eq!(
        c.teammate(&mate).await.unwrap().default_inbox.as_ref(),
        Some(&inbox)
    );
    // Leave another group than the default one.
    let other = c
        .teammate(&mate)
        .await
        .unwrap()
        .memberships
        .into_iter()
        .map(|(i, _)| i)
        .find(|i| *i != inbox);
    if let Some(other) = other {
        c.change_membership(&other, &mate, MemberChange::Remove)
            .await
            .unwrap();
        assert_eq!(c.inbox(&other).await.unwrap().level_of(&mate), None);
    }
    // The next snapshot re-reads memberships (a write made them stale).
    s.advance(1);
    let snap = c.snapshot().await.unwrap();
    assert_eq!(
        snap.inbox(&inbox).unwrap().level_of(&mate),
        Some(Level::Primary)
    );
}

#[tokio::test]
async fn away_and_back_through_unified_status() {
    let s = start(true).await;
    let c = s.admin();
    let snap = c.snapshot().await.unwrap();
    let mate: TeammateId = snap
        .teammates
        .iter()
        .find(|t| !t.presence.is_away())
        .unwrap()
        .id
        .clone();
    let away = PresenceChange {
        status: PresenceStatus::Away,
        reason: None,
    };
    c.set_presence(&mate, &away).await.unwrap();
    assert_eq!(
        c.teammate(&mate).await.unwrap().presence.status,
        PresenceStatus::Away
    );
    c.set_presence(&mate, &PresenceChange::online())
        .await
        .unwrap();
    assert_eq!(
        c.teammate(&mate).await.unwrap().presence.status,
        PresenceStatus::Online
    );
    let e = c
        .set_presence(
            &mate,
            &PresenceChange {
                status: PresenceStatus::AwayReassign,
                reason: None,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Unsupported(_)));
}

#[tokio::test]
async fn a_classic_account_has_no_away_and_says_why() {
    let s = start(false).await;
    let c = s.admin();
    let snap = c.snapshot().await.unwrap();
    assert!(snap.teammates.iter().all(|t| !t.presence.is_away()));
    let caps = c.capabilities();
    assert!(caps.presence.is_empty());
    let Write::Unavailable(why) = &caps.set_away else {
        panic!("{caps:?}")
    };
    assert!(why.contains("omnichannel"), "{why}");
    assert!(!probe(&c.probe().await, "omnichannel routing").ok);
}

#[tokio::test]
async fn an_agent_token_falls_back_to_watched_groups_and_says_so() {
    let s = start(true).await;
    let (c, email) = s.agent();
    let snap = c.snapshot().await.unwrap();
    assert!(
        snap.warnings.iter().any(|w| w.contains("may lag")),
        "{:?}",
        snap.warnings
    );
    let p = c.probe().await;
    let token = probe(&p, "token");
    assert!(!token.ok && token.detail.contains(&email), "{token:?}");
    // Only the agent's own groups are mirrored.
    let me = snap.workspace.me.clone().unwrap();
    let mine: Vec<InboxId> = snap
        .inboxes
        .iter()
        .filter(|i| i.level_of(&me).is_some())
        .map(|i| i.id.clone())
        .collect();
    assert!(
        snap.conversations
            .iter()
            .all(|c| c.inbox.as_ref().is_some_and(|i| mine.contains(i))),
        "tickets outside the watched groups"
    );
    assert!(!c.capabilities().membership.is_available());
    // A later round still works and keeps saying so.
    s.advance(61);
    let snap = c.snapshot().await.unwrap();
    assert!(snap.warnings.iter().any(|w| w.contains("may lag")));
}

#[tokio::test]
async fn bulk_reassignment_runs_as_one_job_with_results_per_ticket() {
    let s = start(true).await;
    let c = s.admin();
    let snap = c.snapshot().await.unwrap();
    let to = snap.teammates[0].id.clone();
    let ids: Vec<ConversationId> = snap
        .conversations
        .iter()
        .filter(|x| x.assignee.as_ref() != Some(&to) && x.state.waiting_on_us())
        .take(3)
        .map(|x| x.id.clone())
        .collect();
    for id in &ids {
        c.conversation(id).await.unwrap();
    }
    let items: Vec<_> = ids
        .iter()
        .map(|id| (id.clone(), AssignTarget::Teammate(to.clone())))
        .collect();
    let results = c.update_many(&items).await.unwrap();
    assert_eq!(results.len(), 3);
    for (id, r) in &results {
        let now = c.conversation(id).await.unwrap();
        match r {
            Ok(()) => assert_eq!(now.assignee.as_ref(), Some(&to), "{id}"),
            Err(e) => panic!("{id}: {e}"),
        }
    }
    let _ = s.clock.now();
}

#[tokio::test]
async fn the_executor_sends_a_bulk_reassignment_as_update_many_and_checks_each_ticket() {
    use shiftlead::domain::actions::{self, Outcome};
    use shiftlead::writes::Executor;
    let s = start(true).await;
    let c: Arc<ZendeskClient> = Arc::new(s.admin());
    let snap = c.snapshot().await.unwrap();
    let inbox = snap
        .inboxes
        .iter()
        .max_by_key(|i| {
            snap.conversations
                .iter()
                .filter(|c| c.inbox.as_ref() == Some(&i.id) && c.state.waiting_on_us())
                .count()
        })
        .unwrap();
    let to = inbox.members[0].teammate.clone();
    let ids: Vec<ConversationId> = snap
        .conversations
        .iter()
        .filter(|x| {
            x.inbox.as_ref() == Some(&inbox.id)
                && x.assignee.as_ref() != Some(&to)
                && x.state.waiting_on_us()
        })
        .take(5)
        .map(|x| x.id.clone())
        .collect();
    assert!(ids.len() >= 4, "{ids:?}");
    let plan = actions::plan_assign(&snap, &ids, &AssignTarget::Teammate(to.clone()));
    // One changes behind the lead's back.
    s.advance(60);
    let other = s.admin();
    other.conversation(&ids[0]).await.unwrap();
    let current = snap.conversation(&ids[0]).unwrap().assignee.clone();
    let elsewhere = if current.is_some() {
        AssignTarget::UnassignTeammate
    } else {
        AssignTarget::Teammate(inbox.members.last().unwrap().teammate.clone())
    };
    other.assign(&ids[0], &elsewhere).await.unwrap();
    let puts_before = s
        .sim
        .stats()
        .requests
        .get("PUT /api/v2/tickets/{id}")
        .copied()
        .unwrap_or(0);
    let exec = Executor::new(c.clone(), None, Arc::new(s.clock.clone()), false);
    let reports = exec.run_all(plan, false).await;
    assert_eq!(reports.len(), ids.len());
    assert!(
        matches!(reports[0].outcome, Outcome::Conflict { .. }),
        "{:?}",
        reports[0]
    );
    for r in &reports[1..] {
        assert!(matches!(r.outcome, Outcome::Applied { .. }), "{r:?}");
    }
    let stats = s.sim.stats();
    assert_eq!(
        stats
            .requests
            .get("PUT /api/v2/tickets/{id}")
            .copied()
            .unwrap_or(0),
        puts_before,
        "no per-ticket PUT: {:?}",
        stats.requests
    );
    assert!(
        stats.requests.keys().any(|k| k.contains("update_many")),
        "{:?}",
        stats.requests
    );
}

/// Enough 15 s ticks for the SLA backlog (every unsolved ticket, a few hundred a tick) to be
/// read, with the world quiet so that nothing new joins it.
async fn drain_sla_backlog(s: &Setup, c: &ZendeskClient) -> shiftlead::domain::Snapshot {
    s.sim.set_quiet(true);
    let mut snap = c.snapshot().await.unwrap();
    let live = s.sim.world().open_count();
    for _ in 0..=live.div_ceil(200) {
        s.advance(15);
        snap = c.snapshot().await.unwrap();
    }
    s.sim.set_quiet(false);
    snap
}

#[tokio::test]
async fn pending_and_on_hold_tickets_read_their_paused_sla() {
    use shiftlead::domain::{ConversationState, SlaStatus};
    let s = start(true).await;
    let c = s.admin();
    let snap = drain_sla_backlog(&s, &c).await;
    let with_policy: std::collections::BTreeSet<String> = s
        .sim
        .world()
        .conversations
        .values()
        .filter(|c| c.sla.is_some())
        .map(|c| c.id.to_string())
        .collect();
    let paused: Vec<_> = snap
        .conversations
        .iter()
        .filter(|x| matches!(x.state, ConversationState::Pending | ConversationState::OnHold))
        .filter(|x| with_policy.contains(x.id.as_str()))
        .collect();
    assert!(!paused.is_empty(), "the demo has pending tickets with a policy");
    for x in paused {
        let sla = x.sla.as_ref().unwrap();
        assert_eq!(sla.status, SlaStatus::Paused, "#{}: {sla:?}", x.id);
        assert_eq!(sla.deadline, None, "#{}", x.id);
    }
}
