//! Omnichannel routing, behind the routing switch (off: every route here answers 404
//! `InvalidEndpoint`, as Zendesk answers for a feature the account lacks): agent
//! availabilities (JSON:API, cursor only), unified agent statuses (list, and set with either
//! `{"id": 4}` or `{"data":{"type":"agent_status","attributes":{"agent_status_id":"4"}}}`),
//! and capacity rules (agents grouped by cap, one rule per cap).
//!
//! Status mapping: not away → online (3), or transfers only (5) when set so through the API
//! (the world counts them online); away with a reason → that reason's custom status (100 +
//! reason id); away with reassign and no reason → away (4); away without either → offline (2).

use super::errors::{self, detail, record_invalid};
use super::paging;
use super::projection::ts;
use super::request::Ctx;
use super::state::ZendeskState;
use super::tickets::{json_body, ok, path_id};
use crate::sim::server::Shared;
use crate::sim::world::{SimAdmin, SimState, World};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Custom status ids are this + the away reason's id.
pub const CUSTOM_BASE: i64 = 100;

/// The default statuses: (id, name, description).
pub const DEFAULTS: [(i64, &str, &str); 4] = [
    (2, "offline", "Can't receive work"),
    (3, "online", "Can receive work"),
    (4, "away", "Can only receive email tickets"),
    (5, "transfers only", "Can only receive transfers"),
];

fn enabled(s: &Shared) -> bool {
    s.control().routing_enabled
}

/// The status id and name of a teammate.
pub fn status_of(w: &World, a: &SimAdmin, transfers: &BTreeSet<i64>) -> (i64, String) {
    match (a.away, a.reassign, a.reason) {
        (false, _, _) if transfers.contains(&a.id) => (5, "transfers only".into()),
        (false, _, _) => (3, "online".into()),
        (true, _, Some(r)) => {
            let label = w
                .reasons
                .iter()
                .find(|x| x.id == r)
                .map_or_else(|| "away".to_owned(), |x| x.label.clone());
            (CUSTOM_BASE + r, label)
        }
        (true, true, None) => (4, "away".into()),
        (true, false, None) => (2, "offline".into()),
    }
}

/// Each teammate's open tickets.
fn loads(w: &World) -> BTreeMap<i64, u32> {
    let mut m = BTreeMap::new();
    for c in w.conversations.values() {
        if c.state != SimState::Closed && c.admin != 0 {
            *m.entry(c.admin).or_insert(0) += 1;
        }
    }
    m
}

fn availability(
    w: &World,
    a: &SimAdmin,
    ctx: &Ctx,
    transfers: &BTreeSet<i64>,
    loads: &BTreeMap<i64, u32>,
    set_at: Option<jiff::Timestamp>,
) -> (Value, Value) {
    let (id, name) = status_of(w, a, transfers);
    let updated = ts(set_at.unwrap_or(w.created_at));
    let groups: Vec<i64> = w
        .teams
        .iter()
        .filter(|t| t.members.iter().any(|(m, _)| *m == a.id))
        .map(|t| t.id)
        .collect();
    let channel_id = format!("agent_availabilities|{}|channels|support", a.id);
    let channel_status = if id == 3 || id == 5 { "online" } else { "away" };
    let data = json!({
        "type": "agent_availabilities",
        "id": format!("agent_availabilities|{}", a.id),
        "attributes": {
            "agent_id": a.id,
            "agent_status": {"id": id, "name": name, "reason": if set_at.is_some() { "PUBLIC_API" } else { "UNKNOWN" }, "updated_at": updated},
            "group_ids": groups,
            "skills": [],
            "version": 1,
        },
        "links": {"self": format!("{}/api/v2/agent_availabilities/{}", ctx.base, a.id)},
        "relationships": {"channels": {"data": [{"id": channel_id, "type": "channels"}]}},
    });
    let included = json!({
        "type": "channels",
        "id": channel_id,
        "attributes": {
            "name": "support",
            "status": channel_status,
            "max_capacity": a.cap,
            "work_item_count": loads.get(&a.id).copied().unwrap_or(0),
            "updated_at": updated,
        },
    });
    (data, included)
}

