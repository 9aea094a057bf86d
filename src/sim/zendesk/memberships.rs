//! Group memberships: lists (all, by group, by user), show, create (admins), delete (admins)
//! with Zendesk's side effects, and make-default.
//!
//! Deleting a membership unassigns the agent's working (new, open, pending, on-hold) tickets
//! in that group, and reassigns their solved ones to the remover if the remover is in the
//! group, else to the group's oldest active agent (lowest id), else to the account owner;
//! closed tickets are left alone. If it was the default, the user's default moves to another
//! of their groups (none if it was their last).

use super::errors::{self, detail, record_invalid};
use super::paging;
use super::projection::{self, membership_id, membership_parts, status};
use super::request::Ctx;
use super::tickets::{json_body, ok, path_id};
use crate::sim::server::Shared;
use crate::sim::world::{ConversationEdit, SimLevel, World};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Lists `rows` (group position, user position), paged.
fn list_of(w: &World, ctx: &Ctx, rows: Vec<(usize, usize)>) -> Response {
    let mode = match paging::mode(ctx, "id", 100, 100, false) {
        Ok(m) => m,
        Err(e) => return e,
    };
    let page = paging::page(ctx, &mode, "id", rows.len(), |i| {
        [membership_id(rows[i].0, rows[i].1), 0]
    });
    let items: Vec<Value> = rows[page.range.clone()]
        .iter()
        .map(|&(ti, ai)| projection::membership(w, ti, ai, &ctx.base))
        .collect();
    let mut body = Map::new();
    body.insert("group_memberships".into(), items.into());
    ok(paging::body(body, page.envelope))
}

/// `GET /api/v2/group_memberships`.
pub async fn list(State(s): State<Arc<Shared>>, ctx: Ctx) -> Response {
    let w = s.world_now();
    let rows = projection::memberships(&w);
    list_of(&w, &ctx, rows)
}

/// `GET /api/v2/groups/{id}/memberships`.
pub async fn by_group(State(s): State<Arc<Shared>>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let id: i64 = match path_id(&id) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let w = s.world_now();
    let Some(ti) = w.teams.iter().position(|t| t.id == id) else {
        return errors::not_found();
    };
    let rows = projection::memberships(&w)
        .into_iter()
        .filter(|(t, _)| *t == ti)
        .collect();
    list_of(&w, &ctx, rows)
}

/// `GET /api/v2/users/{id}/group_memberships`.
pub async fn by_user(State(s): State<Arc<Shared>>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let id: i64 = match path_id(&id) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let w = s.world_now();
    let Some(ai) = w.admins.iter().position(|a| a.id == id) else {
        return errors::not_found();
    };
    list_of(&w, &ctx, user_rows(&w, ai))
}

fn user_rows(w: &World, ai: usize) -> Vec<(usize, usize)> {
    let id = w.admins[ai].id;
    w.teams
        .iter()
        .enumerate()
        .filter(|(_, t)| t.members.iter().any(|(m, _)| *m == id))
        .map(|(ti, _)| (ti, ai))
        .collect()
}

/// The existing membership `id` (optionally of user `user`).
fn find(w: &World, id: &str, user: Option<&str>) -> Option<(usize, usize)> {
    let (ti, ai) = membership_parts(w, id.parse().ok()?)?;
    let (t, a) = (&w.teams[ti], &w.admins[ai]);
    if let Some(u) = user
        && u.parse::<i64>().ok() != Some(a.id)
    {
        return None;
    }
    t.members
        .iter()
        .any(|(m, _)| *m == a.id)
        .then_some((ti, ai))
}

/// `GET /api/v2/group_memberships/{id}`.
pub async fn show(State(s): State<Arc<Shared>>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let w = s.world_now();
    match find(&w, &id, None) {
        Some((ti, ai)) => {
            ok(json!({"group_membership": projection::membership(&w, ti, ai, &ctx.base)}))
        }
        None => errors::not_found(),
    }
}

/// `GET /api/v2/users/{uid}/group_memberships/{id}`.
pub async fn show_for_user(
    State(s): State<Arc<Shared>>,
    ctx: Ctx,
    Path((uid, id)): Path<(String, String)>,
) -> Response {
    let w = s.world_now();
    match find(&w, &id, Some(&uid)) {
        Some((ti, ai)) => {
            ok(json!({"group_membership": projection::membership(&w, ti, ai, &ctx.base)}))
        }
        None => errors::not_found(),
    }
}

/// `POST /api/v2/group_memberships`.
pub async fn create(State(s): State<Arc<Shared>>, ctx: Ctx, body: Bytes) -> Response {
    create_for(&s, &ctx, None, &body)
}

