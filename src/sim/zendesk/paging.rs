//! Zendesk's two paging modes over a sorted list. Cursor mode (`page[size]`, then
//! `page[after]`/`page[before]`) answers `meta {has_more, after_cursor, before_cursor}` and
//! `links {next, prev}` with base64-JSON cursors; like real Zendesk the last page still links
//! to a next page, which comes back empty with `after_cursor: null` and `links.next: null`, so
//! clients that follow `has_more` and clients that follow `links.next` both stop. Offset mode
//! (`page`, `per_page` ≤ 100) answers `next_page`, `previous_page` and `count`, and refuses
//! pages past 100.

use super::errors;
use super::request::Ctx;
use axum::response::Response;
use serde_json::{Value, json};

/// A position in a sorted list: the sort key of one item.
pub type Key = [i64; 2];

/// Most offset pages a list serves (10,000 records at 100 a page).
pub const MAX_OFFSET_PAGE: usize = 100;

/// How a request asks to page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Cursor paging: `size` items after or before a key.
    Cursor {
        /// Page size.
        size: usize,
        /// `page[after]`.
        after: Option<Key>,
        /// `page[before]`.
        before: Option<Key>,
    },
    /// Offset paging: 1-based page of `per_page`.
    Offset {
        /// Page number.
        page: usize,
        /// Page size.
        per_page: usize,
    },
}

/// Base64 (standard alphabet, padded).
pub fn b64_encode(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(A[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes base64 (standard or URL-safe alphabet, padding optional); `None` if invalid.
pub fn b64_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    };
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.as_bytes().chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= val(*c)? << (18 - 6 * i);
        }
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    Some(out)
}

/// A cursor: base64 of `{"o":order,"v":[a,b]}`.
pub fn encode_cursor(order: &str, key: Key) -> String {
    b64_encode(json!({"o": order, "v": key}).to_string().as_bytes())
}

/// The key in a cursor of `order`; `None` if it is not one.
pub fn decode_cursor(order: &str, cursor: &str) -> Option<Key> {
    let v: Value = serde_json::from_slice(&b64_decode(cursor.trim())?).ok()?;
    if v.get("o")?.as_str()? != order {
        return None;
    }
    let k = v.get("v")?.as_array()?;
    match k.as_slice() {
        [a, b] => Some([a.as_i64()?, b.as_i64()?]),
        _ => None,
    }
}

/// The 400 Zendesk answers for a cursor it cannot read.
pub fn bad_cursor(which: &str) -> Response {
    errors::errors_list(
        400,
        "InvalidPaginationParameter",
        &format!("{which} is not valid"),
    )
}

/// Reads the paging parameters: cursor mode when `page[size]` (or a cursor) is sent or the
/// endpoint is cursor-only, else offset mode. `max` is the largest page; `default` the
/// page size when none is asked for.
pub fn mode(
    ctx: &Ctx,
    order: &str,
    default: usize,
    max: usize,
    cursor_only: bool,
) -> Result<Mode, Response> {
    let number = |key: &str| -> Result<Option<usize>, Response> {
        match ctx.get(key) {
            None | Some("") => Ok(None),
            Some(v) => v.trim().parse::<usize>().map(Some).map_err(|_| {
                errors::errors_list(
                    400,
                    "InvalidPaginationParameter",
                    &format!("{key} must be a positive integer"),
                )
            }),
        }
    };
    let cursor = |key: &str| -> Result<Option<Key>, Response> {
        match ctx.get(key) {
            None | Some("") => Ok(None),
            Some(c) => decode_cursor(order, c)
                .map(Some)
                .ok_or_else(|| bad_cursor(key)),
        }
    };
    let size = number("page[size]")?;
    let after = cursor("page[after]")?;
    let before = cursor("page[before]")?;
    if after.is_some() && before.is_some() {
        return Err(errors::errors_list(
            400,
            "InvalidPaginationParameter",
            "page[after] and page[before] cannot be used together",
        ));
    }
    let forced = ctx.offset_pages.filter(|_| !cursor_only);
    if forced.is_none() && (cursor_only || size.is_some() || after.is_some() || before.is_some()) {
        let size = size.unwrap_or(default).clamp(1, max);
        return Ok(Mode::Cursor {
            size,
            after,
            before,
        });
    }
    let page = number("page")?.unwrap_or(1).max(1);
    let per_page = match forced {
        Some(n) => n.max(1),
        None => number("per_page")?
            .unwrap_or(default)
            .clamp(1, max.min(100)),
    };
    if page > MAX_OFFSET_PAGE {
        return Err(errors::errors_list(
            400,
            "InvalidPaginationParameter",
            "Offset pagination is limited to the first 100 pages. Use cursor pagination instead.",
        ));
    }
    Ok(Mode::Offset { page, per_page })
}