/// `GET /api/v2/agent_availabilities` (`filter[agent_status_id]` honoured, other filters
/// tolerated).
pub async fn list(State(s): State<Arc<Shared>>, ctx: Ctx) -> Response {
    if !enabled(&s) {
        return errors::invalid_endpoint();
    }
    let mode = match paging::mode(&ctx, "agent_id", 100, 100, true) {
        Ok(m) => m,
        Err(e) => return e,
    };
    let w = s.world_now();
    let (transfers, set_at) = {
        let st = ZendeskState::of(&s).lock();
        (st.transfers_only.clone(), st.status_set_at.clone())
    };
    let wanted: Option<i64> = ctx
        .get("filter[agent_status_id]")
        .and_then(|v| v.parse().ok());
    let mut picked: Vec<&SimAdmin> = w
        .admins
        .iter()
        .filter(|a| wanted.is_none_or(|id| status_of(&w, a, &transfers).0 == id))
        .collect();
    picked.sort_by_key(|a| a.id);
    let page = paging::page(&ctx, &mode, "agent_id", picked.len(), |i| [picked[i].id, 0]);
    let loads = loads(&w);
    let (data, included): (Vec<Value>, Vec<Value>) = picked[page.range.clone()]
        .iter()
        .map(|a| availability(&w, a, &ctx, &transfers, &loads, set_at.get(&a.id).copied()))
        .unzip();
    let mut body = Map::new();
    body.insert("data".into(), data.into());
    body.insert("included".into(), included.into());
    ok(paging::body(body, page.envelope))
}

/// `GET /api/v2/agent_availabilities/{agent_id}`.
pub async fn show(State(s): State<Arc<Shared>>, ctx: Ctx, Path(id): Path<String>) -> Response {
    if !enabled(&s) {
        return errors::invalid_endpoint();
    }
    let id: i64 = match path_id(&id) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let w = s.world_now();
    let Some(a) = w.admins.iter().find(|a| a.id == id) else {
        return errors::not_found();
    };
    let st = ZendeskState::of(&s).lock();
    let (data, included) = availability(
        &w,
        a,
        &ctx,
        &st.transfers_only,
        &loads(&w),
        st.status_set_at.get(&id).copied(),
    );
    ok(json!({"data": data, "included": [included]}))
}

/// `GET /api/v2/agent_availabilities/agent_statuses`.
pub async fn statuses(State(s): State<Arc<Shared>>) -> Response {
    if !enabled(&s) {
        return errors::invalid_endpoint();
    }
    let w = s.world_now();
    let defaults: Vec<Value> = DEFAULTS
        .iter()
        .map(|(id, name, description)| {
            json!({"id": id, "type": "agent_status", "attributes": {"name": name, "description": description}})
        })
        .collect();
    let custom: Vec<Value> = w
        .reasons
        .iter()
        .filter(|r| !r.deleted)
        .map(|r| {
            json!({
                "id": CUSTOM_BASE + r.id,
                "type": "agent_status",
                "attributes": {
                    "name": r.label,
                    "description": format!("{} {}", r.emoji, r.label),
                    "channels": {"messaging": "away", "support": "away", "talk": "away"},
                    "group_ids": [],
                    "updated_at": ts(w.created_at),
                },
            })
        })
        .collect();
    ok(json!({
        "default": defaults,
        "custom": custom,
        "links": {"next": null, "prev": null},
        "meta": {"has_more": false, "after_cursor": null, "before_cursor": null},
    }))
}

/// The status id a set-status body names: `{"id": 4}` or the JSON:API form.
fn requested_status(body: &Value) -> Option<i64> {
    let num = |v: &Value| {
        v.as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    };
    if let Some(id) = body.get("id") {
        return num(id);
    }
    let data = body.get("data")?;
    if data.get("type").and_then(Value::as_str) != Some("agent_status") {
        return None;
    }
    num(data.get("attributes")?.get("agent_status_id")?)
}

