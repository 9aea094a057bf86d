//! Breach forecasts per inbox: a smoothed arrival rate, a fluid queue projection, and the
//! Erlang C model for "how many teammates does this traffic need".
//!
//! Rates are per minute unless a name says otherwise.

use super::metrics::Metrics;
use super::model::{ConversationId, InboxId, Snapshot};
use super::policy::Policy;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Arrivals of new conversations per inbox, exponentially smoothed over polls.
///
/// Each poll counts the conversations of the snapshot created since the previous poll. Counts
/// and elapsed time are smoothed separately and divided, so irregular poll intervals weigh in
/// proportion to their length. Conversations created and closed between two polls are not in
/// a snapshot and go uncounted, and a conversation moved in from another inbox is not an
/// arrival: the rate leans low.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrivalTracker {
    half_life: SignedDuration,
    last_poll: Option<Timestamp>,
    /// Smoothed minutes observed.
    minutes: f64,
    /// Smoothed arrival counts.
    arrivals: BTreeMap<InboxId, f64>,
}

impl ArrivalTracker {
    /// A tracker in which an observation's weight halves every `half_life`.
    pub fn new(half_life: SignedDuration) -> Self {
        Self {
            half_life,
            last_poll: None,
            minutes: 0.0,
            arrivals: BTreeMap::new(),
        }
    }

    /// Counts the arrivals per inbox since the previous poll. The first poll only sets the
    /// starting point; a poll not later than the previous one is ignored.
    pub fn observe(&mut self, snapshot: &Snapshot, now: Timestamp) {
        self.observe_changed(snapshot, snapshot.conversations.iter(), now);
    }

    /// [`ArrivalTracker::observe`] counting only `candidates`: after a refresh, its changed
    /// conversations. A conversation created since the previous poll was not in the previous
    /// snapshot (read before that poll), so it is among them; O(changes).
    pub fn observe_changed<'a>(
        &mut self,
        snapshot: &Snapshot,
        candidates: impl Iterator<Item = &'a super::model::Conversation>,
        now: Timestamp,
    ) {
        let Some(last) = self.last_poll.filter(|l| *l < now) else {
            if self.last_poll.is_none() {
                self.last_poll = Some(now);
            }
            return;
        };
        let minutes = now.duration_since(last).as_secs_f64() / 60.0;
        let half_life = self.half_life.as_secs_f64() / 60.0;
        let keep = if half_life > 0.0 {
            0.5f64.powf(minutes / half_life)
        } else {
            0.0
        };
        // Arrivals among the candidates, into inboxes of the snapshot (O(candidates)).
        let mut counts: BTreeMap<&InboxId, u32> = BTreeMap::new();
        for c in candidates {
            if c.created_at > last
                && c.created_at <= now
                && let Some(i) = c.inbox.as_ref()
            {
                *counts.entry(i).or_default() += 1;
            }
        }
        counts.retain(|i, _| snapshot.inbox(i).is_some());
        for value in self.arrivals.values_mut() {
            *value *= keep;
        }
        for (inbox, n) in counts {
            *self.arrivals.entry(inbox.clone()).or_default() += f64::from(n);
        }
        self.minutes = self.minutes * keep + minutes;
        self.last_poll = Some(now);
    }

    /// Smoothed arrivals per minute into `inbox`; `None` before two polls.
    pub fn per_min(&self, inbox: &InboxId) -> Option<f64> {
        if self.minutes <= 0.0 {
            return None;
        }
        Some(self.arrivals.get(inbox).copied().unwrap_or(0.0) / self.minutes)
    }
}

/// Assumptions of a forecast the backends cannot tell.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ForecastParams {
    /// Replies one on-duty teammate gives per hour.
    pub handled_per_teammate_per_hour: f64,
    /// The reply-time target a newly arriving customer is held to.
    pub sla_target: SignedDuration,
}

impl From<&Policy> for ForecastParams {
    /// The forecast assumptions a policy sets.
    fn from(p: &Policy) -> Self {
        ForecastParams {
            handled_per_teammate_per_hour: f64::from(p.replies_per_hour),
            sla_target: p.forecast_target,
        }
    }
}

/// What breaches first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum BreachCause {
    /// A waiting conversation's SLA deadline.
    Deadline(ConversationId),
    /// The queue grows so that a new customer would wait past the target.
    Backlog,
}

