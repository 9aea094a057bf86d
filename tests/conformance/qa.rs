//! The QA findings that drove the redesign of the backend seam, as checks every backend must
//! pass.

use super::errors::secondary_where_unavailable;
use super::subject::Subject;
use shiftlead::domain::actions::{self, MemberChange, State, Write};
use shiftlead::domain::capabilities::Read;
use shiftlead::domain::{Level, TeammateId};
use shiftlead::writes::Outcome;

/// QA (a): three teammates added to one inbox in one bulk action all end up members (before
/// the redesign each write replaced the member list, and only the last survived).
pub async fn qa_a_bulk_add_of_three_to_one_inbox_applies_all_three(s: Subject) {
    let exec = s.executor();
    let snap = s.snapshot().await;
    let (inbox, joiners) = snap
        .inboxes
        .iter()
        .find_map(|i| {
            let out: Vec<TeammateId> = snap
                .teammates
                .iter()
                .filter(|t| i.level_of(&t.id).is_none())
                .take(3)
                .map(|t| t.id.clone())
                .collect();
            (out.len() == 3).then_some((i, out))
        })
        .expect("an inbox three teammates are not in");
    let plan: Vec<_> = joiners
        .iter()
        .map(|t| {
            actions::plan_membership(&snap, t, &inbox.id, MemberChange::Set(Level::Primary))
                .unwrap()
        })
        .collect();
    let reports = exec.run_all(plan, false).await;
    for r in &reports {
        assert!(
            matches!(r.outcome, Outcome::Applied { .. }),
            "{}: {}: {:?}",
            s.name,
            r.planned.label,
            r.outcome
        );
    }
    let world_team = (s.hooks.world_inbox)(&inbox.id);
    let members = s.sim.with_world(|w| {
        w.teams
            .iter()
            .find(|t| t.id == world_team)
            .map(|t| t.members.iter().map(|(id, _)| *id).collect::<Vec<_>>())
            .unwrap()
    });
    for t in joiners
        .iter()
        .chain(inbox.members.iter().map(|m| &m.teammate))
    {
        assert!(
            members.contains(&(s.hooks.world_teammate)(t)),
            "{}: {t} is a member of {} in the backend: {members:?}",
            s.name,
            inbox.name
        );
    }
    assert_eq!(members.len(), inbox.members.len() + 3, "{}", s.name);
}

/// QA (b): a move whose add is refused leaves the old membership alone and says nothing was
/// removed. The add is a secondary membership where the inbox takes none: refused by the
/// backend where it has levels, by the client before sending where it has none (Zendesk).
pub async fn qa_b_a_move_whose_add_fails_removes_nothing(s: Subject) {
    let exec = s.executor();
    let snap = s.snapshot().await;
    let refused = secondary_where_unavailable(&snap)
        .unwrap_or_else(|| panic!("{}: an inbox that refuses secondary members", s.name));
    let Write::Membership { inbox: to, .. } = &refused.write else {
        unreachable!()
    };
    let (from, who) = snap
        .inboxes
        .iter()
        .filter(|i| &i.id != to && i.members.len() >= 2)
        .find_map(|i| {
            let to_inbox = snap.inbox(to).unwrap();
            i.members
                .iter()
                .find(|m| to_inbox.level_of(&m.teammate).is_none())
                .map(|m| (i, m.clone()))
        })
        .expect("a member of another inbox who is not in the refusing one");
    let p = actions::plan_move(&snap, &who.teammate, to, Level::Secondary, Some(&from.id))
        .unwrap()
        .remove(0);
    assert!(matches!(p.write, Write::Move { .. }));
    let report = exec.run(p.clone(), false).await;
    let Outcome::NotApplied { error } = &report.outcome else {
        panic!("{}: {:?}", s.name, report.outcome)
    };
    assert!(error.contains("nothing removed"), "{}: {error}", s.name);
    match s.backend.capabilities().member_levels {
        // The backend itself refuses the add.
        Read::Exact | Read::Estimated(_) => assert!(
            error.contains(&s.hooks.refused_status.to_string()),
            "{}: {error}",
            s.name
        ),
        // No levels at all: the client refuses the add before sending anything.
        Read::Unavailable(why) => {
            eprintln!(
                "{}: membership levels are unavailable ({why}): the add is refused by the \
                 client, not the backend",
                s.name
            );
            assert!(error.contains("not supported"), "{}: {error}", s.name);
            assert!(
                s.write_requests().is_empty(),
                "{}: nothing was sent: {:?}",
                s.name,
                s.write_requests()
            );
        }
    }
    assert_eq!(
        s.state_of(&p.write).await,
        State::Moved {
            from: Some(who.level),
            to: None
        },
        "{}: still in {} as before, not in the other",
        s.name,
        from.name
    );
    assert!(
        s.sim.applied().is_empty(),
        "{}: {:?}",
        s.name,
        s.sim.applied()
    );
}

/// QA (c): `shiftlead check` sends no write at all.
pub async fn qa_c_check_applies_no_write(s: Subject) {
    let lines = shiftlead::check::run(&*s.backend, "x", false)
        .await
        .unwrap_or_else(|e| panic!("{}: check: {e}", s.name));
    assert!(
        lines.iter().any(|l| l.contains("token was accepted")),
        "{}: {lines:?}",
        s.name
    );
    assert!(!s.sim.stats().requests.is_empty(), "{}: check read", s.name);
    assert!(
        s.write_requests().is_empty(),
        "{}: check sent writes: {:?}",
        s.name,
        s.write_requests()
    );
    assert!(s.sim.applied().is_empty(), "{}", s.name);
}
