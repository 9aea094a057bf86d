//! Zendesk's webhooks: an event (`{"type":"zen:event-type:ticket.agent_assignment_changed",
//! "id":"<uuid>","time":…,"subject":"zen:ticket:123","detail":{…},"event":{…}}`) or a
//! trigger's own JSON naming `ticket_id`, signed with `X-Zendesk-Webhook-Signature` =
//! base64(HMAC-SHA256(signing secret, timestamp + raw body)) and
//! `X-Zendesk-Webhook-Signature-Timestamp` (the replay window is on it). The delivery id is
//! `X-Zendesk-Webhook-Invocation-Id`, else the event's `id`.

use crate::backend::webhook::{self, Hook, Mac, WebhookError, WebhookFormat};
use crate::domain::{ConversationId, TeammateId};
use axum::http::HeaderMap;
use base64::Engine as _;
use jiff::Timestamp;
use serde_json::Value;
use std::time::Duration;

/// The signature header.
pub const SIGNATURE: &str = "x-zendesk-webhook-signature";
/// The timestamp header (signed together with the body).
pub const TIMESTAMP: &str = "x-zendesk-webhook-signature-timestamp";
/// The invocation id (the same on a retry).
pub const INVOCATION: &str = "x-zendesk-webhook-invocation-id";

/// Zendesk's deliveries.
pub static FORMAT: WebhookFormat = WebhookFormat {
    signed_with: "X-Zendesk-Webhook-Signature: base64(HMAC-SHA256(secret, timestamp + body)), X-Zendesk-Webhook-Signature-Timestamp (replay window), X-Zendesk-Webhook-Invocation-Id (dedupe)",
    verify,
};

/// The signature of `body` sent at `timestamp` (as the header carries it).
pub fn signature(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    let mut message = timestamp.as_bytes().to_vec();
    message.extend_from_slice(body);
    base64::engine::general_purpose::STANDARD.encode(webhook::sign(Mac::Sha256, secret, &message))
}

/// The signature verified over timestamp + body, the timestamp within the window, then the
/// event read.
pub fn verify(
    headers: &HeaderMap,
    body: &[u8],
    secret: &[u8],
    now: Timestamp,
    window: Duration,
) -> Result<Hook, WebhookError> {
    let sig = webhook::header(headers, SIGNATURE)?;
    let stamp = webhook::header(headers, TIMESTAMP)?;
    let tag = base64::engine::general_purpose::STANDARD
        .decode(sig)
        .map_err(|_| WebhookError::Forged)?;
    let mut message = stamp.as_bytes().to_vec();
    message.extend_from_slice(body);
    if !webhook::verify_mac(Mac::Sha256, secret, &message, &tag) {
        return Err(WebhookError::Forged);
    }
    // Signed: the timestamp is the sender's, so it bounds replays.
    let sent: Timestamp = stamp
        .parse()
        .map_err(|e| WebhookError::Malformed(format!("timestamp {stamp:?}: {e}")))?;
    webhook::within(sent, now, window)?;
    let v: Value =
        serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(e.to_string()))?;
    let text = |v: &Value| match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let delivery = webhook::header(headers, INVOCATION)
        .ok()
        .map(str::to_owned)
        .or_else(|| text(&v["id"]))
        .ok_or_else(|| WebhookError::Malformed("no invocation id and no event id".into()))?;
    let topic = text(&v["type"]).unwrap_or_else(|| "trigger".into());
    let (mut conversations, mut teammates) = (Vec::new(), Vec::new());
    let subject = text(&v["subject"]).unwrap_or_default();
    if let Some(id) = subject.strip_prefix("zen:ticket:") {
        conversations.push(ConversationId::from(id.to_owned()));
    } else if let Some(id) = subject
        .strip_prefix("zen:agent:")
        .or_else(|| subject.strip_prefix("zen:user:"))
    {
        teammates.push(TeammateId::from(id.to_owned()));
    } else if let Some(id) = text(&v["detail"]["agent_id"]) {
        teammates.push(TeammateId::from(id));
    } else if let Some(id) = text(&v["ticket_id"]).or_else(|| text(&v["ticket"]["id"])) {
        // A trigger's own JSON, e.g. {"ticket_id": "{{ticket.id}}"}.
        conversations.push(ConversationId::from(id));
    }
    Ok(Hook {
        delivery,
        topic,
        sent_at: sent,
        conversations,
        teammates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(body: &str, secret: &[u8], stamp: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            SIGNATURE,
            signature(secret, stamp, body.as_bytes()).parse().unwrap(),
        );
        h.insert(TIMESTAMP, stamp.parse().unwrap());
        h.insert(INVOCATION, "inv-1".parse().unwrap());
        h
    }

    #[test]
    fn signed_over_timestamp_and_body_within_the_window() {
        let now: Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
        let w = Duration::from_secs(300);
        let body = r#"{"type":"zen:event-type:ticket.agent_assignment_changed","id":"e1","subject":"zen:ticket:42","detail":{"id":"42"}}"#;
        let h = signed(body, b"k", "2026-12-01T09:59:00Z");
        let hook = verify(&h, body.as_bytes(), b"k", now, w).unwrap();
        assert_eq!(hook.delivery, "inv-1");
        assert_eq!(hook.conversations, vec![ConversationId("42".into())]);
        // The timestamp is signed: moving it breaks the signature.
        let mut moved = h.clone();
        moved.insert(TIMESTAMP, "2026-12-01T09:59:59Z".parse().unwrap());
        assert_eq!(
            verify(&moved, body.as_bytes(), b"k", now, w),
            Err(WebhookError::Forged)
        );
        assert_eq!(
            verify(&h, body.as_bytes(), b"x", now, w),
            Err(WebhookError::Forged)
        );
        let old = signed(body, b"k", "2026-12-01T09:50:00Z");
        assert!(matches!(
            verify(&old, body.as_bytes(), b"k", now, w),
            Err(WebhookError::Stale { .. })
        ));
        let agent = r#"{"type":"zen:event-type:agent.state_changed","id":"e2","subject":"zen:agent:7","detail":{"agent_id":"7"}}"#;
        let hook = verify(
            &signed(agent, b"k", "2026-12-01T10:00:00Z"),
            agent.as_bytes(),
            b"k",
            now,
            w,
        )
        .unwrap();
        assert_eq!(hook.teammates, vec![TeammateId("7".into())]);
    }
}
