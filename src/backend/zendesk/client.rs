//! The Zendesk Support client: reads a whole snapshot through the shared held-model
//! [`Cache`] (see [`super::sync`] for the cadences and what each costs), performs the writes
//! (safe-updated reassignments, bulk `update_many` jobs, group memberships, unified status),
//! and learns from its first read what the account allows.

use super::sync::{Cursor, Fixed};
use super::{http, mapping, wire};
use crate::backend::cache::Cache;
use crate::backend::transport::{Auth, Request, RequestKind, Transport, TransportSettings};
use crate::backend::{
    Ack, AssignTarget, BackendError, Budget, FailedWrite, Helpdesk, JobId, JobStatus, MemberChange,
    PresenceChange, Probe,
};
use crate::clock::{SharedClock, SystemClock};
use crate::domain::capabilities::{Read, Write};
use crate::domain::{
    Capabilities, Conversation, ConversationId, Inbox, InboxId, Level, PresenceStatus, Snapshot,
    Teammate, TeammateId,
};
use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use reqwest::Method;
use serde::de::DeserializeOwned;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Largest page of the list endpoints.
pub const PAGE_SIZE: u32 = 100;
/// Page size of `search/export` (≤ 1000).
pub const EXPORT_PAGE_SIZE: u32 = 1000;
/// Most tickets one `show_many` or `update_many` call takes.
pub const BATCH: usize = 100;
/// Ticket updates (single or bulk calls) this client sends per minute: the account allows
/// 100 and the agents' own UI spends from the same allowance.
pub const TICKET_UPDATES_PER_MIN: usize = 80;
/// Pages one list read follows before giving up with a warning.
const MAX_PAGES: usize = 5_000;

/// Why there is no away status.
pub const CLASSIC: &str = "this account has no omnichannel routing: Zendesk Support has no away status without it (unified agent status)";

/// Why a removal warns.
pub const REMOVAL_UNASSIGNS: &str =
    "Zendesk unassigns an agent's working tickets in a group they leave";

/// How to reach a Zendesk account.
#[derive(Clone)]
pub struct ZendeskSettings {
    /// `https://{subdomain}.zendesk.com`, or a loopback `http://` URL for the simulator.
    pub base_url: String,
    /// Basic `{email}/token:{token}` or OAuth bearer. Never printed or logged.
    pub auth: Auth,
    /// Label shown as the backend ("zendesk" or "demo").
    pub label: String,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Longest wait for a rate-limit window before giving up with `RateLimited`.
    pub max_rate_wait: Duration,
    /// Tries per read (1 = no retry).
    pub read_attempts: u32,
    /// First retry delay.
    pub backoff_base: Duration,
    /// Longest retry delay.
    pub backoff_max: Duration,
    /// The clock for pacing, rate-limit resets and retry waits.
    pub clock: SharedClock,
    /// Groups an agent token watches (empty: the agent's own).
    pub watch_groups: Vec<i64>,
    /// How often the incremental export is asked (at least 6 s: 10 a minute).
    pub incremental_every: Duration,
    /// Page size of list reads (1..=100).
    pub page_size: u32,
    /// Page size of `search/export` (1..=1000).
    pub export_page_size: u32,
}

impl ZendeskSettings {
    /// Settings with the defaults: 10 s timeout, 65 s longest wait (Zendesk's window is a
    /// minute), incremental export every 15 s.
    pub fn new(base_url: impl Into<String>, auth: Auth, label: &str) -> Self {
        Self {
            base_url: base_url.into(),
            auth,
            label: label.to_owned(),
            timeout: Duration::from_secs(10),
            max_rate_wait: Duration::from_secs(65),
            read_attempts: 4,
            backoff_base: Duration::from_millis(250),
            backoff_max: Duration::from_secs(4),
            clock: Arc::new(SystemClock),
            watch_groups: Vec::new(),
            incremental_every: Duration::from_secs(15),
            page_size: PAGE_SIZE,
            export_page_size: EXPORT_PAGE_SIZE,
        }
    }

    /// The same settings on another clock.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }
}

impl std::fmt::Debug for ZendeskSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZendeskSettings")
            .field("base_url", &self.base_url)
            .field("auth", &"[redacted]")
            .field("label", &self.label)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// What the reads found out about the account (capabilities depend on it).
#[derive(Debug, Clone, Default)]
pub(super) struct Learned {
    /// The token's user.
    pub me: Option<wire::User>,
    /// Omnichannel routing: `Ok` on, `Err(reason)` off; `None` before the first read.
    pub omnichannel: Option<Result<(), String>>,
    /// Capacity rules: `Ok(count)`, or why they cannot be read.
    pub capacity_rules: Option<Result<usize, String>>,
    /// Caps per agent from the rules.
    pub caps: mapping::Caps,
    /// Whether a ticket read with `include=slas` came back with its `slas`.
    pub sla_sideload: Option<bool>,
    /// Unified statuses (default and custom).
    pub statuses: wire::StatusList,
}

impl Learned {
    /// The token is an admin's.
    pub fn admin(&self) -> bool {
        self.me.as_ref().is_some_and(wire::User::is_admin)
    }

    fn custom_role(&self) -> bool {
        self.me.as_ref().is_some_and(|u| u.role_type == Some(0))
    }
}

