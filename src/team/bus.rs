//! The connection to NATS: credentials, quick detection of a dead or hung server (5 s pings),
//! the server-version check (2.10 or newer), and the workspace's buckets and streams.

use super::{Names, TeamError};
use async_nats::jetstream::{self, kv};
use secrecy::{ExposeSecret, SecretString};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The oldest server team mode runs on: older ones lack `reserved_*` in account info (so
/// async-nats cannot create buckets) and silently ignore 2.10 options.
pub const MIN_SERVER: (u64, u64, u64) = (2, 10, 0);

/// How often the client pings: a hung server (or a partition) is noticed within ~2 pings.
pub const PING: Duration = Duration::from_secs(5);

/// How to reach the bus.
#[derive(Clone)]
pub struct BusSettings {
    /// `nats://host:port`.
    pub url: String,
    /// The workspace.
    pub workspace: String,
    /// NATS user.
    pub user: Option<String>,
    /// Its password.
    pub password: Option<SecretString>,
    /// A token (a server with `authorization { token }`).
    pub token: Option<SecretString>,
    /// An nkey seed.
    pub nkey: Option<SecretString>,
    /// A credentials file instead.
    pub credentials: Option<PathBuf>,
    /// The connection's name, as the server's monitoring shows it.
    pub name: String,
}

impl std::fmt::Debug for BusSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BusSettings")
            .field("url", &self.url)
            .field("workspace", &self.workspace)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("nkey", &self.nkey.as_ref().map(|_| "[redacted]"))
            .field("credentials", &self.credentials)
            .field("name", &self.name)
            .finish()
    }
}

/// A connected bus with the workspace's JetStream handles.
#[derive(Clone)]
pub struct Bus {
    /// The core client.
    pub client: async_nats::Client,
    /// JetStream.
    pub js: jetstream::Context,
    /// The workspace's names.
    pub names: Names,
    connected: Arc<AtomicBool>,
    url: String,
    /// The server's last "permissions violation" notice (names the subject it refused), and
    /// when it came.
    refused: Arc<std::sync::Mutex<Option<(std::time::Instant, String)>>>,
}

/// `(major, minor, patch)` of a version string like `2.15.1` or `v2.10.26-beta`.
pub fn parse_version(v: &str) -> Option<(u64, u64, u64)> {
    let v = v.trim().trim_start_matches('v');
    let mut parts = v.split(['.', '-', '+']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let patch = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    Some((major, minor, patch))
}

/// Refuses a server older than [`MIN_SERVER`] (or one whose version cannot be read).
pub fn check_version(url: &str, version: &str) -> Result<(), TeamError> {
    match parse_version(version) {
        Some(v) if v >= MIN_SERVER => Ok(()),
        _ => Err(TeamError::TooOld {
            url: url.to_owned(),
            found: if version.is_empty() {
                "(unknown version)".into()
            } else {
                version.to_owned()
            },
        }),
    }
}

impl Bus {
    /// Connects, checks the server version, and sets up JetStream.
    pub async fn connect(settings: &BusSettings) -> Result<Bus, TeamError> {
        let fail = |detail: String| TeamError::Connect {
            url: settings.url.clone(),
            detail,
        };
        let mut options = match &settings.credentials {
            Some(path) => async_nats::ConnectOptions::with_credentials_file(path)
                .await
                .map_err(|e| fail(format!("credentials file {}: {e}", path.display())))?,
            None => async_nats::ConnectOptions::new(),
        };
        if let (Some(user), Some(password)) = (&settings.user, &settings.password) {
            options = options.user_and_password(user.clone(), password.expose_secret().to_owned());
        }
        if let Some(token) = &settings.token {
            options = options.token(token.expose_secret().to_owned());
        }
        if let Some(seed) = &settings.nkey {
            options = options.nkey(seed.expose_secret().to_owned());
        }
        let connected = Arc::new(AtomicBool::new(false));
        let flag = connected.clone();
        let refused: Arc<std::sync::Mutex<Option<(std::time::Instant, String)>>> = Arc::default();
        let noted = refused.clone();
        options = options
            .name(&settings.name)
            .ping_interval(PING)
            .connection_timeout(Duration::from_secs(3))
            .request_timeout(Some(Duration::from_secs(5)))
            .event_callback(move |event| {
                let flag = flag.clone();
                let noted = noted.clone();
                async move {
                    match event {
                        async_nats::Event::ServerError(async_nats::ServerError::Other(e))
                            if e.to_ascii_lowercase().contains("permissions violation") =>
                        {
                            tracing::warn!("bus: the server refused: {e}");
                            *noted
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner) =
                                Some((std::time::Instant::now(), e));
                        }
                        async_nats::Event::Connected => {
                            flag.store(true, Ordering::SeqCst);
                            tracing::info!("bus: connected");
                        }
                        async_nats::Event::Disconnected => {
                            flag.store(false, Ordering::SeqCst);
                            tracing::warn!("bus: disconnected");
                        }
                        other => tracing::info!("bus: {other}"),
                    }
                }
            });
        let client = options
            .connect(settings.url.as_str())
            .await
            .map_err(|e| fail(e.to_string()))?;
        connected.store(true, Ordering::SeqCst);
        check_version(&settings.url, &client.server_info().version)?;
        let js = jetstream::new(client.clone());
        Ok(Bus {
            client,
            js,
            names: Names::new(&settings.workspace),
            connected,
            url: settings.url.clone(),
            refused,
        })
    }

    /// `true` when the server said, at or after `since` (when the request was sent), that
    /// these credentials may not publish to `subject` (its permissions pin each lead to
    /// their own subjects). An older notice does not explain a later failure.
    pub fn refused(&self, subject: &str, since: std::time::Instant) -> bool {
        self.refused
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .is_some_and(|(at, e)| *at >= since && e.contains(&format!("\"{subject}\"")))
    }

    /// `true` while the client is connected (pings answered).
    pub fn is_connected(&self) -> bool {
        self.connected.load(Ordering::SeqCst)
            && self.client.connection_state() == async_nats::connection::State::Connected
    }

    /// The server URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The largest message the server takes.
    pub fn max_payload(&self) -> usize {
        self.client.server_info().max_payload
    }

    /// A bucket, created with `config` when missing (the relay) or only opened (dashboards,
    /// which may lack the permission to create).
    pub async fn bucket(
        &self,
        what: &str,
        create: Option<kv::Config>,
    ) -> Result<kv::Store, TeamError> {
        let name = self.names.bucket(what);
        match create {
            Some(mut config) => {
                config.bucket = name.clone();
                match self.js.create_key_value(config).await {
                    Ok(store) => Ok(store),
                    Err(_) => self
                        .js
                        .get_key_value(&name)
                        .await
                        .map_err(|e| TeamError::js(format!("bucket {name}"), e)),
                }
            }
            None => self.js.get_key_value(&name).await.map_err(|e| {
                if e.kind() == async_nats::jetstream::context::KeyValueErrorKind::GetBucket {
                    TeamError::NotPublished(self.names.workspace().to_owned())
                } else {
                    TeamError::js(format!("bucket {name}"), e)
                }
            }),
        }
    }
}

