//! The simulator's HTTP surface: Intercom's routes, bearer auth, `X-RateLimit-*` headers and
//! 429s, error lists — all on the simulator's clock.

use super::faults::{Fault, Faults, MALFORMED_BODY, RequestKind};
use super::search;
use super::world::{SimState, World};
use super::writes::{ApiError, TeamConflict};
use crate::backend::intercom::wire;
use crate::clock::SharedClock;
use axum::extract::{Path, Query as UrlQuery, RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Length of a rate-limit window in seconds (Intercom spreads limits over 10 s windows).
pub const WINDOW_SECS: i64 = 10;

/// Knobs tests turn while the server runs.
#[derive(Debug, Clone)]
pub struct Control {
    /// Preview team-membership writes enabled.
    pub preview_enabled: bool,
    /// The next team update fails this way.
    pub team_conflict: Option<TeamConflict>,
    /// Delay before every answer (to provoke client timeouts).
    pub delay: Duration,
    /// Requests per window.
    pub rate_limit: u32,
}

/// Requests served, for tests and `GET /_sim/stats`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    /// Requests per `METHOD path-template`.
    pub requests: std::collections::BTreeMap<String, u64>,
    /// Requests answered 429 (the budget or an injected storm).
    pub rate_limited: u64,
    /// Injected faults by kind.
    pub faults: std::collections::BTreeMap<String, u64>,
}

/// A write the simulator applied through the API: its own record, to check clients against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedWrite {
    /// Sim time it was applied.
    pub at: jiff::Timestamp,
    /// `METHOD path-template`, e.g. `PUT /admins/{id}/away`.
    pub endpoint: String,
    /// The id in the path.
    pub target: String,
    /// The status the handler answered (200, or 409 when partly applied).
    pub status: u16,
    /// The fault injected into the answer, if any (e.g. `lost_response`).
    pub fault: Option<&'static str>,
}

/// Server state shared by the handlers.
pub struct Shared {
    /// The workspace.
    pub world: Mutex<World>,
    /// The clock that drives it.
    pub clock: SharedClock,
    /// The accepted token.
    pub token: String,
    /// Test knobs.
    pub control: Mutex<Control>,
    /// Injected faults.
    pub faults: Mutex<Faults>,
    /// (window start, requests in it).
    window: Mutex<(i64, u32)>,
    /// Counters.
    pub stats: Mutex<Stats>,
    /// Writes applied through the API, in order.
    pub applied: Mutex<Vec<AppliedWrite>>,
    /// The last search's matches: (query, sim time, ids). Paging through a large result asks
    /// the same query again and again within one sim step; it is filtered once.
    search_cache: Mutex<Option<CachedSearch>>,
}

/// A search's query (as JSON), the sim time it ran at, and the matching ids.
type CachedSearch = (String, jiff::Timestamp, Arc<Vec<u64>>);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Wraps a world.
    pub fn new(
        world: World,
        clock: SharedClock,
        token: String,
        control: Control,
        faults: Faults,
    ) -> Self {
        Self {
            world: Mutex::new(world),
            clock,
            token,
            control: Mutex::new(control),
            faults: Mutex::new(faults),
            window: Mutex::new((0, 0)),
            stats: Mutex::new(Stats::default()),
            applied: Mutex::new(Vec::new()),
            search_cache: Mutex::new(None),
        }
    }

    /// The world, advanced to the clock's now.
    pub fn world_now(&self) -> MutexGuard<'_, World> {
        let now = self.clock.now();
        let mut w = lock(&self.world);
        w.advance_to(now);
        w
    }

    /// Counts a request against the window; returns (limit, remaining, reset) or `Err` when over.
    fn take_budget(&self) -> Result<(u32, u32, i64), (u32, i64)> {
        let limit = lock(&self.control).rate_limit;
        let now = self.clock.now().as_second();
        let start = now - now.rem_euclid(WINDOW_SECS);
        let reset = start + WINDOW_SECS;
        let mut w = lock(&self.window);
        if w.0 != start {
            *w = (start, 0);
        }
        if w.1 >= limit {
            return Err((limit, reset));
        }
        w.1 += 1;
        Ok((limit, limit - w.1, reset))
    }
}

/// An error-list response.
fn error(status: u16, code: &str, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut body = wire::ErrorList::one(code, message);
    body.request_id = Some(format!("sim-{:08x}", fastish_hash(code, message)));
    (status, Json(body)).into_response()
}

