//! Why a request is refused, in vendor-neutral terms: a write's validation error, and the
//! answers the shared plumbing gives on its own. Each projection words them in its error body.

/// A refused request: HTTP status, the vendor's error code, and a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// The vendor's machine-readable error code.
    pub code: &'static str,
    /// The human-readable message.
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
}

/// An answer the shared plumbing gives before (or instead of) the vendor's handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Missing or wrong credentials (401).
    Unauthorized,
    /// The window's request budget is spent (429).
    OverBudget {
        /// Requests allowed per window.
        limit: u32,
        /// Window length in seconds.
        window_secs: i64,
        /// Seconds until the window resets.
        retry_after: i64,
    },
    /// An injected 429 (a storm).
    Throttled,
    /// An injected server error with this status.
    ServerError(u16),
    /// An injected 502 after a write was applied (the answer is lost).
    BadGateway,
    /// No such route (404).
    NotFound,
}
