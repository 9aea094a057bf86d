//! Figures derived from a snapshot: queue depth per inbox, load per teammate, SLA urgency.
//!
//! Pure functions of a [`Snapshot`], a [`Policy`] and the current time.

use super::model::{Cap, Conversation, ConversationId, InboxId, Snapshot, TeammateId};
use super::ordering;
use super::ordering::SlaQueue;
use super::policy::Policy;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
#[cfg(test)]
use std::collections::HashMap;

/// Queue figures of one inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxMetrics {
    /// The inbox.
    pub inbox: InboxId,
    /// Open conversations assigned to the inbox.
    pub open: u32,
    /// Open conversations with no teammate assigned.
    pub unassigned: u32,
    /// Open conversations whose customer is waiting for a reply.
    pub waiting: u32,
    /// How long the longest-waiting customer has waited.
    pub oldest_wait: Option<SignedDuration>,
    /// Open conversations whose SLA is breached.
    pub breached: u32,
    /// Open conversations whose SLA breaches within the policy's "soon" window.
    pub breaching_soon: u32,
    /// Members not away.
    pub on_duty: u32,
    /// Members away.
    pub away: u32,
}

/// Load figures of one teammate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeammateMetrics {
    /// The teammate.
    pub teammate: TeammateId,
    /// Open conversations assigned to them.
    pub load: u32,
    /// Of those, how many have a customer waiting.
    pub waiting: u32,
    /// Their cap, when resolved.
    pub cap: Option<Cap>,
    /// `load / cap` (0 when the cap is 0 and load is 0).
    pub utilisation: f64,
    /// Load above cap.
    pub over_cap: bool,
    /// Not away, below cap: could take more.
    pub has_capacity: bool,
    /// How long the longest-waiting customer among their conversations has waited.
    pub oldest_wait: Option<SignedDuration>,
    /// Their latest reply in any of their open conversations.
    pub last_reply: Option<Timestamp>,
    /// Not away, a customer of theirs has waited longer than the policy's idle threshold, and
    /// they have not replied anywhere for as long: probably gone without setting away.
    pub idle: bool,
}

/// Totals across the workspace.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Open conversations.
    pub open: u32,
    /// Open with no teammate.
    pub unassigned: u32,
    /// Open with a customer waiting.
    pub waiting: u32,
    /// Breached SLAs.
    pub breached: u32,
    /// SLAs breaching soon.
    pub breaching_soon: u32,
    /// Teammates away.
    pub away: u32,
    /// Teammates over their cap.
    pub over_cap: u32,
}

/// All derived figures of one snapshot at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    /// The moment the figures were computed for.
    pub at: Timestamp,
    /// Per inbox, in snapshot order.
    pub inboxes: Vec<InboxMetrics>,
    /// Per teammate, in snapshot order.
    pub teammates: Vec<TeammateMetrics>,
    /// Open conversations with an SLA deadline, nearest to breach first (breached first).
    pub sla_queue: SlaQueue,
    /// Workspace totals.
    pub totals: Totals,
}

impl Metrics {
    /// Figures of one inbox.
    pub fn inbox(&self, id: &InboxId) -> Option<&InboxMetrics> {
        self.inboxes.iter().find(|m| &m.inbox == id)
    }

    /// Figures of one teammate.
    pub fn teammate(&self, id: &TeammateId) -> Option<&TeammateMetrics> {
        self.teammates.iter().find(|m| &m.teammate == id)
    }

    /// Figures of the inbox at position `n` of the snapshot they were derived from (they are
    /// kept in snapshot order), checked against `id`, else found by id.
    pub fn inbox_at(&self, n: usize, id: &InboxId) -> Option<&InboxMetrics> {
        self.inboxes
            .get(n)
            .filter(|m| &m.inbox == id)
            .or_else(|| self.inbox(id))
    }

    /// Figures of the teammate at position `n` of the snapshot, as [`Self::inbox_at`].
    pub fn teammate_at(&self, n: usize, id: &TeammateId) -> Option<&TeammateMetrics> {
        self.teammates
            .get(n)
            .filter(|m| &m.teammate == id)
            .or_else(|| self.teammate(id))
    }
}

