//! Zendesk's error bodies and rate-limit answers, as the research notes record them (§1.12):
//! `{"error","description"}` for most refusals, `details` on validation errors, the newer
//! `{"errors":[{code,title}]}` envelope for paging parameters, a nested `error` object on
//! 403s, and a `text/plain` 429 with `Retry-After`.

use crate::sim::errors::Refusal;
use crate::sim::server::{Budget, set_number_header};
use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The 429 body (50 bytes, `text/plain`).
pub const RATE_LIMITED: &str = "Number of allowed API requests per minute exceeded";

/// The 409 body of a stale `updated_stamp` (Zendesk does not document it; the mocks agree).
pub const UPDATE_CONFLICT: &str = "Safe Update prevented the update due to outdated ticket data. Please fetch the latest ticket data and try again.";

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// `{"error": code, "description": description}`.
pub fn error(code: u16, error: &str, description: &str) -> Response {
    (
        status(code),
        Json(json!({"error": error, "description": description})),
    )
        .into_response()
}

/// `{"errors":[{"code","title"}]}`.
pub fn errors_list(code: u16, error: &str, title: &str) -> Response {
    (
        status(code),
        Json(json!({"errors": [{"code": error, "title": title}]})),
    )
        .into_response()
}

/// 404 for a record that does not exist.
pub fn not_found() -> Response {
    error(404, "RecordNotFound", "Not found")
}

/// 404 for a route that does not exist (also a feature the account lacks).
pub fn invalid_endpoint() -> Response {
    error(404, "InvalidEndpoint", "Not found")
}

/// 422 `RecordInvalid` with `details` (`{field: [{description, error?}]}`).
pub fn record_invalid(details: Value) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({"error": "RecordInvalid", "description": "Record validation errors", "details": details})),
    )
        .into_response()
}

/// One `details` entry: `{field: [{"description", "error"}]}`.
pub fn detail(field: &str, description: &str, error: &str) -> Value {
    json!({ field: [{"description": description, "error": error}] })
}

/// 403 for a caller whose role may not use the endpoint.
pub fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        Json(json!({"error": {"title": "Forbidden", "message": "You do not have access to this page. Please contact the account owner of this help desk for further help."}})),
    )
        .into_response()
}

/// 401 for bad basic credentials, with `WWW-Authenticate`.
pub fn unauthorized() -> Response {
    let mut resp = (
        StatusCode::UNAUTHORIZED,
        Json(json!({"error": "Couldn't authenticate you"})),
    )
        .into_response();
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"Web Password\""),
    );
    resp
}

/// 401 for a bad OAuth bearer token.
pub fn invalid_token() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"error": "invalid_token", "error_description": "The access token provided is expired, revoked, malformed or invalid for other reasons."})),
    )
        .into_response()
}

/// 400 for a body that is not the JSON the endpoint takes.
pub fn bad_request(description: &str) -> Response {
    error(400, "InvalidJSON", description)
}

/// 429 `text/plain` with `Retry-After` seconds.
pub fn too_many(retry_after: i64) -> Response {
    let mut resp = (StatusCode::TOO_MANY_REQUESTS, RATE_LIMITED).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    set_number_header(h, "retry-after", retry_after.max(1));
    resp
}

/// The shared plumbing's refusals, as Zendesk answers them.
pub fn refuse(refusal: Refusal) -> Response {
    match refusal {
        Refusal::Unauthorized => unauthorized(),
        Refusal::OverBudget { retry_after, .. } => too_many(retry_after),
        Refusal::Throttled => too_many(1),
        Refusal::ServerError(code) => {
            let mut resp = error(
                code,
                "ServiceUnavailable",
                "Zendesk is temporarily unavailable; try again shortly",
            );
            if code == 503 {
                set_number_header(resp.headers_mut(), "retry-after", 1);
            }
            resp
        }
        Refusal::BadGateway => error(502, "BadGateway", "Bad Gateway"),
        Refusal::NotFound => invalid_endpoint(),
    }
}

/// `X-Rate-Limit`, `X-Rate-Limit-Remaining` and the Ticketing API's `ratelimit-limit`,
/// `ratelimit-remaining`, `ratelimit-reset` (seconds until the window resets).
pub fn budget_headers(h: &mut HeaderMap, b: Budget) {
    set_number_header(h, "x-rate-limit", i64::from(b.limit));
    set_number_header(h, "x-rate-limit-remaining", i64::from(b.remaining));
    set_number_header(h, "ratelimit-limit", i64::from(b.limit));
    set_number_header(h, "ratelimit-remaining", i64::from(b.remaining));
    set_number_header(h, "ratelimit-reset", b.reset_in.max(0));
}

/// An endpoint limit's header, e.g. `Zendesk-RateLimit-tickets-update: total=100;
/// remaining=99; resets=41`.
pub fn endpoint_header(
    resp: &mut Response,
    name: &'static str,
    total: u32,
    remaining: u32,
    resets: i64,
) {
    if let Ok(v) = HeaderValue::from_str(&format!(
        "total={total}; remaining={remaining}; resets={resets}"
    )) {
        resp.headers_mut().insert(name, v);
    }
}
