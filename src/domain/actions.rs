//! Writes a shift lead makes, planned as pure data: what to send, what the object looked like
//! when the lead decided (the precondition checked before writing), what it should look like
//! after, and how to undo it.
//!
//! Membership changes are deltas (one teammate, one inbox), never a replacement list, so
//! several of them to the same inbox compose; a move between inboxes is one write that the
//! executor carries out as "add, confirm, then remove".

use super::capabilities::Capabilities;
use super::metrics::Metrics;
use super::model::{
    AwayReasonId, Conversation, ConversationId, Distribution, InboxId, Level, PresenceStatus,
    Snapshot, Teammate, TeammateId,
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
    /// Both at once: this teammate (or none) in this inbox (or none). Planned where a
    /// conversation's teammate must be a member of its inbox (see [`plan_assign_in`]).
    Both {
        /// The teammate, or none.
        teammate: Option<TeammateId>,
        /// The inbox, or none.
        inbox: Option<InboxId>,
    },
}

/// A change of presence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceChange {
    /// The new status.
    pub status: PresenceStatus,
    /// The custom status (away reason); only kept when the status is not online.
    pub reason: Option<AwayReasonId>,
}

impl PresenceChange {
    /// Back online.
    pub fn online() -> Self {
        Self {
            status: PresenceStatus::Online,
            reason: None,
        }
    }
}