/// The first expected breach of an inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breach {
    /// Time from now.
    pub after: SignedDuration,
    /// Why.
    pub cause: BreachCause,
}

/// The forecast of one inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxForecast {
    /// The inbox.
    pub inbox: InboxId,
    /// Open conversations whose customer waits for a reply now.
    pub depth: u32,
    /// Smoothed arrivals per minute; `None` until the tracker has seen two polls.
    pub arrivals_per_min: Option<f64>,
    /// Replies per minute the on-duty members give.
    pub handled_per_min: f64,
    /// The first upcoming breach, when one is expected.
    pub first_breach: Option<Breach>,
}

impl InboxForecast {
    /// The projected queue depth `minutes` from now (unknown arrivals count as none).
    pub fn depth_after(&self, minutes: f64) -> f64 {
        projected_depth(
            f64::from(self.depth),
            self.arrivals_per_min.unwrap_or(0.0),
            self.handled_per_min,
            minutes,
        )
    }
}

/// Fluid-model queue depth after `minutes`: `depth + (arrivals − handled) · minutes`, never
/// below zero.
pub fn projected_depth(
    depth: f64,
    arrivals_per_min: f64,
    handled_per_min: f64,
    minutes: f64,
) -> f64 {
    (depth + (arrivals_per_min - handled_per_min) * minutes).max(0.0)
}

/// Minutes from now until a newly arriving customer breaches `target_min`, in the fluid model
/// where a customer arriving at `t` waits `depth(t) / handled` minutes. `None` when nobody
/// arrives or every arrival is answered in time.
pub fn backlog_breach_in(
    depth: f64,
    arrivals_per_min: f64,
    handled_per_min: f64,
    target_min: f64,
) -> Option<f64> {
    if arrivals_per_min <= 0.0 || target_min.is_nan() {
        return None;
    }
    let target_min = target_min.max(0.0);
    if handled_per_min <= 0.0 || depth >= target_min * handled_per_min {
        // Who arrives now already waits too long.
        return Some(target_min);
    }
    if arrivals_per_min <= handled_per_min {
        return None;
    }
    // depth(t*) / handled = target, then that customer's wait runs out.
    let t_star = (target_min * handled_per_min - depth) / (arrivals_per_min - handled_per_min);
    Some(t_star + target_min)
}

/// Forecasts every inbox of `snapshot` at `now`.
///
/// The handling rate is the inbox's on-duty (not away) members, primary and secondary, times
/// [`ForecastParams::handled_per_teammate_per_hour`]. The first breach is the earlier of the
/// nearest future SLA deadline of an open conversation and the backlog breach of
/// [`backlog_breach_in`]; deadlines already passed are breaches, not forecasts, and are left
/// to [`Metrics`].
pub fn forecast(
    snapshot: &Snapshot,
    metrics: &Metrics,
    arrivals: &ArrivalTracker,
    params: &ForecastParams,
    now: Timestamp,
) -> Vec<InboxForecast> {
    // The nearest future SLA deadline of each inbox, in one pass over the conversations.
    let mut nearest: std::collections::HashMap<&InboxId, (Timestamp, &ConversationId)> =
        std::collections::HashMap::new();
    for c in snapshot.conversations.iter() {
        let (true, Some(inbox)) = (c.state.waiting_on_us(), c.inbox.as_ref()) else {
            continue;
        };
        let Some(at) = c
            .sla
            .as_ref()
            .filter(|s| s.status.is_running())
            .and_then(|s| s.deadline)
            .map(|d| d.at)
            .filter(|at| *at > now)
        else {
            continue;
        };
        let candidate = (at, &c.id);
        let e = nearest.entry(inbox).or_insert(candidate);
        if candidate < *e {
            *e = candidate;
        }
    }
    forecast_with(snapshot, metrics, arrivals, params, now, |inbox| {
        nearest.get(inbox).copied()
    })
}

