//! Intercom's webhooks: a notification (`{"type":"notification_event","id":"notif_…",
//! "topic":"conversation.admin.assigned","created_at":…,"data":{"item":{…}}}`) signed with
//! `X-Hub-Signature: sha1=<hex HMAC-SHA1(client_secret, raw body)>`. Intercom sends no
//! timestamp header, so the replay window is on the signed body's `created_at`; the
//! notification id is the delivery id.

use crate::backend::webhook::{self, Hook, Mac, WebhookError, WebhookFormat};
use crate::domain::{ConversationId, TeammateId};
use axum::http::HeaderMap;
use jiff::Timestamp;
use serde::Deserialize;
use std::time::Duration;

/// The signature header.
pub const SIGNATURE: &str = "x-hub-signature";

/// Intercom's deliveries.
pub static FORMAT: WebhookFormat = WebhookFormat {
    signed_with: "X-Hub-Signature: sha1=<hex HMAC-SHA1(secret, body)>; replay window on the body's created_at; dedupe on the notification id",
    verify,
};

#[derive(Deserialize)]
struct Notification {
    #[serde(rename = "type")]
    kind: String,
    id: String,
    topic: String,
    created_at: i64,
    #[serde(default)]
    data: Option<Data>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(default)]
    item: Option<Item>,
}

#[derive(Deserialize)]
struct Item {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(
        default,
        deserialize_with = "crate::backend::intercom::wire::lenient::id"
    )]
    id: String,
}

/// The body's `X-Hub-Signature`, verified; then the notification read.
pub fn verify(
    headers: &HeaderMap,
    body: &[u8],
    secret: &[u8],
    now: Timestamp,
    window: Duration,
) -> Result<Hook, WebhookError> {
    let sig = webhook::header(headers, SIGNATURE)?;
    let tag = sig
        .strip_prefix("sha1=")
        .and_then(webhook::unhex)
        .ok_or(WebhookError::Forged)?;
    if !webhook::verify_mac(Mac::Sha1, secret, body, &tag) {
        return Err(WebhookError::Forged);
    }
    let n: Notification =
        serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(e.to_string()))?;
    if n.kind != "notification_event" || n.id.is_empty() {
        return Err(WebhookError::Malformed(format!(
            "type {:?}, id {:?}",
            n.kind, n.id
        )));
    }
    let sent = Timestamp::from_second(n.created_at)
        .map_err(|e| WebhookError::Malformed(format!("created_at: {e}")))?;
    webhook::within(sent, now, window)?;
    let item = n.data.and_then(|d| d.item);
    let (mut conversations, mut teammates) = (Vec::new(), Vec::new());
    if let Some(Item { kind, id }) = item.filter(|i| !i.id.is_empty()) {
        match kind.as_str() {
            "conversation" => conversations.push(ConversationId::from(id)),
            "admin" => teammates.push(TeammateId::from(id)),
            _ => {}
        }
    }
    Ok(Hook {
        delivery: n.id,
        topic: n.topic,
        sent_at: sent,
        conversations,
        teammates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(body: &str, secret: &[u8]) -> HeaderMap {
        let mut h = HeaderMap::new();
        let sig = format!(
            "sha1={}",
            webhook::hex(&webhook::sign(Mac::Sha1, secret, body.as_bytes()))
        );
        h.insert(SIGNATURE, sig.parse().unwrap());
        h
    }

    #[test]
    fn a_signed_notification_names_its_conversation_and_a_forged_one_is_refused() {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let w = Duration::from_secs(300);
        let body = r#"{"type":"notification_event","id":"notif_1","topic":"conversation.admin.assigned","created_at":1800000000,"data":{"type":"notification_event_data","item":{"type":"conversation","id":"215"}}}"#;
        let hook = verify(&signed(body, b"s3"), body.as_bytes(), b"s3", now, w).unwrap();
        assert_eq!(hook.delivery, "notif_1");
        assert_eq!(hook.conversations, vec![ConversationId("215".into())]);
        assert_eq!(
            verify(&signed(body, b"other"), body.as_bytes(), b"s3", now, w),
            Err(WebhookError::Forged)
        );
        assert_eq!(
            verify(&HeaderMap::new(), body.as_bytes(), b"s3", now, w),
            Err(WebhookError::Unsigned(SIGNATURE))
        );
        let later = Timestamp::from_second(1_800_000_000 + 301).unwrap();
        assert!(matches!(
            verify(&signed(body, b"s3"), body.as_bytes(), b"s3", later, w),
            Err(WebhookError::Stale { .. })
        ));
        let admin = r#"{"type":"notification_event","id":"notif_2","topic":"admin.away_mode_updated","created_at":1800000000,"data":{"item":{"type":"admin","id":"991"}}}"#;
        let hook = verify(&signed(admin, b"s3"), admin.as_bytes(), b"s3", now, w).unwrap();
        assert_eq!(hook.teammates, vec![TeammateId("991".into())]);
    }
}
