//! The subset of Zendesk's search language clients use for tickets: `type:ticket`,
//! `status:x` / `status<x` / `status>x` (and `<=`, `>=`, over new < open < pending < hold <
//! solved < closed), `group:<id>|none`, `assignee:<id>|none`, `priority:x`, `created` and
//! `updated` with `:`, `<`, `>`, `<=`, `>=` and an ISO date or date-time, terms separated by
//! spaces meaning AND; a bare word matches the subject. Unknown keywords are refused.

use super::projection::{status, status_rank};
use crate::sim::world::SimConversation;
use jiff::Timestamp;

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// `:`
    Eq,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Cmp {
    fn holds<T: Ord>(self, a: T, b: T) -> bool {
        match self {
            Cmp::Eq => a == b,
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
        }
    }
}

/// One search term.
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    /// `type:…`.
    Type(String),
    /// `status…` against a rank.
    Status(Cmp, usize),
    /// `group:<id>`, `None` for `none`.
    Group(Option<i64>),
    /// `assignee:<id>`, `None` for `none`.
    Assignee(Option<i64>),
    /// `priority…` against a rank (low 1 … urgent 4).
    Priority(Cmp, usize),
    /// `created…`.
    Created(Cmp, Timestamp),
    /// `updated…`.
    Updated(Cmp, Timestamp),
    /// A word of the subject.
    Text(String),
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    /// All must hold.
    pub terms: Vec<Term>,
}

impl Query {
    /// The `type:` the query names, if any.
    pub fn kind(&self) -> Option<&str> {
        self.terms.iter().find_map(|t| match t {
            Term::Type(k) => Some(k.as_str()),
            _ => None,
        })
    }

    /// Whether conversation `c` matches at `now`.
    pub fn matches(&self, c: &SimConversation, now: Timestamp) -> bool {
        self.terms.iter().all(|t| match t {
            Term::Type(k) => k == "ticket",
            Term::Status(cmp, rank) => {
                status_rank(status(c, now)).is_some_and(|r| cmp.holds(r, *rank))
            }
            Term::Group(g) => (c.team != 0).then_some(c.team) == *g,
            Term::Assignee(a) => (c.admin != 0).then_some(c.admin) == *a,
            Term::Priority(cmp, rank) => c.priority > 0 && cmp.holds(c.priority.min(4), *rank),
            Term::Created(cmp, t) => cmp.holds(c.created_at, *t),
            Term::Updated(cmp, t) => cmp.holds(c.updated_at, *t),
            Term::Text(w) => c.title.to_lowercase().contains(w.as_str()),
        })
    }
}

/// Parses a query; the error says what is wrong.
pub fn parse(q: &str) -> Result<Query, String> {
    let mut terms = Vec::new();
    for word in q.split_whitespace() {
        let at = word.find([':', '<', '>']);
        let Some(at) = at else {
            terms.push(Term::Text(word.trim_matches('"').to_lowercase()));
            continue;
        };
        let key = word[..at].to_ascii_lowercase();
        let rest = &word[at..];
        let (cmp, value) = if let Some(v) = rest.strip_prefix("<=") {
            (Cmp::Le, v)
        } else if let Some(v) = rest.strip_prefix(">=") {
            (Cmp::Ge, v)
        } else if let Some(v) = rest.strip_prefix('<') {
            (Cmp::Lt, v)
        } else if let Some(v) = rest.strip_prefix('>') {
            (Cmp::Gt, v)
        } else {
            (Cmp::Eq, &rest[1..])
        };
        let value = value.trim_matches('"');
        let id_or_none = |v: &str| -> Result<Option<i64>, String> {
            if v.eq_ignore_ascii_case("none") {
                Ok(None)
            } else {
                v.parse()
                    .map(Some)
                    .map_err(|_| format!("{key}:{v} is not an id or none"))
            }
        };
        terms.push(match key.as_str() {
            "type" if cmp == Cmp::Eq => Term::Type(value.to_ascii_lowercase()),
            "status" => Term::Status(
                cmp,
                status_rank(&value.to_ascii_lowercase())
                    .ok_or_else(|| format!("{value} is not a ticket status"))?,
            ),
            "group" | "group_id" if cmp == Cmp::Eq => Term::Group(id_or_none(value)?),
            "assignee" | "assignee_id" if cmp == Cmp::Eq => Term::Assignee(id_or_none(value)?),
            "priority" => Term::Priority(
                cmp,
                ["low", "normal", "high", "urgent"]
                    .iter()
                    .position(|p| p.eq_ignore_ascii_case(value))
                    .map(|p| p + 1)
                    .ok_or_else(|| format!("{value} is not a priority"))?,
            ),
            "created" | "created_at" => Term::Created(cmp, when(value)?),
            "updated" | "updated_at" => Term::Updated(cmp, when(value)?),
            _ => return Err(format!("{word} is not a supported search term")),
        });
    }
    Ok(Query { terms })
}

/// An ISO date (midnight UTC) or date-time.
fn when(v: &str) -> Result<Timestamp, String> {
    if let Ok(t) = v.parse::<Timestamp>() {
        return Ok(t);
    }
    v.parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp())
        .ok_or_else(|| format!("{v} is not a date"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_terms_clients_send() {
        let q = parse("type:ticket status<solved group:5017690 assignee:none").unwrap();
        assert_eq!(q.kind(), Some("ticket"));
        assert_eq!(q.terms[1], Term::Status(Cmp::Lt, 4));
        assert_eq!(q.terms[2], Term::Group(Some(5_017_690)));
        assert_eq!(q.terms[3], Term::Assignee(None));
        let q = parse("updated>2026-11-24T09:00:00Z created>=2026-11-24 status:open").unwrap();
        assert!(matches!(q.terms[0], Term::Updated(Cmp::Gt, _)));
        assert!(matches!(q.terms[1], Term::Created(Cmp::Ge, _)));
        assert!(parse("status:nope").is_err());
        assert!(parse("updated>yesterday-ish").is_err());
        assert!(parse("organization:1").is_err());
        assert_eq!(
            parse("refund").unwrap().terms,
            vec![Term::Text("refund".into())]
        );
    }
}
