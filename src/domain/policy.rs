//! Local rules that fill gaps in what a backend can tell: caps, SLA targets, ordering.
//!
//! Built from the config file; applied to a [`Snapshot`] by pure functions.

use super::model::{
    Cap, CapSource, Conversation, ConversationId, Conversations, Deadline, Inbox, Priority, Sla,
    SlaStatus, Snapshot, Teammate,
};
pub use super::ordering::SortKey;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// How caps are resolved: per-teammate override (fixed or a ramp-up), else the team's limit,
/// else the default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapPolicy {
    /// Workspace default cap.
    pub default: u32,
    /// Overrides keyed by teammate id or email (emails compared case-insensitively).
    pub overrides: Vec<(String, CapOverride)>,
}

/// One step of a ramp-up: this cap, up to and including `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RampStep {
    /// Last day the step is in force.
    pub until: jiff::civil::Date,
    /// The cap meanwhile.
    pub cap: u32,
}

/// A per-teammate cap: fixed, or a ramp-up for a new hire (steps by date, then a final cap or
/// the usual resolution).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapOverride {
    /// Ramp-up steps, any order; the earliest step not yet over is in force.
    pub steps: Vec<RampStep>,
    /// The cap once every step is over; `None` falls back to team limit / default.
    pub then: Option<u32>,
}

impl CapOverride {
    /// A fixed cap.
    pub fn fixed(cap: u32) -> Self {
        Self {
            steps: Vec::new(),
            then: Some(cap),
        }
    }

    /// The cap in force on `today` and its source, if this override has one.
    pub fn in_force(&self, today: jiff::civil::Date) -> Option<Cap> {
        let step = self
            .steps
            .iter()
            .filter(|s| today <= s.until)
            .min_by_key(|s| s.until);
        match step {
            Some(s) => Some(Cap {
                value: s.cap,
                source: CapSource::Ramp { until: s.until },
            }),
            None => self.then.map(|value| Cap {
                value,
                source: CapSource::Config,
            }),
        }
    }
}

impl Default for CapPolicy {
    fn default() -> Self {
        Self {
            default: 8,
            overrides: Vec::new(),
        }
    }
}

impl CapPolicy {
    /// The cap for `teammate` on `today`, given the assignment limits of their inboxes.
    ///
    /// When several of their inboxes carry a limit, the smallest wins: it is the one that
    /// stops assignment first.
    pub fn resolve(
        &self,
        teammate: &Teammate,
        team_limits: impl Iterator<Item = u32>,
        today: jiff::civil::Date,
    ) -> Cap {
        let by_override = self
            .overrides
            .iter()
            .find(|(key, _)| {
                key == teammate.id.as_str() || key.eq_ignore_ascii_case(&teammate.email)
            })
            .and_then(|(_, o)| o.in_force(today));
        if let Some(cap) = by_override {
            return cap;
        }
        match team_limits.min() {
            Some(value) => Cap {
                value,
                source: CapSource::TeamLimit,
            },
            None => Cap {
                value: self.default,
                source: CapSource::WorkspaceDefault,
            },
        }
    }
}

/// Response-time targets of one SLA, matched by name or, failing that, by priority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaTarget {
    /// SLA policy name as the backend reports it.
    pub name: Option<String>,
    /// Priority this target applies to when no name matches.
    pub priority: Option<Priority>,
    /// Time allowed for the first teammate reply.
    pub first_response: SignedDuration,
    /// Time allowed for each later reply.
    pub next_response: SignedDuration,
}