/// A change to one teammate's membership of one inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberChange {
    /// Add at this level, or change to this level.
    Set(Level),
    /// Remove from the inbox.
    Remove,
    /// Make this inbox the teammate's default (backends with default inboxes).
    MakeDefault,
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
    /// Change one teammate's membership of one inbox.
    Membership {
        /// The inbox.
        inbox: InboxId,
        /// The teammate.
        teammate: TeammateId,
        /// The change.
        change: MemberChange,
    },
    /// Move a teammate from one inbox to another: add to `to`, confirm, then remove from
    /// `from`. Nothing is removed unless the add is confirmed.
    Move {
        /// The teammate.
        teammate: TeammateId,
        /// The inbox they leave.
        from: InboxId,
        /// The inbox they join.
        to: InboxId,
        /// Their level in `to`.
        level: Level,
    },
    /// Set a teammate's presence.
    SetPresence {
        /// The teammate.
        teammate: TeammateId,
        /// The change.
        change: PresenceChange,
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
    /// One teammate's level in one inbox (`None`: not a member).
    Membership {
        /// The level.
        level: Option<Level>,
    },
    /// A teammate's default inbox.
    DefaultInbox {
        /// The inbox, when set.
        inbox: Option<InboxId>,
    },
    /// One teammate's levels in the two inboxes of a move.
    Moved {
        /// Level in the inbox they leave.
        from: Option<Level>,
        /// Level in the inbox they join.
        to: Option<Level>,
    },
    /// A teammate's presence.
    Presence {
        /// The status.
        status: PresenceStatus,
        /// The custom status (away reason), when not online.
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

    /// The presence of a teammate.
    pub fn of_teammate(t: &Teammate) -> State {
        State::Presence {
            status: t.presence.status,
            reason: t.presence.reason.as_ref().map(|r| r.id.clone()),
        }
    }

    /// The state a membership change touches, read from a snapshot.
    pub fn of_membership(
        s: &Snapshot,
        inbox: &InboxId,
        teammate: &TeammateId,
        change: MemberChange,
    ) -> State {
        match change {
            MemberChange::MakeDefault => State::DefaultInbox {
                inbox: s.teammate(teammate).and_then(|t| t.default_inbox.clone()),
            },
            _ => State::Membership {
                level: s.inbox(inbox).and_then(|i| i.level_of(teammate)),
            },
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
                    AssignTarget::Both { teammate, inbox } => {
                        a = teammate.clone();
                        i = inbox.clone();
                    }
                }
                State::Conversation {
                    assignee: a,
                    inbox: i,
                }
            }
            (Write::Membership { change, inbox, .. }, _) => match change {
                MemberChange::Set(level) => State::Membership {
                    level: Some(*level),
                },
                MemberChange::Remove => State::Membership { level: None },
                MemberChange::MakeDefault => State::DefaultInbox {
                    inbox: Some(inbox.clone()),
                },
            },
            (Write::Move { level, .. }, _) => State::Moved {
                from: None,
                to: Some(*level),
            },
            (Write::SetPresence { change, .. }, _) => State::Presence {
                status: change.status,
                reason: if change.status.is_away() {
                    change.reason.clone()
                } else {
                    None
                },
            },
            (_, other) => other.clone(),
        }
    }

    /// The write that puts `before` back (applied to the object whose state is now
    /// `expected(before)`), when one exists.
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
                    AssignTarget::Both { .. } => AssignTarget::Both {
                        teammate: assignee.clone(),
                        inbox: inbox.clone(),
                    },
                };
                Write::Assign {
                    conversation: conversation.clone(),
                    target,
                }
            }
            (
                Write::Membership {
                    inbox, teammate, ..
                },
                State::Membership { level },
            ) => Write::Membership {
                inbox: inbox.clone(),
                teammate: teammate.clone(),
                change: level.map_or(MemberChange::Remove, MemberChange::Set),
            },
            (
                Write::Membership { teammate, .. },
                State::DefaultInbox {
                    inbox: Some(previous),
                },
            ) => Write::Membership {
                inbox: previous.clone(),
                teammate: teammate.clone(),
                change: MemberChange::MakeDefault,
            },
            (
                Write::Move {
                    teammate, from, to, ..
                },
                State::Moved {
                    from: Some(level),
                    to: None,
                },
            ) => Write::Move {
                teammate: teammate.clone(),
                from: to.clone(),
                to: from.clone(),
                level: *level,
            },
            (Write::SetPresence { teammate, .. }, State::Presence { status, reason }) => {
                Write::SetPresence {
                    teammate: teammate.clone(),
                    change: PresenceChange {
                        status: *status,
                        reason: reason.clone(),
                    },
                }
            }
            _ => return None,
        })
    }

    /// The object the write targets, as "conversation 123", "inbox 5", "teammate 9".
    pub fn target(&self) -> String {
        match self {
            Write::Assign { conversation, .. } => format!("conversation {conversation}"),
            Write::Membership {
                inbox,
                change: MemberChange::MakeDefault,
                teammate,
            } => format!("teammate {teammate} (default inbox {inbox})"),
            Write::Membership { inbox, .. } => format!("inbox {inbox}"),
            Write::Move {
                teammate, from, to, ..
            } => format!("teammate {teammate} (inbox {from} → inbox {to})"),
            Write::SetPresence { teammate, .. } => format!("teammate {teammate}"),
        }
    }

    /// The objects this write changes, as lock keys: writes sharing a key run one at a time.
    pub fn locks(&self) -> Vec<String> {
        let mut keys = match self {
            Write::Assign { conversation, .. } => vec![format!("conversation {conversation}")],
            Write::Membership {
                inbox,
                teammate,
                change: MemberChange::MakeDefault,
            } => vec![format!("inbox {inbox}"), format!("teammate {teammate}")],
            Write::Membership { inbox, .. } => vec![format!("inbox {inbox}")],
            Write::Move { from, to, .. } => vec![format!("inbox {from}"), format!("inbox {to}")],
            Write::SetPresence { teammate, .. } => vec![format!("teammate {teammate}")],
        };
        keys.sort();
        keys.dedup();
        keys
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
        AssignTarget::Both { teammate, inbox } => format!(
            "to {} in {}",
            teammate
                .as_ref()
                .map_or_else(|| "no teammate".to_owned(), |t| teammate_name(s, t)),
            inbox
                .as_ref()
                .map_or_else(|| "no inbox".to_owned(), |i| inbox_name(s, i))
        ),
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

/// [`plan_assign`] under the backend's rules. Where a conversation's teammate must be a
/// member of its inbox (`caps.assignee_in_inbox`), assigning it to a non-member takes it into
/// the teammate's default inbox, and moving it to an inbox its teammate is not in unassigns
/// them: one write setting both, its label saying why.
pub fn plan_assign_in(
    s: &Snapshot,
    conversations: &[ConversationId],
    target: &AssignTarget,
    caps: &Capabilities,
) -> Vec<Planned> {
    let mut plan = plan_assign(s, conversations, target);
    if !caps.assignee_in_inbox {
        return plan;
    }
    let member =
        |inbox: &InboxId, t: &TeammateId| s.inbox(inbox).is_some_and(|i| i.level_of(t).is_some());
    for p in &mut plan {
        let Write::Assign {
            conversation,
            target,
        } = &mut p.write
        else {
            continue;
        };
        let Some(c) = s.conversation(conversation) else {
            continue;
        };
        match (&*target, &c.inbox, &c.assignee) {
            (AssignTarget::Teammate(t), Some(now), _) if !member(now, t) => {
                let Some(default) = s.teammate(t).and_then(|x| x.default_inbox.clone()) else {
                    continue;
                };
                p.label = format!(
                    "{} (into {}, their default inbox: not a member of {})",
                    p.label,
                    inbox_name(s, &default),
                    inbox_name(s, now)
                );
                *target = AssignTarget::Both {
                    teammate: Some(t.clone()),
                    inbox: Some(default),
                };
            }
            (AssignTarget::Inbox(to), _, Some(a)) if !member(to, a) => {
                p.label = format!(
                    "{} (unassigns {}, not a member of {})",
                    p.label,
                    teammate_name(s, a),
                    inbox_name(s, to)
                );
                *target = AssignTarget::Both {
                    teammate: None,
                    inbox: Some(to.clone()),
                };
            }
            _ => {}
        }
    }
    plan
}

/// Sets, removes or makes default `teammate` in `inbox`. `None` when it would change nothing.
pub fn plan_membership(
    s: &Snapshot,
    teammate: &TeammateId,
    inbox: &InboxId,
    change: MemberChange,
) -> Option<Planned> {
    let i = s.inbox(inbox)?;
    let current = i.level_of(teammate);
    let who = teammate_name(s, teammate);
    let label = match change {
        MemberChange::Set(level) if current == Some(level) => return None,
        MemberChange::Remove if current.is_none() => return None,
        MemberChange::MakeDefault
            if s.teammate(teammate)?.default_inbox.as_ref() == Some(inbox) =>
        {
            return None;
        }
        MemberChange::Set(level) => match current {
            Some(_) => format!("make {who} {level} in {}", i.name),
            None => format!("add {who} to {} as {level}", i.name),
        },
        MemberChange::Remove => format!("remove {who} from {}", i.name),
        MemberChange::MakeDefault => format!("make {} {who}'s default inbox", i.name),
    };
    Some(Planned {
        write: Write::Membership {
            inbox: inbox.clone(),
            teammate: teammate.clone(),
            change,
        },
        before: State::of_membership(s, inbox, teammate, change),
        label,
    })
}

/// Why a move cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    /// The teammate, or one of the inboxes, is not in the data.
    #[error("{0} is not in the latest data")]
    Unknown(String),
    /// The teammate is not a member of the inbox they would leave.
    #[error("{teammate} is not a member of {inbox}; nothing to move from")]
    NotInFrom {
        /// Teammate name.
        teammate: String,
        /// Inbox name.
        inbox: String,
    },
}