/// A Zendesk Support API client.
pub struct ZendeskClient {
    transport: Transport,
    label: String,
    /// The account's web address (links to tickets), the base URL without the API path.
    web_base: String,
    page_size: u32,
    export_page_size: u32,
    pub(super) watch_groups: Vec<i64>,
    pub(super) incremental_every: SignedDuration,
    learned: Mutex<Learned>,
    pub(super) cache: Cache<Fixed, Cursor>,
    stamps: Mutex<HashMap<i64, Seen>>,
    updates: Mutex<VecDeque<Timestamp>>,
    pub(super) dirty: Dirty,
}

/// A ticket as last read, for the next safe update: its `updated_at` (the stamp) and its
/// route (group and assignee), the half of which a reassignment does not change it pins.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    stamp: String,
    group: Option<i64>,
    assignee: Option<i64>,
}

/// Feeds a write made stale: re-read at the next snapshot instead of at their cadence.
#[derive(Debug, Default)]
pub(super) struct Dirty {
    /// After a membership write.
    pub memberships: AtomicBool,
    /// After a status write.
    pub presence: AtomicBool,
}

impl std::fmt::Debug for ZendeskClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZendeskClient")
            .field("transport", &self.transport)
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

/// `a=b&c=d`, form-encoded.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let mut u = reqwest::Url::parse("http://q/").unwrap_or_else(|_| unreachable!());
    u.query_pairs_mut().extend_pairs(pairs);
    u.query().unwrap_or_default().to_owned()
}

/// The path and query of an absolute `next_page` URL, to ask our own base URL for.
fn local(url: &str) -> Option<String> {
    let u = reqwest::Url::parse(url).ok()?;
    let path = u.path().trim_start_matches('/');
    if !path.starts_with("api/v2/") {
        return None;
    }
    Some(match u.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    })
}

impl ZendeskClient {
    /// Builds a client; refuses plain `http://` to anything but loopback.
    pub fn new(settings: ZendeskSettings) -> Result<Self, BackendError> {
        let mut base = settings.base_url.clone();
        if !base.ends_with('/') {
            base.push('/');
        }
        let transport = TransportSettings {
            base_url: base,
            auth: settings.auth,
            timeout: settings.timeout,
            max_rate_wait: settings.max_rate_wait,
            read_attempts: settings.read_attempts,
            backoff_base: settings.backoff_base,
            backoff_max: settings.backoff_max,
            clock: settings.clock,
        };
        Ok(Self {
            transport: Transport::new(transport, http::parse_budget, http::api_error)?,
            web_base: settings.base_url.trim_end_matches('/').to_owned(),
            label: settings.label,
            page_size: settings.page_size.clamp(1, PAGE_SIZE),
            export_page_size: settings.export_page_size.clamp(1, EXPORT_PAGE_SIZE),
            watch_groups: settings.watch_groups,
            incremental_every: SignedDuration::try_from(
                settings
                    .incremental_every
                    .max(super::config::MIN_INCREMENTAL_EVERY),
            )
            .unwrap_or(SignedDuration::from_secs(15)),
            learned: Mutex::new(Learned::default()),
            cache: Cache::new(super::sync::FULL_EVERY),
            stamps: Mutex::new(HashMap::new()),
            updates: Mutex::new(VecDeque::new()),
            dirty: Dirty::default(),
        })
    }

    /// The label shown as the backend.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Now, on the client's clock.
    pub fn now(&self) -> Timestamp {
        self.transport.clock().now()
    }

    pub(super) fn clock(&self) -> &SharedClock {
        self.transport.clock()
    }

    pub(super) fn learned(&self) -> std::sync::MutexGuard<'_, Learned> {
        self.learned.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Remembers each ticket's `updated_at` as read, for the next safe update.
    pub(super) fn remember_stamps(&self, tickets: &[wire::Ticket]) {
        let mut stamps = self.stamps.lock().unwrap_or_else(PoisonError::into_inner);
        for t in tickets {
            if let Some(s) = &t.updated_at {
                let seen = Seen {
                    stamp: s.clone(),
                    group: t.group_id,
                    assignee: t.assignee_id,
                };
                stamps.insert(t.id, seen);
            }
        }
    }

    /// Notes whether tickets read with `include=slas` carried their `slas`.
    pub(super) fn note_slas(&self, tickets: &[wire::Ticket]) {
        if tickets.is_empty() {
            return;
        }
        let any = tickets.iter().any(|t| t.slas.is_some());
        let mut l = self.learned();
        if any || l.sla_sideload.is_none() {
            l.sla_sideload = Some(any || l.sla_sideload == Some(true));
        }
    }

