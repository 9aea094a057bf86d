//! Intercom wire types → domain types. Total functions: unknown values degrade, never fail.

use super::wire;
use crate::domain::{
    AwayReason, AwayReasonId, Conversation, ConversationId, ConversationState, Distribution, Inbox,
    InboxId, Level, Member, Presence, PresenceStatus, Priority, Sla, SlaStatus, Teammate,
    TeammateId,
};
use jiff::Timestamp;

/// Unix seconds → timestamp; out-of-range values become the epoch.
pub fn time(secs: i64) -> Timestamp {
    Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Optional Unix seconds → optional timestamp (`0` and out-of-range values are `None`).
pub fn opt_time(secs: Option<i64>) -> Option<Timestamp> {
    secs.filter(|s| *s > 0)
        .and_then(|s| Timestamp::from_second(s).ok())
}

/// An id that is `0` or absent means "none".
fn opt_id(id: Option<i64>) -> Option<String> {
    id.filter(|i| *i > 0).map(|i| i.to_string())
}

/// A team → an inbox. Members listed as secondary in `admin_priority_level` are secondary.
pub fn inbox(team: &wire::Team) -> Inbox {
    let secondary: &[i64] = team
        .admin_priority_level
        .as_ref()
        .and_then(|l| l.secondary_admin_ids.as_deref())
        .unwrap_or(&[]);
    let mut members: Vec<Member> = Vec::with_capacity(team.admin_ids.len());
    let mut seen = std::collections::HashSet::with_capacity(team.admin_ids.len());
    for id in &team.admin_ids {
        if !seen.insert(*id) {
            continue;
        }
        members.push(Member {
            teammate: TeammateId::from(id.to_string()),
            level: if secondary.contains(id) {
                Level::Secondary
            } else {
                Level::Primary
            },
        });
    }
    Inbox {
        id: InboxId::from(team.id.clone()),
        name: team.name.clone(),
        members,
        assignment_limit: team.assignment_limit.and_then(|l| u32::try_from(l).ok()),
        distribution: team.distribution_method.as_deref().map(distribution),
        secondary_unavailable: (team.distribution_method.as_deref() != Some("load_balanced"))
            .then(|| SECONDARY_ONLY_LOAD_BALANCED.to_owned()),
    }
}

/// Why an Intercom team may refuse secondary members.
pub const SECONDARY_ONLY_LOAD_BALANCED: &str =
    "secondary members only on load-balanced inboxes (Intercom)";

/// Teams that do not balance load report no `admin_priority_level`; their members' levels
/// then come from each admin's own `team_priority_level`.
pub fn apply_admin_levels(inboxes: &mut [Inbox], teams: &[wire::Team], admins: &[wire::Admin]) {
    // By id, first wins (as a search from the front would find).
    let mut by_id: std::collections::HashMap<&str, &wire::Admin> =
        std::collections::HashMap::with_capacity(admins.len());
    for a in admins {
        by_id.entry(a.id.as_str()).or_insert(a);
    }
    for (inbox, team) in inboxes.iter_mut().zip(teams) {
        if team.admin_priority_level.is_some() {
            continue;
        }
        let Ok(team_id) = team.id.parse::<i64>() else {
            continue;
        };
        for member in &mut inbox.members {
            let secondary = by_id
                .get(member.teammate.as_str())
                .and_then(|a| a.team_priority_level.as_ref())
                .and_then(|l| l.secondary_team_ids.as_ref())
                .is_some_and(|ids| ids.contains(&team_id));
            if secondary {
                member.level = Level::Secondary;
            }
        }
    }
}

fn distribution(method: &str) -> Distribution {
    match method {
        "round_robin" => Distribution::RoundRobin,
        "load_balanced" => Distribution::LoadBalanced,
        "manual" => Distribution::Manual,
        other => Distribution::Other(other.to_owned()),
    }
}

/// An away reason.
pub fn away_reason(r: &wire::AwayStatusReason) -> AwayReason {
    AwayReason {
        id: AwayReasonId::from(r.id.clone()),
        label: r.label.clone(),
        emoji: (!r.emoji.is_empty()).then(|| r.emoji.clone()),
        deleted: r.deleted,
    }
}

/// An admin → a teammate. Memberships come from the inboxes (the teams' view wins), falling
/// back to the admin's own `team_ids` and `team_priority_level` for teams not listed.
pub fn teammate(admin: &wire::Admin, reasons: &[AwayReason], inboxes: &[Inbox]) -> Teammate {
    teammate_in(admin, reasons, &Memberships::of(inboxes))
}

/// Every teammate's memberships as the inboxes list them (in inbox order), and the inbox ids:
/// built once per refresh, so mapping all admins is O(admins + members), not
/// O(admins × inboxes × members).
pub struct Memberships<'a> {
    by_teammate: std::collections::HashMap<&'a str, Vec<(InboxId, Level)>>,
    inboxes: std::collections::HashSet<&'a str>,
}

