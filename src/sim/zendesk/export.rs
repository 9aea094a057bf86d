//! Search and exports: `search` (offset only, 1,000 results at most, 422 past them),
//! `search/count`, `search/export` (cursor only, needs `filter[type]`, ordered by creation,
//! its own 100-a-minute limit) and the incremental ticket cursor (admins only, from a
//! `start_time` at least a minute old, never the last minute, 10 a minute, ordered by
//! update). Matches are computed once per sim step and query and reused while a client
//! pages, so paging a large result is not quadratic.

use super::errors;
use super::paging::{self, Key, Mode};
use super::projection;
use super::request::Ctx;
use super::search;
use super::state::{EndpointLimit, INCREMENTAL, SEARCH_EXPORT, ZendeskState};
use super::tickets::ok;
use crate::sim::server::Shared;
use crate::sim::world::{SimConversation, World};
use axum::extract::State;
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Most results a search serves.
pub const SEARCH_LIMIT: usize = 1_000;

/// Counts a request against an endpoint limit, or the 429.
fn limit(s: &Shared, l: EndpointLimit) -> Result<(), Response> {
    let t = ZendeskState::of(s)
        .lock()
        .take(l, s.clock.now().as_second());
    if t.ok {
        Ok(())
    } else {
        Err(errors::too_many(t.resets))
    }
}

/// The query, parsed, or Zendesk's 400-ish refusal.
fn query(ctx: &Ctx) -> Result<search::Query, Response> {
    search::parse(ctx.get("query").unwrap_or_default())
        .map_err(|why| errors::error(400, "invalid", &format!("Invalid search: {why}")))
}

/// The ids matching `q`, sorted by `sort` (computed once per sim step).
fn matching(
    s: &Shared,
    w: &World,
    q: &search::Query,
    raw: &str,
    sort: &str,
    desc: bool,
) -> Arc<Vec<u64>> {
    let key = format!("{sort}|{desc}|{raw}");
    if let Some(ids) = s.cached_search(&key, w.now) {
        return ids;
    }
    let mut found: Vec<&SimConversation> = w
        .conversations
        .values()
        .filter(|c| q.matches(c, w.now))
        .collect();
    match sort {
        "created_at" => found.sort_by_key(|c| (c.created_at.as_second(), c.id)),
        "updated_at" => found.sort_by_key(|c| (c.updated_at.as_second(), c.id)),
        "priority" => found.sort_by_key(|c| (c.priority, c.id)),
        "status" => {
            found.sort_by_key(|c| (projection::status_rank(projection::status(c, w.now)), c.id))
        }
        _ => {}
    }
    if desc {
        found.reverse();
    }
    let ids = Arc::new(found.iter().map(|c| c.id).collect::<Vec<u64>>());
    s.cache_search(key, w.now, ids.clone());
    ids
}

/// A search result: the ticket with `result_type`, `slas` when `include=tickets(slas)`.
fn result(w: &World, c: &SimConversation, ctx: &Ctx) -> Value {
    let mut t = projection::ticket(w, c, &ctx.base, ctx.includes("tickets(slas)"));
    t["result_type"] = "ticket".into();
    t
}

/// `GET /api/v2/search`.
pub async fn search(State(s): State<Arc<Shared>>, ctx: Ctx) -> Response {
    let q = match query(&ctx) {
        Ok(q) => q,
        Err(e) => return e,
    };
    let (page, per_page) = match paging::mode(&ctx, "id", 100, 100, false) {
        Ok(Mode::Offset { page, per_page }) => (page, per_page),
        Ok(Mode::Cursor { .. }) => {
            return errors::errors_list(
                400,
                "InvalidPaginationParameter",
                "Search does not support cursor pagination; use search/export",
            );
        }
        Err(e) => return e,
    };
    if page * per_page > SEARCH_LIMIT {
        return errors::error(
            422,
            "invalid",
            "Invalid search: Requested response size was greater than Search Response Limits",
        );
    }
    let w = s.world_now();
    let ids = if q.kind().is_none_or(|k| k == "ticket") {
        let sort = ctx.get("sort_by").unwrap_or("id");
        let desc = ctx.get("sort_order") == Some("desc");
        matching(&s, &w, &q, ctx.get("query").unwrap_or_default(), sort, desc)
    } else {
        Arc::new(Vec::new())
    };
    let start = ((page - 1) * per_page).min(ids.len());
    let end = (start + per_page).min(ids.len());
    let results: Vec<Value> = ids[start..end]
        .iter()
        .filter_map(|id| w.conversations.get(id))
        .map(|c| result(&w, c, &ctx))
        .collect();
    let link = |p: usize| {
        Value::String(
            ctx.with_paging(&[("page", p.to_string()), ("per_page", per_page.to_string())]),
        )
    };
    let next = if end < ids.len().min(SEARCH_LIMIT) {
        link(page + 1)
    } else {
        Value::Null
    };
    let prev = if page > 1 {
        link(page - 1)
    } else {
        Value::Null
    };
    ok(
        json!({"results": results, "facets": null, "next_page": next, "previous_page": prev, "count": ids.len()}),
    )
}