    async fn call<T>(
        &self,
        kind: RequestKind,
        method: Method,
        path: &str,
        body: Option<String>,
        decode: impl Fn(&[u8]) -> Result<T, String>,
    ) -> Result<T, BackendError> {
        let req = Request {
            kind,
            method,
            path,
            headers: &[],
            body,
        };
        self.transport.call(req, decode).await
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, BackendError> {
        self.call(RequestKind::Read, Method::GET, path, None, http::decode)
            .await
    }

    async fn get_one<T: DeserializeOwned>(&self, path: &str, key: &str) -> Result<T, BackendError> {
        self.call(RequestKind::Read, Method::GET, path, None, |b| {
            wire::one(b, key)
        })
        .await
    }

    /// Every item of a list, cursor- or offset-paged as the endpoint answers (`page[size]`
    /// asks for cursors). A repeated cursor stops the read with a warning.
    pub(super) async fn list_all<T: DeserializeOwned>(
        &self,
        path: &str,
        params: &[(&str, &str)],
        key: &str,
        size: u32,
    ) -> Result<(Vec<T>, Vec<String>), BackendError> {
        let size = size.to_string();
        let mut base: Vec<(&str, &str)> = params.to_vec();
        base.push(("page[size]", &size));
        let mut url = format!("{path}?{}", query(&base));
        let mut out = Vec::new();
        let mut warnings = Vec::new();
        let mut seen = HashSet::new();
        for _ in 0..MAX_PAGES {
            let page: wire::Page<T> = self
                .call(RequestKind::Read, Method::GET, &url, None, |b| {
                    wire::page(b, key)
                })
                .await?;
            let next = page.next();
            out.extend(page.items);
            match next {
                wire::Next::Done => return Ok((out, warnings)),
                wire::Next::After(c) => {
                    if !seen.insert(c.clone()) {
                        warnings.push(format!("{path}: paging repeated a cursor; stopped"));
                        return Ok((out, warnings));
                    }
                    let mut q = base.clone();
                    q.push(("page[after]", &c));
                    url = format!("{path}?{}", query(&q));
                }
                wire::Next::Url(u) => match local(&u) {
                    Some(l) if seen.insert(l.clone()) => url = l,
                    _ => {
                        warnings.push(format!("{path}: odd next_page {u:?}; stopped"));
                        return Ok((out, warnings));
                    }
                },
            }
        }
        warnings.push(format!("{path}: more than {MAX_PAGES} pages; stopped"));
        Ok((out, warnings))
    }

    /// The token's user (`GET /users/me`).
    pub(super) async fn me(&self) -> Result<wire::User, BackendError> {
        let me: wire::User = self.get_one("api/v2/users/me", "user").await?;
        self.learned().me = Some(me.clone());
        Ok(me)
    }

    /// The account's name: its default brand's (`GET /brands`, one page), or `None` when
    /// the brands are unreadable (the dashboard then shows the backend's label).
    pub(super) async fn account_name(&self) -> Option<String> {
        let brands: Vec<wire::Brand> = self
            .get_one("api/v2/brands", "brands")
            .await
            .map_err(|e| tracing::debug!(error = %e, "brands unreadable"))
            .ok()?;
        let pick = brands.iter().find(|b| b.default).or(brands.first())?;
        (!pick.name.trim().is_empty()).then(|| pick.name.trim().to_owned())
    }

    /// Groups not deleted.
    pub(super) async fn groups(&self) -> Result<(Vec<wire::Group>, Vec<String>), BackendError> {
        let (mut g, w): (Vec<wire::Group>, _) = self
            .list_all("api/v2/groups", &[], "groups", self.page_size)
            .await?;
        g.retain(|g| !g.deleted && g.id > 0);
        Ok((g, w))
    }

    /// Every group membership.
    pub(super) async fn memberships(
        &self,
    ) -> Result<(Vec<wire::GroupMembership>, Vec<String>), BackendError> {
        self.list_all(
            "api/v2/group_memberships",
            &[],
            "group_memberships",
            self.page_size,
        )
        .await
    }

    /// Agents and admins.
    pub(super) async fn users(&self) -> Result<(Vec<wire::User>, Vec<String>), BackendError> {
        let (mut u, w): (Vec<wire::User>, _) = self
            .list_all(
                "api/v2/users",
                &[("role[]", "agent"), ("role[]", "admin")],
                "users",
                self.page_size,
            )
            .await?;
        u.retain(|u| u.is_agent() && u.id > 0);
        Ok((u, w))
    }

    /// Agent availabilities (omnichannel routing only), cursor-paged JSON:API.
    pub(super) async fn availabilities(
        &self,
    ) -> Result<Vec<wire::AgentAvailability>, BackendError> {
        let size = self.page_size.to_string();
        let mut url = format!(
            "api/v2/agent_availabilities?{}",
            query(&[("page[size]", &size)])
        );
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for _ in 0..MAX_PAGES {
            let page: wire::AvailabilityPage = self.get(&url).await?;
            out.extend(page.agents());
            match page.next() {
                wire::Next::After(c) if seen.insert(c.clone()) => {
                    url = format!(
                        "api/v2/agent_availabilities?{}",
                        query(&[("page[size]", &size), ("page[after]", &c)])
                    );
                }
                _ => break,
            }
        }
        Ok(out)
    }

    /// Unified statuses.
    pub(super) async fn statuses(&self) -> Result<wire::StatusList, BackendError> {
        let list: wire::StatusList = self
            .get("api/v2/agent_availabilities/agent_statuses")
            .await?;
        self.learned().statuses = list.clone();
        Ok(list)
    }

    /// Capacity rules (a bare array).
    pub(super) async fn capacity_rules(&self) -> Result<Vec<wire::CapacityRule>, BackendError> {
        self.call(
            RequestKind::Read,
            Method::GET,
            "api/v2/capacity/rules",
            None,
            wire::capacity_rules,
        )
        .await
    }

    /// Unsolved tickets matching `q` through `search/export` (cursor, `filter[type]=ticket`).
    pub(super) async fn export(
        &self,
        q: &str,
    ) -> Result<(Vec<wire::Ticket>, Vec<String>), BackendError> {
        let (mut t, w): (Vec<wire::Ticket>, _) = self
            .list_all(
                "api/v2/search/export",
                &[("query", q), ("filter[type]", "ticket")],
                "results",
                self.export_page_size,
            )
            .await?;
        t.retain(|t| t.id > 0 && t.result_type.as_deref().is_none_or(|r| r == "ticket"));
        self.remember_stamps(&t);
        Ok((t, w))
    }

    /// One page of the incremental ticket export, from a start time or a cursor, with SLAs.
    pub(super) async fn incremental(
        &self,
        from: &Cursor,
    ) -> Result<wire::IncrementalTickets, BackendError> {
        let q = match from {
            Cursor::Incremental { after: Some(c), .. } => {
                query(&[("cursor", c), ("include", "slas")])
            }
            Cursor::Incremental { start, .. } => {
                query(&[("start_time", &start.to_string()), ("include", "slas")])
            }
            Cursor::Watch => {
                return Err(BackendError::Unsupported(
                    "the incremental export needs an admin token".into(),
                ));
            }
        };
        let page: wire::IncrementalTickets = self
            .get(&format!("api/v2/incremental/tickets/cursor?{q}"))
            .await?;
        self.remember_stamps(&page.tickets);
        self.note_slas(&page.tickets);
        Ok(page)
    }

    /// Tickets by id with their SLAs (`show_many`, ≤ 100 per call).
    pub(super) async fn show_many(&self, ids: &[i64]) -> Result<Vec<wire::Ticket>, BackendError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(BATCH) {
            let ids: Vec<String> = chunk.iter().map(i64::to_string).collect();
            let path = format!(
                "api/v2/tickets/show_many?{}",
                query(&[("ids", &ids.join(",")), ("include", "slas")])
            );
            let page: wire::Page<wire::Ticket> = self
                .call(RequestKind::Read, Method::GET, &path, None, |b| {
                    wire::page(b, "tickets")
                })
                .await?;
            out.extend(page.items);
        }
        self.remember_stamps(&out);
        self.note_slas(&out);
        Ok(out)
    }