impl<'a> Memberships<'a> {
    /// The memberships the inboxes list.
    pub fn of(inboxes: &'a [Inbox]) -> Self {
        let mut by_teammate: std::collections::HashMap<&str, Vec<(InboxId, Level)>> =
            std::collections::HashMap::new();
        for i in inboxes {
            let mut seen = std::collections::HashSet::new();
            for m in &i.members {
                // The first listing of a teammate in an inbox is their level there.
                if seen.insert(m.teammate.as_str()) {
                    by_teammate
                        .entry(m.teammate.as_str())
                        .or_default()
                        .push((i.id.clone(), m.level));
                }
            }
        }
        Memberships {
            by_teammate,
            inboxes: inboxes.iter().map(|i| i.id.as_str()).collect(),
        }
    }
}

/// [`teammate`] with the inboxes' memberships indexed once ([`Memberships::of`]).
pub fn teammate_in(
    admin: &wire::Admin,
    reasons: &[AwayReason],
    inboxes: &Memberships<'_>,
) -> Teammate {
    let mut memberships: Vec<(InboxId, Level)> = inboxes
        .by_teammate
        .get(admin.id.as_str())
        .cloned()
        .unwrap_or_default();
    let secondary = admin
        .team_priority_level
        .as_ref()
        .and_then(|l| l.secondary_team_ids.as_deref())
        .unwrap_or(&[]);
    for team in &admin.team_ids {
        let team_id = InboxId::from(team.to_string());
        let known = inboxes.inboxes.contains(team_id.as_str());
        if !known && !memberships.iter().any(|(i, _)| *i == team_id) {
            let level = if secondary.contains(team) {
                Level::Secondary
            } else {
                Level::Primary
            };
            memberships.push((team_id, level));
        }
    }
    teammate_with(admin, reasons, memberships)
}

/// An admin → a teammate with `memberships` as given (the previous mapping's, when neither
/// the admin's teams nor the inboxes changed: O(1) in the workspace).
pub fn teammate_with(
    admin: &wire::Admin,
    reasons: &[AwayReason],
    memberships: Vec<(InboxId, Level)>,
) -> Teammate {
    let id = TeammateId::from(admin.id.clone());
    let reason = admin.away_status_reason_id.and_then(|rid| {
        let rid = rid.to_string();
        reasons.iter().find(|r| r.id.as_str() == rid).cloned()
    });
    Teammate {
        id,
        name: admin.name.clone(),
        email: admin.email.clone(),
        presence: Presence {
            status: match (admin.away_mode_enabled, admin.away_mode_reassign) {
                (false, _) => PresenceStatus::Online,
                (true, false) => PresenceStatus::Away,
                (true, true) => PresenceStatus::AwayReassign,
            },
            reason: if admin.away_mode_enabled {
                reason
            } else {
                None
            },
            since: None,
        },
        memberships,
        cap: None,
        time_zone: None,
        has_inbox_seat: admin.has_inbox_seat,
        default_inbox: None,
        cap_rule: None,
    }
}

