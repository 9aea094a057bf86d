//! The `[backend]` section for `kind = "zendesk"`: its keys, defaults and validation, the
//! commented text `shiftlead init` writes for it, and the client it builds.

use super::client::{ZendeskClient, ZendeskSettings};
use crate::backend::transport::{Auth, validate_base_url};
use crate::backend::{BackendError, TokenSource};
use secrecy::SecretString;
use serde::Deserialize;
use std::time::Duration;

/// The registry's name for this vendor (`kind = "zendesk"`, `--demo zendesk`).
pub const NAME: &str = "zendesk";

/// The environment variable holding the token unless `token_env` says otherwise.
pub const TOKEN_ENV: &str = "ZENDESK_TOKEN";

/// The keys of this section (besides `kind`).
pub const KEYS: &[&str] = &[
    "subdomain",
    "base_url",
    "email",
    "auth",
    "token_env",
    "token_command",
    "token",
    "groups",
    "incremental_every",
    "timeout",
];

/// The incremental ticket export allows 10 requests a minute: never more often than this.
pub const MIN_INCREMENTAL_EVERY: Duration = Duration::from_secs(6);

/// How requests authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// An API token: basic auth `{email}/token:{token}`.
    #[default]
    ApiToken,
    /// An OAuth access token: `Authorization: Bearer`.
    Oauth,
}

/// `[backend]` with `kind = "zendesk"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "Raw")]
pub struct ZendeskConfig {
    /// `{subdomain}.zendesk.com`.
    pub subdomain: Option<String>,
    /// Overrides the subdomain's URL (plain http only to loopback).
    pub base_url: Option<String>,
    /// The agent's email (API-token auth).
    pub email: Option<String>,
    /// `api_token` (default) or `oauth`.
    pub auth: AuthKind,
    /// Environment variable holding the token.
    pub token_env: String,
    /// Shell command printing the token (used when the env var is unset).
    pub token_command: Option<String>,
    /// The token itself (discouraged; the file must then be private: mode 600).
    pub token: Option<SecretString>,
    /// Group ids watched with an agent (non-admin) token; empty: the agent's own groups.
    pub groups: Vec<i64>,
    /// How often the incremental ticket export is asked for changes.
    pub incremental_every: Duration,
    /// Per-request timeout.
    pub timeout: Duration,
}

impl Default for ZendeskConfig {
    fn default() -> Self {
        Self {
            subdomain: None,
            base_url: None,
            email: None,
            auth: AuthKind::ApiToken,
            token_env: TOKEN_ENV.into(),
            token_command: None,
            token: None,
            groups: Vec::new(),
            incremental_every: Duration::from_secs(15),
            timeout: Duration::from_secs(10),
        }
    }
}

/// The section as written; [`ZendeskConfig`] is it checked as a whole.
#[derive(Deserialize)]
#[serde(default)]
struct Raw {
    #[serde(deserialize_with = "subdomain")]
    subdomain: Option<String>,
    #[serde(deserialize_with = "base_url")]
    base_url: Option<String>,
    #[serde(deserialize_with = "email")]
    email: Option<String>,
    auth: AuthKind,
    token_env: String,
    token_command: Option<String>,
    #[serde(deserialize_with = "crate::backend::secret")]
    token: Option<SecretString>,
    groups: Vec<i64>,
    #[serde(deserialize_with = "incremental_every")]
    incremental_every: Duration,
    #[serde(deserialize_with = "crate::duration::positive")]
    timeout: Duration,
}

impl Default for Raw {
    fn default() -> Self {
        let d = ZendeskConfig::default();
        Self {
            subdomain: d.subdomain,
            base_url: d.base_url,
            email: d.email,
            auth: d.auth,
            token_env: d.token_env,
            token_command: d.token_command,
            token: d.token,
            groups: d.groups,
            incremental_every: d.incremental_every,
            timeout: d.timeout,
        }
    }
}

impl TryFrom<Raw> for ZendeskConfig {
    type Error = String;
    fn try_from(r: Raw) -> Result<Self, String> {
        if r.subdomain.is_none() && r.base_url.is_none() {
            return Err(
                "kind = \"zendesk\" needs subdomain (as in SUBDOMAIN.zendesk.com) or base_url"
                    .into(),
            );
        }
        if r.auth == AuthKind::ApiToken && r.email.is_none() {
            return Err(
                "kind = \"zendesk\" with an API token needs email (the token is sent \
                        as {email}/token); or set auth = \"oauth\" for an OAuth token"
                    .into(),
            );
        }
        Ok(ZendeskConfig {
            subdomain: r.subdomain,
            base_url: r.base_url,
            email: r.email,
            auth: r.auth,
            token_env: r.token_env,
            token_command: r.token_command,
            token: r.token,
            groups: r.groups,
            incremental_every: r.incremental_every,
            timeout: r.timeout,
        })
    }
}

