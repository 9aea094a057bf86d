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
