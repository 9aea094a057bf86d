//! Zendesk wire types → domain types: groups are inboxes, agents and admins teammates,
//! tickets conversations, group memberships inbox memberships (all primary: Zendesk has one
//! level; the default group is the teammate's default inbox), unified agent status presence,
//! capacity rules caps. Total functions: unknown values degrade, never fail.

use super::wire;
use crate::domain::{
    AwayReason, AwayReasonId, Cap, CapSource, Conversation, ConversationId, ConversationState,
    Deadline, Inbox, InboxId, Level, Member, Presence, PresenceStatus, Priority, Sla, SlaStatus,
    Teammate, TeammateId,
};
use jiff::Timestamp;
use std::collections::HashMap;

/// Why Zendesk inboxes take no secondary members.
pub const ONE_LEVEL: &str =
    "Zendesk group memberships have one level (the default group is the teammate's default inbox)";

/// The SLA name of a ticket no Zendesk policy matched (its deadline is estimated from the
/// `[[sla]]` targets by priority).
pub const NO_POLICY: &str = "no SLA policy";

/// Default unified status ids (docs): offline 2, online 3, away 4, transfers only 5.
pub const OFFLINE: i64 = 2;
/// Online.
pub const ONLINE: i64 = 3;
/// Away.
pub const AWAY: i64 = 4;
/// Transfers only.
pub const TRANSFERS_ONLY: i64 = 5;

/// A ticket status → state, with the raw value when it says more (custom statuses,
/// `deleted`, unknown values). Unknown statuses count as open: they never silently leave
/// the queue.
pub fn state(status: &str) -> (ConversationState, Option<String>) {
    let s = match status {
        "new" => ConversationState::New,
        "open" => ConversationState::Open,
        "pending" => ConversationState::Pending,
        "hold" => ConversationState::OnHold,
        "solved" => ConversationState::Solved,
        "closed" => ConversationState::Closed,
        "deleted" | "archived" => return (ConversationState::Closed, Some(status.to_owned())),
        _ => return (ConversationState::Open, Some(status.to_owned())),
    };
    (s, None)
}

/// A ticket priority (`normal` is the domain's medium; `null` is none).
pub fn priority(p: Option<&str>) -> Priority {
    match p {
        Some("urgent") => Priority::Urgent,
        Some("high") => Priority::High,
        Some("normal") => Priority::Medium,
        Some("low") => Priority::Low,
        _ => Priority::None,
    }
}

fn metric_label(metric: &str) -> String {
    if metric.is_empty() {
        "SLA".into()
    } else {
        metric.replace('_', " ")
    }
}

/// The SLA of a ticket from its `slas` sideload: the earliest active target, exact
/// (`breach_at`); paused when every open target is paused; hit when all were achieved. With
/// no sideload (not read yet, or the account has none) or no policy, an SLA named
/// [`NO_POLICY`] without a deadline, which the local policy estimates from `[[sla]]` targets.
pub fn sla(slas: Option<&wire::Slas>) -> Sla {
    let metrics = slas.map(|s| s.policy_metrics.as_slice()).unwrap_or(&[]);
    if metrics.is_empty() {
        return Sla {
            name: NO_POLICY.into(),
            status: SlaStatus::Active,
            deadline: None,
        };
    }
    let active = metrics
        .iter()
        .filter(|m| m.stage == "active")
        .filter_map(|m| m.breach_at.map(|at| (at, m)))
        .min_by_key(|(at, _)| *at);
    if let Some((at, m)) = active {
        return Sla {
            name: metric_label(&m.metric).into(),
            status: SlaStatus::Active,
            deadline: Some(Deadline { at, exact: true }),
        };
    }
    if let Some(m) = metrics.iter().find(|m| m.stage == "paused") {
        return Sla {
            name: metric_label(&m.metric).into(),
            status: SlaStatus::Paused,
            deadline: None,
        };
    }
    if metrics.iter().all(|m| m.stage == "achieved") {
        return Sla {
            name: metric_label(&metrics[0].metric).into(),
            status: SlaStatus::Hit,
            deadline: None,
        };
    }
    // A stage this build does not know stays in the SLA queue, with its breach time.
    let m = metrics
        .iter()
        .find(|m| !matches!(m.stage.as_str(), "achieved" | "paused"))
        .unwrap_or(&metrics[0]);
    Sla {
        name: metric_label(&m.metric).into(),
        status: SlaStatus::Unknown,
        deadline: m.breach_at.map(|at| Deadline { at, exact: true }),
    }
}