/// `GET /api/v2/search/count`.
pub async fn count(State(s): State<Arc<Shared>>, ctx: Ctx) -> Response {
    let q = match query(&ctx) {
        Ok(q) => q,
        Err(e) => return e,
    };
    let w = s.world_now();
    let n = if q.kind().is_none_or(|k| k == "ticket") {
        matching(
            &s,
            &w,
            &q,
            ctx.get("query").unwrap_or_default(),
            "id",
            false,
        )
        .len()
    } else {
        0
    };
    ok(json!({"count": n}))
}

/// `GET /api/v2/search/export`.
pub async fn export(State(s): State<Arc<Shared>>, ctx: Ctx) -> Response {
    if let Err(e) = limit(&s, SEARCH_EXPORT) {
        return e;
    }
    let Some(kind) = ctx.get("filter[type]").filter(|k| !k.is_empty()) else {
        return errors::error(400, "InvalidSearchParameter", "filter[type] is required");
    };
    let q = match query(&ctx) {
        Ok(q) => q,
        Err(e) => return e,
    };
    if q.kind().is_some_and(|k| k != kind) {
        return errors::error(
            400,
            "InvalidSearchParameter",
            "Searches with type in the query string that differs from filter[type] are not supported",
        );
    }
    let mode = match paging::mode(&ctx, "created_at", 100, 1000, true) {
        Ok(m) => m,
        Err(e) => return e,
    };
    let w = s.world_now();
    let ids = if kind == "ticket" {
        matching(
            &s,
            &w,
            &q,
            ctx.get("query").unwrap_or_default(),
            "created_at",
            false,
        )
    } else {
        Arc::new(Vec::new())
    };
    let key = |i: usize| -> Key {
        w.conversations
            .get(&ids[i])
            .map_or([i64::MAX, ids[i] as i64], |c| {
                [c.created_at.as_second(), c.id as i64]
            })
    };
    let page = paging::page(&ctx, &mode, "created_at", ids.len(), key);
    let results: Vec<Value> = ids[page.range.clone()]
        .iter()
        .filter_map(|id| w.conversations.get(id))
        .map(|c| result(&w, c, &ctx))
        .collect();
    let mut env = page.envelope;
    // The export only goes forward.
    if let Some(meta) = env.get_mut("meta") {
        meta["before_cursor"] = Value::Null;
    }
    if let Some(links) = env.get_mut("links") {
        links["prev"] = Value::Null;
    }
    let mut body = Map::new();
    body.insert("results".into(), results.into());
    body.insert("facets".into(), Value::Null);
    ok(paging::body(body, env))
}

/// `GET /api/v2/incremental/tickets/cursor`.
pub async fn incremental(State(s): State<Arc<Shared>>, ctx: Ctx) -> Response {
    if !ctx.caller.admin {
        return errors::forbidden();
    }
    if let Err(e) = limit(&s, INCREMENTAL) {
        return e;
    }
    let w = s.world_now();
    let now = w.now.as_second();
    let from: Key = match (ctx.get("cursor"), ctx.get("start_time")) {
        (Some(c), _) => match paging::decode_cursor("updated_at", c) {
            Some(k) => k,
            None => return errors::error(400, "InvalidValue", "cursor is not valid"),
        },
        (None, Some(t)) => match t.trim().parse::<i64>() {
            Ok(t) if t > now - 60 => {
                return errors::error(
                    400,
                    "InvalidValue",
                    "Too recent start_time. Use a start_time older than 1 minute",
                );
            }
            Ok(t) => [t, 0],
            Err(_) => {
                return errors::error(400, "InvalidValue", "start_time must be a unix timestamp");
            }
        },
        (None, None) => {
            return errors::error(400, "InvalidValue", "start_time or cursor is required");
        }
    };
    let per_page = ctx
        .get("per_page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1000)
        .clamp(1, 1000);
    // The last minute is never exported.
    let until = now - 60;
    let mut after: Vec<(Key, &SimConversation)> = w
        .conversations
        .values()
        .map(|c| ([c.updated_at.as_second(), c.id as i64], c))
        .filter(|(k, _)| *k > from && k[0] < until)
        .collect();
    let more = after.len() > per_page;
    if more {
        after.select_nth_unstable_by_key(per_page, |(k, _)| *k);
        after.truncate(per_page);
    }
    after.sort_unstable_by_key(|(k, _)| *k);
    let last = after.last().map_or(from, |(k, _)| *k);
    let slas = ctx.includes("slas");
    let tickets: Vec<Value> = after
        .iter()
        .map(|(_, c)| projection::ticket(&w, c, &ctx.base, slas))
        .collect();
    let cursor = paging::encode_cursor("updated_at", last);
    let mut query: Vec<(String, String)> = ctx
        .query
        .iter()
        .filter(|(k, _)| k != "start_time" && k != "cursor")
        .cloned()
        .collect();
    query.push(("cursor".to_owned(), cursor.clone()));
    let url = ctx.url("/api/v2/incremental/tickets/cursor", &query);
    ok(json!({
        "tickets": tickets,
        "after_cursor": cursor,
        "after_url": url,
        "before_cursor": null,
        "before_url": null,
        "end_of_stream": !more,
    }))
}
