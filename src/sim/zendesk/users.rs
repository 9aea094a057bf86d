//! Users and groups: `GET /users` (filtered by `role` or repeated `role[]`), `/users/me`,
//! `/users/{id}`, `/users/show_many`, `/groups`, `/groups/{id}`, and the SLA policies. The
//! users are the workspace's agents and admins (requesters are not listed).

use super::errors;
use super::paging;
use super::projection;
use super::request::Ctx;
use super::tickets::{ids_param, ok, path_id};
use crate::sim::server::Shared;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Positions of the users `role`/`role[]` select, in id order.
fn selected(ctx: &Ctx, w: &crate::sim::world::World) -> Vec<usize> {
    let mut roles = ctx.all("role[]");
    roles.extend(ctx.all("role"));
    let mut out: Vec<usize> = (0..w.admins.len())
        .filter(|&i| {
            let role = if projection::is_admin(w, i) {
                "admin"
            } else {
                "agent"
            };
            roles.is_empty() || roles.contains(&role)
        })
        .collect();
    out.sort_by_key(|&i| w.admins[i].id);
    out
}

/// `GET /api/v2/users`.
pub async fn list(State(s): State<Arc<Shared>>, ctx: Ctx) -> Response {
    let mode = match paging::mode(&ctx, "id", 100, 100, false) {
        Ok(m) => m,
        Err(e) => return e,
    };
    let w = s.world_now();
    let picked = selected(&ctx, &w);
    let page = paging::page(&ctx, &mode, "id", picked.len(), |i| {
        [w.admins[picked[i]].id, 0]
    });
    let users: Vec<Value> = picked[page.range.clone()]
        .iter()
        .map(|&i| projection::user(&w, i, &w.admins[i], &ctx.base))
        .collect();
    let mut body = Map::new();
    body.insert("users".into(), users.into());
    ok(paging::body(body, page.envelope))
}

/// `GET /api/v2/users/me`.
pub async fn me(State(s): State<Arc<Shared>>, ctx: Ctx) -> Response {
    let w = s.world_now();
    let id = ctx.caller.teammate.unwrap_or(w.me);
    match w.admins.iter().position(|a| a.id == id) {
        Some(i) => ok(json!({"user": projection::user(&w, i, &w.admins[i], &ctx.base)})),
        None => errors::not_found(),
    }
}

/// `GET /api/v2/users/{id}`.
pub async fn show(State(s): State<Arc<Shared>>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let id: i64 = match path_id(&id) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let w = s.world_now();
    match w.admins.iter().position(|a| a.id == id) {
        Some(i) => ok(json!({"user": projection::user(&w, i, &w.admins[i], &ctx.base)})),
        None => errors::not_found(),
    }
}

/// `GET /api/v2/users/show_many?ids=…`.
pub async fn show_many(State(s): State<Arc<Shared>>, ctx: Ctx) -> Response {
    let ids: Vec<i64> = match ids_param(&ctx) {
        Ok(ids) => ids,
        Err(e) => return e,
    };
    let w = s.world_now();
    let users: Vec<Value> = ids
        .iter()
        .filter_map(|id| w.admins.iter().position(|a| a.id == *id))
        .map(|i| projection::user(&w, i, &w.admins[i], &ctx.base))
        .collect();
    ok(json!({"users": users, "next_page": null, "previous_page": null, "count": users.len()}))
}

/// `GET /api/v2/groups`.
pub async fn groups(State(s): State<Arc<Shared>>, ctx: Ctx) -> Response {
    let mode = match paging::mode(&ctx, "id", 100, 100, false) {
        Ok(m) => m,
        Err(e) => return e,
    };
    let w = s.world_now();
    let mut order: Vec<usize> = (0..w.teams.len()).collect();
    order.sort_by_key(|&i| w.teams[i].id);
    let page = paging::page(&ctx, &mode, "id", order.len(), |i| {
        [w.teams[order[i]].id, 0]
    });
    let groups: Vec<Value> = order[page.range.clone()]
        .iter()
        .map(|&i| projection::group(&w, i, &w.teams[i], &ctx.base))
        .collect();
    let mut body = Map::new();
    body.insert("groups".into(), groups.into());
    ok(paging::body(body, page.envelope))
}

/// `GET /api/v2/groups/{id}`.
pub async fn group(State(s): State<Arc<Shared>>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let id: i64 = match path_id(&id) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let w = s.world_now();
    match w.teams.iter().position(|t| t.id == id) {
        Some(i) => ok(json!({"group": projection::group(&w, i, &w.teams[i], &ctx.base)})),
        None => errors::not_found(),
    }
}

/// `GET /api/v2/brands`: the account's one brand, named for the workspace.
pub async fn brands(State(s): State<Arc<Shared>>, ctx: Ctx) -> Response {
    let w = s.world_now();
    let brand = projection::brand(&w, &ctx.base);
    ok(json!({"brands": [brand], "count": 1, "next_page": null, "previous_page": null}))
}

/// `GET /api/v2/slas/policies`.
pub async fn sla_policies(State(s): State<Arc<Shared>>, ctx: Ctx) -> Response {
    let w = s.world_now();
    let policies = projection::sla_policies(&w, &ctx.base);
    ok(
        json!({"count": policies.len(), "sla_policies": policies, "next_page": null, "previous_page": null}),
    )
}
