//! Writes a shift lead makes, planned as pure data: what to send, what the object looked like
//! when the lead decided (the precondition checked before writing), what it should look like
//! after, and how to undo it.

use super::metrics::Metrics;
use super::model::{
    AwayReasonId, Conversation, ConversationId, Inbox, InboxId, Level, Member, Snapshot, Teammate,
    TeammateId,
};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where to assign a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum AssignTarget {
    /// To a teammate.
    Teammate(TeammateId),
    /// To an inbox (team).
    Inbox(InboxId),
    /// Remove the teammate assignee.
    UnassignTeammate,
    /// Remove the inbox assignee.
    UnassignInbox,
}

/// A change of away state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwayChange {
    /// Away on (`true`) or back (`false`).
    pub away: bool,
    /// Reassign new replies while away.
    pub reassign: bool,
    /// Reason, only when going away.
    pub reason: Option<AwayReasonId>,
}

/// One write against the backend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Write {
    /// Assign or unassign a conversation.
    Assign {
        /// The conversation.
        conversation: ConversationId,
        /// The new assignee.
        target: AssignTarget,
    },
    /// Replace an inbox's members and levels.
    SetMembers {
        /// The inbox.
        inbox: InboxId,
        /// The complete membership after the write.
        members: Vec<Member>,
    },
    /// Set a teammate away or back.
    SetAway {
        /// The teammate.
        teammate: TeammateId,
        /// The change.
        change: AwayChange,
    },
}

/// The part of an object a write touches, as seen at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "of", rename_all = "snake_case")]
pub enum State {
    /// A conversation's assignees.
    Conversation {
        /// Teammate assignee.
        assignee: Option<TeammateId>,
        /// Inbox assignee.
        inbox: Option<InboxId>,
    },
    /// An inbox's members, sorted by teammate id.
    Members {
        /// The members.
        members: Vec<Member>,
    },
    /// A teammate's away state.
    Away {
        /// Away on.
        enabled: bool,
        /// Away-and-reassign.
        reassign: bool,
        /// Reason id.
        reason: Option<AwayReasonId>,
    },
}

impl State {
    /// The assignees of a conversation.
    pub fn of_conversation(c: &Conversation) -> State {
        State::Conversation {
            assignee: c.assignee.clone(),
            inbox: c.inbox.clone(),
        }
    }

    /// The members of an inbox (order-independent).
    pub fn of_inbox(i: &Inbox) -> State {
        State::members(i.members.clone())
    }

    /// A member list, normalised.
    pub fn members(mut members: Vec<Member>) -> State {
        members.sort_by(|a, b| a.teammate.cmp(&b.teammate));
        members.dedup_by(|a, b| a.teammate == b.teammate);
        State::Members { members }
    }

    /// The away state of a teammate.
    pub fn of_teammate(t: &Teammate) -> State {
        State::Away {
            enabled: t.away.enabled,
            reassign: t.away.reassign,
            reason: t.away.reason.as_ref().map(|r| r.id.clone()),
        }
    }
}

/// A write with its precondition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planned {
    /// What to send.
    pub write: Write,
    /// What the object looked like when the lead decided; the write stops if it changed.
    pub before: State,
    /// A human description, e.g. "assign #123 to Ana Souza".
    pub label: String,
}

impl Write {
    /// The state this write should leave, starting from `before`.
    pub fn expected(&self, before: &State) -> State {
        match (self, before) {
            (Write::Assign { target, .. }, State::Conversation { assignee, inbox }) => {
                let (mut a, mut i) = (assignee.clone(), inbox.clone());
                match target {
                    AssignTarget::Teammate(t) => a = Some(t.clone()),
                    AssignTarget::Inbox(x) => i = Some(x.clone()),
                    AssignTarget::UnassignTeammate => a = None,
                    AssignTarget::UnassignInbox => i = None,
                }
                State::Conversation {
                    assignee: a,
                    inbox: i,
                }
            }
            (Write::SetMembers { members, .. }, _) => State::members(members.clone()),
            (Write::SetAway { change, .. }, _) => State::Away {
                enabled: change.away,
                reassign: change.away && change.reassign,
                reason: if change.away {
                    change.reason.clone()
                } else {
                    None
                },
            },
            (_, other) => other.clone(),
        }
    }

