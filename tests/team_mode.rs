//! Team mode against a real nats-server (JetStream), one started per test on a free loopback
//! port with a temporary store (see `support::nats`), with the real binary as relays and
//! headless dashboards (`snapshot --json`) against `shiftlead simulate` processes.

mod support;

use serde_json::Value;
use shiftlead::team::bus::{Buckets, Bus, BusSettings};
use shiftlead::team::records::{self, Heartbeat, Lease};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::nats::{NatsServer, signal};

const BIN: &str = env!("CARGO_BIN_EXE_shiftlead");
const TOKEN: &str = "team-test-token";

fn settings(url: &str, ws: &str) -> BusSettings {
    BusSettings {
        url: url.to_owned(),
        workspace: ws.to_owned(),
        user: None,
        password: None,
        token: None,
        nkey: None,
        credentials: None,
        name: "test".into(),
    }
}

/// A child process killed (by its PID) when dropped.
struct Proc(Child);

impl Proc {
    fn pid(&self) -> u32 {
        self.0.id()
    }
    fn kill9(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        signal(self.0.id(), "-CONT");
        self.kill9();
    }
}

/// A private HOME for the processes (config, logs, audit file).
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn cmd(&self) -> Command {
        let mut c = Command::new(BIN);
        let h = self.dir.path();
        c.env("HOME", h)
            .env("XDG_CONFIG_HOME", h.join("config"))
            .env("XDG_DATA_HOME", h.join("data"))
            .env("XDG_STATE_HOME", h.join("state"))
            .env("SHIFTLEAD_TEST_TOKEN", TOKEN)
            .env_remove("SHIFTLEAD_CONFIG");
        c
    }
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
    /// The config of a relay (or a direct dashboard) on `sim`, publishing to `nats`.
    fn relay_config(&self, sim: &str, nats: &str, ws: &str) -> PathBuf {
        self.file(
            &format!("relay-{ws}.toml"),
            &format!(
                "[backend]\nkind = \"intercom\"\nbase_url = \"{sim}\"\ntoken_env = \"SHIFTLEAD_TEST_TOKEN\"\n\
                 [relay]\nnats_url = \"{nats}\"\nworkspace = \"{ws}\"\nlease = \"3s\"\nrefresh = \"1s\"\n"
            ),
        )
    }
    fn team_config(&self, nats: &str, ws: &str, lead: &str) -> PathBuf {
        self.file(
            &format!("team-{ws}-{lead}.toml"),
            &format!(
                "[backend]\nkind = \"team\"\nnats_url = \"{nats}\"\nworkspace = \"{ws}\"\nlead = \"{lead}\"\nstale_after = \"5s\"\ntimeout = \"10s\"\n"
            ),
        )
    }
    /// `shiftlead simulate` on a free port: (process, base URL).
    fn simulate(&self, extra: &[&str]) -> (Proc, String) {
        let mut child = self
            .cmd()
            .args(["simulate", "--listen", "127.0.0.1:0", "--token", TOKEN])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let mut lines = BufReader::new(out).lines();
        let first = lines.next().unwrap().unwrap();
        let url = first.rsplit(' ').next().unwrap().to_owned();
        // Keep draining so the simulator never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        (Proc(child), url)
    }
    fn relay(&self, config: &Path, id: &str) -> Proc {
        let child = self
            .cmd()
            .arg("--config")
            .arg(config)
            .args(["relay", "--id", id])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Proc(child)
    }
    /// `snapshot --json` as a headless dashboard.
    fn snapshot(&self, config: &Path) -> Result<Value, String> {
        let out = self
            .cmd()
            .arg("--config")
            .arg(config)
            .args(["snapshot", "--json"])
            .output()
            .unwrap();
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
    }
}

fn counts(v: &Value) -> (usize, usize, usize) {
    let s = &v["snapshot"];
    let n = |k: &str| s[k].as_array().map_or(0, Vec::len);
    (n("inboxes"), n("teammates"), n("conversations"))
}

