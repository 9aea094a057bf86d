//! Intercom's writes, validated as its spec describes, then applied through the world's
//! vendor-neutral edits. Pure: each takes the world and the request body and returns the new
//! object in wire shape or an API error.

use super::projection;
use crate::backend::intercom::wire;
use crate::sim::errors::ApiError;
use crate::sim::server::TeamConflict;
use crate::sim::world::{ConversationEdit, SimLevel, World};
use serde_json::Value;

/// A 400 `parameter_invalid`.
fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "parameter_invalid", message)
}

/// The 404 of an unknown conversation.
fn not_found() -> ApiError {
    ApiError::new(404, "not_found", "Resource Not Found")
}

/// An integer given as a JSON number or a numeric string.
fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The 404 of an unknown admin.
fn admin_not_found() -> ApiError {
    ApiError::new(404, "admin_not_found", "Admin for admin_id not found")
}

/// `PUT /admins/{id}/away`.
pub fn set_away(w: &mut World, admin_id: &str, body: &Value) -> Result<wire::Admin, ApiError> {
    let admin = admin_id
        .parse::<i64>()
        .ok()
        .and_then(|id| w.admins.iter().find(|a| a.id == id))
        .ok_or_else(admin_not_found)?;
    let (id, was_away, was_reason) = (admin.id, admin.away, admin.reason);
    let flag = |key: &str| match body.get(key) {
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(invalid(format!("{key} must be a boolean"))),
        None => Err(invalid(format!("{key} is required"))),
    };
    let away = flag("away_mode_enabled")?;
    let reassign = flag("away_mode_reassign")?;
    let reason = match body.get("away_status_reason_id") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let reason =
                int(v).ok_or_else(|| invalid("away_status_reason_id must be an integer"))?;
            if !away {
                return Err(invalid(
                    "Away status reason can only be set when away mode is enabled",
                ));
            }
            let r = w
                .reasons
                .iter()
                .find(|r| r.id == reason)
                .ok_or_else(|| invalid("Away status reason not found"))?;
            let current = was_reason == Some(reason) && was_away;
            if r.deleted && !current {
                return Err(invalid("Away status reason is deleted"));
            }
            Some(reason)
        }
    };
    let a = w
        .set_away(id, away, reassign, reason)
        .cloned()
        .ok_or_else(admin_not_found)?;
    Ok(projection::admin(w, &a))
}

/// `POST /conversations/{id}/parts`: assignment, close, snooze, open.
pub fn manage_conversation(
    w: &mut World,
    conversation_id: &str,
    body: &Value,
) -> Result<wire::Conversation, ApiError> {
    let cid = conversation_id
        .parse::<u64>()
        .ok()
        .filter(|id| w.conversations.contains_key(id))
        .ok_or_else(not_found)?;
    let text = |key: &str| body.get(key).and_then(Value::as_str);
    let message_type = text("message_type").ok_or_else(|| invalid("message_type is required"))?;
    let actor = body
        .get("admin_id")
        .and_then(int)
        .ok_or_else(|| invalid("admin_id is required"))?;
    if !w.admins.iter().any(|a| a.id == actor) {
        return Err(admin_not_found());
    }
    let edit = match message_type {
        "assignment" => {
            let kind = text("type").ok_or_else(|| invalid("type is required"))?;
            let assignee = body
                .get("assignee_id")
                .and_then(int)
                .ok_or_else(|| invalid("assignee_id is required"))?;
            let (known, edit) = match kind {
                "admin" => (
                    assignee == 0 || w.admins.iter().any(|a| a.id == assignee),
                    ConversationEdit::AssignAdmin(assignee),
                ),
                "team" => (
                    assignee == 0 || w.teams.iter().any(|t| t.id == assignee),
                    ConversationEdit::AssignTeam(assignee),
                ),
                _ => return Err(invalid("type must be admin or team")),
            };
            if !known {
                return Err(invalid(format!("Assignee {assignee} not found")));
            }
            edit
        }
        "close" => ConversationEdit::Close,
        "snoozed" => {
            let now = w.now;
            let until = body
                .get("snoozed_until")
                .and_then(int)
                .and_then(|s| jiff::Timestamp::from_second(s).ok())
                .filter(|t| *t > now)
                .ok_or_else(|| invalid("snoozed_until must be a future timestamp"))?;
            ConversationEdit::Snooze(until)
        }
        "open" => ConversationEdit::Open,
        other => {
            return Err(invalid(format!("message_type {other:?} is not supported")));
        }
    };
    w.edit_conversation(cid, edit)
        .map(projection::conversation)
        .ok_or_else(not_found)
}

