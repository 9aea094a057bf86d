//! Lenient serde decoders every vendor's wire types share: a value of the wrong shape degrades
//! (to empty, `false`, `None` or 0) instead of failing the whole answer. Vendors keep only
//! their own rules beside these (e.g. what an id is) in their `wire::lenient`.

use jiff::Timestamp;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// An integer from a number or a numeric string.
pub fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// An integer given as a number or a numeric string; anything else is `None` (zero kept).
pub fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(as_int(&Value::deserialize(d)?))
}

/// An integer (Unix seconds and counts); junk is 0.
pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(as_int(&Value::deserialize(d)?).unwrap_or(0))
}

/// An id (number or string) as an integer; `0`, `null` and junk are `None`.
pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(as_int(&Value::deserialize(d)?).filter(|i| *i > 0))
}

/// A list of integers given as numbers or numeric strings; `null` is empty, junk is skipped.
pub fn int_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items.iter().filter_map(as_int).collect(),
        _ => Vec::new(),
    })
}

/// Like [`int_list`], but keeps `null` apart from an empty list.
pub fn opt_int_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<i64>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => Some(items.iter().filter_map(as_int).collect()),
        _ => None,
    })
}

/// A boolean; `null` or junk is `false`.
pub fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(matches!(Value::deserialize(d)?, Value::Bool(true)))
}

/// An optional boolean; junk is `None`.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => Some(b),
        _ => None,
    })
}

/// A string; `null` or a non-string is empty.
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        _ => String::new(),
    })
}

/// An optional string; a non-string is `None`.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        _ => None,
    })
}

/// An ISO-8601 timestamp; junk is `None`.
pub fn opt_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// Decodes `T`, or `None` when the value does not fit (a junk sub-object degrades to absent).
pub fn opt_obj<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    Ok(serde_json::from_value(Value::deserialize(d)?).ok())
}

/// Decodes a list of `T`, dropping the items that do not fit.
pub fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    Ok(items(Value::deserialize(d)?))
}

/// The items of an array that decode as `T`; a non-array is empty.
pub fn items<T: serde::de::DeserializeOwned>(v: Value) -> Vec<T> {
    match v {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|i| serde_json::from_value(i).ok())
            .collect(),
        _ => Vec::new(),
    }
}
