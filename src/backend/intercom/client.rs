//! The Intercom REST client: reads a whole snapshot, performs the writes, tracks the rate-limit
//! budget. Speaks to api.intercom.io (US/EU/AU) or, in demo and tests, to the simulator.

use super::{mapping, wire};
use crate::backend::{
    Ack, AssignTarget, BackendError, Budget, FailedWrite, Helpdesk, MemberChange, PresenceChange,
    Probe, classify_common,
};
use crate::clock::{SharedClock, SystemClock};
use crate::domain::capabilities::{Read, Write};
use crate::domain::{
    Capabilities, Conversation, ConversationId, Inbox, InboxId, Level, Member, PresenceStatus,
    Snapshot, Teammate, TeammateId, Workspace,
};
use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use reqwest::{Method, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Largest page the search endpoint serves.
pub const MAX_PER_PAGE: u32 = 150;

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
    /// Tries per read (1 = no retry). Writes are never retried, except after a 429, which
    /// guarantees nothing was applied.
    pub read_attempts: u32,
    /// First retry delay; doubles per retry (with jitter) up to `backoff_max`.
    pub backoff_base: Duration,
    /// Longest retry delay.
    pub backoff_max: Duration,
    /// The clock for rate-limit resets and retry waits.
    pub clock: SharedClock,
}

impl IntercomSettings {
    /// Settings with the defaults: 10 s timeout, up to 15 s of waiting for a rate-limit reset.
    pub fn new(base_url: impl Into<String>, token: SecretString, label: &str) -> Self {
        Self {
            base_url: base_url.into(),
            token,
            timeout: Duration::from_secs(10),
            max_rate_wait: Duration::from_secs(15),
            label: label.to_owned(),
            read_attempts: 4,
            backoff_base: Duration::from_millis(250),
            backoff_max: Duration::from_secs(4),
            clock: Arc::new(SystemClock),
        }
    }

    /// The same settings on another clock (tests drive retries on a manual clock).
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The API base URL of a region: `us`, `eu` or `au`.
    pub fn region_url(region: &str) -> Result<&'static str, BackendError> {
        match region.to_ascii_lowercase().as_str() {
            "us" => Ok("https://api.intercom.io"),
            "eu" => Ok("https://api.eu.intercom.io"),
            "au" => Ok("https://api.au.intercom.io"),
            other => Err(BackendError::Config(format!(
                "unknown region {other:?} (expected us, eu or au)"
            ))),
        }
    }
}

impl std::fmt::Debug for IntercomSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntercomSettings")
            .field("base_url", &self.base_url)
            .field("token", &"[redacted]")
            .field("timeout", &self.timeout)
            .field("label", &self.label)
            .field("read_attempts", &self.read_attempts)
            .finish_non_exhaustive()
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

/// State learned while running.
/// What a full read left behind, so the next refreshes can ask only for what changed.
struct Held {
    /// Teams as last read in full (names, distribution, limits; members are rebuilt from the
    /// admins on every refresh).
    teams: Vec<wire::Team>,
    /// Away reasons as last read in full.
    reasons: Vec<crate::domain::AwayReason>,
    /// The workspace.
    workspace: Workspace,
    /// Open and snoozed conversations by id (ordered: snapshots come out in a stable order).
    conversations: std::collections::BTreeMap<String, Conversation>,
    /// When the last refresh started (client clock).
    synced_at: Timestamp,
    /// When the last full read started.
    full_at: Timestamp,
}

/// How far before the last refresh an incremental search reaches back, for clock skew
/// between the backend and us and for changes landing while a refresh runs.
pub const SYNC_SKEW: SignedDuration = SignedDuration::from_secs(60);

/// How often a full read reconciles the held snapshot (catching deletions and anything an
/// incremental search could miss).
pub const FULL_EVERY: SignedDuration = SignedDuration::from_mins(10);