/// A conversation. Unknown states fall back on the `open` flag; unknown priorities are `none`.
pub fn conversation(c: &wire::Conversation) -> Conversation {
    let state = match c.state.as_str() {
        "open" => ConversationState::Open,
        "snoozed" => ConversationState::Snoozed,
        "closed" => ConversationState::Closed,
        _ if c.open => ConversationState::Open,
        _ => ConversationState::Closed,
    };
    let priority = match c.priority.as_str() {
        "low" => Priority::Low,
        "medium" => Priority::Medium,
        "high" => Priority::High,
        "urgent" => Priority::Urgent,
        _ => Priority::None,
    };
    let sla = c.sla_applied.as_ref().map(|s| Sla {
        name: s.sla_name.as_str().into(),
        status: match s.sla_status.as_deref() {
            Some("hit") => SlaStatus::Hit,
            Some("missed") => SlaStatus::Missed,
            Some("active") => SlaStatus::Active,
            // `null` means a cancelled event exists.
            None => SlaStatus::Cancelled,
            // A status this build does not know stays in the SLA queue.
            Some(_) => SlaStatus::Unknown,
        },
        deadline: None,
    });
    Conversation {
        id: ConversationId::from(c.id.clone()),
        title: c.title.as_deref().filter(|t| !t.is_empty()).map(Into::into),
        state,
        raw_state: (!matches!(c.state.as_str(), "open" | "snoozed" | "closed"))
            .then(|| c.state.as_str().into()),
        priority,
        inbox: opt_id(c.team_assignee_id).map(InboxId::from),
        assignee: opt_id(c.admin_assignee_id).map(TeammateId::from),
        created_at: time(c.created_at),
        updated_at: time(c.updated_at),
        waiting_since: opt_time(c.waiting_since),
        snoozed_until: opt_time(c.snoozed_until),
        first_reply_at: c
            .statistics
            .as_ref()
            .and_then(|s| opt_time(s.first_admin_reply_at)),
        last_reply_at: c
            .statistics
            .as_ref()
            .and_then(|s| opt_time(s.last_admin_reply_at)),
        sla,
    }
}

/// What `GET /conversations/{id}` says beyond the held model: the customer (the source's
/// author when a contact started it, else the first contact) and the latest messages (the
/// source, then comments and notes; assignment and other events carry no body and are
/// skipped), HTML stripped.
pub fn conversation_detail(
    c: &wire::ConversationWithParts,
) -> crate::domain::detail::ConversationDetail {
    use crate::domain::detail::{AuthorKind, ConversationDetail, Customer, Part, plain_text};
    let contact = |kind: &str| matches!(kind, "user" | "lead" | "contact");
    let kind_of = |a: Option<&wire::Author>| match a.map(|a| a.kind.as_str()) {
        Some(k) if contact(k) => AuthorKind::Customer,
        Some("admin") => AuthorKind::Teammate,
        _ => AuthorKind::Bot,
    };
    let name_of = |a: Option<&wire::Author>| {
        a.and_then(|a| a.name.clone().or_else(|| a.email.clone()))
            .unwrap_or_default()
    };
    let source_author = c.source.as_ref().and_then(|s| s.author.as_ref());
    let customer = match source_author {
        Some(a) if contact(&a.kind) => Some(Customer {
            name: a.name.clone().filter(|n| !n.is_empty()),
            email: a.email.clone().filter(|e| !e.is_empty()),
        }),
        _ => c
            .contacts
            .as_ref()
            .and_then(|l| l.contacts.first())
            .map(|_| Customer {
                name: None,
                email: None,
            }),
    };
    let mut parts = Vec::new();
    if let Some(s) = &c.source {
        let body = plain_text(&s.body);
        if !body.is_empty() {
            parts.push(Part {
                kind: kind_of(s.author.as_ref()),
                author: name_of(s.author.as_ref()),
                at: time(c.conversation.created_at),
                body,
                internal: false,
            });
        }
    }
    let listed = c
        .conversation_parts
        .as_ref()
        .map(|l| l.conversation_parts.as_slice())
        .unwrap_or_default();
    for p in listed {
        let body = p.body.as_deref().map(plain_text).unwrap_or_default();
        if body.is_empty() {
            continue;
        }
        parts.push(Part {
            kind: kind_of(p.author.as_ref()),
            author: name_of(p.author.as_ref()),
            at: time(p.created_at),
            body,
            internal: p.part_type == "note",
        });
    }
    let total = usize::from(c.source.is_some())
        + c.conversation_parts
            .as_ref()
            .map(|l| {
                usize::try_from(l.total_count)
                    .unwrap_or(0)
                    .max(listed.len())
            })
            .unwrap_or(0);
    ConversationDetail::latest(customer, parts, Some(total))
}

