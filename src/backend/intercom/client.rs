//! The Intercom REST client. (Interface stub: the client helper replaces the body.)

use crate::backend::BackendError;
use secrecy::SecretString;
use std::time::Duration;

/// How to reach an Intercom workspace.
#[derive(Clone)]
pub struct IntercomSettings {
    /// `https://api.intercom.io` (or EU/AU), or a loopback `http://` URL for the simulator.
    pub base_url: String,
    /// Bearer token. Never printed or logged.
    pub token: SecretString,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Longest wait for a rate-limit reset before giving up with `RateLimited`.
    pub max_rate_wait: Duration,
    /// Label shown as the backend ("intercom" or "demo").
    pub label: String,
}

/// An Intercom API client.
pub struct IntercomClient {
    _settings: IntercomSettings,
}

impl IntercomClient {
    /// Builds a client; refuses plain `http://` to anything but loopback.
    pub fn new(settings: IntercomSettings) -> Result<Self, BackendError> {
        Ok(Self {
            _settings: settings,
        })
    }
}
