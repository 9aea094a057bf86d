//! Alerts: a terminal bell and/or a desktop notification when an inbox's unassigned backlog
//! crosses a threshold or a conversation enters the last minutes before its SLA breach.
//! Edge-triggered (each crossing once, re-armed when it clears) and rate-limited (what comes
//! in too soon is held and sent together later). Off unless the config turns it on.

use super::metrics::Metrics;
use super::model::{ConversationId, InboxId, Snapshot};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeSet;

/// When and how to alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertRules {
    /// Ring the terminal bell.
    pub bell: bool,
    /// Send a desktop notification (OSC 9 and OSC 777).
    pub desktop: bool,
    /// Alert when an inbox has more unassigned conversations than this.
    pub unassigned_over: Option<u32>,
    /// Alert when a conversation is this close to its SLA deadline.
    pub breach_within: Option<SignedDuration>,
    /// At most one alert this often.
    pub min_interval: SignedDuration,
}

impl Default for AlertRules {
    fn default() -> Self {
        Self {
            bell: false,
            desktop: false,
            unassigned_over: Some(20),
            breach_within: Some(SignedDuration::from_mins(5)),
            min_interval: SignedDuration::from_mins(2),
        }
    }
}

impl AlertRules {
    /// Whether any channel is on.
    pub fn enabled(&self) -> bool {
        self.bell || self.desktop
    }
}

/// One alert to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// Short title.
    pub title: String,
    /// What happened, one line.
    pub body: String,
}

/// What has been alerted, for edges and the rate limit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertState {
    inboxes: BTreeSet<InboxId>,
    conversations: BTreeSet<ConversationId>,
    last: Option<Timestamp>,
    /// Inbox crossings not sent yet.
    held: Vec<String>,
    /// Conversations near breach not sent yet: (id, inbox name).
    held_near: Vec<(ConversationId, String)>,
}

impl AlertState {
    /// Looks at fresh data: returns the alert to send now, if any.
    pub fn check(
        &mut self,
        rules: &AlertRules,
        snapshot: &Snapshot,
        metrics: &Metrics,
        now: Timestamp,
    ) -> Option<Alert> {
        self.check_with(rules, snapshot, metrics, now, |_| None)
    }

    /// [`AlertState::check`] with the conversations near breach — running deadline within
    /// `(now, now + within]` — given by `near` (e.g. [`super::live::Live::running_within`],
    /// O(those)); `None` from it finds them by a pass over every conversation.
    pub fn check_with(
        &mut self,
        rules: &AlertRules,
        snapshot: &Snapshot,
        metrics: &Metrics,
        now: Timestamp,
        near: impl FnOnce(SignedDuration) -> Option<BTreeSet<ConversationId>>,
    ) -> Option<Alert> {
        if !rules.enabled() {
            return None;
        }
        let mut events = Vec::new();
        if let Some(limit) = rules.unassigned_over {
            let over: BTreeSet<InboxId> = metrics
                .inboxes
                .iter()
                .filter(|f| f.unassigned > limit)
                .map(|f| f.inbox.clone())
                .collect();
            for id in over.difference(&self.inboxes) {
                let f = metrics.inbox(id);
                let name = snapshot.inbox(id).map_or("?", |i| i.name.as_str());
                events.push(format!(
                    "{name}: {} unassigned (over {limit})",
                    f.map_or(0, |f| f.unassigned)
                ));
            }
            self.inboxes = over;
        }
        if let Some(within) = rules.breach_within {
            let near: BTreeSet<ConversationId> = near(within).unwrap_or_else(|| {
                snapshot
                    .conversations
                    .iter()
                    .filter(|c| c.state.waiting_on_us())
                    .filter(|c| {
                        c.sla.as_ref().is_some_and(|s| {
                            s.status.is_running()
                                && s.deadline.is_some_and(|d| {
                                    d.at > now && d.at.duration_since(now) <= within
                                })
                        })
                    })
                    .map(|c| c.id.clone())
                    .collect()
            });
            for id in near.difference(&self.conversations) {
                let c = snapshot.conversation(id);
                let inbox = c
                    .and_then(|c| c.inbox.as_ref())
                    .and_then(|i| snapshot.inbox(i))
                    .map_or("no inbox", |i| i.name.as_str());
                self.held_near.push((id.clone(), inbox.to_owned()));
            }
            self.conversations = near;
        }
        self.held.extend(events);
        if self.held.is_empty() && self.held_near.is_empty() {
            return None;
        }
        if let Some(last) = self.last
            && now.duration_since(last) < rules.min_interval
        {
            return None;
        }
        self.last = Some(now);
        let mut events = std::mem::take(&mut self.held);
        let near = std::mem::take(&mut self.held_near);
        let within = rules.breach_within.map_or(0, |w| w.as_mins());
        match near.as_slice() {
            [] => {}
            [(id, inbox)] => events.push(format!("#{id} ({inbox}) breaches within {within}m")),
            many => {
                let mut per: Vec<(String, usize)> = Vec::new();
                for (_, inbox) in many {
                    match per.iter_mut().find(|(name, _)| name == inbox) {
                        Some((_, n)) => *n += 1,
                        None => per.push((inbox.clone(), 1)),
                    }
                }
                per.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                let by: Vec<String> = per.iter().map(|(name, n)| format!("{name} {n}")).collect();
                events.push(format!(
                    "{} conversations breach within {within}m ({})",
                    many.len(),
                    by.join(", ")
                ));
            }
        }
        let title = if events.len() == 1 {
            "shiftlead".to_owned()
        } else {
            format!("shiftlead: {} alerts", events.len())
        };
        Some(Alert {
            title,
            body: events.join("; "),
        })
    }
}

