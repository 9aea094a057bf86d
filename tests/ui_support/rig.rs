//! A key-driven rig: the app state gets key events, its effects run through the real executor
//! against the simulator, and the results come back — as in the dashboard loop.

use super::now;
use crate::support::subject::Subject;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use shiftlead::app::{App, Effect, SyncMsg};
use shiftlead::backend::{Budget, Helpdesk};
use shiftlead::clock::Clock;
use shiftlead::writes::Executor;
use std::sync::Arc;
use std::time::Duration;

/// The app, the subject behind it (the simulator, the client, the clock the simulator and the
/// app run on, the audit log), and the executor its effects run through.
pub struct Rig {
    pub app: App,
    pub subject: Subject,
    pub exec: Executor,
    /// The blocks the app last asked to persist.
    pub saved_blocks: Option<Vec<shiftlead::domain::blocks::Block>>,
    /// Handoffs asked for.
    pub handoffs: usize,
    /// Alerts sent.
    pub alerts: Vec<shiftlead::domain::alerts::Alert>,
    /// Escape sequences written to the terminal (OSC 52) and programs started on links.
    pub terminal: Vec<String>,
    /// Programs started on a link: (program, arguments).
    pub launched: Vec<(String, Vec<String>)>,
}

/// The demo at [`now`], polled once.
pub async fn rig() -> Rig {
    let subject = Subject::intercom()
        .start(now())
        .token("keys")
        .timeout(Duration::from_secs(1))
        .build()
        .await;
    let exec = subject.executor();
    let app = App::new(subject.demo_policy(), Duration::from_secs(5), true);
    let mut rig = Rig {
        app,
        subject,
        exec,
        saved_blocks: None,
        handoffs: 0,
        alerts: Vec::new(),
        terminal: Vec::new(),
        launched: Vec::new(),
    };
    rig.poll().await;
    rig
}

impl Rig {
    pub async fn poll(&mut self) {
        let s = &self.subject;
        let mut snapshot = s.backend.snapshot().await.unwrap();
        self.app.policy.apply(&mut snapshot);
        self.app.on_sync(
            SyncMsg::Snapshot {
                delta: None,
                snapshot: Box::new(snapshot),
                took: Duration::from_millis(42),
                budget: Budget {
                    limit: Some(1000),
                    remaining: Some(990),
                    reset: None,
                },
                capabilities: Box::new(s.backend.capabilities()),
            },
            s.clock.now(),
        );
    }

    /// The client, behind the trait.
    pub fn backend(&self) -> &Arc<dyn Helpdesk> {
        &self.subject.backend
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
                        self.app.on_writes(reports, undo, self.subject.clock.now());
                    }
                    Effect::LoadAudit => self.app.on_audit(self.subject.audit().recent(50)),
                    Effect::SaveBlocks(blocks) => self.saved_blocks = Some(blocks),
                    Effect::Handoff => self.handoffs += 1,
                    Effect::Alert(a) => self.alerts.push(a),
                    Effect::LoadConversation(id) => {
                        let link = self.subject.backend.conversation_link(&id);
                        self.app.on_conversation_link(&id, link);
                        let result = self.subject.backend.conversation_detail(&id).await;
                        let link = self.subject.backend.conversation_link(&id);
                        self.app
                            .on_conversation(&id, result.map_err(|e| e.to_string()), link);
                    }
                    Effect::Clipboard(seq) => self.terminal.push(seq),
                    Effect::OpenLink { program, args } => self.launched.push((program, args)),
                    // The trends view reads the history database: tests/history.rs.
                    Effect::LoadTrends(_) => {}
                    // Shared blocks live in team mode's KV: tests/team_copilot.rs.
                    Effect::StartSharedBlock(_) | Effect::EndSharedBlocks(_) => {}
                }
            }
        }
    }

    pub fn message(&self) -> String {
        self.app.message.clone().unwrap_or_default()
    }
}
