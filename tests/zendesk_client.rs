//! The real Zendesk client against the simulator's Zendesk projection, in-process over
//! loopback: snapshot counts, cursor paging with small pages, the export past the search
//! cap, the incremental cursor and its pacing on the injected clock, SLA sideloads (exact
//! countdowns, paused), every write and its errors (404, 422 in one line, 409), bulk jobs,
//! 429s waited out on the injected clock, and the agent-token fallback.

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
    start_with(|c| c.routing_enabled = routing).await
}

async fn start_with(f: impl FnOnce(&mut SimConfig)) -> Setup {
    let clock = ManualClock::new(shiftlead::domain::fixture::t0());
    let mut config = SimConfig::demo_of(SimVendor::Zendesk, Arc::new(clock.clone()));
    config.token = "zd-test-token".into();
    f(&mut config);
    let sim = sim::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    Setup { sim, clock }
}

impl Setup {
    fn client_as(&self, auth: Auth) -> ZendeskClient {
        self.client_with(auth, |_| {})
    }

    fn client_with(&self, auth: Auth, f: impl FnOnce(&mut ZendeskSettings)) -> ZendeskClient {
        let mut settings = ZendeskSettings::new(self.sim.base_url(), auth, "demo")
            .with_clock(Arc::new(self.clock.clone()));
        f(&mut settings);
        ZendeskClient::new(settings).unwrap()
    }

    /// The account owner with an API token (basic `{email}/token:{token}`).
    fn owner_token(&self) -> Auth {
        Auth::Basic {
            user: format!("{}/token", self.sim.email),
            secret: SecretString::from("zd-test-token"),
        }
    }

