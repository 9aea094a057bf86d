//! `[backend]` with `kind = "team"` and the `[relay]` section: plain data for team mode, where
//! one relay per workspace polls the helpdesk and dashboards read its state from NATS
//! JetStream (see `crate::team`). Validation happens while deserializing, so a bad value is
//! reported with its file, line and key like every other config error.

use serde::{Deserialize, Deserializer};
use std::path::PathBuf;
use std::time::Duration;

/// The `kind` of the team backend.
pub const KIND: &str = "team";

/// The environment variable holding the lead's NATS password unless `password_env` says
/// otherwise.
pub const PASSWORD_ENV: &str = "SHIFTLEAD_NATS_PASSWORD";

/// The environment variable holding a NATS token unless `token_env` says otherwise.
pub const TOKEN_ENV: &str = "SHIFTLEAD_NATS_TOKEN";

/// `[backend]` with `kind = "team"`: the workspace's state as a relay publishes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct TeamConfig {
    /// `nats://host:port` of the NATS server (JetStream, 2.10 or newer).
    #[serde(deserialize_with = "nats_url")]
    pub nats_url: String,
    /// The workspace name the relay publishes under (letters, digits, `_`, `-`).
    #[serde(deserialize_with = "workspace")]
    pub workspace: String,
    /// The NATS user (also the lead's name in the audit log unless `lead` is set).
    pub user: Option<String>,
    /// The environment variable holding the NATS password.
    pub password_env: String,
    /// A shell command printing the NATS password, when the variable is unset.
    pub password_command: Option<String>,
    /// The environment variable holding a NATS token (a server with `authorization { token }`).
    pub token_env: String,
    /// A shell command printing the NATS token, when the variable is unset.
    pub token_command: Option<String>,
    /// A NATS credentials file (`.creds`, JWT + nkey seed) instead of user and password.
    pub credentials: Option<PathBuf>,
    /// A file holding this lead's nkey seed (`SU…`), instead of user and password.
    pub nkey_file: Option<PathBuf>,
    /// The lead's name in the audit log and in locks (default: `user`, else `$USER`). The
    /// server's permissions pin each lead's credentials to `sl.<ws>.cmd.<lead>.>`, so a name
    /// other than the one the server grants is refused there.
    #[serde(deserialize_with = "optional_token")]
    pub lead: Option<String>,
    /// Relay data older than this is stale: the dashboard keeps it, marked.
    #[serde(deserialize_with = "crate::duration::positive")]
    pub stale_after: Duration,
    /// How long a write may take at the relay before its outcome counts as unknown.
    #[serde(deserialize_with = "crate::duration::positive")]
    pub timeout: Duration,
}

impl TeamConfig {
    /// The keys of this section, besides `kind`.
    pub const KEYS: &'static [&'static str] = &[
        "nats_url",
        "workspace",
        "user",
        "password_env",
        "password_command",
        "token_env",
        "token_command",
        "credentials",
        "nkey_file",
        "lead",
        "stale_after",
        "timeout",
    ];

    /// Where the backend is, for `check`.
    pub fn describe(&self) -> String {
        format!(
            "team mode: workspace {} on {} (a relay polls the helpdesk)",
            self.workspace, self.nats_url
        )
    }
}

impl Default for TeamConfig {
    fn default() -> Self {
        Self {
            nats_url: "nats://127.0.0.1:4222".into(),
            workspace: "default".into(),
            user: None,
            password_env: PASSWORD_ENV.into(),
            password_command: None,
            token_env: TOKEN_ENV.into(),
            token_command: None,
            credentials: None,
            nkey_file: None,
            lead: None,
            stale_after: Duration::from_secs(30),
            timeout: Duration::from_secs(60),
        }
    }
}

