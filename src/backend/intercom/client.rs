//! The Intercom REST client: reads a whole snapshot (through the shared held-model
//! [`Cache`]), performs the writes, and speaks over the shared [`Transport`] to
//! api.intercom.io (US/EU/AU) or, in demo and tests, to the simulator.

use super::sync::{self, Fixed};
use super::{http, mapping, wire};
use crate::backend::cache::Cache;
pub use crate::backend::cache::merge;
pub use crate::backend::transport::validate_base_url;
use crate::backend::transport::{
    Auth, Request, RequestKind, Transport, TransportSettings, segment,
};
use crate::backend::{
    Ack, AssignTarget, BackendError, Budget, FailedWrite, Helpdesk, MemberChange, PresenceChange,
    Probe,
};
use crate::clock::{SharedClock, SystemClock};
use crate::domain::capabilities::{Read, Write};
use crate::domain::{
    Capabilities, Conversation, ConversationId, Conversations, Inbox, InboxId, Level, Member,
    PresenceStatus, Snapshot, Teammate, TeammateId,
};
use async_trait::async_trait;
use jiff::Timestamp;
use reqwest::Method;
use secrecy::SecretString;
use serde::de::DeserializeOwned;
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

#[derive(Default)]
struct Learned {
    me: Option<String>,
    /// The workspace's `app.id_code` from `GET /me` (links into the inbox use it).
    app_id: Option<String>,
    membership_off: Option<String>,
}

/// An Intercom API client.
pub struct IntercomClient {
    transport: Transport,
    label: String,
    per_page: u32,
    learned: Mutex<Learned>,
    cache: Cache<Fixed, Timestamp>,
}

impl std::fmt::Debug for IntercomClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntercomClient")
            .field("transport", &self.transport)
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

impl IntercomClient {
    /// Builds a client; refuses plain `http://` to anything but loopback.
    pub fn new(settings: IntercomSettings) -> Result<Self, BackendError> {
        let transport = TransportSettings {
            base_url: settings.base_url,
            auth: Auth::Bearer(settings.token),
            timeout: settings.timeout,
            max_rate_wait: settings.max_rate_wait,
            read_attempts: settings.read_attempts,
            backoff_base: settings.backoff_base,
            backoff_max: settings.backoff_max,
            clock: settings.clock,
        };
        Ok(Self {
            transport: Transport::new(transport, http::parse_budget, http::api_error)?,
            label: settings.label,
            per_page: MAX_PER_PAGE,
            learned: Mutex::new(Learned::default()),
            cache: Cache::new(sync::FULL_EVERY),
        })
    }

    /// Uses a smaller search page (1..=150); for tests of paging.
    pub fn with_page_size(mut self, per_page: u32) -> Self {
        self.per_page = per_page.clamp(1, MAX_PER_PAGE);
        self
    }

    /// The label shown as the backend.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Now, on the client's clock.
    pub fn now(&self) -> Timestamp {
        self.transport.clock().now()
    }

    fn learned(&self) -> std::sync::MutexGuard<'_, Learned> {
        self.learned.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One request with Intercom's version header.
    async fn call<T: DeserializeOwned>(
        &self,
        kind: RequestKind,
        method: Method,
        path: &str,
        body: Option<&dyn erased::Body>,
        version: Version,
    ) -> Result<T, BackendError> {
        let version = match version {
            Version::Stable => wire::API_VERSION,
            Version::Preview => wire::PREVIEW_VERSION,
        };
        let headers = [("Intercom-Version", version)];
        let req = Request {
            kind,
            method,
            path,
            headers: &headers,
            body: body.map(|b| b.to_json()),
        };
        self.transport.call(req, http::decode).await
    }