    fn requests(&self, prefix: &str) -> u64 {
        self.sim
            .stats()
            .requests
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(_, n)| *n)
            .sum()
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
        // The account's name is its default brand's.
        assert_eq!(snap.workspace.name, w.workspace);
        for t in &w.teams {
            let inbox = snap.inbox(&InboxId::from(t.id.to_string())).unwrap();
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

/// Lists that answer offset pages (`next_page`, `count`) whatever the client asks are read
/// to the end by following `next_page`: the same snapshot as with cursor pages.
#[tokio::test]
async fn offset_pages_are_followed_by_next_page_to_the_same_snapshot() {
    let s = start(true).await;
    s.sim.set_offset_pages(Some(7));
    let snap = s.admin().snapshot().await.unwrap();
    let lists = ["GET /api/v2/users", "GET /api/v2/group_memberships"];
    {
        let w = s.sim.world();
        assert_eq!(snap.teammates.len(), w.admins.len());
        let members: usize = w.teams.iter().map(|t| t.members.len()).sum();
        assert_eq!(
            snap.inboxes.iter().map(|i| i.members.len()).sum::<usize>(),
            members
        );
        // Several offset pages each (7 a page), not one cursor page.
        assert!(s.requests(lists[0]) >= w.admins.len().div_ceil(7) as u64);
        assert!(s.requests(lists[1]) >= members.div_ceil(7) as u64);
    }
    s.sim.set_offset_pages(None);
    let cursor = start(true).await;
    let again = cursor.admin().snapshot().await.unwrap();
    assert_eq!(snap.teammates, again.teammates);
    assert_eq!(snap.inboxes, again.inboxes);
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

/// A bulk reassignment is one `update_many` job followed to its end, with a result per
/// ticket: three tickets of the assignee's groups are reassigned; one in a group the assignee
/// is not in fails alone (its group is pinned, so Zendesk refuses it rather than moving it),
/// with the job item's reason, and is left as it was.
#[tokio::test]
async fn bulk_reassignment_runs_as_one_job_with_results_per_ticket() {
    let s = start(true).await;
    let c = s.admin();
    let snap = c.snapshot().await.unwrap();
    let to = snap.teammates[0].id.clone();
    let mine = snap.teammate(&to).unwrap().memberships.clone();
    let in_mine = |x: &shiftlead::domain::Conversation| {
        x.inbox
            .as_ref()
            .is_some_and(|i| mine.iter().any(|(m, _)| m == i))
    };
    let mut ids: Vec<ConversationId> = snap
        .conversations
        .iter()
        .filter(|x| x.assignee.as_ref() != Some(&to) && x.state.waiting_on_us() && in_mine(x))
        .take(3)
        .map(|x| x.id.clone())
        .collect();
    let outside = snap
        .conversations
        .iter()
        .find(|x| x.state.waiting_on_us() && x.inbox.is_some() && !in_mine(x))
        .unwrap()
        .clone();
    ids.push(outside.id.clone());
    for id in &ids {
        c.conversation(id).await.unwrap();
    }
    let items: Vec<_> = ids
        .iter()
        .map(|id| (id.clone(), AssignTarget::Teammate(to.clone())))
        .collect();
    let results = c.update_many(&items).await.unwrap();
    assert_eq!(results.len(), 4);
    for (id, r) in &results[..3] {
        let now = c.conversation(id).await.unwrap();
        match r {
            Ok(()) => assert_eq!(now.assignee.as_ref(), Some(&to), "{id}"),
            Err(e) => panic!("{id}: {e}"),
        }
    }
    let (id, r) = &results[3];
    let e = r.as_ref().unwrap_err();
    assert!(matches!(e, BackendError::JobFailed(_)), "{e}");
    assert!(e.to_string().contains("not a member of the group"), "{e}");
    let now = c.conversation(id).await.unwrap();
    assert_eq!(
        (now.assignee, now.inbox),
        (outside.assignee, outside.inbox),
        "left as it was"
    );
    let stats = s.sim.stats();
    assert_eq!(
        stats.requests.get("PUT /api/v2/tickets/update_many"),
        Some(&1)
    );
    let polls: u64 = stats
        .requests
        .iter()
        .filter(|(k, _)| k.starts_with("GET /api/v2/job_statuses/"))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(
        polls, 2,
        "polled while working, then completed: {:?}",
        stats.requests
    );
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
        .filter(|x| {
            matches!(
                x.state,
                ConversationState::Pending | ConversationState::OnHold
            )
        })
        .filter(|x| with_policy.contains(x.id.as_str()))
        .collect();
    assert!(
        !paused.is_empty(),
        "the demo has pending tickets with a policy"
    );
    for x in paused {
        let sla = x.sla.as_ref().unwrap();
        assert_eq!(sla.status, SlaStatus::Paused, "#{}: {sla:?}", x.id);
        assert_eq!(sla.deadline, None, "#{}", x.id);
    }
}

/// With pages of 7, every list (groups, users, memberships, availabilities) and the export
/// turn several cursor pages, and the snapshot still equals the world.
#[tokio::test]
async fn small_cursor_pages_read_the_whole_world() {
    let s = start(true).await;
    let c = s.client_with(s.owner_token(), |x| {
        x.page_size = 7;
        x.export_page_size = 7;
    });
    let snap = c.snapshot().await.unwrap();
    {
        let w = s.sim.world();
        assert_eq!(snap.inboxes.len(), w.teams.len());
        assert_eq!(snap.teammates.len(), w.admins.len());
        let world: std::collections::BTreeSet<String> = w
            .conversations
            .values()
            .filter(|c| c.state != shiftlead::sim::world::SimState::Closed)
            .map(|c| c.id.to_string())
            .collect();
        let held: std::collections::BTreeSet<String> = snap
            .conversations
            .iter()
            .map(|c| c.id.to_string())
            .collect();
        assert_eq!(held, world);
        let members: usize = w.teams.iter().map(|t| t.members.len()).sum();
        let mirrored: usize = snap.inboxes.iter().map(|i| i.members.len()).sum();
        assert_eq!(mirrored, members);
    }
    for (what, n) in [
        ("GET /api/v2/groups", snap.inboxes.len()),
        ("GET /api/v2/users", snap.teammates.len()),
        ("GET /api/v2/search/export", snap.conversations.len()),
    ] {
        let pages = s.sim.stats().requests.get(what).copied().unwrap_or(0);
        assert_eq!(
            pages as usize,
            n.div_ceil(7).max(1),
            "{what}: one page per 7"
        );
    }
    assert!(
        snap.warnings.iter().all(|w| !w.contains("paging")),
        "{:?}",
        snap.warnings
    );
}

/// 1,500 unsolved tickets: more than `search` serves (it refuses past 1,000 with a 422), all
/// held, because the client reads them through `search/export`.
#[tokio::test]
async fn the_export_reads_past_the_search_cap() {
    use shiftlead::sim::scenario::{Scale, Scenario};
    let s = start_with(|c| {
        c.scenario = Scenario::scaled(Scale {
            teammates: 40,
            inboxes: 6,
            open: 1_500,
        })
    })
    .await;
    let c = s.admin();
    let snap = c.snapshot().await.unwrap();
    let open = s.sim.world().open_count();
    assert!(open > 1_000, "{open}");
    assert_eq!(snap.conversations.len(), open);
    assert_eq!(
        s.requests("GET /api/v2/search/export"),
        2,
        "two pages of 1,000"
    );
    assert_eq!(s.requests("GET /api/v2/search "), 0);
    assert_eq!(s.requests("GET /api/v2/search\u{0}"), 0);
    // The cap the export avoids: search's 11th page of 100.
    let url = format!(
        "{}/api/v2/search.json?query=status%3Csolved&page=11&per_page=100",
        s.sim.base_url()
    );
    let resp = reqwest::Client::new()
        .get(url)
        .bearer_auth("zd-test-token")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Search Response Limits")
    );
}

/// A change made through the API reaches the held model through the incremental cursor —
/// not within the minute the export leaves out, and once it is older; the next call goes on
/// from the cursor the last one returned.
#[tokio::test]
async fn the_incremental_cursor_carries_a_change_once_it_is_a_minute_old() {
    let s = start(true).await;
    let c = s.admin();
    let snap = c.snapshot().await.unwrap();
    let x = snap
        .conversations
        .iter()
        .find(|x| x.assignee.is_some() && x.state.waiting_on_us())
        .unwrap()
        .clone();
    s.sim.set_quiet(true);
    s.advance(30);
    let other = s.admin();
    other.conversation(&x.id).await.unwrap();
    other
        .assign(&x.id, &AssignTarget::UnassignTeammate)
        .await
        .unwrap();
    s.advance(20);
    let held = c.snapshot().await.unwrap();
    assert_eq!(s.requests("GET /api/v2/incremental"), 1);
    assert_eq!(
        held.conversation(&x.id).unwrap().assignee,
        x.assignee,
        "a change of the last minute is not exported yet"
    );
    // (The world moves in 10 s steps: 70 s after the change it is over a minute old.)
    s.advance(50);
    let held = c.snapshot().await.unwrap();
    assert_eq!(s.requests("GET /api/v2/incremental"), 2);
    assert_eq!(held.conversation(&x.id).unwrap().assignee, None);
    s.sim.set_quiet(false);
    // The second call went on from a cursor, not a start time.
    assert!(c.snapshot().await.is_ok());
}

/// Once the SLA backlog is read, each running SLA's deadline is the simulator's own breach
/// time to the second, marked exact; a snoozed ticket's is paused with none.
#[tokio::test]
async fn sla_deadlines_are_the_simulators_to_the_second() {
    use shiftlead::domain::SlaStatus;
    use shiftlead::sim::world::SimState;
    let s = start(true).await;
    let c = s.admin();
    let snap = drain_sla_backlog(&s, &c).await;
    let w = s.sim.world();
    let (mut active, mut paused) = (0, 0);
    for x in &snap.conversations {
        let sim = &w.conversations[&x.id.as_str().parse::<u64>().unwrap()];
        let (Some(truth), Some(sla)) = (&sim.sla, &x.sla) else {
            continue;
        };
        match (sim.state, truth.deadline) {
            (SimState::Open, Some(_)) => {
                let d = sla.deadline.unwrap_or_else(|| panic!("#{}: {sla:?}", x.id));
                assert!(d.exact, "#{}", x.id);
                assert_eq!(
                    Some(d.at.as_second()),
                    truth.deadline.map(|t| t.as_second())
                );
                active += 1;
            }
            (SimState::Snoozed, _) => {
                assert_eq!((sla.status, sla.deadline), (SlaStatus::Paused, None));
                paused += 1;
            }
            _ => {}
        }
    }
    assert!(active > 0 && paused > 0, "{active} active, {paused} paused");
}

/// A ticket that does not exist: its read and its reassignment are 404s, and a failed write
/// that applied nothing.
#[tokio::test]
async fn an_unknown_ticket_is_a_404() {
    let s = start(true).await;
    let c = s.admin();
    c.snapshot().await.unwrap();
    let id = ConversationId("999999999".into());
    let e = c.conversation(&id).await.unwrap_err();
    assert_eq!(e.status(), Some(404), "{e}");
    let e = c
        .assign(&id, &AssignTarget::UnassignTeammate)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(404), "{e}");
    assert_eq!(c.classify(&e), FailedWrite::NotApplied);
    let e = c
        .change_membership(
            &InboxId("1".into()),
            &TeammateId("999999999".into()),
            MemberChange::Set(Level::Primary),
        )
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(404), "{e}");
    assert!(s.sim.applied().is_empty());
}

