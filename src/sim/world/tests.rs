//! Determinism and the dynamics' invariants, on the demo scenario.

use super::*;
use jiff::{SignedDuration, Timestamp};

fn start() -> Timestamp {
    "2026-11-24T08:00:00Z".parse().unwrap()
}

fn demo(seed: u64) -> World {
    World::new(&Scenario::default_demo(), seed, start())
}

fn at(h: i64) -> Timestamp {
    start() + SignedDuration::from_hours(h)
}

fn state(w: &World) -> String {
    serde_json::to_string(&(
        w.conversations.values().collect::<Vec<_>>(),
        &w.admins,
        &w.teams,
    ))
    .unwrap()
}

#[test]
fn same_seed_and_times_give_the_same_world() {
    let (mut a, mut b) = (demo(7), demo(7));
    for h in [1, 2] {
        a.advance_to(at(h));
        b.advance_to(at(h));
    }
    assert_eq!(state(&a), state(&b));
    let mut c = demo(8);
    c.advance_to(at(2));
    assert_ne!(state(&a), state(&c), "another seed, another day");
}

#[test]
fn stepping_in_pieces_equals_stepping_at_once() {
    let (mut a, mut b) = (demo(3), demo(3));
    a.advance_to(at(2));
    for m in (1..=120).step_by(7) {
        b.advance_to(start() + SignedDuration::from_mins(m));
    }
    b.advance_to(at(2));
    assert_eq!(state(&a), state(&b));
}

#[test]
fn a_quiet_world_keeps_time_but_changes_nothing() {
    let mut w = demo(5);
    w.advance_to(at(2));
    let before = state(&w);
    w.quiet = true;
    w.advance_to(at(2) + SignedDuration::from_mins(5));
    assert_eq!(w.now, at(2) + SignedDuration::from_mins(5));
    assert_eq!(state(&w), before, "nothing happened while quiet");
    w.quiet = false;
    w.advance_to(at(3));
    assert_ne!(state(&w), before, "and life goes on after");
}

#[test]
fn auto_assignment_respects_caps_and_primary_before_secondary() {
    // Loads can exceed a cap through snoozes waking up or manual picks; what auto
    // assignment itself hands out never pushes anyone past the cap that applies.
    let mut w = demo(11);
    for m in (10..=240).step_by(10) {
        w.advance_to(start() + SignedDuration::from_mins(m));
        let before_loads = w.loads();
        let before: BTreeMap<u64, i64> = w
            .conversations
            .iter()
            .map(|(id, c)| (*id, c.admin))
            .collect();
        let unassigned_teams: Vec<i64> = w
            .conversations
            .values()
            .filter(|c| c.state == SimState::Open && c.admin == 0)
            .map(|c| c.team)
            .collect();
        w.assign_unassigned();
        let after = w.loads();
        for (id, c) in &w.conversations {
            if before.get(id) != Some(&0) || c.admin == 0 {
                continue;
            }
            let a = w.admins.iter().find(|a| a.id == c.admin).unwrap();
            let team = w.teams.iter().find(|t| t.id == c.team).unwrap();
            assert!(!a.away, "{} is away", a.name);
            let cap = w.cap_in(team, a);
            assert!(
                after[&a.id] <= cap.max(before_loads.get(&a.id).copied().unwrap_or(0)),
                "{} got work past cap {cap}",
                a.name
            );
            if team.members.contains(&(a.id, SimLevel::Secondary)) {
                let primaries_busy = w.teams.iter().any(|t| {
                    t.members.contains(&(a.id, SimLevel::Primary))
                        && unassigned_teams.contains(&t.id)
                });
                assert!(
                    !primaries_busy,
                    "{} helped out while a primary inbox waited",
                    a.name
                );
            }
        }
    }
}

#[test]
fn away_teammates_receive_nothing_new() {
    let mut w = demo(5);
    w.advance_to(at(1));
    let away: Vec<i64> = w.admins.iter().filter(|a| a.away).map(|a| a.id).collect();
    let before: BTreeMap<u64, i64> = w
        .conversations
        .iter()
        .map(|(id, c)| (*id, c.admin))
        .collect();
    w.step = SignedDuration::from_secs(10);
    w.tick();
    for (id, c) in &w.conversations {
        if away.contains(&c.admin) && w.admins.iter().any(|a| a.id == c.admin && a.away) {
            assert_eq!(
                before.get(id),
                Some(&c.admin),
                "conversation {id} newly given to an away teammate"
            );
        }
    }
}

#[test]
fn a_customer_reply_to_an_away_and_reassign_teammate_goes_back_to_the_team() {
    let mut w = demo(2);
    w.advance_to(at(1));
    let admin = w.admins[1].id;
    let (cid, _) = w
        .conversations
        .iter()
        .find(|(_, c)| c.state == SimState::Open && c.team != 0)
        .map(|(id, c)| (*id, c.team))
        .unwrap();
    let now = w.now;
    {
        let c = w.conversations.get_mut(&cid).unwrap();
        c.admin = admin;
        c.waiting_since = None;
        c.customer_reply_at = Some(now);
    }
    let a = w.admins.iter_mut().find(|a| a.id == admin).unwrap();
    a.away = true;
    a.reassign = true;
    w.scheduled_events();
    let c = &w.conversations[&cid];
    assert_eq!(c.admin, 0, "back to the team inbox");
    assert_eq!(c.waiting_since, Some(now));
}