/// The buckets of a workspace.
#[derive(Clone)]
pub struct Buckets {
    /// Conversations.
    pub convs: kv::Store,
    /// Teammates.
    pub people: kv::Store,
    /// Inboxes.
    pub inboxes: kv::Store,
    /// Workspace, capabilities, snapshot, heartbeat.
    pub meta: kv::Store,
    /// Relay leadership and rebalance leases (max age = the lease).
    pub leases: kv::Store,
    /// Off-queue blocks.
    pub blocks: kv::Store,
}

/// `true` when `store` holds no message now. Asks the server: `kv::Store::status` answers
/// from the info cached when the handle was opened, so a watch restarted later (or one over a
/// handle opened before the relay's first publish) would take a full bucket for empty, call
/// itself current with nothing, and show the entries as they trickle in.
pub async fn is_empty(store: &kv::Store) -> Result<bool, String> {
    store
        .stream
        .get_info()
        .await
        .map(|i| i.state.messages == 0)
        .map_err(|e| e.to_string())
}

/// Largest value a record may have (well under the 1 MiB default `max_payload`).
pub const MAX_VALUE: i32 = 256 * 1024;

impl Buckets {
    /// Creates (relay) or opens (dashboard) every bucket. `lease` is the leases bucket's max
    /// age (only used when creating).
    pub async fn open(bus: &Bus, create: bool, lease: Duration) -> Result<Buckets, TeamError> {
        let cfg = |history: i64, max_age: Duration| {
            create.then(|| kv::Config {
                history,
                max_age,
                max_value_size: MAX_VALUE,
                storage: jetstream::stream::StorageType::File,
                ..Default::default()
            })
        };
        let forever = Duration::ZERO;
        Ok(Buckets {
            convs: bus.bucket("convs", cfg(1, forever)).await?,
            people: bus.bucket("people", cfg(1, forever)).await?,
            inboxes: bus.bucket("inboxes", cfg(1, forever)).await?,
            meta: bus.bucket("meta", cfg(1, forever)).await?,
            leases: bus.bucket("leases", cfg(1, lease)).await?,
            blocks: bus.bucket("blocks", cfg(20, forever)).await?,
        })
    }
}

/// The audit stream: created by the relay, read by every dashboard.
pub async fn audit_stream(bus: &Bus, create: bool) -> Result<jetstream::stream::Stream, TeamError> {
    let name = bus.names.audit_stream();
    if create {
        let config = jetstream::stream::Config {
            name: name.clone(),
            subjects: vec![bus.names.audit_subjects()],
            storage: jetstream::stream::StorageType::File,
            max_age: Duration::from_secs(400 * 24 * 3600),
            duplicate_window: Duration::from_secs(3600),
            deny_delete: true,
            deny_purge: true,
            ..Default::default()
        };
        bus.js
            .get_or_create_stream(config)
            .await
            .map_err(|e| TeamError::js(format!("stream {name}"), e))
    } else {
        bus.js.get_stream(&name).await.map_err(|e| {
            let missing = matches!(
                e.kind(),
                async_nats::jetstream::context::GetStreamErrorKind::JetStream(j)
                    if j.error_code() == async_nats::jetstream::ErrorCode::STREAM_NOT_FOUND
            );
            if missing {
                TeamError::NotPublished(bus.names.workspace().to_owned())
            } else {
                TeamError::js(format!("stream {name}"), e)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_older_than_2_10_are_refused_by_name() {
        assert_eq!(parse_version("2.15.1"), Some((2, 15, 1)));
        assert_eq!(parse_version("v2.10.26-beta"), Some((2, 10, 26)));
        assert!(check_version("nats://x", "2.10.0").is_ok());
        assert!(check_version("nats://x", "3.0").is_ok());
        let e = check_version("nats://x", "2.9.10").unwrap_err().to_string();
        assert!(e.contains("2.9.10") && e.contains("2.10 or newer"), "{e}");
        assert!(check_version("nats://x", "").is_err());
    }
}