    async fn ticket(&self, id: i64) -> Result<wire::Ticket, BackendError> {
        let t: wire::Ticket = self
            .get_one(&format!("api/v2/tickets/{id}?include=slas"), "ticket")
            .await?;
        self.remember_stamps(std::slice::from_ref(&t));
        self.note_slas(std::slice::from_ref(&t));
        Ok(t)
    }

    async fn user_memberships(
        &self,
        user: i64,
    ) -> Result<Vec<wire::GroupMembership>, BackendError> {
        Ok(self
            .list_all(
                &format!("api/v2/users/{user}/group_memberships"),
                &[],
                "group_memberships",
                self.page_size,
            )
            .await?
            .0)
    }

    /// Waits (on the clock) until a ticket update fits [`TICKET_UPDATES_PER_MIN`].
    async fn ticket_update_slot(&self) {
        loop {
            let wait = {
                let now = self.now();
                let mut q = self.updates.lock().unwrap_or_else(PoisonError::into_inner);
                while q
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= SignedDuration::from_mins(1))
                {
                    q.pop_front();
                }
                if q.len() < TICKET_UPDATES_PER_MIN {
                    q.push_back(now);
                    return;
                }
                let oldest = q.front().copied().unwrap_or(now);
                SignedDuration::from_mins(1) - now.duration_since(oldest)
            };
            let wait = Duration::try_from(wait).unwrap_or(Duration::from_secs(1));
            self.clock()
                .sleep(wait.max(Duration::from_millis(10)))
                .await;
        }
    }

    async fn seen(&self, id: i64) -> Result<Seen, BackendError> {
        let held = self
            .stamps
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
            .cloned();
        if let Some(s) = held {
            return Ok(s);
        }
        let t = self.ticket(id).await?;
        Ok(Seen {
            stamp: t.updated_at.ok_or_else(|| BackendError::Decode {
                endpoint: format!("GET /api/v2/tickets/{id}"),
                detail: "the ticket has no updated_at to stamp a safe update with".into(),
            })?,
            group: t.group_id,
            assignee: t.assignee_id,
        })
    }

    /// The safe update of ticket `id` (as last read) that makes `target` so and changes
    /// nothing else. Zendesk's own rules would: an assignee outside the ticket's group moves
    /// the ticket to the assignee's default group, a group its assignee is not in unassigns
    /// it, and leaving every group unassigns it. So the other half of the route is sent as
    /// read, and Zendesk refuses (422, "Assignee: is not a member of the group") what it
    /// cannot do as asked, instead of doing something else.
    async fn change_for(
        &self,
        id: i64,
        target: &AssignTarget,
    ) -> Result<wire::TicketChange, BackendError> {
        let seen = self.seen(id).await?;
        let mut c = wire::TicketChange::default();
        match target {
            AssignTarget::Teammate(t) => {
                c.assignee_id = Some(Some(num(t.as_str(), "agent")?));
                c.group_id = Some(seen.group);
            }
            AssignTarget::Inbox(i) => {
                c.group_id = Some(Some(num(i.as_str(), "group")?));
                c.assignee_id = seen.assignee.map(Some);
            }
            AssignTarget::UnassignTeammate => c.assignee_id = Some(None),
            AssignTarget::UnassignInbox => {
                c.group_id = Some(None);
                c.assignee_id = seen.assignee.map(Some);
            }
            AssignTarget::Both { teammate, inbox } => {
                c.assignee_id = Some(
                    teammate
                        .as_ref()
                        .map(|t| num(t.as_str(), "agent"))
                        .transpose()?,
                );
                c.group_id = Some(
                    inbox
                        .as_ref()
                        .map(|i| num(i.as_str(), "group"))
                        .transpose()?,
                );
            }
        }
        c.safe_update = Some(true);
        c.updated_stamp = Some(seen.stamp);
        Ok(c)
    }

    /// Reassigns up to [`BATCH`] tickets in one `update_many` batch, each safe-updated with
    /// its own stamp (as last read), and follows the job to its end. Returns each ticket's
    /// result: a safe-update refusal is a 409 (not applied); any other item failure may
    /// have applied in part, for a re-read to tell.
    pub async fn update_many(
        &self,
        items: &[(ConversationId, AssignTarget)],
    ) -> Result<Vec<(ConversationId, Result<(), BackendError>)>, BackendError> {
        if items.len() > BATCH {
            return Err(BackendError::Config(format!(
                "update_many takes at most {BATCH} tickets"
            )));
        }
        let mut tickets = Vec::with_capacity(items.len());
        for (id, target) in items {
            let n = num(id.as_str(), "ticket")?;
            let mut c = self.change_for(n, target).await?;
            c.id = Some(n);
            tickets.push(c);
        }
        self.ticket_update_slot().await;
        let body = serde_json::to_string(&wire::TicketBatch { tickets }).unwrap_or_default();
        let job: wire::JobStatus = self
            .call(
                RequestKind::Write,
                Method::PUT,
                "api/v2/tickets/update_many",
                Some(body),
                |b| wire::one(b, "job_status"),
            )
            .await?;
        let job = self.follow(job).await?;
        Ok(items
            .iter()
            .map(|(id, _)| {
                let r = job.results.iter().find(|r| r.id.to_string() == id.as_str());
                let outcome = match r {
                    Some(r) if r.ok() => Ok(()),
                    Some(r) => Err(item_error(r)),
                    None if job.status == "completed" && job.results.is_empty() => Ok(()),
                    None => Err(BackendError::JobFailed(
                        "the job reported nothing for this ticket".into(),
                    )),
                };
                (id.clone(), outcome)
            })
            .collect())
    }

    /// Polls a job (every second on the clock, up to two minutes) until it ends.
    async fn follow(&self, mut job: wire::JobStatus) -> Result<wire::JobStatus, BackendError> {
        for _ in 0..120 {
            match job.status.as_str() {
                "completed" => return Ok(job),
                "failed" | "killed" => {
                    return Err(BackendError::JobFailed(
                        job.message.unwrap_or_else(|| "failed".into()),
                    ));
                }
                _ => {}
            }
            self.clock().sleep(Duration::from_secs(1)).await;
            job = self
                .get_one(
                    &format!("api/v2/job_statuses/{}", seg(&job.id)),
                    "job_status",
                )
                .await?;
        }
        Err(BackendError::Timeout(Duration::from_secs(120)))
    }

    /// The unified status to set. A reason is a custom status, which stands for one state
    /// (its support channel's): it is set only for that state; asked for another, it is
    /// refused rather than setting a state not asked for.
    fn status_id(&self, change: &PresenceChange) -> Result<i64, BackendError> {
        if change.status.is_away()
            && let Some(r) = &change.reason
        {
            let id: i64 = r.as_str().parse().map_err(|_| {
                BackendError::Config(format!("custom status id {:?} is not numeric", r.as_str()))
            })?;
            let l = self.learned();
            if let Some(c) = l.statuses.custom.iter().find(|c| c.id == id) {
                let stands_for = mapping::custom_status(c);
                if stands_for != change.status {
                    return Err(BackendError::Unsupported(format!(
                        "the custom status {:?} is {stands_for} in Zendesk, not {}: pick it with {stands_for}, or {} without it",
                        c.name(),
                        change.status,
                        change.status
                    )));
                }
            }
            return Ok(id);
        }
        let fallback = match change.status {
            PresenceStatus::Online => mapping::ONLINE,
            PresenceStatus::Away => mapping::AWAY,
            PresenceStatus::TransfersOnly => mapping::TRANSFERS_ONLY,
            PresenceStatus::Offline => mapping::OFFLINE,
            PresenceStatus::AwayReassign => {
                return Err(BackendError::Unsupported(
                    "Zendesk has no away-and-reassign status (set away, then reassign)".into(),
                ));
            }
        };
        let l = self.learned();
        Ok(l.statuses
            .default
            .iter()
            .find(|s| mapping::status_named(s.name()) == Some(change.status))
            .map_or(fallback, |s| s.id))
    }
}