/// Where an SLA stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaStanding {
    /// No deadline known.
    Unknown,
    /// Breached (deadline passed, or reported missed).
    Breached,
    /// Breaches within the "soon" window.
    Soon,
    /// Further off.
    Later,
}

/// Classifies a conversation's SLA at `now`.
pub fn sla_standing(c: &Conversation, now: Timestamp, soon: SignedDuration) -> SlaStanding {
    let Some(sla) = &c.sla else {
        return SlaStanding::Unknown;
    };
    if sla.status == super::model::SlaStatus::Missed {
        return SlaStanding::Breached;
    }
    match sla.deadline {
        None => SlaStanding::Unknown,
        Some(d) if d.at <= now => SlaStanding::Breached,
        Some(d) if d.at.duration_since(now) <= soon => SlaStanding::Soon,
        Some(_) => SlaStanding::Later,
    }
}

/// Ids of the open conversations of one inbox, in the policy's priority order.
pub fn inbox_conversations(
    snapshot: &Snapshot,
    policy: &Policy,
    inbox: &InboxId,
) -> Vec<ConversationId> {
    let mut list: Vec<&Conversation> = snapshot
        .conversations
        .iter()
        .filter(|c| c.state.waiting_on_us() && c.inbox.as_ref() == Some(inbox))
        .collect();
    ordering::sort(&mut list, &policy.order, snapshot);
    list.into_iter().map(|c| c.id.clone()).collect()
}

/// Ids of the open conversations assigned to one teammate, in the policy's priority order.
pub fn teammate_conversations(
    snapshot: &Snapshot,
    policy: &Policy,
    teammate: &TeammateId,
) -> Vec<ConversationId> {
    let mut list: Vec<&Conversation> = snapshot
        .conversations
        .iter()
        .filter(|c| c.state.waiting_on_us() && c.assignee.as_ref() == Some(teammate))
        .collect();
    ordering::sort(&mut list, &policy.order, snapshot);
    list.into_iter().map(|c| c.id.clone()).collect()
}

#[cfg(test)]
/// Figures as the one-pass derive computes them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reference {
    pub at: Timestamp,
    pub inboxes: Vec<InboxMetrics>,
    pub teammates: Vec<TeammateMetrics>,
    pub sla_queue: Vec<super::ordering::SlaUrgency>,
    pub totals: Totals,
}

