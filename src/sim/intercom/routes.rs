//! Intercom's REST routes over the shared world: reads in wire shapes, the search, and the
//! spec-validated writes.

use super::errors::{api_error, error, respond};
use super::{projection, search, writes};
use crate::backend::intercom::wire;
use crate::sim::errors::ApiError;
use crate::sim::server::Shared;
use crate::sim::world::World;
use axum::extract::{Path, Query as UrlQuery, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// Intercom's routes.
pub fn routes() -> Router<Arc<Shared>> {
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
}

async fn me(State(s): State<Arc<Shared>>) -> Response {
    let w = s.world_now();
    let Some(a) = w.admins.iter().find(|a| a.id == w.me) else {
        return error(404, "admin_not_found", "Admin not found");
    };
    let admin = projection::admin(&w, a);
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
        admins: projection::admins(&w),
    })
    .into_response()
}

async fn admin(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let w = s.world_now();
    match w.admins.iter().find(|a| a.id.to_string() == id) {
        Some(a) => Json(projection::admin(&w, a)).into_response(),
        None => error(404, "admin_not_found", "Admin not found"),
    }
}

async fn set_away(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    respond(json_body(&body).and_then(|body| writes::set_away(&mut s.world_now(), &id, &body)))
}

async fn teams(State(s): State<Arc<Shared>>) -> Response {
    let w = s.world_now();
    Json(wire::TeamList {
        kind: "team.list".into(),
        teams: w.teams.iter().map(projection::team).collect(),
    })
    .into_response()
}

async fn team(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let w = s.world_now();
    match w.teams.iter().find(|t| t.id.to_string() == id) {
        Some(t) => Json(projection::team(t)).into_response(),
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
        let mut c = s.control();
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
    respond(
        json_body(&body)
            .and_then(|body| writes::update_team(&mut s.world_now(), &id, &body, conflict)),
    )
}

async fn reasons(State(s): State<Arc<Shared>>) -> Response {
    let w = s.world_now();
    Json(wire::AwayStatusReasonList {
        kind: "list".into(),
        data: w
            .reasons
            .iter()
            .map(|r| projection::reason(&w, r))
            .collect(),
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
        .map(projection::conversation)
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
        Err(e) => return api_error(&e),
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
        Err(e) => return api_error(&e),
    };
    let w = s.world_now();
    let key = serde_json::to_string(&req.query).unwrap_or_default();
    let cached = s.cached_search(&key, w.now);
    let ids = match cached {
        Some(ids) => ids,
        None => {
            let ids: Arc<Vec<u64>> = Arc::new(
                w.conversations
                    .values()
                    .filter(|c| search::matches(&expr, c))
                    .map(|c| c.id)
                    .collect(),
            );
            s.cache_search(key, w.now, ids.clone());
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
        Some(c) => Json(projection::conversation_with_parts(&w, c)).into_response(),
        None => error(404, "not_found", "Resource Not Found"),
    }
}

async fn manage_conversation(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    respond(
        json_body(&body)
            .and_then(|body| writes::manage_conversation(&mut s.world_now(), &id, &body)),
    )
}

/// A request body as JSON, or the 400 that says it is not.
fn json_body(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice::<Value>(body).map_err(|_| {
        ApiError::new(
            400,
            "parameter_invalid",
            "the request body is not valid JSON",
        )
    })
}