/// Zendesk's own rules would move a ticket assigned outside its group to the assignee's
/// default group (or unassign one moved to a group its assignee is not in); the client pins
/// the half of the route it does not change, so Zendesk refuses instead: a 422 whose
/// details read in one line, not applied, the ticket as it was.
#[tokio::test]
async fn a_route_zendesk_cannot_keep_is_a_422_in_one_line_and_nothing_moves() {
    let s = start(true).await;
    let c = s.admin();
    let snap = c.snapshot().await.unwrap();
    let (x, inbox) = snap
        .conversations
        .iter()
        .filter(|x| x.assignee.is_some() && x.state.waiting_on_us())
        .find_map(|x| Some((x, snap.inbox(x.inbox.as_ref()?)?)))
        .unwrap();
    let outsider = snap
        .teammates
        .iter()
        .find(|t| inbox.level_of(&t.id).is_none())
        .unwrap();
    let foreign = snap
        .inboxes
        .iter()
        .find(|i| i.level_of(x.assignee.as_ref().unwrap()).is_none())
        .unwrap();
    for target in [
        AssignTarget::Teammate(outsider.id.clone()),
        AssignTarget::Inbox(foreign.id.clone()),
        AssignTarget::UnassignInbox,
    ] {
        c.conversation(&x.id).await.unwrap();
        let e = c.assign(&x.id, &target).await.unwrap_err();
        let line = e.to_string();
        assert_eq!(e.status(), Some(422), "{target:?}: {line}");
        assert!(
            line.contains("Assignee: is not a member of the group") && !line.contains('\n'),
            "{line}"
        );
        assert_eq!(c.classify(&e), FailedWrite::NotApplied);
        let now = c.conversation(&x.id).await.unwrap();
        assert_eq!(
            (&now.assignee, &now.inbox),
            (&x.assignee, &x.inbox),
            "{target:?}"
        );
    }
    // Within the group it applies, and only the assignee changes.
    let member = inbox
        .members
        .iter()
        .find(|m| Some(&m.teammate) != x.assignee.as_ref())
        .unwrap();
    c.assign(&x.id, &AssignTarget::Teammate(member.teammate.clone()))
        .await
        .unwrap();
    let now = c.conversation(&x.id).await.unwrap();
    assert_eq!(
        (now.assignee.as_ref(), &now.inbox),
        (Some(&member.teammate), &x.inbox)
    );
    assert_eq!(s.sim.applied().len(), 1);
}