#[cfg(test)]
/// The one-pass derive every incremental figure is checked against.
#[cfg(test)]
pub(crate) fn reference(snapshot: &Snapshot, policy: &Policy, now: Timestamp) -> Reference {
    let teammate_index: HashMap<&TeammateId, usize> = snapshot
        .teammates
        .iter()
        .enumerate()
        .map(|(n, t)| (&t.id, n))
        .collect();
    let mut inboxes: Vec<InboxMetrics> = snapshot
        .inboxes
        .iter()
        .map(|i| {
            let (away, on_duty) = i.members.iter().fold((0, 0), |(a, d), m| {
                match teammate_index
                    .get(&m.teammate)
                    .map(|&n| &snapshot.teammates[n])
                {
                    Some(t) if t.presence.is_away() => (a + 1, d),
                    Some(_) => (a, d + 1),
                    None => (a, d),
                }
            });
            InboxMetrics {
                inbox: i.id.clone(),
                open: 0,
                unassigned: 0,
                waiting: 0,
                oldest_wait: None,
                breached: 0,
                breaching_soon: 0,
                on_duty,
                away,
            }
        })
        .collect();
    let inbox_index: HashMap<&InboxId, usize> = snapshot
        .inboxes
        .iter()
        .enumerate()
        .map(|(n, i)| (&i.id, n))
        .collect();
    let mut loads = vec![(0u32, 0u32); snapshot.teammates.len()];
    let mut oldest: Vec<Option<SignedDuration>> = vec![None; snapshot.teammates.len()];
    let mut last_reply: Vec<Option<Timestamp>> = vec![None; snapshot.teammates.len()];
    let mut totals = Totals::default();

    for c in snapshot
        .conversations
        .iter()
        .filter(|c| c.state.waiting_on_us())
    {
        let standing = sla_standing(c, now, policy.breaching_soon);
        let wait = c.waiting_since.map(|w| now.duration_since(w));
        totals.open += 1;
        totals.unassigned += u32::from(c.assignee.is_none());
        totals.waiting += u32::from(wait.is_some());
        totals.breached += u32::from(standing == SlaStanding::Breached);
        totals.breaching_soon += u32::from(standing == SlaStanding::Soon);

        if let Some(m) = c
            .inbox
            .as_ref()
            .and_then(|id| inbox_index.get(id))
            .map(|&n| &mut inboxes[n])
        {
            m.open += 1;
            m.unassigned += u32::from(c.assignee.is_none());
            if let Some(w) = wait {
                m.waiting += 1;
                m.oldest_wait = Some(m.oldest_wait.map_or(w, |o| o.max(w)));
            }
            m.breached += u32::from(standing == SlaStanding::Breached);
            m.breaching_soon += u32::from(standing == SlaStanding::Soon);
        }
        if let Some(&n) = c.assignee.as_ref().and_then(|id| teammate_index.get(id)) {
            loads[n].0 += 1;
            loads[n].1 += u32::from(wait.is_some());
            if let Some(w) = wait {
                oldest[n] = Some(oldest[n].map_or(w, |o| o.max(w)));
            }
            if c.last_reply_at.is_some() {
                last_reply[n] = last_reply[n].max(c.last_reply_at);
            }
        }
    }

    let teammates: Vec<TeammateMetrics> = snapshot
        .teammates
        .iter()
        .zip(&loads)
        .zip(&oldest)
        .zip(&last_reply)
        .map(|(((t, &(load, waiting)), &oldest_wait), &last_reply)| {
            let utilisation = match t.cap {
                Some(cap) if cap.value > 0 => f64::from(load) / f64::from(cap.value),
                Some(_) if load > 0 => f64::INFINITY,
                _ => 0.0,
            };
            let over_cap = t.cap.is_some_and(|c| load > c.value);
            let has_capacity =
                !t.presence.is_away() && t.has_inbox_seat && t.cap.is_some_and(|c| load < c.value);
            totals.away += u32::from(t.presence.is_away());
            totals.over_cap += u32::from(over_cap);
            TeammateMetrics {
                teammate: t.id.clone(),
                load,
                waiting,
                cap: t.cap,
                utilisation,
                over_cap,
                has_capacity,
                oldest_wait,
                last_reply,
                idle: !t.presence.is_away()
                    && oldest_wait.is_some_and(|w| w > policy.idle_after)
                    && last_reply.is_none_or(|r| now.duration_since(r) > policy.idle_after),
            }
        })
        .collect();

    let sla_queue = ordering::sla_queue(snapshot, now);
    Reference {
        at: now,
        inboxes,
        teammates,
        sla_queue,
        totals,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::derive;
    use crate::domain::model::*;
    use crate::domain::policy::SlaTarget;

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).unwrap()
    }

    fn teammate(id: &str, away: bool, inboxes: &[(&str, Level)]) -> Teammate {
        Teammate {
            id: TeammateId(id.into()),
            name: format!("Teammate {id}"),
            email: format!("{id}@example.com"),
            presence: crate::domain::fixture::away_if(away),
            memberships: inboxes
                .iter()
                .map(|(i, l)| (InboxId((*i).into()), *l))
                .collect(),
            cap: None,
            time_zone: None,
            has_inbox_seat: true,
            default_inbox: None,
            cap_rule: None,
        }
    }

    fn conv(
        id: &str,
        inbox: Option<&str>,
        assignee: Option<&str>,
        waiting: Option<i64>,
    ) -> Conversation {
        Conversation {
            inbox: inbox.map(|i| InboxId(i.into())),
            assignee: assignee.map(|a| TeammateId(a.into())),
            updated_at: t(-60),
            waiting_since: waiting.map(t),
            ..crate::domain::fixture::conversation(id, t(-3600))
        }
    }

    fn fixture() -> Snapshot {
        let inbox = |id: &str, limit: Option<u32>, members: &[(&str, Level)]| Inbox {
            id: InboxId(id.into()),
            name: format!("Inbox {id}"),
            members: members
                .iter()
                .map(|(t, l)| Member {
                    teammate: TeammateId((*t).into()),
                    level: *l,
                })
                .collect(),
            assignment_limit: limit,
            distribution: None,
            secondary_unavailable: None,
        };
        let mut with_sla = conv("c3", Some("billing"), Some("ana"), Some(-1200));
        with_sla.sla = Some(Sla {
            name: "Gold".into(),
            status: SlaStatus::Active,
            deadline: None,
        });
        let mut missed = conv("c4", Some("billing"), None, Some(-300));
        missed.sla = Some(Sla {
            name: "Gold".into(),
            status: SlaStatus::Missed,
            deadline: None,
        });
        let mut snoozed = conv("c6", Some("billing"), Some("ana"), None);
        snoozed.state = ConversationState::Snoozed;
        Snapshot {
            taken_at: t(0),
            workspace: Workspace::default(),
            inboxes: vec![
                inbox(
                    "billing",
                    Some(2),
                    &[("ana", Level::Primary), ("bo", Level::Secondary)],
                ),
                inbox(
                    "tech",
                    None,
                    &[("bo", Level::Primary), ("cy", Level::Primary)],
                ),
            ]
            .into(),
            teammates: vec![
                teammate("ana", false, &[("billing", Level::Primary)]),
                teammate(
                    "bo",
                    false,
                    &[("billing", Level::Secondary), ("tech", Level::Primary)],
                ),
                teammate("cy", true, &[("tech", Level::Primary)]),
            ]
            .into(),
            conversations: vec![
                conv("c1", Some("billing"), Some("ana"), Some(-600)),
                conv("c2", Some("billing"), Some("ana"), None),
                with_sla,
                missed,
                conv("c5", Some("tech"), None, Some(-60)),
                snoozed,
                conv("c7", None, Some("bo"), None),
            ]
            .into(),
            away_reasons: vec![].into(),
            warnings: vec![],
        }
    }

    fn policy() -> Policy {
        Policy {
            caps: crate::domain::policy::CapPolicy {
                default: 5,
                overrides: vec![(
                    "CY@example.com".into(),
                    crate::domain::policy::CapOverride::fixed(1),
                )],
            },
            sla_targets: vec![SlaTarget {
                name: Some("Gold".into()),
                priority: None,
                first_response: SignedDuration::from_mins(30),
                next_response: SignedDuration::from_hours(1),
            }],
            ..Policy::default()
        }
    }

    #[test]
    fn inbox_figures_count_open_conversations_only() {
        let mut s = fixture();
        let p = policy();
        p.apply(&mut s);
        let m = derive(&s, &p, t(0));
        let billing = m.inbox(&InboxId("billing".into())).unwrap();
        assert_eq!(billing.open, 4, "snoozed c6 is not open");
        assert_eq!(billing.unassigned, 1);
        assert_eq!(billing.waiting, 3);
        assert_eq!(billing.oldest_wait, Some(SignedDuration::from_secs(1200)));
        assert_eq!(billing.breached, 1, "c4 reported missed");
        // c3 waits since -1200 with a 30 min first-response target: 600 s left, inside 15 min.
        assert_eq!(billing.breaching_soon, 1);
        assert_eq!((billing.on_duty, billing.away), (2, 0));
        let tech = m.inbox(&InboxId("tech".into())).unwrap();
        assert_eq!(
            (tech.open, tech.unassigned, tech.on_duty, tech.away),
            (1, 1, 1, 1)
        );
        assert_eq!(m.totals.open, 6);
        assert_eq!(m.totals.unassigned, 2);
    }

    #[test]
    fn teammate_load_against_cap() {
        let mut s = fixture();
        let p = policy();
        p.apply(&mut s);
        let m = derive(&s, &p, t(0));
        let ana = m.teammate(&TeammateId("ana".into())).unwrap();
        assert_eq!(ana.load, 3, "c1, c2, c3; snoozed c6 not counted");
        assert_eq!(
            ana.cap.map(|c| (c.value, c.source)),
            Some((2, CapSource::TeamLimit))
        );
        assert!(ana.over_cap && !ana.has_capacity);
        assert!((ana.utilisation - 1.5).abs() < 1e-9);
        let bo = m.teammate(&TeammateId("bo".into())).unwrap();
        assert_eq!(bo.load, 1);
        assert_eq!(
            bo.cap.map(|c| c.value),
            Some(2),
            "smallest team limit among inboxes"
        );
        assert!(bo.has_capacity && !bo.over_cap);
        let cy = m.teammate(&TeammateId("cy".into())).unwrap();
        assert_eq!(
            cy.cap.map(|c| (c.value, c.source)),
            Some((1, CapSource::Config))
        );
        assert!(!cy.has_capacity, "away teammates have no capacity");
        assert_eq!(m.totals.over_cap, 1);
        assert_eq!(m.totals.away, 1);
    }

    #[test]
    fn idle_means_a_customer_waits_and_no_recent_reply_anywhere() {
        let mut s = fixture();
        let p = Policy {
            idle_after: SignedDuration::from_mins(15),
            ..policy()
        };
        p.apply(&mut s);
        // Ana's c3 has waited 20 minutes and she never replied: idle.
        let m = derive(&s, &p, t(0));
        assert!(m.teammate(&TeammateId("ana".into())).unwrap().idle);
        // A reply of hers 5 minutes ago in another conversation: not idle.
        s.conversations
            .get_mut(&ConversationId("c2".into()))
            .unwrap()
            .last_reply_at = Some(t(-300));
        let m = derive(&s, &p, t(0));
        let ana = m.teammate(&TeammateId("ana".into())).unwrap();
        assert!(!ana.idle);
        assert_eq!(ana.last_reply, Some(t(-300)));
        // Away teammates are never idle.
        assert!(!m.teammate(&TeammateId("cy".into())).unwrap().idle);
    }

    #[test]
    fn zero_cap_with_load_is_over_cap() {
        let mut s = fixture();
        let p = Policy {
            caps: crate::domain::policy::CapPolicy {
                default: 0,
                overrides: vec![("ana".into(), crate::domain::policy::CapOverride::fixed(0))],
            },
            ..policy()
        };
        p.apply(&mut s);
        let m = derive(&s, &p, t(0));
        let ana = m.teammate(&TeammateId("ana".into())).unwrap();
        assert!(ana.over_cap);
        assert!(ana.utilisation.is_infinite());
    }

    #[test]
    fn sla_standing_moves_with_the_clock() {
        let mut s = fixture();
        let p = policy();
        p.apply(&mut s);
        let c3 = s.conversation(&ConversationId("c3".into())).unwrap();
        let soon = p.breaching_soon;
        assert_eq!(sla_standing(c3, t(-600), soon), SlaStanding::Later);
        assert_eq!(sla_standing(c3, t(0), soon), SlaStanding::Soon);
        assert_eq!(sla_standing(c3, t(600), soon), SlaStanding::Breached);
        let c1 = s.conversation(&ConversationId("c1".into())).unwrap();
        assert_eq!(sla_standing(c1, t(0), soon), SlaStanding::Unknown);
    }

    #[test]
    fn conversations_of_an_inbox_follow_the_priority_rule() {
        let mut s = fixture();
        let p = policy();
        p.apply(&mut s);
        // Default rule: SLA deadline, priority, waiting time, created.
        let ids = inbox_conversations(&s, &p, &InboxId("billing".into()));
        let ids: Vec<&str> = ids.iter().map(|i| i.as_str()).collect();
        assert_eq!(
            ids,
            ["c4", "c3", "c1", "c2"],
            "missed, then deadline, then waiting"
        );
        let p2 = Policy {
            order: vec![crate::domain::policy::SortKey::WaitingTime],
            ..policy()
        };
        let ids = inbox_conversations(&s, &p2, &InboxId("billing".into()));
        let ids: Vec<&str> = ids.iter().map(|i| i.as_str()).collect();
        assert_eq!(ids, ["c3", "c1", "c4", "c2"]);
        let ids = teammate_conversations(&s, &p, &TeammateId("ana".into()));
        assert_eq!(ids.len(), 3);
    }

    #[test]
    fn sla_queue_puts_misses_first_then_nearest_deadline() {
        let mut s = fixture();
        let p = policy();
        p.apply(&mut s);
        let m = derive(&s, &p, t(0));
        let q: Vec<(String, i64, bool)> = m
            .sla_queue
            .iter()
            .map(|u| (u.conversation.to_string(), u.remaining.as_secs(), u.missed))
            .collect();
        assert_eq!(q, [("c4".into(), 0, true), ("c3".to_string(), 600, false)]);
        assert!(m.sla_queue.iter().all(|u| !u.exact));
    }
}