/// A failed job item as an error: Zendesk's safe-update refusal reads as the 409 it is.
fn item_error(r: &wire::JobResult) -> BackendError {
    let why = r.why();
    let lower = why.to_ascii_lowercase();
    if lower.contains("updateconflict")
        || lower.contains("safe update")
        || lower.contains("outdated")
    {
        BackendError::Api {
            status: 409,
            code: Some("UpdateConflict".into()),
            message: http::CHANGED_BY_SOMEONE_ELSE.into(),
        }
    } else {
        BackendError::JobFailed(why)
    }
}

fn num(id: &str, what: &str) -> Result<i64, BackendError> {
    id.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| BackendError::Config(format!("{what} id {id:?} is not a Zendesk id")))
}

fn seg(id: &str) -> String {
    crate::backend::transport::segment(id)
}

/// The capability map for what the reads learned.
pub(super) fn capabilities_of(l: &Learned) -> Capabilities {
    let omni = match &l.omnichannel {
        Some(Ok(())) => Ok(()),
        Some(Err(why)) => Err(why.clone()),
        None => Err("not read yet".to_owned()),
    };
    let away = match &omni {
        Ok(()) => Read::Exact,
        Err(why) => Read::Unavailable(why.clone()),
    };
    let caps = match &l.capacity_rules {
        Some(Ok(n)) if *n > 0 => Read::Exact,
        Some(Ok(_)) => Read::Estimated(
            "from config: this account has no capacity rules (Zendesk routing stops at a rule's cap; load above it came from manual assignment)".into(),
        ),
        Some(Err(why)) => Read::Estimated(format!("from config: capacity rules unreadable ({why})")),
        None => Read::Estimated("from config until capacity rules are read".into()),
    };
    let sla = match l.sla_sideload {
        Some(false) => Read::Estimated(
            "from [[sla]] targets: this account returns no SLA sideload (plan without SLAs, or no policy matched)".into(),
        ),
        _ => Read::Exact,
    };
    let admin = l.admin() || l.custom_role();
    Capabilities {
        inboxes: Read::Exact,
        member_levels: Read::Unavailable(mapping::ONE_LEVEL.into()),
        load: Read::Exact,
        caps,
        sla_deadlines: sla,
        away: away.clone(),
        away_since: away,
        assign: Write::Available,
        set_away: match (&omni, l.admin()) {
            (Err(why), _) => Write::Unavailable(why.clone()),
            (Ok(()), false) => Write::Unavailable(
                "setting another agent's unified status needs an admin token".into(),
            ),
            (Ok(()), true) => Write::Available,
        },
        membership: if admin {
            Write::Available
        } else {
            Write::Unavailable(
                "group memberships are written by admins (or a custom role allowed to manage them); this token is an agent's".into(),
            )
        },
        default_inbox: Write::Available,
        presence: if omni.is_ok() {
            vec![
                PresenceStatus::Online,
                PresenceStatus::Away,
                PresenceStatus::TransfersOnly,
                PresenceStatus::Offline,
            ]
        } else {
            Vec::new()
        },
        removal_unassigns: Some(REMOVAL_UNASSIGNS.into()),
        assign_batch: Some(BATCH),
        // A ticket's assignee is always a member of its group: assigned to an agent outside
        // it, it takes the agent's default group.
        assignee_in_inbox: true,
    }
}

