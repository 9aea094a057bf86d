//! Lenient serde decoders every vendor's wire types share: a value of the wrong shape degrades
//! (to empty, `false`, `None` or 0) instead of failing the whole answer. Vendors keep only
//! their own rules beside these (e.g. what an id is) in their `wire::lenient`.
//!
//! They read straight from the deserializer: a field is one [`Scalar`] (a compound value in
//! its place is skipped, not built), and a list or sub-object is captured as raw JSON text and
//! decoded from that, so a junk item is dropped without building a `serde_json::Value` tree
//! of the whole answer first (that tree was most of the cost of decoding 10,000 admins).
//! Lists and sub-objects need a JSON source (`serde_json`'s reader or `Value`), not serde's
//! buffered content (`#[serde(flatten)]`, untagged enums), which cannot hand out raw text.

use jiff::Timestamp;
use serde::de::{DeserializeOwned, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use serde_json::value::RawValue;
use std::fmt;
use std::marker::PhantomData;

/// One JSON value read for a scalar field: objects and arrays are skipped, not built.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// `null` (or absent through `Option`).
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer that fits `i64`.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// A string.
    Str(String),
    /// An object or an array, skipped.
    Compound,
}

impl Scalar {
    /// An integer from a number or a numeric string.
    pub fn int(&self) -> Option<i64> {
        match self {
            Scalar::Int(i) => Some(*i),
            Scalar::Float(f) => Some(*f as i64),
            Scalar::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
        Ok(i64::try_from(v).map_or(Scalar::Float(v as f64), Scalar::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Str(v))
    }
    fn visit_unit<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Compound)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Compound)
    }
}

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
    Ok(Scalar::deserialize(d)?.int())
}

/// An integer (Unix seconds and counts); junk is 0.
pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(Scalar::deserialize(d)?.int().unwrap_or(0))
}

/// An id (number or string) as an integer; `0`, `null` and junk are `None`.
pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(Scalar::deserialize(d)?.int().filter(|i| *i > 0))
}

/// The scalars of an array, or `None` for anything else.
fn scalars<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Scalar>>, D::Error> {
    struct Scalars;
    impl<'de> Visitor<'de> for Scalars {
        type Value = Option<Vec<Scalar>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
            while let Some(s) = seq.next_element::<Scalar>()? {
                out.push(s);
            }
            Ok(Some(out))
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            ScalarVisitor.visit_map(map).map(|_| None)
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(Scalars)
}

/// A list of integers given as numbers or numeric strings; `null` is empty, junk is skipped.
pub fn int_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    Ok(opt_int_list(d)?.unwrap_or_default())
}

/// Like [`int_list`], but keeps `null` apart from an empty list.
pub fn opt_int_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<i64>>, D::Error> {
    Ok(scalars(d)?.map(|items| items.iter().filter_map(Scalar::int).collect()))
}

/// A boolean; `null` or junk is `false`.
pub fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(matches!(Scalar::deserialize(d)?, Scalar::Bool(true)))
}

/// An optional boolean; junk is `None`.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Scalar::deserialize(d)? {
        Scalar::Bool(b) => Some(b),
        _ => None,
    })
}

/// A string; `null` or a non-string is empty.
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_string(d)?.unwrap_or_default())
}

/// An optional string; a non-string is `None`.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Scalar::deserialize(d)? {
        Scalar::Str(s) => Some(s),
        _ => None,
    })
}

/// An ISO-8601 timestamp; junk is `None`.
pub fn opt_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    Ok(match Scalar::deserialize(d)? {
        Scalar::Str(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// Decodes `T`, or `None` when the value does not fit (a junk sub-object degrades to absent).
pub fn opt_obj<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let raw = Box::<RawValue>::deserialize(d)?;
    Ok(serde_json::from_str(raw.get()).ok())
}

/// Decodes a list of `T`, dropping the items that do not fit; a non-array is empty.
pub fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    struct Items<T>(PhantomData<T>);
    impl<'de, T: DeserializeOwned> Visitor<'de> for Items<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
            while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
                if let Ok(item) = serde_json::from_str(raw.get()) {
                    out.push(item);
                }
            }
            Ok(out)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Vec<T>, A::Error> {
            ScalarVisitor.visit_map(map).map(|_| Vec::new())
        }
        fn visit_bool<E>(self, _: bool) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_i64<E>(self, _: i64) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_u64<E>(self, _: u64) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_f64<E>(self, _: f64) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_str<E>(self, _: &str) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_unit<E>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_none<E>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
    }
    d.deserialize_any(Items(PhantomData))
}