#[test]
fn sla_turns_hit_on_time_and_missed_only_at_the_late_reply() {
    let mut w = demo(4);
    w.advance_to(at(1));
    let now = w.now;
    let mut ids = w
        .conversations
        .iter()
        .filter(|(_, c)| c.state == SimState::Open && c.sla.is_some())
        .map(|(id, _)| *id);
    let (on_time, late) = (ids.next().unwrap(), ids.next().unwrap());
    for (id, deadline) in [
        (on_time, now + SignedDuration::from_mins(5)),
        (late, now - SignedDuration::from_mins(5)),
    ] {
        let c = w.conversations.get_mut(&id).unwrap();
        c.waiting_since = Some(now - SignedDuration::from_mins(20));
        c.sla = Some(SimSla {
            name: "VIP 15m".into(),
            status: "active",
            deadline: Some(deadline),
        });
    }
    // Expired but unanswered: still "active", as the spec says.
    assert_eq!(
        w.conversations[&late].sla.as_ref().unwrap().status,
        "active"
    );
    w.admin_reply(on_time, now);
    w.admin_reply(late, now);
    assert_eq!(
        w.conversations[&on_time].sla.as_ref().unwrap().status,
        "hit"
    );
    assert_eq!(
        w.conversations[&late].sla.as_ref().unwrap().status,
        "missed"
    );
    assert_eq!(
        w.conversations[&late].waiting_since, None,
        "an admin reply ends the wait"
    );
}

#[test]
fn memory_stays_bounded_over_half_a_day() {
    let mut w = demo(9);
    let mut sizes = Vec::new();
    for h in (3..=12).step_by(3) {
        w.advance_to(at(h));
        sizes.push(w.conversations.len());
    }
    let closed_kept = w
        .conversations
        .values()
        .filter(|c| c.state == SimState::Closed)
        .count();
    assert!(
        closed_kept < 2000,
        "closed conversations are dropped: {closed_kept}"
    );
    assert!(sizes.iter().all(|s| *s < 5000), "{sizes:?}");
}

#[test]
fn the_demo_at_peak_has_work_to_steer() {
    let mut w = World::new(
        &Scenario::default_demo(),
        42,
        "2026-11-24T08:00:00Z".parse().unwrap(),
    );
    w.advance_to("2026-11-24T10:00:00Z".parse().unwrap());
    let loads = w.loads();
    let at_cap = w
        .admins
        .iter()
        .filter(|a| loads.get(&a.id).copied().unwrap_or(0) >= a.cap)
        .count();
    assert!(at_cap > 0, "someone is at cap");
    let expired = w
        .conversations
        .values()
        .filter(|c| {
            c.sla
                .as_ref()
                .is_some_and(|s| s.status == "active" && s.deadline.is_some_and(|d| d < w.now))
        })
        .count();
    assert!(expired > 0, "some SLA has expired unanswered");
    assert!(w.admins.iter().filter(|a| a.away).count() >= 3);
}

#[test]
fn default_teams_stay_one_of_the_teammates_teams() {
    let mut w = demo(3);
    let is_member = |w: &World, admin: i64, team: i64| {
        w.teams
            .iter()
            .any(|t| t.id == team && t.members.iter().any(|(m, _)| *m == admin))
    };
    for a in &w.admins {
        if let Some(t) = a.default_team {
            assert!(is_member(&w, a.id, t), "{} starts on its default", a.name);
        }
    }
    let a = w
        .admins
        .iter()
        .find(|a| a.default_team.is_some())
        .unwrap()
        .clone();
    let home = a.default_team.unwrap();
    let other = w.teams.iter().find(|t| t.id != home).unwrap().id;
    assert!(!w.set_default_team(a.id, other) || is_member(&w, a.id, other));
    assert!(w.add_member(other, a.id, SimLevel::Primary));
    assert_eq!(
        w.admins.iter().find(|x| x.id == a.id).unwrap().default_team,
        Some(home),
        "adding keeps the default"
    );
    assert!(w.set_default_team(a.id, other));
    assert!(w.remove_member(other, a.id));
    let now = w.admins.iter().find(|x| x.id == a.id).unwrap().default_team;
    assert!(
        now.is_some_and(|t| t != other && is_member(&w, a.id, t)),
        "{now:?}"
    );
    // Off every team: no default.
    let teams: Vec<i64> = w.teams.iter().map(|t| t.id).collect();
    for t in teams {
        w.remove_member(t, a.id);
    }
    assert_eq!(
        w.admins.iter().find(|x| x.id == a.id).unwrap().default_team,
        None
    );
}
