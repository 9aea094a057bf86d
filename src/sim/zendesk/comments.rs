//! `GET /api/v2/tickets/{id}/comments`: a ticket's comments as the world derives its parts
//! (the requester's opening message first), in both paging modes, oldest first or with
//! `sort=-created_at` (cursor) / `sort_order=desc` (offset) newest first; `include=users`
//! sideloads the authors (the requester as an end user). Also the requester as a user, for
//! `GET /api/v2/users/{id}`.

use super::paging;
use super::projection::{self, REQUESTER_BASE, ts};
use super::request::Ctx;
use super::tickets::{ok, path_id};
use super::{errors, users};
use crate::sim::server::Shared;
use crate::sim::world::talk::{CUSTOMERS, SimCustomer, customer};
use crate::sim::world::{SimAuthor, SimConversation, SimPart, World};
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// The user id of a customer.
pub fn requester_id(c: &SimCustomer) -> i64 {
    REQUESTER_BASE + c.index as i64
}

/// The customer a user id names, if it is a requester's.
pub fn requester(id: i64) -> Option<SimCustomer> {
    let index = id.checked_sub(REQUESTER_BASE)?;
    (0..CUSTOMERS as i64)
        .contains(&index)
        .then(|| customer(index as u64))
}

/// A requester as a Zendesk user (`role: end-user`).
pub fn end_user(w: &World, c: &SimCustomer, base: &str) -> Value {
    let id = requester_id(c);
    json!({
        "id": id,
        "url": format!("{base}/api/v2/users/{id}.json"),
        "name": c.name,
        "email": c.email,
        "role": "end-user",
        "role_type": Value::Null,
        "custom_role_id": Value::Null,
        "default_group_id": Value::Null,
        "active": true,
        "suspended": false,
        "verified": true,
        "shared": false,
        "shared_agent": false,
        "moderator": false,
        "restricted_agent": true,
        "only_private_comments": false,
        "ticket_restriction": "requested",
        "time_zone": w.timezone,
        "iana_time_zone": w.timezone,
        "locale": "en-US",
        "locale_id": 1,
        "tags": [],
        "user_fields": {},
        "created_at": ts(w.created_at),
        "updated_at": ts(w.created_at),
        "last_login_at": Value::Null,
    })
}

/// The id of comment `n` of ticket `ticket`.
fn comment_id(ticket: u64, n: u32) -> i64 {
    ticket as i64 * 1_000 + i64::from(n)
}

/// One comment.
fn comment(c: &SimConversation, customer: &SimCustomer, p: &SimPart) -> Value {
    let author = match p.author {
        SimAuthor::Customer => requester_id(customer),
        SimAuthor::Admin(id) => id,
    };
    let plain = crate::domain::detail::plain_text(&p.html);
    let channel = if p.n == 0 { "email" } else { "web" };
    json!({
        "id": comment_id(c.id, p.n),
        "type": "Comment",
        "author_id": author,
        "body": plain,
        "html_body": format!("<div class=\"zd-comment\" dir=\"auto\">{}</div>", p.html),
        "plain_body": plain,
        "public": true,
        "attachments": [],
        "audit_id": comment_id(c.id, p.n) + 500,
        "created_at": ts(p.at),
        "metadata": {"system": {}, "custom": {}},
        "via": {"channel": channel, "source": {"from": {}, "to": {}, "rel": Value::Null}},
    })
}

/// `GET /api/v2/tickets/{id}/comments`.
pub async fn list(State(s): State<Arc<Shared>>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let id: u64 = match path_id(&id) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let desc = ctx.get("sort") == Some("-created_at") || ctx.get("sort_order") == Some("desc");
    let order = if desc { "-created_at" } else { "created_at" };
    let mode = match paging::mode(&ctx, order, 100, 100, false) {
        Ok(m) => m,
        Err(e) => return e,
    };
    let w = s.world_now();
    let Some(c) = w.conversations.get(&id) else {
        return errors::not_found();
    };
    let who = w.customer(c);
    let mut parts = w.parts(c);
    if desc {
        parts.reverse();
    }
    let key = |i: usize| {
        let n = i64::from(parts[i].n);
        [if desc { -n } else { n }, 0]
    };
    let page = paging::page(&ctx, &mode, order, parts.len(), key);
    let shown = &parts[page.range.clone()];
    let mut body = Map::new();
    body.insert(
        "comments".into(),
        shown.iter().map(|p| comment(c, &who, p)).collect(),
    );
    if ctx.includes("users") {
        let mut sideload = Vec::new();
        if shown.iter().any(|p| p.author == SimAuthor::Customer) {
            sideload.push(end_user(&w, &who, &ctx.base));
        }
        let mut admins: Vec<i64> = shown
            .iter()
            .filter_map(|p| match p.author {
                SimAuthor::Admin(a) => Some(a),
                SimAuthor::Customer => None,
            })
            .collect();
        admins.sort_unstable();
        admins.dedup();
        for a in admins {
            if let Some(i) = w.admins.iter().position(|x| x.id == a) {
                sideload.push(projection::user(&w, i, &w.admins[i], &ctx.base));
            }
        }
        body.insert("users".into(), sideload.into());
    }
    ok(paging::body(body, page.envelope))
}

/// `GET /api/v2/users/{id}` for a requester; other ids go to the agents' handler.
pub async fn show_user(s: State<Arc<Shared>>, ctx: Ctx, Path(id): Path<String>) -> Response {
    if let Some(c) = id.parse::<i64>().ok().and_then(requester) {
        let w = s.world_now();
        return ok(json!({"user": end_user(&w, &c, &ctx.base)}));
    }
    users::show(s, ctx, Path(id)).await
}