fn fastish_hash(a: &str, b: &str) -> u32 {
    a.bytes().chain(b.bytes()).fold(2_166_136_261u32, |h, c| {
        (h ^ u32::from(c)).wrapping_mul(16_777_619)
    })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error(self.status, self.code, &self.message)
    }
}

/// Auth, rate limit, injected faults, delay and stats around every route.
async fn guard(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let authorized = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| t == s.token);
    if !authorized {
        return error(401, "unauthorized", "Access Token Invalid");
    }
    let path = req.uri().path().to_owned();
    if path.starts_with("/_sim/") {
        // The simulator's own surface: no budget, no faults, not counted.
        return next.run(req).await;
    }
    let key = format!("{} {}", req.method(), template(&path));
    *lock(&s.stats).requests.entry(key.clone()).or_default() += 1;
    let kind = match (req.method().as_str(), path.as_str()) {
        ("GET", _) | ("POST", "/conversations/search") => RequestKind::Read,
        ("PUT", p) if p.starts_with("/teams/") => RequestKind::TeamWrite,
        _ => RequestKind::Write,
    };
    let fault = lock(&s.faults).draw(kind, s.clock.now());
    if fault != Fault::None {
        *lock(&s.stats)
            .faults
            .entry(fault.name().into())
            .or_default() += 1;
        tracing::debug!(%key, fault = fault.name(), "injecting a fault");
    }
    let budget = s.take_budget();
    let delay = lock(&s.control).delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let (limit, remaining, reset) = match budget {
        Ok(b) => b,
        Err((limit, reset)) => {
            lock(&s.stats).rate_limited += 1;
            let msg = format!("Exceeded rate limit of {limit} in {WINDOW_SECS}_seconds");
            return with_budget(error(429, "rate_limit_exceeded", &msg), (limit, 0, reset));
        }
    };
    let budget = (limit, remaining, reset);
    match fault {
        Fault::RateLimited { headers } => {
            lock(&s.stats).rate_limited += 1;
            let resp = error(429, "rate_limit_exceeded", "Too many requests; slow down");
            return if headers {
                with_budget(resp, (limit, 0, reset))
            } else {
                resp
            };
        }
        Fault::ServerError(status) => {
            return with_budget(
                error(
                    status,
                    "server_error",
                    "The server had a problem; try again",
                ),
                budget,
            );
        }
        Fault::Reset => return connection_reset(),
        Fault::Conflict => {
            lock(&s.control).team_conflict = Some(TeamConflict::PartlyApplied);
        }
        _ => {}
    }
    let resp = next.run(req).await;
    let status = resp.status();
    if kind != RequestKind::Read
        && (status.is_success() || (fault == Fault::Conflict && status.as_u16() == 409))
    {
        let target = path
            .split('/')
            .find(|seg| !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()))
            .unwrap_or_default()
            .to_owned();
        lock(&s.applied).push(AppliedWrite {
            at: s.clock.now(),
            endpoint: key,
            target,
            status: status.as_u16(),
            fault: (fault != Fault::None).then(|| fault.name()),
        });
    }
    let resp = match fault {
        Fault::Slow(d) => {
            tokio::time::sleep(d).await;
            resp
        }
        Fault::LostReset if status.is_success() => connection_reset(),
        Fault::LostBadGateway if status.is_success() => error(502, "bad_gateway", "Bad Gateway"),
        Fault::Truncated | Fault::Malformed | Fault::Unexpected if status.is_success() => {
            let (mut parts, body) = resp.into_parts();
            let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
                return connection_reset();
            };
            let bytes = match fault {
                Fault::Truncated => {
                    let cut = lock(&s.faults).cut(bytes.len());
                    bytes.slice(..cut)
                }
                Fault::Malformed => axum::body::Bytes::from_static(MALFORMED_BODY.as_bytes()),
                _ => match serde_json::from_slice::<Value>(&bytes) {
                    Ok(mut v) => {
                        lock(&s.faults).garble(&mut v);
                        serde_json::to_vec(&v).unwrap_or_default().into()
                    }
                    Err(_) => bytes,
                },
            };
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            Response::from_parts(parts, axum::body::Body::from(bytes))
        }
        _ => resp,
    };
    with_budget(resp, budget)
}

/// Adds `X-RateLimit-Limit`, `-Remaining` and `-Reset` to an answer.
fn with_budget(mut resp: Response, (limit, remaining, reset): (u32, u32, i64)) -> Response {
    let h = resp.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", i64::from(limit)),
        ("x-ratelimit-remaining", i64::from(remaining)),
        ("x-ratelimit-reset", reset),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
            h.insert(name, v);
        }
    }
    resp
}