/// The conversation's page in Intercom's inbox: `app_id` is the workspace's `id_code`.
pub fn conversation_link(app_id: &str, id: &str) -> String {
    format!("https://app.intercom.com/a/inbox/{app_id}/inbox/conversation/{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conversation_with_parts_gives_its_customer_and_messages() {
        use crate::domain::detail::AuthorKind;
        let c: wire::ConversationWithParts = serde_json::from_str(
            r#"{"type":"conversation","id":"1","created_at":1700000000,
                "source":{"type":"email","body":"<p>Card declined &amp; no receipt</p>",
                          "author":{"type":"user","id":"c1","name":"Ada Costa","email":"ada@x.io"}},
                "contacts":{"type":"contact.list","contacts":[{"type":"contact","id":"c1"}]},
                "conversation_parts":{"type":"conversation_part.list","total_count":4,"conversation_parts":[
                    {"id":"p1","part_type":"assignment","body":null,"created_at":1700000100,
                     "author":{"type":"bot","id":"b"}},
                    {"id":"p2","part_type":"note","body":"<p>refund queued</p>","created_at":1700000200,
                     "author":{"type":"admin","id":"9","name":"Ana"}},
                    {"id":"p3","part_type":"comment","body":"Thanks!","created_at":1700000300,
                     "author":{"type":"user","id":"c1","name":"Ada Costa"}},
                    42]}}"#,
        )
        .unwrap();
        let d = conversation_detail(&c);
        let who = d.customer.as_ref().unwrap();
        assert_eq!(who.name.as_deref(), Some("Ada Costa"));
        assert_eq!(who.email.as_deref(), Some("ada@x.io"));
        let got: Vec<(AuthorKind, &str, bool)> = d
            .parts
            .iter()
            .map(|p| (p.kind, p.body.as_str(), p.internal))
            .collect();
        // The assignment event has no body and is skipped; the note is marked internal.
        assert_eq!(
            got,
            [
                (AuthorKind::Customer, "Card declined & no receipt", false),
                (AuthorKind::Teammate, "refund queued", true),
                (AuthorKind::Customer, "Thanks!", false),
            ]
        );
        assert_eq!(d.total_parts, Some(5));
        // The flattened conversation's own sub-objects decode too (serde buffers them).
        let sla: wire::ConversationWithParts = serde_json::from_str(
            r#"{"id":"3","state":"open","sla_applied":{"sla_name":"VIP","sla_status":"active"},
                "statistics":{"time_to_assignment":5}}"#,
        )
        .unwrap();
        assert_eq!(
            sla.conversation.sla_applied.map(|s| s.sla_name),
            Some("VIP".to_owned())
        );
        // A body of the wrong shape degrades to an empty view, never an error.
        let junk: wire::ConversationWithParts =
            serde_json::from_str(r#"{"id":2,"source":"x","conversation_parts":[]}"#).unwrap();
        assert!(conversation_detail(&junk).parts.is_empty());
    }

    #[test]
    fn zero_and_null_assignees_are_none() {
        for body in [
            r#"{"id":"1","admin_assignee_id":0,"team_assignee_id":null,"state":"open"}"#,
            r#"{"id":1,"state":"open"}"#,
            r#"{"id":"1","admin_assignee_id":"0","team_assignee_id":"0","state":"open"}"#,
        ] {
            let w: wire::Conversation = serde_json::from_str(body).unwrap();
            let c = conversation(&w);
            assert_eq!(c.assignee, None, "{body}");
            assert_eq!(c.inbox, None, "{body}");
            assert_eq!(c.id.as_str(), "1");
        }
    }

    #[test]
    fn ids_as_strings_or_integers_map_alike() {
        let w: wire::Conversation = serde_json::from_str(
            r#"{"id":"7","admin_assignee_id":"42","team_assignee_id":9,"state":"open"}"#,
        )
        .unwrap();
        let c = conversation(&w);
        assert_eq!(c.assignee, Some(TeammateId("42".into())));
        assert_eq!(c.inbox, Some(InboxId("9".into())));
    }

    #[test]
    fn unknown_enum_values_degrade() {
        let w: wire::Conversation = serde_json::from_str(
            r#"{"id":"7","state":"pending_review","open":true,"priority":"critical",
                "sla_applied":{"sla_name":"Gold","sla_status":"paused"}}"#,
        )
        .unwrap();
        let c = conversation(&w);
        assert_eq!(c.state, ConversationState::Open);
        assert_eq!(c.priority, Priority::None);
        assert_eq!(c.raw_state.as_deref(), Some("pending_review"));
        assert_eq!(c.sla.unwrap().status, SlaStatus::Unknown);
    }

    #[test]
    fn secondary_members_come_from_priority_levels() {
        let t: wire::Team = serde_json::from_str(
            r#"{"type":"team","id":"5","name":"Billing","admin_ids":[1,2],
                "admin_priority_level":{"primary_admin_ids":[1],"secondary_admin_ids":[2]},
                "assignment_limit":10,"distribution_method":"load_balanced"}"#,
        )
        .unwrap();
        let i = inbox(&t);
        assert_eq!(i.level_of(&TeammateId("1".into())), Some(Level::Primary));
        assert_eq!(i.level_of(&TeammateId("2".into())), Some(Level::Secondary));
        assert_eq!(i.assignment_limit, Some(10));
        assert_eq!(i.distribution, Some(Distribution::LoadBalanced));
    }

    #[test]
    fn levels_of_unbalanced_teams_come_from_the_admins() {
        let team: wire::Team = serde_json::from_str(
            r#"{"type":"team","id":"5","name":"VIP","admin_ids":[1,2],"distribution_method":"round_robin"}"#,
        )
        .unwrap();
        let admins: Vec<wire::Admin> = serde_json::from_str(
            r#"[{"id":"1","team_priority_level":{"primary_team_ids":[5]}},
                {"id":"2","team_priority_level":{"secondary_team_ids":[5]}}]"#,
        )
        .unwrap();
        let mut inboxes = vec![inbox(&team)];
        apply_admin_levels(&mut inboxes, &[team], &admins);
        assert_eq!(
            inboxes[0].level_of(&TeammateId("1".into())),
            Some(Level::Primary)
        );
        assert_eq!(
            inboxes[0].level_of(&TeammateId("2".into())),
            Some(Level::Secondary)
        );
    }

    #[test]
    fn away_reason_resolves_from_string_or_integer_id() {
        let reasons = vec![AwayReason {
            id: AwayReasonId("12345".into()),
            label: "On a break".into(),
            emoji: Some("☕".into()),
            deleted: false,
        }];
        let a: wire::Admin = serde_json::from_str(
            r#"{"type":"admin","id":"991267460","name":"Ciaran2 Lee","email":"admin2@email.com",
                "away_mode_enabled":true,"away_mode_reassign":true,"has_inbox_seat":true,
                "away_status_reason_id":"12345","team_ids":[]}"#,
        )
        .unwrap();
        let t = teammate(&a, &reasons, &[]);
        assert_eq!(t.presence.status, PresenceStatus::AwayReassign);
        assert_eq!(t.presence.reason.unwrap().label, "On a break");
    }
}