/// A custom status stands for one state (the simulator's are away): set with away it
/// applies with its reason; asked for with transfers only it is refused before anything is
/// sent, rather than setting away.
#[tokio::test]
async fn a_custom_status_is_set_only_with_the_state_it_stands_for() {
    use shiftlead::domain::AwayReasonId;
    let s = start(true).await;
    let c = s.admin();
    let snap = c.snapshot().await.unwrap();
    let mate = snap
        .teammates
        .iter()
        .find(|t| !t.presence.is_away())
        .unwrap()
        .id
        .clone();
    let reason: AwayReasonId = snap.away_reasons[0].id.clone();
    let with = |status| PresenceChange {
        status,
        reason: Some(reason.clone()),
    };
    let e = c
        .set_presence(&mate, &with(PresenceStatus::TransfersOnly))
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Unsupported(_)), "{e}");
    assert!(e.to_string().contains("is away in Zendesk"), "{e}");
    assert_eq!(s.requests("PUT "), 0, "nothing sent");
    c.set_presence(&mate, &with(PresenceStatus::Away))
        .await
        .unwrap();
    let p = c.teammate(&mate).await.unwrap().presence;
    assert_eq!(p.status, PresenceStatus::Away);
    assert_eq!(p.reason.map(|r| r.id), Some(reason));
}

