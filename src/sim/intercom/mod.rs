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
pub mod writes;

use super::faults::RequestKind;
use super::server::Projection;

/// Intercom as the shared plumbing serves it.
pub static PROJECTION: Projection = Projection {
    routes: routes::routes,
    refuse: errors::refuse,
    classify,
    enum_fields: &["state", "priority", "sla_status"],
};

/// Reads are GETs and the search; team-membership writes are `PUT /teams/{id}`.
fn classify(method: &str, path: &str) -> RequestKind {
    match (method, path) {
        ("GET", _) | ("POST", "/conversations/search") => RequestKind::Read,
        ("PUT", p) if p.starts_with("/teams/") => RequestKind::TeamWrite,
        _ => RequestKind::Write,
    }
}
