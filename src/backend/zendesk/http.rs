//! Zendesk's transport quirks: the rate-limit headers (`X-Rate-Limit`,
//! `X-Rate-Limit-Remaining`, `Retry-After` on a 429, `ratelimit-reset`, and the ticket-update
//! endpoint's `Zendesk-RateLimit-tickets-update`), the error bodies, and which failed writes
//! may have applied.

use super::wire::ErrorBody;
use crate::backend::{BackendError, Budget, FailedWrite, classify_common};
use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// Zendesk's account limit is per minute; with no reset header the window is taken to end a
/// minute from the answer (the conservative reading).
pub const WINDOW: SignedDuration = SignedDuration::from_secs(60);

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

fn num(headers: &HeaderMap, name: &str) -> Option<u32> {
    header(headers, name).and_then(|v| v.parse().ok())
}

/// Reads `X-Rate-Limit` / `X-Rate-Limit-Remaining` (also `ratelimit-limit/remaining`). The
/// reset is `Retry-After` seconds from `now` when given (a 429), else `ratelimit-reset`
/// seconds, else the end of a [`WINDOW`] from `now` when a count was given.
pub fn parse_budget(headers: &HeaderMap, now: Timestamp) -> Budget {
    let limit = num(headers, "x-rate-limit").or_else(|| num(headers, "ratelimit-limit"));
    let remaining =
        num(headers, "x-rate-limit-remaining").or_else(|| num(headers, "ratelimit-remaining"));
    let secs = |name: &str| {
        header(headers, name)
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0 && *s < 86_400.0)
            .map(|s| SignedDuration::from_secs_f64(s.ceil()))
    };
    let reset = secs("retry-after")
        .or_else(|| secs("ratelimit-reset"))
        .or_else(|| (limit.is_some() || remaining.is_some()).then_some(WINDOW))
        .and_then(|d| now.checked_add(d).ok());
    Budget {
        limit,
        remaining,
        reset,
    }
}

/// An endpoint budget such as `Zendesk-RateLimit-tickets-update: total=100; remaining=99;
/// resets=41` (reset in seconds from `now`).
pub fn parse_endpoint_budget(value: &str, now: Timestamp) -> Budget {
    let mut b = Budget::default();
    for part in value.split([';', ',']) {
        let Some((k, v)) = part.split_once('=') else {
            continue;
        };
        let v = v.trim();
        match k.trim().to_ascii_lowercase().as_str() {
            "total" => b.limit = v.parse().ok(),
            "remaining" => b.remaining = v.parse().ok(),
            "resets" => {
                b.reset = v
                    .parse::<i64>()
                    .ok()
                    .filter(|s| (0..86_400).contains(s))
                    .and_then(|s| now.checked_add(SignedDuration::from_secs(s)).ok());
            }
            _ => {}
        }
    }
    b
}

/// What a 409 means in words: a safe update refused because the ticket changed.
pub const CHANGED_BY_SOMEONE_ELSE: &str = "changed by someone else since it was read (safe update refused); not applied — refresh and decide again";

/// A typed error from a non-2xx answer, in one clear line.
pub fn api_error(status: StatusCode, body: &[u8]) -> BackendError {
    let parsed = ErrorBody::parse(body);
    let reason = status.canonical_reason().unwrap_or("error");
    let message = match (status.as_u16(), parsed.code.as_deref()) {
        (409, Some("DatabaseConflict")) => {
            "database collision at Zendesk; not applied — try again".to_owned()
        }
        (409, _) => CHANGED_BY_SOMEONE_ELSE.to_owned(),
        (401, _) => format!(
            "{} — check email and token (token_env / token_command)",
            parsed
                .message
                .unwrap_or_else(|| "Couldn't authenticate you".into())
        ),
        (403, _) => format!(
            "{} (this token's role or plan does not allow it)",
            parsed.message.unwrap_or_else(|| "Forbidden".into())
        ),
        _ => parsed.message.unwrap_or_else(|| reason.to_owned()),
    };
    let code = parsed.code.or_else(|| match status.as_u16() {
        401 => Some("Unauthorized".into()),
        409 => Some("UpdateConflict".into()),
        _ => None,
    });
    BackendError::Api {
        status: status.as_u16(),
        code,
        message,
    }
}