    /// The write that puts `before` back (applied to the object whose state is now `after`).
    pub fn undo(&self, before: &State) -> Option<Write> {
        Some(match (self, before) {
            (
                Write::Assign {
                    conversation,
                    target,
                },
                State::Conversation { assignee, inbox },
            ) => {
                let target = match target {
                    AssignTarget::Teammate(_) | AssignTarget::UnassignTeammate => assignee
                        .clone()
                        .map_or(AssignTarget::UnassignTeammate, AssignTarget::Teammate),
                    AssignTarget::Inbox(_) | AssignTarget::UnassignInbox => inbox
                        .clone()
                        .map_or(AssignTarget::UnassignInbox, AssignTarget::Inbox),
                };
                Write::Assign {
                    conversation: conversation.clone(),
                    target,
                }
            }
            (Write::SetMembers { inbox, .. }, State::Members { members }) => Write::SetMembers {
                inbox: inbox.clone(),
                members: members.clone(),
            },
            (
                Write::SetAway { teammate, .. },
                State::Away {
                    enabled,
                    reassign,
                    reason,
                },
            ) => Write::SetAway {
                teammate: teammate.clone(),
                change: AwayChange {
                    away: *enabled,
                    reassign: *reassign,
                    reason: reason.clone(),
                },
            },
            _ => return None,
        })
    }

    /// The object the write targets, as "conversation 123", "inbox 5", "teammate 9".
    pub fn target(&self) -> String {
        match self {
            Write::Assign { conversation, .. } => format!("conversation {conversation}"),
            Write::SetMembers { inbox, .. } => format!("inbox {inbox}"),
            Write::SetAway { teammate, .. } => format!("teammate {teammate}"),
        }
    }
}

impl fmt::Display for Planned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

fn teammate_name(s: &Snapshot, id: &TeammateId) -> String {
    s.teammate(id)
        .map_or_else(|| id.to_string(), |t| t.name.clone())
}

fn inbox_name(s: &Snapshot, id: &InboxId) -> String {
    s.inbox(id)
        .map_or_else(|| id.to_string(), |i| i.name.clone())
}

/// Assigns each of `conversations` to `target`. Unknown conversations are skipped.
pub fn plan_assign(
    s: &Snapshot,
    conversations: &[ConversationId],
    target: &AssignTarget,
) -> Vec<Planned> {
    let to = match target {
        AssignTarget::Teammate(t) => format!("to {}", teammate_name(s, t)),
        AssignTarget::Inbox(i) => format!("to inbox {}", inbox_name(s, i)),
        AssignTarget::UnassignTeammate => "away from its teammate (unassign)".into(),
        AssignTarget::UnassignInbox => "out of its inbox".into(),
    };
    conversations
        .iter()
        .filter_map(|id| s.conversation(id))
        .map(|c| Planned {
            write: Write::Assign {
                conversation: c.id.clone(),
                target: target.clone(),
            },
            before: State::of_conversation(c),
            label: format!("move #{} {to}", c.id),
        })
        .collect()
}

/// A change to one teammate's membership of one inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberChange {
    /// Add (or set) at this level.
    Set(Level),
    /// Remove from the inbox.
    Remove,
}

