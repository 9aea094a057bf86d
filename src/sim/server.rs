//! The simulator's vendor-neutral HTTP plumbing: bearer auth, rate-limit windows with
//! `X-RateLimit-*` headers and 429s, injected faults, delays, the record of applied writes,
//! request counters and the `/_sim/*` control surface. A vendor projection supplies its routes
//! and error bodies as a [`Projection`], which [`router`] mounts.

use super::errors::Refusal;
use super::faults::{Fault, Faults, MALFORMED_BODY, RequestKind};
use super::world::{SimState, World};
use crate::clock::SharedClock;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::Value;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Length of a rate-limit window in seconds (the helpdesk spreads limits over 10 s windows).
pub const WINDOW_SECS: i64 = 10;

/// How the next team update should fail (test control).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamConflict {
    /// 409 before anything was written.
    Declined,
    /// 409 after applying part of the change (additions, not removals).
    PartlyApplied,
}

/// What a vendor's wire projection gives the shared plumbing.
pub struct Projection {
    /// The vendor's routes over the shared state.
    pub routes: fn() -> Router<Arc<Shared>>,
    /// A refusal in the vendor's error body.
    pub refuse: fn(Refusal) -> Response,
    /// Whether a request (method, path) reads, writes, or writes team membership.
    pub classify: fn(&str, &str) -> RequestKind,
    /// Body fields holding enum values, which garbled answers fill with unknown values.
    pub enum_fields: &'static [&'static str],
}

/// Knobs tests turn while the server runs.
#[derive(Debug, Clone)]
pub struct Control {
    /// Team-membership writes enabled (a plan feature; refused when off).
    pub preview_enabled: bool,
    /// The next team update fails this way.
    pub team_conflict: Option<TeamConflict>,
    /// Delay before every answer (to provoke client timeouts).
    pub delay: Duration,
    /// The next write gets this fault instead of a drawn one (tests aim a fault at the
    /// write itself, not at the re-reads around it).
    pub next_write_fault: Option<Fault>,
    /// Requests to these `METHOD /path/{id}` templates answer 503 until cleared (an
    /// endpoint that is down).
    pub down: Vec<String>,
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

/// Locks `m`, carrying on past a poisoned lock (the state stays usable).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
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

    /// The test knobs.
    pub fn control(&self) -> MutexGuard<'_, Control> {
        lock(&self.control)
    }

    /// The ids the last search matched, if it was `key` at sim time `at`.
    pub fn cached_search(&self, key: &str, at: jiff::Timestamp) -> Option<Arc<Vec<u64>>> {
        lock(&self.search_cache)
            .as_ref()
            .filter(|(k, t, _)| k == key && *t == at)
            .map(|(_, _, ids)| ids.clone())
    }

    /// Remembers the ids search `key` matched at sim time `at`.
    pub fn cache_search(&self, key: String, at: jiff::Timestamp, ids: Arc<Vec<u64>>) {
        *lock(&self.search_cache) = Some((key, at, ids));
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

/// Auth, rate limit, injected faults, delay and stats around every route.
async fn guard(State(g): State<Guard>, req: Request, next: Next) -> Response {
    let (s, refuse) = (&g.shared, g.projection.refuse);
    let authorized = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| t == s.token);
    if !authorized {
        return refuse(Refusal::Unauthorized);
    }
    let path = req.uri().path().to_owned();
    if path.starts_with("/_sim/") {
        // The simulator's own surface: no budget, no faults, not counted.
        return next.run(req).await;
    }
    let key = format!("{} {}", req.method(), template(&path));
    *lock(&s.stats).requests.entry(key.clone()).or_default() += 1;
    let kind = (g.projection.classify)(req.method().as_str(), &path);
    let forced = if lock(&s.control).down.contains(&key) {
        Some(Fault::ServerError(503))
    } else if kind == RequestKind::Read {
        None
    } else {
        lock(&s.control).next_write_fault.take()
    };
    let fault = forced.unwrap_or_else(|| lock(&s.faults).draw(kind, s.clock.now()));
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
            let refusal = Refusal::OverBudget {
                limit,
                window_secs: WINDOW_SECS,
            };
            return with_budget(refuse(refusal), (limit, 0, reset));
        }
    };
    let budget = (limit, remaining, reset);
    match fault {
        Fault::RateLimited { headers } => {
            lock(&s.stats).rate_limited += 1;
            let resp = refuse(Refusal::Throttled);
            return if headers {
                with_budget(resp, (limit, 0, reset))
            } else {
                resp
            };
        }
        Fault::ServerError(status) => {
            return with_budget(refuse(Refusal::ServerError(status)), budget);
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
        Fault::LostBadGateway if status.is_success() => refuse(Refusal::BadGateway),
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
                        lock(&s.faults).garble(&mut v, g.projection.enum_fields);
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

/// The shared plumbing's state around a projection's routes.
#[derive(Clone)]
struct Guard {
    shared: Arc<Shared>,
    projection: &'static Projection,
}

/// The router: the projection's routes and `/_sim/stats`, behind the plumbing.
pub fn router(shared: Arc<Shared>, projection: &'static Projection) -> Router {
    let guarded = Guard {
        shared: shared.clone(),
        projection,
    };
    (projection.routes)()
        .route("/_sim/stats", get(stats))
        .fallback(move || async move { (projection.refuse)(Refusal::NotFound) })
        .layer(middleware::from_fn_with_state(guarded, guard))
        .with_state(shared)
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