/// A ticket → a conversation. Zendesk gives no "customer waiting since": a new ticket waits
/// since it was created, an open one since it was last updated (an estimate); pending and
/// on-hold tickets wait on someone else.
pub fn conversation(t: &wire::Ticket) -> Conversation {
    let (state, raw_state) = state(&t.status);
    let created = t.created_at.unwrap_or(Timestamp::UNIX_EPOCH);
    let updated = t.updated().unwrap_or(created);
    let waiting_since = match state {
        ConversationState::New => Some(created),
        ConversationState::Open => Some(updated),
        _ => None,
    };
    Conversation {
        id: ConversationId::from(t.id.to_string()),
        title: t
            .subject
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(Into::into),
        state,
        raw_state: raw_state.map(String::into_boxed_str),
        priority: priority(t.priority.as_deref()),
        inbox: t.group_id.map(|g| InboxId::from(g.to_string())),
        assignee: t.assignee_id.map(|a| TeammateId::from(a.to_string())),
        created_at: created,
        updated_at: updated,
        waiting_since,
        snoozed_until: None,
        first_reply_at: None,
        last_reply_at: None,
        sla: Some(sla(t.slas.as_ref())),
    }
}

/// A group and its memberships → an inbox (every member primary).
pub fn inbox(g: &wire::Group, memberships: &[wire::GroupMembership]) -> Inbox {
    let mut members: Vec<Member> = Vec::new();
    for m in memberships.iter().filter(|m| m.group_id == g.id) {
        let id = TeammateId::from(m.user_id.to_string());
        if !members.iter().any(|x| x.teammate == id) {
            members.push(Member {
                teammate: id,
                level: Level::Primary,
            });
        }
    }
    Inbox {
        id: InboxId::from(g.id.to_string()),
        name: g.name.clone(),
        members,
        assignment_limit: None,
        distribution: None,
        secondary_unavailable: Some(ONE_LEVEL.into()),
    }
}

/// Custom unified statuses → the away reasons a lead can pick.
pub fn away_reasons(statuses: &wire::StatusList) -> Vec<AwayReason> {
    statuses
        .custom
        .iter()
        .map(|s| AwayReason {
            id: AwayReasonId::from(s.id.to_string()),
            label: s.name().to_owned(),
            emoji: None,
            deleted: false,
        })
        .collect()
}

/// A unified status name → a domain status (`None`: not a default name).
pub fn status_named(name: &str) -> Option<PresenceStatus> {
    match name
        .trim()
        .to_ascii_lowercase()
        .replace([' ', '-'], "_")
        .as_str()
    {
        "online" => Some(PresenceStatus::Online),
        "away" => Some(PresenceStatus::Away),
        "transfers_only" => Some(PresenceStatus::TransfersOnly),
        "offline" => Some(PresenceStatus::Offline),
        _ => None,
    }
}

/// The presence a custom unified status stands for: its support (else messaging) channel's
/// state, away when it says none.
pub fn custom_status(c: &wire::UnifiedStatus) -> PresenceStatus {
    c.attributes
        .as_ref()
        .and_then(|a| a.channels.as_ref())
        .and_then(|ch| ch.get("support").or_else(|| ch.get("messaging")))
        .and_then(|v| v.as_str())
        .and_then(status_named)
        .unwrap_or(PresenceStatus::Away)
}

/// An agent's unified status → presence. A default status maps by id or name; a custom one
/// by its support (else messaging) channel state, with itself as the reason when that is not
/// online.
pub fn presence(status: Option<&wire::AgentStatus>, statuses: &wire::StatusList) -> Presence {
    let Some(s) = status else {
        return Presence::default();
    };
    let by_id = match s.id {
        Some(OFFLINE) => Some(PresenceStatus::Offline),
        Some(ONLINE) => Some(PresenceStatus::Online),
        Some(AWAY) => Some(PresenceStatus::Away),
        Some(TRANSFERS_ONLY) => Some(PresenceStatus::TransfersOnly),
        _ => None,
    };
    let custom =
        s.id.and_then(|id| statuses.custom.iter().find(|c| c.id == id));
    if by_id.is_none()
        && let Some(c) = custom
    {
        let channel = custom_status(c);
        return Presence {
            status: channel,
            reason: channel.is_away().then(|| AwayReason {
                id: AwayReasonId::from(c.id.to_string()),
                label: c.name().to_owned(),
                emoji: None,
                deleted: false,
            }),
            since: s.updated_at,
        };
    }
    Presence {
        status: by_id
            .or_else(|| status_named(&s.name))
            .unwrap_or(PresenceStatus::Online),
        reason: None,
        since: s.updated_at,
    }
}