/// Sets or removes `teammate` in `inbox`. `None` when it would change nothing.
pub fn plan_membership(
    s: &Snapshot,
    teammate: &TeammateId,
    inbox: &InboxId,
    change: MemberChange,
) -> Option<Planned> {
    let i = s.inbox(inbox)?;
    let current = i.level_of(teammate);
    let mut members = i.members.clone();
    let label = match change {
        MemberChange::Set(level) if current == Some(level) => return None,
        MemberChange::Remove if current.is_none() => return None,
        MemberChange::Set(level) => {
            members.retain(|m| &m.teammate != teammate);
            members.push(Member {
                teammate: teammate.clone(),
                level,
            });
            match current {
                Some(_) => format!("make {} {level} in {}", teammate_name(s, teammate), i.name),
                None => format!(
                    "add {} to {} as {level}",
                    teammate_name(s, teammate),
                    i.name
                ),
            }
        }
        MemberChange::Remove => {
            members.retain(|m| &m.teammate != teammate);
            format!("remove {} from {}", teammate_name(s, teammate), i.name)
        }
    };
    Some(Planned {
        write: Write::SetMembers {
            inbox: inbox.clone(),
            members,
        },
        before: State::of_inbox(i),
        label,
    })
}

/// Moves `teammate` into `to` at `level`, and out of `from` when given: two writes, not
/// atomic (Intercom has no cross-team write); each is checked and reported on its own.
pub fn plan_move(
    s: &Snapshot,
    teammate: &TeammateId,
    to: &InboxId,
    level: Level,
    from: Option<&InboxId>,
) -> Vec<Planned> {
    let mut out: Vec<Planned> = plan_membership(s, teammate, to, MemberChange::Set(level))
        .into_iter()
        .collect();
    if let Some(from) = from.filter(|f| *f != to) {
        out.extend(plan_membership(s, teammate, from, MemberChange::Remove));
    }
    out
}

/// Sets `teammate` away (with reason and reassign) or back.
pub fn plan_away(s: &Snapshot, teammate: &TeammateId, change: AwayChange) -> Option<Planned> {
    let t = s.teammate(teammate)?;
    let label = if change.away {
        let reason = change
            .reason
            .as_ref()
            .and_then(|r| s.away_reasons.iter().find(|x| &x.id == r))
            .map(|r| format!(" ({})", r.label))
            .unwrap_or_default();
        let reassign = if change.reassign {
            ", reassigning new replies"
        } else {
            ""
        };
        format!("set {} away{reason}{reassign}", t.name)
    } else {
        format!("set {} back", t.name)
    };
    Some(Planned {
        write: Write::SetAway {
            teammate: teammate.clone(),
            change,
        },
        before: State::of_teammate(t),
        label,
    })
}

/// Warnings a lead should confirm before a plan runs: assigning over cap or to someone away,
/// removing the last member of an inbox.
pub fn warnings(s: &Snapshot, m: &Metrics, plan: &[Planned]) -> Vec<String> {
    let mut out = Vec::new();
    let mut extra: std::collections::HashMap<&TeammateId, u32> = Default::default();
    for p in plan {
        match &p.write {
            Write::Assign {
                target: AssignTarget::Teammate(t),
                ..
            } => *extra.entry(t).or_default() += 1,
            Write::SetMembers { inbox, members } if members.is_empty() => {
                out.push(format!("{} would have no members", inbox_name(s, inbox)));
            }
            _ => {}
        }
    }
    let mut names: Vec<(&TeammateId, u32)> = extra.into_iter().collect();
    names.sort();
    for (t, n) in names {
        let Some(mate) = s.teammate(t) else {
            out.push(format!("teammate {t} is not in the latest data"));
            continue;
        };
        if mate.away.enabled {
            out.push(format!("{} is away", mate.name));
        }
        let load = m.teammate(t).map_or(0, |f| f.load);
        if let Some(cap) = mate.cap
            && load + n > cap.value
        {
            out.push(format!(
                "{} would hold {} of a cap of {}",
                mate.name,
                load + n,
                cap.value
            ));
        }
    }
    out
}

/// How one write ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The backend now has the intended state (confirmed by a re-read).
    Applied {
        /// The state read back.
        after: State,
    },
    /// The object changed since the lead saw it; nothing was written.
    Conflict {
        /// What it is now.
        now: State,
    },
    /// The write failed and the object is as it was.
    NotApplied {
        /// Why.
        error: String,
    },
    /// Part of the change landed (e.g. Intercom's 409 on team members); `after` is exact.
    PartlyApplied {
        /// The state read back.
        after: State,
        /// Why.
        error: String,
    },
    /// The write may or may not have applied and the re-read failed too.
    Unknown {
        /// Why.
        error: String,
    },
}

