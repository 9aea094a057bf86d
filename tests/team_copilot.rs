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
        Some(c.assignee.map(|a| a.0))
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