/// [`forecast`] with the nearest future running SLA deadline of each inbox given by
/// `nearest` (e.g. [`super::live::Live::nearest_deadline`], O(log n) per inbox) rather than
/// found by a pass over every conversation.
pub fn forecast_with<'a>(
    snapshot: &Snapshot,
    metrics: &Metrics,
    arrivals: &ArrivalTracker,
    params: &ForecastParams,
    now: Timestamp,
    nearest: impl Fn(&InboxId) -> Option<(Timestamp, &'a ConversationId)>,
) -> Vec<InboxForecast> {
    snapshot
        .inboxes
        .iter()
        .enumerate()
        .map(|(n, inbox)| {
            forecast_one(
                &inbox.id,
                metrics.inbox_at(n, &inbox.id),
                arrivals,
                params,
                now,
                nearest(&inbox.id),
            )
        })
        .collect()
}

/// The forecast of one inbox from its figures and its nearest future running SLA deadline
/// (O(1) given those: what a screen shows is computed for the rows it shows).
pub fn forecast_one(
    inbox: &InboxId,
    figures: Option<&super::metrics::InboxMetrics>,
    arrivals: &ArrivalTracker,
    params: &ForecastParams,
    now: Timestamp,
    nearest: Option<(Timestamp, &ConversationId)>,
) -> InboxForecast {
    let depth = figures.map_or(0, |m| m.waiting);
    let on_duty = figures.map_or(0, |m| m.on_duty);
    let handled_per_min = f64::from(on_duty) * params.handled_per_teammate_per_hour / 60.0;
    let arrivals_per_min = arrivals.per_min(inbox);

    let deadline = nearest.map(|(at, id)| Breach {
        after: at.duration_since(now),
        cause: BreachCause::Deadline(id.clone()),
    });
    let backlog = backlog_breach_in(
        f64::from(depth),
        arrivals_per_min.unwrap_or(0.0),
        handled_per_min,
        params.sla_target.as_secs_f64() / 60.0,
    )
    .and_then(|min| SignedDuration::try_from_secs_f64(min * 60.0).ok())
    .map(|after| Breach {
        after,
        cause: BreachCause::Backlog,
    });
    let first_breach = match (deadline, backlog) {
        (Some(d), Some(b)) => Some(if b.after < d.after { b } else { d }),
        (d, b) => d.or(b),
    };
    InboxForecast {
        inbox: inbox.clone(),
        depth,
        arrivals_per_min,
        handled_per_min,
        first_breach,
    }
}

/// Erlang C: the probability that an arrival waits, with `agents` servers and
/// `traffic_erlangs` offered load (arrival rate × mean handling time).
///
/// 1 when the traffic is at or above the number of agents (the queue grows without bound),
/// 0 when there is no traffic. Computed through the Erlang B recursion, which stays stable for
/// large numbers of agents.
pub fn erlang_c(agents: u32, traffic_erlangs: f64) -> f64 {
    let a = traffic_erlangs;
    if a.is_nan() || a <= 0.0 {
        return 0.0;
    }
    let n = f64::from(agents);
    if a >= n {
        return 1.0;
    }
    let mut b = 1.0;
    for k in 1..=agents {
        b = a * b / (f64::from(k) + a * b);
    }
    (n * b / (n - a * (1.0 - b))).clamp(0.0, 1.0)
}

/// The share of arrivals answered within `target_s` seconds (Erlang C):
/// `1 − C · e^(−(agents − traffic) · target / handle)`.
///
/// `None` when the queue is unstable (traffic ≥ agents) or an input is negative or not a
/// number; with no traffic it is 1.
pub fn service_level(
    agents: u32,
    arrival_rate_per_s: f64,
    mean_handle_s: f64,
    target_s: f64,
) -> Option<f64> {
    let valid = |x: f64| x.is_finite() && x >= 0.0;
    if !valid(arrival_rate_per_s)
        || !valid(target_s)
        || !valid(mean_handle_s)
        || mean_handle_s == 0.0
    {
        return None;
    }
    let traffic = arrival_rate_per_s * mean_handle_s;
    let n = f64::from(agents);
    if traffic >= n {
        return None;
    }
    let waits = erlang_c(agents, traffic);
    Some((1.0 - waits * (-(n - traffic) * target_s / mean_handle_s).exp()).clamp(0.0, 1.0))
}