/// `PUT /api/v2/agent_availabilities/agent_statuses/agents/{agent_id}`.
pub async fn set_status(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if !enabled(&s) {
        return errors::invalid_endpoint();
    }
    let id: i64 = match path_id(&id) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let mut w = s.world_now();
    if !w.admins.iter().any(|a| a.id == id) {
        return errors::not_found();
    }
    let Some(status) = requested_status(&body) else {
        return record_invalid(detail(
            "agent_status_id",
            "Agent status: send {\"id\": N} or {\"data\":{\"type\":\"agent_status\",\"attributes\":{\"agent_status_id\":\"N\"}}}",
            "InvalidValue",
        ));
    };
    let reason = status - CUSTOM_BASE;
    let custom = w.reasons.iter().any(|r| r.id == reason && !r.deleted);
    let (away, reassign, why) = match status {
        3 | 5 => (false, false, None),
        4 => (true, true, None),
        2 => (true, false, None),
        _ if custom => (true, false, Some(reason)),
        _ => {
            return record_invalid(detail(
                "agent_status_id",
                &format!("Agent status: {status} is not a status of this account"),
                "InvalidValue",
            ));
        }
    };
    w.set_away(id, away, reassign, why);
    let now = w.now;
    let mut st = ZendeskState::of(&s).lock();
    if status == 5 {
        st.transfers_only.insert(id);
    } else {
        st.transfers_only.remove(&id);
    }
    st.status_set_at.insert(id, now);
    let Some(a) = w.admins.iter().find(|a| a.id == id) else {
        return errors::not_found();
    };
    let (sid, name) = status_of(&w, a, &st.transfers_only);
    ok(json!({
        "attributes": {"agent_id": id, "agent_status": {"id": sid, "name": name}},
        "id": format!("agent_availabilities|{id}"),
        "type": "agent_availabilities",
    }))
}

/// The capacity rules: one per distinct cap, (id, cap, agent ids), the most common cap the
/// default.
fn rules(w: &World) -> Vec<(String, u32, Vec<&SimAdmin>, bool)> {
    let mut by_cap: BTreeMap<u32, Vec<&SimAdmin>> = BTreeMap::new();
    for a in &w.admins {
        by_cap.entry(a.cap).or_default().push(a);
    }
    let most = by_cap
        .iter()
        .max_by_key(|(cap, agents)| (agents.len(), std::cmp::Reverse(**cap)))
        .map(|(cap, _)| *cap);
    by_cap
        .into_iter()
        .map(|(cap, agents)| {
            (
                format!("01SIMCAPACITYRULE{cap:09}"),
                cap,
                agents,
                Some(cap) == most,
            )
        })
        .collect()
}

/// `GET /api/v2/capacity/rules`: a bare array.
pub async fn capacity_rules(State(s): State<Arc<Shared>>) -> Response {
    if !enabled(&s) {
        return errors::invalid_endpoint();
    }
    let w = s.world_now();
    let list: Vec<Value> = rules(&w)
        .into_iter()
        .map(|(id, cap, agents, default)| {
            json!({
                "id": id,
                "name": format!("Up to {cap} tickets"),
                "description": format!("Agents who take at most {cap} tickets at a time"),
                "default": default,
                "capacities": {"email": cap, "messaging": 0, "voice": 0},
                "assignees": {
                    "agents_sample": agents.iter().take(5).map(|a| json!({"id": a.id, "name": a.name})).collect::<Vec<_>>(),
                    "count": agents.len(),
                },
                "created_at": ts(w.created_at),
                "last_updated_at": ts(w.created_at),
            })
        })
        .collect();
    ok(Value::Array(list))
}

/// `GET /api/v2/capacity/rules/assignees` (`filter[agent_ids]=1,2` honoured; cursor paging,
/// 20 a page by default).
pub async fn capacity_assignees(State(s): State<Arc<Shared>>, ctx: Ctx) -> Response {
    if !enabled(&s) {
        return errors::invalid_endpoint();
    }
    let mode = match paging::mode(&ctx, "agent_id", 20, 100, true) {
        Ok(m) => m,
        Err(e) => return e,
    };
    let wanted: Option<Vec<i64>> = ctx
        .get("filter[agent_ids]")
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect());
    let w = s.world_now();
    let mut rows: Vec<(&SimAdmin, String)> = rules(&w)
        .into_iter()
        .flat_map(|(id, _, agents, _)| agents.into_iter().map(move |a| (a, id.clone())))
        .filter(|(a, _)| wanted.as_ref().is_none_or(|w| w.contains(&a.id)))
        .collect();
    rows.sort_by_key(|(a, _)| a.id);
    let page = paging::page(&ctx, &mode, "agent_id", rows.len(), |i| [rows[i].0.id, 0]);
    let items: Vec<Value> = rows[page.range.clone()]
        .iter()
        .map(|(a, rule)| json!({"id": a.id, "name": a.name, "capacity_rule_id": rule}))
        .collect();
    let mut body = Map::new();
    body.insert("assignees".into(), items.into());
    ok(paging::body(body, page.envelope))
}
