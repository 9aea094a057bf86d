//! Ticket routes: list (cursor or offset, by id), show, `show_many`, count, update (with safe
//! updates, the Update Ticket endpoint limit and its header) and `update_many` (a job), and
//! job statuses. `include=slas` adds each ticket's `slas` on list, show and `show_many`.

use super::errors::{self, endpoint_header, record_invalid};
use super::jobs::{Item, Job, job_id};
use super::paging;
use super::projection::{self, ts};
use super::request::Ctx;
use super::state::{TICKETS_UPDATE, ZendeskState};
use super::writes::{self, Failure, Stamp};
use crate::sim::server::Shared;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// A JSON 200.
pub fn ok(v: Value) -> Response {
    Json(v).into_response()
}

/// A numeric path id, or the 404 for it.
pub fn path_id<T: std::str::FromStr>(raw: &str) -> Result<T, Response> {
    raw.parse().map_err(|_| errors::not_found())
}

/// Ids of a `?ids=1,2,3` list (≤ 100), or the 400.
pub fn ids_param<T: std::str::FromStr>(ctx: &Ctx) -> Result<Vec<T>, Response> {
    let raw = ctx.get("ids").unwrap_or_default();
    let ids: Result<Vec<T>, _> = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect();
    match ids {
        Ok(ids) if ids.is_empty() => Err(errors::error(400, "InvalidValue", "ids is required")),
        Ok(ids) if ids.len() > 100 => Err(errors::error(
            400,
            "InvalidValue",
            "ids may name at most 100 records",
        )),
        Ok(ids) => Ok(ids),
        Err(_) => Err(errors::error(400, "InvalidValue", "ids must be integers")),
    }
}

/// `GET /api/v2/tickets`.
pub async fn list(State(s): State<Arc<Shared>>, ctx: Ctx) -> Response {
    let mode = match paging::mode(&ctx, "id", 100, 100, false) {
        Ok(m) => m,
        Err(e) => return e,
    };
    let w = s.world_now();
    let ids: Vec<u64> = w.conversations.keys().copied().collect();
    let page = paging::page(&ctx, &mode, "id", ids.len(), |i| [ids[i] as i64, 0]);
    let slas = ctx.includes("slas");
    let tickets: Vec<Value> = ids[page.range.clone()]
        .iter()
        .filter_map(|id| w.conversations.get(id))
        .map(|c| projection::ticket(&w, c, &ctx.base, slas))
        .collect();
    let mut body = Map::new();
    body.insert("tickets".into(), tickets.into());
    ok(paging::body(body, page.envelope))
}

/// `GET /api/v2/tickets/{id}`.
pub async fn show(State(s): State<Arc<Shared>>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let id: u64 = match path_id(&id) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let w = s.world_now();
    match w.conversations.get(&id) {
        Some(c) => {
            ok(json!({"ticket": projection::ticket(&w, c, &ctx.base, ctx.includes("slas"))}))
        }
        None => errors::not_found(),
    }
}

/// `GET /api/v2/tickets/show_many?ids=…`.
pub async fn show_many(State(s): State<Arc<Shared>>, ctx: Ctx) -> Response {
    let ids: Vec<u64> = match ids_param(&ctx) {
        Ok(ids) => ids,
        Err(e) => return e,
    };
    let w = s.world_now();
    let slas = ctx.includes("slas");
    let tickets: Vec<Value> = ids
        .iter()
        .filter_map(|id| w.conversations.get(id))
        .map(|c| projection::ticket(&w, c, &ctx.base, slas))
        .collect();
    ok(
        json!({"tickets": tickets, "next_page": null, "previous_page": null, "count": tickets.len()}),
    )
}

/// `GET /api/v2/tickets/count`.
pub async fn count(State(s): State<Arc<Shared>>) -> Response {
    let w = s.world_now();
    ok(json!({"count": {"value": w.conversations.len(), "refreshed_at": ts(w.now)}}))
}

/// A request body as JSON, or the 400.
pub fn json_body(body: &[u8]) -> Result<Value, Response> {
    serde_json::from_slice(body)
        .map_err(|_| errors::bad_request("The request body is not valid JSON"))
}

/// `PUT /api/v2/tickets/{id}`.
pub async fn update(
    State(s): State<Arc<Shared>>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let state = ZendeskState::of(&s);
    let taken = state.lock().take(TICKETS_UPDATE, s.clock.now().as_second());
    let header = |mut resp: Response| {
        if let Some(name) = TICKETS_UPDATE.header {
            endpoint_header(
                &mut resp,
                name,
                TICKETS_UPDATE.per_minute,
                taken.remaining,
                taken.resets,
            );
        }
        resp
    };
    if !taken.ok {
        return header(errors::too_many(taken.resets));
    }
    header(update_one(&s, &ctx, &id, &body))
}

