//! The simulator's vendor-neutral HTTP plumbing: auth (through the projection's hook, which
//! names the [`Caller`] handlers read from the request's extensions), rate-limit windows with
//! the vendor's budget headers and 429s, injected faults, delays, the record of applied writes,
//! request counters and the `/_sim/*` control surface. A vendor projection supplies its routes,
//! auth, window, headers and error bodies as a [`Projection`], which [`router`] mounts.

use super::errors::Refusal;
use super::faults::{Fault, Faults, MALFORMED_BODY, RequestKind};
use super::world::{SimState, World};
use crate::clock::SharedClock;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::Value;
use std::any::Any;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Who a request comes from, as the projection's `authorize` hook found it; handlers read it
/// from the request's extensions (`axum::Extension<Caller>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    /// The teammate signed in as, when the credentials name one.
    pub teammate: Option<i64>,
    /// Whether the caller has the workspace's administrator role.
    pub admin: bool,
}

/// A window's budget after a request: requests allowed, left, and when the window resets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Requests allowed per window.
    pub limit: u32,
    /// Requests left in this window.
    pub remaining: u32,
    /// When the window resets (unix seconds).
    pub reset: i64,
    /// Seconds from now until the reset.
    pub reset_in: i64,
}

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
    /// Checks a request's credentials: the caller, or the vendor's 401 answer.
    pub authorize: fn(&Shared, &HeaderMap) -> Result<Caller, Response>,
    /// Length of a rate-limit window in seconds.
    pub window_secs: i64,
    /// Writes a window's budget into an answer's headers, as the vendor names them.
    pub budget_headers: fn(&mut HeaderMap, Budget),
    /// The canonical form of a request path the vendor also accepts in another spelling (e.g.
    /// with a format suffix), or `None` when it is canonical already. Routing, stats and faults
    /// see the canonical path.
    pub canonical_path: fn(&str) -> Option<String>,
    /// The vendor's own server state (e.g. background jobs), kept in [`Shared::vendor`].
    pub state: fn() -> Box<dyn Any + Send + Sync>,
    /// Whether a request (method, path) reads, writes, or writes team membership.
    pub classify: fn(&str, &str) -> RequestKind,
    /// Body fields holding enum values, which garbled answers fill with unknown values.
    pub enum_fields: &'static [&'static str],
    /// A change in the world as the vendor's signed webhook (see [`super::webhooks`]).
    pub webhook: super::webhooks::Shape,
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
    /// Whether the routing feature (agent presence statuses, capacity rules) is enabled, for
    /// vendors where it is a plan feature (refused as the vendor refuses a missing feature).
    pub routing_enabled: bool,
    /// Lists that page either way answer offset pages of this size, whatever the client
    /// asks for (an endpoint without cursor paging); cursor-only lists are unaffected.
    pub offset_pages: Option<usize>,
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
    /// Webhook deliveries by the receiver's answer (`200`, `401`…, or `failed`).
    pub webhooks: std::collections::BTreeMap<String, u64>,
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
    /// Length of a rate-limit window in seconds (the projection's).
    pub window_secs: i64,
    /// The projection's own state (see [`Projection::state`]); downcast by the projection.
    pub vendor: Box<dyn Any + Send + Sync>,
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
    /// Notified after every write applied through the API (the webhook emitter looks at
    /// once).
    pub written: tokio::sync::Notify,
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
        projection: &Projection,
    ) -> Self {
        Self {
            world: Mutex::new(world),
            clock,
            token,
            window_secs: projection.window_secs.max(1),
            vendor: (projection.state)(),
            control: Mutex::new(control),
            faults: Mutex::new(faults),
            window: Mutex::new((0, 0)),
            stats: Mutex::new(Stats::default()),
            applied: Mutex::new(Vec::new()),
            written: tokio::sync::Notify::new(),
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

    /// Counts a request against the window; the budget after it, or `Err` (with nothing left)
    /// when it is spent.
    fn take_budget(&self) -> Result<Budget, Budget> {
        let limit = lock(&self.control).rate_limit;
        let now = self.clock.now().as_second();
        let start = now - now.rem_euclid(self.window_secs);
        let reset = start + self.window_secs;
        let budget = |remaining| Budget {
            limit,
            remaining,
            reset,
            reset_in: reset - now,
        };
        let mut w = lock(&self.window);
        if w.0 != start {
            *w = (start, 0);
        }
        if w.1 >= limit {
            return Err(budget(0));
        }
        w.1 += 1;
        Ok(budget(limit - w.1))
    }
}

/// Auth, rate limit, injected faults, delay and stats around every route.
async fn guard(State(g): State<Guard>, mut req: Request, next: Next) -> Response {
    let (s, refuse) = (&g.shared, g.projection.refuse);
    let headers_of = g.projection.budget_headers;
    let with_budget = |mut resp: Response, budget: Budget| {
        headers_of(resp.headers_mut(), budget);
        resp
    };
    match (g.projection.authorize)(s, req.headers()) {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
        }
        Err(resp) => return resp,
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
    let budget = match budget {
        Ok(b) => b,
        Err(spent) => {
            lock(&s.stats).rate_limited += 1;
            let refusal = Refusal::OverBudget {
                limit: spent.limit,
                window_secs: s.window_secs,
                retry_after: spent.reset_in.max(1),
            };
            return with_budget(refuse(refusal), spent);
        }
    };
    match fault {
        Fault::RateLimited { headers } => {
            lock(&s.stats).rate_limited += 1;
            let resp = refuse(Refusal::Throttled);
            return if headers {
                with_budget(
                    resp,
                    Budget {
                        remaining: 0,
                        ..budget
                    },
                )
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
        s.written.notify_one();
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

/// Sets header `name` to the number `value`.
pub fn set_number_header(h: &mut HeaderMap, name: &'static str, value: i64) {
    if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
        h.insert(name, v);
    }
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

/// The router: the projection's routes and `/_sim/stats`, behind the plumbing, with request
/// paths made canonical before routing.
pub fn router(shared: Arc<Shared>, projection: &'static Projection) -> Router {
    let guarded = Guard {
        shared: shared.clone(),
        projection,
    };
    let inner = (projection.routes)()
        .route("/_sim/stats", get(stats))
        .fallback(move || async move { (projection.refuse)(Refusal::NotFound) })
        .layer(middleware::from_fn_with_state(guarded, guard))
        .with_state(shared);
    Router::new()
        .fallback_service(inner)
        .layer(middleware::map_request(
            move |mut req: Request| async move {
                if let Some(path) = (projection.canonical_path)(req.uri().path()) {
                    let query = req
                        .uri()
                        .query()
                        .map(|q| format!("?{q}"))
                        .unwrap_or_default();
                    if let Ok(uri) = format!("{path}{query}").parse() {
                        *req.uri_mut() = uri;
                    }
                }
                req
            },
        ))
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
        "webhooks": st.webhooks,
        "fault_profile": profile,
        "writes_applied": lock(&s.applied).len(),
        "open_conversations": open,
        "sim_time": w.now.as_second(),
    }))
    .into_response()
}
