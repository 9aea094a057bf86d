//! Ticket changes as Zendesk validates them, shared by the single update and the bulk jobs:
//! assignee and group (assigning without a group moves the ticket to the assignee's default
//! group when the assignee is not in its group; moving a ticket to a group its assignee is
//! not in unassigns it), and status (`open`, `pending`, `solved`). Safe updates compare the
//! ticket's `updated_at` with the stamp.

use super::errors::detail;
use super::projection::status;
use crate::sim::world::{ConversationEdit, World};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

/// What a request asks to change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Change {
    /// `assignee_id` (`Some(None)` unassigns).
    pub assignee: Option<Option<i64>>,
    /// `assignee_email`.
    pub assignee_email: Option<String>,
    /// `group_id`.
    pub group: Option<Option<i64>>,
    /// `status`.
    pub status: Option<String>,
}

/// A safe update's guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    /// No guard.
    None,
    /// `updated_stamp` must equal the ticket's `updated_at`.
    Exact(Timestamp),
    /// The ticket must not have changed after this (a bulk job's queue time).
    NotAfter(Timestamp),
}

/// Why a change was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// No such ticket.
    NotFound,
    /// The safe update's stamp is stale.
    Conflict,
    /// Validation errors (`details`).
    Invalid(Value),
}

/// An id from JSON: a number, a numeric string, or `null`.
fn id(v: &Value, field: &str) -> Result<Option<i64>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| format!("{field} must be an integer")),
        Value::String(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("{field} must be an integer")),
        _ => Err(format!("{field} must be an integer")),
    }
}

/// Reads a ticket object's change and its safe-update stamp (`None` when the update is not
/// safe); the error is a 400's description.
pub fn parse(t: &Value) -> Result<(Change, Option<Timestamp>), Result<String, Value>> {
    let Value::Object(m) = t else {
        return Err(Ok("ticket must be an object".into()));
    };
    let mut c = Change::default();
    if let Some(v) = m.get("assignee_id") {
        c.assignee = Some(id(v, "assignee_id").map_err(Ok)?);
    }
    if let Some(v) = m.get("group_id") {
        c.group = Some(id(v, "group_id").map_err(Ok)?);
    }
    if let Some(v) = m.get("assignee_email") {
        c.assignee_email = Some(
            v.as_str()
                .ok_or_else(|| Ok("assignee_email must be a string".to_owned()))?
                .to_owned(),
        );
    }
    if let Some(v) = m.get("status") {
        let s = v.as_str().unwrap_or_default();
        if !matches!(s, "open" | "pending" | "solved") {
            return Err(Err(detail(
                "status",
                &format!("Status: {s} is not a status this simulator sets (open, pending, solved)"),
                "InvalidValue",
            )));
        }
        c.status = Some(s.to_owned());
    }
    let stamp = match (m.get("safe_update"), m.get("updated_stamp")) {
        (Some(_), Some(Value::String(s))) => Some(s.parse::<Timestamp>().map_err(|_| {
            Err(detail(
                "updated_stamp",
                "Updated stamp: is not a valid date-time",
                "InvalidValue",
            ))
        })?),
        _ => None,
    };
    Ok((c, stamp))
}

/// Applies `change` to ticket `id`; the audit's events.
pub fn apply(w: &mut World, id: u64, change: &Change, stamp: Stamp) -> Result<Vec<Value>, Failure> {
    let now = w.now;
    let c = w.conversations.get(&id).ok_or(Failure::NotFound)?;
    let current = status(c, now);
    if current == "closed" {
        return Err(Failure::Invalid(detail(
            "status",
            "Status: closed prevents ticket update",
            "StatusClosedPreventsUpdate",
        )));
    }
    match stamp {
        Stamp::Exact(t) if t.as_second() != c.updated_at.as_second() => {
            return Err(Failure::Conflict);
        }
        Stamp::NotAfter(t) if c.updated_at > t => return Err(Failure::Conflict),
        _ => {}
    }
    let (old_admin, old_team) = (c.admin, c.team);
    let member = |team: i64, admin: i64| {
        w.teams
            .iter()
            .any(|t| t.id == team && t.members.iter().any(|(m, _)| *m == admin))
    };
    let assignee = match (&change.assignee, &change.assignee_email) {
        (Some(a), _) => Some(*a),
        (None, Some(email)) => Some(Some(
            w.admins
                .iter()
                .find(|a| a.email.eq_ignore_ascii_case(email))
                .map(|a| a.id)
                .ok_or_else(|| invalid_assignee("Assignee: is invalid", "InvalidValue"))?,
        )),
        (None, None) => None,
    };
    if let Some(Some(a)) = assignee
        && !w.admins.iter().any(|x| x.id == a)
    {
        return Err(invalid_assignee("Assignee: is invalid", "InvalidValue"));
    }
    let team = match change.group {
        Some(Some(g)) if !w.teams.iter().any(|t| t.id == g) => {
            return Err(Failure::Invalid(detail(
                "group",
                "Group: is invalid",
                "InvalidValue",
            )));
        }
        Some(Some(g)) => g,
        Some(None) => 0,
        None => match assignee {
            Some(Some(a)) if old_team == 0 || !member(old_team, a) => w
                .admins
                .iter()
                .find(|x| x.id == a)
                .and_then(|x| x.default_team)
                .unwrap_or(old_team),
            _ => old_team,
        },
    };
    let admin = match assignee {
        Some(Some(a)) => {
            if team == 0 || !member(team, a) {
                return Err(invalid_assignee(
                    "Assignee: is not a member of the group",
                    "InvalidValue",
                ));
            }
            a
        }
        Some(None) => 0,
        None if old_admin != 0 && (team == 0 || !member(team, old_admin)) => 0,
        None => old_admin,
    };
    let mut events = Vec::new();
    if (admin, team) != (old_admin, old_team) {
        w.edit_conversation(id, ConversationEdit::Route { admin, team });
        let or_null = |x: i64| if x == 0 { Value::Null } else { json!(x) };
        if admin != old_admin {
            events.push(json!({"type": "Change", "field_name": "assignee_id", "value": or_null(admin), "previous_value": or_null(old_admin)}));
        }
        if team != old_team {
            events.push(json!({"type": "Change", "field_name": "group_id", "value": or_null(team), "previous_value": or_null(old_team)}));
        }
    }
    if let Some(s) = &change.status
        && s != current
    {
        let edit = match s.as_str() {
            "solved" => ConversationEdit::Close,
            "pending" => ConversationEdit::Snooze(
                now.checked_add(SignedDuration::from_hours(24))
                    .unwrap_or(now),
            ),
            _ => ConversationEdit::Open,
        };
        w.edit_conversation(id, edit);
        events.push(json!({"type": "Change", "field_name": "status", "value": s, "previous_value": current}));
    }
    Ok(events)
}

fn invalid_assignee(description: &str, error: &str) -> Failure {
    Failure::Invalid(detail("assignee", description, error))
}
