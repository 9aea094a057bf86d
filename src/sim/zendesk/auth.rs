//! Zendesk's credentials: basic auth with `{email}/token:{api_token}` for any agent's or
//! admin's email (the caller has that user's role), or an OAuth bearer token (the account
//! owner). Anything else is a 401 as Zendesk words it.

use super::errors;
use super::paging::b64_decode;
use super::projection::is_admin;
use crate::sim::server::{Caller, Shared, lock};
use axum::http::HeaderMap;
use axum::response::Response;

/// Checks the `Authorization` header.
pub fn authorize(s: &Shared, headers: &HeaderMap) -> Result<Caller, Response> {
    let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return Err(errors::unauthorized());
    };
    let w = lock(&s.world);
    if let Some(token) = value.strip_prefix("Bearer ") {
        if token.trim() != s.token {
            return Err(errors::invalid_token());
        }
        return Ok(Caller {
            teammate: Some(w.me),
            admin: true,
        });
    }
    let decoded = value
        .strip_prefix("Basic ")
        .and_then(|b| b64_decode(b.trim()))
        .and_then(|b| String::from_utf8(b).ok());
    let Some((email, token)) = decoded.as_deref().and_then(|d| d.split_once("/token:")) else {
        return Err(errors::unauthorized());
    };
    if token != s.token {
        return Err(errors::unauthorized());
    }
    match w
        .admins
        .iter()
        .position(|a| a.email.eq_ignore_ascii_case(email))
    {
        Some(i) => Ok(Caller {
            teammate: Some(w.admins[i].id),
            admin: is_admin(&w, i),
        }),
        None => Err(errors::unauthorized()),
    }
}
