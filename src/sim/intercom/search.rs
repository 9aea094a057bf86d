//! Intercom's conversation search language: `{field, operator, value}` filters combined with
//! nested `AND` / `OR` groups, evaluated over the simulator's conversations.

use super::projection::{priority_name, state_name};
use crate::backend::intercom::wire::Query;
use crate::sim::world::{SimConversation, SimState};
use serde_json::Value;

/// Most filters one `AND`/`OR` group may hold (spec: 15).
pub const MAX_GROUP: usize = 15;
/// Deepest nesting of groups (spec: two levels).
pub const MAX_DEPTH: usize = 2;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `IN`
    In,
    /// `NIN`
    Nin,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `~` contains
    Contains,
    /// `!~` does not contain
    NotContains,
    /// `^` starts with
    StartsWith,
    /// `$` ends with
    EndsWith,
}

/// The type of a searchable field, which decides the operators it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Date,
    Bool,
    Text,
}

/// A field value of one conversation.
#[derive(Debug, Clone, PartialEq)]
enum FieldValue {
    Int(i64),
    Bool(bool),
    Text(String),
    Null,
}

/// A validated query.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// One comparison.
    Filter {
        /// Field name.
        field: String,
        /// Operator.
        op: Op,
        /// Value(s) to compare with.
        values: Vec<Value>,
    },
    /// All must hold.
    And(Vec<Expr>),
    /// Any must hold.
    Or(Vec<Expr>),
}

fn kind_of(field: &str) -> Option<Kind> {
    Some(match field {
        "id" | "admin_assignee_id" | "team_assignee_id" => Kind::Int,
        "created_at" | "updated_at" | "waiting_since" | "snoozed_until" => Kind::Date,
        f if f.starts_with("statistics.") && f.ends_with("_at") => Kind::Date,
        "open" | "read" => Kind::Bool,
        "state" | "priority" | "title" => Kind::Text,
        _ => return None,
    })
}

fn parse_op(op: &str) -> Option<Op> {
    Some(match op {
        "=" => Op::Eq,
        "!=" => Op::Ne,
        "IN" => Op::In,
        "NIN" => Op::Nin,
        "<" => Op::Lt,
        "<=" => Op::Le,
        ">" => Op::Gt,
        ">=" => Op::Ge,
        "~" => Op::Contains,
        "!~" => Op::NotContains,
        "^" => Op::StartsWith,
        "$" => Op::EndsWith,
        _ => return None,
    })
}

fn allowed(kind: Kind, op: Op) -> bool {
    use Op::*;
    match kind {
        Kind::Int => matches!(op, Eq | Ne | In | Nin | Lt | Le | Gt | Ge),
        Kind::Date => matches!(op, Eq | Ne | Lt | Le | Gt | Ge),
        Kind::Bool => matches!(op, Eq | Ne | In | Nin),
        Kind::Text => matches!(
            op,
            Eq | Ne | In | Nin | Contains | NotContains | StartsWith | EndsWith
        ),
    }
}

/// Validates a query; the error is the message of a 400 `parameter_invalid`.
pub fn parse(query: &Query) -> Result<Expr, String> {
    parse_at(query, 0)
}

