//! Writes that fail: an unknown object is a 404, a write the backend refuses changes nothing,
//! and an object changed since the lead saw it is a conflict with nothing written.

use super::subject::Subject;
use super::writes::{inbox_where, outsider};
use shiftlead::domain::actions::{
    self, AssignTarget, MemberChange, Planned, PresenceChange, State,
};
use shiftlead::domain::{ConversationId, Level, PresenceStatus, Snapshot};
use shiftlead::sim::world::{ConversationEdit, SimLevel};
use shiftlead::writes::Outcome;

/// Adding a secondary member to an inbox that takes none (when the backend has levels).
pub fn secondary_where_unavailable(s: &Snapshot) -> Option<Planned> {
    let inbox = inbox_where(s, |i| i.secondary_unavailable.is_some())?;
    actions::plan_membership(
        s,
        outsider(s, inbox),
        &inbox.id,
        MemberChange::Set(Level::Secondary),
    )
}

/// Assigning a conversation the backend never had: not applied, with its 404.
pub async fn an_unknown_conversation_is_a_404_not_applied(s: Subject) {
    let exec = s.executor();
    let p = Planned {
        write: actions::Write::Assign {
            conversation: ConversationId(s.hooks.missing_conversation.into()),
            target: AssignTarget::UnassignTeammate,
        },
        before: State::Conversation {
            assignee: None,
            inbox: None,
        },
        label: "unassign a conversation that does not exist".into(),
    };
    let report = exec.run(p, false).await;
    let Outcome::NotApplied { error } = &report.outcome else {
        panic!("{}: {:?}", s.name, report.outcome)
    };
    assert!(error.contains("404"), "{}: {error}", s.name);
    assert!(s.sim.applied().is_empty(), "{}", s.name);
}

/// A write the backend refuses (a secondary member where the inbox takes none; a presence
/// status it does not offer) is not applied, and the object is as it was.
pub async fn a_refused_write_is_not_applied_and_changes_nothing(s: Subject) {
    let exec = s.executor();
    let snap = s.snapshot().await;
    let caps = s.backend.capabilities();
    let mut refused: Vec<(Planned, Option<u16>)> = Vec::new();
    if caps.has_levels() {
        refused
            .extend(secondary_where_unavailable(&snap).map(|p| (p, Some(s.hooks.refused_status))));
    }
    let on_duty = snap
        .teammates
        .iter()
        .find(|t| !t.presence.is_away())
        .unwrap();
    for status in PresenceStatus::ALL {
        if !caps.presence.contains(&status) {
            let change = PresenceChange {
                status,
                reason: None,
            };
            refused.extend(actions::plan_presence(&snap, &on_duty.id, change).map(|p| (p, None)));
        }
    }
    assert!(!refused.is_empty(), "{}: nothing to refuse", s.name);
    for (p, status) in refused {
        let report = exec.run(p.clone(), false).await;
        let Outcome::NotApplied { error } = &report.outcome else {
            panic!("{}: {}: {:?}", s.name, p.label, report.outcome)
        };
        if let Some(status) = status {
            assert!(
                error.contains(&status.to_string()),
                "{}: {}: {error}",
                s.name,
                p.label
            );
        }
        assert_eq!(
            s.state_of(&p.write).await,
            p.before,
            "{}: {}",
            s.name,
            p.label
        );
    }
    assert!(
        s.sim.applied().is_empty(),
        "{}: {:?}",
        s.name,
        s.sim.applied()
    );
}

/// Each kind of object changed in the backend between planning and running: a conflict that
/// reports the state now, and nothing written.
pub async fn a_change_since_planning_is_a_conflict_and_nothing_is_written(s: Subject) {
    let exec = s.executor();
    let snap = s.snapshot().await;
    let h = &s.hooks;
    // A conversation reassigned by someone else.
    let c = snap
        .conversations
        .iter()
        .find(|c| c.assignee.is_some())
        .unwrap();
    let mut others = snap
        .teammates
        .iter()
        .filter(|t| Some(&t.id) != c.assignee.as_ref());
    let (mine, theirs) = (others.next().unwrap(), others.next().unwrap());
    let assign = actions::plan_assign(
        &snap,
        std::slice::from_ref(&c.id),
        &AssignTarget::Teammate(mine.id.clone()),
    )
    .remove(0);
    s.sim.with_world(|w| {
        w.edit_conversation(
            (h.world_conversation)(&c.id),
            ConversationEdit::AssignAdmin((h.world_teammate)(&theirs.id)),
        )
        .unwrap();
    });
    // An inbox someone else added the same teammate to.
    let inbox = inbox_where(&snap, |_| true).unwrap();
    let joiner = outsider(&snap, inbox);
    let member =
        actions::plan_membership(&snap, joiner, &inbox.id, MemberChange::Set(Level::Primary))
            .unwrap();
    s.sim.with_world(|w| {
        w.add_members(
            (h.world_inbox)(&inbox.id),
            &[((h.world_teammate)(joiner), SimLevel::Primary)],
        )
    });
    // A teammate who set themselves away.
    let here = snap
        .teammates
        .iter()
        .find(|t| !t.presence.is_away())
        .unwrap();
    let presence = actions::plan_presence(
        &snap,
        &here.id,
        PresenceChange {
            status: PresenceStatus::Away,
            reason: None,
        },
    )
    .unwrap();
    s.sim.with_world(|w| {
        w.set_away((h.world_teammate)(&here.id), true, false, None)
            .unwrap();
    });
    for p in [assign, member, presence] {
        let now = s.state_of(&p.write).await;
        assert_ne!(now, p.before, "{}: {} was changed", s.name, p.label);
        let report = exec.run(p.clone(), false).await;
        assert_eq!(
            report.outcome,
            Outcome::Conflict { now: now.clone() },
            "{}: {}",
            s.name,
            p.label
        );
        assert_eq!(s.state_of(&p.write).await, now, "{}: {}", s.name, p.label);
    }
    assert!(
        s.sim.applied().is_empty(),
        "{}: {:?}",
        s.name,
        s.sim.applied()
    );
    assert!(
        s.write_requests().is_empty(),
        "{}: {:?}",
        s.name,
        s.write_requests()
    );
}
