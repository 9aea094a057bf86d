//! Zendesk's event webhooks from the simulated world: `zen:event-type:ticket.created`,
//! `….agent_assignment_changed`, `….group_assignment_changed`, `….status_changed`,
//! `….priority_changed`, `….comment_added` and `zen:event-type:agent.state_changed`, signed
//! with `X-Zendesk-Webhook-Signature` = base64(HMAC-SHA256(secret, timestamp + body)) and
//! `X-Zendesk-Webhook-Signature-Timestamp`, with an `X-Zendesk-Webhook-Invocation-Id`.

use super::projection;
use crate::backend::zendesk::webhook::{INVOCATION, SIGNATURE, TIMESTAMP, signature};
use crate::sim::webhooks::{Change, Delivery, Outgoing};
use crate::sim::world::{SimConversation, World};
use serde_json::{Value, json};

fn id_or_null(id: i64) -> Value {
    if id == 0 {
        Value::Null
    } else {
        json!(id.to_string())
    }
}

/// The ticket as an event's `detail` carries it.
fn detail(w: &World, c: &SimConversation) -> Value {
    json!({
        "id": c.id.to_string(),
        "subject": c.title,
        "status": projection::status(c, w.now).to_ascii_uppercase(),
        "priority": projection::priority(c.priority),
        "group_id": id_or_null(c.team),
        "assignee_id": id_or_null(c.admin),
        "created_at": projection::ts(c.created_at),
        "updated_at": projection::ts(c.updated_at),
        "type": null,
        "via": {"channel": "web_service"},
    })
}

/// The signed event of `change`.
pub fn shape(w: &World, change: &Change, out: &Outgoing<'_>) -> Option<Delivery> {
    let (kind, subject, detail, event) = match *change {
        Change::Away(admin) => {
            let a = w.admins.iter().find(|a| a.id == admin)?;
            (
                "agent.state_changed",
                format!("zen:agent:{admin}"),
                json!({"account_id": 1, "agent_id": admin.to_string(), "version": 1}),
                json!({"current": if a.away { "away" } else { "online" }}),
            )
        }
        Change::Created(id)
        | Change::Assigned { id, .. }
        | Change::Moved { id, .. }
        | Change::State { id, .. }
        | Change::Priority { id, .. }
        | Change::Replied { id, .. } => {
            let c = w.conversations.get(&id)?;
            let (kind, event) = match *change {
                Change::Created(_) => ("ticket.created", json!({"meta": {}})),
                Change::Assigned { previous, .. } => (
                    "ticket.agent_assignment_changed",
                    json!({"current": id_or_null(c.admin), "previous": id_or_null(previous)}),
                ),
                Change::Moved { previous, .. } => (
                    "ticket.group_assignment_changed",
                    json!({"current": id_or_null(c.team), "previous": id_or_null(previous)}),
                ),
                Change::State { .. } => (
                    "ticket.status_changed",
                    json!({"current": projection::status(c, w.now).to_ascii_uppercase()}),
                ),
                Change::Priority { .. } => (
                    "ticket.priority_changed",
                    json!({"current": projection::priority(c.priority)}),
                ),
                _ => (
                    "ticket.comment_added",
                    json!({"comment": {"is_public": true}}),
                ),
            };
            (kind, format!("zen:ticket:{id}"), detail(w, c), event)
        }
    };
    let time = projection::ts(out.now);
    let body = json!({
        "type": format!("zen:event-type:{kind}"),
        "account_id": 1,
        "id": out.id,
        "time": time,
        "zendesk_event_version": "2022-06-20",
        "subject": subject,
        "detail": detail,
        "event": event,
    });
    let body = serde_json::to_vec(&body).ok()?;
    Some(Delivery {
        headers: vec![
            (SIGNATURE, signature(out.secret, &time, &body)),
            (TIMESTAMP, time),
            (INVOCATION, format!("inv-{}", out.id)),
            ("user-agent", "Zendesk Webhook (shiftlead simulator)".into()),
        ],
        body,
    })
}