/// Moves `teammate` into `to` at `level`, and out of `from` when given. With `from`, and the
/// teammate not yet in `to`, this is one [`Write::Move`] (add, confirm, then remove); already
/// in `to`, it is a level change (when needed) and a removal. Without `from` it is an add.
pub fn plan_move(
    s: &Snapshot,
    teammate: &TeammateId,
    to: &InboxId,
    level: Level,
    from: Option<&InboxId>,
) -> Result<Vec<Planned>, MoveError> {
    let who = s
        .teammate(teammate)
        .ok_or_else(|| MoveError::Unknown(format!("teammate {teammate}")))?;
    let to_inbox = s
        .inbox(to)
        .ok_or_else(|| MoveError::Unknown(format!("inbox {to}")))?;
    let Some(from) = from.filter(|f| *f != to) else {
        return Ok(plan_membership(s, teammate, to, MemberChange::Set(level))
            .into_iter()
            .collect());
    };
    let from_inbox = s
        .inbox(from)
        .ok_or_else(|| MoveError::Unknown(format!("inbox {from}")))?;
    let Some(from_level) = from_inbox.level_of(teammate) else {
        return Err(MoveError::NotInFrom {
            teammate: who.name.clone(),
            inbox: from_inbox.name.clone(),
        });
    };
    if to_inbox.level_of(teammate).is_some() {
        let mut out: Vec<Planned> = plan_membership(s, teammate, to, MemberChange::Set(level))
            .into_iter()
            .collect();
        out.extend(plan_membership(s, teammate, from, MemberChange::Remove));
        return Ok(out);
    }
    Ok(vec![Planned {
        write: Write::Move {
            teammate: teammate.clone(),
            from: from.clone(),
            to: to.clone(),
            level,
        },
        before: State::Moved {
            from: Some(from_level),
            to: None,
        },
        label: format!(
            "move {} from {} to {} as {level}",
            who.name, from_inbox.name, to_inbox.name
        ),
    }])
}