/// `POST /api/v2/users/{uid}/group_memberships`.
pub async fn create_for_user(
    State(s): State<Arc<Shared>>,
    ctx: Ctx,
    Path(uid): Path<String>,
    body: Bytes,
) -> Response {
    create_for(&s, &ctx, Some(&uid), &body)
}

fn create_for(s: &Shared, ctx: &Ctx, uid: Option<&str>, body: &[u8]) -> Response {
    if !ctx.caller.admin {
        return errors::forbidden();
    }
    let body = match json_body(body) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let Some(m) = body.get("group_membership").filter(|m| m.is_object()) else {
        return errors::bad_request("The request body must hold a group_membership object");
    };
    let num = |v: Option<&Value>| {
        v.and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
    };
    let user = num(m.get("user_id")).or_else(|| uid.and_then(|u| u.parse().ok()));
    let group = num(m.get("group_id"));
    let default = m.get("default").and_then(Value::as_bool).unwrap_or(false);
    let mut w = s.world_now();
    let Some(ai) = user.and_then(|u| w.admins.iter().position(|a| a.id == u)) else {
        return record_invalid(detail("user", "User: is invalid", "InvalidValue"));
    };
    let Some(ti) = group.and_then(|g| w.teams.iter().position(|t| t.id == g)) else {
        return record_invalid(detail("group", "Group: is invalid", "InvalidValue"));
    };
    let (uid, gid) = (w.admins[ai].id, w.teams[ti].id);
    if w.teams[ti].members.iter().any(|(m, _)| *m == uid) {
        return record_invalid(detail(
            "group_id",
            "Group: is already assigned to this agent",
            "DuplicateValue",
        ));
    }
    w.add_member(gid, uid, SimLevel::Primary);
    if default {
        w.set_default_team(uid, gid);
    }
    let id = membership_id(ti, ai);
    let mut resp = (
        StatusCode::CREATED,
        axum::Json(json!({"group_membership": projection::membership(&w, ti, ai, &ctx.base)})),
    )
        .into_response();
    if let Ok(v) =
        HeaderValue::from_str(&format!("{}/api/v2/group_memberships/{id}.json", ctx.base))
    {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// `DELETE /api/v2/group_memberships/{id}`.
pub async fn delete(State(s): State<Arc<Shared>>, ctx: Ctx, Path(id): Path<String>) -> Response {
    delete_of(&s, &ctx, &id, None)
}

/// `DELETE /api/v2/users/{uid}/group_memberships/{id}`.
pub async fn delete_for_user(
    State(s): State<Arc<Shared>>,
    ctx: Ctx,
    Path((uid, id)): Path<(String, String)>,
) -> Response {
    delete_of(&s, &ctx, &id, Some(&uid))
}

fn delete_of(s: &Shared, ctx: &Ctx, id: &str, uid: Option<&str>) -> Response {
    if !ctx.caller.admin {
        return errors::forbidden();
    }
    let mut w = s.world_now();
    let Some((ti, ai)) = find(&w, id, uid) else {
        return errors::not_found();
    };
    let (gid, user) = (w.teams[ti].id, w.admins[ai].id);
    w.remove_member(gid, user);
    let members: Vec<i64> = w.teams[ti].members.iter().map(|(m, _)| *m).collect();
    let heir = ctx
        .caller
        .teammate
        .filter(|r| members.contains(r))
        .or_else(|| members.iter().min().copied())
        .unwrap_or(w.me);
    let now = w.now;
    let touched: Vec<(u64, i64)> = w
        .conversations
        .values()
        .filter(|c| c.team == gid && c.admin == user)
        .filter_map(|c| match status(c, now) {
            "closed" => None,
            "solved" => Some((c.id, heir)),
            _ => Some((c.id, 0)),
        })
        .collect();
    for (cid, admin) in touched {
        w.edit_conversation(cid, ConversationEdit::Route { admin, team: gid });
    }
    StatusCode::NO_CONTENT.into_response()
}

/// `PUT /api/v2/users/{uid}/group_memberships/{id}/make_default`: any body (or none) is
/// accepted; answers all of the user's memberships.
pub async fn make_default(
    State(s): State<Arc<Shared>>,
    ctx: Ctx,
    Path((uid, id)): Path<(String, String)>,
) -> Response {
    let mut w = s.world_now();
    let Some((ti, ai)) = find(&w, &id, Some(&uid)) else {
        return errors::not_found();
    };
    let (user, gid) = (w.admins[ai].id, w.teams[ti].id);
    w.set_default_team(user, gid);
    let items: Vec<Value> = user_rows(&w, ai)
        .into_iter()
        .map(|(t, a)| projection::membership(&w, t, a, &ctx.base))
        .collect();
    ok(json!({"group_memberships": items}))
}