fn subdomain<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s = String::deserialize(d)?.trim().to_ascii_lowercase();
    let s = s.strip_suffix(".zendesk.com").unwrap_or(&s).to_owned();
    let ok = !s.is_empty()
        && s.len() <= 63
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if !ok {
        return Err(serde::de::Error::custom(format!(
            "subdomain {s:?} is not a Zendesk subdomain (letters, digits and dashes, as in \
             SUBDOMAIN.zendesk.com)"
        )));
    }
    Ok(Some(s))
}

fn base_url<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s = String::deserialize(d)?;
    validate_base_url(&s).map_err(serde::de::Error::custom)?;
    Ok(Some(s))
}

fn email<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s = String::deserialize(d)?.trim().to_owned();
    if !s.contains('@') || s.contains(char::is_whitespace) {
        return Err(serde::de::Error::custom(format!(
            "email {s:?} is not an email address"
        )));
    }
    Ok(Some(s))
}

fn incremental_every<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let every = crate::duration::positive(d)?;
    if every < MIN_INCREMENTAL_EVERY {
        return Err(serde::de::Error::custom(format!(
            "incremental_every must be at least {}s: Zendesk allows 10 incremental exports a minute",
            MIN_INCREMENTAL_EVERY.as_secs()
        )));
    }
    Ok(every)
}

impl ZendeskConfig {
    /// Where the token comes from.
    pub fn token_source(&self) -> TokenSource<'_> {
        TokenSource {
            env: &self.token_env,
            command: self.token_command.as_deref(),
            inline: self.token.as_ref(),
        }
    }

    /// The account's base URL: `base_url`, else `https://{subdomain}.zendesk.com`.
    pub fn url(&self) -> Result<String, BackendError> {
        match (&self.base_url, &self.subdomain) {
            (Some(url), _) => Ok(url.clone()),
            (None, Some(s)) => Ok(format!("https://{s}.zendesk.com")),
            (None, None) => Err(BackendError::Config(
                "zendesk needs subdomain or base_url".into(),
            )),
        }
    }

    /// Where `check` says it connects.
    pub fn describe(&self) -> String {
        let who = self.email.as_deref().unwrap_or("an OAuth token");
        match (&self.base_url, &self.subdomain) {
            (Some(url), _) => format!("{url} as {who}"),
            (None, Some(s)) => format!("Zendesk {s}.zendesk.com as {who}"),
            (None, None) => "Zendesk (no subdomain)".into(),
        }
    }

    /// How requests authenticate with `token`.
    pub fn auth(&self, token: SecretString) -> Result<Auth, BackendError> {
        match self.auth {
            AuthKind::Oauth => Ok(Auth::Bearer(token)),
            AuthKind::ApiToken => {
                let email = self.email.clone().ok_or_else(|| {
                    BackendError::Config("an API token needs email in [backend]".into())
                })?;
                Ok(Auth::Basic {
                    user: format!("{email}/token"),
                    secret: token,
                })
            }
        }
    }

    /// The client for this account.
    pub fn client(&self, token: SecretString) -> Result<ZendeskClient, BackendError> {
        let mut s = ZendeskSettings::new(self.url()?, self.auth(token)?, NAME);
        s.timeout = self.timeout;
        s.watch_groups = self.groups.clone();
        s.incremental_every = self.incremental_every;
        ZendeskClient::new(s)
    }
}

/// A client for `base_url` (the demo's simulator over loopback) with a bearer token.
pub fn client(
    base_url: String,
    token: SecretString,
    label: &str,
    timeout: Duration,
) -> Result<ZendeskClient, BackendError> {
    let mut s = ZendeskSettings::new(base_url, Auth::Bearer(token), label);
    s.timeout = timeout;
    ZendeskClient::new(s)
}

/// The commented `[backend]` section `shiftlead init --backend zendesk` writes (`region` is
/// taken as the subdomain when it looks like one).
pub fn init_template(region: &str) -> Result<String, BackendError> {
    let sub = region.trim().to_ascii_lowercase();
    let plausible = !sub.is_empty()
        && sub.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !matches!(sub.as_str(), "us" | "eu" | "au");
    Ok(if plausible {
        TEMPLATE.replacen(
            "subdomain = \"yourcompany\"",
            &format!("subdomain = \"{sub}\""),
            1,
        )
    } else {
        TEMPLATE.to_owned()
    })
}

