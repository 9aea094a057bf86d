//! Writes through the executor: each kind applies, is confirmed by a re-read, and its exact
//! undo restores the before-state; every attempt is audited, intent first.

use super::subject::Subject;
use shiftlead::audit::{Entry, INTENT};
use shiftlead::domain::actions::{self, AssignTarget, MemberChange, PresenceChange};
use shiftlead::domain::{Conversation, Inbox, Level, PresenceStatus, Snapshot, TeammateId};

/// An inbox with at least two members (so one can leave) where `ok` holds.
pub fn inbox_where(s: &Snapshot, ok: impl Fn(&Inbox) -> bool) -> Option<&Inbox> {
    s.inboxes.iter().find(|i| i.members.len() >= 2 && ok(i))
}

/// A teammate on duty who is not a member of `inbox`.
pub fn outsider<'a>(s: &'a Snapshot, inbox: &Inbox) -> &'a TeammateId {
    &s.teammates
        .iter()
        .find(|t| inbox.level_of(&t.id).is_none() && !t.presence.is_away())
        .unwrap_or_else(|| panic!("someone on duty outside {}", inbox.name))
        .id
}

/// Assigning to a teammate of the conversation's inbox and to another inbox of its assignee,
/// and unassigning either: each applies and its undo restores the conversation exactly. Then
/// the routes a backend may refuse to keep as asked, because it keeps an assignee only inside
/// the conversation's inbox (Zendesk moves or unassigns the ticket instead): a teammate from
/// outside the inbox, an inbox the assignee is not in, no inbox for an assigned conversation.
/// Each applies exactly as planned or is refused with nothing changed — never done otherwise.
pub async fn assignments_apply_and_undo_exactly(s: Subject) {
    let exec = s.executor();
    let snap = s.snapshot().await;
    let on_duty = |t: &TeammateId| snap.teammate(t).is_some_and(|t| !t.presence.is_away());
    let (c, inbox, member, other_inbox) = snap
        .conversations
        .iter()
        .find_map(|c| {
            let (a, inbox) = (c.assignee.as_ref()?, snap.inbox(c.inbox.as_ref()?)?);
            inbox.level_of(a)?;
            let member = inbox
                .members
                .iter()
                .map(|m| &m.teammate)
                .find(|t| *t != a && on_duty(t))?;
            let other = snap
                .inboxes
                .iter()
                .find(|i| i.id != inbox.id && i.level_of(a).is_some())?;
            Some((c, inbox, member, other))
        })
        .expect("a conversation assigned in its assignee's inbox, with a teammate there on duty");
    let unassigned = snap
        .conversations
        .iter()
        .find(|c| c.assignee.is_none() && c.inbox.is_some())
        .expect("an unassigned conversation in an inbox");
    let one = |c: &Conversation, target: AssignTarget| {
        actions::plan_assign(&snap, std::slice::from_ref(&c.id), &target).remove(0)
    };
    for p in [
        one(c, AssignTarget::Teammate(member.clone())),
        one(c, AssignTarget::Inbox(other_inbox.id.clone())),
        one(c, AssignTarget::UnassignTeammate),
        one(unassigned, AssignTarget::UnassignInbox),
    ] {
        s.apply_and_undo(&exec, p).await;
    }
    let a = c.assignee.as_ref().unwrap();
    let outsider = snap
        .teammates
        .iter()
        .find(|t| inbox.level_of(&t.id).is_none() && !t.presence.is_away())
        .expect("a teammate on duty outside the inbox");
    let foreign = snap
        .inboxes
        .iter()
        .find(|i| i.level_of(a).is_none())
        .expect("an inbox the assignee is not in");
    for p in [
        one(c, AssignTarget::Teammate(outsider.id.clone())),
        one(c, AssignTarget::Inbox(foreign.id.clone())),
        one(c, AssignTarget::UnassignInbox),
    ] {
        s.apply_or_refuse(&exec, p).await;
    }
}

/// Adding at each level the backend has, changing a level, and removing — on an inbox that
/// takes secondary members and on one that does not.
pub async fn membership_changes_apply_and_undo_exactly(s: Subject) {
    let exec = s.executor();
    let snap = s.snapshot().await;
    let levels = s.backend.capabilities().has_levels();
    let mut tried = 0;
    for inbox in [
        inbox_where(&snap, |i| i.secondary_unavailable.is_none()),
        inbox_where(&snap, |i| i.secondary_unavailable.is_some()),
    ]
    .into_iter()
    .flatten()
    {
        let secondary = levels && inbox.secondary_unavailable.is_none();
        let out = outsider(&snap, inbox);
        let member = &inbox.members[0];
        let mut changes = vec![
            (out, MemberChange::Set(Level::Primary)),
            (&member.teammate, MemberChange::Remove),
        ];
        if secondary {
            let other = match member.level {
                Level::Primary => Level::Secondary,
                Level::Secondary => Level::Primary,
            };
            changes.push((out, MemberChange::Set(Level::Secondary)));
            changes.push((&member.teammate, MemberChange::Set(other)));
        }
        for (who, change) in changes {
            let p = actions::plan_membership(&snap, who, &inbox.id, change).unwrap();
            s.apply_and_undo(&exec, p).await;
            tried += 1;
        }
    }
    assert!(tried >= 2, "{}: some membership change was tried", s.name);
}