/// A 200 whose body breaks off: the client sees the connection drop mid-answer.
fn connection_reset() -> Response {
    let broken = futures::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated connection reset",
        ))
    });
    let mut resp = Response::new(axum::body::Body::from_stream(broken));
    resp.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// `/conversations/123/parts` → `/conversations/{id}/parts`, for the stats.
fn template(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
                "{id}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The router.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/me", get(me))
        .route("/admins", get(admins))
        .route("/admins/{id}", get(admin))
        .route("/admins/{id}/away", put(set_away))
        .route("/teams", get(teams))
        .route("/teams/{id}", get(team).put(update_team))
        .route("/away_status_reasons", get(reasons))
        .route("/conversations", get(list_conversations))
        .route("/conversations/search", post(search_conversations))
        .route("/conversations/{id}", get(conversation))
        .route("/conversations/{id}/parts", post(manage_conversation))
        .route("/_sim/stats", get(stats))
        .fallback(|| async { error(404, "not_found", "Resource Not Found") })
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

async fn me(State(s): State<Arc<Shared>>) -> Response {
    let w = s.world_now();
    let Some(a) = w.admins.iter().find(|a| a.id == w.me) else {
        return error(404, "admin_not_found", "Admin not found");
    };
    let admin = w.wire_admin(a);
    Json(wire::Me {
        kind: "admin".into(),
        id: admin.id,
        name: admin.name,
        email: admin.email,
        away_mode_enabled: admin.away_mode_enabled,
        away_mode_reassign: admin.away_mode_reassign,
        has_inbox_seat: admin.has_inbox_seat,
        team_ids: admin.team_ids,
        app: Some(wire::App {
            kind: "app".into(),
            id_code: "sim0demo".into(),
            name: w.workspace.clone(),
            region: w.region.clone(),
            timezone: w.timezone.clone(),
            created_at: w.created_at.as_second(),
            identity_verification: false,
        }),
    })
    .into_response()
}

async fn admins(State(s): State<Arc<Shared>>) -> Response {
    let w = s.world_now();
    Json(wire::AdminList {
        kind: "admin.list".into(),
        admins: w.wire_admins(),
    })
    .into_response()
}

async fn admin(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let w = s.world_now();
    match w.admins.iter().find(|a| a.id.to_string() == id) {
        Some(a) => Json(w.wire_admin(a)).into_response(),
        None => error(404, "admin_not_found", "Admin not found"),
    }
}

