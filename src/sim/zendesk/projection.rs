//! The world in Zendesk's wire shapes: groups, users, group memberships, tickets with their
//! `slas` sideload, and SLA policies.
//!
//! The mapping: team inboxes are groups; teammates are users, `admin` for the account owner
//! (`world.me`) and every eighth teammate from the second (by position), `agent` otherwise;
//! each team membership is a group membership (Zendesk has no levels) with a stable id from
//! the group's and the user's positions, `default: true` on the user's default team. Ticket
//! status: open and never assigned or answered → `new`, open → `open`, snoozed → `pending`
//! (`hold` for ids ≡ 3 mod 4), closed within the last hour → `solved`, closed earlier →
//! `closed`. Priority none..urgent → `null`, `low`, `normal`, `high`, `urgent`.

use crate::sim::world::{SimAdmin, SimConversation, SimState, SimTeam, World};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

/// The account's one brand (every ticket's `brand_id`), named for the workspace.
pub fn brand(w: &World, base: &str) -> Value {
    let subdomain: String = w
        .workspace
        .chars()
        .take_while(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    json!({
        "id": BRAND_ID,
        "name": w.workspace,
        "subdomain": subdomain,
        "active": true,
        "default": true,
        "is_deleted": false,
        "brand_url": base,
        "has_help_center": false,
        "help_center_state": "disabled",
        "signature_template": "{{agent.signature}}",
        "ticket_form_ids": [],
        "created_at": ts(w.created_at),
        "updated_at": ts(w.created_at),
        "url": format!("{base}/api/v2/brands/{BRAND_ID}.json"),
    })
}

/// The id of the account's one brand.
pub const BRAND_ID: i64 = 360_000_001;

/// First group-membership id; the id is this + group position × 1,000,000 + user position.
pub const MEMBERSHIP_BASE: i64 = 360_000_000_000;
/// First end-user (requester) id.
pub const REQUESTER_BASE: i64 = 410_000_000_000;
/// Tickets closed longer ago than this are `closed`, more recently `solved`.
pub const SOLVED_FOR: SignedDuration = SignedDuration::from_hours(1);
/// First SLA policy id.
pub const SLA_POLICY_BASE: i64 = 36_000;

/// A timestamp as Zendesk writes it: `2026-11-24T10:00:00Z`.
pub fn ts(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Whether the user at `index` of `w.admins` is an admin.
pub fn is_admin(w: &World, index: usize) -> bool {
    w.admins.get(index).is_some_and(|a| a.id == w.me) || index % 8 == 1
}

/// The role of teammate `id`, if there is one: `true` for admin.
pub fn role_of(w: &World, id: i64) -> Option<bool> {
    w.admins
        .iter()
        .position(|a| a.id == id)
        .map(|i| is_admin(w, i))
}

/// The membership id of (group position, user position).
pub fn membership_id(team_index: usize, admin_index: usize) -> i64 {
    MEMBERSHIP_BASE + team_index as i64 * 1_000_000 + admin_index as i64
}

/// (group position, user position) of a membership id, if it is one that could exist.
pub fn membership_parts(w: &World, id: i64) -> Option<(usize, usize)> {
    let rest = id.checked_sub(MEMBERSHIP_BASE)?;
    if rest < 0 {
        return None;
    }
    let (ti, ai) = ((rest / 1_000_000) as usize, (rest % 1_000_000) as usize);
    (ti < w.teams.len() && ai < w.admins.len()).then_some((ti, ai))
}

/// A group.
pub fn group(w: &World, index: usize, t: &SimTeam, base: &str) -> Value {
    json!({
        "id": t.id,
        "url": format!("{base}/api/v2/groups/{}.json", t.id),
        "name": t.name,
        "description": format!("{} inbox", t.name),
        "default": index == 0,
        "deleted": false,
        "is_public": true,
        "created_at": ts(w.created_at),
        "updated_at": ts(w.created_at),
    })
}

/// A user (agent or admin).
pub fn user(w: &World, index: usize, a: &SimAdmin, base: &str) -> Value {
    let admin = is_admin(w, index);
    let tz = a.time_zone.clone().unwrap_or_else(|| w.timezone.clone());
    json!({
        "id": a.id,
        "url": format!("{base}/api/v2/users/{}.json", a.id),
        "name": a.name,
        "email": a.email,
        "role": if admin { "admin" } else { "agent" },
        "role_type": Value::Null,
        "custom_role_id": Value::Null,
        "default_group_id": a.default_team,
        "active": true,
        "suspended": false,
        "verified": true,
        "shared": false,
        "shared_agent": false,
        "moderator": admin,
        "restricted_agent": false,
        "only_private_comments": false,
        "ticket_restriction": Value::Null,
        "time_zone": tz,
        "iana_time_zone": tz,
        "locale": "en-US",
        "locale_id": 1,
        "tags": [],
        "user_fields": {},
        "created_at": ts(w.created_at),
        "updated_at": ts(w.created_at),
        "last_login_at": ts(w.now),
    })
}

/// A group membership.
pub fn membership(w: &World, team_index: usize, admin_index: usize, base: &str) -> Value {
    let (t, a) = (&w.teams[team_index], &w.admins[admin_index]);
    let id = membership_id(team_index, admin_index);
    json!({
        "id": id,
        "url": format!("{base}/api/v2/group_memberships/{id}.json"),
        "user_id": a.id,
        "group_id": t.id,
        "default": a.default_team == Some(t.id),
        "created_at": ts(w.created_at),
        "updated_at": ts(w.created_at),
    })
}

/// Every membership, by id: (group position, user position).
pub fn memberships(w: &World) -> Vec<(usize, usize)> {
    let index = w.admin_index();
    let mut out: Vec<(usize, usize)> = w
        .teams
        .iter()
        .enumerate()
        .flat_map(|(ti, t)| {
            t.members
                .iter()
                .filter_map(|(id, _)| index.get(id).map(|ai| (ti, *ai)))
                .collect::<Vec<_>>()
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// A ticket status's rank, `new` 0 … `closed` 5.
pub const STATUSES: [&str; 6] = ["new", "open", "pending", "hold", "solved", "closed"];

/// The ticket status of a conversation at `now`.
pub fn status(c: &SimConversation, now: Timestamp) -> &'static str {
    match c.state {
        SimState::Open
            if c.admin == 0
                && c.last_assignment_at.is_none()
                && c.first_admin_reply_at.is_none() =>
        {
            "new"
        }
        SimState::Open => "open",
        SimState::Snoozed if c.id % 4 == 3 => "hold",
        SimState::Snoozed => "pending",
        SimState::Closed if now.duration_since(c.updated_at) <= SOLVED_FOR => "solved",
        SimState::Closed => "closed",
    }
}

/// The rank of a status name.
pub fn status_rank(name: &str) -> Option<usize> {
    STATUSES.iter().position(|s| *s == name)
}

/// A priority index's wire value.
pub fn priority(p: usize) -> Value {
    match p {
        0 => Value::Null,
        1 => "low".into(),
        2 => "normal".into(),
        3 => "high".into(),
        _ => "urgent".into(),
    }
}

/// A ticket; `slas` adds the `slas` sideload.
pub fn ticket(w: &World, c: &SimConversation, base: &str, slas: bool) -> Value {
    let mut t = json!({
        "id": c.id,
        "url": format!("{base}/api/v2/tickets/{}.json", c.id),
        "via": {"channel": "email", "source": {"from": {}, "to": {}, "rel": Value::Null}},
        "created_at": ts(c.created_at),
        "updated_at": ts(c.updated_at),
        "generated_timestamp": c.updated_at.as_second(),
        "type": Value::Null,
        "subject": c.title,
        "raw_subject": c.title,
        "description": c.title,
        "priority": priority(c.priority),
        "status": status(c, w.now),
        "requester_id": REQUESTER_BASE + (c.id % 5_000) as i64,
        "submitter_id": REQUESTER_BASE + (c.id % 5_000) as i64,
        "assignee_id": (c.admin != 0).then_some(c.admin),
        "group_id": (c.team != 0).then_some(c.team),
        "collaborator_ids": [],
        "follower_ids": [],
        "email_cc_ids": [],
        "has_incidents": false,
        "is_public": true,
        "due_at": Value::Null,
        "tags": [],
        "custom_fields": [],
        "sharing_agreement_ids": [],
        "followup_ids": [],
        "brand_id": BRAND_ID,
        "allow_channelback": false,
        "allow_attachments": true,
        "from_messaging_channel": false,
    });
    if slas && let Value::Object(m) = &mut t {
        m.insert("slas".into(), sla_sideload(w, c));
    }
    t
}

/// `{"policy_metrics":[…]}` of a conversation: the running target (`active`, or `paused`
/// with `breach_at: null` while snoozed) or the settled one (`achieved`).
pub fn sla_sideload(w: &World, c: &SimConversation) -> Value {
    let Some(sla) = &c.sla else {
        return json!({"policy_metrics": []});
    };
    let metric = if c.first_admin_reply_at.is_none() {
        "first_reply_time"
    } else {
        "next_reply_time"
    };
    let policy = w.slas.iter().find(|(n, _, _)| *n == sla.name);
    let (stage, breach) = match (c.state, sla.deadline) {
        (SimState::Snoozed, _) => ("paused", None),
        (SimState::Open, Some(d)) => ("active", Some(d)),
        _ => {
            // Settled: the deadline the reply met or missed, from the policy's target.
            let started = if metric == "first_reply_time" {
                Some(c.created_at)
            } else {
                c.last_contact_reply_at
            };
            let target = policy.map(|(_, first, next)| {
                if metric == "first_reply_time" {
                    *first
                } else {
                    *next
                }
            });
            let at = started.zip(target).and_then(|(s, t)| s.checked_add(t).ok());
            ("achieved", at)
        }
    };
    let mut m = serde_json::Map::new();
    m.insert("breach_at".into(), breach.map(ts).into());
    m.insert("stage".into(), stage.into());
    m.insert("metric".into(), metric.into());
    if let Some(b) = breach {
        let (unit, n) = relative(b.duration_since(w.now));
        m.insert(unit.into(), n.into());
    }
    json!({"policy_metrics": [Value::Object(m)]})
}

/// A signed distance as Zendesk's one relative field: minutes under an hour, hours under a
/// day, else days (rounded toward zero).
pub fn relative(d: SignedDuration) -> (&'static str, i64) {
    let secs = d.as_secs();
    match secs.abs() {
        s if s < 3600 => ("minutes", secs / 60),
        s if s < 86_400 => ("hours", secs / 3600),
        _ => ("days", secs / 86_400),
    }
}

/// The SLA policies, one per world policy, filtered on the groups that use it.
pub fn sla_policies(w: &World, base: &str) -> Vec<Value> {
    w.slas
        .iter()
        .enumerate()
        .map(|(n, (name, first, next))| {
            let id = SLA_POLICY_BASE + n as i64;
            let groups: Vec<Value> = w
                .teams
                .iter()
                .filter(|t| t.sla.as_deref() == Some(name.as_str()))
                .map(|t| json!({"field": "group_id", "operator": "is", "value": t.id.to_string()}))
                .collect();
            let metrics: Vec<Value> = ["low", "normal", "high", "urgent"]
                .iter()
                .flat_map(|p| {
                    [("first_reply_time", first), ("next_reply_time", next)].map(|(metric, d)| {
                        json!({
                            "priority": p,
                            "metric": metric,
                            "target": d.as_secs() / 60,
                            "target_in_seconds": d.as_secs(),
                            "business_hours": false,
                        })
                    })
                })
                .collect();
            json!({
                "id": id,
                "url": format!("{base}/api/v2/slas/policies/{id}.json"),
                "title": name,
                "description": format!("{name} targets"),
                "position": n + 1,
                "filter": {"all": [], "any": groups},
                "policy_metrics": metrics,
                "created_at": ts(w.created_at),
                "updated_at": ts(w.created_at),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_units_are_signed_and_one_of_three() {
        assert_eq!(relative(SignedDuration::from_mins(59)), ("minutes", 59));
        assert_eq!(relative(SignedDuration::from_mins(-5)), ("minutes", -5));
        assert_eq!(relative(SignedDuration::from_hours(21)), ("hours", 21));
        assert_eq!(
            relative(SignedDuration::from_hours(-24 * 141)),
            ("days", -141)
        );
    }
}
