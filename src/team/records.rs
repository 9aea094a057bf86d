//! What the values in the buckets hold (JSON). Objects are the domain's own types, one key
//! each; these are the records around them.

use crate::domain::{AwayReason, Capabilities, Workspace};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Meta keys.
pub const WORKSPACE: &str = "workspace";
/// Meta key of the capabilities.
pub const CAPABILITIES: &str = "capabilities";
/// Meta key of the last poll's snapshot record.
pub const SNAPSHOT: &str = "snapshot";
/// Meta key of the heartbeat.
pub const HEARTBEAT: &str = "heartbeat";
/// Lease key of the relay leadership.
pub const RELAY_LEASE: &str = "relay";

/// Key prefixes in the object buckets.
pub const CONV: &str = "c.";
/// Teammates.
pub const MATE: &str = "a.";
/// Inboxes.
pub const INBOX: &str = "t.";

/// `meta.workspace`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceRecord {
    /// The workspace.
    pub workspace: Workspace,
    /// Away reasons offered.
    pub away_reasons: Vec<AwayReason>,
}

/// `meta.snapshot`: what the last successful poll said besides objects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotRecord {
    /// When the poll finished (relay clock).
    pub taken_at: Timestamp,
    /// The poll's warnings.
    pub warnings: Vec<String>,
}

/// `meta.capabilities`.
pub type CapabilitiesRecord = Capabilities;

/// `meta.heartbeat`, written by the leader at every lease renewal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Heartbeat {
    /// The leading relay.
    pub relay: String,
    /// The revision of its lease (fencing: a lower one is an old leader).
    pub lease_rev: u64,
    /// When written (relay clock).
    pub at: Timestamp,
    /// When the last poll succeeded.
    pub polled_at: Option<Timestamp>,
    /// Why the last poll failed, when it did.
    pub poll_error: Option<String>,
    /// Polls made while leading.
    pub polls: u64,
    /// API budget as the helpdesk last reported it.
    pub api_remaining: Option<u32>,
    /// Requests per window.
    pub api_limit: Option<u32>,
    /// Whether this leader took over from the published state (no full re-read).
    #[serde(default)]
    pub resumed: bool,
}

/// `leases.relay` and the rebalance leases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lease {
    /// Who holds it (relay id, or lead).
    pub holder: String,
    /// Since when.
    pub since: Timestamp,
}