/// Sets `teammate`'s presence (with a custom status when away).
pub fn plan_presence(
    s: &Snapshot,
    teammate: &TeammateId,
    change: PresenceChange,
) -> Option<Planned> {
    let t = s.teammate(teammate)?;
    let label = match change.status {
        PresenceStatus::Online => format!("set {} back", t.name),
        status => {
            let reason = change
                .reason
                .as_ref()
                .and_then(|r| s.away_reasons.iter().find(|x| &x.id == r))
                .map(|r| format!(" ({})", r.label))
                .unwrap_or_default();
            let how = match status {
                PresenceStatus::AwayReassign => " away",
                PresenceStatus::Away => " away",
                PresenceStatus::TransfersOnly => " to transfers only",
                _ => " offline",
            };
            let reassign = if status.reassigns() {
                ", reassigning new replies"
            } else {
                ""
            };
            format!("set {}{how}{reason}{reassign}", t.name)
        }
    };
    Some(Planned {
        write: Write::SetPresence {
            teammate: teammate.clone(),
            change,
        },
        before: State::of_teammate(t),
        label,
    })
}

/// The write that undoes `done` (which left `after`), worded by the state it restores:
/// "undo: #123 back to Eli Cohen", "undo: Ana Souza back to away (On a break)".
pub fn plan_undo(s: &Snapshot, done: &Planned, after: &State) -> Option<Planned> {
    let write = done.write.undo(&done.before)?;
    let label = match (&done.write, &done.before) {
        (
            Write::Assign {
                conversation,
                target: AssignTarget::Teammate(_) | AssignTarget::UnassignTeammate,
            },
            State::Conversation { assignee, .. },
        ) => format!(
            "#{conversation} back to {}",
            assignee
                .as_ref()
                .map_or_else(|| "no teammate".to_owned(), |t| teammate_name(s, t))
        ),
        (
            Write::Assign {
                conversation,
                target: AssignTarget::Both { .. },
            },
            State::Conversation { assignee, inbox },
        ) => format!(
            "#{conversation} back to {} in {}",
            assignee
                .as_ref()
                .map_or_else(|| "no teammate".to_owned(), |t| teammate_name(s, t)),
            inbox
                .as_ref()
                .map_or_else(|| "no inbox".to_owned(), |i| inbox_name(s, i))
        ),
        (Write::Assign { conversation, .. }, State::Conversation { inbox, .. }) => format!(
            "#{conversation} back to {}",
            inbox.as_ref().map_or_else(
                || "no inbox".to_owned(),
                |i| format!("inbox {}", inbox_name(s, i))
            )
        ),
        (
            Write::Membership {
                inbox, teammate, ..
            },
            State::Membership { level: Some(l) },
        ) => {
            format!(
                "{} back to {l} in {}",
                teammate_name(s, teammate),
                inbox_name(s, inbox)
            )
        }
        (
            Write::Membership {
                inbox, teammate, ..
            },
            State::Membership { level: None },
        ) => format!(
            "{} back out of {}",
            teammate_name(s, teammate),
            inbox_name(s, inbox)
        ),
        (Write::Membership { teammate, .. }, State::DefaultInbox { inbox: Some(i) }) => format!(
            "{}'s default inbox back to {}",
            teammate_name(s, teammate),
            inbox_name(s, i)
        ),
        (
            Write::Move {
                teammate, from, to, ..
            },
            _,
        ) => format!(
            "{} back from {} to {}",
            teammate_name(s, teammate),
            inbox_name(s, to),
            inbox_name(s, from)
        ),
        (Write::SetPresence { teammate, .. }, State::Presence { status, reason }) => {
            let reason = reason
                .as_ref()
                .and_then(|r| s.away_reasons.iter().find(|x| &x.id == r))
                .map(|r| format!(" ({})", r.label))
                .unwrap_or_default();
            format!("{} back to {status}{reason}", teammate_name(s, teammate))
        }
        _ => done.label.clone(),
    };
    Some(Planned {
        write,
        before: after.clone(),
        label: format!("undo: {label}"),
    })
}

