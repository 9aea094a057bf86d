//! Helpdesk backends behind one vendor-neutral trait.
//!
//! A backend reads a whole [`Snapshot`] and performs the writes a shift lead needs. Each vendor
//! lives in its own folder (`intercom/`); the embedded demo is the Intercom client pointed at
//! the in-process simulator.

pub mod intercom;

pub use crate::domain::actions::{AssignTarget, AwayChange};
use crate::domain::{
    Capabilities, Conversation, ConversationId, Inbox, InboxId, Member, Snapshot, Teammate,
    TeammateId,
};
use async_trait::async_trait;
use jiff::Timestamp;
use std::time::Duration;

/// A failure talking to a backend. Never carries the token.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The backend answered with an error status.
    #[error("HTTP {status}{}: {message}", code.as_deref().map(|c| format!(" {c}")).unwrap_or_default())]
    Api {
        /// HTTP status.
        status: u16,
        /// The vendor's error code, e.g. `admin_not_found`.
        code: Option<String>,
        /// The vendor's message, or the status text.
        message: String,
    },
    /// The request could not be sent or its answer not received (DNS, connect, reset, timeout).
    #[error("network: {0}")]
    Network(String),
    /// The request timed out; a write may or may not have applied.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The answer was not the JSON we expected.
    #[error("bad response from {endpoint}: {detail}")]
    Decode {
        /// Which endpoint.
        endpoint: String,
        /// What was wrong.
        detail: String,
    },
    /// Rate limited and the wait until reset is longer than the caller allows.
    #[error("rate limited until {reset}")]
    RateLimited {
        /// When the window resets.
        reset: Timestamp,
    },
    /// The backend cannot do this at all (capability off); the reason says why.
    #[error("not supported: {0}")]
    Unsupported(String),
    /// Bad settings (base URL, token).
    #[error("configuration: {0}")]
    Config(String),
}

impl BackendError {
    /// The HTTP status, when the backend answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            BackendError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The vendor's error code, when it gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            BackendError::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

/// The rate-limit budget as last reported by the backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Budget {
    /// Requests allowed per window.
    pub limit: Option<u32>,
    /// Requests left in this window.
    pub remaining: Option<u32>,
    /// When the window resets.
    pub reset: Option<Timestamp>,
}

/// A helpdesk the dashboard can read and steer.
#[async_trait]
pub trait Helpdesk: Send + Sync {
    /// What this backend can read and write.
    fn capabilities(&self) -> Capabilities;

    /// The rate-limit budget last reported.
    fn budget(&self) -> Budget;

    /// Reads everything the dashboard shows: workspace, inboxes, teammates, away reasons and
    /// all open and snoozed conversations. Caps and SLA estimates are left for
    /// [`crate::domain::Policy::apply`].
    async fn snapshot(&self) -> Result<Snapshot, BackendError>;

    /// Re-reads one conversation.
    async fn conversation(&self, id: &ConversationId) -> Result<Conversation, BackendError>;

    /// Re-reads one teammate.
    async fn teammate(&self, id: &TeammateId) -> Result<Teammate, BackendError>;

    /// Re-reads one inbox.
    async fn inbox(&self, id: &InboxId) -> Result<Inbox, BackendError>;

    /// Assigns (or unassigns) a conversation; returns the conversation as the backend now has it.
    async fn assign(
        &self,
        id: &ConversationId,
        target: &AssignTarget,
    ) -> Result<Conversation, BackendError>;

    /// Sets a teammate away or back; returns the teammate as the backend now has it.
    async fn set_away(
        &self,
        id: &TeammateId,
        change: &AwayChange,
    ) -> Result<Teammate, BackendError>;

    /// Replaces an inbox's members (and their levels); returns the inbox as it now is.
    async fn set_members(&self, id: &InboxId, members: &[Member]) -> Result<Inbox, BackendError>;
}
