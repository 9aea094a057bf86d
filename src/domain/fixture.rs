//! Builders for domain values with every optional field empty, for tests and benches: start
//! from one and set what the case is about.

use super::model::{
    Conversation, ConversationId, ConversationState, Inbox, InboxId, Level, Member, Presence,
    PresenceStatus, Priority, Snapshot, Teammate, TeammateId, Workspace,
};
use jiff::Timestamp;

/// A fixed instant (2027-01-15 08:00 UTC) for fixtures that need one.
pub fn t0() -> Timestamp {
    Timestamp::from_second(1_800_000_000).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A teammate `id`, named `id` in capitals, `id@x.io`, online, with a seat and no cap.
pub fn teammate(id: &str) -> Teammate {
    Teammate {
        id: TeammateId(id.into()),
        name: id.to_uppercase(),
        email: format!("{id}@x.io"),
        presence: Presence::default(),
        memberships: Vec::new(),
        cap: None,
        time_zone: None,
        has_inbox_seat: true,
        default_inbox: None,
        cap_rule: None,
    }
}

/// A presence with this status and nothing else.
pub fn presence(status: PresenceStatus) -> Presence {
    Presence {
        status,
        ..Presence::default()
    }
}

/// Away (without reassign) when `away`, else online.
pub fn away_if(away: bool) -> Presence {
    presence(status(away, false))
}

/// The status for a pair of away / reassign flags.
pub fn status(away: bool, reassign: bool) -> PresenceStatus {
    match (away, reassign) {
        (false, _) => PresenceStatus::Online,
        (true, false) => PresenceStatus::Away,
        (true, true) => PresenceStatus::AwayReassign,
    }
}

/// An inbox `id` called `name` with no members.
pub fn inbox(id: &str, name: &str) -> Inbox {
    Inbox {
        id: InboxId(id.into()),
        name: name.into(),
        members: Vec::new(),
        assignment_limit: None,
        distribution: None,
        secondary_unavailable: None,
    }
}

/// A member at a level.
pub fn member(teammate: &str, level: Level) -> Member {
    Member {
        teammate: TeammateId(teammate.into()),
        level,
    }
}

/// An open, unassigned conversation `id` created at `at`, with no SLA.
pub fn conversation(id: &str, at: Timestamp) -> Conversation {
    Conversation {
        id: ConversationId(id.into()),
        title: None,
        state: ConversationState::Open,
        raw_state: None,
        priority: Priority::None,
        inbox: None,
        assignee: None,
        created_at: at,
        updated_at: at,
        waiting_since: None,
        snoozed_until: None,
        first_reply_at: None,
        last_reply_at: None,
        sla: None,
    }
}

/// An empty snapshot taken at `at`.
pub fn snapshot(at: Timestamp) -> Snapshot {
    Snapshot {
        taken_at: at,
        workspace: Workspace::default(),
        inboxes: Vec::new().into(),
        teammates: Vec::new().into(),
        conversations: Default::default(),
        away_reasons: Vec::new().into(),
        warnings: Vec::new(),
    }
}

/// Capabilities with everything exact and available, no presence statuses, no backend rules.
pub fn capabilities() -> super::Capabilities {
    use super::capabilities::{Read, Write};
    super::Capabilities {
        inboxes: Read::Exact,
        member_levels: Read::Exact,
        load: Read::Exact,
        caps: Read::Exact,
        sla_deadlines: Read::Exact,
        away: Read::Exact,
        away_since: Read::Exact,
        assign: Write::Available,
        set_away: Write::Available,
        membership: Write::Available,
        default_inbox: Write::Available,
        presence: vec![],
        removal_unassigns: None,
        assign_batch: None,
        assignee_in_inbox: false,
    }
}