/// Capacity rules resolved per agent: the rule (name) and cap that applies to each.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Caps {
    by_agent: HashMap<i64, (String, Option<u32>)>,
    default_rule: Option<(String, Option<u32>)>,
}

fn email_cap(r: &wire::CapacityRule) -> Option<u32> {
    r.capacities
        .as_ref()
        .and_then(|c| c.email)
        .and_then(|v| u32::try_from(v).ok())
}

impl Caps {
    /// From the rules as read: an agent in a rule's sample has that rule; the others the
    /// default rule, if any.
    pub fn new(rules: &[wire::CapacityRule]) -> Caps {
        let mut caps = Caps::default();
        for r in rules {
            let entry = (r.name.clone(), email_cap(r));
            if r.default {
                caps.default_rule = Some(entry.clone());
            }
            for a in r.assignees.iter().flat_map(|a| &a.agents_sample) {
                caps.by_agent.entry(a.id).or_insert_with(|| entry.clone());
            }
        }
        caps
    }

    /// `true` when there are no rules.
    pub fn is_empty(&self) -> bool {
        self.by_agent.is_empty() && self.default_rule.is_none()
    }

    /// The cap of `agent`: the support (email) channel's `max_capacity` from availability
    /// when given, else its rule's email capacity; with the rule's name when known.
    pub fn of(
        &self,
        agent: i64,
        availability: Option<&wire::AgentAvailability>,
    ) -> Option<(Cap, Option<String>)> {
        let rule = self.by_agent.get(&agent).or(self.default_rule.as_ref());
        let from_channel = availability.and_then(|a| {
            a.channels
                .iter()
                .find(|c| matches!(c.name.as_str(), "support" | "email"))
                .and_then(|c| c.max_capacity)
                .and_then(|v| u32::try_from(v).ok())
        });
        let value = from_channel.or(rule.and_then(|r| r.1))?;
        if rule.is_none() && self.is_empty() {
            return None;
        }
        Some((
            Cap {
                value,
                source: CapSource::CapacityRule,
            },
            rule.map(|r| r.0.clone()).filter(|n| !n.is_empty()),
        ))
    }
}

/// An agent → a teammate: memberships from the group memberships (default one → default
/// inbox, else the user's `default_group_id`), presence from unified status, cap from a
/// capacity rule.
pub fn teammate(
    u: &wire::User,
    memberships: &[wire::GroupMembership],
    availability: Option<&wire::AgentAvailability>,
    statuses: &wire::StatusList,
    caps: &Caps,
) -> Teammate {
    let mine: Vec<&wire::GroupMembership> =
        memberships.iter().filter(|m| m.user_id == u.id).collect();
    let mut groups: Vec<(InboxId, Level)> = Vec::new();
    for m in &mine {
        let id = InboxId::from(m.group_id.to_string());
        if !groups.iter().any(|(g, _)| *g == id) {
            groups.push((id, Level::Primary));
        }
    }
    let default_inbox = mine
        .iter()
        .find(|m| m.default)
        .map(|m| m.group_id)
        .or(u.default_group_id)
        .map(|g| InboxId::from(g.to_string()));
    let cap = caps.of(u.id, availability);
    Teammate {
        id: TeammateId::from(u.id.to_string()),
        name: u.name.clone(),
        email: u.email.clone(),
        presence: presence(availability.and_then(|a| a.status.as_ref()), statuses),
        memberships: groups,
        cap: cap.as_ref().map(|(c, _)| *c),
        time_zone: u.iana_time_zone.clone().filter(|z| !z.is_empty()),
        has_inbox_seat: u.is_agent() && u.active.unwrap_or(true) && !u.suspended,
        default_inbox,
        cap_rule: cap.and_then(|(_, name)| name),
    }
}

