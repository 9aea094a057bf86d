//! What a backend can read exactly, only estimate, or not at all, and which writes it offers.
//!
//! The UI greys out what a backend cannot do and shows the reason held here.

use super::model::PresenceStatus;
use serde::{Deserialize, Serialize};

/// How well a backend supports one read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "level", content = "note", rename_all = "snake_case")]
pub enum Read {
    /// Read from the backend as is.
    Exact,
    /// Computed locally from other data; the note says from what.
    Estimated(String),
    /// Not available; the note says why.
    Unavailable(String),
}

/// Whether a backend offers one write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", content = "reason", rename_all = "snake_case")]
pub enum Write {
    /// The write can be attempted.
    Available,
    /// The write cannot be done; the reason says why (plan, API version, read-only mode…).
    Unavailable(String),
}

impl Write {
    /// `true` when the write can be attempted.
    pub fn is_available(&self) -> bool {
        matches!(self, Write::Available)
    }
}

/// The capability map of one backend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// Inboxes and their members.
    pub inboxes: Read,
    /// Primary / secondary membership levels.
    pub member_levels: Read,
    /// Open assigned conversations per teammate.
    pub load: Read,
    /// Per-teammate assignment caps.
    pub caps: Read,
    /// SLA breach times.
    pub sla_deadlines: Read,
    /// Away mode and reason.
    pub away: Read,
    /// When a teammate went away.
    pub away_since: Read,
    /// Reassigning conversations to a teammate or inbox.
    pub assign: Write,
    /// Setting a teammate away or back.
    pub set_away: Write,
    /// Adding or removing inbox members and changing their level.
    pub membership: Write,
    /// Making an inbox a teammate's default.
    pub default_inbox: Write,
    /// The presence statuses a teammate can be set to (empty: none).
    pub presence: Vec<PresenceStatus>,
    /// When removing a teammate from an inbox also unassigns their working conversations
    /// there, how the backend does it (the confirmation then lists those conversations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removal_unassigns: Option<String>,
    /// Most conversations one bulk reassignment call takes (`None`: one call per
    /// conversation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assign_batch: Option<usize>,
    /// A conversation's teammate must be a member of its inbox: assigning it to a
    /// non-member takes it into the teammate's default inbox, and moving it to an inbox its
    /// teammate is not in unassigns them (planned so, see [`crate::domain::actions::plan_assign_in`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub assignee_in_inbox: bool,
}

impl Capabilities {
    /// Turns every write off with the same reason (read-only mode).
    pub fn read_only(mut self, reason: &str) -> Self {
        for w in [
            &mut self.assign,
            &mut self.set_away,
            &mut self.membership,
            &mut self.default_inbox,
        ] {
            *w = Write::Unavailable(reason.to_owned());
        }
        self
    }

    /// `true` when the backend has secondary membership levels at all.
    pub fn has_levels(&self) -> bool {
        !matches!(self.member_levels, Read::Unavailable(_))
    }

    /// `true` when teammates can be set to this status.
    pub fn can_set(&self, status: PresenceStatus) -> bool {
        self.set_away.is_available() && self.presence.contains(&status)
    }
}