/// API requests the simulator has served so far.
async fn api_requests(sim: &str) -> u64 {
    let stats: Value = reqwest::Client::new()
        .get(format!("{sim}/_sim/stats"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stats["requests"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(Value::as_u64)
        .sum()
}

async fn full_reads(sim: &str) -> u64 {
    let stats: Value = reqwest::Client::new()
        .get(format!("{sim}/_sim/stats"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stats["requests"]["GET /teams"].as_u64().unwrap_or(0)
}

async fn wait_for<T>(limit: Duration, mut f: impl AsyncFnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(v) = f().await {
            return Some(v);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

async fn holder(buckets: &Buckets) -> Option<String> {
    let v = buckets.leases.get(records::RELAY_LEASE).await.ok()??;
    serde_json::from_slice::<Lease>(&v).ok().map(|l| l.holder)
}

async fn heartbeat(buckets: &Buckets) -> Option<Heartbeat> {
    let v = buckets.meta.get(records::HEARTBEAT).await.ok()??;
    serde_json::from_slice(&v).ok()
}

fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> tokio::task::JoinHandle<T> {
    tokio::task::spawn_blocking(f)
}

#[tokio::test(flavor = "multi_thread")]
async fn connects_to_a_real_server_and_creates_the_workspace_buckets() {
    let Some(server) = NatsServer::start() else {
        return;
    };
    let bus = Bus::connect(&settings(&server.url, "acme")).await.unwrap();
    assert!(bus.is_connected());
    // A dashboard finds nothing before a relay has published.
    let missing = Buckets::open(&bus, false, Duration::from_secs(10)).await;
    let Err(e) = missing else {
        panic!("opened buckets nobody created")
    };
    assert!(e.to_string().contains("no relay has published"), "{e}");
    let b = Buckets::open(&bus, true, Duration::from_secs(10))
        .await
        .unwrap();
    b.meta.put("k", b"v".to_vec().into()).await.unwrap();
    // Opening again (a second relay, or a dashboard) finds the same buckets.
    let again = Buckets::open(&bus, false, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(again.meta.get("k").await.unwrap().unwrap().as_ref(), b"v");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_server_is_a_clear_error() {
    let e = Bus::connect(&settings("nats://127.0.0.1:1", "acme"))
        .await
        .err()
        .unwrap();
    assert!(
        e.to_string()
            .contains("cannot connect to the NATS server at nats://127.0.0.1:1"),
        "{e}"
    );
}

/// Two relays and five headless dashboards on one simulator: the dashboards agree with a
/// direct snapshot; the relay's API cost does not grow with them; kill -9 of the leader hands
/// the lease to the standby within lease + a third, and the dashboards stay fresh.
#[tokio::test(flavor = "multi_thread")]
async fn two_relays_five_dashboards_and_the_leader_killed() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let home = std::sync::Arc::new(Home::new());
    let (_sim, sim) = home.simulate(&[]);
    let relay_cfg = home.relay_config(&sim, &nats.url, "acme");
    let team_cfg = home.team_config(&nats.url, "acme", "alice");

    // One direct dashboard's cost over a window, then the same window behind the relay.
    let direct = {
        let (h, c) = (home.clone(), relay_cfg.clone());
        blocking(move || h.snapshot(&c)).await.unwrap().unwrap()
    };
    let mut r1 = home.relay(&relay_cfg, "r1");
    let bus = Bus::connect(&settings(&nats.url, "acme")).await.unwrap();
    let buckets = wait_for(Duration::from_secs(10), async || {
        Buckets::open(&bus, false, Duration::ZERO).await.ok()
    })
    .await
    .expect("the relay created the buckets");
    let first = wait_for(Duration::from_secs(10), async || {
        heartbeat(&buckets).await.filter(|b| b.polls > 0)
    })
    .await
    .expect("a heartbeat after a poll");
    assert_eq!(first.relay, "r1");
    let _r2 = home.relay(&relay_cfg, "r2");

    let before = api_requests(&sim).await;
    let t0 = Instant::now();
    let dashboards: Vec<_> = (0..5)
        .map(|_| {
            let (h, c) = (home.clone(), team_cfg.clone());
            blocking(move || h.snapshot(&c))
        })
        .collect();
    for d in dashboards {
        let v = d.await.unwrap().expect("a team snapshot");
        assert_eq!(counts(&v).0, counts(&direct).0, "inboxes");
        assert_eq!(counts(&v).1, counts(&direct).1, "teammates");
        // The simulated world moves between reads; conversations agree closely.
        let (a, b) = (counts(&v).2 as i64, counts(&direct).2 as i64);
        assert!((a - b).abs() <= 3, "conversations: team {a}, direct {b}");
    }
    let spent = api_requests(&sim).await - before;
    let secs = t0.elapsed().as_secs_f64().max(1.0);
    // Only the leader polls: about one incremental read (2 requests) per refresh second,
    // whatever the number of dashboards.
    assert!(
        (spent as f64) <= 4.0 * (secs + 1.0),
        "{spent} API requests in {secs:.1}s with five team dashboards"
    );

    // kill -9 the leader: the standby takes the lease and keeps the data fresh.
    let reads_before = full_reads(&sim).await;
    r1.kill9();
    let killed = Instant::now();
    let taken = wait_for(Duration::from_secs(10), async || {
        heartbeat(&buckets)
            .await
            .filter(|b| b.relay == "r2" && b.polls > 0)
    })
    .await
    .expect("r2 took over");
    let takeover = killed.elapsed();
    assert!(
        takeover <= Duration::from_secs(5),
        "takeover took {takeover:?} (lease 3s)"
    );
    assert_eq!(holder(&buckets).await.as_deref(), Some("r2"));
    eprintln!(
        "takeover after kill -9: {:.1}s; team list reads by the new leader: {}",
        takeover.as_secs_f64(),
        full_reads(&sim).await - reads_before
    );
    assert!(taken.polled_at.is_some());
    assert!(
        taken.resumed,
        "the standby took over without a full re-read"
    );
    assert!(!first.resumed, "the first relay had nothing to resume from");
    let (h, c) = (home.clone(), team_cfg.clone());
    let after = blocking(move || h.snapshot(&c))
        .await
        .unwrap()
        .expect("fresh after takeover");
    assert_eq!(counts(&after).1, counts(&direct).1);
    assert!(
        after["snapshot"]["workspace"]["backend"]
            .as_str()
            .unwrap()
            .contains("relay r2")
    );
}

fn team(nats: &str, ws: &str, lead: &str) -> shiftlead::backend::team::TeamConfig {
    shiftlead::backend::team::TeamConfig {
        nats_url: nats.to_owned(),
        workspace: ws.to_owned(),
        lead: Some(lead.to_owned()),
        stale_after: Duration::from_secs(5),
        timeout: Duration::from_secs(10),
        ..Default::default()
    }
}

type View = (
    std::sync::Arc<dyn shiftlead::backend::Helpdesk>,
    std::sync::Arc<dyn shiftlead::audit::Mirror>,
    shiftlead::writes::Executor,
);

/// A lead's dashboard in-process: the view, the team audit log, and an executor over it.
async fn lead(nats: &str, ws: &str, who: &str) -> View {
    let (view, audit) = shiftlead::team::connect_view(&team(nats, ws, who))
        .await
        .unwrap();
    let view: std::sync::Arc<dyn shiftlead::backend::Helpdesk> = std::sync::Arc::new(view);
    let clock: shiftlead::clock::SharedClock = std::sync::Arc::new(shiftlead::clock::SystemClock);
    let executor = shiftlead::writes::Executor::new(view.clone(), None, clock, false);
    (view, audit, executor)
}

async fn writes_applied(sim: &str) -> u64 {
    let stats: Value = reqwest::Client::new()
        .get(format!("{sim}/_sim/stats"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stats["writes_applied"].as_u64().unwrap_or(0)
}

/// A relay, its simulator and a bus client; waits for the first published poll.
async fn workspace(
    nats: &NatsServer,
    ws: &str,
) -> (std::sync::Arc<Home>, Proc, String, Proc, Buckets) {
    let home = std::sync::Arc::new(Home::new());
    let (sim_proc, sim) = home.simulate(&[]);
    let cfg = home.relay_config(&sim, &nats.url, ws);
    let relay = home.relay(&cfg, "r1");
    let bus = Bus::connect(&settings(&nats.url, ws)).await.unwrap();
    let buckets = wait_for(Duration::from_secs(10), async || {
        Buckets::open(&bus, false, Duration::ZERO).await.ok()
    })
    .await
    .expect("buckets");
    wait_for(Duration::from_secs(10), async || {
        heartbeat(&buckets).await.filter(|b| b.polls > 0)
    })
    .await
    .expect("a first poll");
    (home, sim_proc, sim, relay, buckets)
}

/// A write from one lead runs at the relay (re-read, write, confirm) and lands in the team's
/// audit log under that lead's name; another lead undoes it through the same checks.
#[tokio::test(flavor = "multi_thread")]
async fn writes_run_at_the_relay_and_the_team_log_names_each_lead() {
    use shiftlead::domain::actions::{self, Outcome};
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let (_home, _sim_proc, sim, _relay, _buckets) = workspace(&nats, "acme").await;
    let (alice_view, alice_log, alice) = lead(&nats.url, "acme", "alice").await;
    let (bob_view, bob_log, bob) = lead(&nats.url, "acme", "bob").await;
    let snap = alice_view.snapshot().await.unwrap();
    let conv = snap
        .conversations
        .iter()
        .find(|c| c.assignee.is_some())
        .expect("an assigned conversation");
    let to = snap
        .teammates
        .iter()
        .find(|t| Some(&t.id) != conv.assignee.as_ref())
        .unwrap();
    let plan = actions::plan_assign(
        &snap,
        std::slice::from_ref(&conv.id),
        &actions::AssignTarget::Teammate(to.id.clone()),
    );
    // Bob's dashboard refreshes: the full state first (derived afresh), then deltas.
    let policy = shiftlead::domain::Policy::default();
    let first = bob_view.refresh(&policy).await.unwrap();
    assert!(first.delta.is_none(), "the first refresh derives afresh");
    let applied_before = writes_applied(&sim).await;
    let report = alice.run(plan[0].clone(), false).await;
    let Outcome::Applied { after } = &report.outcome else {
        panic!("{:?}", report.outcome)
    };
    assert_eq!(writes_applied(&sim).await, applied_before + 1);
    // Bob sees it (the relay published the change) and undoes it.
    let seen = wait_for(Duration::from_secs(5), async || {
        let s = bob_view.snapshot().await.ok()?;
        let c = s.conversation(&conv.id)?;
        (c.assignee.as_ref() == Some(&to.id)).then_some(s)
    })
    .await
    .expect("bob sees alice's write");
    // The watch's change reaches his refresh as a delta naming it, over the same model.
    let next = bob_view.refresh(&policy).await.unwrap();
    let delta = next.delta.expect("a delta from the watch");
    assert!(delta.changed.contains(&conv.id), "{delta:?}");
    assert!(
        delta.changed.len() + delta.removed.len() < 20,
        "only what changed: {delta:?}"
    );
    let mut full = bob_view.snapshot().await.unwrap();
    policy.apply(&mut full);
    assert_eq!(next.snapshot.conversations, full.conversations);
    assert_eq!(next.snapshot.teammates, full.teammates);
    let undo = actions::plan_undo(&seen, &report.planned, after).expect("an undo");
    let undone = bob.run(undo, true).await;
    assert!(
        matches!(undone.outcome, Outcome::Applied { .. }),
        "{:?}",
        undone.outcome
    );
    // One log for the team, read by either lead, naming who did what.
    let log = tokio::task::spawn_blocking(move || alice_log.recent(10))
        .await
        .unwrap()
        .expect("the team log");
    let who: Vec<(Option<&str>, &str, bool)> = log
        .iter()
        .map(|e| (e.lead.as_deref(), e.outcome.as_str(), e.undo))
        .collect();
    assert_eq!(
        who,
        vec![
            (Some("alice"), "applied", false),
            (Some("bob"), "applied", true)
        ]
    );
    let same = tokio::task::spawn_blocking(move || bob_log.recent(10))
        .await
        .unwrap()
        .expect("the team log");
    assert_eq!(same, log);
    drop(bob_view);
}

/// nats-server stopped: the view keeps the last data and says why; a write is refused (not
/// sent, nothing applied, not applied later either); after a restart on the same store the
/// watches resume and writes work again.
#[tokio::test(flavor = "multi_thread")]
async fn the_bus_stopped_and_restarted() {
    use shiftlead::domain::actions::{self, Outcome};
    let Some(mut nats) = NatsServer::start() else {
        return;
    };
    let (_home, _sim_proc, sim, _relay, _buckets) = workspace(&nats, "acme").await;
    let (view, _log, exec) = lead(&nats.url, "acme", "alice").await;
    let snap = view.snapshot().await.unwrap();
    let conv = snap
        .conversations
        .iter()
        .find(|c| c.assignee.is_some())
        .unwrap();
    let plan = actions::plan_assign(
        &snap,
        std::slice::from_ref(&conv.id),
        &actions::AssignTarget::UnassignTeammate,
    );
    let applied = writes_applied(&sim).await;

    nats.stop();
    let why = wait_for(Duration::from_secs(5), async || view.snapshot().await.err())
        .await
        .expect("the view notices the bus is gone");
    assert!(why.to_string().contains("unreachable"), "{why}");
    let report = exec.run(plan[0].clone(), false).await;
    let Outcome::NotApplied { error } = &report.outcome else {
        panic!("{:?}", report.outcome)
    };
    assert!(
        error.contains("the bus") && error.contains("not sent"),
        "{error}"
    );

    nats.restart();
    let back = wait_for(Duration::from_secs(15), async || view.snapshot().await.ok())
        .await
        .expect("the view resumes after the restart");
    assert_eq!(back.teammates.len(), snap.teammates.len());
    // The refused write never landed, not even after the bus came back.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(writes_applied(&sim).await, applied);
    let report = exec.run(plan[0].clone(), false).await;
    assert!(
        matches!(
            report.outcome,
            Outcome::Applied { .. } | Outcome::Conflict { .. }
        ),
        "{:?}",
        report.outcome
    );
}

/// kill -STOP of the leading relay (a partition): the standby takes over; on kill -CONT the
/// old leader's renewal fails and it stops (no heartbeat of its own any more).
#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_leader_loses_the_lease_and_stays_quiet() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let (home, _sim_proc, sim, r1, buckets) = workspace(&nats, "acme").await;
    let cfg = home.relay_config(&sim, &nats.url, "acme");
    let _r2 = home.relay(&cfg, "r2");
    tokio::time::sleep(Duration::from_millis(500)).await;
    signal(r1.pid(), "-STOP");
    wait_for(Duration::from_secs(10), async || {
        heartbeat(&buckets)
            .await
            .filter(|b| b.relay == "r2" && b.polls > 0)
    })
    .await
    .expect("r2 takes over from the stopped r1");
    signal(r1.pid(), "-CONT");
    // For two lease periods after r1 wakes, every heartbeat is r2's.
    let deadline = Instant::now() + Duration::from_secs(6);
    while Instant::now() < deadline {
        let b = heartbeat(&buckets).await.unwrap();
        assert_eq!(b.relay, "r2", "the woken old leader still acts as leader");
        assert_eq!(holder(&buckets).await.as_deref(), Some("r2"));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A lead with `[fallback]` (their own vendor token) keeps fresh data while the relay is
/// quiet (`kill -STOP`): `snapshot --json` reads the helpdesk directly and says so, where a
/// lead without one gets the relay's error; a dashboard's refresh goes direct after its
/// jittered wait, hands out no delta across the switch, and reads through the relay again
/// once it answers.
#[tokio::test(flavor = "multi_thread")]
async fn a_fallback_token_polls_directly_while_the_relay_is_quiet() {
    use shiftlead::backend::Helpdesk;
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let (home, _sim_proc, sim, relay, _buckets) = workspace(&nats, "fb").await;
    let plain = home.team_config(&nats.url, "fb", "alice");
    let with_fallback = home.file(
        "team-fallback.toml",
        &format!(
            "{}[fallback]\nkind = \"intercom\"\nbase_url = \"{sim}\"\ntoken_env = \"SHIFTLEAD_TEST_TOKEN\"\n",
            std::fs::read_to_string(&plain).unwrap()
        ),
    );
    let through = home.snapshot(&with_fallback).expect("through the relay");
    let backend = |v: &Value| {
        v["snapshot"]["workspace"]["backend"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(
        backend(&through).contains("team via relay r1"),
        "{}",
        backend(&through)
    );

    // In-process, as a dashboard's sync task refreshes.
    let (view, _) = shiftlead::team::connect_view(&team(&nats.url, "fb", "alice"))
        .await
        .unwrap();
    let clock: shiftlead::clock::SharedClock = std::sync::Arc::new(shiftlead::clock::SystemClock);
    let direct = shiftlead::backend::Vendor::Intercom
        .simulator_client(
            sim.clone(),
            secrecy::SecretString::from(TOKEN.to_owned()),
            Duration::from_secs(10),
            clock,
        )
        .unwrap();
    let stale = Duration::from_secs(5);
    let dash = shiftlead::team::fallback::Fallback::new(std::sync::Arc::new(view), direct, stale);
    let policy = shiftlead::domain::Policy::default();
    assert!(dash.refresh(&policy).await.unwrap().delta.is_none());
    assert!(dash.refresh(&policy).await.unwrap().delta.is_some());
    assert!(!dash.is_direct());

    signal(relay.pid(), "-STOP");
    tokio::time::sleep(stale + Duration::from_secs(1)).await;
    let quiet = home
        .snapshot(&plain)
        .expect_err("no fallback: the relay's error");
    assert!(quiet.contains("quiet"), "{quiet}");
    let direct_snap = home.snapshot(&with_fallback).expect("directly");
    assert!(
        backend(&direct_snap).contains("direct (relay quiet)"),
        "{}",
        backend(&direct_snap)
    );
    let warnings = direct_snap["snapshot"]["warnings"].to_string();
    assert!(
        warnings.contains("polling") && warnings.contains("your own token"),
        "{warnings}"
    );
    assert_eq!(counts(&direct_snap), counts(&through));

    let before = api_requests(&sim).await;
    let switched = wait_for(Duration::from_secs(5), async || {
        match dash.refresh(&policy).await {
            Ok(r) if dash.is_direct() => Some(r),
            _ => {
                tokio::time::sleep(Duration::from_millis(200)).await;
                None
            }
        }
    })
    .await
    .expect("direct within the jitter (≤ stale_after / 2)");
    assert!(switched.delta.is_none(), "no delta across the switch");
    assert!(api_requests(&sim).await > before, "read from the helpdesk");
    assert_eq!(switched.snapshot.teammates.len(), counts(&through).1);

    signal(relay.pid(), "-CONT");
    let back = wait_for(Duration::from_secs(15), async || {
        match dash.refresh(&policy).await {
            Ok(r) if !dash.is_direct() => Some(r),
            _ => {
                tokio::time::sleep(Duration::from_millis(300)).await;
                None
            }
        }
    })
    .await
    .expect("through the relay again");
    assert!(back.delta.is_none(), "no delta across the switch back");
    assert!(back.snapshot.workspace.backend.contains("team via relay"));
}