#[async_trait]
impl Helpdesk for ZendeskClient {
    fn capabilities(&self) -> Capabilities {
        capabilities_of(&self.learned())
    }

    fn budget(&self) -> Budget {
        self.transport.budget()
    }

    /// A full read the first time and every [`super::sync::FULL_EVERY`]; otherwise the
    /// changes as paced in [`super::sync`] (between those, the held model unchanged).
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

    /// Holds `held`'s tickets and reads the account, groups, memberships and agents only; the
    /// incremental export then starts a little before `since` (admin tokens; an agent token
    /// declines and the next snapshot is a full read).
    async fn resume(&self, held: &Snapshot, since: jiff::Timestamp) -> bool {
        self.cache.resume_held(self, held, since).await
    }

    async fn conversation(&self, id: &ConversationId) -> Result<Conversation, BackendError> {
        let t = self.ticket(num(id.as_str(), "ticket")?).await?;
        Ok(mapping::conversation(&t))
    }

    async fn conversation_detail(
        &self,
        id: &ConversationId,
    ) -> Result<crate::domain::detail::ConversationDetail, BackendError> {
        let n = num(id.as_str(), "ticket")?;
        let size = crate::domain::detail::LAST_PARTS.to_string();
        let comments = format!(
            "api/v2/tickets/{n}/comments?{}",
            query(&[
                ("include", "users"),
                ("page[size]", &size),
                ("sort", "-created_at"),
            ])
        );
        let ticket_path = format!("api/v2/tickets/{n}");
        let ticket = self.get_one::<wire::Ticket>(&ticket_path, "ticket");
        let (ticket, page) = tokio::join!(ticket, self.get::<wire::CommentPage>(&comments));
        let page = page?;
        // The requester is sideloaded when they wrote one of these comments; else read.
        let requester_id = ticket?.requester_id;
        let sideloaded = requester_id.and_then(|r| page.users.iter().find(|u| u.id == r).cloned());
        let requester = match (sideloaded, requester_id) {
            (Some(u), _) => Some(u),
            (None, Some(r)) => match self
                .get_one::<wire::User>(&format!("api/v2/users/{r}"), "user")
                .await
            {
                Ok(u) => Some(u),
                Err(e) => {
                    tracing::debug!(error = %e, "the requester could not be read");
                    None
                }
            },
            (None, None) => None,
        };
        Ok(mapping::conversation_detail(requester.as_ref(), &page))
    }

    fn conversation_link(&self, id: &ConversationId) -> Option<String> {
        let n = num(id.as_str(), "ticket").ok()?;
        Some(mapping::conversation_link(&self.web_base, &n.to_string()))
    }

    async fn teammate(&self, id: &TeammateId) -> Result<Teammate, BackendError> {
        let n = num(id.as_str(), "agent")?;
        let omni = matches!(self.learned().omnichannel, Some(Ok(())));
        let path = format!("api/v2/users/{n}");
        let user = self.get_one::<wire::User>(&path, "user");
        let memberships = self.user_memberships(n);
        let (user, memberships) = tokio::join!(user, memberships);
        let availability = if omni {
            let a: wire::AvailabilityPage = self
                .call(
                    RequestKind::Read,
                    Method::GET,
                    &format!("api/v2/agent_availabilities/{n}"),
                    None,
                    wire::availability_one,
                )
                .await?;
            a.agents().into_iter().next()
        } else {
            None
        };
        let l = self.learned().clone();
        Ok(mapping::teammate(
            &user?,
            &memberships?,
            availability.as_ref(),
            &l.statuses,
            &l.caps,
        ))
    }

