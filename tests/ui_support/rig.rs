//! A key-driven rig: the app state gets key events, its effects run through the real executor
//! against the simulator, and the results come back — as in the dashboard loop.

use super::now;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use secrecy::SecretString;
use shiftlead::app::{App, Effect, SyncMsg};
use shiftlead::audit::Audit;
use shiftlead::backend::intercom::{IntercomClient, IntercomSettings};
use shiftlead::backend::{Budget, Helpdesk};
use shiftlead::clock::Clock;
use shiftlead::clock::ManualClock;
use shiftlead::connect::demo_policy;
use shiftlead::domain::Policy;
use shiftlead::sim::{self, SimConfig, SimHandle};
use shiftlead::writes::Executor;
use std::sync::Arc;
use std::time::Duration;

/// The app, the simulator behind it, and the executor its effects run through.
pub struct Rig {
    pub app: App,
    pub sim: SimHandle,
    pub client: Arc<IntercomClient>,
    pub exec: Executor,
    pub audit: Arc<Audit>,
    pub _dir: tempfile::TempDir,
    /// The clock the simulator and the app run on.
    pub clock: ManualClock,
    /// The blocks the app last asked to persist.
    pub saved_blocks: Option<Vec<shiftlead::domain::blocks::Block>>,
    /// Handoffs asked for.
    pub handoffs: usize,
    /// Alerts sent.
    pub alerts: Vec<shiftlead::domain::alerts::Alert>,
}

/// The demo at [`now`], polled once.
pub async fn rig() -> Rig {
    let clock = ManualClock::new(now());
    let mut cfg = SimConfig::demo(Arc::new(clock.clone()));
    cfg.token = "keys".into();
    let mut policy = Policy::default();
    demo_policy(&mut policy, &cfg.scenario);
    let sim = sim::start(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let mut settings = IntercomSettings::new(sim.base_url(), SecretString::from("keys"), "demo")
        .with_clock(Arc::new(clock.clone()));
    settings.timeout = Duration::from_secs(1);
    let client = Arc::new(IntercomClient::new(settings).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let audit = Arc::new(Audit::open(&dir.path().join("audit.log")).unwrap());
    let exec = Executor::new(
        client.clone(),
        Some(audit.clone()),
        Arc::new(clock.clone()),
        false,
    );
    let app = App::new(policy, Duration::from_secs(5), true);
    let mut rig = Rig {
        app,
        sim,
        client,
        exec,
        audit,
        _dir: dir,
        clock,
        saved_blocks: None,
        handoffs: 0,
        alerts: Vec::new(),
    };
    rig.poll().await;
    rig
}

impl Rig {
    pub async fn poll(&mut self) {
        let mut snapshot = self.client.snapshot().await.unwrap();
        self.app.policy.apply(&mut snapshot);
        self.app.on_sync(
            SyncMsg::Snapshot {
                snapshot: Box::new(snapshot),
                took: Duration::from_millis(42),
                budget: Budget {
                    limit: Some(1000),
                    remaining: Some(990),
                    reset: None,
                },
                capabilities: Box::new(self.client.capabilities()),
            },
            self.clock.now(),
        );
    }

    pub fn keys(&mut self, keys: &str) {
        for c in keys.chars() {
            self.app
                .on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
    }

    pub fn key(&mut self, code: KeyCode) {
        self.app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
    }

    /// Runs queued effects the way the dashboard loop does.
    pub async fn settle(&mut self) {
        // Results can ask for more (a confirmed block asks to be saved), as in the loop.
        loop {
            let effects = self.app.take_effects();
            if effects.is_empty() {
                return;
            }
            for effect in effects {
                match effect {
                    Effect::Run { plan, undo } => {
                        let reports = self.exec.run_all(plan, undo).await;
                        self.app.on_writes(reports, undo, self.clock.now());
                    }
                    Effect::LoadAudit => self.app.on_audit(self.audit.recent(50)),
                    Effect::SaveBlocks(blocks) => self.saved_blocks = Some(blocks),
                    Effect::Handoff => self.handoffs += 1,
                    Effect::Alert(a) => self.alerts.push(a),
                }
            }
        }
    }

    pub fn message(&self) -> String {
        self.app.message.clone().unwrap_or_default()
    }
}