    /// The admins, unless the body is byte for byte the one `last` fingerprints (then
    /// `None`: nothing about any admin changed, and the body is not decoded); with the
    /// body's fingerprint. Intercom has no "admins changed since", so every refresh reads
    /// them all: most refreshes then cost a hash of the body, not a decode.
    pub(super) async fn admins_unless(
        &self,
        last: Option<Fingerprint>,
    ) -> Result<(Option<Vec<wire::Admin>>, Fingerprint), BackendError> {
        let headers = [("Intercom-Version", wire::API_VERSION)];
        let req = Request {
            kind: RequestKind::Read,
            method: Method::GET,
            path: "/admins",
            headers: &headers,
            body: None,
        };
        self.transport
            .call(req, |body| {
                let seen = Fingerprint::of(body);
                if last == Some(seen) {
                    return Ok((None, seen));
                }
                let list: wire::AdminList = http::decode(body)?;
                Ok((Some(list.admins), seen))
            })
            .await
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, BackendError> {
        self.call(RequestKind::Read, Method::GET, path, None, Version::Stable)
            .await
    }

    pub(super) async fn me(&self) -> Result<wire::Me, BackendError> {
        let me: wire::Me = self.get("/me").await?;
        let mut learned = self.learned();
        learned.me = Some(me.id.clone());
        if let Some(app) = me.app.as_ref().filter(|a| !a.id_code.is_empty()) {
            learned.app_id = Some(app.id_code.clone());
        }
        drop(learned);
        Ok(me)
    }

    async fn me_id(&self) -> Result<String, BackendError> {
        if let Some(id) = self.learned().me.clone() {
            return Ok(id);
        }
        Ok(self.me().await?.id)
    }

    pub(super) async fn reasons(&self) -> Result<Vec<crate::domain::AwayReason>, BackendError> {
        let list: wire::AwayStatusReasonList = self.get("/away_status_reasons").await?;
        Ok(list.data.iter().map(mapping::away_reason).collect())
    }

    pub(super) async fn teams(&self) -> Result<Vec<wire::Team>, BackendError> {
        let list: wire::TeamList = self.get("/teams").await?;
        Ok(list.teams)
    }

    pub(super) async fn admins(&self) -> Result<Vec<wire::Admin>, BackendError> {
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
        let warnings = self.search_pages(query, |page| out.extend(page)).await?;
        Ok((out, warnings))
    }

    /// [`IntercomClient::search_all`] into the persistent map, page by page: each page's
    /// wire bodies and mapped conversations are dropped as soon as they are in the map, so a
    /// full read never holds a second copy of the workspace (the later read of an id wins).
    pub async fn search_map(
        &self,
        query: wire::Query,
        intake: &crate::backend::cache::Intake<'_>,
    ) -> Result<(Conversations, Vec<String>), BackendError> {
        let mut out = Conversations::new();
        let warnings = self
            .search_pages(query, |page| {
                for c in page {
                    intake.file(&mut out, c);
                }
            })
            .await?;
        Ok((out, warnings))
    }

    /// Every page of a search, mapped, handed to `each` as it arrives; returns the paging
    /// warnings.
    async fn search_pages(
        &self,
        query: wire::Query,
        mut each: impl FnMut(Vec<Conversation>) + Send,
    ) -> Result<Vec<String>, BackendError> {
        let mut seen_count = 0usize;
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
                    RequestKind::Read,
                    Method::POST,
                    "/conversations/search",
                    Some(&req),
                    Version::Stable,
                )
                .await?;
            seen_count += page.conversations.len();
            let next = page
                .pages
                .as_ref()
                .and_then(|p| p.next.as_ref())
                .and_then(|n| n.starting_after.clone());
            each(
                page.conversations
                    .iter()
                    .map(mapping::conversation)
                    .collect(),
            );
            drop(page);
            match next {
                Some(c) if !seen.insert(c.clone()) => {
                    warnings.push(format!(
                        "search paging repeated cursor {c:?}; stopped after {seen_count} conversations"
                    ));
                    break;
                }
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        Ok(warnings)
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
        self.call(
            RequestKind::Write,
            Method::POST,
            &path,
            Some(&req),
            Version::Stable,
        )
        .await
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
        removal_unassigns: None,
        assign_batch: None,
        assignee_in_inbox: false,
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
        self.transport.budget()
    }

    /// A full read the first time and every [`sync::FULL_EVERY`]; otherwise an incremental
    /// one (see [`sync`]).
    async fn snapshot(&self) -> Result<Snapshot, BackendError> {
        self.cache.snapshot(self, self.now()).await
    }

    /// The same reads as [`Helpdesk::snapshot`], with what changed since the last refresh.
    async fn refresh(
        &self,
        policy: &crate::domain::Policy,
    ) -> Result<crate::domain::Refresh, BackendError> {
        self.cache.refresh(self, self.now(), policy).await
    }

    /// Holds `held`'s conversations and reads me, teams, admins and away reasons only.
    async fn resume(&self, held: &Snapshot, since: jiff::Timestamp) -> bool {
        self.cache.resume_held(self, held, since).await
    }

    async fn conversation(&self, id: &ConversationId) -> Result<Conversation, BackendError> {
        let c: wire::Conversation = self
            .get(&format!("/conversations/{}", segment(id.as_str())))
            .await?;
        Ok(mapping::conversation(&c))
    }

    async fn conversation_detail(
        &self,
        id: &ConversationId,
    ) -> Result<crate::domain::detail::ConversationDetail, BackendError> {
        let path = format!("/conversations/{}", segment(id.as_str()));
        let c: wire::ConversationWithParts = if self.learned().app_id.is_none() {
            // The link needs the workspace's app id, which `GET /me` tells.
            let (c, me) = tokio::join!(self.get(&path), self.me());
            if let Err(e) = me {
                tracing::debug!(error = %e, "no app id for conversation links");
            }
            c?
        } else {
            self.get(&path).await?
        };
        Ok(mapping::conversation_detail(&c))
    }

    fn conversation_link(&self, id: &ConversationId) -> Option<String> {
        let app = self.learned().app_id.clone()?;
        Some(mapping::conversation_link(&app, id.as_str()))
    }

    async fn teammate(&self, id: &TeammateId) -> Result<Teammate, BackendError> {
        let path = format!("/admins/{}", segment(id.as_str()));
        let (admin, teams, reasons) =
            tokio::join!(self.get::<wire::Admin>(&path), self.teams(), self.reasons());
        let admin = admin?;
        let inboxes = sync::inboxes(&teams?, std::slice::from_ref(&admin));
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
            AssignTarget::Both { .. } => {
                // Never planned for Intercom (its capabilities keep `assignee_in_inbox` off):
                // an assignment there names an admin or a team, one per request.
                return Err(BackendError::Unsupported(
                    "Intercom assigns a teammate or a team inbox, one at a time".into(),
                ));
            }
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
        self.call::<wire::Admin>(
            RequestKind::Write,
            Method::PUT,
            &path,
            Some(&req),
            Version::Stable,
        )
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
            .call::<wire::Team>(
                RequestKind::Write,
                Method::PUT,
                &path,
                Some(&req),
                Version::Preview,
            )
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

    fn classify(&self, error: &BackendError) -> FailedWrite {
        http::classify(error)
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
                ok: false,
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

/// A response body's length and hash: equal bodies have equal fingerprints (a different
/// body with the same one is a 64-bit hash collision; the full read every
/// [`super::sync::FULL_EVERY`] re-reads the admins regardless).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint(usize, u64);

impl Fingerprint {
    /// The fingerprint of `body`.
    pub fn of(body: &[u8]) -> Fingerprint {
        use std::hash::Hasher;
        let mut h = rustc_hash::FxHasher::default();
        h.write(body);
        Fingerprint(body.len(), h.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_map_to_base_urls() {
        assert_eq!(
            IntercomSettings::region_url("EU").unwrap(),
            "https://api.eu.intercom.io"
        );
        assert!(IntercomSettings::region_url("mars").is_err());
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