/// One page of a sorted list: the item range and the envelope fields to merge into the body.
pub struct Page {
    /// The items' index range in the list.
    pub range: std::ops::Range<usize>,
    /// `meta`/`links` (cursor) or `next_page`/`previous_page`/`count` (offset).
    pub envelope: serde_json::Map<String, Value>,
}

/// Pages `len` items whose keys (sorted ascending) `key(i)` gives.
pub fn page(ctx: &Ctx, mode: &Mode, order: &str, len: usize, key: impl Fn(usize) -> Key) -> Page {
    let mut env = serde_json::Map::new();
    match *mode {
        Mode::Cursor {
            size,
            after,
            before,
        } => {
            let first_after = |k: Key| partition(len, &key, |x| x <= k);
            let (range, has_more) = match (after, before) {
                (_, Some(b)) => {
                    let end = partition(len, &key, |x| x < b);
                    let start = end.saturating_sub(size);
                    (start..end, start > 0)
                }
                (Some(a), None) => {
                    let start = first_after(a);
                    let end = (start + size).min(len);
                    (start..end, end < len)
                }
                (None, None) => (0..size.min(len), size < len),
            };
            let after_cursor =
                (!range.is_empty()).then(|| encode_cursor(order, key(range.end - 1)));
            let before_cursor = (!range.is_empty()).then(|| encode_cursor(order, key(range.start)));
            let link = |param: &str, c: &Option<String>| {
                c.as_ref().map(|c| {
                    ctx.with_paging(&[("page[size]", size.to_string()), (param, c.clone())])
                })
            };
            env.insert(
                "meta".into(),
                json!({"has_more": has_more, "after_cursor": after_cursor, "before_cursor": before_cursor}),
            );
            env.insert(
                "links".into(),
                json!({"next": link("page[after]", &after_cursor), "prev": link("page[before]", &before_cursor)}),
            );
            Page {
                range,
                envelope: env,
            }
        }
        Mode::Offset { page, per_page } => {
            let start = ((page - 1) * per_page).min(len);
            let end = (start + per_page).min(len);
            let link = |p: usize| {
                Value::String(
                    ctx.with_paging(&[("page", p.to_string()), ("per_page", per_page.to_string())]),
                )
            };
            let next = if end < len && page < MAX_OFFSET_PAGE {
                link(page + 1)
            } else {
                Value::Null
            };
            let prev = if page > 1 {
                link(page - 1)
            } else {
                Value::Null
            };
            env.insert("next_page".into(), next);
            env.insert("previous_page".into(), prev);
            env.insert("count".into(), json!(len));
            Page {
                range: start..end,
                envelope: env,
            }
        }
    }
}

/// The first index whose key does not satisfy `pred` (keys sorted, `pred` monotone).
fn partition(len: usize, key: &impl Fn(usize) -> Key, pred: impl Fn(Key) -> bool) -> usize {
    let (mut lo, mut hi) = (0, len);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(key(mid)) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Merges `envelope` into a body object.
pub fn body(
    mut body: serde_json::Map<String, Value>,
    envelope: serde_json::Map<String, Value>,
) -> Value {
    body.extend(envelope);
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for s in ["", "a", "ab", "abc", "abcd", "{\"o\":\"id\",\"v\":[1,2]}"] {
            let e = b64_encode(s.as_bytes());
            assert_eq!(e.len() % 4, 0);
            assert_eq!(b64_decode(&e).unwrap(), s.as_bytes(), "{e}");
        }
        assert_eq!(b64_encode(b"ab"), "YWI=");
        assert!(b64_decode("!!!!").is_none());
        let c = encode_cursor("id", [5, 0]);
        assert_eq!(decode_cursor("id", &c), Some([5, 0]));
        assert_eq!(decode_cursor("created_at", &c), None);
        assert_eq!(decode_cursor("id", "bm9wZQ=="), None);
    }
}
