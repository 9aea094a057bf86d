//! The Zendesk Support projection of the simulated world: its REST API under `/api/v2` (with
//! or without `.json`), basic `{email}/token:` and bearer auth with roles, per-minute rate
//! limits with `X-Rate-Limit*` headers and `text/plain` 429s, both paging modes, search and
//! exports, ticket and membership writes, bulk jobs and omnichannel routing.
//!
//! - [`auth`]: credentials and roles.
//! - [`errors`]: error bodies, 429s, budget headers.
//! - [`request`]: a request's context (caller, base URL, query pairs).
//! - [`paging`]: cursor and offset paging, cursors.
//! - [`projection`]: the world in wire shapes, the `slas` sideload, SLA policies.
//! - [`search`]: the search language.
//! - [`writes`]: ticket changes as Zendesk validates them.
//! - [`jobs`]: bulk updates as jobs.
//! - [`state`]: the projection's own state (jobs, endpoint limits, statuses).
//! - [`comments`]: a ticket's comments and its requester as a user.
//! - [`tickets`], [`users`], [`memberships`], [`export`], [`omnichannel`]: the handlers.
//! - [`routes`]: the route table.

// Helpers hand back the refusal itself (an axum `Response`) as their error: refusals are the
// cold path and boxing each would only add noise.
#![allow(clippy::result_large_err)]

pub mod auth;
pub mod comments;
pub mod errors;
pub mod export;
pub mod jobs;
pub mod memberships;
pub mod omnichannel;
pub mod paging;
pub mod projection;
pub mod request;
pub mod routes;
pub mod search;
pub mod state;
pub mod tickets;
pub mod users;
pub mod webhooks;
pub mod writes;

use super::faults::RequestKind;
use super::server::Projection;

/// Zendesk as the shared plumbing serves it: 60-second windows.
pub static PROJECTION: Projection = Projection {
    routes: routes::routes,
    refuse: errors::refuse,
    authorize: auth::authorize,
    window_secs: 60,
    budget_headers: errors::budget_headers,
    canonical_path,
    state: || Box::new(state::ZendeskState::default()),
    classify,
    webhook: webhooks::shape,
    enum_fields: &["status", "priority", "role", "stage", "metric"],
};

/// `/api/v2/tickets/1.json` → `/api/v2/tickets/1`.
fn canonical_path(path: &str) -> Option<String> {
    path.strip_suffix(".json").map(str::to_owned)
}

/// Reads are GETs; membership writes are team writes; every other method writes.
fn classify(method: &str, path: &str) -> RequestKind {
    match method {
        "GET" | "HEAD" => RequestKind::Read,
        _ if path.contains("group_memberships") => RequestKind::TeamWrite,
        _ => RequestKind::Write,
    }
}
