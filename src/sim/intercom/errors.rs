//! Intercom's error bodies: every refusal is an `error.list` with one error and a request id.

use crate::backend::intercom::wire;
use crate::sim::errors::{ApiError, Refusal};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error-list response.
pub fn error(status: u16, code: &str, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut body = wire::ErrorList::one(code, message);
    body.request_id = Some(request_id(code, message));
    (status, Json(body)).into_response()
}

/// A request id shaped as the spec says (`format: uuid`, version 4 layout), derived from the
/// error so answers stay deterministic.
fn request_id(code: &str, message: &str) -> String {
    let h = |seed: u64| {
        code.bytes()
            .chain([0])
            .chain(message.bytes())
            .fold(seed, |h, c| {
                (h ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3)
            })
    };
    let (a, b) = (h(0xcbf2_9ce4_8422_2325), h(0x84222325_cbf29ce4));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

/// A write's or request's validation error as an error list.
pub fn api_error(e: &ApiError) -> Response {
    error(e.status, e.code, &e.message)
}

/// A write's result: the object, or its error list.
pub fn respond<T: Serialize>(result: Result<T, ApiError>) -> Response {
    match result {
        Ok(body) => Json(body).into_response(),
        Err(e) => api_error(&e),
    }
}

/// The shared plumbing's refusals, worded as Intercom words them.
pub fn refuse(refusal: Refusal) -> Response {
    match refusal {
        Refusal::Unauthorized => error(401, "unauthorized", "Access Token Invalid"),
        Refusal::OverBudget {
            limit, window_secs, ..
        } => {
            let msg = format!("Exceeded rate limit of {limit} in {window_secs}_seconds");
            error(429, "rate_limit_exceeded", &msg)
        }
        Refusal::Throttled => error(429, "rate_limit_exceeded", "Too many requests; slow down"),
        Refusal::ServerError(status) => error(
            status,
            "server_error",
            "The server had a problem; try again",
        ),
        Refusal::BadGateway => error(502, "bad_gateway", "Bad Gateway"),
        Refusal::NotFound => error(404, "not_found", "Resource Not Found"),
    }
}

#[cfg(test)]
mod tests {
    use super::request_id;

    #[test]
    fn request_ids_are_uuids_and_stable() {
        let id = request_id("admin_not_found", "Admin not found");
        let groups: Vec<&str> = id.split('-').collect();
        let lens: Vec<usize> = groups.iter().map(|g| g.len()).collect();
        assert_eq!(lens, vec![8, 4, 4, 4, 12], "{id}");
        assert!(
            id.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit()),
            "{id}"
        );
        assert_eq!(id, request_id("admin_not_found", "Admin not found"));
        assert_ne!(id, request_id("team_not_found", "Admin not found"));
    }
}
