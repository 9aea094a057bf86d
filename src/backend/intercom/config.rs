//! The `[backend]` section for `kind = "intercom"`: its keys, defaults and validation, the
//! commented text `shiftlead init` writes for it, and the client it builds.

use super::client::validate_base_url;
use super::{IntercomClient, IntercomSettings};
use crate::backend::{BackendError, TokenSource};
use secrecy::SecretString;
use serde::Deserialize;
use std::time::Duration;

/// The registry's name for this vendor (`kind = "intercom"`, `--demo intercom`).
pub const NAME: &str = "intercom";

/// The environment variable holding the token unless `token_env` says otherwise.
pub const TOKEN_ENV: &str = "INTERCOM_TOKEN";

/// The keys of this section (besides `kind`).
pub const KEYS: &[&str] = &[
    "region",
    "base_url",
    "token_env",
    "token_command",
    "token",
    "timeout",
];

/// `[backend]` with `kind = "intercom"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct IntercomConfig {
    /// Data region: `us`, `eu` or `au`.
    #[serde(deserialize_with = "region")]
    pub region: String,
    /// Overrides the region's URL (plain http only to loopback).
    #[serde(deserialize_with = "base_url")]
    pub base_url: Option<String>,
    /// Environment variable holding the token.
    pub token_env: String,
    /// Shell command printing the token (used when the env var is unset).
    pub token_command: Option<String>,
    /// The token itself (discouraged; the file must then be private: mode 600).
    #[serde(deserialize_with = "crate::backend::secret")]
    pub token: Option<SecretString>,
    /// Per-request timeout.
    #[serde(deserialize_with = "crate::duration::positive")]
    pub timeout: Duration,
}

impl Default for IntercomConfig {
    fn default() -> Self {
        Self {
            region: "us".into(),
            base_url: None,
            token_env: TOKEN_ENV.into(),
            token_command: None,
            token: None,
            timeout: Duration::from_secs(10),
        }
    }
}

fn region<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    IntercomSettings::region_url(&s).map_err(serde::de::Error::custom)?;
    Ok(s.to_ascii_lowercase())
}

fn base_url<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s = String::deserialize(d)?;
    validate_base_url(&s).map_err(serde::de::Error::custom)?;
    Ok(Some(s))
}

impl IntercomConfig {
    /// Where the token comes from.
    pub fn token_source(&self) -> TokenSource<'_> {
        TokenSource {
            env: &self.token_env,
            command: self.token_command.as_deref(),
            inline: self.token.as_ref(),
        }
    }

    /// The API base URL: `base_url`, else the region's.
    pub fn url(&self) -> Result<String, BackendError> {
        match &self.base_url {
            Some(url) => Ok(url.clone()),
            None => IntercomSettings::region_url(&self.region).map(str::to_owned),
        }
    }

    /// Where `check` says it connects: the URL, else the region.
    pub fn describe(&self) -> String {
        match &self.base_url {
            Some(url) => url.clone(),
            None => format!("Intercom ({})", self.region),
        }
    }

    /// The client for this workspace.
    pub fn client(&self, token: SecretString) -> Result<IntercomClient, BackendError> {
        client(self.url()?, token, NAME, self.timeout)
    }
}

/// A client for `base_url` (a workspace, or a simulator over loopback) labelled `label`.
pub fn client(
    base_url: String,
    token: SecretString,
    label: &str,
    timeout: Duration,
) -> Result<IntercomClient, BackendError> {
    let mut settings = IntercomSettings::new(base_url, token, label);
    settings.timeout = timeout;
    IntercomClient::new(settings)
}

/// The commented `[backend]` section `shiftlead init --backend intercom` writes.
pub fn init_template(region: &str) -> Result<String, BackendError> {
    IntercomSettings::region_url(region)?;
    Ok(TEMPLATE.replacen(
        "region = \"us\"",
        &format!("region = \"{}\"", region.to_ascii_lowercase()),
        1,
    ))
}

/// The section as `config.example.toml` documents it (region `us`).
pub const TEMPLATE: &str = r#"[backend]
# Talks to your Intercom workspace (REST API 2.16).
kind = "intercom"
# Intercom data region: "us", "eu" or "au".
region = "us"
# Overrides the region's URL. Plain http:// is accepted only for loopback (a local simulator).
# base_url = "http://127.0.0.1:8080"
# The environment variable holding the access token.
token_env = "INTERCOM_TOKEN"
# A command printing the token, used when the variable is unset
# (e.g. "pass show intercom/token" or "op read op://Support/Intercom/token").
# token_command = "pass show intercom/token"
# The token itself, inline (discouraged): shiftlead then refuses a file other users can read
# (fix with `chmod 600`).
# token = "…"
# Per-request timeout.
timeout = "10s"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_parses_and_regions_are_validated() {
        let text = init_template("EU").unwrap();
        assert!(text.contains("region = \"eu\""), "{text}");
        let table: toml::Table = toml::from_str(&text).unwrap();
        let section: IntercomConfig = table["backend"].clone().try_into().unwrap();
        assert_eq!(section.url().unwrap(), "https://api.eu.intercom.io");
        assert!(init_template("mars").is_err());
    }

    #[test]
    fn debug_never_shows_the_token() {
        let c = IntercomConfig {
            token: Some(SecretString::from("canary-dbg-1".to_owned())),
            ..IntercomConfig::default()
        };
        assert!(!format!("{c:?}").contains("canary-dbg-1"));
    }
}