/// A window another client spent: the 429's `Retry-After` is waited out on the injected
/// clock (to the next minute), then the read goes through; nothing sleeps on the wall clock.
#[tokio::test]
async fn a_429_is_waited_out_by_its_retry_after_on_the_injected_clock() {
    let s = start(true).await;
    let c = s.admin();
    let snap = c.snapshot().await.unwrap();
    let id = snap.conversations.iter().next().unwrap().id.clone();
    // A fresh window (t0 is on a minute), then a small budget spent by someone else.
    s.advance(60 + 20);
    let window_end = s.clock.now() + SignedDuration::from_secs(40);
    s.sim.set_rate_limit(3);
    let url = format!("{}/api/v2/tickets/{id}.json", s.sim.base_url());
    for _ in 0..3 {
        let r = reqwest::Client::new()
            .get(&url)
            .bearer_auth("zd-test-token")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
    let started = std::time::Instant::now();
    c.conversation(&id).await.unwrap();
    assert!(
        s.sim.stats().rate_limited >= 1,
        "the read was refused first"
    );
    assert!(
        s.clock.now() >= window_end,
        "waited until {} (the window ends {window_end})",
        s.clock.now()
    );
    assert!(
        s.clock.now() <= window_end + SignedDuration::from_secs(5),
        "and no longer: {}",
        s.clock.now()
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "no wall-clock wait"
    );
}

/// A standby relay takes over from the tickets it mirrored: `resume` reads the account,
/// groups, memberships and agents, not the tickets, and the incremental export from just
/// before the held state brings in what changed meanwhile. An agent token (no incremental
/// export) declines, so its next snapshot is a full read.
#[tokio::test]
async fn a_standby_resumes_from_held_tickets_without_reading_them_again() {
    let s = start(true).await;
    let held = s.admin().snapshot().await.unwrap();
    let since = s.clock.now();
    let x = held
        .conversations
        .iter()
        .find(|x| x.assignee.is_some() && x.state.waiting_on_us())
        .unwrap()
        .clone();
    s.sim.set_quiet(true);
    s.advance(30);
    let other = s.admin();
    other.conversation(&x.id).await.unwrap();
    other
        .assign(&x.id, &AssignTarget::UnassignTeammate)
        .await
        .unwrap();
    let exports = s.requests("GET /api/v2/search/export");
    let standby = s.admin();
    assert!(standby.resume(&held, since).await, "an admin token resumes");
    // The change is over a minute old once the world has moved 70 s past it.
    s.advance(70);
    let snap = standby.snapshot().await.unwrap();
    assert_eq!(
        s.requests("GET /api/v2/search/export"),
        exports,
        "the tickets were not read again"
    );
    assert!(s.requests("GET /api/v2/incremental") >= 1);
    assert_eq!(
        snap.conversation(&x.id).unwrap().assignee,
        None,
        "the change came in"
    );
    assert_eq!(snap.inboxes.len(), held.inboxes.len());
    assert_eq!(snap.teammates.len(), held.teammates.len());
    assert_eq!(snap.conversations.len(), held.conversations.len());
    s.sim.set_quiet(false);

    let (agent, _) = s.agent();
    assert!(
        !agent.resume(&held, since).await,
        "an agent token cannot start the incremental export"
    );
}