/// The section as `config.example.toml` documents it.
pub const TEMPLATE: &str = r#"[backend]
# Talks to your Zendesk Support account (API v2).
kind = "zendesk"
# Your account: SUBDOMAIN.zendesk.com.
subdomain = "yourcompany"
# Overrides the subdomain's URL. Plain http:// is accepted only for loopback (a local simulator).
# base_url = "http://127.0.0.1:8080"
# The agent or admin the API token belongs to; requests authenticate as {email}/token.
# An admin token reads the incremental ticket export (fresh data); an agent token watches
# `groups` with searches, which lag by a few minutes.
email = "lead@yourcompany.com"
# "api_token" (default), or "oauth" for an OAuth access token (then email is not needed).
auth = "api_token"
# The environment variable holding the token.
token_env = "ZENDESK_TOKEN"
# A command printing the token, used when the variable is unset
# (e.g. "pass show zendesk/token" or "op read op://Support/Zendesk/token").
# token_command = "pass show zendesk/token"
# The token itself, inline (discouraged): shiftlead then refuses a file other users can read
# (fix with `chmod 600`).
# token = "…"
# Group ids an agent token watches (empty: the agent's own groups).
groups = []
# How often changed tickets are fetched (Zendesk allows 10 incremental exports a minute;
# between fetches the dashboard shows what it holds).
incremental_every = "15s"
# Per-request timeout.
timeout = "10s"
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::BackendConfig;
    use std::path::Path;

    fn parse(text: &str) -> Result<ZendeskConfig, crate::config::ConfigError> {
        let (c, w) = crate::config::parse(text, Path::new("/etc/x/config.toml"))?;
        assert!(w.is_empty(), "{w:?}");
        match c.backend {
            BackendConfig::Zendesk(z) => Ok(z),
            other => panic!("{other:?}"),
        }
    }

    fn fails_at(text: &str, line: usize, key: &str, says: &str) {
        let e = parse(text).unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(line), Some(key)), "{e}");
        assert!(e.message.contains(says), "{e}");
        assert!(e.to_string().contains("/etc/x/config.toml"), "{e}");
    }

    #[test]
    fn template_parses_with_the_subdomain() {
        let text = init_template("Acme").unwrap();
        assert!(text.contains("subdomain = \"acme\""), "{text}");
        let c = parse(&text).unwrap();
        assert_eq!(c.url().unwrap(), "https://acme.zendesk.com");
        assert_eq!(c.incremental_every, Duration::from_secs(15));
        assert_eq!(c.token_source().env, "ZENDESK_TOKEN");
        let Auth::Basic { user, .. } = c.auth(SecretString::from("t")).unwrap() else {
            panic!("basic")
        };
        assert_eq!(user, "lead@yourcompany.com/token");
        assert!(init_template("us").unwrap().contains("\"yourcompany\""));
    }

    #[test]
    fn bad_values_name_file_line_and_key() {
        let z = "[backend]\nkind = \"zendesk\"\nemail = \"a@b.c\"\n";
        fails_at(
            &format!("{z}subdomain = \"acme co\"\n"),
            4,
            "backend.subdomain",
            "not a Zendesk subdomain",
        );
        fails_at(
            &format!("{z}base_url = \"http://acme.zendesk.com\"\n"),
            4,
            "backend.base_url",
            "plain http",
        );
        fails_at(
            &format!("{z}subdomain = \"acme\"\nincremental_every = \"2s\"\n"),
            5,
            "backend.incremental_every",
            "10 incremental exports",
        );
        fails_at(
            "[backend]\nkind = \"zendesk\"\nsubdomain = \"acme\"\nemail = \"nobody\"\n",
            4,
            "backend.email",
            "not an email",
        );
        fails_at(
            &format!("{z}subdomain = \"acme\"\nauth = \"password\"\n"),
            5,
            "backend.auth",
            "unknown variant",
        );
    }

    #[test]
    fn missing_subdomain_or_email_is_said_at_the_section() {
        let e = parse("[backend]\nkind = \"zendesk\"\nemail = \"a@b.c\"\n").unwrap_err();
        assert!(e.message.contains("needs subdomain"), "{e}");
        assert!(
            e.line.is_some() && e.key.as_deref().is_some_and(|k| k.starts_with("backend")),
            "{e}"
        );
        let e = parse("[backend]\nkind = \"zendesk\"\nsubdomain = \"acme\"\n").unwrap_err();
        assert!(e.message.contains("needs email"), "{e}");
        let c = parse("[backend]\nkind = \"zendesk\"\nsubdomain = \"acme\"\nauth = \"oauth\"\n")
            .unwrap();
        assert!(matches!(
            c.auth(SecretString::from("t")).unwrap(),
            Auth::Bearer(_)
        ));
    }

    #[test]
    fn debug_never_shows_the_token() {
        let c = ZendeskConfig {
            token: Some(SecretString::from("canary-zd-1".to_owned())),
            ..ZendeskConfig::default()
        };
        assert!(!format!("{c:?}").contains("canary-zd-1"));
    }
}
