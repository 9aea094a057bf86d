//! The relay's webhook receiver: `POST /webhook` on `[relay] webhook_listen` (`HEAD` answers
//! 200 for the vendors' URL checks). A delivery is verified against the raw body with the
//! backend vendor's format (constant-time HMAC), refused 401 when unsigned, forged or
//! outside the replay window, and 409 when its delivery id was already taken (ids live in KV
//! bucket `sl_<ws>_hooks` for twice the window, created by compare-and-set, so two relays
//! behind one URL take a delivery once). A good one is published as a prompt on
//! `sl.<ws>.hook`; the leading relay re-reads what it names and publishes it at once, and
//! polling goes on to reconcile (webhooks are lossy). 503 while the bus is down, so the
//! vendor retries. The secret is never logged.

use super::bus::Bus;
use super::{TeamError, key_part};
use crate::backend::webhook::{Hook, WebhookError, WebhookFormat};
use crate::clock::SharedClock;
use async_nats::jetstream::kv;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use secrecy::{ExposeSecret, SecretString};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// The receiver's path.
pub const PATH: &str = "/webhook";

/// Largest body taken (vendors send a few KiB).
pub const MAX_BODY: usize = 1024 * 1024;

/// How the receiver runs.
#[derive(Clone)]
pub struct HookSettings {
    /// Where to listen.
    pub listen: SocketAddr,
    /// The signing secret.
    pub secret: SecretString,
    /// The replay window (either way).
    pub window: Duration,
    /// The vendor's format.
    pub format: &'static WebhookFormat,
}

impl std::fmt::Debug for HookSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HookSettings")
            .field("listen", &self.listen)
            .field("secret", &"[redacted]")
            .field("window", &self.window)
            .finish()
    }
}

/// The subject prompts are published on.
pub fn prompt_subject(bus: &Bus) -> String {
    format!("sl.{}.hook", bus.names.workspace())
}

struct Receiver {
    bus: Bus,
    seen: kv::Store,
    settings: HookSettings,
    clock: SharedClock,
}

/// A running receiver; dropping it stops it.
pub struct Listening {
    /// Where it listens.
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Creates the delivery-id bucket and starts listening.
pub async fn listen(
    bus: Bus,
    settings: HookSettings,
    clock: SharedClock,
) -> Result<Listening, TeamError> {
    let memory = settings.window * 2 + Duration::from_secs(60);
    let seen = bus
        .bucket(
            "hooks",
            Some(kv::Config {
                history: 1,
                max_age: memory,
                storage: async_nats::jetstream::stream::StorageType::File,
                ..Default::default()
            }),
        )
        .await?;
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|e| TeamError::Webhooks(format!("cannot listen on {}: {e}", settings.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| TeamError::Webhooks(e.to_string()))?;
    let receiver = Arc::new(Receiver {
        bus,
        seen,
        settings,
        clock,
    });
    let app = Router::new()
        .route(PATH, post(receive).head(|| async { StatusCode::OK }))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(receiver);
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "webhook receiver stopped");
        }
    });
    tracing::info!(%addr, "relay: receiving webhooks on {PATH}");
    Ok(Listening { addr, task })
}

/// What the receiver decided about one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Taken: published as a prompt.
    Taken(Hook),
    /// Refused: not signed right, stale, or unreadable.
    Refused(WebhookError),
    /// Its delivery id was taken before.
    Replayed(String),
    /// The bus could not take it (the vendor should retry).
    Unavailable(String),
}

impl Verdict {
    fn answer(&self) -> (StatusCode, String) {
        match self {
            Verdict::Taken(h) => (StatusCode::OK, format!("taken: {}\n", h.delivery)),
            Verdict::Refused(e) => (
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNAUTHORIZED),
                format!("refused: {e}\n"),
            ),
            Verdict::Replayed(id) => (
                StatusCode::CONFLICT,
                format!("refused: delivery {id} was already taken (a replay)\n"),
            ),
            Verdict::Unavailable(why) => (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the relay cannot take webhooks now: {why}\n"),
            ),
        }
    }
}

async fn receive(
    State(r): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let verdict = decide(&r, &headers, &body).await;
    match &verdict {
        Verdict::Taken(h) => {
            tracing::debug!(delivery = %h.delivery, topic = %h.topic, "webhook taken")
        }
        other => tracing::warn!(verdict = ?other, "webhook refused"),
    }
    verdict.answer()
}

async fn decide(r: &Receiver, headers: &HeaderMap, body: &[u8]) -> Verdict {
    let s = &r.settings;
    let secret = s.secret.expose_secret().as_bytes();
    let hook = match (s.format.verify)(headers, body, secret, r.clock.now(), s.window) {
        Ok(h) => h,
        Err(e) => return Verdict::Refused(e),
    };
    if !r.bus.is_connected() {
        return Verdict::Unavailable(format!("the bus ({}) is down", r.bus.url()));
    }
    let key = format!("d.{}", key_part(&hook.delivery));
    match r.seen.create(&key, Bytes::new()).await {
        Ok(_) => {}
        Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => {
            return Verdict::Replayed(hook.delivery);
        }
        Err(e) => return Verdict::Unavailable(format!("delivery ids: {e}")),
    }
    let body = match serde_json::to_vec(&hook) {
        Ok(b) => b,
        Err(e) => return Verdict::Unavailable(e.to_string()),
    };
    if let Err(e) = r
        .bus
        .client
        .publish(prompt_subject(&r.bus), body.into())
        .await
    {
        return Verdict::Unavailable(e.to_string());
    }
    Verdict::Taken(hook)
}
