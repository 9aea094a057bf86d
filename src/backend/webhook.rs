//! A helpdesk's webhooks, vendor-neutral: what a verified delivery says ([`Hook`]: its
//! delivery id and the objects it names), why one is refused ([`WebhookError`]), and each
//! vendor's way of verifying and reading its deliveries ([`WebhookFormat`], found through the
//! registry: `Vendor::webhooks`). The signature is checked over the raw body before anything
//! is parsed, with a constant-time comparison.

use crate::domain::{ConversationId, TeammateId};
use axum::http::HeaderMap;
use jiff::Timestamp;
use std::time::Duration;

/// A verified delivery: who sent it once (its delivery id) and what it names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Hook {
    /// The vendor's delivery id (the same on a retry): a second delivery with it is a replay.
    pub delivery: String,
    /// The vendor's topic or event type.
    pub topic: String,
    /// When the vendor says it sent it.
    pub sent_at: Timestamp,
    /// Conversations it says changed.
    pub conversations: Vec<ConversationId>,
    /// Teammates it says changed.
    pub teammates: Vec<TeammateId>,
}

/// Why a delivery is refused. Never carries the secret or the signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// A header the vendor always sends is missing.
    #[error("missing header {0}")]
    Unsigned(&'static str),
    /// The signature does not match the body (or is not in the vendor's format).
    #[error("the signature does not match")]
    Forged,
    /// Signed, but too old or too far in the future: outside the replay window.
    #[error("sent {age_secs}s from now, outside the ±{window_secs}s window")]
    Stale {
        /// Seconds between the delivery's time and now (signed: negative is future).
        age_secs: i64,
        /// The window.
        window_secs: u64,
    },
    /// Signed correctly but not a delivery we can read.
    #[error("not a webhook delivery: {0}")]
    Malformed(String),
}

impl WebhookError {
    /// The HTTP status the receiver answers: 401 for what fails authentication (a missing,
    /// wrong or stale signature), 400 for a signed body we cannot read.
    pub fn status(&self) -> u16 {
        match self {
            WebhookError::Malformed(_) => 400,
            _ => 401,
        }
    }
}

/// A vendor's verifier: `body` under `secret` at `now` within `window`, then read.
pub type Verify = fn(
    headers: &HeaderMap,
    body: &[u8],
    secret: &[u8],
    now: Timestamp,
    window: Duration,
) -> Result<Hook, WebhookError>;

/// How one vendor signs and shapes its deliveries.
pub struct WebhookFormat {
    /// The headers it sends, for the README and `check` ("X-Foo: sha256=…").
    pub signed_with: &'static str,
    /// Verifies a delivery, then reads it.
    pub verify: Verify,
}

/// The HMAC algorithms vendors sign with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mac {
    /// HMAC-SHA1 (legacy, still what some vendors send).
    Sha1,
    /// HMAC-SHA256.
    Sha256,
}

impl Mac {
    fn algorithm(self) -> ring::hmac::Algorithm {
        match self {
            Mac::Sha1 => ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Mac::Sha256 => ring::hmac::HMAC_SHA256,
        }
    }
}

/// The HMAC of `message` under `key` (for senders: the simulator signs with it).
pub fn sign(mac: Mac, key: &[u8], message: &[u8]) -> Vec<u8> {
    let key = ring::hmac::Key::new(mac.algorithm(), key);
    ring::hmac::sign(&key, message).as_ref().to_vec()
}

/// `true` when `tag` is the HMAC of `message` under `key`; compared in constant time.
pub fn verify_mac(mac: Mac, key: &[u8], message: &[u8], tag: &[u8]) -> bool {
    let key = ring::hmac::Key::new(mac.algorithm(), key);
    ring::hmac::verify(&key, message, tag).is_ok()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes of a hex string (either case); `None` when it is not hex.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|p| u8::from_str_radix(p, 16).ok()))
        .collect()
}

/// A header's value as text.
pub fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, WebhookError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(WebhookError::Unsigned(name))
}

/// Refuses a delivery sent further than `window` from `now` either way.
pub fn within(sent: Timestamp, now: Timestamp, window: Duration) -> Result<(), WebhookError> {
    let age = now.duration_since(sent).as_secs();
    if age.unsigned_abs() > window.as_secs() {
        Err(WebhookError::Stale {
            age_secs: age,
            window_secs: window.as_secs(),
        })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_verify_and_hex_round_trips() {
        // RFC 2202 test case 2 (HMAC-SHA1) and RFC 4231 test case 2 (HMAC-SHA256).
        let sha1 = sign(Mac::Sha1, b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex(&sha1), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
        let sha256 = sign(Mac::Sha256, b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex(&sha256),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(verify_mac(
            Mac::Sha1,
            b"Jefe",
            b"what do ya want for nothing?",
            &sha1
        ));
        assert!(!verify_mac(
            Mac::Sha1,
            b"jefe",
            b"what do ya want for nothing?",
            &sha1
        ));
        assert_eq!(unhex(&hex(&sha1)).unwrap(), sha1);
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex("abc"), None);
    }

    #[test]
    fn the_window_holds_both_ways() {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let w = Duration::from_secs(300);
        assert!(within(now, now, w).is_ok());
        let old = Timestamp::from_second(1_800_000_000 - 301).unwrap();
        let future = Timestamp::from_second(1_800_000_000 + 301).unwrap();
        assert!(matches!(
            within(old, now, w),
            Err(WebhookError::Stale { age_secs: 301, .. })
        ));
        assert!(within(future, now, w).is_err());
    }
}