    async fn inbox(&self, id: &InboxId) -> Result<Inbox, BackendError> {
        let n = num(id.as_str(), "group")?;
        let (path, members_path) = (
            format!("api/v2/groups/{n}"),
            format!("api/v2/groups/{n}/memberships"),
        );
        let group = self.get_one::<wire::Group>(&path, "group");
        let members = self.list_all::<wire::GroupMembership>(
            &members_path,
            &[],
            "group_memberships",
            self.page_size,
        );
        let (group, members) = tokio::join!(group, members);
        Ok(mapping::inbox(&group?, &members?.0))
    }

    /// `PUT /tickets/{id}` with `safe_update` and the `updated_stamp` of the last read (the
    /// executor re-reads right before writing): a 409 means someone changed it meanwhile.
    /// The half of the route the target leaves alone is pinned as read (see `change_for`).
    async fn assign(
        &self,
        id: &ConversationId,
        target: &AssignTarget,
    ) -> Result<Ack, BackendError> {
        let n = num(id.as_str(), "ticket")?;
        let change = self.change_for(n, target).await?;
        self.ticket_update_slot().await;
        let body =
            serde_json::to_string(&wire::TicketUpdate { ticket: change }).unwrap_or_default();
        let t: wire::Ticket = self
            .call(
                RequestKind::Write,
                Method::PUT,
                &format!("api/v2/tickets/{n}"),
                Some(body),
                |b| wire::one(b, "ticket"),
            )
            .await?;
        self.remember_stamps(std::slice::from_ref(&t));
        Ok(Ack::Done)
    }

    /// Unified status: `PUT /agent_availabilities/agent_statuses/agents/{id}` with
    /// `{"id": STATUS}` (body unverified live; see [`wire::SetStatus`]).
    async fn set_presence(
        &self,
        id: &TeammateId,
        change: &PresenceChange,
    ) -> Result<Ack, BackendError> {
        if let Some(Err(why)) = self.learned().omnichannel.clone() {
            return Err(BackendError::Unsupported(why));
        }
        let n = num(id.as_str(), "agent")?;
        let body = serde_json::to_string(&wire::SetStatus {
            id: self.status_id(change)?,
        })
        .unwrap_or_default();
        self.call(
            RequestKind::Write,
            Method::PUT,
            &format!("api/v2/agent_availabilities/agent_statuses/agents/{n}"),
            Some(body),
            wire::json,
        )
        .await?;
        self.dirty.presence.store(true, Ordering::SeqCst);
        Ok(Ack::Done)
    }

    /// Adds (`POST /group_memberships`), removes (`DELETE /group_memberships/{id}`: Zendesk
    /// then unassigns the agent's working tickets in that group, in a job of its own) or
    /// makes default (`PUT …/make_default`). Zendesk has no secondary level.
    async fn change_membership(
        &self,
        inbox: &InboxId,
        teammate: &TeammateId,
        change: MemberChange,
    ) -> Result<Ack, BackendError> {
        let group = num(inbox.as_str(), "group")?;
        let user = num(teammate.as_str(), "agent")?;
        self.dirty.memberships.store(true, Ordering::SeqCst);
        let current = self
            .user_memberships(user)
            .await?
            .into_iter()
            .find(|m| m.group_id == group);
        match (change, current) {
            (MemberChange::Set(Level::Secondary), _) => {
                Err(BackendError::Unsupported(mapping::ONE_LEVEL.into()))
            }
            (MemberChange::Set(Level::Primary), Some(_)) | (MemberChange::Remove, None) => {
                Ok(Ack::Done)
            }
            (MemberChange::Set(Level::Primary), None) => {
                let body = serde_json::to_string(&wire::NewMembership {
                    group_membership: wire::NewMembershipFields {
                        user_id: user,
                        group_id: group,
                    },
                })
                .unwrap_or_default();
                self.call(
                    RequestKind::Write,
                    Method::POST,
                    "api/v2/group_memberships",
                    Some(body),
                    wire::json,
                )
                .await?;
                Ok(Ack::Done)
            }
            (MemberChange::Remove, Some(m)) => {
                let answer = self
                    .call(
                        RequestKind::Write,
                        Method::DELETE,
                        &format!("api/v2/group_memberships/{}", m.id),
                        None,
                        wire::json,
                    )
                    .await?;
                // The unassigning job is Zendesk's own; the membership is gone already.
                let _ = answer;
                Ok(Ack::Done)
            }
            (MemberChange::MakeDefault, None) => Err(BackendError::Unsupported(
                "not a member of that group: add the membership first".into(),
            )),
            (MemberChange::MakeDefault, Some(m)) => {
                self.call(
                    RequestKind::Write,
                    Method::PUT,
                    &format!(
                        "api/v2/users/{user}/group_memberships/{}/make_default",
                        m.id
                    ),
                    Some("{}".into()),
                    wire::json,
                )
                .await?;
                Ok(Ack::Done)
            }
        }
    }

