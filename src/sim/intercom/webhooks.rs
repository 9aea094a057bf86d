//! Intercom's webhooks from the simulated world: a `notification_event` per change
//! (`conversation.admin.assigned`, `….closed`, `conversation.user.created`,
//! `admin.away_mode_updated`…) with the object in `data.item`, signed with `X-Hub-Signature:
//! sha1=<hex HMAC-SHA1(client_secret, body)>`.

use super::projection;
use crate::backend::intercom::webhook::SIGNATURE;
use crate::backend::webhook::{Mac, hex, sign};
use crate::sim::webhooks::{Change, Delivery, Outgoing};
use crate::sim::world::{SimState, World};
use serde_json::{Value, json};

/// The topic Intercom sends for `change`.
pub fn topic(w: &World, change: &Change) -> &'static str {
    match *change {
        Change::Created(_) => "conversation.user.created",
        Change::Assigned { .. } | Change::Moved { .. } => "conversation.admin.assigned",
        Change::State { id, previous } => {
            let now = w.conversations.get(&id).map(|c| c.state);
            match (previous, now) {
                (_, Some(SimState::Closed)) => "conversation.admin.closed",
                (_, Some(SimState::Snoozed)) => "conversation.admin.snoozed",
                (SimState::Snoozed, _) => "conversation.admin.unsnoozed",
                _ => "conversation.admin.opened",
            }
        }
        Change::Priority { .. } => "conversation.priority.updated",
        Change::Replied {
            by_teammate: true, ..
        } => "conversation.admin.replied",
        Change::Replied { .. } => "conversation.user.replied",
        Change::Away(_) => "admin.away_mode_updated",
    }
}

/// The signed notification of `change`.
pub fn shape(w: &World, change: &Change, out: &Outgoing<'_>) -> Option<Delivery> {
    let item: Value = match *change {
        Change::Away(admin) => {
            let a = w.admins.iter().find(|a| a.id == admin)?;
            serde_json::to_value(projection::admin(w, a)).ok()?
        }
        Change::Created(id)
        | Change::Assigned { id, .. }
        | Change::Moved { id, .. }
        | Change::State { id, .. }
        | Change::Priority { id, .. }
        | Change::Replied { id, .. } => {
            serde_json::to_value(projection::conversation(w.conversations.get(&id)?)).ok()?
        }
    };
    let at = out.now.as_second();
    let body = json!({
        "type": "notification_event",
        "app_id": "sim",
        "data": {"type": "notification_event_data", "item": item},
        "links": {},
        "id": format!("notif_{}", out.id),
        "topic": topic(w, change),
        "delivery_status": "pending",
        "delivery_attempts": 1,
        "delivered_at": 0,
        "first_sent_at": at,
        "created_at": at,
        "self": null,
    });
    let body = serde_json::to_vec(&body).ok()?;
    let signature = format!("sha1={}", hex(&sign(Mac::Sha1, out.secret, &body)));
    Some(Delivery {
        headers: vec![
            (SIGNATURE, signature),
            (
                "user-agent",
                "Intercom-Webhooks/1.0 (shiftlead simulator)".into(),
            ),
        ],
        body,
    })
}