#[derive(Default)]
struct Learned {
    budget: Budget,
    me: Option<String>,
    membership_off: Option<String>,
}

/// An Intercom API client.
pub struct IntercomClient {
    http: reqwest::Client,
    base: Url,
    token: SecretString,
    timeout: Duration,
    max_rate_wait: Duration,
    label: String,
    per_page: u32,
    read_attempts: u32,
    backoff_base: Duration,
    backoff_max: Duration,
    clock: SharedClock,
    learned: Mutex<Learned>,
    held: tokio::sync::Mutex<Option<Held>>,
}

impl std::fmt::Debug for IntercomClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntercomClient")
            .field("base", &self.base.as_str())
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

/// API version header value of a request.
#[derive(Clone, Copy)]
enum Version {
    Stable,
    Preview,
}

/// Whether a request only reads (safe to retry) or writes (never retried blindly).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Read,
    Write,
}

/// Most 429s one request waits out before giving up.
const MAX_RATE_LIMITED: u32 = 3;

/// The share of each rate-limit window that polling leaves for writes: reads wait for the
/// next window once only this much is left, so a write is never starved by the sync loop.
fn write_reserve(limit: u32) -> u32 {
    (limit / 10).max(1)
}

/// "Equal jitter" exponential backoff: half the doubled delay plus a random other half.
fn backoff(base: Duration, max: Duration, retry: u32) -> Duration {
    let full = base.saturating_mul(1u32 << retry.min(16)).min(max);
    let half = full / 2;
    half + half.mul_f64(rand::random::<f64>())
}