/// A move (add to the new inbox, confirm, remove from the old) and its undo (the move back),
/// into the new inbox as primary and, where the backend has levels, as secondary.
pub async fn a_move_applies_and_undoes_exactly(s: Subject) {
    let exec = s.executor();
    let snap = s.snapshot().await;
    let mut levels = vec![Level::Primary];
    if s.backend.capabilities().has_levels() {
        levels.push(Level::Secondary);
    }
    for level in levels {
        let (from, who, to) = snap
            .inboxes
            .iter()
            .filter(|i| i.members.len() >= 2)
            .find_map(|from| {
                let who = &from.members[0].teammate;
                let to = snap.inboxes.iter().find(|i| {
                    i.id != from.id
                        && i.level_of(who).is_none()
                        && (level == Level::Primary || i.secondary_unavailable.is_none())
                })?;
                Some((from, who, to))
            })
            .unwrap_or_else(|| panic!("{}: someone to move in as {level}", s.name));
        let plan = actions::plan_move(&snap, who, &to.id, level, Some(&from.id)).unwrap();
        assert_eq!(plan.len(), 1, "{}: a move is one write", s.name);
        assert!(matches!(plan[0].write, actions::Write::Move { .. }));
        s.apply_and_undo(&exec, plan.into_iter().next().unwrap())
            .await;
    }
}

/// Every presence status the backend offers, with a custom status (away reason) when away.
/// A backend may tie a reason to one status (a Zendesk custom status stands for one state):
/// a reason it will not set with a status is refused with nothing changed, and the status is
/// then set without it. Some status is set with a reason.
pub async fn every_presence_status_applies_and_undoes_exactly(s: Subject) {
    let exec = s.executor();
    let snap = s.snapshot().await;
    let statuses = s.backend.capabilities().presence;
    assert!(!statuses.is_empty(), "{}: some presence can be set", s.name);
    let reason = snap
        .away_reasons
        .iter()
        .find(|r| !r.deleted)
        .map(|r| r.id.clone());
    let mut with_reason = 0;
    for status in statuses {
        let who = snap
            .teammates
            .iter()
            .find(|t| t.presence.status != status && t.presence.is_away() != status.is_away())
            .unwrap_or_else(|| panic!("{}: someone to set {status}", s.name));
        let plan = |reason: Option<shiftlead::domain::AwayReasonId>| {
            actions::plan_presence(&snap, &who.id, PresenceChange { status, reason }).unwrap()
        };
        match reason.clone().filter(|_| status.is_away()) {
            Some(r) => {
                if s.apply_or_refuse(&exec, plan(Some(r))).await {
                    with_reason += 1;
                } else {
                    s.apply_and_undo(&exec, plan(None)).await;
                }
            }
            None => s.apply_and_undo(&exec, plan(None)).await,
        }
    }
    if reason.is_some() {
        assert!(
            with_reason > 0,
            "{}: no status was set with a reason",
            s.name
        );
    }
}

/// Each attempt's intent is logged before its outcome, with the same id.
pub async fn every_attempt_is_audited_intent_first(s: Subject) {
    let exec = s.executor();
    let snap = s.snapshot().await;
    let who = snap
        .teammates
        .iter()
        .find(|t| !t.presence.is_away())
        .unwrap();
    let p = actions::plan_presence(
        &snap,
        &who.id,
        PresenceChange {
            status: PresenceStatus::Away,
            reason: None,
        },
    )
    .unwrap();
    exec.run(p.clone(), false).await;
    exec.run(p, false).await; // now a conflict: it is away already
    let lines: Vec<Entry> = std::fs::read_to_string(s.audit().path())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let words: Vec<&str> = lines.iter().map(|e| e.outcome.as_str()).collect();
    assert_eq!(words, [INTENT, "applied", INTENT, "conflict"], "{}", s.name);
    assert_eq!(lines[0].id, lines[1].id);
    assert_eq!(lines[2].id, lines[3].id);
    assert_ne!(lines[0].id, lines[2].id);
}
