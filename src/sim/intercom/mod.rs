//! The Intercom projection of the simulated world: its REST API's wire shapes, search language,
//! spec-validated writes, routes and error bodies, served by the shared plumbing.
//!
//! - [`projection`]: the world in wire shapes.
//! - [`search`]: the conversation search language.
//! - [`writes`]: the writes, validated as the spec describes.
//! - [`routes`]: the REST routes.
//! - [`errors`]: `error.list` bodies.

pub mod errors;
pub mod projection;
pub mod routes;
pub mod search;
pub mod webhooks;
pub mod writes;

use super::errors::Refusal;
use super::faults::RequestKind;
use super::server::{Budget, Caller, Projection, Shared, set_number_header};
use axum::http::HeaderMap;
use axum::response::Response;

/// Intercom as the shared plumbing serves it.
pub static PROJECTION: Projection = Projection {
    routes: routes::routes,
    refuse: errors::refuse,
    authorize,
    window_secs: 10,
    budget_headers,
    canonical_path: |_| None,
    state: || Box::new(()),
    classify,
    webhook: webhooks::shape,
    enum_fields: &["state", "priority", "sla_status"],
};

/// A bearer access token: the workspace's token acts as the signed-in admin.
#[allow(clippy::result_large_err)] // the projection's hook answers the 401 itself
fn authorize(s: &Shared, headers: &HeaderMap) -> Result<Caller, Response> {
    let authorized = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| t == s.token);
    if authorized {
        Ok(Caller {
            teammate: None,
            admin: true,
        })
    } else {
        Err(errors::refuse(Refusal::Unauthorized))
    }
}

/// `X-RateLimit-Limit`, `-Remaining` and `-Reset` (unix seconds).
fn budget_headers(h: &mut HeaderMap, b: Budget) {
    set_number_header(h, "x-ratelimit-limit", i64::from(b.limit));
    set_number_header(h, "x-ratelimit-remaining", i64::from(b.remaining));
    set_number_header(h, "x-ratelimit-reset", b.reset);
}

/// Reads are GETs and the search; team-membership writes are `PUT /teams/{id}`.
fn classify(method: &str, path: &str) -> RequestKind {
    match (method, path) {
        ("GET", _) | ("POST", "/conversations/search") => RequestKind::Read,
        ("PUT", p) if p.starts_with("/teams/") => RequestKind::TeamWrite,
        _ => RequestKind::Write,
    }
}
