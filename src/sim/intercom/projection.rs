//! The world in Intercom's wire shapes: admins, teams, conversations and away reasons as the
//! REST API returns them.

use crate::backend::intercom::wire;
use crate::sim::world::{
    SimAdmin, SimAuthor, SimConversation, SimLevel, SimReason, SimState, SimTeam, World,
};
use jiff::Timestamp;

/// A conversation state's wire name.
pub fn state_name(state: SimState) -> &'static str {
    match state {
        SimState::Open => "open",
        SimState::Snoozed => "snoozed",
        SimState::Closed => "closed",
    }
}

/// A priority index's wire name (none..urgent).
pub fn priority_name(priority: usize) -> &'static str {
    ["none", "low", "medium", "high", "urgent"][priority.min(4)]
}

/// An admin as the API shows it.
pub fn admin(w: &World, a: &SimAdmin) -> wire::Admin {
    admin_in(a, w.memberships(a.id))
}

/// Every admin as the API lists them (memberships gathered in one pass over the teams).
pub fn admins(w: &World) -> Vec<wire::Admin> {
    let mut levels = w.all_memberships();
    w.admins
        .iter()
        .map(|a| admin_in(a, levels.remove(&a.id).unwrap_or_default()))
        .collect()
}

fn admin_in(a: &SimAdmin, (primary, secondary): (Vec<i64>, Vec<i64>)) -> wire::Admin {
    let mut team_ids: Vec<i64> = primary.iter().chain(&secondary).copied().collect();
    team_ids.sort_unstable();
    team_ids.dedup();
    wire::Admin {
        kind: "admin".into(),
        id: a.id.to_string(),
        name: a.name.clone(),
        email: a.email.clone(),
        job_title: Some("Support Specialist".into()),
        away_mode_enabled: a.away,
        away_mode_reassign: a.reassign,
        away_status_reason_id: if a.away { a.reason } else { None },
        has_inbox_seat: a.seat,
        team_ids,
        avatar: None,
        team_priority_level: Some(wire::TeamPriorityLevel {
            primary_team_ids: Some(primary),
            secondary_team_ids: Some(secondary),
        }),
    }
}

/// A team as the API shows it: levels and limit only on load-balanced teams.
pub fn team(t: &SimTeam) -> wire::Team {
    let balanced = t.distribution == "load_balanced";
    let ids = |level| {
        t.members
            .iter()
            .filter(|(_, l)| *l == level)
            .map(|(id, _)| *id)
            .collect::<Vec<_>>()
    };
    wire::Team {
        kind: "team".into(),
        id: t.id.to_string(),
        name: t.name.clone(),
        admin_ids: t.members.iter().map(|(id, _)| *id).collect(),
        admin_priority_level: balanced.then(|| wire::AdminPriorityLevel {
            primary_admin_ids: Some(ids(SimLevel::Primary)),
            secondary_admin_ids: Some(ids(SimLevel::Secondary)),
        }),
        assignment_limit: if balanced {
            t.assignment_limit.map(i64::from)
        } else {
            None
        },
        distribution_method: Some(t.distribution.clone()),
    }
}

/// A conversation as the API shows it.
pub fn conversation(c: &SimConversation) -> wire::Conversation {
    let secs = |t: Option<Timestamp>| t.map(|t| t.as_second());
    wire::Conversation {
        kind: "conversation".into(),
        id: c.id.to_string(),
        title: Some(c.title.clone()),
        created_at: c.created_at.as_second(),
        updated_at: c.updated_at.as_second(),
        waiting_since: secs(c.waiting_since),
        snoozed_until: secs(c.snoozed_until),
        open: c.state != SimState::Closed,
        state: state_name(c.state).into(),
        read: c.read,
        priority: priority_name(c.priority).into(),
        admin_assignee_id: Some(c.admin),
        team_assignee_id: Some(c.team),
        sla_applied: c.sla.as_ref().map(|s| wire::SlaApplied {
            kind: "conversation_sla_summary".into(),
            sla_name: s.name.clone(),
            sla_status: Some(s.status.into()),
        }),
        statistics: Some(wire::Statistics {
            kind: "conversation_statistics".into(),
            first_admin_reply_at: secs(c.first_admin_reply_at),
            last_assignment_at: secs(c.last_assignment_at),
            last_admin_reply_at: secs(c.last_admin_reply_at),
            last_contact_reply_at: secs(c.last_contact_reply_at),
        }),
    }
}

/// The contact id of customer `index` (Intercom's ids are 24 hex digits).
pub fn contact_id(index: u64) -> String {
    format!("65a1c0de{index:016x}")
}

/// `GET /conversations/{id}`: the conversation with its source (the customer's opening
/// message), its contact and its later parts, as the world derives them.
pub fn conversation_with_parts(w: &World, c: &SimConversation) -> wire::ConversationWithParts {
    let customer = w.customer(c);
    let parts = w.parts(c);
    let author = |p: &crate::sim::world::SimPart| match p.author {
        SimAuthor::Customer => wire::Author {
            kind: "user".into(),
            id: Some(contact_id(customer.index)),
            name: Some(customer.name.clone()),
            email: Some(customer.email.clone()),
        },
        SimAuthor::Admin(id) => {
            let a = w.admins.iter().find(|a| a.id == id);
            wire::Author {
                kind: "admin".into(),
                id: Some(id.to_string()),
                name: a.map(|a| a.name.clone()),
                email: a.map(|a| a.email.clone()),
            }
        }
    };
    let (opening, later) = match parts.split_first() {
        Some((first, rest)) => (Some(first), rest),
        None => (None, &parts[..]),
    };
    let conversation_parts: Vec<wire::Part> = later
        .iter()
        .map(|p| wire::Part {
            kind: "conversation_part".into(),
            id: format!("{}{:03}", c.id, p.n),
            part_type: "comment".into(),
            body: Some(p.html.clone()),
            created_at: p.at.as_second(),
            updated_at: p.at.as_second(),
            author: Some(author(p)),
            attachments: Vec::new(),
            redacted: false,
        })
        .collect();
    wire::ConversationWithParts {
        conversation: conversation(c),
        source: opening.map(|p| wire::Source {
            kind: "conversation".into(),
            id: Some(format!("{}000", c.id)),
            delivered_as: "customer_initiated".into(),
            subject: String::new(),
            body: p.html.clone(),
            author: Some(author(p)),
            attachments: Vec::new(),
            url: None,
            redacted: false,
        }),
        contacts: Some(wire::ContactList {
            kind: "contact.list".into(),
            contacts: vec![wire::ContactRef {
                kind: "contact".into(),
                id: contact_id(customer.index),
                external_id: Some(format!("cust-{}", customer.index)),
            }],
        }),
        conversation_parts: Some(wire::PartList {
            kind: "conversation_part.list".into(),
            total_count: conversation_parts.len() as i64,
            conversation_parts,
        }),
    }
}

/// An away reason as the API shows it.
pub fn reason(w: &World, r: &SimReason) -> wire::AwayStatusReason {
    let at = w.created_at.as_second();
    wire::AwayStatusReason {
        kind: "away_status_reason".into(),
        id: r.id.to_string(),
        label: r.label.clone(),
        emoji: r.emoji.clone(),
        order: r.id,
        deleted: r.deleted,
        created_at: at,
        updated_at: at,
    }
}