async fn set_away(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(
            400,
            "parameter_invalid",
            "the request body is not valid JSON",
        );
    };
    match s.world_now().set_away(&id, &body) {
        Ok(a) => Json(a).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn teams(State(s): State<Arc<Shared>>) -> Response {
    let w = s.world_now();
    Json(wire::TeamList {
        kind: "team.list".into(),
        teams: w.teams.iter().map(|t| w.wire_team(t)).collect(),
    })
    .into_response()
}

async fn team(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let w = s.world_now();
    match w.teams.iter().find(|t| t.id.to_string() == id) {
        Some(t) => Json(w.wire_team(t)).into_response(),
        None => error(404, "team_not_found", "Team not found"),
    }
}

async fn update_team(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    body: axum::body::Bytes,
) -> Response {
    let (enabled, conflict) = {
        let mut c = lock(&s.control);
        (c.preview_enabled, c.team_conflict.take())
    };
    if !enabled {
        return error(
            403,
            "api_plan_restricted",
            "Updating team memberships via the API is not available for this workspace",
        );
    }
    if query.is_some_and(|q| !q.is_empty()) {
        return error(
            400,
            "parameter_invalid",
            "parameters must be sent in the request body, not the query string",
        );
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(
            400,
            "parameter_invalid",
            "the request body is not valid JSON",
        );
    };
    match s.world_now().update_team(&id, &body, conflict) {
        Ok(t) => Json(t).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn reasons(State(s): State<Arc<Shared>>) -> Response {
    let w = s.world_now();
    Json(wire::AwayStatusReasonList {
        kind: "list".into(),
        data: w.reasons.iter().map(|r| w.wire_reason(r)).collect(),
    })
    .into_response()
}

/// Builds one `conversation.list` page from matching ids.
fn conversation_page(w: &World, ids: &[u64], per_page: usize, cursor: Option<&str>) -> Response {
    let page = match search::page(ids, per_page, cursor) {
        Ok(p) => p,
        Err(e) => return error(400, "parameter_invalid", &e),
    };
    let total_pages = page.total.div_ceil(per_page).max(1);
    let conversations = page
        .ids
        .iter()
        .filter_map(|id| w.conversations.get(id))
        .map(World::wire_conversation)
        .collect();
    Json(wire::ConversationList {
        kind: "conversation.list".into(),
        conversations,
        total_count: page.total as i64,
        pages: Some(wire::CursorPages {
            kind: "pages".into(),
            page: page.page as i64,
            next: page.next.map(|n| wire::StartingAfterPaging {
                per_page: Some(per_page as i64),
                starting_after: Some(n),
            }),
            per_page: per_page as i64,
            total_pages: total_pages as i64,
        }),
    })
    .into_response()
}

/// A page size from a request: default 20, at most 150.
fn per_page(raw: Option<i64>) -> Result<usize, ApiError> {
    match raw {
        None => Ok(20),
        Some(n) if (1..=150).contains(&n) => Ok(n as usize),
        Some(_) => Err(ApiError::new(
            400,
            "parameter_invalid",
            "per_page must be between 1 and 150",
        )),
    }
}

async fn list_conversations(
    State(s): State<Arc<Shared>>,
    UrlQuery(params): UrlQuery<HashMap<String, String>>,
) -> Response {
    let raw = match params.get("per_page").map(|p| p.parse::<i64>()) {
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => return error(400, "parameter_invalid", "per_page must be an integer"),
        None => None,
    };
    let per_page = match per_page(raw) {
        Ok(n) => n,
        Err(e) => return e.into_response(),
    };
    let w = s.world_now();
    let ids: Vec<u64> = w.conversations.keys().copied().collect();
    conversation_page(
        &w,
        &ids,
        per_page,
        params.get("starting_after").map(String::as_str),
    )
}

async fn search_conversations(State(s): State<Arc<Shared>>, body: axum::body::Bytes) -> Response {
    let req: wire::SearchRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return error(
                400,
                "parameter_invalid",
                &format!("invalid search request: {e}"),
            );
        }
    };
    let expr = match search::parse(&req.query) {
        Ok(e) => e,
        Err(e) => return error(400, "parameter_invalid", &e),
    };
    let paging = req.pagination.unwrap_or_default();
    let per_page = match per_page(paging.per_page) {
        Ok(n) => n,
        Err(e) => return e.into_response(),
    };
    let w = s.world_now();
    let key = serde_json::to_string(&req.query).unwrap_or_default();
    let cached = lock(&s.search_cache)
        .as_ref()
        .filter(|(k, at, _)| *k == key && *at == w.now)
        .map(|(_, _, ids)| ids.clone());
    let ids = match cached {
        Some(ids) => ids,
        None => {
            let ids: std::sync::Arc<Vec<u64>> = std::sync::Arc::new(
                w.conversations
                    .values()
                    .filter(|c| search::matches(&expr, c))
                    .map(|c| c.id)
                    .collect(),
            );
            *lock(&s.search_cache) = Some((key, w.now, ids.clone()));
            ids
        }
    };
    conversation_page(&w, &ids, per_page, paging.starting_after.as_deref())
}

async fn conversation(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let w = s.world_now();
    match id
        .parse::<u64>()
        .ok()
        .and_then(|id| w.conversations.get(&id))
    {
        Some(c) => Json(World::wire_conversation(c)).into_response(),
        None => error(404, "not_found", "Resource Not Found"),
    }
}

async fn manage_conversation(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(
            400,
            "parameter_invalid",
            "the request body is not valid JSON",
        );
    };
    match s.world_now().manage_conversation(&id, &body) {
        Ok(c) => Json(c).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn stats(State(s): State<Arc<Shared>>) -> Response {
    let st = lock(&s.stats).clone();
    let profile = lock(&s.faults).profile.name.clone();
    let w = s.world_now();
    let open = w
        .conversations
        .values()
        .filter(|c| c.state == SimState::Open)
        .count();
    Json(serde_json::json!({
        "requests": st.requests,
        "rate_limited": st.rate_limited,
        "faults": st.faults,
        "fault_profile": profile,
        "writes_applied": lock(&s.applied).len(),
        "open_conversations": open,
        "sim_time": w.now.as_second(),
    }))
    .into_response()
}
