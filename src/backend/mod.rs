//! Helpdesk backends behind one vendor-neutral trait.
//!
//! A backend reads a whole [`Snapshot`] and performs the writes a shift lead needs, in the
//! vendor-neutral vocabulary of [`crate::domain`]. What every vendor shares lives here (the
//! HTTP [`transport`], the held-model [`cache`]); each vendor is a folder that owns its wire
//! types, config section, capabilities and error classification. This file is the registry:
//! the only place outside the vendor folders that names them.

pub mod cache;
pub mod intercom;
pub mod transport;

pub use crate::domain::actions::{AssignTarget, MemberChange, PresenceChange};
use crate::domain::{
    Capabilities, Conversation, ConversationId, Inbox, InboxId, Snapshot, Teammate, TeammateId,
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
    /// A write job ended without completing; what it changed is for a re-read to tell.
    #[error("the write job failed: {0}")]
    JobFailed(String),
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

/// A backend job that finishes a write later (e.g. a bulk update answered with a job id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobId(pub String);

/// What a backend said when it accepted a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ack {
    /// Done; a re-read shows the result.
    Done,
    /// Accepted as a job; poll [`Helpdesk::job`] until it ends, then re-read.
    Job(JobId),
}

/// Where a backend job stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobStatus {
    /// Queued or running.
    Running,
    /// Finished; the write may be read back.
    Completed,
    /// Finished without applying (the backend's reason).
    Failed(String),
}

/// Whether a failed write may have applied anyway: the executor re-reads after the former and
/// reports "not applied" straight away after the latter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailedWrite {
    /// Nothing happened (validation error, permission, not found, rate limited).
    NotApplied,
    /// It may have landed, in whole or in part (timeout, lost answer, server error, a
    /// vendor's partial-application status).
    MayHaveApplied,
}

/// What `check` learned about one capability by asking the backend (never by writing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// What was probed, e.g. "membership writes".
    pub what: String,
    /// `true` when it looks available.
    pub ok: bool,
    /// What was found out, in words.
    pub detail: String,
}

/// The classification every vendor starts from: lost or garbled answers and 5xx may have
/// applied; every other answer means nothing happened.
pub fn classify_common(e: &BackendError) -> FailedWrite {
    let ambiguous = matches!(
        e,
        BackendError::Timeout(_)
            | BackendError::Network(_)
            | BackendError::Decode { .. }
            | BackendError::JobFailed(_)
    ) || e.status().is_some_and(|s| s >= 500);
    if ambiguous {
        FailedWrite::MayHaveApplied
    } else {
        FailedWrite::NotApplied
    }
}

/// A helpdesk the dashboard can read and steer.
#[async_trait]
pub trait Helpdesk: Send + Sync {
    /// What this backend can read and write.
    fn capabilities(&self) -> Capabilities;

    /// The rate-limit budget last reported.
    fn budget(&self) -> Budget;

    /// Reads everything the dashboard shows: workspace, inboxes, teammates, away reasons and
    /// every conversation not yet done. Caps and SLA estimates are left for
    /// [`crate::domain::Policy::apply`].
    async fn snapshot(&self) -> Result<Snapshot, BackendError>;

    /// Re-reads one conversation.
    async fn conversation(&self, id: &ConversationId) -> Result<Conversation, BackendError>;

    /// Re-reads one teammate.
    async fn teammate(&self, id: &TeammateId) -> Result<Teammate, BackendError>;

    /// Re-reads one inbox.
    async fn inbox(&self, id: &InboxId) -> Result<Inbox, BackendError>;

    /// Assigns (or unassigns) a conversation.
    async fn assign(&self, id: &ConversationId, target: &AssignTarget)
    -> Result<Ack, BackendError>;

    /// Sets a teammate's presence.
    async fn set_presence(
        &self,
        id: &TeammateId,
        change: &PresenceChange,
    ) -> Result<Ack, BackendError>;

    /// Changes one teammate's membership of one inbox. A backend whose API replaces the
    /// whole member list reads it fresh and changes only this teammate.
    async fn change_membership(
        &self,
        inbox: &InboxId,
        teammate: &TeammateId,
        change: MemberChange,
    ) -> Result<Ack, BackendError>;

    /// Where a write job stands; only backends that answer writes with jobs have any.
    async fn job(&self, id: &JobId) -> Result<JobStatus, BackendError> {
        Err(BackendError::Unsupported(format!(
            "this backend has no write jobs (asked for {})",
            id.0
        )))
    }

    /// Whether a failed write may have applied (see [`FailedWrite`]).
    fn classify(&self, error: &BackendError) -> FailedWrite {
        classify_common(error)
    }

    /// Learns, without writing, what this workspace allows beyond the static capabilities
    /// (for `shiftlead check`).
    async fn probe(&self) -> Vec<Probe> {
        Vec::new()
    }
}