/// Local rules applied to every snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Cap resolution.
    pub caps: CapPolicy,
    /// SLA targets for estimating deadlines.
    pub sla_targets: Vec<SlaTarget>,
    /// The conversation priority rule, most significant key first.
    pub order: Vec<SortKey>,
    /// A deadline closer than this counts as "breaching soon".
    pub breaching_soon: SignedDuration,
    /// IANA time zones keyed by teammate id or email (backends do not expose them).
    pub time_zones: Vec<(String, String)>,
    /// A teammate (not away) whose customer has waited longer than this is flagged idle.
    pub idle_after: SignedDuration,
    /// Forecasts: replies one on-duty teammate gives per hour.
    pub replies_per_hour: u32,
    /// Forecasts: the reply-time target a newly arriving customer is held to.
    pub forecast_target: SignedDuration,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            caps: CapPolicy::default(),
            sla_targets: Vec::new(),
            order: vec![
                SortKey::SlaDeadline,
                SortKey::Priority,
                SortKey::WaitingTime,
                SortKey::CreatedAt,
            ],
            breaching_soon: SignedDuration::from_mins(15),
            time_zones: Vec::new(),
            idle_after: SignedDuration::from_mins(30),
            replies_per_hour: 6,
            forecast_target: SignedDuration::from_hours(1),
        }
    }
}

impl Policy {
    /// The target for an SLA name, falling back to the conversation's priority.
    pub fn target_for(&self, sla_name: &str, priority: Priority) -> Option<&SlaTarget> {
        self.sla_targets
            .iter()
            .find(|t| t.name.as_deref() == Some(sla_name))
            .or_else(|| {
                self.sla_targets
                    .iter()
                    .find(|t| t.name.is_none() && t.priority == Some(priority))
            })
    }

    /// Estimates the next breach time of an active SLA from its targets and `waiting_since`.
    ///
    /// Returns `None` when nothing is owed (the last reply was ours, the SLA is settled) or
    /// no target matches.
    pub fn estimate_deadline(&self, conversation: &Conversation, sla: &Sla) -> Option<Deadline> {
        if !sla.status.is_running() && sla.status != SlaStatus::Missed {
            return None;
        }
        let waiting_since = conversation.waiting_since?;
        let target = self.target_for(&sla.name, conversation.priority)?;
        let allowed = if conversation.first_reply_at.is_none() {
            target.first_response
        } else {
            target.next_response
        };
        let at = waiting_since.checked_add(allowed).ok()?;
        Some(Deadline { at, exact: false })
    }

    /// Resolves caps, fills time zones, and estimates SLA deadlines where the backend gave none.
    /// O(conversations): a refresh that knows what changed uses [`Policy::apply_people`] and
    /// [`Policy::prepare`] on the changed conversations instead.
    pub fn apply(&self, snapshot: &mut Snapshot) {
        self.apply_people(snapshot);
        let due: Vec<ConversationId> = snapshot
            .conversations
            .iter()
            .filter(|c| !self.is_prepared(c))
            .map(|c| c.id.clone())
            .collect();
        self.prepare_ids(&mut snapshot.conversations, &due);
    }