/// The fewest agents on duty (at least one) for whom at least `goal` (0–1) of arrivals are
/// answered within `target_s` seconds (Erlang C), searched up to `max_agents`; `None` when an
/// input is not a number, the goal is out of range, or even `max_agents` fall short.
pub fn agents_needed(
    arrival_rate_per_s: f64,
    mean_handle_s: f64,
    target_s: f64,
    goal: f64,
    max_agents: u32,
) -> Option<u32> {
    if !(0.0..=1.0).contains(&goal) {
        return None;
    }
    (1..=max_agents).find(|&n| {
        service_level(n, arrival_rate_per_s, mean_handle_s, target_s).is_some_and(|sl| sl >= goal)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::derive;
    use crate::domain::model::*;
    use crate::domain::policy::Policy;
    use proptest::prelude::*;

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).unwrap()
    }

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn agents_needed_is_the_fewest_that_meet_the_goal() {
        // 2 arrivals a minute, 3 minutes each: 6 erlangs — at least 7 agents for a stable
        // queue; the goal decides how many more.
        let (rate, handle) = (2.0 / 60.0, 180.0);
        let n = agents_needed(rate, handle, 20.0, 0.8, 100).unwrap();
        assert!(n >= 7);
        assert!(service_level(n, rate, handle, 20.0).unwrap() >= 0.8);
        assert!(service_level(n - 1, rate, handle, 20.0).is_none_or(|sl| sl < 0.8));
        assert_eq!(agents_needed(0.0, handle, 20.0, 0.8, 100), Some(1));
        assert_eq!(agents_needed(rate, handle, 20.0, 0.8, 3), None);
        assert_eq!(agents_needed(rate, handle, 20.0, 1.5, 100), None);
    }

    proptest! {
        /// One agent fewer than the answer never meets the goal; the answer does.
        #[test]
        fn agents_needed_is_minimal(
            per_min in 0.0f64..30.0,
            handle in 10.0f64..1800.0,
            target in 0.0f64..3600.0,
            goal in 0.0f64..0.99,
        ) {
            let rate = per_min / 60.0;
            if let Some(n) = agents_needed(rate, handle, target, goal, 2000) {
                prop_assert!(service_level(n, rate, handle, target).unwrap() >= goal);
                if n > 1 {
                    prop_assert!(service_level(n - 1, rate, handle, target).is_none_or(|sl| sl < goal));
                }
            }
        }
    }

    #[test]
    fn erlang_c_matches_textbook_values() {
        // 10 agents, 8 Erlangs.
        assert!(close(erlang_c(10, 8.0), 0.4092, 5e-5));
        // M/M/1: P(wait) = utilisation.
        assert!(close(erlang_c(1, 0.5), 0.5, 1e-12));
        // M/M/2 at ρ = 0.5: 2ρ² / (1 + ρ) = 1/3.
        assert!(close(erlang_c(2, 1.0), 1.0 / 3.0, 1e-12));
        assert_eq!(erlang_c(5, 5.0), 1.0);
        assert_eq!(erlang_c(0, 0.5), 1.0);
        assert_eq!(erlang_c(5, 0.0), 0.0);
        // Stable where factorials overflow.
        let big = erlang_c(500, 480.0);
        assert!(big > 0.0 && big < 1.0, "{big}");
    }

    #[test]
    fn service_level_matches_the_classic_worked_example() {
        // 100 contacts per 30 minutes, 180 s handling: 10 Erlangs; target 20 s.
        let rate = 100.0 / 1800.0;
        assert!(close(erlang_c(11, 10.0), 0.6821, 5e-5));
        let expected = [
            (11, 0.3896),
            (12, 0.6402),
            (13, 0.7956),
            (14, 0.8884),
            (15, 0.9415),
        ];
        for (agents, sl) in expected {
            let got = service_level(agents, rate, 180.0, 20.0).unwrap();
            assert!(close(got, sl, 5e-4), "{agents} agents: {got}");
        }
        assert_eq!(
            service_level(10, rate, 180.0, 20.0),
            None,
            "10 Erlangs on 10 agents"
        );
        assert_eq!(service_level(3, 0.0, 180.0, 20.0), Some(1.0));
        assert_eq!(service_level(3, -1.0, 180.0, 20.0), None);
        assert_eq!(service_level(3, 0.01, 0.0, 20.0), None);
    }

    #[test]
    fn fluid_projection_and_backlog_breach() {
        assert_eq!(projected_depth(10.0, 2.0, 1.0, 30.0), 40.0);
        assert_eq!(
            projected_depth(10.0, 1.0, 2.0, 30.0),
            0.0,
            "never below zero"
        );
        // 2 handled/min, 10-minute target: the queue may hold 20. Depth 10 growing by 1/min
        // reaches 20 after 10 min; that customer breaches 10 min later.
        assert_eq!(backlog_breach_in(10.0, 3.0, 2.0, 10.0), Some(20.0));
        assert_eq!(
            backlog_breach_in(30.0, 1.0, 2.0, 10.0),
            Some(10.0),
            "too deep already"
        );
        assert_eq!(backlog_breach_in(10.0, 1.0, 2.0, 10.0), None, "draining");
        assert_eq!(
            backlog_breach_in(0.0, 1.0, 0.0, 10.0),
            Some(10.0),
            "nobody on duty"
        );
        assert_eq!(backlog_breach_in(50.0, 0.0, 0.0, 10.0), None, "no arrivals");
    }

    fn snapshot(conversations: Vec<Conversation>, away: &[bool]) -> Snapshot {
        let teammates: Vec<Teammate> = away
            .iter()
            .enumerate()
            .map(|(n, away)| Teammate {
                id: TeammateId::from(format!("t{n}")),
                name: format!("T{n}"),
                email: format!("t{n}@example.com"),
                presence: crate::domain::fixture::away_if(*away),
                memberships: vec![(InboxId("i".into()), Level::Primary)],
                cap: None,
                time_zone: None,
                has_inbox_seat: true,
                default_inbox: None,
                cap_rule: None,
            })
            .collect();
        Snapshot {
            taken_at: t(0),
            workspace: Workspace::default(),
            inboxes: vec![Inbox {
                id: InboxId("i".into()),
                name: "Inbox".into(),
                members: teammates
                    .iter()
                    .map(|m| Member {
                        teammate: m.id.clone(),
                        level: Level::Primary,
                    })
                    .collect(),
                assignment_limit: None,
                distribution: None,
                secondary_unavailable: None,
            }]
            .into(),
            teammates: teammates.into(),
            conversations: conversations.into(),
            away_reasons: vec![].into(),
            warnings: vec![],
        }
    }

    fn created(id: &str, at: i64) -> Conversation {
        Conversation {
            inbox: Some(InboxId("i".into())),
            waiting_since: Some(t(at)),
            ..crate::domain::fixture::conversation(id, t(at))
        }
    }

    #[test]
    fn tracker_counts_creations_between_polls_and_smooths() {
        let inbox = InboxId("i".into());
        let mut tr = ArrivalTracker::new(SignedDuration::from_mins(10));
        let mut convs = vec![created("old", -600)];
        tr.observe(&snapshot(convs.clone(), &[]), t(0));
        assert_eq!(
            tr.per_min(&inbox),
            None,
            "one poll is only a starting point"
        );
        convs.extend([created("a", 30), created("b", 60)]);
        tr.observe(&snapshot(convs.clone(), &[]), t(60));
        assert!(close(tr.per_min(&inbox).unwrap(), 2.0, 1e-9));
        // Ten quiet minutes, one half-life: counts 2 → 1, minutes 1 → 0.5 + 10.
        tr.observe(&snapshot(convs.clone(), &[]), t(660));
        assert!(close(tr.per_min(&inbox).unwrap(), 1.0 / 10.5, 1e-9));
        // A poll back in time changes nothing.
        let before = tr.clone();
        convs.push(created("c", 600));
        tr.observe(&snapshot(convs, &[]), t(600));
        assert_eq!(tr, before);
        assert_eq!(tr.per_min(&InboxId("other".into())), Some(0.0));
    }

    #[test]
    fn first_breach_is_the_earlier_of_deadline_and_backlog() {
        let mut soon = created("soon", -60);
        soon.sla = Some(Sla {
            name: "Gold".into(),
            status: SlaStatus::Active,
            deadline: Some(Deadline {
                at: t(300),
                exact: true,
            }),
        });
        let mut past = created("past", -60);
        past.sla = Some(Sla {
            name: "Gold".into(),
            status: SlaStatus::Active,
            deadline: Some(Deadline {
                at: t(-10),
                exact: true,
            }),
        });
        let mut convs: Vec<Conversation> =
            (0..10).map(|n| created(&format!("w{n}"), -600)).collect();
        convs.extend([soon, past]);
        // Two on duty, one away, 30 replies/h each: 1 per minute.
        let s = snapshot(convs.clone(), &[false, false, true]);
        let m = derive(&s, &Policy::default(), t(0));
        let mut tr = ArrivalTracker::new(SignedDuration::from_mins(30));
        tr.observe(&s, t(-60));
        tr.observe(&s, t(0));
        let params = ForecastParams {
            handled_per_teammate_per_hour: 30.0,
            sla_target: SignedDuration::from_mins(15),
        };
        let quiet = forecast(&s, &m, &tr, &params, t(0));
        assert_eq!(quiet.len(), 1);
        let f = &quiet[0];
        assert_eq!((f.depth, f.handled_per_min), (12, 1.0));
        assert_eq!(f.arrivals_per_min, Some(0.0));
        assert_eq!(
            f.first_breach,
            Some(Breach {
                after: SignedDuration::from_mins(5),
                cause: BreachCause::Deadline(ConversationId("soon".into())),
            })
        );
        assert_eq!(f.depth_after(10.0), 2.0);

        // Twelve more arrive within a minute: 12/min against 1/min handled.
        let mut busy = convs;
        busy.extend((0..12).map(|n| created(&format!("n{n}"), -30)));
        let s = snapshot(busy, &[false, false, true]);
        let m = derive(&s, &Policy::default(), t(0));
        let mut tr = ArrivalTracker::new(SignedDuration::from_mins(30));
        tr.observe(&s, t(-60));
        tr.observe(&s, t(0));
        let f = &forecast(&s, &m, &tr, &params, t(0))[0];
        assert_eq!(f.depth, 24);
        assert!(close(f.arrivals_per_min.unwrap(), 12.0, 1e-9));
        // 24 waiting / 1 per min = 24 min > 15: whoever arrives now breaches in 15 min,
        // later than the 5-minute deadline.
        assert_eq!(
            f.first_breach.as_ref().map(|b| &b.cause),
            Some(&BreachCause::Deadline(ConversationId("soon".into())))
        );
        let strict = ForecastParams {
            sla_target: SignedDuration::from_mins(2),
            ..params
        };
        let f = &forecast(&s, &m, &tr, &strict, t(0))[0];
        assert_eq!(
            f.first_breach,
            Some(Breach {
                after: SignedDuration::from_mins(2),
                cause: BreachCause::Backlog,
            })
        );
    }

    proptest! {
        #[test]
        fn projection_is_monotone_in_arrivals(
            depth in 0.0f64..500.0,
            a1 in 0.0f64..20.0,
            extra in 0.0f64..20.0,
            handled in 0.0f64..20.0,
            minutes in 0.0f64..600.0,
            target in 0.0f64..120.0,
        ) {
            let a2 = a1 + extra;
            prop_assert!(projected_depth(depth, a1, handled, minutes)
                <= projected_depth(depth, a2, handled, minutes));
            // More arrivals never postpone the backlog breach (no breach = never).
            let never = f64::INFINITY;
            let b1 = backlog_breach_in(depth, a1, handled, target).unwrap_or(never);
            let b2 = backlog_breach_in(depth, a2, handled, target).unwrap_or(never);
            prop_assert!(b2 <= b1 + 1e-9, "{b2} > {b1}");
            prop_assert!(b2 >= target, "nobody breaches before the target runs out");
        }

        #[test]
        fn erlang_c_is_a_probability_decreasing_in_agents(
            agents in 0u32..200,
            traffic in 0.0f64..200.0,
        ) {
            let c = erlang_c(agents, traffic);
            prop_assert!((0.0..=1.0).contains(&c));
            prop_assert!(erlang_c(agents + 1, traffic) <= c + 1e-12);
        }

        #[test]
        fn service_level_is_a_share_rising_with_agents_and_target(
            agents in 1u32..100,
            rate in 0.0f64..1.0,
            handle in 1.0f64..600.0,
            target in 0.0f64..600.0,
        ) {
            match service_level(agents, rate, handle, target) {
                None => prop_assert!(rate * handle >= f64::from(agents)),
                Some(sl) => {
                    prop_assert!((0.0..=1.0).contains(&sl));
                    let more = service_level(agents + 1, rate, handle, target).unwrap();
                    prop_assert!(more >= sl - 1e-12);
                    let longer = service_level(agents, rate, handle, target + 10.0).unwrap();
                    prop_assert!(longer >= sl - 1e-12);
                }
            }
        }
    }
}
