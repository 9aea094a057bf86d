//! Intercom's transport quirks: the rate-limit headers (`X-RateLimit-*`, reset in epoch
//! seconds), the `error.list` body, and which failed writes may have applied.

use super::wire;
use crate::backend::{BackendError, Budget, FailedWrite, classify_common};
use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// Reads `X-RateLimit-Limit/Remaining/Reset` (reset in Unix seconds).
pub fn parse_budget(headers: &HeaderMap, _now: Timestamp) -> Budget {
    let num = |name: &str| -> Option<i64> {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok())
    };
    Budget {
        limit: num("x-ratelimit-limit").and_then(|v| u32::try_from(v).ok()),
        remaining: num("x-ratelimit-remaining").and_then(|v| u32::try_from(v).ok()),
        reset: num("x-ratelimit-reset").and_then(|v| Timestamp::from_second(v).ok()),
    }
}

/// A typed error from a non-2xx answer, using Intercom's error list when there is one.
pub fn api_error(status: StatusCode, body: &[u8]) -> BackendError {
    let list = wire::parse_error(body);
    let first = list.as_ref().and_then(|l| l.errors.first());
    BackendError::Api {
        status: status.as_u16(),
        code: first.map(|e| e.code.clone()),
        message: first
            .and_then(|e| e.message.clone())
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned()),
    }
}

/// A 409 on a team update means part of the member change may have landed; otherwise the
/// common rule.
pub fn classify(error: &BackendError) -> FailedWrite {
    if error.status() == Some(409) {
        FailedWrite::MayHaveApplied
    } else {
        classify_common(error)
    }
}

/// Decodes a body strictly enough to notice truncation, leniently about content.
pub fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    wire::from_body(body).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn budget_headers_parse_and_junk_is_ignored() {
        let mut h = HeaderMap::new();
        h.insert("X-RateLimit-Limit", HeaderValue::from_static("167"));
        h.insert("X-RateLimit-Remaining", HeaderValue::from_static(" 12 "));
        h.insert("X-RateLimit-Reset", HeaderValue::from_static("1800000000"));
        let now = Timestamp::UNIX_EPOCH;
        let b = parse_budget(&h, now);
        assert_eq!((b.limit, b.remaining), (Some(167), Some(12)));
        assert_eq!(b.reset.map(|r| r.as_second()), Some(1_800_000_000));
        h.insert("X-RateLimit-Remaining", HeaderValue::from_static("-3"));
        assert_eq!(parse_budget(&h, now).remaining, None);
    }

    #[test]
    fn error_bodies_become_typed_errors() {
        let e = api_error(
            StatusCode::NOT_FOUND,
            br#"{"type":"error.list","errors":[{"code":"admin_not_found","message":"Admin not found"}]}"#,
        );
        assert_eq!(e.status(), Some(404));
        assert_eq!(e.code(), Some("admin_not_found"));
        let e = api_error(StatusCode::BAD_GATEWAY, b"<html>oops</html>");
        assert_eq!((e.status(), e.code()), (Some(502), None));
        assert!(e.to_string().contains("Bad Gateway"));
    }

    #[test]
    fn a_409_may_have_applied_a_400_did_not() {
        let e = |status| BackendError::Api {
            status,
            code: None,
            message: String::new(),
        };
        assert_eq!(classify(&e(409)), FailedWrite::MayHaveApplied);
        assert_eq!(classify(&e(400)), FailedWrite::NotApplied);
        assert_eq!(classify(&e(503)), FailedWrite::MayHaveApplied);
    }
}