    /// [`Policy::prepare`] on the conversations with these ids, copying only those that change.
    pub fn prepare_ids<'a>(
        &self,
        conversations: &mut Conversations,
        ids: impl IntoIterator<Item = &'a ConversationId>,
    ) {
        for id in ids {
            if conversations.get(id).is_some_and(|c| !self.is_prepared(c))
                && let Some(c) = conversations.get_mut(id)
            {
                self.prepare(c);
            }
        }
    }

    /// Resolves caps and fills time zones of every teammate (O(teammates × memberships)).
    pub fn apply_people(&self, snapshot: &mut Snapshot) {
        let today = snapshot.taken_at.to_zoned(jiff::tz::TimeZone::UTC).date();
        let limits = team_limits(&snapshot.inboxes);
        for teammate in &mut snapshot.teammates {
            self.resolve_teammate(teammate, &limits, today);
        }
    }

    /// [`Policy::apply_people`] for one teammate of a snapshot whose inboxes are `inboxes`
    /// (O(its memberships + inboxes with a limit)): a patched teammate gets the cap and time
    /// zone a full apply would give.
    pub fn apply_teammate(
        &self,
        teammate: &mut Teammate,
        inboxes: &[Inbox],
        today: jiff::civil::Date,
    ) {
        self.resolve_teammate(teammate, &team_limits(inboxes), today);
    }

    fn resolve_teammate(
        &self,
        teammate: &mut Teammate,
        limits: &std::collections::HashMap<&str, u32>,
        today: jiff::civil::Date,
    ) {
        let team_limits = teammate
            .memberships
            .iter()
            .filter_map(|(inbox, _)| limits.get(inbox.as_str()).copied());
        // A cap the backend read from its own capacity rule wins: the helpdesk enforces it.
        if !teammate
            .cap
            .is_some_and(|c| c.source == CapSource::CapacityRule)
        {
            teammate.cap = Some(self.caps.resolve(teammate, team_limits, today));
            teammate.cap_rule = None;
        }
        if let Some((_, tz)) = self.time_zones.iter().find(|(key, _)| {
            key == teammate.id.as_str() || key.eq_ignore_ascii_case(&teammate.email)
        }) {
            teammate.time_zone = Some(tz.clone());
        }
    }

    /// Estimates one conversation's SLA deadline where the backend gave none. A function of
    /// the conversation and the policy alone (never of the clock), so it runs once per change
    /// and the countdown is the deadline minus the clock.
    pub fn prepare(&self, conversation: &mut Conversation) {
        if conversation.state.is_done() {
            return;
        }
        let Some(sla) = conversation.sla.as_ref() else {
            return;
        };
        if sla.deadline.is_some_and(|d| d.exact) {
            return;
        }
        let estimate = self.estimate_deadline(conversation, sla);
        if let Some(s) = conversation.sla.as_mut()
            && s.deadline != estimate
        {
            s.deadline = estimate;
        }
    }

    /// `true` when [`Policy::prepare`] would change nothing (cheap to check before a copy).
    pub fn is_prepared(&self, conversation: &Conversation) -> bool {
        match conversation.sla.as_ref() {
            Some(sla)
                if !conversation.state.is_done() && !sla.deadline.is_some_and(|d| d.exact) =>
            {
                sla.deadline == self.estimate_deadline(conversation, sla)
            }
            _ => true,
        }
    }
}

/// Each inbox's assignment limit, by inbox id.
fn team_limits(inboxes: &[Inbox]) -> std::collections::HashMap<&str, u32> {
    inboxes
        .iter()
        .filter_map(|i| i.assignment_limit.map(|l| (i.id.as_str(), l)))
        .collect()
}