/// Warnings a lead should confirm before a plan runs: assigning over cap or to someone away,
/// removing the last member of an inbox.
pub fn warnings(s: &Snapshot, m: &Metrics, plan: &[Planned]) -> Vec<String> {
    let mut out = Vec::new();
    let mut extra: std::collections::HashMap<&TeammateId, u32> = Default::default();
    let mut removed: std::collections::HashMap<&InboxId, Vec<&TeammateId>> = Default::default();
    for p in plan {
        match &p.write {
            Write::Assign {
                target:
                    AssignTarget::Teammate(t)
                    | AssignTarget::Both {
                        teammate: Some(t), ..
                    },
                ..
            } => *extra.entry(t).or_default() += 1,
            Write::Assign {
                conversation,
                target: AssignTarget::UnassignTeammate,
            } => {
                let Some(c) = s.conversation(conversation) else {
                    continue;
                };
                if c.assignee.is_none() {
                    continue;
                }
                let inbox = c.inbox.as_ref().and_then(|i| s.inbox(i));
                out.push(match inbox.and_then(|i| i.distribution.as_ref()) {
                    Some(d @ (Distribution::LoadBalanced | Distribution::RoundRobin)) => format!(
                        "#{conversation} goes back to {} ({d}): it may be handed straight \
                         back to someone",
                        inbox.map_or("its inbox", |i| i.name.as_str())
                    ),
                    _ => format!("#{conversation} will have no teammate"),
                });
            }
            Write::Membership {
                inbox,
                teammate,
                change: MemberChange::Remove,
            }
            | Write::Move {
                from: inbox,
                teammate,
                ..
            } => removed.entry(inbox).or_default().push(teammate),
            _ => {}
        }
    }
    for i in &s.inboxes {
        if let Some(gone) = removed.get(&i.id)
            && !i.members.is_empty()
            && i.members.iter().all(|m| gone.contains(&&m.teammate))
        {
            out.push(format!("{} would have no members", i.name));
        }
    }
    let mut names: Vec<(&TeammateId, u32)> = extra.into_iter().collect();
    names.sort();
    for (t, n) in names {
        let Some(mate) = s.teammate(t) else {
            out.push(format!("teammate {t} is not in the latest data"));
            continue;
        };
        if mate.presence.is_away() {
            out.push(format!("{} is away", mate.name));
        } else if !mate.has_inbox_seat {
            out.push(format!("{} has no inbox seat", mate.name));
        } else if m.teammate(t).is_some_and(|f| f.idle) {
            out.push(format!(
                "{} is flagged idle (their customers have waited long without a reply)",
                mate.name
            ));
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

/// Most conversations a side-effect warning names before it says how many more.
const LISTED: usize = 12;

/// [`warnings`], plus what the backend does beyond the write itself, as its capabilities
/// say: where removing a member unassigns their working conversations in that inbox, each
/// removal (or move out) of someone holding any lists them, so the lead sees them before
/// saying yes.
pub fn warnings_for(
    s: &Snapshot,
    m: &Metrics,
    caps: &Capabilities,
    plan: &[Planned],
) -> Vec<String> {
    let mut out = warnings(s, m, plan);
    if let Some(how) = &caps.removal_unassigns {
        for p in plan {
            let (inbox, teammate) = match &p.write {
                Write::Membership {
                    inbox,
                    teammate,
                    change: MemberChange::Remove,
                }
                | Write::Move {
                    from: inbox,
                    teammate,
                    ..
                } => (inbox, teammate),
                _ => continue,
            };
            let held: Vec<&ConversationId> = s
                .conversations
                .iter()
                .filter(|c| {
                    !c.state.is_done()
                        && c.assignee.as_ref() == Some(teammate)
                        && c.inbox.as_ref() == Some(inbox)
                })
                .map(|c| &c.id)
                .collect();
            if held.is_empty() {
                continue;
            }
            let mut list: Vec<String> = held
                .iter()
                .take(LISTED)
                .map(|id| format!("#{id}"))
                .collect();
            if held.len() > LISTED {
                list.push(format!("and {} more", held.len() - LISTED));
            }
            out.push(format!(
                "removing {} from {} unassigns their {} working conversation{} there ({how}): {}",
                teammate_name(s, teammate),
                inbox_name(s, inbox),
                held.len(),
                if held.len() == 1 { "" } else { "s" },
                list.join(", ")
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
    /// Part of the change landed (e.g. a move added but not removed); `after` is exact.
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
    use crate::domain::fixture::{self, member};
    use crate::domain::model::*;
    use proptest::prelude::*;

    fn snapshot() -> Snapshot {
        let t0 = fixture::t0();
        let mate = |id: &str, away: bool| Teammate {
            presence: fixture::presence(if away {
                PresenceStatus::Away
            } else {
                PresenceStatus::Online
            }),
            cap: Some(Cap {
                value: 1,
                source: CapSource::Config,
            }),
            ..fixture::teammate(id)
        };
        let mut billing = fixture::inbox("i1", "Billing");
        billing.members = vec![member("a", Level::Primary), member("b", Level::Secondary)];
        let mut c1 = fixture::conversation("c1", t0);
        c1.inbox = Some(InboxId("i1".into()));
        c1.assignee = Some(TeammateId("a".into()));
        Snapshot {
            inboxes: vec![billing, fixture::inbox("i2", "VIP")].into(),
            teammates: vec![mate("a", false), mate("b", true), mate("c", false)].into(),
            conversations: vec![c1].into(),
            ..fixture::snapshot(t0)
        }
    }

    #[test]
    fn membership_plans_add_switch_remove_and_skip_no_ops() {
        let s = snapshot();
        let (c, i) = (TeammateId("c".into()), InboxId("i1".into()));
        let add = plan_membership(&s, &c, &i, MemberChange::Set(Level::Secondary)).unwrap();
        assert_eq!(add.label, "add C to Billing as secondary");
        assert_eq!(add.before, State::Membership { level: None });
        let a = TeammateId("a".into());
        assert!(plan_membership(&s, &a, &i, MemberChange::Set(Level::Primary)).is_none());
        let switch = plan_membership(&s, &a, &i, MemberChange::Set(Level::Secondary)).unwrap();
        assert_eq!(
            switch.write.expected(&switch.before),
            State::Membership {
                level: Some(Level::Secondary)
            }
        );
        assert!(plan_membership(&s, &c, &i, MemberChange::Remove).is_none());
    }

    #[test]
    fn a_move_is_one_write_and_refuses_an_inbox_the_teammate_is_not_in() {
        let s = snapshot();
        let (a, billing, vip) = (
            TeammateId("a".into()),
            InboxId("i1".into()),
            InboxId("i2".into()),
        );
        let plan = plan_move(&s, &a, &vip, Level::Primary, Some(&billing)).unwrap();
        assert_eq!(plan.len(), 1);
        assert_eq!(plan[0].label, "move A from Billing to VIP as primary");
        assert_eq!(
            plan[0].before,
            State::Moved {
                from: Some(Level::Primary),
                to: None
            }
        );
        let c = TeammateId("c".into());
        assert_eq!(
            plan_move(&s, &c, &vip, Level::Primary, Some(&billing)),
            Err(MoveError::NotInFrom {
                teammate: "C".into(),
                inbox: "Billing".into()
            })
        );
    }

    #[test]
    fn undo_is_worded_by_the_state_it_restores() {
        let s = snapshot();
        let target = AssignTarget::Teammate(TeammateId("c".into()));
        let done = plan_assign(&s, &[ConversationId("c1".into())], &target).remove(0);
        let after = done.write.expected(&done.before);
        let undo = plan_undo(&s, &done, &after).unwrap();
        assert_eq!(undo.label, "undo: #c1 back to A");
        assert_eq!(undo.write.expected(&after), done.before);
        let b = TeammateId("b".into());
        let done = plan_presence(&s, &b, PresenceChange::online()).unwrap();
        let after = done.write.expected(&done.before);
        assert_eq!(
            plan_undo(&s, &done, &after).unwrap().label,
            "undo: B back to away"
        );
    }

    #[test]
    fn where_the_assignee_must_be_a_member_the_plan_moves_inbox_or_teammate_along() {
        let mut s = snapshot();
        // c is in no inbox of c1 (Billing) and has VIP as default; a is in Billing only.
        if let Some(c) = s.teammates.iter_mut().find(|t| t.id.as_str() == "c") {
            c.default_inbox = Some(InboxId("i2".into()));
        }
        let ids = [ConversationId("c1".into())];
        let to_c = AssignTarget::Teammate(TeammateId("c".into()));
        let caps = Capabilities {
            assignee_in_inbox: true,
            ..fixture::capabilities()
        };
        // Without the rule: as asked.
        assert_eq!(
            plan_assign_in(&s, &ids, &to_c, &fixture::capabilities()),
            plan_assign(&s, &ids, &to_c)
        );
        // A non-member takes the conversation into their default inbox, in one write.
        let p = plan_assign_in(&s, &ids, &to_c, &caps).remove(0);
        let both = AssignTarget::Both {
            teammate: Some(TeammateId("c".into())),
            inbox: Some(InboxId("i2".into())),
        };
        assert_eq!(
            p.write,
            Write::Assign {
                conversation: ids[0].clone(),
                target: both
            }
        );
        assert_eq!(
            p.label,
            "move #c1 to C (into VIP, their default inbox: not a member of Billing)"
        );
        assert_eq!(
            p.write.expected(&p.before),
            State::Conversation {
                assignee: Some(TeammateId("c".into())),
                inbox: Some(InboxId("i2".into())),
            }
        );
        // Undone in one write too, worded by what it restores.
        let undo = plan_undo(&s, &p, &p.write.expected(&p.before)).unwrap();
        assert_eq!(undo.label, "undo: #c1 back to A in Billing");
        assert_eq!(undo.write.expected(&p.write.expected(&p.before)), p.before);
        // A member stays in the inbox.
        let to_a = AssignTarget::Teammate(TeammateId("a".into()));
        assert_eq!(
            plan_assign_in(&s, &ids, &to_a, &caps),
            plan_assign(&s, &ids, &to_a)
        );
        // Moving to an inbox the teammate is not in unassigns them, said so.
        let to_vip = AssignTarget::Inbox(InboxId("i2".into()));
        let p = plan_assign_in(&s, &ids, &to_vip, &caps).remove(0);
        assert_eq!(
            p.label,
            "move #c1 to inbox VIP (unassigns A, not a member of VIP)"
        );
        assert_eq!(
            p.write.expected(&p.before),
            State::Conversation {
                assignee: None,
                inbox: Some(InboxId("i2".into())),
            }
        );
    }

    #[test]
    fn a_removal_that_unassigns_lists_the_tickets_when_the_backend_says_so() {
        let mut s = snapshot();
        let mut held = fixture::conversation("c9", fixture::t0());
        held.assignee = Some(TeammateId("a".into()));
        held.inbox = Some(InboxId("i1".into()));
        let mut solved = held.clone();
        solved.id = ConversationId("c10".into());
        solved.state = crate::domain::ConversationState::Solved;
        s.conversations.insert(held);
        s.conversations.insert(solved);
        let m = crate::domain::derive(&s, &crate::domain::Policy::default(), fixture::t0());
        let plan: Vec<Planned> = plan_membership(
            &s,
            &TeammateId("a".into()),
            &InboxId("i1".into()),
            MemberChange::Remove,
        )
        .into_iter()
        .collect();
        let mut caps = fixture::capabilities();
        let plain = warnings_for(&s, &m, &caps, &plan);
        assert_eq!(plain, warnings(&s, &m, &plan));
        caps.removal_unassigns = Some("the helpdesk unassigns them".into());
        let w = warnings_for(&s, &m, &caps, &plan);
        let line = w
            .iter()
            .find(|l| l.contains("unassigns their"))
            .expect("listed");
        assert!(line.contains("#c9") && !line.contains("#c10"), "{line}");
    }

    #[test]
    fn removing_every_member_in_one_plan_warns() {
        let s = snapshot();
        let m = crate::domain::derive(&s, &crate::domain::Policy::default(), s.taken_at);
        let i = InboxId("i1".into());
        let plan: Vec<Planned> = ["a", "b"]
            .iter()
            .filter_map(|t| plan_membership(&s, &TeammateId((*t).into()), &i, MemberChange::Remove))
            .collect();
        assert_eq!(
            warnings(&s, &m, &plan),
            vec!["Billing would have no members"]
        );
        assert!(warnings(&s, &m, &plan[..1]).is_empty());
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
        let mut seatless = s.clone();
        seatless.teammates[2].has_inbox_seat = false;
        assert_eq!(
            warnings(&seatless, &m, &to_c),
            vec!["C has no inbox seat".to_owned()]
        );
    }

    fn arb_state_and_write() -> impl Strategy<Value = (State, Write)> {
        let id = prop_oneof![Just("a"), Just("b"), Just("c")].prop_map(|s: &str| s.to_owned());
        let opt_t = proptest::option::of(id.clone().prop_map(TeammateId::from));
        let opt_i = proptest::option::of(id.clone().prop_map(InboxId::from));
        let target = prop_oneof![
            id.clone()
                .prop_map(|x| AssignTarget::Teammate(TeammateId::from(x))),
            id.clone()
                .prop_map(|x| AssignTarget::Inbox(InboxId::from(x))),
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
        let change = prop_oneof![
            level.clone().prop_map(MemberChange::Set),
            Just(MemberChange::Remove)
        ];
        let member = (proptest::option::of(level.clone()), change).prop_map(|(before, change)| {
            (
                State::Membership { level: before },
                Write::Membership {
                    inbox: InboxId("i".into()),
                    teammate: TeammateId("t".into()),
                    change,
                },
            )
        });
        let default = (id.clone(), id.clone()).prop_map(|(before, to)| {
            (
                State::DefaultInbox {
                    inbox: Some(InboxId::from(before)),
                },
                Write::Membership {
                    inbox: InboxId::from(to),
                    teammate: TeammateId("t".into()),
                    change: MemberChange::MakeDefault,
                },
            )
        });
        let moved = (level.clone(), level).prop_map(|(from, to)| {
            (
                State::Moved {
                    from: Some(from),
                    to: None,
                },
                Write::Move {
                    teammate: TeammateId("t".into()),
                    from: InboxId("x".into()),
                    to: InboxId("y".into()),
                    level: to,
                },
            )
        });
        let status = proptest::sample::select(PresenceStatus::ALL.to_vec());
        let presence = (
            status.clone(),
            proptest::option::of(id.clone()),
            status,
            proptest::option::of(id),
        )
            .prop_map(|(s1, reason, s2, reason2)| {
                (
                    State::Presence {
                        status: s1,
                        reason: if s1.is_away() {
                            reason.map(AwayReasonId::from)
                        } else {
                            None
                        },
                    },
                    Write::SetPresence {
                        teammate: TeammateId("t".into()),
                        change: PresenceChange {
                            status: s2,
                            reason: reason2.map(AwayReasonId::from),
                        },
                    },
                )
            });
        prop_oneof![assign, member, default, moved, presence]
    }

    proptest! {
        #[test]
        fn undo_restores_the_exact_before_state((before, write) in arb_state_and_write()) {
            let after = write.expected(&before);
            let undo = write.undo(&before).unwrap();
            // A move's undo runs the other way, so its state reads with the inboxes swapped.
            let back = match (&write, undo.expected(&after)) {
                (Write::Move { .. }, State::Moved { from, to }) => State::Moved { from: to, to: from },
                (_, back) => back,
            };
            prop_assert_eq!(back, before);
        }

        #[test]
        fn writes_to_one_object_share_a_lock((_, write) in arb_state_and_write()) {
            let locks = write.locks();
            prop_assert!(!locks.is_empty());
            prop_assert!(locks.windows(2).all(|w| w[0] < w[1]));
        }
    }
}