/// The bytes that ring the bell and/or raise a desktop notification (OSC 9 for iTerm2,
/// WezTerm, Windows Terminal; OSC 777 for foot, kitty, VTE terminals). Control characters
/// and `;` are removed from the text so it cannot end or escape the sequence.
pub fn escape_sequences(rules: &AlertRules, alert: &Alert) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_control())
            .map(|c| if c == ';' { ',' } else { c })
            .collect()
    };
    let mut out = String::new();
    if rules.desktop {
        let (title, body) = (clean(&alert.title), clean(&alert.body));
        out.push_str(&format!("\x1b]777;notify;{title};{body}\x07"));
        out.push_str(&format!("\x1b]9;{title}: {body}\x07"));
    }
    if rules.bell {
        out.push('\x07');
    }
    out
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

    fn snapshot(unassigned: usize, deadlines: &[i64]) -> Snapshot {
        let conv = |id: String, deadline: Option<i64>| Conversation {
            id: ConversationId::from(id),
            title: None,
            state: ConversationState::Open,
            raw_state: None,
            priority: Priority::None,
            inbox: Some(InboxId("i".into())),
            assignee: None,
            created_at: t(-100),
            updated_at: t(-100),
            waiting_since: Some(t(-100)),
            snoozed_until: None,
            first_reply_at: None,
            last_reply_at: None,
            sla: deadline.map(|d| Sla {
                name: "Gold".into(),
                status: SlaStatus::Active,
                deadline: Some(Deadline {
                    at: t(d),
                    exact: true,
                }),
            }),
        };
        Snapshot {
            taken_at: t(0),
            workspace: Workspace::default(),
            inboxes: vec![Inbox {
                id: InboxId("i".into()),
                name: "Billing".into(),
                members: vec![],
                distribution: None,
                secondary_unavailable: None,
                assignment_limit: None,
            }]
            .into(),
            teammates: vec![].into(),
            conversations: (0..unassigned)
                .map(|n| conv(format!("u{n}"), None))
                .chain(
                    deadlines
                        .iter()
                        .enumerate()
                        .map(|(n, d)| conv(format!("d{n}"), Some(*d))),
                )
                .collect(),
            away_reasons: vec![].into(),
            warnings: vec![],
        }
    }

    fn rules() -> AlertRules {
        AlertRules {
            bell: true,
            desktop: true,
            unassigned_over: Some(3),
            breach_within: Some(SignedDuration::from_mins(5)),
            min_interval: SignedDuration::from_mins(2),
        }
    }

    fn check(state: &mut AlertState, s: &Snapshot, now: i64) -> Option<Alert> {
        let m = derive(s, &Policy::default(), t(now));
        state.check(&rules(), s, &m, t(now))
    }

    #[test]
    fn off_by_default() {
        let s = snapshot(10, &[60]);
        let m = derive(&s, &Policy::default(), t(0));
        assert!(!AlertRules::default().enabled());
        assert_eq!(
            AlertState::default().check(&AlertRules::default(), &s, &m, t(0)),
            None
        );
    }

    #[test]
    fn each_crossing_alerts_once_and_re_arms_when_it_clears() {
        let mut st = AlertState::default();
        let a = check(&mut st, &snapshot(4, &[]), 0).unwrap();
        assert_eq!(a.body, "Billing: 4 unassigned (over 3)");
        assert_eq!(
            check(&mut st, &snapshot(5, &[]), 600),
            None,
            "still over: no repeat"
        );
        assert_eq!(check(&mut st, &snapshot(2, &[]), 1200), None, "cleared");
        assert!(
            check(&mut st, &snapshot(4, &[]), 1800).is_some(),
            "crossed again"
        );
    }

    #[test]
    fn alerts_inside_the_interval_are_held_and_sent_together() {
        let mut st = AlertState::default();
        assert!(check(&mut st, &snapshot(4, &[]), 0).is_some());
        assert_eq!(check(&mut st, &snapshot(4, &[200]), 30), None, "held");
        assert_eq!(check(&mut st, &snapshot(4, &[200, 400]), 60), None, "held");
        let a = check(&mut st, &snapshot(4, &[200, 400]), 130).unwrap();
        assert_eq!(a.body, "2 conversations breach within 5m (Billing 2)");
        let b = check(&mut st, &snapshot(4, &[200, 400, 600]), 400).unwrap();
        assert_eq!(b.body, "#d2 (Billing) breaches within 5m");
    }

    #[test]
    fn sequences_are_clean() {
        let a = Alert {
            title: "t;x".into(),
            body: "evil\x07\x1b]body;".into(),
        };
        let out = escape_sequences(&rules(), &a);
        assert_eq!(
            out,
            "\x1b]777;notify;t,x;evil]body,\x07\x1b]9;t,x: evil]body,\x07\x07"
        );
    }

    proptest! {
        /// Never more than one alert per interval, whatever the data does.
        #[test]
        fn the_rate_limit_holds(steps in proptest::collection::vec((0usize..8, 0i64..900), 1..40)) {
            let mut st = AlertState::default();
            let mut sent = Vec::new();
            for (n, (unassigned, deadline)) in steps.iter().enumerate() {
                let now = n as i64 * 30;
                if check(&mut st, &snapshot(*unassigned, &[now + deadline]), now).is_some() {
                    sent.push(now);
                }
            }
            for pair in sent.windows(2) {
                prop_assert!(pair[1] - pair[0] >= 120);
            }
        }
    }
}