/// A numeric id list, or the error `message`.
fn ids(items: &[Value], message: impl FnOnce() -> String) -> Result<Vec<i64>, ApiError> {
    items
        .iter()
        .map(int)
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| invalid(message()))
}

/// Preview `PUT /teams/{id}`: replaces the members, optionally setting levels.
pub fn update_team(
    w: &mut World,
    team_id: &str,
    body: &Value,
    conflict: Option<TeamConflict>,
) -> Result<wire::Team, ApiError> {
    let team = team_id
        .parse::<i64>()
        .ok()
        .and_then(|id| w.teams.iter().find(|t| t.id == id))
        .ok_or_else(|| ApiError::new(404, "team_not_found", "Team not found"))?;
    let Value::Object(fields) = body else {
        return Err(invalid("the request body must be a JSON object"));
    };
    let current = serde_json::to_value(projection::team(team)).unwrap_or(Value::Null);
    for (key, value) in fields {
        match key.as_str() {
            "admin_ids" | "admin_priority_level" => {}
            "type" | "id" | "name" | "assignment_limit" | "distribution_method" => {
                if current.get(key) != Some(value) {
                    return Err(invalid(format!(
                        "Only admin_ids and admin_priority_level can be updated on a team, but the request changed {key}"
                    )));
                }
            }
            other => {
                return Err(invalid(format!("a team has no field {other}")));
            }
        }
    }
    let admin_ids: Vec<i64> = match fields.get("admin_ids") {
        Some(Value::Array(items)) => ids(items, || {
            "admin_ids must contain only numeric admin ids".into()
        })?,
        Some(_) => return Err(invalid("admin_ids must be an array")),
        None => return Err(invalid("admin_ids is required")),
    };
    if admin_ids.is_empty() || admin_ids.len() > 1000 {
        return Err(invalid("admin_ids must hold between 1 and 1000 ids"));
    }
    if let Some(unknown) = admin_ids
        .iter()
        .find(|id| !w.admins.iter().any(|a| a.id == **id))
    {
        return Err(invalid(format!("admin_ids names unknown admin {unknown}")));
    }
    let level_list = |key: &str| -> Result<Vec<i64>, ApiError> {
        match fields.get("admin_priority_level").and_then(|l| l.get(key)) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => ids(items, || {
                format!("admin_priority_level.{key} must hold numeric ids")
            }),
            Some(_) => Err(invalid(format!(
                "admin_priority_level.{key} must be an array"
            ))),
        }
    };
    let primary = level_list("primary_admin_ids")?;
    let secondary = level_list("secondary_admin_ids")?;
    let on_team = |id: i64| team.members.iter().any(|(m, _)| *m == id);
    for id in primary.iter().chain(&secondary) {
        if !on_team(*id) && !admin_ids.contains(id) {
            return Err(invalid(format!(
                "admin_priority_level names {id}, which is on neither the team nor admin_ids"
            )));
        }
    }
    for id in &primary {
        let held_at_both = team.members.contains(&(*id, SimLevel::Primary))
            && team.members.contains(&(*id, SimLevel::Secondary));
        if secondary.contains(id) && !held_at_both {
            return Err(invalid(format!(
                "admin_priority_level gives {id} more than one priority level"
            )));
        }
    }
    if !secondary.is_empty() && team.distribution != "load_balanced" {
        return Err(invalid(
            "secondary_admin_ids is only allowed on load_balanced teams",
        ));
    }
    if conflict == Some(TeamConflict::Declined) {
        return Err(ApiError::new(
            409,
            "conflict",
            "The members of this team are being changed by another request. Try again.",
        ));
    }
    let level_for = |id: i64| {
        if secondary.contains(&id) && !primary.contains(&id) {
            SimLevel::Secondary
        } else if primary.contains(&id) {
            SimLevel::Primary
        } else {
            team.members
                .iter()
                .find(|(m, _)| *m == id)
                .map_or(SimLevel::Primary, |(_, l)| *l)
        }
    };
    let mut members: Vec<(i64, SimLevel)> = Vec::new();
    for id in &admin_ids {
        if !members.iter().any(|(m, _)| m == id) {
            members.push((*id, level_for(*id)));
        }
    }
    let id = team.id;
    if conflict == Some(TeamConflict::PartlyApplied) {
        // Additions land, removals and level changes do not.
        w.add_members(id, &members);
        return Err(ApiError::new(
            409,
            "conflict",
            "The members of this team kept being changed by other requests, so this one is partly applied. Read the team and try again.",
        ));
    }
    w.replace_members(id, members)
        .map(projection::team)
        .ok_or_else(|| ApiError::new(404, "team_not_found", "Team not found"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Scenario;
    use serde_json::json;

    fn world() -> World {
        World::new(
            &Scenario::default_demo(),
            1,
            "2026-11-24T08:00:00Z".parse().unwrap(),
        )
    }

    fn balanced(w: &World) -> (String, Vec<i64>) {
        let t = w
            .teams
            .iter()
            .find(|t| t.distribution == "load_balanced")
            .unwrap();
        (
            t.id.to_string(),
            t.members.iter().map(|(id, _)| *id).collect(),
        )
    }

    fn outsider(w: &World, team: &str) -> i64 {
        let t = w.teams.iter().find(|t| t.id.to_string() == team).unwrap();
        w.admins
            .iter()
            .find(|a| !t.members.iter().any(|(m, _)| *m == a.id))
            .unwrap()
            .id
    }

    fn members(w: &World, team: &str) -> Vec<(i64, SimLevel)> {
        w.teams
            .iter()
            .find(|t| t.id.to_string() == team)
            .unwrap()
            .members
            .clone()
    }

    fn code(r: Result<wire::Team, ApiError>) -> (u16, String) {
        let e = r.unwrap_err();
        (e.status, e.message)
    }

    #[test]
    fn team_update_validation_follows_the_preview_spec() {
        let mut w = world();
        let (team, ids) = balanced(&w);
        let out = outsider(&w, &team);
        let bad = [
            json!({"admin_ids": ids, "name": "x"}),
            json!({"admin_ids": ids, "colour": "red"}),
            json!({"admin_ids": ["abc"]}),
            json!({"admin_ids": []}),
            json!({"admin_ids": (0..1001).collect::<Vec<i64>>()}),
            json!({"admin_ids": [1]}),
            json!({"admin_priority_level": {"primary_admin_ids": [ids[0]]}}),
            json!({"admin_ids": ids, "admin_priority_level": {"primary_admin_ids": [ids[0]], "secondary_admin_ids": [ids[0]]}}),
            json!({"admin_ids": ids, "admin_priority_level": {"primary_admin_ids": [out]}}),
            json!("not an object"),
        ];
        for body in bad {
            let (status, msg) = code(update_team(&mut w, &team, &body, None));
            assert_eq!(status, 400, "{body} → {msg}");
        }
        assert_eq!(
            code(update_team(&mut w, "1", &json!({"admin_ids": ids}), None)).0,
            404
        );
        // Sending the team back unchanged is accepted and changes nothing.
        let current = serde_json::to_value(projection::team(
            w.teams.iter().find(|t| t.id.to_string() == team).unwrap(),
        ))
        .unwrap();
        let same = update_team(&mut w, &team, &current, None).unwrap();
        assert_eq!(serde_json::to_value(&same).unwrap(), current);
    }

    #[test]
    fn newcomers_default_to_primary_and_members_keep_their_level() {
        let mut w = world();
        let (team, mut ids) = balanced(&w);
        let out = outsider(&w, &team);
        let levels_before = members(&w, &team);
        ids.push(out);
        let t = update_team(&mut w, &team, &json!({"admin_ids": ids}), None).unwrap();
        let level = |t: &wire::Team, id: i64, secondary: bool| {
            let l = t.admin_priority_level.as_ref().unwrap();
            let list = if secondary {
                &l.secondary_admin_ids
            } else {
                &l.primary_admin_ids
            };
            list.as_ref().unwrap().contains(&id)
        };
        assert!(level(&t, out, false), "newcomer is primary");
        for (id, l) in &levels_before {
            assert!(
                level(&t, *id, *l == SimLevel::Secondary),
                "{id} kept its level"
            );
        }
        // The admin object follows.
        let a = w.admins.iter().find(|a| a.id == out).unwrap().clone();
        assert!(
            projection::admin(&w, &a)
                .team_ids
                .contains(&team.parse::<i64>().unwrap())
        );
    }

    #[test]
    fn secondary_levels_only_on_load_balanced_teams() {
        let mut w = world();
        let t = w
            .teams
            .iter()
            .find(|t| t.distribution == "round_robin")
            .unwrap()
            .clone();
        let ids: Vec<i64> = t.members.iter().map(|(id, _)| *id).collect();
        let body =
            json!({"admin_ids": ids, "admin_priority_level": {"secondary_admin_ids": [ids[0]]}});
        assert_eq!(
            code(update_team(&mut w, &t.id.to_string(), &body, None)).0,
            400
        );
        // Round-robin teams report no levels back.
        let ok = update_team(&mut w, &t.id.to_string(), &json!({"admin_ids": ids}), None).unwrap();
        assert!(ok.admin_priority_level.is_none() && ok.assignment_limit.is_none());
    }

    #[test]
    fn conflicts_decline_or_apply_part() {
        let mut w = world();
        let (team, ids) = balanced(&w);
        let out = outsider(&w, &team);
        let before = members(&w, &team);
        let mut next: Vec<i64> = ids[1..].to_vec();
        next.push(out);
        let body = json!({"admin_ids": next});
        let e = update_team(&mut w, &team, &body, Some(TeamConflict::Declined)).unwrap_err();
        assert_eq!((e.status, e.code), (409, "conflict"));
        assert_eq!(members(&w, &team), before);
        let e = update_team(&mut w, &team, &body, Some(TeamConflict::PartlyApplied)).unwrap_err();
        assert!(e.message.contains("partly applied"));
        let now = members(&w, &team);
        assert!(now.iter().any(|(m, _)| *m == out), "the addition landed");
        assert!(now.iter().any(|(m, _)| *m == ids[0]), "the removal did not");
    }

    #[test]
    fn away_validation() {
        let mut w = world();
        let id = w.admins[0].id.to_string();
        let bad = [
            json!({"away_mode_enabled": true}),
            json!({"away_mode_enabled": "yes", "away_mode_reassign": false}),
            json!({"away_mode_enabled": false, "away_mode_reassign": false, "away_status_reason_id": 1}),
            json!({"away_mode_enabled": true, "away_mode_reassign": false, "away_status_reason_id": 999}),
        ];
        for body in bad {
            assert_eq!(
                set_away(&mut w, &id, &body).unwrap_err().status,
                400,
                "{body}"
            );
        }
        assert_eq!(
            set_away(
                &mut w,
                "1",
                &json!({"away_mode_enabled": true, "away_mode_reassign": false})
            )
            .unwrap_err()
            .code,
            "admin_not_found"
        );
        let a = set_away(&mut w, &id, &json!({"away_mode_enabled": true, "away_mode_reassign": true, "away_status_reason_id": "2"})).unwrap();
        assert!(a.away_mode_enabled && a.away_mode_reassign);
        assert_eq!(a.away_status_reason_id, Some(2));
        let a = set_away(
            &mut w,
            &id,
            &json!({"away_mode_enabled": false, "away_mode_reassign": true}),
        )
        .unwrap();
        assert!(!a.away_mode_enabled && !a.away_mode_reassign && a.away_status_reason_id.is_none());
    }

    #[test]
    fn manage_conversation_validation() {
        let mut w = world();
        w.advance_to("2026-11-24T08:30:00Z".parse().unwrap());
        let cid = w.conversations.keys().next().unwrap().to_string();
        let me = w.me.to_string();
        assert_eq!(
            manage_conversation(&mut w, "1", &json!({"message_type":"open","admin_id":me}))
                .unwrap_err()
                .status,
            404
        );
        assert_eq!(
            manage_conversation(&mut w, &cid, &json!({"message_type":"open","admin_id":"1"}))
                .unwrap_err()
                .code,
            "admin_not_found"
        );
        assert_eq!(
            manage_conversation(&mut w, &cid, &json!({"message_type":"dance","admin_id":me}))
                .unwrap_err()
                .status,
            400
        );
        assert_eq!(
            manage_conversation(
                &mut w,
                &cid,
                &json!({"message_type":"assignment","type":"bot","admin_id":me,"assignee_id":"0"})
            )
            .unwrap_err()
            .status,
            400
        );
        let c = manage_conversation(
            &mut w,
            &cid,
            &json!({"message_type":"assignment","type":"admin","admin_id":me,"assignee_id":me}),
        )
        .unwrap();
        assert_eq!(c.admin_assignee_id, Some(w.me));
        let c = manage_conversation(
            &mut w,
            &cid,
            &json!({"message_type":"close","type":"admin","admin_id":me}),
        )
        .unwrap();
        assert_eq!(c.state, "closed");
        let c = manage_conversation(
            &mut w,
            &cid,
            &json!({"message_type":"assignment","type":"team","admin_id":me,"assignee_id":"0"}),
        )
        .unwrap();
        assert_eq!(
            (c.state.as_str(), c.team_assignee_id),
            ("open", Some(0)),
            "assignment reopens"
        );
    }
}