fn parse_at(query: &Query, depth: usize) -> Result<Expr, String> {
    match query {
        Query::Filter {
            field,
            operator,
            value,
        } => {
            let kind =
                kind_of(field).ok_or_else(|| format!("{field} is not a searchable field"))?;
            let op = parse_op(operator).ok_or_else(|| format!("unknown operator {operator:?}"))?;
            if !allowed(kind, op) {
                return Err(format!(
                    "operator {operator} is not supported for field {field}"
                ));
            }
            let values = match (op, value) {
                (Op::In | Op::Nin, Value::Array(items)) => items.clone(),
                (Op::In | Op::Nin, _) => {
                    return Err(format!("operator {operator} needs an array value"));
                }
                (_, Value::Array(_)) => {
                    return Err(format!("operator {operator} does not take an array"));
                }
                (_, v) => vec![v.clone()],
            };
            for v in &values {
                coerce(kind, v).ok_or_else(|| format!("value {v} does not fit field {field}"))?;
            }
            Ok(Expr::Filter {
                field: field.clone(),
                op,
                values,
            })
        }
        Query::Group { operator, value } => {
            if depth >= MAX_DEPTH {
                return Err(format!("queries nest at most {MAX_DEPTH} levels deep"));
            }
            if value.is_empty() {
                return Err(format!("{operator} needs at least one filter"));
            }
            if value.len() > MAX_GROUP {
                return Err(format!("{operator} takes at most {MAX_GROUP} filters"));
            }
            let parts = value
                .iter()
                .map(|q| parse_at(q, depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            match operator.as_str() {
                "AND" => Ok(Expr::And(parts)),
                "OR" => Ok(Expr::Or(parts)),
                other => Err(format!("unknown group operator {other:?}")),
            }
        }
    }
}

/// A query value as a field value of `kind` (numbers may arrive as strings, `null` is null).
fn coerce(kind: Kind, v: &Value) -> Option<FieldValue> {
    Some(match (kind, v) {
        (_, Value::Null) => FieldValue::Null,
        (Kind::Int | Kind::Date, Value::Number(n)) => FieldValue::Int(n.as_i64()?),
        (Kind::Int | Kind::Date, Value::String(s)) => FieldValue::Int(s.trim().parse().ok()?),
        (Kind::Bool, Value::Bool(b)) => FieldValue::Bool(*b),
        (Kind::Bool, Value::String(s)) => FieldValue::Bool(s.parse().ok()?),
        (Kind::Text, Value::String(s)) => FieldValue::Text(s.clone()),
        _ => return None,
    })
}

fn field(c: &SimConversation, name: &str) -> FieldValue {
    let date =
        |t: Option<jiff::Timestamp>| t.map_or(FieldValue::Null, |t| FieldValue::Int(t.as_second()));
    match name {
        "id" => FieldValue::Int(i64::try_from(c.id).unwrap_or(i64::MAX)),
        "admin_assignee_id" => FieldValue::Int(c.admin),
        "team_assignee_id" => FieldValue::Int(c.team),
        "created_at" => date(Some(c.created_at)),
        "updated_at" => date(Some(c.updated_at)),
        "waiting_since" => date(c.waiting_since),
        "snoozed_until" => date(c.snoozed_until),
        "statistics.first_admin_reply_at" => date(c.first_admin_reply_at),
        "statistics.last_admin_reply_at" => date(c.last_admin_reply_at),
        "statistics.last_contact_reply_at" => date(c.last_contact_reply_at),
        "statistics.last_assignment_at" => date(c.last_assignment_at),
        "open" => FieldValue::Bool(c.state != SimState::Closed),
        "read" => FieldValue::Bool(c.read),
        "state" => FieldValue::Text(state_name(c.state).into()),
        "priority" => FieldValue::Text(priority_name(c.priority).into()),
        "title" => FieldValue::Text(c.title.clone()),
        _ => FieldValue::Null,
    }
}

/// Whether conversation `c` matches the validated query.
pub fn matches(expr: &Expr, c: &SimConversation) -> bool {
    match expr {
        Expr::And(parts) => parts.iter().all(|p| matches(p, c)),
        Expr::Or(parts) => parts.iter().any(|p| matches(p, c)),
        Expr::Filter {
            field: name,
            op,
            values,
        } => {
            let Some(kind) = kind_of(name) else {
                return false;
            };
            let actual = field(c, name);
            let wanted: Vec<FieldValue> = values.iter().filter_map(|v| coerce(kind, v)).collect();
            let first = wanted.first().cloned().unwrap_or(FieldValue::Null);
            let text = |f: &dyn Fn(&str, &str) -> bool| match (&actual, &first) {
                (FieldValue::Text(a), FieldValue::Text(b)) => {
                    f(&a.to_lowercase(), &b.to_lowercase())
                }
                _ => false,
            };
            let order = |f: &dyn Fn(i64, i64) -> bool| match (&actual, &first) {
                (FieldValue::Int(a), FieldValue::Int(b)) => f(*a, *b),
                _ => false,
            };
            match op {
                Op::Eq => actual == first,
                Op::Ne => actual != first,
                Op::In => wanted.contains(&actual),
                Op::Nin => !wanted.contains(&actual),
                Op::Lt => order(&|a, b| a < b),
                Op::Le => order(&|a, b| a <= b),
                Op::Gt => order(&|a, b| a > b),
                Op::Ge => order(&|a, b| a >= b),
                Op::Contains => text(&|a, b| a.contains(b)),
                Op::NotContains => !text(&|a, b| a.contains(b)),
                Op::StartsWith => text(&|a, b| a.starts_with(b)),
                Op::EndsWith => text(&|a, b| a.ends_with(b)),
            }
        }
    }
}

/// One page of ids after `cursor`, plus the total and the page number.
pub struct Page {
    /// Ids on this page.
    pub ids: Vec<u64>,
    /// Matches across all pages.
    pub total: usize,
    /// 1-based page number.
    pub page: usize,
    /// Cursor for the next page, when there is one.
    pub next: Option<String>,
}

/// Pages through matching ids (ascending) after an opaque cursor.
pub fn page(matching: &[u64], per_page: usize, cursor: Option<&str>) -> Result<Page, String> {
    let per_page = per_page.max(1);
    let start = match cursor {
        None => 0,
        Some(c) => {
            let after = decode_cursor(c)
                .ok_or_else(|| format!("starting_after {c:?} is not a valid cursor"))?;
            matching.partition_point(|id| *id <= after)
        }
    };
    let end = (start + per_page).min(matching.len());
    let ids = matching[start..end].to_vec();
    let next = (end < matching.len())
        .then(|| ids.last().map(|last| encode_cursor(*last)))
        .flatten();
    Ok(Page {
        ids,
        total: matching.len(),
        page: start / per_page + 1,
        next,
    })
}

/// Opaque cursors: the last id seen, hex-encoded with a prefix.
fn encode_cursor(id: u64) -> String {
    format!("WzE{id:x}")
}

fn decode_cursor(c: &str) -> Option<u64> {
    u64::from_str_radix(c.strip_prefix("WzE")?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::world::SimConversation;
    use jiff::Timestamp;
    use proptest::prelude::*;
    use serde_json::json;

    fn conv(id: u64, admin: i64, team: i64, state: SimState, priority: usize) -> SimConversation {
        let t = Timestamp::from_second(1_800_000_000 + id as i64).unwrap();
        SimConversation {
            id,
            title: format!("Refund number {id}"),
            state,
            read: id.is_multiple_of(2),
            priority,
            admin,
            team,
            created_at: t,
            updated_at: t,
            waiting_since: id.is_multiple_of(3).then_some(t),
            snoozed_until: None,
            sla: None,
            first_admin_reply_at: None,
            last_admin_reply_at: None,
            last_contact_reply_at: None,
            last_assignment_at: None,
            customer_reply_at: None,
            close_at: None,
        }
    }

    fn q(v: Value) -> Result<Expr, String> {
        let query: Query = serde_json::from_value(v).map_err(|e| e.to_string())?;
        parse(&query)
    }

    #[test]
    fn spec_example_query_parses_and_matches() {
        let e = q(json!({"operator":"AND","value":[
            {"field":"state","operator":"=","value":"open"},
            {"field":"team_assignee_id","operator":"=","value":5017691},
            {"field":"admin_assignee_id","operator":"=","value":0}]}))
        .unwrap();
        assert!(matches(&e, &conv(1, 0, 5017691, SimState::Open, 0)));
        assert!(!matches(&e, &conv(1, 7, 5017691, SimState::Open, 0)));
        assert!(!matches(&e, &conv(1, 0, 5017691, SimState::Closed, 0)));
        // Dates and numbers may come as strings, as in the spec's own example.
        let e = q(json!({"field":"created_at","operator":">","value":"1306054154"})).unwrap();
        assert!(matches(&e, &conv(1, 0, 0, SimState::Open, 0)));
    }

    #[test]
    fn invalid_queries_are_refused_with_reasons() {
        let bad = [
            json!({"field":"nope","operator":"=","value":1}),
            json!({"field":"open","operator":"~","value":"x"}),
            json!({"field":"created_at","operator":"IN","value":[1]}),
            json!({"field":"id","operator":"IN","value":3}),
            json!({"field":"id","operator":"=","value":"abc"}),
            json!({"operator":"XOR","value":[{"field":"id","operator":"=","value":1}]}),
            json!({"operator":"AND","value":[{"operator":"OR","value":[{"operator":"AND","value":[
                {"field":"id","operator":"=","value":1}]}]}]}),
            json!({"operator":"AND","value":(0..16).map(|i| json!({"field":"id","operator":"=","value":i})).collect::<Vec<_>>()}),
        ];
        for b in bad {
            assert!(q(b.clone()).is_err(), "{b}");
        }
    }

    #[test]
    fn text_operators() {
        let c = conv(12, 0, 0, SimState::Snoozed, 4);
        let m = |op: &str, v: &str, f: &str| {
            matches(&q(json!({"field":f,"operator":op,"value":v})).unwrap(), &c)
        };
        assert!(m("~", "refund", "title"));
        assert!(m("!~", "invoice", "title"));
        assert!(m("^", "Refund", "title"));
        assert!(m("$", "12", "title"));
        assert!(m("=", "snoozed", "state"));
        assert!(m("=", "urgent", "priority"));
        let open = q(json!({"field":"open","operator":"=","value":true})).unwrap();
        assert!(matches(&open, &c), "snoozed conversations are open");
        let waiting_null = q(json!({"field":"waiting_since","operator":"=","value":null})).unwrap();
        assert!(matches(&waiting_null, &conv(1, 0, 0, SimState::Open, 0)));
        assert!(!matches(&waiting_null, &conv(3, 0, 0, SimState::Open, 0)));
    }

    fn arb_filter() -> impl Strategy<Value = Value> {
        prop_oneof![
            (0i64..4).prop_map(|a| json!({"field":"admin_assignee_id","operator":"=","value":a})),
            (0usize..5).prop_map(|p| {
                let name = ["none", "low", "medium", "high", "urgent"][p];
                json!({"field":"priority","operator":"=","value":name})
            }),
            any::<bool>().prop_map(|b| json!({"field":"read","operator":"=","value":b})),
            (0u64..40).prop_map(|i| json!({"field":"id","operator":">","value":i})),
        ]
    }

    fn arb_convs() -> impl Strategy<Value = Vec<SimConversation>> {
        proptest::collection::vec((0i64..4, 0usize..5, 0usize..3), 0..40).prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(n, (a, p, s))| {
                    conv(
                        n as u64,
                        a,
                        1,
                        [SimState::Open, SimState::Snoozed, SimState::Closed][s],
                        p,
                    )
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn nin_is_the_negation_of_in(values in proptest::collection::vec(0i64..5, 0..4), convs in arb_convs()) {
            let inq = q(json!({"field":"admin_assignee_id","operator":"IN","value":values})).unwrap();
            let ninq = q(json!({"field":"admin_assignee_id","operator":"NIN","value":values})).unwrap();
            for c in &convs {
                prop_assert_eq!(matches(&inq, c), !matches(&ninq, c));
            }
        }

        #[test]
        fn and_or_agree_with_intersection_and_union(a in arb_filter(), b in arb_filter(), convs in arb_convs()) {
            let fa = q(a.clone()).unwrap();
            let fb = q(b.clone()).unwrap();
            let and = q(json!({"operator":"AND","value":[a.clone(), b.clone()]})).unwrap();
            let or = q(json!({"operator":"OR","value":[a, b]})).unwrap();
            for c in &convs {
                prop_assert_eq!(matches(&and, c), matches(&fa, c) && matches(&fb, c));
                prop_assert_eq!(matches(&or, c), matches(&fa, c) || matches(&fb, c));
            }
        }

        #[test]
        fn paging_returns_every_match_once(mut ids in proptest::collection::btree_set(0u64..10_000, 0..300), per_page in 1usize..160) {
            let ids: Vec<u64> = std::mem::take(&mut ids).into_iter().collect();
            let mut seen = Vec::new();
            let mut cursor: Option<String> = None;
            let mut pages = 0;
            loop {
                let p = page(&ids, per_page, cursor.as_deref()).unwrap();
                prop_assert_eq!(p.total, ids.len());
                prop_assert_eq!(p.page, pages + 1);
                pages += 1;
                seen.extend(p.ids);
                match p.next { Some(n) => cursor = Some(n), None => break }
                prop_assert!(pages <= ids.len() + 1);
            }
            prop_assert_eq!(seen, ids);
        }
    }

    #[test]
    fn a_bad_cursor_is_an_error() {
        assert!(page(&[1, 2, 3], 2, Some("garbage")).is_err());
    }
}
