//! Zendesk's routes under `/api/v2` (the plumbing strips a `.json` suffix first, so both
//! spellings reach the same handler).

use super::{comments, export, memberships, omnichannel, tickets, users};
use crate::sim::server::Shared;
use axum::Router;
use axum::routing::{get, put};
use std::sync::Arc;

/// Zendesk's routes.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/api/v2/groups", get(users::groups))
        .route("/api/v2/groups/{id}", get(users::group))
        .route(
            "/api/v2/groups/{id}/memberships",
            get(memberships::by_group),
        )
        .route(
            "/api/v2/group_memberships",
            get(memberships::list).post(memberships::create),
        )
        .route(
            "/api/v2/group_memberships/{id}",
            get(memberships::show).delete(memberships::delete),
        )
        .route("/api/v2/users", get(users::list))
        .route("/api/v2/users/me", get(users::me))
        .route("/api/v2/users/show_many", get(users::show_many))
        .route("/api/v2/users/{id}", get(comments::show_user))
        .route(
            "/api/v2/users/{id}/group_memberships",
            get(memberships::by_user).post(memberships::create_for_user),
        )
        .route(
            "/api/v2/users/{uid}/group_memberships/{id}",
            get(memberships::show_for_user).delete(memberships::delete_for_user),
        )
        .route(
            "/api/v2/users/{uid}/group_memberships/{id}/make_default",
            put(memberships::make_default),
        )
        .route("/api/v2/tickets", get(tickets::list))
        .route("/api/v2/tickets/show_many", get(tickets::show_many))
        .route("/api/v2/tickets/count", get(tickets::count))
        .route("/api/v2/tickets/update_many", put(tickets::update_many))
        .route(
            "/api/v2/tickets/{id}",
            get(tickets::show).put(tickets::update),
        )
        .route("/api/v2/tickets/{id}/comments", get(comments::list))
        .route("/api/v2/job_statuses", get(tickets::job_statuses))
        .route("/api/v2/job_statuses/{id}", get(tickets::job_status))
        .route("/api/v2/search", get(export::search))
        .route("/api/v2/search/count", get(export::count))
        .route("/api/v2/search/export", get(export::export))
        .route(
            "/api/v2/incremental/tickets/cursor",
            get(export::incremental),
        )
        .route("/api/v2/slas/policies", get(users::sla_policies))
        .route("/api/v2/brands", get(users::brands))
        .route("/api/v2/agent_availabilities", get(omnichannel::list))
        .route(
            "/api/v2/agent_availabilities/agent_statuses",
            get(omnichannel::statuses),
        )
        .route(
            "/api/v2/agent_availabilities/agent_statuses/agents/{id}",
            put(omnichannel::set_status),
        )
        .route("/api/v2/agent_availabilities/{id}", get(omnichannel::show))
        .route("/api/v2/capacity/rules", get(omnichannel::capacity_rules))
        .route(
            "/api/v2/capacity/rules/assignees",
            get(omnichannel::capacity_assignees),
        )
}
