//! The HTTP transport every vendor shares: timeouts, bounded jittered retries for reads and
//! never for writes, 429 handling, and the rate-limit budget with a reserve for writes.
//!
//! A request says whether it reads or writes (never inferred from its path); each vendor
//! supplies how its rate-limit headers read and how its error bodies decode.

use super::{BackendError, Budget};
use crate::clock::{SharedClock, SystemClock};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Whether a request only reads (safe to retry) or writes (never retried blindly).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RequestKind {
    /// Changes nothing.
    Read,
    /// May change something.
    Write,
}

/// How requests authenticate. The secret is never printed or logged.
#[derive(Clone)]
pub enum Auth {
    /// `Authorization: Bearer <token>`.
    Bearer(SecretString),
    /// `Authorization: Basic <user:secret>` (e.g. `email/token` API tokens).
    Basic {
        /// The user part.
        user: String,
        /// The secret part.
        secret: SecretString,
    },
}

/// Reads a vendor's rate-limit headers at `now` (e.g. a reset in epoch seconds, or a
/// `Retry-After` in seconds from now).
pub type RateLimitParser = fn(&HeaderMap, jiff::Timestamp) -> Budget;

/// Turns a vendor's non-2xx answer into a typed error.
pub type ErrorParser = fn(StatusCode, &[u8]) -> BackendError;

/// How to reach one API.
#[derive(Clone)]
pub struct TransportSettings {
    /// Base URL: https anywhere, plain http only to loopback.
    pub base_url: String,
    /// Credentials.
    pub auth: Auth,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Longest wait for a rate-limit reset before giving up with `RateLimited`.
    pub max_rate_wait: Duration,
    /// Tries per read (1 = no retry).
    pub read_attempts: u32,
    /// First retry delay; doubles per retry (with jitter) up to `backoff_max`.
    pub backoff_base: Duration,
    /// Longest retry delay.
    pub backoff_max: Duration,
    /// The clock for rate-limit resets and retry waits.
    pub clock: SharedClock,
}

impl TransportSettings {
    /// Settings with the defaults: 10 s timeout, 15 s longest rate-limit wait, 4 read tries.
    pub fn new(base_url: impl Into<String>, auth: Auth) -> Self {
        Self {
            base_url: base_url.into(),
            auth,
            timeout: Duration::from_secs(10),
            max_rate_wait: Duration::from_secs(15),
            read_attempts: 4,
            backoff_base: Duration::from_millis(250),
            backoff_max: Duration::from_secs(4),
            clock: Arc::new(SystemClock),
        }
    }
}

/// One request.
pub struct Request<'a> {
    /// Read or write.
    pub kind: RequestKind,
    /// HTTP method.
    pub method: Method,
    /// Path below the base URL, e.g. `/teams/5`.
    pub path: &'a str,
    /// Extra headers (e.g. an API version).
    pub headers: &'a [(&'static str, &'a str)],
    /// JSON body.
    pub body: Option<String>,
}

impl<'a> Request<'a> {
    /// A GET.
    pub fn read(path: &'a str) -> Self {
        Self {
            kind: RequestKind::Read,
            method: Method::GET,
            path,
            headers: &[],
            body: None,
        }
    }

    /// A request of `kind` with a JSON body.
    pub fn with_body(
        kind: RequestKind,
        method: Method,
        path: &'a str,
        body: &impl serde::Serialize,
    ) -> Self {
        Self {
            kind,
            method,
            path,
            headers: &[],
            body: Some(serde_json::to_string(body).unwrap_or_default()),
        }
    }

    /// The same request with these headers.
    pub fn headers(mut self, headers: &'a [(&'static str, &'a str)]) -> Self {
        self.headers = headers;
        self
    }
}

/// Most 429s one request waits out before giving up.
const MAX_RATE_LIMITED: u32 = 3;

/// The share of each rate-limit window that polling leaves for writes: reads wait for the
/// next window once only this much is left, so a write is never starved by the sync loop.
pub fn write_reserve(limit: u32) -> u32 {
    (limit / 10).max(1)
}

/// "Equal jitter" exponential backoff: half the doubled delay plus a random other half.
fn backoff(base: Duration, max: Duration, retry: u32) -> Duration {
    let full = base.saturating_mul(1u32 << retry.min(16)).min(max);
    let half = full / 2;
    half + half.mul_f64(rand::random::<f64>())
}

