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
    body.request_id = Some(format!("sim-{:08x}", fastish_hash(code, message)));
    (status, Json(body)).into_response()
}

fn fastish_hash(a: &str, b: &str) -> u32 {
    a.bytes().chain(b.bytes()).fold(2_166_136_261u32, |h, c| {
        (h ^ u32::from(c)).wrapping_mul(16_777_619)
    })
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
        Refusal::OverBudget { limit, window_secs } => {
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