impl Outcome {
    /// The word written to the audit log.
    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Applied { .. } => "applied",
            Outcome::Conflict { .. } => "conflict",
            Outcome::NotApplied { .. } => "not_applied",
            Outcome::PartlyApplied { .. } => "partly_applied",
            Outcome::Unknown { .. } => "unknown",
        }
    }

    /// The state known after the attempt.
    pub fn after(&self) -> Option<&State> {
        match self {
            Outcome::Applied { after } | Outcome::PartlyApplied { after, .. } => Some(after),
            Outcome::Conflict { now } => Some(now),
            _ => None,
        }
    }

    /// The error text, when there is one.
    pub fn error(&self) -> Option<&str> {
        match self {
            Outcome::NotApplied { error }
            | Outcome::PartlyApplied { error, .. }
            | Outcome::Unknown { error } => Some(error),
            Outcome::Conflict { .. } => Some("changed since it was shown; nothing written"),
            Outcome::Applied { .. } => None,
        }
    }
}

/// A write and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The write.
    pub planned: Planned,
    /// Its outcome.
    pub outcome: Outcome,
}

impl Report {
    /// One line for a status bar or a terminal.
    pub fn line(&self) -> String {
        match &self.outcome {
            Outcome::Applied { .. } => format!("✓ {}", self.planned.label),
            Outcome::Conflict { .. } => format!(
                "✗ {}: it changed since it was shown — nothing written; look again",
                self.planned.label
            ),
            Outcome::NotApplied { error } => format!("✗ {}: {error}", self.planned.label),
            Outcome::PartlyApplied { error, .. } => {
                format!(
                    "⚠ {}: partly applied ({error}); the screen shows what landed",
                    self.planned.label
                )
            }
            Outcome::Unknown { error } => {
                format!(
                    "? {}: outcome unknown ({error}); check before retrying",
                    self.planned.label
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::*;
    use proptest::prelude::*;

    fn member(t: &str, level: Level) -> Member {
        Member {
            teammate: TeammateId(t.into()),
            level,
        }
    }

    fn snapshot() -> Snapshot {
        let t0 = jiff::Timestamp::from_second(1_800_000_000).unwrap();
        let mate = |id: &str, away: bool| Teammate {
            id: TeammateId(id.into()),
            name: id.to_uppercase(),
            email: format!("{id}@x.io"),
            away: Away {
                enabled: away,
                ..Away::default()
            },
            memberships: vec![],
            cap: Some(Cap {
                value: 1,
                source: CapSource::Config,
            }),
            time_zone: None,
            has_inbox_seat: true,
        };
        Snapshot {
            taken_at: t0,
            workspace: Workspace::default(),
            inboxes: vec![Inbox {
                id: InboxId("i1".into()),
                name: "Billing".into(),
                members: vec![member("a", Level::Primary), member("b", Level::Secondary)],
                assignment_limit: None,
                distribution: None,
            }],
            teammates: vec![mate("a", false), mate("b", true), mate("c", false)],
            conversations: vec![Conversation {
                id: ConversationId("c1".into()),
                title: None,
                state: ConversationState::Open,
                priority: Priority::None,
                inbox: Some(InboxId("i1".into())),
                assignee: Some(TeammateId("a".into())),
                created_at: t0,
                updated_at: t0,
                waiting_since: None,
                snoozed_until: None,
                first_reply_at: None,
                last_reply_at: None,
                sla: None,
            }],
            away_reasons: vec![],
            warnings: vec![],
        }
    }

    #[test]
    fn membership_plans_add_switch_remove_and_skip_no_ops() {
        let s = snapshot();
        let (c, i) = (TeammateId("c".into()), InboxId("i1".into()));
        let add = plan_membership(&s, &c, &i, MemberChange::Set(Level::Secondary)).unwrap();
        assert_eq!(add.label, "add C to Billing as secondary");
        let Write::SetMembers { members, .. } = &add.write else {
            panic!()
        };
        assert_eq!(members.len(), 3);
        let a = TeammateId("a".into());
        assert!(plan_membership(&s, &a, &i, MemberChange::Set(Level::Primary)).is_none());
        let switch = plan_membership(&s, &a, &i, MemberChange::Set(Level::Secondary)).unwrap();
        assert_eq!(
            switch.write.expected(&switch.before),
            State::members(vec![
                member("a", Level::Secondary),
                member("b", Level::Secondary)
            ])
        );
        assert!(plan_membership(&s, &c, &i, MemberChange::Remove).is_none());
    }

    #[test]
    fn warnings_for_away_and_over_cap_targets() {
        let s = snapshot();
        let m = crate::domain::derive(&s, &crate::domain::Policy::default(), s.taken_at);
        let ids = [ConversationId("c1".into())];
        let to_b = plan_assign(&s, &ids, &AssignTarget::Teammate(TeammateId("b".into())));
        assert_eq!(warnings(&s, &m, &to_b), vec!["B is away".to_owned()]);
        let to_a = plan_assign(&s, &ids, &AssignTarget::Teammate(TeammateId("a".into())));
        assert_eq!(
            warnings(&s, &m, &to_a),
            vec!["A would hold 2 of a cap of 1".to_owned()]
        );
        let to_c = plan_assign(&s, &ids, &AssignTarget::Teammate(TeammateId("c".into())));
        assert!(warnings(&s, &m, &to_c).is_empty());
    }

    fn arb_state_and_write() -> impl Strategy<Value = (State, Write)> {
        let id = prop_oneof![Just("a"), Just("b"), Just("c")].prop_map(|s: &str| s.to_owned());
        let opt_t = proptest::option::of(id.clone().prop_map(TeammateId));
        let opt_i = proptest::option::of(id.clone().prop_map(InboxId));
        let target = prop_oneof![
            id.clone()
                .prop_map(|x| AssignTarget::Teammate(TeammateId(x))),
            id.clone().prop_map(|x| AssignTarget::Inbox(InboxId(x))),
            Just(AssignTarget::UnassignTeammate),
            Just(AssignTarget::UnassignInbox),
        ];
        let assign = (opt_t, opt_i, target).prop_map(|(a, i, target)| {
            (
                State::Conversation {
                    assignee: a,
                    inbox: i,
                },
                Write::Assign {
                    conversation: ConversationId("c".into()),
                    target,
                },
            )
        });
        let level = prop_oneof![Just(Level::Primary), Just(Level::Secondary)];
        let members = proptest::collection::vec((id.clone(), level), 0..4).prop_map(|v| {
            v.into_iter()
                .map(|(t, l)| member(&t, l))
                .collect::<Vec<_>>()
        });
        let set = (members.clone(), members).prop_map(|(before, after)| {
            (
                State::members(before),
                Write::SetMembers {
                    inbox: InboxId("i".into()),
                    members: after,
                },
            )
        });
        let away = (
            any::<bool>(),
            any::<bool>(),
            proptest::option::of(id.clone()),
            any::<bool>(),
            any::<bool>(),
            proptest::option::of(id),
        )
            .prop_map(|(e, r, reason, e2, r2, reason2)| {
                (
                    State::Away {
                        enabled: e,
                        reassign: e && r,
                        reason: if e { reason.map(AwayReasonId) } else { None },
                    },
                    Write::SetAway {
                        teammate: TeammateId("t".into()),
                        change: AwayChange {
                            away: e2,
                            reassign: r2,
                            reason: reason2.map(AwayReasonId),
                        },
                    },
                )
            });
        prop_oneof![assign, set, away]
    }

    proptest! {
        #[test]
        fn undo_restores_the_exact_before_state((before, write) in arb_state_and_write()) {
            let after = write.expected(&before);
            let undo = write.undo(&before).unwrap();
            prop_assert_eq!(undo.expected(&after), before);
        }
    }
}