/// An HTTP client for one API, with its rate-limit budget.
pub struct Transport {
    http: reqwest::Client,
    base: Url,
    auth: Auth,
    timeout: Duration,
    max_rate_wait: Duration,
    read_attempts: u32,
    backoff_base: Duration,
    backoff_max: Duration,
    clock: SharedClock,
    budget: Mutex<Budget>,
    rate_limits: RateLimitParser,
    errors: ErrorParser,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("base", &self.base.as_str())
            .field("auth", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// A transport; refuses plain `http://` to anything but loopback.
    pub fn new(
        settings: TransportSettings,
        rate_limits: RateLimitParser,
        errors: ErrorParser,
    ) -> Result<Self, BackendError> {
        let base = validate_base_url(&settings.base_url)?;
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .user_agent(concat!("shiftlead/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| BackendError::Config(format!("HTTP client: {e}")))?;
        Ok(Self {
            http,
            base,
            auth: settings.auth,
            timeout: settings.timeout,
            max_rate_wait: settings.max_rate_wait,
            read_attempts: settings.read_attempts.max(1),
            backoff_base: settings.backoff_base,
            backoff_max: settings.backoff_max,
            clock: settings.clock,
            budget: Mutex::new(Budget::default()),
            rate_limits,
            errors,
        })
    }

    /// The clock waits run on.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// The rate-limit budget as last reported.
    pub fn budget(&self) -> Budget {
        *self.budget.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends one request and decodes the answer with `decode`. Reads are retried on network
    /// errors, timeouts, 5xx and undecodable bodies with jittered exponential backoff; a 429
    /// waits for the window's reset (or backs off when the answer gave none) for reads and
    /// writes alike, since a 429 means nothing was applied. Any other failure of a write is
    /// returned as is: the caller re-reads to learn what happened.
    pub async fn call<T>(
        &self,
        req: Request<'_>,
        decode: impl Fn(&[u8]) -> Result<T, String>,
    ) -> Result<T, BackendError> {
        let endpoint = format!("{} {}", req.method, req.path);
        let url = self
            .base
            .join(req.path.trim_start_matches('/'))
            .map_err(|e| BackendError::Config(format!("bad path {}: {e}", req.path)))?;
        let (mut failures, mut rate_limited) = (0u32, 0u32);
        loop {
            self.wait_for_budget(req.kind).await?;
            let mut builder = self
                .http
                .request(req.method.clone(), url.clone())
                .header("Accept", "application/json");
            builder = match &self.auth {
                Auth::Bearer(token) => builder.bearer_auth(token.expose_secret()),
                Auth::Basic { user, secret } => {
                    builder.basic_auth(user, Some(secret.expose_secret()))
                }
            };
            for (name, value) in req.headers {
                builder = builder.header(*name, *value);
            }
            if let Some(b) = &req.body {
                builder = builder
                    .header("Content-Type", "application/json")
                    .body(b.clone());
            }
            let error = match self.send(builder).await {
                Ok((status, reset, bytes)) if status == StatusCode::TOO_MANY_REQUESTS => {
                    rate_limited += 1;
                    let wait = match reset {
                        Some(r) => Duration::try_from(r.duration_since(self.clock.now()))
                            .unwrap_or_default(),
                        None => backoff(self.backoff_base, self.backoff_max, rate_limited),
                    };
                    if rate_limited > MAX_RATE_LIMITED || wait > self.max_rate_wait {
                        return Err(match reset {
                            Some(reset) => BackendError::RateLimited { reset },
                            None => (self.errors)(status, &bytes),
                        });
                    }
                    tracing::warn!(%endpoint, ?wait, "rate limited; waiting before trying again");
                    self.clock.sleep(wait).await;
                    continue;
                }
                Ok((status, _, bytes)) if status.is_success() => match decode(&bytes) {
                    Ok(v) => return Ok(v),
                    Err(detail) => BackendError::Decode {
                        endpoint: endpoint.clone(),
                        detail,
                    },
                },
                Ok((status, _, bytes)) => (self.errors)(status, &bytes),
                Err(e) => e,
            };
            let transient = match &error {
                BackendError::Network(_) | BackendError::Timeout(_) => true,
                BackendError::Decode { .. } => true,
                e => e.status().is_some_and(|s| s >= 500),
            };
            failures += 1;
            if req.kind == RequestKind::Write || !transient || failures >= self.read_attempts {
                return Err(error);
            }
            let wait = backoff(self.backoff_base, self.backoff_max, failures - 1);
            tracing::warn!(%endpoint, %error, ?wait, attempt = failures, "read failed; retrying");
            self.clock.sleep(wait).await;
        }
    }

    /// Sends a request: its status, the rate-limit reset it announced, and its body.
    async fn send(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<(StatusCode, Option<jiff::Timestamp>, Vec<u8>), BackendError> {
        let resp = req.send().await.map_err(|e| self.transport_error(e))?;
        let status = resp.status();
        let mut budget = (self.rate_limits)(resp.headers(), self.clock.now());
        if budget.limit.is_some() || budget.remaining.is_some() || budget.reset.is_some() {
            let mut held = self.budget.lock().unwrap_or_else(PoisonError::into_inner);
            // Answers to requests sent together arrive in any order: within one window the
            // lowest count left is the truest.
            if budget.reset == held.reset
                && let (Some(new), Some(old)) = (budget.remaining, held.remaining)
            {
                budget.remaining = Some(new.min(old));
            }
            *held = budget;
        }
        let bytes = resp.bytes().await.map_err(|e| self.transport_error(e))?;
        Ok((status, budget.reset, bytes.to_vec()))
    }

    fn transport_error(&self, e: reqwest::Error) -> BackendError {
        if e.is_timeout() {
            BackendError::Timeout(self.timeout)
        } else {
            // reqwest errors name the URL but never headers, so a secret cannot leak here.
            BackendError::Network(e.without_url().to_string())
        }
    }

    /// Waits (bounded) for the next window when the last answer said this one is used up —
    /// for reads, when only the writes' reserve is left — then counts this request against
    /// the budget at once, so requests sent together cannot all spend the same last slots
    /// before any answer has updated it.
    async fn wait_for_budget(&self, kind: RequestKind) -> Result<(), BackendError> {
        for _ in 0..2 {
            let wait = {
                let mut budget = self.budget.lock().unwrap_or_else(PoisonError::into_inner);
                let (Some(remaining), Some(reset)) = (budget.remaining, budget.reset) else {
                    return Ok(());
                };
                let floor = match kind {
                    RequestKind::Read => budget.limit.map(write_reserve).unwrap_or(1),
                    RequestKind::Write => 0,
                };
                let now = self.clock.now();
                if remaining <= floor && reset > now {
                    Duration::try_from(reset.duration_since(now)).unwrap_or_default()
                } else {
                    budget.remaining = Some(remaining.saturating_sub(1));
                    return Ok(());
                }
            };
            if wait > self.max_rate_wait {
                let reset = self.budget().reset.unwrap_or_else(|| self.clock.now());
                return Err(BackendError::RateLimited { reset });
            }
            tracing::debug!(?kind, ?wait, "waiting for the next rate-limit window");
            self.clock.sleep(wait).await;
        }
        Ok(())
    }
}

/// Checks a base URL: https anywhere, plain http only to loopback.
pub fn validate_base_url(raw: &str) -> Result<Url, BackendError> {
    let url = Url::parse(raw)
        .map_err(|e| BackendError::Config(format!("base_url {raw:?} is not a URL: {e}")))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(BackendError::Config(format!(
            "base_url {raw:?} uses plain http to a non-loopback host; use https"
        ))),
        other => Err(BackendError::Config(format!(
            "base_url {raw:?} has unsupported scheme {other:?}"
        ))),
    }
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Percent-encodes an id for use as one path segment.
pub fn segment(id: &str) -> String {
    id.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "https://api.example.com",
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
        ] {
            assert!(validate_base_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://api.example.com",
            "http://10.0.0.1",
            "ftp://x",
            "nope",
        ] {
            assert!(validate_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_are_escaped_as_one_path_segment() {
        assert_eq!(segment("123"), "123");
        assert_eq!(segment("a/../b"), "a%2F..%2Fb");
    }

    #[test]
    fn the_write_reserve_is_a_tenth_and_never_zero() {
        assert_eq!(write_reserve(1000), 100);
        assert_eq!(write_reserve(5), 1);
    }
}