/// A page of comments (newest first or oldest first) and the ticket's requester → the
/// customer and the latest parts. Authors come from the sideloaded users: end users are the
/// customer's side, agents and admins teammates, anyone else (the system, `-1`) a bot.
pub fn conversation_detail(
    requester: Option<&wire::User>,
    page: &wire::CommentPage,
) -> crate::domain::detail::ConversationDetail {
    use crate::domain::detail::{AuthorKind, ConversationDetail, Customer, Part, plain_text, tidy};
    let customer = requester.map(|u| Customer {
        name: Some(u.name.clone()).filter(|n| !n.is_empty()),
        email: Some(u.email.clone()).filter(|e| !e.is_empty()),
    });
    let user =
        |id: Option<i64>| id.and_then(|id| page.users.iter().chain(requester).find(|u| u.id == id));
    let parts = page
        .comments
        .iter()
        .filter_map(|c| {
            let body = match (&c.html_body, &c.plain_body, &c.body) {
                (Some(h), _, _) if !h.trim().is_empty() => plain_text(h),
                // `plain_body` and `body` are plain text: an address in <…> is kept.
                (_, Some(p), _) if !p.trim().is_empty() => tidy(p),
                (_, _, Some(b)) => tidy(b),
                _ => String::new(),
            };
            if body.is_empty() {
                return None;
            }
            let who = user(c.author_id);
            let kind = match who.map(|u| u.role.as_str()) {
                Some("end-user") => AuthorKind::Customer,
                Some("agent" | "admin") => AuthorKind::Teammate,
                _ => AuthorKind::Bot,
            };
            Some(Part {
                kind,
                author: who.map(|u| u.name.clone()).unwrap_or_default(),
                at: c.created_at?,
                body,
                internal: c.public == Some(false),
            })
        })
        .collect();
    let complete = page.meta.as_ref().is_none_or(|m| !m.has_more);
    let total = complete.then_some(page.comments.len());
    ConversationDetail::latest(customer, parts, total)
}