fn update_one(s: &Shared, ctx: &Ctx, id: &str, body: &[u8]) -> Response {
    let id: u64 = match path_id(id) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let body = match json_body(body) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let Some(t) = body.get("ticket") else {
        return errors::bad_request("The request body must hold a ticket object");
    };
    let (change, stamp) = match writes::parse(t) {
        Ok(x) => x,
        Err(Ok(why)) => return errors::bad_request(&why),
        Err(Err(details)) => return record_invalid(details),
    };
    let mut w = s.world_now();
    if !w.conversations.contains_key(&id) {
        return errors::not_found();
    }
    let stamp = stamp.map_or(Stamp::None, Stamp::Exact);
    match writes::apply(&mut w, id, &change, stamp) {
        Ok(events) => {
            let Some(c) = w.conversations.get(&id) else {
                return errors::not_found();
            };
            let audit_id = {
                let mut st = ZendeskState::of(s).lock();
                st.audits += 1;
                st.audits
            };
            let events: Vec<Value> = events
                .into_iter()
                .enumerate()
                .map(|(n, mut e)| {
                    e["id"] = json!(audit_id * 100 + n as u64 + 1);
                    e
                })
                .collect();
            ok(json!({
                "ticket": projection::ticket(&w, c, &ctx.base, false),
                "audit": {
                    "id": 900_000_000 + audit_id,
                    "ticket_id": id,
                    "author_id": ctx.caller.teammate,
                    "created_at": ts(w.now),
                    "events": events,
                    "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": null}},
                    "metadata": {"system": {}, "custom": {}},
                },
            }))
        }
        Err(Failure::NotFound) => errors::not_found(),
        Err(Failure::Conflict) => errors::error(409, "UpdateConflict", errors::UPDATE_CONFLICT),
        Err(Failure::Invalid(details)) => record_invalid(details),
    }
}

/// `PUT /api/v2/tickets/update_many`: `?ids=…` with `{"ticket":{…}}` (one change for all),
/// or `{"tickets":[{"id":…,…}]}` (one each); at most 100. Queues a job.
pub async fn update_many(State(s): State<Arc<Shared>>, ctx: Ctx, body: Bytes) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(e) => return e,
    };
    // Queued at the world's time, which ticket stamps are in.
    let now = s.world_now().now;
    let item = |id: u64, t: &Value| -> Result<Item, Response> {
        let (change, stamp) = match writes::parse(t) {
            Ok(x) => x,
            Err(Ok(why)) => return Err(errors::bad_request(&why)),
            Err(Err(details)) => return Err(record_invalid(details)),
        };
        Ok(Item {
            id,
            change,
            stamp: stamp.map_or(Stamp::NotAfter(now), Stamp::Exact),
        })
    };
    let items: Result<Vec<Item>, Response> = if ctx.get("ids").is_some() {
        let ids: Vec<u64> = match ids_param(&ctx) {
            Ok(ids) => ids,
            Err(e) => return e,
        };
        let Some(t) = body.get("ticket") else {
            return errors::bad_request("A bulk update needs a ticket object");
        };
        ids.into_iter().map(|id| item(id, t)).collect()
    } else {
        let Some(list) = body.get("tickets").and_then(Value::as_array) else {
            return errors::bad_request("Send ids with a ticket object, or a tickets array");
        };
        if list.is_empty() || list.len() > 100 {
            return errors::error(400, "InvalidValue", "tickets must hold 1 to 100 tickets");
        }
        list.iter()
            .map(|t| {
                let id = t.get("id").and_then(|v| {
                    v.as_u64()
                        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                });
                match id {
                    Some(id) => item(id, t),
                    None => Err(errors::bad_request("Each ticket needs an id")),
                }
            })
            .collect()
    };
    let items = match items {
        Ok(items) => items,
        Err(e) => return e,
    };
    let mut st = ZendeskState::of(&s).lock();
    st.jobs_queued += 1;
    let job = Job {
        id: job_id(st.jobs_queued),
        queued_at: now,
        items,
        polls: 0,
        results: None,
        ran_at: None,
    };
    let body = json!({"job_status": job.json(&ctx.base)});
    st.jobs.insert(job.id.clone(), job);
    // Jobs expire: only the last 100 are kept.
    while st.jobs.len() > 100 {
        let oldest = st
            .jobs
            .iter()
            .min_by_key(|(_, j)| j.queued_at)
            .map(|(k, _)| k.clone());
        match oldest {
            Some(k) => st.jobs.remove(&k),
            None => break,
        };
    }
    ok(body)
}

/// `GET /api/v2/job_statuses/{id}`: polls the job (which may run it).
pub async fn job_status(
    State(s): State<Arc<Shared>>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response {
    let mut w = s.world_now();
    let now = w.now;
    let mut st = ZendeskState::of(&s).lock();
    match st.jobs.get_mut(&id) {
        Some(job) => {
            job.poll(&mut w, now);
            ok(json!({"job_status": job.json(&ctx.base)}))
        }
        None => errors::not_found(),
    }
}

/// `GET /api/v2/job_statuses`: the jobs kept, newest first (does not poll them).
pub async fn job_statuses(State(s): State<Arc<Shared>>, ctx: Ctx) -> Response {
    let st = ZendeskState::of(&s).lock();
    let mut jobs: Vec<&Job> = st.jobs.values().collect();
    jobs.sort_by_key(|j| std::cmp::Reverse(j.queued_at));
    let list: Vec<Value> = jobs.iter().map(|j| j.json(&ctx.base)).collect();
    ok(json!({"job_statuses": list, "next_page": null, "previous_page": null, "count": list.len()}))
}
