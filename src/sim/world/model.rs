//! The things the world is made of: teammates, team inboxes, conversations and away reasons,
//! in the simulator's own terms (a projection renders them in a vendor's wire shapes).

use super::SimSla;
use jiff::Timestamp;

/// Membership level inside the simulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum SimLevel {
    /// Primary member.
    Primary,
    /// Secondary member.
    Secondary,
}

/// A teammate.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SimAdmin {
    /// Admin id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Away mode.
    pub away: bool,
    /// Away-and-reassign.
    pub reassign: bool,
    /// Away reason id.
    pub reason: Option<i64>,
    /// Own cap.
    pub cap: u32,
    /// Replies per hour when working.
    pub replies_per_hour: f64,
    /// On duty but not replying until this time (`Some(far future)` for scenario idlers).
    pub idle_until: Option<Timestamp>,
    /// A random break ends at this time (the simulator sets them back).
    pub break_until: Option<Timestamp>,
    /// Holds an inbox seat.
    pub seat: bool,
    /// IANA time zone (from the scenario; the wire API need not expose it).
    pub time_zone: Option<String>,
    /// The team tickets assigned directly to this teammate land in: one of their teams
    /// (their first primary team at the start), `None` only when they are on no team. The
    /// world's membership edits keep it one of their teams.
    pub default_team: Option<i64>,
}

/// A team inbox.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SimTeam {
    /// Team id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Members in order, with level.
    pub members: Vec<(i64, SimLevel)>,
    /// `round_robin`, `load_balanced` or `manual`.
    pub distribution: String,
    /// Per-teammate limit (load-balanced teams).
    pub assignment_limit: Option<u32>,
    /// Arrivals per hour at peak.
    pub arrivals: f64,
    /// SLA policy applied to new conversations.
    pub sla: Option<String>,
    /// Priority weights none..urgent.
    pub priorities: [f64; 5],
    /// Round-robin position.
    pub cursor: usize,
}

/// Conversation state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum SimState {
    /// Open.
    Open,
    /// Snoozed.
    Snoozed,
    /// Closed.
    Closed,
}

/// A conversation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SimConversation {
    /// Id.
    pub id: u64,
    /// Title.
    pub title: String,
    /// State.
    pub state: SimState,
    /// Read.
    pub read: bool,
    /// Priority index 0..5 (none..urgent).
    pub priority: usize,
    /// Assigned admin, 0 = none.
    pub admin: i64,
    /// Assigned team, 0 = none.
    pub team: i64,
    /// Created.
    pub created_at: Timestamp,
    /// Updated.
    pub updated_at: Timestamp,
    /// Customer waiting since.
    pub waiting_since: Option<Timestamp>,
    /// Snoozed until.
    pub snoozed_until: Option<Timestamp>,
    /// SLA.
    pub sla: Option<SimSla>,
    /// First admin reply.
    pub first_admin_reply_at: Option<Timestamp>,
    /// Last admin reply.
    pub last_admin_reply_at: Option<Timestamp>,
    /// Last contact reply.
    pub last_contact_reply_at: Option<Timestamp>,
    /// Last assignment.
    pub last_assignment_at: Option<Timestamp>,
    /// When the customer will reply next (scheduled).
    pub customer_reply_at: Option<Timestamp>,
    /// When it will be closed if the customer stays silent (scheduled).
    pub close_at: Option<Timestamp>,
}

/// An away reason.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SimReason {
    /// Id.
    pub id: i64,
    /// Label.
    pub label: String,
    /// Emoji.
    pub emoji: String,
    /// Soft-deleted.
    pub deleted: bool,
}