/// The items of an array that decode as `T`; a non-array is empty.
pub fn items<T: DeserializeOwned>(v: Value) -> Vec<T> {
    match v {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|i| serde_json::from_value(i).ok())
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What every decoder gave when it read a whole `serde_json::Value` first: the reference
    /// the streaming decoders must match.
    mod reference {
        use super::super::{as_int, items};
        use serde_json::Value;

        pub fn opt_int(v: &Value) -> Option<i64> {
            as_int(v)
        }
        pub fn opt_int_list(v: &Value) -> Option<Vec<i64>> {
            match v {
                Value::Array(items) => Some(items.iter().filter_map(as_int).collect()),
                _ => None,
            }
        }
        pub fn opt_bool(v: &Value) -> Option<bool> {
            match v {
                Value::Bool(b) => Some(*b),
                _ => None,
            }
        }
        pub fn opt_string(v: &Value) -> Option<String> {
            match v {
                Value::String(s) => Some(s.clone()),
                _ => None,
            }
        }
        pub fn list<T: serde::de::DeserializeOwned>(v: &Value) -> Vec<T> {
            items(v.clone())
        }
        pub fn opt_obj<T: serde::de::DeserializeOwned>(v: &Value) -> Option<T> {
            serde_json::from_value(v.clone()).ok()
        }
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Item {
        #[serde(deserialize_with = "string")]
        name: String,
        #[serde(default, deserialize_with = "opt_int")]
        n: Option<i64>,
        #[serde(default, deserialize_with = "list")]
        inner: Vec<Item>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Fields {
        #[serde(default, deserialize_with = "opt_int")]
        int: Option<i64>,
        #[serde(default, deserialize_with = "opt_int_list")]
        ints: Option<Vec<i64>>,
        #[serde(default, deserialize_with = "opt_bool")]
        flag: Option<bool>,
        #[serde(default, deserialize_with = "opt_string")]
        text: Option<String>,
        #[serde(default, deserialize_with = "list")]
        items: Vec<Item>,
        #[serde(default, deserialize_with = "opt_obj")]
        item: Option<Item>,
    }

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e20f64..1e20).prop_map(Value::from),
            "[a-z0-9 .:-]{0,12}".prop_map(Value::String),
            (-5000i64..5000).prop_map(|i| Value::String(format!(" {i}"))),
        ];
        leaf.prop_recursive(4, 40, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map(
                    prop_oneof![
                        Just("name".to_owned()),
                        Just("n".to_owned()),
                        Just("inner".to_owned()),
                        "[a-z]{1,4}",
                    ],
                    inner,
                    0..5
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Read from the JSON text and from a `Value`, every field decodes as the
        /// `Value`-first decoders did, junk included.
        #[test]
        fn streaming_decoders_match_the_value_first_ones(
            int in json(), ints in json(), flag in json(), text in json(),
            items in json(), item in json(),
        ) {
            let body = serde_json::json!({
                "int": int, "ints": ints, "flag": flag, "text": text,
                "items": items, "item": item,
            });
            let text_body = body.to_string();
            let from_text: Fields = serde_json::from_str(&text_body).unwrap();
            // The reference reads the text too (serde_json's float parsing need not give
            // back the very f64 that was printed).
            let body: Value = serde_json::from_str(&text_body).unwrap();
            let from_value: Fields = serde_json::from_value(body.clone()).unwrap();
            let expected = Fields {
                int: reference::opt_int(&body["int"]),
                ints: reference::opt_int_list(&body["ints"]),
                flag: reference::opt_bool(&body["flag"]),
                text: reference::opt_string(&body["text"]),
                items: reference::list(&body["items"]),
                item: reference::opt_obj(&body["item"]),
            };
            prop_assert_eq!(&from_text, &expected);
            prop_assert_eq!(&from_value, &expected);
        }
    }

    #[test]
    fn junk_degrades_and_good_items_survive() {
        let f: Fields = serde_json::from_str(
            r#"{"int": "42", "ints": [1, "2", {"x": 1}, [3], 4.0], "flag": "yes",
                "text": {"a": [1]}, "items": [{"name": "a", "n": "7"}, 3, {"n": 1},
                {"name": "b", "inner": [{"name": "c"}, null]}], "item": 5}"#,
        )
        .unwrap();
        assert_eq!(f.int, Some(42));
        assert_eq!(f.ints, Some(vec![1, 2, 4]));
        assert_eq!((f.flag, f.text), (None, None));
        let names: Vec<&str> = f.items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(f.items[0].n, Some(7));
        assert_eq!(f.items[1].inner.len(), 1);
        assert_eq!(f.item, None);
    }

    #[test]
    fn a_broken_text_is_still_an_error() {
        assert!(serde_json::from_str::<Fields>(r#"{"items": [{"name": "a"}"#).is_err());
        assert!(serde_json::from_str::<Fields>(r#"{"int": 1"#).is_err());
    }
}