/// `[relay]`: how `shiftlead relay` publishes the `[backend]` workspace.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct RelayConfig {
    /// `nats://host:port` of the NATS server.
    #[serde(deserialize_with = "nats_url")]
    pub nats_url: String,
    /// The workspace name dashboards ask for.
    #[serde(deserialize_with = "workspace")]
    pub workspace: String,
    /// The NATS user of the relay.
    pub user: Option<String>,
    /// The environment variable holding the relay's NATS password.
    pub password_env: String,
    /// A shell command printing the relay's NATS password, when the variable is unset.
    pub password_command: Option<String>,
    /// The environment variable holding a NATS token.
    pub token_env: String,
    /// A shell command printing the NATS token, when the variable is unset.
    pub token_command: Option<String>,
    /// A NATS credentials file instead of user and password.
    pub credentials: Option<PathBuf>,
    /// A file holding the relay's nkey seed, instead of user and password.
    pub nkey_file: Option<PathBuf>,
    /// This relay's name in the lease and heartbeat (default: host name and PID).
    #[serde(deserialize_with = "optional_token")]
    pub id: Option<String>,
    /// Leadership lease: a standby takes over at most this long (plus a third) after the
    /// leader stops renewing.
    #[serde(deserialize_with = "crate::duration::positive")]
    pub lease: Duration,
    /// How often the leader polls the helpdesk (incremental reads; the backend's own full
    /// reconcile stays on).
    #[serde(deserialize_with = "crate::duration::positive")]
    pub refresh: Duration,
    /// Where to receive the helpdesk's webhooks (`POST /webhook`); off when unset. Put a TLS
    /// proxy in front: vendors send to HTTPS URLs only.
    pub webhook_listen: Option<std::net::SocketAddr>,
    /// The environment variable holding the webhook signing secret.
    pub webhook_secret_env: String,
    /// A shell command printing the webhook secret, when the variable is unset.
    pub webhook_secret_command: Option<String>,
    /// A delivery sent further than this from now (either way) is refused as a replay;
    /// delivery ids are remembered for twice as long.
    #[serde(deserialize_with = "crate::duration::positive")]
    pub webhook_window: Duration,
}

/// The environment variable holding the relay's webhook secret unless `webhook_secret_env`
/// says otherwise.
pub const WEBHOOK_SECRET_ENV: &str = "SHIFTLEAD_WEBHOOK_SECRET";

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            nats_url: "nats://127.0.0.1:4222".into(),
            workspace: "default".into(),
            user: None,
            password_env: PASSWORD_ENV.into(),
            password_command: None,
            token_env: TOKEN_ENV.into(),
            token_command: None,
            credentials: None,
            nkey_file: None,
            id: None,
            lease: Duration::from_secs(10),
            refresh: Duration::from_secs(10),
            webhook_listen: None,
            webhook_secret_env: WEBHOOK_SECRET_ENV.into(),
            webhook_secret_command: None,
            webhook_window: Duration::from_secs(300),
        }
    }
}

/// `true` for a NATS token: letters, digits, `_` and `-`, 1 to 64 of them.
pub fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn workspace<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    if is_token(&s) {
        Ok(s)
    } else {
        Err(serde::de::Error::custom(format!(
            "{s:?} is not a workspace name: use 1 to 64 letters, digits, '_' or '-'"
        )))
    }
}

fn optional_token<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s = String::deserialize(d)?;
    if is_token(&s) {
        Ok(Some(s))
    } else {
        Err(serde::de::Error::custom(format!(
            "{s:?} is not a name NATS subjects can carry: use 1 to 64 letters, digits, '_' or '-'"
        )))
    }
}

fn nats_url<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    let ok = ["nats://", "tls://"]
        .iter()
        .any(|p| s.strip_prefix(p).is_some_and(|rest| !rest.is_empty()));
    if ok {
        Ok(s)
    } else {
        Err(serde::de::Error::custom(format!(
            "{s:?} is not a NATS URL: expected nats://HOST:PORT or tls://HOST:PORT"
        )))
    }
}

/// The commented `[backend]` section `shiftlead init --backend team` writes.
pub const TEMPLATE: &str = r#"[backend]
# Team mode: a `shiftlead relay` polls the helpdesk and publishes the workspace on NATS;
# this dashboard reads it from there and sends its writes to the relay (no vendor token).
kind = "team"
nats_url = "nats://127.0.0.1:4222"
workspace = "default"
# Your NATS user; its password comes from this variable, else `password_command`.
# user = "alice"
password_env = "SHIFTLEAD_NATS_PASSWORD"
# password_command = "pass show nats/alice"
# Or: `credentials = FILE` (.creds), `nkey_file = FILE` (an nkey seed; set `lead` too), or a
# token from $SHIFTLEAD_NATS_TOKEN (`token_env`) / `token_command`.
# Data older than this is shown as stale.
stale_after = "30s"
# How long a write may take at the relay.
timeout = "60s"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_tokens_and_urls_are_nats() {
        assert!(is_token("acme_eu-1"));
        assert!(!is_token("a.b") && !is_token("") && !is_token("a b") && !is_token("*"));
        let ok: TeamConfig =
            toml::from_str("nats_url = \"nats://h:1\"\nworkspace = \"w\"").unwrap();
        assert_eq!(ok.workspace, "w");
        assert!(toml::from_str::<TeamConfig>("workspace = \"a.b\"").is_err());
        assert!(toml::from_str::<TeamConfig>("nats_url = \"http://h\"").is_err());
        assert!(toml::from_str::<RelayConfig>("id = \"x>\"").is_err());
    }
}
