//! Team mode's prompt path and shared co-pilot state against a real nats-server: in-process
//! relays over in-process simulators (whose world is quiet, so only the test changes it),
//! each vendor's signed webhooks (forged, replayed, stale and good ones), and blocks and
//! rebalance leases shared by several relays and leads.

mod support;

use shiftlead::backend::{AssignTarget, Helpdesk, Vendor};
use shiftlead::clock::{SharedClock, SystemClock};
use shiftlead::domain::ConversationId;
use shiftlead::sim::{self, SimConfig, SimHandle, SimVendor, WebhookTarget};
use shiftlead::team::bus::{Buckets, Bus, BusSettings};
use shiftlead::team::hooks::HookSettings;
use shiftlead::team::records::{self, Heartbeat};
use shiftlead::team::relay::{Relay, RelaySettings};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::nats::NatsServer;

const SECRET: &str = "team-copilot-webhook-secret";

fn settings(url: &str, ws: &str, name: &str) -> BusSettings {
    BusSettings {
        url: url.to_owned(),
        workspace: ws.to_owned(),
        user: None,
        password: None,
        token: None,
        nkey: None,
        credentials: None,
        name: name.into(),
    }
}

fn clock() -> SharedClock {
    Arc::new(SystemClock)
}

async fn wait_for<T>(limit: Duration, mut f: impl AsyncFnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(v) = f().await {
            return Some(v);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running in-process relay; dropping it stops it (giving the lease up).
struct RunningRelay {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningRelay {
    async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for RunningRelay {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// One simulated workspace published by relays.
struct Workspace {
    sim: SimHandle,
    vendor: Vendor,
    ws: String,
    nats: String,
    /// The relays' webhook URL (the first relay's).
    hook_url: String,
    buckets: Buckets,
    _dir: tempfile::TempDir,
}

impl Workspace {
    /// A quiet simulator of `vendor` sending its webhooks to a relay (when `webhooks`), and
    /// `relays` relays polling it every `refresh`.
    async fn start(
        nats: &NatsServer,
        vendor: SimVendor,
        ws: &str,
        refresh: Duration,
        webhooks: bool,
        relays: usize,
    ) -> (Workspace, Vec<RunningRelay>) {
        let port = free_port();
        let hook_url = format!("http://127.0.0.1:{port}{}", shiftlead::team::hooks::PATH);
        let mut config = SimConfig::demo_of(vendor, clock());
        config.webhook = webhooks.then(|| WebhookTarget {
            url: hook_url.clone(),
            secret: SECRET.into(),
        });
        let sim = sim::start(config, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        sim.set_quiet(true);
        let backend_vendor = Vendor::by_name(vendor.name()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut running = Vec::new();
        for n in 0..relays {
            let listen = if n == 0 {
                format!("127.0.0.1:{port}")
            } else {
                "127.0.0.1:0".into()
            };
            let audit =
                shiftlead::audit::Audit::open(&dir.path().join(format!("audit-{n}.log"))).unwrap();
            running.push(
                relay(
                    &sim,
                    backend_vendor,
                    &nats.url,
                    ws,
                    &format!("r{n}"),
                    refresh,
                    webhooks.then(|| listen.parse().unwrap()),
                    audit,
                )
                .await,
            );
        }
        let bus = Bus::connect(&settings(&nats.url, ws, "test"))
            .await
            .unwrap();
        let buckets = Buckets::open(&bus, false, Duration::ZERO).await.unwrap();
        wait_for(Duration::from_secs(15), async || {
            let v = buckets.meta.get(records::HEARTBEAT).await.ok()??;
            serde_json::from_slice::<Heartbeat>(&v)
                .ok()
                .filter(|b| b.polls > 0)
        })
        .await
        .expect("a first poll published");
        (
            Workspace {
                sim,
                vendor: backend_vendor,
                ws: ws.to_owned(),
                nats: nats.url.clone(),
                hook_url,
                buckets,
                _dir: dir,
            },
            running,
        )
    }

    /// A client of the simulator's API, as someone working in the helpdesk's own UI.
    fn helpdesk(&self) -> Arc<dyn Helpdesk> {
        self.vendor
            .simulator_client(
                self.sim.base_url(),
                secrecy::SecretString::from(self.sim.token.clone()),
                Duration::from_secs(10),
                clock(),
            )
            .unwrap()
    }

    /// Single-conversation reads served so far (what a webhook's re-read costs).
    fn rereads(&self) -> u64 {
        let stats = self.sim.stats();
        ["GET /conversations/{id}", "GET /api/v2/tickets/{id}"]
            .iter()
            .filter_map(|k| stats.requests.get(*k))
            .sum()
    }

    /// The assignee the published conversation has (`Some(None)`: unassigned).
    async fn published_assignee(&self, id: &ConversationId) -> Option<Option<String>> {
        let key = format!("{}{}", records::CONV, shiftlead::team::key_part(&id.0));
        let v = self.buckets.convs.get(&key).await.ok()??;
        let c: shiftlead::domain::Conversation = serde_json::from_slice(&v).ok()?;
        Some(c.assignee.map(|a| a.to_string()))
    }

    async fn post(&self, headers: &[(&str, String)], body: &[u8]) -> u16 {
        let mut req = reqwest::Client::new().post(&self.hook_url);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        req.body(body.to_vec())
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

#[allow(clippy::too_many_arguments)]
async fn relay(
    sim: &SimHandle,
    vendor: Vendor,
    nats: &str,
    ws: &str,
    id: &str,
    refresh: Duration,
    webhooks: Option<std::net::SocketAddr>,
    audit: shiftlead::audit::Audit,
) -> RunningRelay {
    let backend = vendor
        .simulator_client(
            sim.base_url(),
            secrecy::SecretString::from(sim.token.clone()),
            Duration::from_secs(10),
            clock(),
        )
        .unwrap();
    let bus = Bus::connect(&settings(nats, ws, id)).await.unwrap();
    let mut relay = Relay::new(
        bus,
        backend,
        Some(audit),
        clock(),
        RelaySettings {
            id: id.into(),
            lease: Duration::from_secs(3),
            refresh,
        },
    )
    .await
    .unwrap();
    if let Some(listen) = webhooks {
        relay
            .receive_webhooks(
                HookSettings {
                    listen,
                    secret: secrecy::SecretString::from(SECRET.to_owned()),
                    window: Duration::from_secs(300),
                    format: vendor.webhooks(),
                },
                clock(),
            )
            .await
            .unwrap();
    }
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(relay.run(async move {
        let _ = rx.await;
    }));
    RunningRelay {
        stop: Some(tx),
        task: Some(task),
    }
}

/// A delivery of `vendor`'s format naming conversation `id`, signed with `secret` at `at`.
fn delivery(
    vendor: SimVendor,
    id: &str,
    delivery: &str,
    secret: &str,
    at: jiff::Timestamp,
) -> (Vec<(&'static str, String)>, Vec<u8>) {
    use shiftlead::backend::webhook::{Mac, hex, sign};
    match vendor {
        SimVendor::Intercom => {
            let body = serde_json::to_vec(&serde_json::json!({
                "type": "notification_event", "id": delivery,
                "topic": "conversation.admin.assigned", "created_at": at.as_second(),
                "data": {"type": "notification_event_data", "item": {"type": "conversation", "id": id}}
            }))
            .unwrap();
            let sig = format!("sha1={}", hex(&sign(Mac::Sha1, secret.as_bytes(), &body)));
            (vec![("x-hub-signature", sig)], body)
        }
        SimVendor::Zendesk => {
            let body = serde_json::to_vec(&serde_json::json!({
                "type": "zen:event-type:ticket.agent_assignment_changed", "id": delivery,
                "subject": format!("zen:ticket:{id}"), "detail": {"id": id}
            }))
            .unwrap();
            let stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
            let sig =
                shiftlead::backend::zendesk::webhook::signature(secret.as_bytes(), &stamp, &body);
            (
                vec![
                    ("x-zendesk-webhook-signature", sig),
                    ("x-zendesk-webhook-signature-timestamp", stamp),
                    ("x-zendesk-webhook-invocation-id", delivery.to_owned()),
                ],
                body,
            )
        }
    }
}

/// For one vendor: a forged delivery is refused 401 and nothing is re-read; a signed one is
/// re-read once, its replay refused 409, a stale one 401; then a write made in the helpdesk
/// reaches the published state (what every team dashboard watches) through the simulator's
/// own webhook in well under 2 s, while the relay polls only every 30 s.
async fn webhooks_prompt_rereads(vendor: SimVendor) {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let refresh = Duration::from_secs(30);
    let (w, relays) = Workspace::start(&nats, vendor, "hooks", refresh, true, 1).await;
    let helpdesk = w.helpdesk();
    let snap = helpdesk.snapshot().await.unwrap();
    let mut assigned = snap
        .conversations
        .iter()
        .filter(|c| c.assignee.is_some() && !c.state.is_done())
        .map(|c| c.id.clone());
    let (probe, target) = (assigned.next().unwrap(), assigned.next().unwrap());
    let now = jiff::Timestamp::now();

    // Forged: signed with another secret.
    let before = w.rereads();
    let (h, body) = delivery(vendor, &probe.0, "d-forged", "not-the-secret", now);
    assert_eq!(w.post(&h, &body).await, 401, "a forged delivery is refused");
    // Unsigned.
    assert_eq!(
        w.post(&[], &body).await,
        401,
        "an unsigned delivery is refused"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(w.rereads(), before, "nothing re-read for a forged delivery");

    // Signed: re-read once.
    let (h, body) = delivery(vendor, &probe.0, "d-good-1", SECRET, now);
    assert_eq!(w.post(&h, &body).await, 200);
    wait_for(Duration::from_secs(2), async || {
        (w.rereads() == before + 1).then_some(())
    })
    .await
    .expect("the signed delivery is re-read");
    // Replayed (same delivery id): refused, not re-read again.
    assert_eq!(w.post(&h, &body).await, 409, "a replay is refused");
    // Stale: correctly signed, ten minutes old (a new id, so only the window refuses it).
    let old = now
        .checked_sub(jiff::SignedDuration::from_mins(10))
        .unwrap();
    let (h, body) = delivery(vendor, &probe.0, "d-stale", SECRET, old);
    assert_eq!(w.post(&h, &body).await, 401, "a stale delivery is refused");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(w.rereads(), before + 1, "nothing re-read for a replay");

    // A write in the helpdesk: the simulator's signed webhook prompts the re-read.
    assert!(w.published_assignee(&target).await.unwrap().is_some());
    let t0 = Instant::now();
    helpdesk
        .assign(&target, &AssignTarget::UnassignTeammate)
        .await
        .unwrap();
    wait_for(Duration::from_secs(5), async || {
        (w.published_assignee(&target).await == Some(None)).then_some(())
    })
    .await
    .expect("the change reaches the published state");
    let latency = t0.elapsed();
    eprintln!(
        "{}: write → published via webhook in {} ms (poll every {}s); deliveries {:?}",
        vendor.name(),
        latency.as_millis(),
        refresh.as_secs(),
        w.sim.stats().webhooks
    );
    assert!(
        latency < Duration::from_secs(2),
        "{latency:?} with webhooks on"
    );
    assert!(w.sim.stats().webhooks.get("200").copied().unwrap_or(0) >= 1);
    let _ = (&w.ws, &w.nats);
    for r in relays {
        r.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn intercom_webhooks_forged_replayed_stale_and_prompt() {
    webhooks_prompt_rereads(SimVendor::Intercom).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn zendesk_webhooks_forged_replayed_stale_and_prompt() {
    webhooks_prompt_rereads(SimVendor::Zendesk).await;
}

type Lead = (
    Arc<dyn Helpdesk>,
    Arc<dyn shiftlead::audit::Mirror>,
    shiftlead::writes::Executor,
);

/// A lead's dashboard in-process: the view, the team audit log, and an executor over it.
async fn lead(w: &Workspace, who: &str) -> Lead {
    let config = shiftlead::backend::team::TeamConfig {
        nats_url: w.nats.clone(),
        workspace: w.ws.clone(),
        lead: Some(who.to_owned()),
        stale_after: Duration::from_secs(5),
        timeout: Duration::from_secs(10),
        ..Default::default()
    };
    let (view, audit) = shiftlead::team::connect_view(&config).await.unwrap();
    let view: Arc<dyn Helpdesk> = Arc::new(view);
    let executor = shiftlead::writes::Executor::new(view.clone(), None, clock(), false);
    (view, audit, executor)
}

/// Away writes the simulator applied.
fn away_writes(sim: &SimHandle) -> usize {
    sim.applied()
        .iter()
        .filter(|a| a.endpoint.contains("away"))
        .count()
}

/// Two relays and two leads: a block two leads end at the moment it is over (the leading
/// relay's timer racing them) is ended exactly once — one back write at the simulator, one
/// entry in the team audit log; a block nobody ends is ended on time by the relay alone.
#[tokio::test(flavor = "multi_thread")]
async fn blocks_end_exactly_once_with_two_relays_and_two_leads() {
    use shiftlead::domain::PresenceStatus;
    use shiftlead::domain::actions::{self, Outcome, PresenceChange};
    use shiftlead::team::shared::{BlockState, Ended, SharedBlocks, Started};
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let (w, relays) = Workspace::start(
        &nats,
        SimVendor::Intercom,
        "blocks",
        Duration::from_secs(1),
        false,
        2,
    )
    .await;
    let (alice_view, alice_log, alice) = lead(&w, "alice").await;
    let (bob_view, _bob_log, bob) = lead(&w, "bob").await;
    let snap = alice_view.snapshot().await.unwrap();
    let online: Vec<_> = snap
        .teammates
        .iter()
        .filter(|t| !t.presence.is_away())
        .map(|t| (t.id.clone(), t.name.clone()))
        .take(2)
        .collect();
    assert_eq!(online.len(), 2, "two teammates on the queue");
    // Alice sets both away (as `b` does), then starts their blocks in the shared bucket.
    let away = PresenceChange {
        status: PresenceStatus::Away,
        reason: None,
    };
    for (id, _) in &online {
        let plan = actions::plan_presence(&snap, id, away.clone()).unwrap();
        let r = alice.run(plan, false).await;
        assert!(
            matches!(r.outcome, Outcome::Applied { .. }),
            "{:?}",
            r.outcome
        );
    }
    wait_for(Duration::from_secs(5), async || {
        let s = bob_view.snapshot().await.ok()?;
        online
            .iter()
            .all(|(id, _)| s.teammate(id).is_some_and(|t| t.presence.is_away()))
            .then_some(())
    })
    .await
    .expect("both away in the published state");
    let writes_before = away_writes(&w.sim);
    let blocks = SharedBlocks::new(w.buckets.blocks.clone());
    let now = jiff::Timestamp::now();
    let end = now
        .checked_add(jiff::SignedDuration::from_millis(1500))
        .unwrap();
    let block = |n: usize| shiftlead::domain::blocks::Block {
        teammate: online[n].0.clone(),
        name: online[n].1.clone(),
        reason: None,
        label: "Training".into(),
        start: now,
        end,
        by: None,
    };
    let started = |s: Started| match s {
        Started::Started(id) => id,
        Started::Running(r) => panic!("refused: {r:?}"),
    };
    let raced = started(blocks.start(block(0), "alice").await.unwrap());
    let alone = started(blocks.start(block(1), "alice").await.unwrap());
    let (t0, t1) = (&online[0].0, &online[1].0);

    // At the end, both leads end the first block at once; the relays' timers race them.
    let wait = end.duration_since(jiff::Timestamp::now());
    tokio::time::sleep(Duration::try_from(wait).unwrap_or_default()).await;
    let (sa, sb) = (
        alice_view.snapshot().await.unwrap(),
        bob_view.snapshot().await.unwrap(),
    );
    let (a, b) = tokio::join!(
        blocks.end(t0, &raced, "alice", false, &sa, &alice, None),
        blocks.end(t0, &raced, "bob", false, &sb, &bob, None),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let won = [&a, &b]
        .iter()
        .filter(|e| matches!(e, Ended::Wrote(_) | Ended::NoWrite(_)))
        .count();
    assert!(won <= 1, "two leads both won the end: {a:?} / {b:?}");
    // Both blocks end: the second by the relay alone, on time.
    let ended = wait_for(Duration::from_secs(5), async || {
        let r1 = blocks.get(t0).await.ok()??.0;
        let r2 = blocks.get(t1).await.ok()??.0;
        assert_eq!((&r1.id, &r2.id), (&raced, &alone));
        (r1.state == BlockState::Ended && r2.state == BlockState::Ended).then_some((r1, r2))
    })
    .await
    .expect("both blocks ended");
    let late = ended.1.ended_at.unwrap().duration_since(end);
    assert!(
        ended
            .1
            .ended_by
            .as_deref()
            .unwrap_or("")
            .starts_with("relay "),
        "{:?}",
        ended.1
    );
    assert!(late.as_secs_f64() < 2.0, "the relay ended it {late:?} late");
    eprintln!(
        "raced block ended by {:?} ({:?}); leads saw {a:?} / {b:?}; lone block ended by {:?} {} ms after its end",
        ended.0.ended_by,
        ended.0.result,
        ended.1.ended_by,
        late.as_millis()
    );
    // Exactly one back write per block at the simulator, and one audit entry each.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        away_writes(&w.sim),
        writes_before + 2,
        "one back write per block"
    );
    let log = tokio::task::spawn_blocking(move || alice_log.recent(50))
        .await
        .unwrap()
        .expect("the team log");
    for (_, name) in &online {
        let backs = log
            .iter()
            .filter(|e| e.action == format!("block over: set {name} back"))
            .count();
        assert_eq!(backs, 1, "audit entries setting {name} back: {log:#?}");
    }
    for r in relays {
        r.stop().await;
    }
}

/// Two leads planning over one inbox: while alice holds its rebalance lease, bob's plan is
/// refused naming her, nothing sent; once she is done, his plan runs.
/// Two leads start a block for the same teammate at the same instant, each through their own
/// relay request: exactly one is started (one running record in KV, the winner's), the other
/// is refused naming the winner; once it is over, a new block for that teammate starts again.
#[tokio::test(flavor = "multi_thread")]
async fn two_leads_starting_a_block_for_one_teammate_start_one() {
    use shiftlead::team::shared::{SharedBlocks, block_key};
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let (w, _relays) = Workspace::start(
        &nats,
        SimVendor::Intercom,
        "startrace",
        Duration::from_secs(1),
        false,
        2,
    )
    .await;
    let (alice_view, _, alice) = lead(&w, "alice").await;
    let (bob_view, _, _) = lead(&w, "bob").await;
    let snap = alice_view.snapshot().await.unwrap();
    let t = snap
        .teammates
        .iter()
        .find(|t| !t.presence.is_away())
        .expect("a teammate on the queue")
        .clone();
    let now = jiff::Timestamp::now();
    let block = |label: &str, secs: i64| shiftlead::domain::blocks::Block {
        teammate: t.id.clone(),
        name: t.name.clone(),
        reason: None,
        label: label.into(),
        start: now,
        end: now
            .checked_add(jiff::SignedDuration::from_secs(secs))
            .unwrap(),
        by: None,
    };
    let (a, b) = (
        alice_view.write_relay().unwrap(),
        bob_view.write_relay().unwrap(),
    );
    for round in 0..5 {
        let (ra, rb) = tokio::join!(
            a.start_block(block("Training", 3600)),
            b.start_block(block("Coaching", 3600)),
        );
        assert!(
            ra.is_ok() != rb.is_ok(),
            "round {round}: exactly one start wins: {ra:?} / {rb:?}"
        );
        let (winner, refusal) = match (&ra, &rb) {
            (Ok(()), Err(why)) => ("alice", why),
            (Err(why), Ok(())) => ("bob", why),
            _ => unreachable!(),
        };
        assert!(
            refusal.contains("has a block running already") && refusal.contains(winner),
            "round {round}: the refusal names the winner {winner}: {refusal}"
        );
        let blocks = SharedBlocks::new(w.buckets.blocks.clone());
        let running = blocks.running_of(&t.id).await.unwrap().expect("one block");
        assert_eq!(running.created_by, winner);
        let running: Vec<_> = blocks
            .list()
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.running())
            .collect();
        assert_eq!(running.len(), 1, "round {round}: {running:?}");
        assert!(
            w.buckets
                .blocks
                .get(block_key(&t.id))
                .await
                .unwrap()
                .is_some()
        );
        // End it (the teammate was never set away here, so no back write is due), then race
        // again: an ended block is replaced by CAS.
        let ended = a.end_block(&t.id).await.unwrap();
        assert!(ended.starts_with("block ended"), "{ended}");
        assert!(blocks.running_of(&t.id).await.unwrap().is_none());
    }
    drop(alice);
}

/// A lead who ran blocks solo (`blocks.json`) and starts in team mode hands them to the relay,
/// which ends them on time with no dashboard running; a second hand-over finds them there;
/// with no relay serving, they are kept for the next start.
#[tokio::test(flavor = "multi_thread")]
async fn solo_blocks_are_handed_to_the_relay_at_a_team_start() {
    use shiftlead::dashboard::hand_over_blocks;
    use shiftlead::team::shared::{BlockState, SharedBlocks};
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let (w, relays) = Workspace::start(
        &nats,
        SimVendor::Intercom,
        "handover",
        Duration::from_secs(1),
        false,
        1,
    )
    .await;
    let (view, _, _) = lead(&w, "alice").await;
    let snap = view.snapshot().await.unwrap();
    let t = snap.teammates[0].clone();
    let now = jiff::Timestamp::now();
    let solo = shiftlead::domain::blocks::Block {
        teammate: t.id.clone(),
        name: t.name.clone(),
        reason: None,
        label: "Training".into(),
        start: now,
        end: now
            .checked_add(jiff::SignedDuration::from_millis(1500))
            .unwrap(),
        by: None,
    };
    let relay = view.write_relay().unwrap();
    let (kept, line) = hand_over_blocks(relay.as_ref(), vec![solo.clone()]).await;
    assert!(kept.is_empty(), "{line}");
    assert!(
        line.starts_with("1 block(s) from solo mode handed"),
        "{line}"
    );
    let (kept, line) = hand_over_blocks(relay.as_ref(), vec![solo.clone()]).await;
    assert!(
        kept.is_empty() && line.contains("1 had a team block already"),
        "{line}"
    );
    let blocks = SharedBlocks::new(w.buckets.blocks.clone());
    let ended = wait_for(Duration::from_secs(5), async || {
        let r = blocks.get(&t.id).await.ok()??.0;
        (r.state == BlockState::Ended).then_some(r)
    })
    .await
    .expect("the relay ended the handed block");
    assert_eq!(ended.created_by, "alice");
    assert!(ended.ended_by.unwrap_or_default().starts_with("relay "));
    // A block from before blocks were keyed per teammate (at `b.<id>`) is still ended on time.
    let old = shiftlead::team::shared::BlockRecord {
        id: "legacy-1".into(),
        block: shiftlead::domain::blocks::Block {
            teammate: snap.teammates[1].id.clone(),
            name: snap.teammates[1].name.clone(),
            end: jiff::Timestamp::now(),
            ..solo.clone()
        },
        created_by: "bob".into(),
        state: BlockState::Active,
        ended_by: None,
        ending_at: None,
        ended_at: None,
        result: None,
    };
    w.buckets
        .blocks
        .put("b.legacy-1", serde_json::to_vec(&old).unwrap().into())
        .await
        .unwrap();
    wait_for(Duration::from_secs(5), async || {
        let e = w.buckets.blocks.get("b.legacy-1").await.ok()??;
        let r: shiftlead::team::shared::BlockRecord = serde_json::from_slice(&e).ok()?;
        (r.state == BlockState::Ended).then_some(())
    })
    .await
    .expect("the relay ended the legacy block");
    // No relay serving: nothing is lost.
    drop(relays);
    let (kept, line) = hand_over_blocks(relay.as_ref(), vec![solo.clone()]).await;
    assert_eq!(kept, vec![solo], "{line}");
    assert!(
        line.contains("1 kept in blocks.json, not ended until"),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_lead_rebalancing_the_same_inbox_is_refused_naming_the_holder() {
    use shiftlead::domain::actions::{self, Outcome};
    use shiftlead::team::shared::{LeaseRefused, RebalanceLeases};
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let (w, relays) = Workspace::start(
        &nats,
        SimVendor::Intercom,
        "rebal",
        Duration::from_secs(1),
        false,
        1,
    )
    .await;
    let (bob_view, _log, bob) = lead(&w, "bob").await;
    let snap = bob_view.snapshot().await.unwrap();
    // An inbox with two assigned conversations: bob's plan unassigns both.
    let mut by_inbox: std::collections::BTreeMap<_, Vec<_>> = Default::default();
    for c in snap.conversations.iter() {
        if let (Some(i), Some(_)) = (&c.inbox, &c.assignee) {
            by_inbox.entry(i.clone()).or_default().push(c.id.clone());
        }
    }
    let (inbox, ids) = by_inbox
        .into_iter()
        .find(|(_, ids)| ids.len() >= 2)
        .expect("an inbox with two assigned conversations");
    let plan = actions::plan_assign(&snap, &ids[..2], &actions::AssignTarget::UnassignTeammate);
    assert_eq!(plan.len(), 2);
    // Alice's dashboard holds the inbox's lease while her plan runs.
    let alice = RebalanceLeases::take(
        w.buckets.leases.clone(),
        std::slice::from_ref(&inbox),
        "alice",
    )
    .await
    .unwrap();
    // A second take (any lead) is refused with the holder.
    let again = RebalanceLeases::take(
        w.buckets.leases.clone(),
        std::slice::from_ref(&inbox),
        "carol",
    )
    .await;
    let Err(LeaseRefused::Held { holder, .. }) = &again else {
        panic!("{:?}", again.err())
    };
    assert_eq!(holder, "alice");
    let applied = w.sim.applied().len();
    let reports = bob.run_all(plan.clone(), false).await;
    for r in &reports {
        let Outcome::NotApplied { error } = &r.outcome else {
            panic!("{:?}", r.outcome)
        };
        assert!(
            error.contains("alice is rebalancing inbox") && error.contains("not sent"),
            "{error}"
        );
    }
    assert_eq!(w.sim.applied().len(), applied, "nothing sent");
    // Held past the bucket's max age (the relay lease, 3 s): renewed, still alice's.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let still = RebalanceLeases::take(
        w.buckets.leases.clone(),
        std::slice::from_ref(&inbox),
        "carol",
    )
    .await;
    assert!(matches!(still, Err(LeaseRefused::Held { .. })), "renewed");
    alice.release().await;
    let reports = bob.run_all(plan, false).await;
    assert!(
        reports.iter().all(|r| matches!(
            r.outcome,
            Outcome::Applied { .. } | Outcome::Conflict { .. }
        )),
        "{reports:?}"
    );
    assert!(w.sim.applied().len() > applied, "bob's plan ran");
    // Bob's lease is given up once his plan is done.
    let free = wait_for(Duration::from_secs(2), async || {
        RebalanceLeases::take(
            w.buckets.leases.clone(),
            std::slice::from_ref(&inbox),
            "carol",
        )
        .await
        .ok()
    })
    .await;
    assert!(free.is_some(), "bob's lease given up after his plan");
    for r in relays {
        r.stop().await;
    }
}

/// A child process killed (by its PID) when dropped.
struct Proc(std::process::Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const BIN: &str = env!("CARGO_BIN_EXE_shiftlead");
const TOKEN: &str = "team-copilot-token";

/// `shiftlead` with a private HOME.
fn cmd(home: &std::path::Path) -> std::process::Command {
    let mut c = std::process::Command::new(BIN);
    c.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("SHIFTLEAD_TEST_TOKEN", TOKEN)
        .env("SHIFTLEAD_WEBHOOK_SECRET", SECRET)
        .env_remove("SHIFTLEAD_CONFIG");
    c
}

/// Change-to-screen latency with the real binaries: `shiftlead simulate` (with or without
/// `--webhook`), `shiftlead relay` (refresh 5 s; `webhook_listen` when on), and a team
/// dashboard's own sync path in-process (the team view, `sync::run` every 5 s, woken by the
/// view's change notices). Each sample is a reassignment made through the simulator's API
/// (as in the helpdesk's own UI), timed until the dashboard's next model holds it.
/// `cargo test --release --test team_copilot change_to_screen -- --ignored --nocapture`
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark: prints figures for BENCHMARKS.md"]
async fn change_to_screen_latency() {
    let samples: usize = std::env::var("SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8);
    for (vendor, webhooks, n) in [
        (SimVendor::Intercom, true, samples),
        (SimVendor::Intercom, false, samples),
        (SimVendor::Zendesk, true, samples),
        (SimVendor::Zendesk, false, 2),
    ] {
        let Some(nats) = NatsServer::start() else {
            return;
        };
        let ms = measure(&nats, vendor, webhooks, n).await;
        let mut sorted = ms.clone();
        sorted.sort_unstable();
        let p = |q: f64| sorted[((sorted.len() as f64 - 1.0) * q).round() as usize];
        eprintln!(
            "{:8} webhooks {:3}: n={} p50 {} ms, max {} ms (all: {ms:?})",
            vendor.name(),
            if webhooks { "on" } else { "off" },
            ms.len(),
            p(0.5),
            p(1.0)
        );
    }
}

async fn measure(nats: &NatsServer, vendor: SimVendor, webhooks: bool, n: usize) -> Vec<u128> {
    use shiftlead::domain::Policy;
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let port = free_port();
    let hook = format!("http://127.0.0.1:{port}{}", shiftlead::team::hooks::PATH);
    let mut sim = cmd(home);
    sim.args(["simulate", "--listen", "127.0.0.1:0", "--token", TOKEN])
        .args(["--vendor", vendor.name()]);
    if webhooks {
        sim.args(["--webhook", &hook, "--webhook-secret", SECRET]);
    }
    let mut child = sim
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let sim_url = first.rsplit(' ').next().unwrap().to_owned();
    std::thread::spawn(move || for _ in lines {});
    let _sim = Proc(child);
    let backend = match vendor {
        SimVendor::Intercom => format!(
            "[backend]\nkind = \"intercom\"\nbase_url = \"{sim_url}\"\ntoken_env = \"SHIFTLEAD_TEST_TOKEN\"\n"
        ),
        SimVendor::Zendesk => format!(
            "[backend]\nkind = \"zendesk\"\nbase_url = \"{sim_url}\"\nauth = \"oauth\"\ntoken_env = \"SHIFTLEAD_TEST_TOKEN\"\n"
        ),
    };
    let listen = if webhooks {
        format!("webhook_listen = \"127.0.0.1:{port}\"\n")
    } else {
        String::new()
    };
    let cfg = home.join("relay.toml");
    std::fs::write(
        &cfg,
        format!(
            "{backend}[relay]\nnats_url = \"{}\"\nworkspace = \"bench\"\nlease = \"3s\"\nrefresh = \"5s\"\n{listen}",
            nats.url
        ),
    )
    .unwrap();
    let _relay = Proc(
        cmd(home)
            .arg("--config")
            .arg(&cfg)
            .args(["relay", "--id", "r1"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    // The team dashboard's sync path.
    let config = shiftlead::backend::team::TeamConfig {
        nats_url: nats.url.clone(),
        workspace: "bench".into(),
        lead: Some("alice".into()),
        stale_after: Duration::from_secs(15),
        timeout: Duration::from_secs(10),
        ..Default::default()
    };
    let view = wait_for(Duration::from_secs(20), async || {
        shiftlead::team::connect_view(&config).await.ok()
    })
    .await
    .expect("the relay published")
    .0;
    let view: Arc<dyn Helpdesk> = Arc::new(view);
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let now = Arc::new(tokio::sync::Notify::new());
    let policy = Policy::default();
    let poller = tokio::spawn(shiftlead::sync::run(
        view.clone(),
        policy,
        Duration::from_secs(5),
        tx,
        now.clone(),
    ));
    let forwarder = tokio::spawn(shiftlead::sync::forward_changes(view.clone(), now));
    let direct = Vendor::by_name(vendor.name())
        .unwrap()
        .simulator_client(
            sim_url.clone(),
            secrecy::SecretString::from(TOKEN.to_owned()),
            Duration::from_secs(10),
            clock(),
        )
        .unwrap();
    let mut out = Vec::new();
    let limit = Duration::from_secs(if webhooks { 10 } else { 120 });
    for i in 0..n {
        // Spread the writes over the poll's phase.
        tokio::time::sleep(Duration::from_millis((i as u64 * 1_370) % 5_000)).await;
        let s = loop {
            match rx.recv().await {
                Some(shiftlead::sync::SyncMsg::Snapshot { snapshot, .. }) => break *snapshot,
                Some(_) => continue,
                None => panic!("the sync task stopped"),
            }
        };
        // An open assigned conversation and another member of its inbox, on the queue.
        let pick = s.conversations.iter().find_map(|c| {
            let (inbox, from) = (c.inbox.as_ref()?, c.assignee.as_ref()?);
            if c.state.is_done() {
                return None;
            }
            let to = s.teammates.iter().find(|t| {
                &t.id != from
                    && !t.presence.is_away()
                    && t.memberships.iter().any(|(i, _)| i == inbox)
            })?;
            Some((c.id.clone(), to.id.clone()))
        });
        let Some((conv, to)) = pick else { continue };
        let t0 = Instant::now();
        if direct
            .assign(&conv, &AssignTarget::Teammate(to.clone()))
            .await
            .is_err()
        {
            continue;
        }
        let deadline = t0 + limit;
        let mut seen = None;
        while Instant::now() < deadline {
            let Ok(Some(msg)) = tokio::time::timeout_at(deadline.into(), rx.recv()).await else {
                break;
            };
            if let shiftlead::sync::SyncMsg::Snapshot { snapshot, .. } = msg
                && snapshot
                    .conversation(&conv)
                    .is_some_and(|c| c.assignee.as_ref() == Some(&to))
            {
                seen = Some(t0.elapsed().as_millis());
                break;
            }
        }
        match seen {
            Some(ms) => out.push(ms),
            None => eprintln!("sample {i}: not seen within {limit:?}"),
        }
    }
    poller.abort();
    forwarder.abort();
    out
}

/// The app's `b` in team mode: alice's dashboard blocks a teammate through the same keys as
/// solo mode; the block goes to the shared bucket (never `blocks.json`), bob's dashboard shows
/// it with who started it, alice's dashboard exits, and the relay sets the teammate back on
/// time with one audit entry naming alice. A second block ended early by bob goes through the
/// same compare-and-set: alice ending it after him writes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_block_started_with_b_ends_at_the_relay_after_the_dashboard_exits() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use shiftlead::app::{App, Effect, Overlay, View};
    use shiftlead::backend::{Budget, WriteRelay};
    use shiftlead::domain::Policy;
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let (w, relays) = Workspace::start(
        &nats,
        SimVendor::Intercom,
        "appblocks",
        Duration::from_secs(1),
        false,
        1,
    )
    .await;

    /// A dashboard's app over a lead's view, fed as the loop feeds it.
    async fn feed(app: &mut App, view: &Arc<dyn Helpdesk>, relay: &Arc<dyn WriteRelay>) {
        let mut snapshot = view.snapshot().await.unwrap();
        app.policy.apply(&mut snapshot);
        app.on_sync(
            shiftlead::sync::SyncMsg::Snapshot {
                delta: None,
                snapshot: Box::new(snapshot),
                took: Duration::from_millis(1),
                budget: Budget::default(),
                capabilities: Box::new(view.capabilities()),
            },
            jiff::Timestamp::now(),
        );
        app.on_shared_blocks(relay.blocks().expect("team mode shares its blocks"));
    }
    fn key(app: &mut App, code: KeyCode) {
        app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
    }
    /// Presses `b` on `who` (then Enter on the first length, `y` if asked) and runs the
    /// effects as the dashboard does; the shared blocks it asked for, and the lines it showed.
    async fn press_b(
        app: &mut App,
        exec: &shiftlead::writes::Executor,
        relay: &Arc<dyn WriteRelay>,
        who: &shiftlead::domain::TeammateId,
        block_for: Duration,
    ) -> Vec<String> {
        app.view = View::Teammate(who.clone());
        key(app, KeyCode::Char('b'));
        if matches!(app.overlay, Some(Overlay::Picker(_))) {
            key(app, KeyCode::Enter);
        }
        if matches!(app.overlay, Some(Overlay::Confirm(_))) {
            key(app, KeyCode::Char('y'));
        }
        let mut lines = Vec::new();
        loop {
            let effects = app.take_effects();
            if effects.is_empty() {
                return lines;
            }
            for e in effects {
                match e {
                    Effect::Run { plan, undo } => {
                        let reports = exec.run_all(plan, undo).await;
                        app.on_writes(reports, undo, jiff::Timestamp::now());
                    }
                    Effect::StartSharedBlock(mut block) => {
                        assert_eq!(
                            block.end.duration_since(block.start).as_mins(),
                            15,
                            "the first length on offer"
                        );
                        // The test's block is short; the path is the dashboard's.
                        block.end = block
                            .start
                            .checked_add(jiff::SignedDuration::try_from(block_for).unwrap())
                            .unwrap();
                        // Shown while the request is in flight: the watch, not having it yet,
                        // does not take it away.
                        app.on_shared_blocks(relay.blocks().unwrap());
                        assert!(
                            app.blocks.iter().any(|b| b.teammate == block.teammate),
                            "the block vanished before the relay had it"
                        );
                        relay.start_block(block).await.expect("block started");
                        lines.push("started".into());
                    }
                    Effect::EndSharedBlocks(ts) => {
                        for t in ts {
                            lines.push(relay.end_block(&t).await.unwrap_or_else(|e| e));
                        }
                    }
                    Effect::SaveBlocks(_) => panic!("team mode saved blocks.json"),
                    _ => {}
                }
            }
        }
    }

    let (alice_view, _alice_log, alice_exec) = lead(&w, "alice").await;
    let (bob_view, bob_log, bob_exec) = lead(&w, "bob").await;
    let alice_relay = alice_view.write_relay().unwrap();
    let bob_relay = bob_view.write_relay().unwrap();
    let mut alice = App::new(Policy::default(), Duration::from_secs(1), false);
    let mut bob = App::new(Policy::default(), Duration::from_secs(1), false);
    feed(&mut alice, &alice_view, &alice_relay).await;
    feed(&mut bob, &bob_view, &bob_relay).await;
    assert!(alice.blocks_shared && alice.blocks.is_empty());
    let snap = alice_view.snapshot().await.unwrap();
    let online: Vec<_> = snap
        .teammates
        .iter()
        .filter(|t| !t.presence.is_away())
        .map(|t| (t.id.clone(), t.name.clone()))
        .take(2)
        .collect();
    assert_eq!(online.len(), 2, "two teammates on the queue");
    let (ana, ana_name) = online[0].clone();

    // Alice blocks Ana with `b`: the away write runs at the relay, the block goes to KV.
    let lines = press_b(
        &mut alice,
        &alice_exec,
        &alice_relay,
        &ana,
        Duration::from_secs(3),
    )
    .await;
    assert_eq!(lines, ["started"], "{:?}", alice.message);
    let started = jiff::Timestamp::now();
    wait_for(Duration::from_secs(3), async || {
        let s = bob_view.snapshot().await.ok()?;
        s.teammate(&ana)
            .is_some_and(|t| t.presence.is_away())
            .then_some(())
    })
    .await
    .expect("Ana away in the published state");
    // Bob's dashboard shows the team's block, with who started it.
    let seen = wait_for(Duration::from_secs(2), async || {
        feed(&mut bob, &bob_view, &bob_relay).await;
        bob.blocks.iter().find(|b| b.teammate == ana).cloned()
    })
    .await
    .expect("bob's dashboard shows alice's block");
    assert_eq!(seen.by.as_deref(), Some("alice"));
    // A second block on Ana is refused, naming the first one's lead.
    let again = bob_relay.start_block(seen.clone()).await;
    assert!(
        again
            .as_ref()
            .is_err_and(|e| e.contains("started by alice")),
        "{again:?}"
    );
    // Alice's dashboard exits (no confirmation needed to quit: the relay ends the block).
    key(&mut alice, KeyCode::Char('q'));
    assert!(alice.quit, "quit at once: {:?}", alice.message);
    drop((alice, alice_exec, alice_relay, alice_view));

    // The relay sets Ana back on time with nobody's dashboard doing it.
    let back = wait_for(Duration::from_secs(8), async || {
        let s = bob_view.snapshot().await.ok()?;
        s.teammate(&ana)
            .is_some_and(|t| !t.presence.is_away())
            .then(jiff::Timestamp::now)
    })
    .await
    .expect("Ana set back by the relay");
    let took = back.duration_since(started).as_secs_f64();
    assert!(
        (2.5..6.0).contains(&took),
        "set back {took:.1}s after a 3 s block"
    );
    let log = {
        let log = bob_log.clone();
        tokio::task::spawn_blocking(move || log.recent(50))
            .await
            .unwrap()
            .unwrap()
    };
    let backs: Vec<_> = log
        .iter()
        .filter(|e| e.action == format!("block over: set {ana_name} back"))
        .collect();
    assert_eq!(backs.len(), 1, "{log:#?}");
    assert_eq!(backs[0].lead.as_deref(), Some("alice"));
    feed(&mut bob, &bob_view, &bob_relay).await;
    assert!(
        !bob.blocks.iter().any(|b| b.teammate == ana),
        "the ended block is gone from the team's blocks"
    );

    // Bob blocks Ben for a minute, then ends it early with `b` again: his end wins the CAS;
    // a late end from another lead writes nothing.
    let (ben, ben_name) = online[1].clone();
    let lines = press_b(
        &mut bob,
        &bob_exec,
        &bob_relay,
        &ben,
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(lines, ["started"]);
    wait_for(Duration::from_secs(2), async || {
        feed(&mut bob, &bob_view, &bob_relay).await;
        bob.blocks.iter().any(|b| b.teammate == ben).then_some(())
    })
    .await
    .expect("bob's block shown");
    let lines = press_b(&mut bob, &bob_exec, &bob_relay, &ben, Duration::ZERO).await;
    assert_eq!(lines, [format!("block ended: {ben_name} set back")]);
    let (carol_view, _carol_log, _carol_exec) = lead(&w, "carol").await;
    let late = carol_view.write_relay().unwrap().end_block(&ben).await;
    assert_eq!(late, Ok(format!("{ben} has no running block")));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = tokio::task::spawn_blocking(move || bob_log.recent(50))
        .await
        .unwrap()
        .unwrap();
    let ben_backs: Vec<_> = log
        .iter()
        .filter(|e| e.action == format!("block over: set {ben_name} back"))
        .collect();
    assert_eq!(ben_backs.len(), 1, "{log:#?}");
    assert_eq!(ben_backs[0].lead.as_deref(), Some("bob"));
    for r in relays {
        r.stop().await;
    }
}

/// The lead permissions the README's recipe gives (workspace `perm`): send their own writes
/// and block requests, read the buckets and the audit stream, hold rebalance leases; never
/// write the buckets or the stream.
fn lead_permissions(lead: &str) -> String {
    format!(
        r#"permissions: {{
      publish: {{ allow: ["sl.perm.cmd.{lead}.>", "$JS.API.INFO", "$JS.API.STREAM.INFO.*",
        "$JS.API.CONSUMER.CREATE.>", "$JS.API.CONSUMER.DELETE.>", "$JS.API.CONSUMER.INFO.>",
        "$JS.API.CONSUMER.MSG.NEXT.>", "$JS.API.DIRECT.GET.>", "$JS.API.STREAM.MSG.GET.*",
        "$JS.ACK.>", "$JS.FC.>", "$KV.sl_perm_leases.rebalance.>"] }}
      subscribe: {{ allow: ["_INBOX.>"] }}
    }}"#
    )
}

/// Each lead with their own NATS credentials against a server whose config defines them: a
/// relay user, alice by user and password (from a command), bob by an nkey seed file. Leads
/// read the workspace and send writes, but a lead's KV put or audit append is refused (no
/// forged state); the audit entry of a relayed write names the lead the server authenticated,
/// and alice claiming to be bob is refused by the server, nothing sent, nothing applied.
#[tokio::test(flavor = "multi_thread")]
async fn each_lead_with_their_own_credentials_cannot_forge_state_or_a_name() {
    use shiftlead::backend::team::TeamConfig;
    use shiftlead::domain::PresenceStatus;
    use shiftlead::domain::actions::{self, Outcome, PresenceChange};
    use shiftlead::team::AuthSource;
    let bob_key = nkeys::KeyPair::new_user();
    let auth = format!(
        r#"authorization {{
  users = [
    {{ user: relay, password: "relay-pw" }}
    {{ user: alice, password: "alice-pw", {} }}
    {{ nkey: "{}", {} }}
  ]
}}"#,
        lead_permissions("alice"),
        bob_key.public_key(),
        lead_permissions("bob"),
    );
    let Some(nats) = NatsServer::start_with(&auth) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bob_seed = dir.path().join("bob.nk");
    std::fs::write(&bob_seed, bob_key.seed().unwrap()).unwrap();

    // No credentials: refused at connect.
    let anon = Bus::connect(&settings(&nats.url, "perm", "anon")).await;
    assert!(anon.is_err(), "an anonymous client connected");

    // The relay, as user `relay` (password from its variable's command form).
    let mut config = SimConfig::demo_of(SimVendor::Intercom, clock());
    config.webhook = None;
    let sim = sim::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    sim.set_quiet(true);
    let relay_settings = shiftlead::team::bus_settings(
        &nats.url,
        "perm",
        AuthSource {
            user: Some("relay"),
            password_env: "SHIFTLEAD_TEST_UNSET_RELAY_PW",
            password_command: Some("printf relay-pw"),
            token_env: "SHIFTLEAD_TEST_UNSET_TOKEN",
            token_command: None,
            credentials: None,
            nkey_file: None,
        },
        "relay r0".into(),
    )
    .unwrap();
    assert!(
        !format!("{relay_settings:?}").contains("relay-pw"),
        "the password shows in Debug"
    );
    let backend = Vendor::Intercom
        .simulator_client(
            sim.base_url(),
            secrecy::SecretString::from(sim.token.clone()),
            Duration::from_secs(10),
            clock(),
        )
        .unwrap();
    let relay_bus = Bus::connect(&relay_settings).await.unwrap();
    let relay_audit = shiftlead::audit::Audit::open(&dir.path().join("audit.log")).unwrap();
    let r = Relay::new(
        relay_bus.clone(),
        backend,
        Some(relay_audit),
        clock(),
        RelaySettings {
            id: "r0".into(),
            lease: Duration::from_secs(3),
            refresh: Duration::from_secs(1),
        },
    )
    .await
    .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let relay_task = tokio::spawn(r.run(async move {
        let _ = stopped.await;
    }));
    let buckets = Buckets::open(&relay_bus, false, Duration::ZERO)
        .await
        .unwrap();
    wait_for(Duration::from_secs(15), async || {
        let v = buckets.meta.get(records::HEARTBEAT).await.ok()??;
        serde_json::from_slice::<Heartbeat>(&v)
            .ok()
            .filter(|b| b.polls > 0)
    })
    .await
    .expect("a first poll published");

    let team = |lead: Option<&str>| TeamConfig {
        nats_url: nats.url.clone(),
        workspace: "perm".into(),
        lead: lead.map(str::to_owned),
        stale_after: Duration::from_secs(5),
        timeout: Duration::from_secs(3),
        ..Default::default()
    };
    let alice_config = TeamConfig {
        user: Some("alice".into()),
        password_env: "SHIFTLEAD_TEST_UNSET_ALICE_PW".into(),
        password_command: Some("printf alice-pw".into()),
        ..team(None)
    };
    let bob_config = TeamConfig {
        nkey_file: Some(bob_seed.clone()),
        ..team(Some("bob"))
    };
    // A wrong password is refused at connect, with no secret in the error.
    let wrong = shiftlead::team::connect_view(&TeamConfig {
        password_command: Some("printf guess".into()),
        ..alice_config.clone()
    })
    .await;
    let why = wrong.err().expect("a wrong password connected").to_string();
    assert!(!why.contains("guess"), "{why}");

    let open = async |c: &TeamConfig| {
        let (view, log) = shiftlead::team::connect_view(c).await.unwrap();
        let view: Arc<dyn Helpdesk> = Arc::new(view);
        let exec = shiftlead::writes::Executor::new(view.clone(), None, clock(), false);
        (view, log, exec)
    };
    let (alice_view, alice_log, alice) = open(&alice_config).await;
    let (bob_view, _bob_log, bob) = open(&bob_config).await;
    // Both read the workspace.
    let snap = alice_view.snapshot().await.unwrap();
    assert!(!snap.teammates.is_empty());
    assert_eq!(
        bob_view.snapshot().await.unwrap().teammates.len(),
        snap.teammates.len()
    );

    // Alice cannot forge state: a KV put and an audit append are refused by the server.
    let alice_bus = Bus::connect(
        &shiftlead::team::bus_settings(
            &nats.url,
            "perm",
            AuthSource::of_team(&alice_config),
            "alice raw".into(),
        )
        .unwrap(),
    )
    .await
    .unwrap();
    let her = Buckets::open(&alice_bus, false, Duration::ZERO)
        .await
        .unwrap();
    let forged = her.convs.put("c.forged", b"{}".to_vec().into()).await;
    assert!(forged.is_err(), "a lead's KV put was accepted");
    let forged_block = her.blocks.put("b.forged", b"{}".to_vec().into()).await;
    assert!(forged_block.is_err(), "a lead's block put was accepted");
    assert!(buckets.convs.get("c.forged").await.unwrap().is_none());
    assert!(buckets.blocks.get("b.forged").await.unwrap().is_none());
    let appended = async {
        alice_bus
            .js
            .publish("sl.perm.audit.applied", b"{}".to_vec().into())
            .await?
            .await
    }
    .await;
    assert!(appended.is_err(), "a lead appended to the audit stream");

    // Relayed writes: the audit names who the server authenticated.
    let online: Vec<_> = snap
        .teammates
        .iter()
        .filter(|t| !t.presence.is_away())
        .map(|t| t.id.clone())
        .take(3)
        .collect();
    assert_eq!(online.len(), 3);
    let away = PresenceChange {
        status: PresenceStatus::Away,
        reason: None,
    };
    let plan = |i: usize| actions::plan_presence(&snap, &online[i], away.clone()).unwrap();
    let a = alice.run(plan(0), false).await;
    assert!(matches!(a.outcome, Outcome::Applied { .. }), "{a:?}");
    let b = bob.run(plan(1), false).await;
    assert!(matches!(b.outcome, Outcome::Applied { .. }), "{b:?}");
    let before = away_writes(&sim);

    // Alice claiming to be bob: her credentials may not send on bob's subject.
    let (mallory_view, _mlog, mallory) = open(&TeamConfig {
        lead: Some("bob".into()),
        ..alice_config.clone()
    })
    .await;
    let m = mallory.run(plan(2), false).await;
    match &m.outcome {
        Outcome::NotApplied { error } => {
            assert!(error.contains("refused"), "{error}");
            assert!(error.contains("nothing changed"), "{error}");
        }
        other => panic!("alice as bob: {other:?}"),
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        away_writes(&sim),
        before,
        "the forged write reached the helpdesk"
    );
    drop(mallory_view);

    let log = tokio::task::spawn_blocking(move || alice_log.recent(50))
        .await
        .unwrap()
        .unwrap();
    let lead_of = |label: &str| {
        log.iter()
            .filter(|e| e.action == label && e.outcome == "applied")
            .map(|e| e.lead.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        lead_of(&plan(0).label),
        [Some("alice".to_owned())],
        "{log:#?}"
    );
    assert_eq!(
        lead_of(&plan(1).label),
        [Some("bob".to_owned())],
        "{log:#?}"
    );
    assert!(
        log.iter().all(|e| e.action != plan(2).label),
        "the refused write was audited: {log:#?}"
    );
    let _ = stop.send(());
    let _ = relay_task.await;
}

/// A server with one token: the token from `token_command` connects, a wrong one is refused
/// (and the error does not carry it), none at all is refused.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_from_a_command_connects_and_a_wrong_one_is_refused() {
    use shiftlead::team::AuthSource;
    let Some(nats) = NatsServer::start_with("authorization { token: \"team-t0ken\" }") else {
        return;
    };
    let with = |command: Option<&'static str>| {
        shiftlead::team::bus_settings(
            &nats.url,
            "tok",
            AuthSource {
                user: None,
                password_env: "SHIFTLEAD_TEST_UNSET_PW",
                password_command: None,
                token_env: "SHIFTLEAD_TEST_UNSET_TOKEN",
                token_command: command,
                credentials: None,
                nkey_file: None,
            },
            "token test".into(),
        )
        .unwrap()
    };
    let good = with(Some("printf team-t0ken"));
    assert!(!format!("{good:?}").contains("team-t0ken"));
    Bus::connect(&good).await.expect("the right token connects");
    let wrong = Bus::connect(&with(Some("printf not-it"))).await;
    let why = wrong.err().expect("a wrong token connected").to_string();
    assert!(!why.contains("not-it"), "{why}");
    assert!(
        Bus::connect(&with(None)).await.is_err(),
        "no token connected"
    );
    // A command that fails is an error naming the key, not a silent anonymous connect.
    let failed = shiftlead::team::bus_settings(
        &nats.url,
        "tok",
        AuthSource {
            token_command: Some("exit 3"),
            ..AuthSource::of_team(&Default::default())
        },
        "token test".into(),
    );
    assert!(
        failed
            .as_ref()
            .is_err_and(|e| e.to_string().contains("token_command")),
        "{failed:?}"
    );
}

/// Where a team dashboard's cold start goes: `SL_COLD_N` conversations (default 20,000) put
/// straight into a bucket, then a fresh [`Mirror`]'s full state and the snapshot built from it,
/// timed apart. Run it at two sizes to see how it grows (BENCHMARKS.md).
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark: prints figures for BENCHMARKS.md"]
async fn cold_start_watch_figures() {
    use shiftlead::team::view::Mirror;
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let n: usize = std::env::var("SL_COLD_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let sim = sim::start(
        SimConfig::demo_of(SimVendor::Intercom, clock()),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let backend = Vendor::Intercom
        .simulator_client(
            sim.base_url(),
            secrecy::SecretString::from(sim.token.clone()),
            Duration::from_secs(10),
            clock(),
        )
        .unwrap();
    let template = backend
        .snapshot()
        .await
        .unwrap()
        .conversations
        .iter()
        .next()
        .cloned()
        .unwrap();
    let bus = Bus::connect(&settings(&nats.url, "cold", "bench"))
        .await
        .unwrap();
    let buckets = Buckets::open(&bus, true, Duration::from_secs(3))
        .await
        .unwrap();
    let started = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(2000) {
        let puts = chunk.iter().map(|i| {
            let mut c = template.clone();
            c.id = ConversationId::from(format!("{i}"));
            let value = serde_json::to_vec(&c).unwrap();
            let store = buckets.convs.clone();
            async move {
                store
                    .put(format!("{}{i}", records::CONV), value.into())
                    .await
            }
        });
        for r in futures::future::join_all(puts).await {
            r.unwrap();
        }
    }
    eprintln!("put {n} conversations in {:?}", started.elapsed());
    let started = Instant::now();
    let mirror = Mirror::start(&buckets);
    assert!(mirror.wait_ready(Duration::from_secs(300)).await);
    let watched = started.elapsed();
    let built = Instant::now();
    let held = mirror.with(|h| h.convs.len());
    let bad = mirror.with(|h| h.bad.iter().next().map(|(k, v)| format!("{k}: {v}")));
    assert_eq!(held, n, "{bad:?}");
    eprintln!(
        "cold start of {n} conversations: full state watched in {watched:?} (into the shared map), counted in {:?}",
        built.elapsed()
    );
}
