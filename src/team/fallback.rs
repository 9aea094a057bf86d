//! A team dashboard that may poll the helpdesk itself: [`Fallback`] reads through the relay's
//! [`TeamView`] while it is healthy, and — when the lead configured `[fallback]` with their
//! own vendor token — polls the vendor directly (incrementally, through the vendor's own
//! cached client) once the view says the relay or the bus is quiet (the relay's heartbeat
//! older than `stale_after`, or the bus down), after a random delay of up to half of
//! `stale_after` (so the dashboards of one team, which all notice the same outage, do not all
//! start a full read in the same second). A one-shot snapshot (`snapshot --json`) goes
//! direct at once. The status line says which it is. Writes stay
//! at the relay: they carry the team's audit and locks, and are refused with a clear message
//! while it is away.

use super::view::TeamView;
use crate::backend::{
    Ack, AssignTarget, BackendError, Budget, Helpdesk, MemberChange, PresenceChange, WriteRelay,
};
use crate::domain::{
    Capabilities, Conversation, ConversationId, Inbox, InboxId, Policy, Refresh, Snapshot,
    Teammate, TeammateId,
};
use async_trait::async_trait;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The relay's view, and the lead's own client for when it is quiet.
pub struct Fallback {
    view: Arc<TeamView>,
    direct: Arc<dyn Helpdesk>,
    /// How long a dashboard waits, once the relay is quiet, before polling directly.
    jitter: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Since when the relay has been quiet (the first failed refresh).
    quiet_since: Option<Instant>,
    /// Polling directly now.
    direct: bool,
    /// Where the last refresh handed out came from (`true`: direct): a delta is relative to
    /// its own source's previous model, so a switch hands out none.
    handed_direct: Option<bool>,
}

impl Fallback {
    /// Over `view`, falling back to `direct` up to `stale_after / 2` (at random) after the
    /// view first says the relay is quiet.
    pub fn new(view: Arc<TeamView>, direct: Arc<dyn Helpdesk>, stale_after: Duration) -> Self {
        let jitter = (stale_after / 2).mul_f64(rand::random::<f64>());
        Fallback {
            view,
            direct,
            jitter,
            state: Mutex::new(State::default()),
        }
    }

    /// `true` while polling the helpdesk directly.
    pub fn is_direct(&self) -> bool {
        self.lock().direct
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// After a failed read through the relay: whether to poll directly now.
    fn quiet(&self) -> bool {
        let mut s = self.lock();
        let since = *s.quiet_since.get_or_insert_with(Instant::now);
        let due = since.elapsed() >= self.jitter;
        if due && !s.direct {
            tracing::warn!("team: the relay is quiet; polling the helpdesk directly");
            s.direct = true;
        }
        s.direct
    }

    fn healthy(&self) {
        let mut s = self.lock();
        if s.direct {
            tracing::info!("team: the relay is back; reading through it again");
        }
        s.direct = false;
        s.quiet_since = None;
    }

    /// Hands out `r`, read directly or not: without its delta when the last one came from
    /// the other source.
    fn hand_out(&self, mut r: Refresh, direct: bool) -> Refresh {
        let mut s = self.lock();
        if s.handed_direct.replace(direct) != Some(direct) {
            r.delta = None;
        }
        r
    }

    fn note(&self, why: &BackendError, snapshot: &mut Snapshot) {
        // The view's reason without its "showing the last data" tail: that is not so now.
        let why = match why {
            BackendError::Network(w) => w.split(": showing").next().unwrap_or(w).to_owned(),
            other => other.to_string(),
        };
        snapshot.warnings.push(format!(
            "{why}: polling {} directly with your own token",
            snapshot.workspace.backend
        ));
        snapshot.workspace.backend =
            format!("{} · direct (relay quiet)", snapshot.workspace.backend);
    }
}

#[async_trait]
impl Helpdesk for Fallback {
    fn capabilities(&self) -> Capabilities {
        self.view.capabilities()
    }

    fn budget(&self) -> Budget {
        if self.is_direct() {
            self.direct.budget()
        } else {
            self.view.budget()
        }
    }

    async fn snapshot(&self) -> Result<Snapshot, BackendError> {
        match self.view.snapshot().await {
            Ok(s) => {
                self.healthy();
                Ok(s)
            }
            Err(e) => {
                let mut s = self.direct.snapshot().await?;
                self.note(&e, &mut s);
                Ok(s)
            }
        }
    }

    /// Through the relay while it answers; directly once it has been quiet long enough. A
    /// switch either way hands the app another model, which it derives afresh.
    async fn refresh(&self, policy: &Policy) -> Result<Refresh, BackendError> {
        match self.view.refresh(policy).await {
            Ok(r) => {
                self.healthy();
                Ok(self.hand_out(r, false))
            }
            Err(e) if self.quiet() => {
                let mut r = self.direct.refresh(policy).await?;
                self.note(&e, &mut r.snapshot);
                Ok(self.hand_out(r, true))
            }
            Err(e) => Err(e),
        }
    }

    async fn conversation(&self, id: &ConversationId) -> Result<Conversation, BackendError> {
        if self.is_direct() {
            return self.direct.conversation(id).await;
        }
        self.view.conversation(id).await
    }

    async fn conversation_detail(
        &self,
        id: &ConversationId,
    ) -> Result<crate::domain::detail::ConversationDetail, BackendError> {
        if self.is_direct() {
            return self.direct.conversation_detail(id).await;
        }
        self.view.conversation_detail(id).await
    }

    fn conversation_link(&self, id: &ConversationId) -> Option<String> {
        self.view
            .conversation_link(id)
            .or_else(|| self.direct.conversation_link(id))
    }

    async fn teammate(&self, id: &TeammateId) -> Result<Teammate, BackendError> {
        if self.is_direct() {
            return self.direct.teammate(id).await;
        }
        self.view.teammate(id).await
    }

    async fn inbox(&self, id: &InboxId) -> Result<Inbox, BackendError> {
        if self.is_direct() {
            return self.direct.inbox(id).await;
        }
        self.view.inbox(id).await
    }

    async fn assign(&self, id: &ConversationId, to: &AssignTarget) -> Result<Ack, BackendError> {
        self.view.assign(id, to).await
    }

    async fn set_presence(
        &self,
        id: &TeammateId,
        change: &PresenceChange,
    ) -> Result<Ack, BackendError> {
        self.view.set_presence(id, change).await
    }

    async fn change_membership(
        &self,
        inbox: &InboxId,
        teammate: &TeammateId,
        change: MemberChange,
    ) -> Result<Ack, BackendError> {
        self.view.change_membership(inbox, teammate, change).await
    }

    fn write_relay(&self) -> Option<Arc<dyn WriteRelay>> {
        self.view.write_relay()
    }

    fn changed(&self) -> Option<Arc<tokio::sync::Notify>> {
        self.view.changed()
    }
}