/// The ticket's page in the agent workspace of the account at `web_base`
/// (`https://{subdomain}.zendesk.com`, or the configured base URL).
pub fn conversation_link(web_base: &str, id: &str) -> String {
    format!("{}/agent/tickets/{id}", web_base.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_map_to_parts_with_their_authors_and_notes() {
        use crate::domain::detail::AuthorKind;
        let page: wire::CommentPage = serde_json::from_str(
            r#"{"comments":[
                {"id":3,"author_id":7,"html_body":"<p>Any news?</p>","public":true,"created_at":"2026-11-24T10:00:00Z"},
                {"id":2,"author_id":9,"plain_body":"checked the logs of <john@x.com> & co","public":false,"created_at":"2026-11-24T09:30:00Z"},
                {"id":1,"author_id":-1,"body":"Ticket merged","created_at":"2026-11-24T09:00:00Z"},
                {"id":0,"author_id":7,"body":"","created_at":"2026-11-24T08:00:00Z"},
                "junk"],
              "users":[{"id":9,"name":"Ana","role":"agent"}],
              "meta":{"has_more":true}}"#,
        )
        .unwrap();
        let requester: wire::User = serde_json::from_str(
            r#"{"id":7,"name":"Kemi Sato","email":"k@x.io","role":"end-user"}"#,
        )
        .unwrap();
        let d = conversation_detail(Some(&requester), &page);
        let c = d.customer.as_ref().unwrap();
        assert_eq!(
            (c.name.as_deref(), c.email.as_deref()),
            (Some("Kemi Sato"), Some("k@x.io"))
        );
        // Oldest first; the empty comment and the junk item are dropped.
        let got: Vec<(AuthorKind, &str, &str, bool)> = d
            .parts
            .iter()
            .map(|p| (p.kind, p.author.as_str(), p.body.as_str(), p.internal))
            .collect();
        assert_eq!(
            got,
            [
                (AuthorKind::Bot, "", "Ticket merged", false),
                (
                    AuthorKind::Teammate,
                    "Ana",
                    "checked the logs of <john@x.com> & co",
                    true
                ),
                (AuthorKind::Customer, "Kemi Sato", "Any news?", false),
            ]
        );
        // More pages follow: the total is not known.
        assert_eq!(d.total_parts, None);
        assert_eq!(
            conversation_link("https://acme.zendesk.com/", "42"),
            "https://acme.zendesk.com/agent/tickets/42"
        );
    }

    fn ticket(json: &str) -> wire::Ticket {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn statuses_map_to_domain_states() {
        use ConversationState::*;
        for (raw, want, kept) in [
            ("new", New, false),
            ("open", Open, false),
            ("pending", Pending, false),
            ("hold", OnHold, false),
            ("solved", Solved, false),
            ("closed", Closed, false),
            ("deleted", Closed, true),
            ("escalated_review", Open, true),
        ] {
            let (s, r) = state(raw);
            assert_eq!((s, r.is_some()), (want, kept), "{raw}");
        }
        assert_eq!(priority(Some("normal")), Priority::Medium);
        assert_eq!(priority(None), Priority::None);
        assert_eq!(priority(Some("critical")), Priority::None);
    }

    #[test]
    fn a_ticket_maps_with_group_assignee_and_waiting_time() {
        let c = conversation(&ticket(
            r#"{"id":35436,"status":"new","priority":"high","group_id":12,"assignee_id":null,
                "subject":"Help","created_at":"2026-05-01T09:00:00Z","updated_at":"2026-05-01T10:00:00Z"}"#,
        ));
        assert_eq!(c.id.as_str(), "35436");
        assert_eq!(c.inbox, Some(InboxId("12".into())));
        assert_eq!(c.assignee, None);
        assert_eq!(c.priority, Priority::High);
        assert_eq!(
            c.waiting_since,
            Some("2026-05-01T09:00:00Z".parse().unwrap())
        );
        let pending = conversation(&ticket(r#"{"id":1,"status":"pending"}"#));
        assert_eq!(pending.waiting_since, None);
    }

    #[test]
    fn sla_exact_paused_hit_and_estimated() {
        let exact = conversation(&ticket(
            r#"{"id":1,"status":"open","slas":{"policy_metrics":[
              {"breach_at":"2026-05-08T14:29:34Z","stage":"active","metric":"next_reply_time","hours":21},
              {"breach_at":"2026-05-07T14:00:00Z","stage":"active","metric":"first_reply_time","minutes":30},
              {"breach_at":"2025-12-18T03:07:32Z","stage":"achieved","metric":"periodic_update_time","days":-141}]}}"#,
        ))
        .sla
        .unwrap();
        assert_eq!(exact.status, SlaStatus::Active);
        assert_eq!(exact.name, "first reply time");
        assert_eq!(
            exact.deadline,
            Some(Deadline {
                at: "2026-05-07T14:00:00Z".parse().unwrap(),
                exact: true
            })
        );
        let paused = sla(Some(&wire::Slas {
            policy_metrics: vec![wire::PolicyMetric {
                breach_at: None,
                stage: "paused".into(),
                metric: "next_reply_time".into(),
                minutes: None,
                hours: None,
                days: None,
            }],
        }));
        assert_eq!((paused.status, paused.deadline), (SlaStatus::Paused, None));
        let none = conversation(&ticket(r#"{"id":1,"status":"open"}"#))
            .sla
            .unwrap();
        assert_eq!((none.name.as_str(), none.deadline), (NO_POLICY, None));
        let empty = sla(Some(&wire::Slas::default()));
        assert_eq!(empty.name, NO_POLICY);

        // The local policy estimates the one without a policy, marked estimated, and keeps
        // the exact one.
        use crate::domain::policy::{Policy, SlaTarget};
        let policy = Policy {
            sla_targets: vec![SlaTarget {
                name: None,
                priority: Some(Priority::None),
                first_response: jiff::SignedDuration::from_mins(10),
                next_response: jiff::SignedDuration::from_mins(60),
            }],
            ..Policy::default()
        };
        let mut s = crate::domain::fixture::snapshot(crate::domain::fixture::t0());
        s.conversations = [
            conversation(&ticket(
                r#"{"id":2,"status":"new","created_at":"2026-05-01T09:00:00Z"}"#,
            )),
            conversation(&ticket(
                r#"{"id":3,"status":"open","slas":{"policy_metrics":[{"breach_at":"2026-05-07T14:00:00Z","stage":"active","metric":"first_reply_time"}]}}"#,
            )),
        ]
        .into_iter()
        .collect();
        policy.apply(&mut s);
        let d: Vec<_> = s
            .conversations
            .iter()
            .map(|c| c.sla.as_ref().unwrap().deadline.unwrap())
            .collect();
        assert_eq!(
            d[0],
            Deadline {
                at: "2026-05-01T09:10:00Z".parse().unwrap(),
                exact: false
            }
        );
        assert!(d[1].exact);
    }

    #[test]
    fn memberships_are_primary_and_the_default_group_is_the_default_inbox() {
        let ms: Vec<wire::GroupMembership> = serde_json::from_str(
            r#"[{"id":4,"user_id":29,"group_id":12,"default":true},{"id":5,"user_id":29,"group_id":13,"default":false},
                {"id":6,"user_id":30,"group_id":12}]"#,
        )
        .unwrap();
        let g: wire::Group = serde_json::from_str(r#"{"id":12,"name":"Tier 1"}"#).unwrap();
        let i = inbox(&g, &ms);
        assert_eq!(i.members.len(), 2);
        assert!(i.members.iter().all(|m| m.level == Level::Primary));
        assert!(i.secondary_unavailable.is_some());
        let u: wire::User = serde_json::from_str(
            r#"{"id":29,"name":"Ann","email":"ann@x.io","role":"agent","default_group_id":13}"#,
        )
        .unwrap();
        let t = teammate(
            &u,
            &ms,
            None,
            &wire::StatusList::default(),
            &Caps::default(),
        );
        assert_eq!(
            t.default_inbox,
            Some(InboxId("12".into())),
            "membership wins"
        );
        assert_eq!(t.memberships.len(), 2);
        assert!(t.has_inbox_seat);
        assert_eq!(t.cap, None);
        let t = teammate(
            &u,
            &[],
            None,
            &wire::StatusList::default(),
            &Caps::default(),
        );
        assert_eq!(t.default_inbox, Some(InboxId("13".into())));
    }

    #[test]
    fn unified_status_maps_to_presence() {
        let statuses: wire::StatusList = serde_json::from_str(
            r#"{"custom":[{"id":123,"attributes":{"name":"In a meeting","channels":{"support":"away"}}},
                {"id":124,"attributes":{"name":"Focus","channels":{"support":"online"}}}]}"#,
        )
        .unwrap();
        let st = |id: i64, name: &str| wire::AgentStatus {
            id: Some(id),
            name: name.into(),
            ..wire::AgentStatus::default()
        };
        assert_eq!(
            presence(Some(&st(4, "away")), &statuses).status,
            PresenceStatus::Away
        );
        assert_eq!(
            presence(Some(&st(5, "transfers_only")), &statuses).status,
            PresenceStatus::TransfersOnly
        );
        assert_eq!(
            presence(Some(&st(2, "offline")), &statuses).status,
            PresenceStatus::Offline
        );
        let meeting = presence(Some(&st(123, "In a meeting")), &statuses);
        assert_eq!(meeting.status, PresenceStatus::Away);
        assert_eq!(meeting.reason.unwrap().label, "In a meeting");
        let focus = presence(Some(&st(124, "Focus")), &statuses);
        assert_eq!((focus.status, focus.reason), (PresenceStatus::Online, None));
        // The availability example's id 1 is no default id: its name decides.
        assert_eq!(
            presence(Some(&st(1, "online")), &statuses).status,
            PresenceStatus::Online
        );
        assert_eq!(presence(None, &statuses), Presence::default());
    }

    #[test]
    fn capacity_rules_give_named_caps() {
        let rules = wire::capacity_rules(
            br#"[{"id":"A","name":"Email team","default":false,"capacities":{"email":4},
                 "assignees":{"agents_sample":[{"id":1}],"count":1}},
                {"id":"B","name":"Everyone","default":true,"capacities":{"email":6}}]"#,
        )
        .unwrap();
        let caps = Caps::new(&rules);
        let (cap, name) = caps.of(1, None).unwrap();
        assert_eq!((cap.value, cap.source), (4, CapSource::CapacityRule));
        assert_eq!(name.as_deref(), Some("Email team"));
        let (cap, name) = caps.of(2, None).unwrap();
        assert_eq!((cap.value, name.as_deref()), (6, Some("Everyone")));
        let avail = wire::AgentAvailability {
            agent_id: 1,
            status: None,
            channels: vec![wire::ChannelAttributes {
                name: "support".into(),
                max_capacity: Some(3),
                ..wire::ChannelAttributes::default()
            }],
        };
        assert_eq!(caps.of(1, Some(&avail)).unwrap().0.value, 3);
        assert!(Caps::new(&[]).of(1, Some(&avail)).is_none());
    }
}