impl IntercomClient {
    /// Builds a client; refuses plain `http://` to anything but loopback.
    pub fn new(settings: IntercomSettings) -> Result<Self, BackendError> {
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
            token: settings.token,
            timeout: settings.timeout,
            max_rate_wait: settings.max_rate_wait,
            label: settings.label,
            per_page: MAX_PER_PAGE,
            read_attempts: settings.read_attempts.max(1),
            backoff_base: settings.backoff_base,
            backoff_max: settings.backoff_max,
            clock: settings.clock,
            learned: Mutex::new(Learned::default()),
            held: tokio::sync::Mutex::new(None),
        })
    }

    /// Uses a smaller search page (1..=150); for tests of paging.
    pub fn with_page_size(mut self, per_page: u32) -> Self {
        self.per_page = per_page.clamp(1, MAX_PER_PAGE);
        self
    }

    fn learned(&self) -> std::sync::MutexGuard<'_, Learned> {
        self.learned.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends one request and decodes the answer. Reads are retried on network errors,
    /// timeouts, 5xx and undecodable bodies with jittered exponential backoff; a 429 waits for
    /// the window's reset (or backs off when the answer gave none) for reads and writes alike,
    /// since a 429 means nothing was applied. Any other failure of a write is returned as is:
    /// the caller re-reads to learn what happened.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&dyn erased::Body>,
        version: Version,
    ) -> Result<T, BackendError> {
        let kind = if method == Method::GET || path == "/conversations/search" {
            Kind::Read
        } else {
            Kind::Write
        };
        let endpoint = format!("{method} {path}");
        let url = self
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|e| BackendError::Config(format!("bad path {path}: {e}")))?;
        let (mut failures, mut rate_limited) = (0u32, 0u32);
        loop {
            self.wait_for_budget(kind).await?;
            let mut req = self
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(self.token.expose_secret())
                .header("Accept", "application/json")
                .header(
                    "Intercom-Version",
                    match version {
                        Version::Stable => wire::API_VERSION,
                        Version::Preview => wire::PREVIEW_VERSION,
                    },
                );
            if let Some(b) = body {
                req = req
                    .header("Content-Type", "application/json")
                    .body(b.to_json());
            }
            let error = match self.send(req).await {
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
                            None => api_error(status, &bytes),
                        });
                    }
                    tracing::warn!(%endpoint, ?wait, "rate limited; waiting before trying again");
                    self.clock.sleep(wait).await;
                    continue;
                }
                Ok((status, _, bytes)) if status.is_success() => match wire::from_body(&bytes) {
                    Ok(v) => return Ok(v),
                    Err(e) => BackendError::Decode {
                        endpoint: endpoint.clone(),
                        detail: e.to_string(),
                    },
                },
                Ok((status, _, bytes)) => api_error(status, &bytes),
                Err(e) => e,
            };
            let transient = match &error {
                BackendError::Network(_) | BackendError::Timeout(_) => true,
                BackendError::Decode { .. } => true,
                e => e.status().is_some_and(|s| s >= 500),
            };
            failures += 1;
            if kind == Kind::Write || !transient || failures >= self.read_attempts {
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
    ) -> Result<(StatusCode, Option<Timestamp>, Vec<u8>), BackendError> {
        let resp = req.send().await.map_err(|e| self.transport_error(e))?;
        let status = resp.status();
        let reset = parse_budget(resp.headers()).reset;
        self.record_budget(resp.headers());
        let bytes = resp.bytes().await.map_err(|e| self.transport_error(e))?;
        Ok((status, reset, bytes.to_vec()))
    }

    fn transport_error(&self, e: reqwest::Error) -> BackendError {
        if e.is_timeout() {
            BackendError::Timeout(self.timeout)
        } else {
            // reqwest errors name the URL but never headers, so the token cannot leak here.
            BackendError::Network(e.without_url().to_string())
        }
    }

    /// Waits (bounded) for the next window when the last answer said this one is used up —
    /// for reads, when only the writes' reserve is left.
    async fn wait_for_budget(&self, kind: Kind) -> Result<(), BackendError> {
        let budget = self.learned().budget;
        let (Some(remaining), Some(reset)) = (budget.remaining, budget.reset) else {
            return Ok(());
        };
        let floor = match kind {
            Kind::Read => budget.limit.map(write_reserve).unwrap_or(1),
            Kind::Write => 0,
        };
        let now = self.clock.now();
        if remaining <= floor && reset > now {
            let wait = Duration::try_from(reset.duration_since(now)).unwrap_or_default();
            if wait > self.max_rate_wait {
                return Err(BackendError::RateLimited { reset });
            }
            tracing::debug!(
                ?kind,
                remaining,
                ?wait,
                "waiting for the next rate-limit window"
            );
            self.clock.sleep(wait).await;
        }
        Ok(())
    }

    fn record_budget(&self, headers: &reqwest::header::HeaderMap) {
        let budget = parse_budget(headers);
        if budget.limit.is_some() || budget.remaining.is_some() {
            self.learned().budget = budget;
        }
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, BackendError> {
        self.call(Method::GET, path, None, Version::Stable).await
    }

    async fn me(&self) -> Result<wire::Me, BackendError> {
        let me: wire::Me = self.get("/me").await?;
        self.learned().me = Some(me.id.clone());
        Ok(me)
    }

    async fn me_id(&self) -> Result<String, BackendError> {
        if let Some(id) = self.learned().me.clone() {
            return Ok(id);
        }
        Ok(self.me().await?.id)
    }

    async fn reasons(&self) -> Result<Vec<crate::domain::AwayReason>, BackendError> {
        let list: wire::AwayStatusReasonList = self.get("/away_status_reasons").await?;
        Ok(list.data.iter().map(mapping::away_reason).collect())
    }

    async fn teams(&self) -> Result<Vec<wire::Team>, BackendError> {
        let list: wire::TeamList = self.get("/teams").await?;
        Ok(list.teams)
    }

    /// Teams and admins as domain inboxes, with levels reconciled.
    fn inboxes(teams: &[wire::Team], admins: &[wire::Admin]) -> Vec<Inbox> {
        let mut inboxes: Vec<Inbox> = teams.iter().map(mapping::inbox).collect();
        mapping::apply_admin_levels(&mut inboxes, teams, admins);
        inboxes
    }

    async fn admins(&self) -> Result<Vec<wire::Admin>, BackendError> {
        let list: wire::AdminList = self.get("/admins").await?;
        Ok(list.admins)
    }

    /// All conversations matching `query`, following `pages.next.starting_after`, mapped to
    /// the domain page by page (a large result never sits in memory twice).
    pub async fn search_all(
        &self,
        query: wire::Query,
    ) -> Result<(Vec<Conversation>, Vec<String>), BackendError> {
        let mut out = Vec::new();
        let mut warnings = Vec::new();
        let mut cursor: Option<String> = None;
        let mut seen = std::collections::HashSet::new();
        loop {
            let req = wire::SearchRequest {
                query: query.clone(),
                pagination: Some(wire::StartingAfterPaging {
                    per_page: Some(i64::from(self.per_page)),
                    starting_after: cursor.clone(),
                }),
            };
            let page: wire::ConversationList = self
                .call(
                    Method::POST,
                    "/conversations/search",
                    Some(&req),
                    Version::Stable,
                )
                .await?;
            out.extend(page.conversations.iter().map(mapping::conversation));
            let next = page
                .pages
                .and_then(|p| p.next)
                .and_then(|n| n.starting_after);
            match next {
                Some(c) if !seen.insert(c.clone()) => {
                    warnings.push(format!(
                        "search paging repeated cursor {c:?}; stopped after {} conversations",
                        out.len()
                    ));
                    break;
                }
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        Ok((out, warnings))
    }

    /// Assigns via the manage endpoint as the acting admin.
    async fn post_assignment(
        &self,
        id: &ConversationId,
        kind: &str,
        assignee: &str,
    ) -> Result<wire::Conversation, BackendError> {
        let req = wire::AssignRequest {
            message_type: "assignment".into(),
            kind: kind.into(),
            admin_id: self.me_id().await?,
            assignee_id: assignee.into(),
            body: None,
        };
        let path = format!("/conversations/{}/parts", segment(id.as_str()));
        self.call(Method::POST, &path, Some(&req), Version::Stable)
            .await
    }
}

impl IntercomClient {
    /// Reads everything and returns it with the state to refresh from.
    async fn full_snapshot(&self, started: Timestamp) -> Result<(Snapshot, Held), BackendError> {
        let open = wire::Query::filter("open", "=", true);
        let (me, teams, admins, reasons, found) = tokio::join!(
            self.me(),
            self.teams(),
            self.admins(),
            self.reasons(),
            self.search_all(open)
        );
        let mut warnings = Vec::new();
        let me = me?;
        let admins = admins?;
        let teams = teams?;
        let reasons = reasons.unwrap_or_else(|e| {
            warnings.push(format!("away reasons unavailable: {e}"));
            Vec::new()
        });
        let (conversations, paging_warnings) = found?;
        warnings.extend(paging_warnings);
        let workspace = Workspace {
            name: me.app.map(|a| a.name).unwrap_or_default(),
            backend: self.label.clone(),
            me: Some(TeammateId(me.id)),
        };
        let conversations: std::collections::BTreeMap<String, Conversation> = conversations
            .into_iter()
            .map(|c| (c.id.0.clone(), c))
            .collect();
        let held = Held {
            teams,
            reasons,
            workspace,
            conversations,
            synced_at: started,
            full_at: started,
        };
        let snapshot = self.assemble(&held, &admins, warnings);
        Ok((snapshot, held))
    }

    /// An incremental refresh of `held`.
    async fn refresh(&self, held: &mut Held, started: Timestamp) -> Result<Snapshot, BackendError> {
        let since = held
            .synced_at
            .checked_sub(SYNC_SKEW)
            .unwrap_or(held.synced_at)
            .as_second();
        let changed = wire::Query::filter("updated_at", ">", since);
        let (admins, found) = tokio::join!(self.admins(), self.search_all(changed));
        let admins = admins?;
        let (changed, warnings) = found?;
        merge(&mut held.conversations, changed);
        // Memberships and levels come from the admins; the teams' own lists may be stale.
        let mut members: std::collections::HashMap<i64, Vec<i64>> =
            std::collections::HashMap::new();
        for a in &admins {
            if let Ok(id) = a.id.parse::<i64>() {
                for t in &a.team_ids {
                    members.entry(*t).or_default().push(id);
                }
            }
        }
        for t in &mut held.teams {
            t.admin_ids =
                t.id.parse::<i64>()
                    .ok()
                    .and_then(|id| members.remove(&id))
                    .unwrap_or_default();
            t.admin_priority_level = None;
        }
        held.synced_at = started;
        Ok(self.assemble(held, &admins, warnings))
    }

    /// A snapshot from held teams, reasons and conversations and fresh admins.
    fn assemble(&self, held: &Held, admins: &[wire::Admin], warnings: Vec<String>) -> Snapshot {
        let inboxes = Self::inboxes(&held.teams, admins);
        let teammates = admins
            .iter()
            .map(|a| mapping::teammate(a, &held.reasons, &inboxes))
            .collect();
        // Held by id, so already in a stable order.
        let conversations: Vec<Conversation> = held.conversations.values().cloned().collect();
        Snapshot {
            taken_at: self.clock.now(),
            workspace: held.workspace.clone(),
            inboxes,
            teammates,
            conversations,
            away_reasons: held.reasons.clone(),
            warnings,
        }
    }
}

/// Merges changed conversations into `held`: closed ones leave, the rest are inserted or
/// replaced.
pub fn merge(
    held: &mut std::collections::BTreeMap<String, Conversation>,
    changed: impl IntoIterator<Item = Conversation>,
) {
    for c in changed {
        if c.state.is_done() {
            held.remove(&c.id.0);
        } else {
            held.insert(c.id.0.clone(), c);
        }
    }
}

/// Percent-encodes an id for use as one path segment.
fn segment(id: &str) -> String {
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

/// Reads `X-RateLimit-Limit/Remaining/Reset` (reset in Unix seconds).
pub fn parse_budget(headers: &reqwest::header::HeaderMap) -> Budget {
    let num = |name: &str| -> Option<i64> {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok())
    };
    Budget {
        limit: num("x-ratelimit-limit").and_then(|v| u32::try_from(v).ok()),
        remaining: num("x-ratelimit-remaining").and_then(|v| u32::try_from(v).ok()),
        reset: num("x-ratelimit-reset").and_then(|v| Timestamp::from_second(v).ok()),
    }
}

/// A typed error from a non-2xx answer, using Intercom's error list when there is one.
fn api_error(status: StatusCode, body: &[u8]) -> BackendError {
    let list = wire::parse_error(body);
    let first = list.as_ref().and_then(|l| l.errors.first());
    BackendError::Api {
        status: status.as_u16(),
        code: first.map(|e| e.code.clone()),
        message: first
            .and_then(|e| e.message.clone())
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned()),
    }
}

/// Request bodies as JSON, behind a trait object so `call` is not generic over them.
mod erased {
    /// A serialisable request body.
    pub trait Body: Sync {
        /// The JSON text.
        fn to_json(&self) -> String;
    }

    impl<T: serde::Serialize + Sync> Body for T {
        fn to_json(&self) -> String {
            serde_json::to_string(self).unwrap_or_default()
        }
    }
}

fn intercom_capabilities() -> Capabilities {
    Capabilities {
        inboxes: Read::Exact,
        member_levels: Read::Exact,
        load: Read::Exact,
        caps: Read::Estimated(
            "from config or the team's assignment_limit: Intercom exposes no per-teammate cap"
                .into(),
        ),
        sla_deadlines: Read::Estimated(
            "from SLA targets in config and waiting_since: Intercom gives only SLA name and status"
                .into(),
        ),
        away: Read::Exact,
        away_since: Read::Unavailable("Intercom shows it only in admin activity logs".into()),
        assign: Write::Available,
        set_away: Write::Available,
        membership: Write::Available,
        default_inbox: Write::Unavailable(NO_DEFAULT_INBOX.into()),
        presence: vec![
            PresenceStatus::Online,
            PresenceStatus::Away,
            PresenceStatus::AwayReassign,
        ],
    }
}

#[async_trait]
impl Helpdesk for IntercomClient {
    fn capabilities(&self) -> Capabilities {
        let mut caps = intercom_capabilities();
        if let Some(reason) = self.learned().membership_off.clone() {
            caps.membership = Write::Unavailable(reason);
        }
        caps
    }

    fn budget(&self) -> Budget {
        self.learned().budget
    }

    /// A full read the first time and every [`FULL_EVERY`]; otherwise an incremental one:
    /// the admins (away, memberships) plus a search for conversations updated since the last
    /// refresh (minus [`SYNC_SKEW`]), merged into the held snapshot.
    async fn snapshot(&self) -> Result<Snapshot, BackendError> {
        let started = self.clock.now();
        let mut held = self.held.lock().await;
        let incremental = held
            .as_ref()
            .is_some_and(|h| started.duration_since(h.full_at) < FULL_EVERY);
        if incremental && let Some(h) = held.as_mut() {
            return self.refresh(h, started).await;
        }
        let (snapshot, fresh) = self.full_snapshot(started).await?;
        *held = Some(fresh);
        Ok(snapshot)
    }

    async fn conversation(&self, id: &ConversationId) -> Result<Conversation, BackendError> {
        let c: wire::Conversation = self
            .get(&format!("/conversations/{}", segment(id.as_str())))
            .await?;
        Ok(mapping::conversation(&c))
    }

    async fn teammate(&self, id: &TeammateId) -> Result<Teammate, BackendError> {
        let path = format!("/admins/{}", segment(id.as_str()));
        let (admin, teams, reasons) =
            tokio::join!(self.get::<wire::Admin>(&path), self.teams(), self.reasons());
        let admin = admin?;
        let inboxes = Self::inboxes(&teams?, std::slice::from_ref(&admin));
        Ok(mapping::teammate(
            &admin,
            &reasons.unwrap_or_default(),
            &inboxes,
        ))
    }

    async fn inbox(&self, id: &InboxId) -> Result<Inbox, BackendError> {
        let t: wire::Team = self
            .get(&format!("/teams/{}", segment(id.as_str())))
            .await?;
        Ok(mapping::inbox(&t))
    }

    async fn assign(
        &self,
        id: &ConversationId,
        target: &AssignTarget,
    ) -> Result<Ack, BackendError> {
        match target {
            AssignTarget::Teammate(t) => self.post_assignment(id, "admin", t.as_str()).await?,
            AssignTarget::Inbox(i) => self.post_assignment(id, "team", i.as_str()).await?,
            AssignTarget::UnassignTeammate => self.post_assignment(id, "admin", "0").await?,
            AssignTarget::UnassignInbox => self.post_assignment(id, "team", "0").await?,
        };
        Ok(Ack::Done)
    }

    async fn set_presence(
        &self,
        id: &TeammateId,
        change: &PresenceChange,
    ) -> Result<Ack, BackendError> {
        let (away, reassign) = match change.status {
            PresenceStatus::Online => (false, false),
            PresenceStatus::Away => (true, false),
            PresenceStatus::AwayReassign => (true, true),
            other => {
                return Err(BackendError::Unsupported(format!(
                    "Intercom has no \"{other}\" status"
                )));
            }
        };
        let reason = match &change.reason {
            Some(r) if away => Some(r.as_str().parse::<i64>().map_err(|_| {
                BackendError::Config(format!("away reason id {:?} is not numeric", r.as_str()))
            })?),
            _ => None,
        };
        let req = wire::AwayRequest {
            away_mode_enabled: away,
            away_mode_reassign: reassign,
            away_status_reason_id: reason,
        };
        let path = format!("/admins/{}/away", segment(id.as_str()));
        self.call::<wire::Admin>(Method::PUT, &path, Some(&req), Version::Stable)
            .await?;
        Ok(Ack::Done)
    }

    /// Intercom replaces a team's whole member list, so this reads the team fresh, changes
    /// only `teammate`, and sends the list back; the executor serialises writes to one team,
    /// so changes made from this dashboard compose.
    async fn change_membership(
        &self,
        inbox: &InboxId,
        teammate: &TeammateId,
        change: MemberChange,
    ) -> Result<Ack, BackendError> {
        if let Some(reason) = self.learned().membership_off.clone() {
            return Err(BackendError::Unsupported(reason));
        }
        let level = match change {
            MemberChange::Set(level) => Some(level),
            MemberChange::Remove => None,
            MemberChange::MakeDefault => {
                return Err(BackendError::Unsupported(NO_DEFAULT_INBOX.into()));
            }
        };
        let mut members = self.inbox(inbox).await?.members;
        members.retain(|m| &m.teammate != teammate);
        if let Some(level) = level {
            members.push(Member {
                teammate: teammate.clone(),
                level,
            });
        }
        let ids = |level: Option<Level>| -> Result<Vec<i64>, BackendError> {
            members
                .iter()
                .filter(|m| level.is_none_or(|l| m.level == l))
                .map(|m| {
                    m.teammate.as_str().parse::<i64>().map_err(|_| {
                        BackendError::Config(format!(
                            "teammate id {:?} is not numeric",
                            m.teammate.as_str()
                        ))
                    })
                })
                .collect()
        };
        let req = wire::UpdateTeamMembersRequest {
            admin_ids: ids(None)?,
            // Secondary levels are refused on teams that do not balance load, so an empty
            // secondary list is left out rather than sent.
            admin_priority_level: Some(wire::AdminPriorityLevel {
                primary_admin_ids: Some(ids(Some(Level::Primary))?),
                secondary_admin_ids: Some(ids(Some(Level::Secondary))?)
                    .filter(|v: &Vec<i64>| !v.is_empty()),
            }),
        };
        let path = format!("/teams/{}", segment(inbox.as_str()));
        match self
            .call::<wire::Team>(Method::PUT, &path, Some(&req), Version::Preview)
            .await
        {
            Ok(_) => Ok(Ack::Done),
            Err(e) if e.status() == Some(403) && e.code() == Some("api_plan_restricted") => {
                let reason = format!("membership writes unavailable: {e}");
                self.learned().membership_off = Some(reason);
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// A 409 on a team update means part of the member change may have landed.
    fn classify(&self, error: &BackendError) -> FailedWrite {
        if error.status() == Some(409) {
            FailedWrite::MayHaveApplied
        } else {
            classify_common(error)
        }
    }

    /// Intercom says whether a workspace has Preview membership writes only in the answer
    /// to a write (403 `api_plan_restricted`), so this reports that rather than writing.
    async fn probe(&self) -> Vec<Probe> {
        let what = "membership writes".to_owned();
        match self.learned().membership_off.clone() {
            Some(reason) => vec![Probe {
                what,
                ok: false,
                detail: reason,
            }],
            None => vec![Probe {
                what,
                ok: true,
                detail: "not probed: Intercom tells only in answer to a write (Preview API); \
                         the first membership change turns them off with the reason if the \
                         workspace lacks them"
                    .into(),
            }],
        }
    }
}

/// Why Intercom offers no default inbox.
const NO_DEFAULT_INBOX: &str = "Intercom teammates have no default inbox";

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(validate_base_url("https://api.intercom.io").is_ok());
        assert!(validate_base_url("http://127.0.0.1:8080").is_ok());
        assert!(validate_base_url("http://127.9.9.9").is_ok());
        assert!(validate_base_url("http://localhost:1").is_ok());
        assert!(validate_base_url("http://[::1]:80").is_ok());
        for bad in [
            "http://api.intercom.io",
            "http://10.0.0.1",
            "ftp://x",
            "not a url",
        ] {
            assert!(
                matches!(validate_base_url(bad), Err(BackendError::Config(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn regions_map_to_base_urls() {
        assert_eq!(
            IntercomSettings::region_url("EU").unwrap(),
            "https://api.eu.intercom.io"
        );
        assert!(IntercomSettings::region_url("mars").is_err());
    }

    #[test]
    fn budget_headers_parse_and_junk_is_ignored() {
        let mut h = HeaderMap::new();
        h.insert("X-RateLimit-Limit", HeaderValue::from_static("167"));
        h.insert("X-RateLimit-Remaining", HeaderValue::from_static(" 12 "));
        h.insert("X-RateLimit-Reset", HeaderValue::from_static("1800000000"));
        let b = parse_budget(&h);
        assert_eq!((b.limit, b.remaining), (Some(167), Some(12)));
        assert_eq!(b.reset.map(|r| r.as_second()), Some(1_800_000_000));
        h.insert("X-RateLimit-Remaining", HeaderValue::from_static("-3"));
        assert_eq!(parse_budget(&h).remaining, None);
    }

    #[test]
    fn error_bodies_become_typed_errors() {
        let e = api_error(
            StatusCode::NOT_FOUND,
            br#"{"type":"error.list","errors":[{"code":"admin_not_found","message":"Admin not found"}]}"#,
        );
        assert_eq!(e.status(), Some(404));
        assert_eq!(e.code(), Some("admin_not_found"));
        let e = api_error(StatusCode::BAD_GATEWAY, b"<html>oops</html>");
        assert_eq!((e.status(), e.code()), (Some(502), None));
        assert!(e.to_string().contains("Bad Gateway"));
    }

    #[test]
    fn ids_are_escaped_as_one_path_segment() {
        assert_eq!(segment("123"), "123");
        assert_eq!(segment("a/../b"), "a%2F..%2Fb");
    }

    #[test]
    fn merging_replaces_changed_conversations_and_drops_closed_ones() {
        use crate::domain::{ConversationState, Priority};
        let conv = |id: &str, state| Conversation {
            id: ConversationId(id.into()),
            title: Some(id.into()),
            state,
            raw_state: None,
            priority: Priority::None,
            inbox: None,
            assignee: None,
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
            waiting_since: None,
            snoozed_until: None,
            first_reply_at: None,
            last_reply_at: None,
            sla: None,
        };
        let mut held: std::collections::BTreeMap<String, Conversation> = ["a", "b", "c"]
            .into_iter()
            .map(|id| (id.to_owned(), conv(id, ConversationState::Open)))
            .collect();
        merge(
            &mut held,
            [
                conv("b", ConversationState::Closed),
                conv("c", ConversationState::Snoozed),
                conv("d", ConversationState::Open),
                conv("e", ConversationState::Closed),
            ],
        );
        let mut ids: Vec<&str> = held.keys().map(String::as_str).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["a", "c", "d"]);
        assert_eq!(held["c"].state, ConversationState::Snoozed);
    }

    #[test]
    fn debug_never_shows_the_token() {
        let s = IntercomSettings::new(
            "https://api.intercom.io",
            SecretString::from("canary-token-123"),
            "intercom",
        );
        assert!(!format!("{s:?}").contains("canary"));
        let c = IntercomClient::new(s).unwrap();
        assert!(!format!("{c:?}").contains("canary"));
    }
}
