//! The writes the simulator accepts, validated as the spec describes. Pure: each takes the
//! request body and returns the new object or an API error.

use super::world::{SimLevel, SimState, World};
use crate::backend::intercom::wire;
use serde_json::Value;

/// An API error: HTTP status, Intercom error code, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// `errors[0].code`.
    pub code: &'static str,
    /// `errors[0].message`.
    pub message: String,
}

impl ApiError {
    /// Builds an error.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    fn invalid(message: impl Into<String>) -> Self {
        Self::new(400, "parameter_invalid", message)
    }
}

/// How the next team update should fail (test control).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamConflict {
    /// 409 before anything was written.
    Declined,
    /// 409 after applying part of the change (additions, not removals).
    PartlyApplied,
}

/// An integer given as a JSON number or a numeric string.
fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl World {
    /// `PUT /admins/{id}/away`.
    pub fn set_away(&mut self, admin_id: &str, body: &Value) -> Result<wire::Admin, ApiError> {
        let index = admin_id
            .parse::<i64>()
            .ok()
            .and_then(|id| self.admins.iter().position(|a| a.id == id))
            .ok_or_else(|| ApiError::new(404, "admin_not_found", "Admin for admin_id not found"))?;
        let flag = |key: &str| match body.get(key) {
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(ApiError::invalid(format!("{key} must be a boolean"))),
            None => Err(ApiError::invalid(format!("{key} is required"))),
        };
        let away = flag("away_mode_enabled")?;
        let reassign = flag("away_mode_reassign")?;
        let reason = match body.get("away_status_reason_id") {
            None | Some(Value::Null) => None,
            Some(v) => {
                let id = int(v)
                    .ok_or_else(|| ApiError::invalid("away_status_reason_id must be an integer"))?;
                if !away {
                    return Err(ApiError::invalid(
                        "Away status reason can only be set when away mode is enabled",
                    ));
                }
                let r = self
                    .reasons
                    .iter()
                    .find(|r| r.id == id)
                    .ok_or_else(|| ApiError::invalid("Away status reason not found"))?;
                let current = self.admins[index].reason == Some(id) && self.admins[index].away;
                if r.deleted && !current {
                    return Err(ApiError::invalid("Away status reason is deleted"));
                }
                Some(id)
            }
        };
        let a = &mut self.admins[index];
        a.away = away;
        a.reassign = away && reassign;
        a.reason = if away { reason } else { None };
        a.break_until = None;
        let a = self.admins[index].clone();
        Ok(self.wire_admin(&a))
    }

    /// `POST /conversations/{id}/parts`: assignment, close, snooze, open.
    pub fn manage_conversation(
        &mut self,
        conversation_id: &str,
        body: &Value,
    ) -> Result<wire::Conversation, ApiError> {
        let cid = conversation_id
            .parse::<u64>()
            .ok()
            .filter(|id| self.conversations.contains_key(id))
            .ok_or_else(|| ApiError::new(404, "not_found", "Resource Not Found"))?;
        let text = |key: &str| body.get(key).and_then(Value::as_str);
        let message_type =
            text("message_type").ok_or_else(|| ApiError::invalid("message_type is required"))?;
        let actor = body
            .get("admin_id")
            .and_then(int)
            .ok_or_else(|| ApiError::invalid("admin_id is required"))?;
        if !self.admins.iter().any(|a| a.id == actor) {
            return Err(ApiError::new(
                404,
                "admin_not_found",
                "Admin for admin_id not found",
            ));
        }
        let now = self.now;
        match message_type {
            "assignment" => {
                let kind = text("type").ok_or_else(|| ApiError::invalid("type is required"))?;
                let assignee = body
                    .get("assignee_id")
                    .and_then(int)
                    .ok_or_else(|| ApiError::invalid("assignee_id is required"))?;
                let known = match kind {
                    "admin" => assignee == 0 || self.admins.iter().any(|a| a.id == assignee),
                    "team" => assignee == 0 || self.teams.iter().any(|t| t.id == assignee),
                    _ => return Err(ApiError::invalid("type must be admin or team")),
                };
                if !known {
                    return Err(ApiError::invalid(format!("Assignee {assignee} not found")));
                }
                let Some(c) = self.conversations.get_mut(&cid) else {
                    return Err(ApiError::new(404, "not_found", "Resource Not Found"));
                };
                if kind == "admin" {
                    c.admin = assignee;
                } else {
                    c.team = assignee;
                }
                // Assignment reopens a closed conversation ("assign_and_reopen").
                if c.state == SimState::Closed {
                    c.state = SimState::Open;
                }
                c.last_assignment_at = Some(now);
            }
            "close" => {
                let Some(c) = self.conversations.get_mut(&cid) else {
                    return Err(ApiError::new(404, "not_found", "Resource Not Found"));
                };
                c.state = SimState::Closed;
                c.customer_reply_at = None;
                c.close_at = None;
            }
            "snoozed" => {
                let until = body
                    .get("snoozed_until")
                    .and_then(int)
                    .and_then(|s| jiff::Timestamp::from_second(s).ok())
                    .filter(|t| *t > now)
                    .ok_or_else(|| ApiError::invalid("snoozed_until must be a future timestamp"))?;
                let Some(c) = self.conversations.get_mut(&cid) else {
                    return Err(ApiError::new(404, "not_found", "Resource Not Found"));
                };
                c.state = SimState::Snoozed;
                c.snoozed_until = Some(until);
            }
            "open" => {
                let Some(c) = self.conversations.get_mut(&cid) else {
                    return Err(ApiError::new(404, "not_found", "Resource Not Found"));
                };
                c.state = SimState::Open;
                c.snoozed_until = None;
            }
            other => {
                return Err(ApiError::invalid(format!(
                    "message_type {other:?} is not supported"
                )));
            }
        }
        let c = self
            .conversations
            .get_mut(&cid)
            .ok_or_else(|| ApiError::new(404, "not_found", "Resource Not Found"))?;
        c.updated_at = now;
        Ok(World::wire_conversation(c))
    }

    /// Preview `PUT /teams/{id}`: replaces the members, optionally setting levels.
    pub fn update_team(
        &mut self,
        team_id: &str,
        body: &Value,
        conflict: Option<TeamConflict>,
    ) -> Result<wire::Team, ApiError> {
        let ti = team_id
            .parse::<i64>()
            .ok()
            .and_then(|id| self.teams.iter().position(|t| t.id == id))
            .ok_or_else(|| ApiError::new(404, "team_not_found", "Team not found"))?;
        let Value::Object(fields) = body else {
            return Err(ApiError::invalid("the request body must be a JSON object"));
        };
        let current = serde_json::to_value(self.wire_team(&self.teams[ti])).unwrap_or(Value::Null);
        for (key, value) in fields {
            match key.as_str() {
                "admin_ids" | "admin_priority_level" => {}
                "type" | "id" | "name" | "assignment_limit" | "distribution_method" => {
                    if current.get(key) != Some(value) {
                        return Err(ApiError::invalid(format!(
                            "Only admin_ids and admin_priority_level can be updated on a team, but the request changed {key}"
                        )));
                    }
                }
                other => {
                    return Err(ApiError::invalid(format!("a team has no field {other}")));
                }
            }
        }
        let ids: Vec<i64> = match fields.get("admin_ids") {
            Some(Value::Array(items)) => items
                .iter()
                .map(int)
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    ApiError::invalid("admin_ids must contain only numeric admin ids")
                })?,
            Some(_) => return Err(ApiError::invalid("admin_ids must be an array")),
            None => return Err(ApiError::invalid("admin_ids is required")),
        };
        if ids.is_empty() || ids.len() > 1000 {
            return Err(ApiError::invalid(
                "admin_ids must hold between 1 and 1000 ids",
            ));
        }
        if let Some(unknown) = ids
            .iter()
            .find(|id| !self.admins.iter().any(|a| a.id == **id))
        {
            return Err(ApiError::invalid(format!(
                "admin_ids names unknown admin {unknown}"
            )));
        }
        let level_list = |key: &str| -> Result<Vec<i64>, ApiError> {
            match fields.get("admin_priority_level").and_then(|l| l.get(key)) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(int)
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| {
                        ApiError::invalid(format!(
                            "admin_priority_level.{key} must hold numeric ids"
                        ))
                    }),
                Some(_) => Err(ApiError::invalid(format!(
                    "admin_priority_level.{key} must be an array"
                ))),
            }
        };
        let primary = level_list("primary_admin_ids")?;
        let secondary = level_list("secondary_admin_ids")?;
        let team = &self.teams[ti];
        let on_team = |id: i64| team.members.iter().any(|(m, _)| *m == id);
        for id in primary.iter().chain(&secondary) {
            if !on_team(*id) && !ids.contains(id) {
                return Err(ApiError::invalid(format!(
                    "admin_priority_level names {id}, which is on neither the team nor admin_ids"
                )));
            }
        }
        for id in &primary {
            let held_at_both = team.members.contains(&(*id, SimLevel::Primary))
                && team.members.contains(&(*id, SimLevel::Secondary));
            if secondary.contains(id) && !held_at_both {
                return Err(ApiError::invalid(format!(
                    "admin_priority_level gives {id} more than one priority level"
                )));
            }
        }
        if !secondary.is_empty() && team.distribution != "load_balanced" {
            return Err(ApiError::invalid(
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
        for id in &ids {
            if !members.iter().any(|(m, _)| m == id) {
                members.push((*id, level_for(*id)));
            }
        }
        if conflict == Some(TeamConflict::PartlyApplied) {
            // Additions land, removals and level changes do not.
            let mut partial = team.members.clone();
            for (id, level) in &members {
                if !partial.iter().any(|(m, _)| m == id) {
                    partial.push((*id, *level));
                }
            }
            self.teams[ti].members = partial;
            return Err(ApiError::new(
                409,
                "conflict",
                "The members of this team kept being changed by other requests, so this one is partly applied. Read the team and try again.",
            ));
        }
        self.teams[ti].members = members;
        Ok(self.wire_team(&self.teams[ti]))
    }
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
            let (status, msg) = code(w.update_team(&team, &body, None));
            assert_eq!(status, 400, "{body} → {msg}");
        }
        assert_eq!(
            code(w.update_team("1", &json!({"admin_ids": ids}), None)).0,
            404
        );
        // Sending the team back unchanged is accepted and changes nothing.
        let current = serde_json::to_value(
            w.wire_team(w.teams.iter().find(|t| t.id.to_string() == team).unwrap()),
        )
        .unwrap();
        let same = w.update_team(&team, &current, None).unwrap();
        assert_eq!(serde_json::to_value(&same).unwrap(), current);
    }

    #[test]
    fn newcomers_default_to_primary_and_members_keep_their_level() {
        let mut w = world();
        let (team, mut ids) = balanced(&w);
        let out = outsider(&w, &team);
        let levels_before = w
            .teams
            .iter()
            .find(|t| t.id.to_string() == team)
            .unwrap()
            .members
            .clone();
        ids.push(out);
        let t = w
            .update_team(&team, &json!({"admin_ids": ids}), None)
            .unwrap();
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
            w.wire_admin(&a)
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
        assert_eq!(code(w.update_team(&t.id.to_string(), &body, None)).0, 400);
        // Round-robin teams report no levels back.
        let ok = w
            .update_team(&t.id.to_string(), &json!({"admin_ids": ids}), None)
            .unwrap();
        assert!(ok.admin_priority_level.is_none() && ok.assignment_limit.is_none());
    }

    #[test]
    fn conflicts_decline_or_apply_part() {
        let mut w = world();
        let (team, ids) = balanced(&w);
        let out = outsider(&w, &team);
        let before = w
            .teams
            .iter()
            .find(|t| t.id.to_string() == team)
            .unwrap()
            .members
            .clone();
        let mut next: Vec<i64> = ids[1..].to_vec();
        next.push(out);
        let body = json!({"admin_ids": next});
        let e = w
            .update_team(&team, &body, Some(TeamConflict::Declined))
            .unwrap_err();
        assert_eq!((e.status, e.code), (409, "conflict"));
        assert_eq!(
            w.teams
                .iter()
                .find(|t| t.id.to_string() == team)
                .unwrap()
                .members,
            before
        );
        let e = w
            .update_team(&team, &body, Some(TeamConflict::PartlyApplied))
            .unwrap_err();
        assert!(e.message.contains("partly applied"));
        let now = &w
            .teams
            .iter()
            .find(|t| t.id.to_string() == team)
            .unwrap()
            .members;
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
            assert_eq!(w.set_away(&id, &body).unwrap_err().status, 400, "{body}");
        }
        assert_eq!(
            w.set_away(
                "1",
                &json!({"away_mode_enabled": true, "away_mode_reassign": false})
            )
            .unwrap_err()
            .code,
            "admin_not_found"
        );
        let a = w.set_away(&id, &json!({"away_mode_enabled": true, "away_mode_reassign": true, "away_status_reason_id": "2"})).unwrap();
        assert!(a.away_mode_enabled && a.away_mode_reassign);
        assert_eq!(a.away_status_reason_id, Some(2));
        let a = w
            .set_away(
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
            w.manage_conversation("1", &json!({"message_type":"open","admin_id":me}))
                .unwrap_err()
                .status,
            404
        );
        assert_eq!(
            w.manage_conversation(&cid, &json!({"message_type":"open","admin_id":"1"}))
                .unwrap_err()
                .code,
            "admin_not_found"
        );
        assert_eq!(
            w.manage_conversation(&cid, &json!({"message_type":"dance","admin_id":me}))
                .unwrap_err()
                .status,
            400
        );
        assert_eq!(
            w.manage_conversation(
                &cid,
                &json!({"message_type":"assignment","type":"bot","admin_id":me,"assignee_id":"0"})
            )
            .unwrap_err()
            .status,
            400
        );
        let c = w
            .manage_conversation(
                &cid,
                &json!({"message_type":"assignment","type":"admin","admin_id":me,"assignee_id":me}),
            )
            .unwrap();
        assert_eq!(c.admin_assignee_id, Some(w.me));
        let c = w
            .manage_conversation(
                &cid,
                &json!({"message_type":"close","type":"admin","admin_id":me}),
            )
            .unwrap();
        assert_eq!(c.state, "closed");
        let c = w
            .manage_conversation(
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
