//! One request's context for the handlers: the caller, the base URL links are built on, and
//! the query string decoded into ordered pairs (repeated keys such as `role[]` kept), with
//! the percent-encoding both ways.

use crate::sim::server::{Caller, Shared};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Response;
use std::sync::Arc;

/// What a handler knows about its request.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Who sent it.
    pub caller: Caller,
    /// `http://host:port`, from the `Host` header.
    pub base: String,
    /// The canonical path (no `.json`).
    pub path: String,
    /// The query's pairs, decoded, in order.
    pub query: Vec<(String, String)>,
    /// Lists answer offset pages of this size whatever is asked ([`crate::sim::Control`]).
    pub offset_pages: Option<usize>,
}

impl Ctx {
    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key`.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The sideloads asked for with `include=a,b`.
    pub fn includes(&self, what: &str) -> bool {
        self.all("include")
            .iter()
            .flat_map(|v| v.split(','))
            .any(|v| v.trim() == what)
    }

    /// The URL of `path` (canonical, `.json` is added) with `query`.
    pub fn url(&self, path: &str, query: &[(String, String)]) -> String {
        let mut url = format!("{}{path}.json", self.base);
        for (n, (k, v)) in query.iter().enumerate() {
            url.push(if n == 0 { '?' } else { '&' });
            url.push_str(&encode(k));
            url.push('=');
            url.push_str(&encode(v));
        }
        url
    }

    /// This request's URL with the paging parameters replaced by `paging`.
    pub fn with_paging(&self, paging: &[(&str, String)]) -> String {
        let mut q: Vec<(String, String)> = self
            .query
            .iter()
            .filter(|(k, _)| !is_paging(k))
            .cloned()
            .collect();
        q.extend(paging.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
        self.url(&self.path, &q)
    }
}

/// Whether a query key is one of the paging parameters.
fn is_paging(key: &str) -> bool {
    matches!(
        key,
        "page" | "per_page" | "page[size]" | "page[after]" | "page[before]" | "cursor"
    )
}

impl FromRequestParts<Arc<Shared>> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<Shared>,
    ) -> Result<Self, Self::Rejection> {
        let caller = parts.extensions.get::<Caller>().copied().unwrap_or(Caller {
            teammate: None,
            admin: false,
        });
        let host = parts
            .headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        Ok(Ctx {
            caller,
            base: format!("http://{host}"),
            path: parts.uri.path().to_owned(),
            query: parse_query(parts.uri.query().unwrap_or_default()),
            offset_pages: state.control().offset_pages,
        })
    }
}

/// `a=1&role%5B%5D=agent` → `[("a","1"),("role[]","agent")]`.
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// Percent-decoding (`+` is a space); invalid escapes are kept as they are.
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(&bytes[i + 1..(i + 3).min(bytes.len())])
                    .ok()
                    .filter(|h| h.len() == 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encoding of everything but the unreserved characters.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_round_trip_and_keep_repeated_keys() {
        let q = parse_query("role%5B%5D=agent&role[]=admin&query=type%3Aticket+status%3Copen&x");
        assert_eq!(q[0], ("role[]".into(), "agent".into()));
        assert_eq!(q[1], ("role[]".into(), "admin".into()));
        assert_eq!(q[2].1, "type:ticket status<open");
        assert_eq!(q[3], ("x".into(), String::new()));
        assert_eq!(decode(&encode("a b:c[]=%")), "a b:c[]=%");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%4"), "%4");
    }
}