    /// `update_many` batches of at most [`BATCH`], each followed to its end.
    async fn assign_many(
        &self,
        items: &[(ConversationId, AssignTarget)],
    ) -> Result<Vec<Result<(), BackendError>>, BackendError> {
        let mut out = Vec::with_capacity(items.len());
        for chunk in items.chunks(BATCH) {
            out.extend(self.update_many(chunk).await?.into_iter().map(|(_, r)| r));
        }
        Ok(out)
    }

    async fn job(&self, id: &JobId) -> Result<JobStatus, BackendError> {
        let j: wire::JobStatus = self
            .get_one(&format!("api/v2/job_statuses/{}", seg(&id.0)), "job_status")
            .await?;
        Ok(match j.status.as_str() {
            "completed" => JobStatus::Completed,
            "failed" | "killed" => JobStatus::Failed(j.message.unwrap_or_else(|| j.status.clone())),
            _ => JobStatus::Running,
        })
    }

    fn classify(&self, error: &BackendError) -> FailedWrite {
        http::classify(error)
    }

    /// What this account allows, from the reads (never a write): admin or agent token, SLA
    /// sideload, omnichannel routing, capacity rules — each with its reason.
    async fn probe(&self) -> Vec<Probe> {
        let l = self.learned().clone();
        let mut out = Vec::new();
        out.push(match &l.me {
            Some(me) if me.is_admin() => Probe {
                what: "token".into(),
                ok: true,
                detail: format!(
                    "an admin's ({}): the incremental ticket export keeps the dashboard fresh",
                    me.email
                ),
            },
            Some(me) => Probe {
                what: "token".into(),
                ok: false,
                detail: format!(
                    "an agent's ({}, role {}): the incremental export needs an admin, so watched groups are searched instead and the data may lag by minutes",
                    me.email, me.role
                ),
            },
            None => Probe {
                what: "token".into(),
                ok: false,
                detail: "not read yet".into(),
            },
        });
        out.push(Probe {
            what: "SLA sideload".into(),
            ok: l.sla_sideload == Some(true),
            detail: match l.sla_sideload {
                Some(true) => "tickets come with slas.policy_metrics: breach times are exact".into(),
                Some(false) => "tickets came back without slas (plan without SLA policies, or none matched): deadlines are estimated from [[sla]]".into(),
                None => "no ticket read with include=slas yet".into(),
            },
        });
        out.push(Probe {
            what: "omnichannel routing".into(),
            ok: matches!(l.omnichannel, Some(Ok(()))),
            detail: match &l.omnichannel {
                Some(Ok(())) => "on: unified agent status is presence (online, away, transfers only, offline, custom)".into(),
                Some(Err(why)) => format!("off: {why}"),
                None => "not read yet".into(),
            },
        });
        out.push(Probe {
            what: "capacity rules".into(),
            ok: matches!(l.capacity_rules, Some(Ok(n)) if n > 0),
            detail: match &l.capacity_rules {
                Some(Ok(0)) => "none: caps come from config".into(),
                Some(Ok(n)) => format!("{n} rule(s): caps come from them"),
                Some(Err(why)) => format!("unreadable ({why}): caps come from config"),
                None => "not read yet".into(),
            },
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    #[test]
    fn debug_never_shows_the_token() {
        let s = ZendeskSettings::new(
            "https://acme.zendesk.com",
            Auth::Basic {
                user: "a@b.c/token".into(),
                secret: SecretString::from("canary-zd-token"),
            },
            "zendesk",
        );
        assert!(!format!("{s:?}").contains("canary"));
        let c = ZendeskClient::new(s).unwrap();
        assert!(!format!("{c:?}").contains("canary"));
    }

    #[test]
    fn next_page_urls_are_asked_of_our_own_base() {
        assert_eq!(
            local("https://x.zendesk.com/api/v2/groups.json?page=2").as_deref(),
            Some("api/v2/groups.json?page=2")
        );
        assert_eq!(local("https://evil.example/elsewhere"), None);
        assert_eq!(
            query(&[("query", "status<solved group:5"), ("page[size]", "100")]),
            "query=status%3Csolved+group%3A5&page%5Bsize%5D=100"
        );
    }

    #[test]
    fn capabilities_follow_what_the_first_read_found() {
        let classic = Learned {
            me: serde_json::from_str(r#"{"id":1,"role":"admin"}"#).ok(),
            omnichannel: Some(Err(CLASSIC.into())),
            capacity_rules: Some(Ok(0)),
            ..Learned::default()
        };
        let c = capabilities_of(&classic);
        assert!(c.presence.is_empty());
        assert!(matches!(&c.set_away, Write::Unavailable(w) if w.contains("omnichannel")));
        assert!(matches!(&c.away, Read::Unavailable(_)));
        assert!(!c.has_levels());
        assert!(c.removal_unassigns.is_some());
        let omni = Learned {
            omnichannel: Some(Ok(())),
            capacity_rules: Some(Ok(2)),
            ..classic
        };
        let c = capabilities_of(&omni);
        assert!(c.can_set(PresenceStatus::TransfersOnly));
        assert!(!c.can_set(PresenceStatus::AwayReassign));
        assert_eq!(c.caps, Read::Exact);
        let agent = Learned {
            me: serde_json::from_str(r#"{"id":1,"role":"agent"}"#).ok(),
            ..omni
        };
        let c = capabilities_of(&agent);
        assert!(!c.membership.is_available() && !c.set_away.is_available());
    }
}