/// A 409 (a safe-update conflict or a database collision) applied nothing; otherwise the
/// common rule.
pub fn classify(error: &BackendError) -> FailedWrite {
    if error.status() == Some(409) {
        FailedWrite::NotApplied
    } else {
        classify_common(error)
    }
}

/// Decodes JSON leniently about content (an empty body is `null`).
pub fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    serde_json::from_value(super::wire::json(body)?).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn now() -> Timestamp {
        Timestamp::from_second(1_800_000_000).unwrap()
    }

    #[test]
    fn rate_limit_headers_parse_with_a_minute_window() {
        let mut h = HeaderMap::new();
        h.insert("X-Rate-Limit", HeaderValue::from_static("700"));
        h.insert("X-Rate-Limit-Remaining", HeaderValue::from_static(" 699 "));
        let b = parse_budget(&h, now());
        assert_eq!((b.limit, b.remaining), (Some(700), Some(699)));
        assert_eq!(b.reset, Some(now() + SignedDuration::from_secs(60)));
        h.insert("ratelimit-reset", HeaderValue::from_static("41"));
        assert_eq!(
            parse_budget(&h, now()).reset,
            Some(now() + SignedDuration::from_secs(41))
        );
        h.insert("Retry-After", HeaderValue::from_static("1"));
        assert_eq!(
            parse_budget(&h, now()).reset,
            Some(now() + SignedDuration::from_secs(1))
        );
        let mut junk = HeaderMap::new();
        junk.insert("X-Rate-Limit-Remaining", HeaderValue::from_static("-3"));
        junk.insert("Retry-After", HeaderValue::from_static("soon"));
        assert_eq!(parse_budget(&junk, now()), Budget::default());
        assert_eq!(parse_budget(&HeaderMap::new(), now()), Budget::default());
    }

    #[test]
    fn a_429_with_retry_after_alone_still_gives_its_reset() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("7"));
        let b = parse_budget(&h, now());
        assert_eq!(b.reset, Some(now() + SignedDuration::from_secs(7)));
    }

    #[test]
    fn the_ticket_update_endpoint_budget_parses() {
        let b = parse_endpoint_budget("total=100; remaining=99; resets=41", now());
        assert_eq!((b.limit, b.remaining), (Some(100), Some(99)));
        assert_eq!(b.reset, Some(now() + SignedDuration::from_secs(41)));
        assert_eq!(parse_endpoint_budget("junk", now()), Budget::default());
    }

    #[test]
    fn errors_are_typed_and_one_line() {
        let e = api_error(
            StatusCode::NOT_FOUND,
            br#"{"error":"RecordNotFound","description":"Not found"}"#,
        );
        assert_eq!((e.status(), e.code()), (Some(404), Some("RecordNotFound")));
        let e = api_error(
            StatusCode::UNAUTHORIZED,
            br#"{"error":"Couldn't authenticate you"}"#,
        );
        assert_eq!(e.code(), Some("Unauthorized"));
        assert!(e.to_string().contains("Couldn't authenticate you"), "{e}");
        let e = api_error(StatusCode::CONFLICT, b"");
        assert!(e.to_string().contains("changed by someone else"), "{e}");
        let e = api_error(
            StatusCode::TOO_MANY_REQUESTS,
            b"Number of allowed API requests per minute exceeded",
        );
        assert!(e.to_string().contains("per minute exceeded"), "{e}");
        let e = api_error(StatusCode::BAD_GATEWAY, b"<html>oops</html>");
        assert!(e.to_string().contains("Bad Gateway"), "{e}");
        assert!(!e.to_string().contains('\n'));
    }

    #[test]
    fn a_409_did_not_apply_a_502_may_have() {
        let e = |status| BackendError::Api {
            status,
            code: None,
            message: String::new(),
        };
        assert_eq!(classify(&e(409)), FailedWrite::NotApplied);
        assert_eq!(classify(&e(422)), FailedWrite::NotApplied);
        assert_eq!(classify(&e(502)), FailedWrite::MayHaveApplied);
        assert_eq!(
            classify(&BackendError::Timeout(std::time::Duration::from_secs(1))),
            FailedWrite::MayHaveApplied
        );
    }
}