/// Whether `deadline` has passed at `now`.
pub fn is_past(deadline: &Deadline, now: Timestamp) -> bool {
    deadline.at <= now
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::*;

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).unwrap()
    }

    fn conv(
        priority: Priority,
        waiting: Option<i64>,
        replied: bool,
        sla: SlaStatus,
    ) -> Conversation {
        Conversation {
            id: ConversationId("1".into()),
            title: None,
            state: ConversationState::Open,
            raw_state: None,
            priority,
            inbox: None,
            assignee: None,
            created_at: t(-7200),
            updated_at: t(0),
            waiting_since: waiting.map(t),
            snoozed_until: None,
            first_reply_at: replied.then(|| t(-3600)),
            last_reply_at: replied.then(|| t(-3600)),
            sla: Some(Sla {
                name: "Gold".into(),
                status: sla,
                deadline: None,
            }),
        }
    }

    fn policy() -> Policy {
        Policy {
            sla_targets: vec![
                SlaTarget {
                    name: Some("Gold".into()),
                    priority: None,
                    first_response: SignedDuration::from_mins(10),
                    next_response: SignedDuration::from_mins(60),
                },
                SlaTarget {
                    name: None,
                    priority: Some(Priority::Urgent),
                    first_response: SignedDuration::from_mins(5),
                    next_response: SignedDuration::from_mins(20),
                },
            ],
            ..Policy::default()
        }
    }

    #[test]
    fn first_response_target_until_first_reply_then_next_response() {
        let p = policy();
        let c = conv(Priority::None, Some(0), false, SlaStatus::Active);
        let d = p.estimate_deadline(&c, c.sla.as_ref().unwrap()).unwrap();
        assert_eq!((d.at, d.exact), (t(600), false));
        let c = conv(Priority::None, Some(0), true, SlaStatus::Active);
        let d = p.estimate_deadline(&c, c.sla.as_ref().unwrap()).unwrap();
        assert_eq!(d.at, t(3600));
    }

    #[test]
    fn nothing_owed_means_no_deadline() {
        let p = policy();
        for c in [
            conv(Priority::None, None, true, SlaStatus::Active),
            conv(Priority::None, Some(0), false, SlaStatus::Hit),
            conv(Priority::None, Some(0), false, SlaStatus::Cancelled),
        ] {
            assert_eq!(p.estimate_deadline(&c, c.sla.as_ref().unwrap()), None);
        }
    }

    #[test]
    fn name_match_wins_over_priority_and_priority_is_the_fallback() {
        let p = policy();
        let c = conv(Priority::Urgent, Some(0), false, SlaStatus::Active);
        assert_eq!(
            p.estimate_deadline(&c, c.sla.as_ref().unwrap()).unwrap().at,
            t(600)
        );
        let mut c = conv(Priority::Urgent, Some(0), false, SlaStatus::Active);
        c.sla.as_mut().unwrap().name = "Unknown policy".into();
        let sla = c.sla.clone().unwrap();
        assert_eq!(p.estimate_deadline(&c, &sla).unwrap().at, t(300));
        let mut c = conv(Priority::Low, Some(0), false, SlaStatus::Active);
        c.sla.as_mut().unwrap().name = "Unknown policy".into();
        let sla = c.sla.clone().unwrap();
        assert_eq!(p.estimate_deadline(&c, &sla), None);
    }

    #[test]
    fn apply_keeps_exact_deadlines_and_fills_estimates() {
        let p = policy();
        let mut exact = conv(Priority::None, Some(0), false, SlaStatus::Active);
        exact.id = ConversationId("exact".into());
        exact.sla.as_mut().unwrap().deadline = Some(Deadline {
            at: t(42),
            exact: true,
        });
        let estimated = conv(Priority::None, Some(0), false, SlaStatus::Active);
        let mut s = Snapshot {
            taken_at: t(0),
            workspace: Workspace::default(),
            inboxes: vec![].into(),
            teammates: vec![].into(),
            conversations: vec![exact, estimated].into(),
            away_reasons: vec![].into(),
            warnings: vec![],
        };
        p.apply(&mut s);
        let d: Vec<_> = ["exact", "1"]
            .iter()
            .map(|id| {
                let c = s.conversation(&ConversationId((*id).into())).unwrap();
                c.sla.as_ref().unwrap().deadline.unwrap()
            })
            .collect();
        assert_eq!(
            d[0],
            Deadline {
                at: t(42),
                exact: true
            }
        );
        assert_eq!(
            d[1],
            Deadline {
                at: t(600),
                exact: false
            }
        );
    }

    #[test]
    fn a_capacity_rule_cap_from_the_backend_wins_over_config() {
        let p = Policy {
            caps: CapPolicy {
                default: 8,
                overrides: vec![("r".into(), CapOverride::fixed(3))],
            },
            ..Policy::default()
        };
        let mut s = crate::domain::fixture::snapshot(t(0));
        let mut ruled = crate::domain::fixture::teammate("r");
        ruled.cap = Some(Cap {
            value: 5,
            source: CapSource::CapacityRule,
        });
        ruled.cap_rule = Some("Email team".into());
        s.teammates = vec![ruled, crate::domain::fixture::teammate("x")].into();
        p.apply(&mut s);
        assert_eq!(s.teammates[0].cap.unwrap().value, 5);
        assert_eq!(
            s.teammates[0].cap_source().as_deref(),
            Some("capacity rule Email team")
        );
        assert_eq!(
            s.teammates[1].cap.unwrap().source,
            CapSource::WorkspaceDefault
        );
    }

    #[test]
    fn cap_override_matches_id_or_email_case_insensitively() {
        let caps = CapPolicy {
            default: 8,
            overrides: vec![
                ("ANA@Example.com".into(), CapOverride::fixed(3)),
                ("77".into(), CapOverride::fixed(4)),
            ],
        };
        let mut mate = Teammate {
            id: TeammateId("1".into()),
            name: "Ana".into(),
            email: "ana@example.com".into(),
            presence: Presence::default(),
            memberships: vec![],
            cap: None,
            time_zone: None,
            has_inbox_seat: true,
            default_inbox: None,
            cap_rule: None,
        };
        assert_eq!(caps.resolve(&mate, [5].into_iter(), day(1)).value, 3);
        mate.email = "x@example.com".into();
        mate.id = TeammateId("77".into());
        assert_eq!(
            caps.resolve(&mate, [5].into_iter(), day(1)).source,
            CapSource::Config
        );
        mate.id = TeammateId("78".into());
        let cap = caps.resolve(&mate, [5, 2].into_iter(), day(1));
        assert_eq!((cap.value, cap.source), (2, CapSource::TeamLimit));
        let cap = caps.resolve(&mate, std::iter::empty(), day(1));
        assert_eq!((cap.value, cap.source), (8, CapSource::WorkspaceDefault));
    }

    fn day(d: i8) -> jiff::civil::Date {
        jiff::civil::date(2026, 12, d)
    }

    #[test]
    fn a_ramp_up_steps_through_its_caps_then_settles() {
        let ramp = CapOverride {
            steps: vec![
                RampStep {
                    until: day(15),
                    cap: 4,
                },
                RampStep {
                    until: day(7),
                    cap: 2,
                },
            ],
            then: Some(6),
        };
        let at = |d| ramp.in_force(day(d)).unwrap();
        assert_eq!(at(1).value, 2);
        assert_eq!(at(7).source, CapSource::Ramp { until: day(7) }, "inclusive");
        assert_eq!(
            (at(8).value, at(8).source),
            (4, CapSource::Ramp { until: day(15) })
        );
        assert_eq!((at(16).value, at(16).source), (6, CapSource::Config));
        let open_ended = CapOverride {
            steps: ramp.steps.clone(),
            then: None,
        };
        assert_eq!(
            open_ended.in_force(day(16)),
            None,
            "falls back to the usual rules"
        );
    }

    proptest::proptest! {
        #[test]
        fn the_cap_in_force_is_a_step_or_the_final_cap(
            steps in proptest::collection::vec((1i8..=28, 0u32..20), 0..5),
            then in proptest::option::of(0u32..20),
            d in 1i8..=31,
        ) {
            let o = CapOverride {
                steps: steps.iter().map(|&(u, cap)| RampStep { until: day(u), cap }).collect(),
                then,
            };
            match o.in_force(day(d)) {
                Some(Cap { value, source: CapSource::Ramp { until } }) => {
                    proptest::prop_assert!(until >= day(d));
                    proptest::prop_assert!(o.steps.iter().any(|s| s.until == until && s.cap == value));
                    proptest::prop_assert!(!o.steps.iter().any(|s| s.until >= day(d) && s.until < until));
                }
                Some(cap) => {
                    proptest::prop_assert_eq!(Some(cap.value), then);
                    proptest::prop_assert!(o.steps.iter().all(|s| s.until < day(d)));
                }
                None => proptest::prop_assert!(then.is_none() && o.steps.iter().all(|s| s.until < day(d))),
            }
        }
    }
}
