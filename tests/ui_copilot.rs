//! The co-pilot's screens driven by keys against the simulator: a rebalance plan reviewed,
//! trimmed and applied through the audited write path (including work released from away
//! teammates); one-key away for an idle teammate; away with their work released.

mod support;
mod ui_support;

use crossterm::event::KeyCode;
use shiftlead::app::Overlay;
use shiftlead::backend::AssignTarget;
use shiftlead::clock::Clock;
use shiftlead::domain::rebalance::Source;
use shiftlead::domain::{Level, TeammateId};
use ui_support::rig::rig;
use ui_support::{render, text};

/// Piles unassigned Billing conversations onto a Billing primary member until they are one
/// over their cap (someone dumped a batch on them); returns who.
async fn overload_someone(r: &mut ui_support::rig::Rig) -> TeammateId {
    let s = r.app.snapshot.clone().unwrap();
    let m = r.app.metrics.clone().unwrap();
    let billing = s.inboxes.iter().find(|i| i.name == "Billing").unwrap();
    let (who, room) = billing
        .members
        .iter()
        .filter(|mb| mb.level == Level::Primary)
        .filter_map(|mb| {
            let t = m.teammate(&mb.teammate)?;
            let cap = t.cap.as_ref()?.value;
            (t.has_capacity && t.load < cap).then(|| (mb.teammate.clone(), cap - t.load))
        })
        .next()
        .expect("a Billing primary with room");
    let backlog: Vec<_> = s
        .conversations
        .iter()
        .filter(|c| c.inbox.as_ref() == Some(&billing.id) && c.assignee.is_none())
        .map(|c| c.id.clone())
        .take(room as usize + 1)
        .collect();
    for c in &backlog {
        r.backend()
            .assign(c, &AssignTarget::Teammate(who.clone()))
            .await
            .unwrap();
    }
    r.poll().await;
    who
}

fn worst_overload(r: &ui_support::rig::Rig) -> i64 {
    r.app
        .metrics
        .as_ref()
        .unwrap()
        .teammates
        .iter()
        .filter_map(|t| Some(i64::from(t.load) - i64::from(t.cap.as_ref()?.value)))
        .max()
        .unwrap_or(0)
}

#[tokio::test]
async fn a_reviewed_rebalance_brings_an_overloaded_teammate_under_cap_through_the_write_path() {
    let mut r = rig().await;
    let who = overload_someone(&mut r).await;
    assert!(
        r.app
            .metrics
            .as_ref()
            .unwrap()
            .teammate(&who)
            .unwrap()
            .over_cap
    );
    let worst_before = worst_overload(&r);
    r.keys("r");
    let Some(Overlay::Rebalance(plan)) = &r.app.overlay else {
        panic!("r opens the plan: {:?}", r.app.message)
    };
    let proposed = plan.moves.len();
    let relief = plan
        .moves
        .iter()
        .filter(|m| m.from == Source::Teammate(who.clone()))
        .count();
    assert_eq!(relief, 1, "exactly the excess is moved off");
    insta::assert_snapshot!("rebalance_plan", render(&mut r.app, 140, 36).backend());
    // Space drops the move under the cursor (and moves on); Space again keeps it.
    r.keys("G ");
    let Some(Overlay::Rebalance(plan)) = &r.app.overlay else {
        panic!()
    };
    assert_eq!(plan.kept().len(), proposed - 1);
    assert!(
        text(&render(&mut r.app, 140, 36))
            .contains(&format!("{} of {proposed} moves", proposed - 1))
    );
    r.keys(" ");
    let Some(Overlay::Rebalance(plan)) = &r.app.overlay else {
        panic!()
    };
    assert_eq!(plan.kept().len(), proposed);
    r.key(KeyCode::Enter);
    let Some(Overlay::Confirm(c)) = &r.app.overlay else {
        panic!("Enter asks first")
    };
    assert_eq!(c.plan.len(), proposed);
    assert!(c.title.contains("over cap"), "{}", c.title);
    r.keys("y");
    r.settle().await;
    assert!(r.message().contains("applied"), "{}", r.message());
    assert_eq!(
        r.subject.audit().recent(500).len(),
        proposed,
        "every move audited"
    );
    // The backend agrees: a fresh poll shows them back under cap, and nobody worse off.
    r.poll().await;
    let t = r
        .app
        .metrics
        .as_ref()
        .unwrap()
        .teammate(&who)
        .unwrap()
        .clone();
    assert!(!t.over_cap, "{t:?}");
    assert!(worst_overload(&r) <= worst_before);
}

#[tokio::test]
async fn esc_cancels_a_rebalance_and_nothing_is_written() {
    let mut r = rig().await;
    r.keys("r");
    assert!(matches!(r.app.overlay, Some(Overlay::Rebalance(_))));
    r.key(KeyCode::Esc);
    assert!(r.app.overlay.is_none());
    r.settle().await;
    assert!(r.subject.audit().recent(10).is_empty());
    assert!(r.subject.sim.applied().is_empty());
}

#[tokio::test]
async fn z_sets_an_idle_teammate_away_with_reassign_after_asking() {
    let mut r = rig().await;
    let m = r.app.metrics.clone().unwrap();
    let idle = m
        .teammates
        .iter()
        .position(|t| t.idle)
        .expect("someone idle");
    let id = m.teammates[idle].teammate.clone();
    r.keys("2");
    while r.app.target_teammates().first() != Some(&id) {
        r.keys("j");
    }
    r.keys("z");
    let Some(Overlay::Confirm(c)) = &r.app.overlay else {
        panic!("z asks first: {:?}", r.app.message)
    };
    assert!(c.title.contains("looks idle"), "{}", c.title);
    assert!(text(&render(&mut r.app, 160, 40)).contains("looks idle"));
    r.keys("y");
    r.settle().await;
    let t = r.backend().teammate(&id).await.unwrap();
    assert!(t.presence.is_away() && t.presence.reassigns(), "{t:?}");
    // z on someone not idle says so instead of writing.
    let busy = m.teammates.iter().find(|t| !t.idle && t.load > 0).unwrap();
    while r.app.target_teammates().first() != Some(&busy.teammate) {
        r.keys("k");
    }
    r.keys("z");
    assert!(r.app.overlay.is_none());
    assert!(r.message().contains("not flagged idle"), "{}", r.message());
}

#[tokio::test]
async fn measured_arrival_rates_match_the_simulators_own_arrivals() {
    // Poll once a minute for two hours; compare each inbox's measured rate with what the
    // simulator itself created in the last hour (the tracker smooths with a 15-minute
    // half-life, so the recent hour dominates).
    let mut r = rig().await;
    let start = r.subject.clock.now();
    for _ in 0..120 {
        r.subject.clock.advance(jiff::SignedDuration::from_mins(1));
        r.poll().await;
    }
    let end = r.subject.clock.now();
    let since = end
        .checked_sub(jiff::SignedDuration::from_hours(1))
        .unwrap();
    let mut compared = 0;
    let world = r.subject.sim.world();
    for inbox in &r.app.snapshot.as_ref().unwrap().inboxes {
        let team: i64 = inbox.id.as_str().parse().unwrap();
        let actual = world
            .conversations
            .values()
            .filter(|c| c.team == team && c.created_at > since && c.created_at <= end)
            .count() as f64
            / 60.0;
        let measured = r.app.forecast(&inbox.id).unwrap().arrivals_per_min.unwrap();
        if actual >= 0.1 {
            compared += 1;
            assert!(
                (measured - actual).abs() <= 0.35 * actual + 0.05,
                "{}: measured {measured:.2}/min, simulator created {actual:.2}/min",
                inbox.name
            );
        }
    }
    assert!(compared >= 2, "busy inboxes compared: {compared}");
    assert!(end > start);
}

#[tokio::test]
async fn the_inbox_drill_down_explains_its_forecast() {
    let mut r = rig().await;
    for _ in 0..10 {
        r.subject.clock.advance(jiff::SignedDuration::from_mins(1));
        r.poll().await;
    }
    r.keys("1");
    r.key(KeyCode::Enter);
    let screen = text(&ui_support::render_at(
        &mut r.app,
        180,
        30,
        r.subject.clock.now(),
        false,
    ));
    assert!(screen.contains("forecast"), "{screen}");
    assert!(screen.contains("replies/h"), "{screen}");
    assert!(
        screen.contains("staffing: to answer 80% within"),
        "{screen}"
    );
    insta::assert_snapshot!(
        "inbox_forecast",
        ui_support::render_at(&mut r.app, 160, 30, r.subject.clock.now(), false).backend()
    );
}

/// Moves the teammate cursor onto `id`.
fn select_teammate(r: &mut ui_support::rig::Rig, id: &TeammateId) {
    r.keys("2g");
    for _ in 0..200 {
        if r.app.target_teammates().first() == Some(id) {
            return;
        }
        r.keys("j");
    }
    panic!("teammate {id} not in the list");
}

/// Puts the cursor on the first teammate who is not away; returns who.
fn select_someone_on_duty(r: &mut ui_support::rig::Rig) -> TeammateId {
    let s = r.app.snapshot.as_ref().unwrap();
    let who = s
        .teammates
        .iter()
        .find(|t| !t.presence.is_away())
        .unwrap()
        .id
        .clone();
    select_teammate(r, &who);
    who
}

#[tokio::test]
async fn a_block_takes_a_teammate_off_the_queue_and_back_when_it_ends() {
    let mut r = rig().await;
    let who = select_someone_on_duty(&mut r);
    r.keys("b");
    let Some(Overlay::Picker(p)) = &r.app.overlay else {
        panic!("b opens the block picker: {:?}", r.app.message)
    };
    assert!(p.title.contains("off the queue"), "{}", p.title);
    r.keys("30m train");
    r.key(KeyCode::Enter);
    r.settle().await;
    let t = r.backend().teammate(&who).await.unwrap();
    assert!(t.presence.is_away(), "away for the block");
    assert_eq!(t.presence.reason.as_ref().unwrap().label, "Training");
    assert_eq!(r.app.blocks.len(), 1);
    assert_eq!(r.saved_blocks.as_ref().unwrap().len(), 1, "persisted");
    r.poll().await;
    insta::assert_snapshot!(
        "block_running",
        ui_support::render_at(&mut r.app, 120, 30, r.subject.clock.now(), false).backend()
    );
    assert!(
        text(&ui_support::render_at(
            &mut r.app,
            120,
            30,
            r.subject.clock.now(),
            false
        ))
        .contains("BLOCK 30m")
    );
    let screen = text(&ui_support::render_at(
        &mut r.app,
        160,
        30,
        r.subject.clock.now(),
        false,
    ));
    assert!(
        screen.contains("1 block needs this dashboard open"),
        "{screen}"
    );
    // Quitting while it runs warns first: blocks end only while a dashboard runs.
    r.keys("q");
    assert!(!r.app.quit);
    assert!(
        r.message()
            .contains("1 running block ends only while this dashboard runs"),
        "{}",
        r.message()
    );
    r.keys("j");
    r.keys("q");
    assert!(!r.app.quit, "another key in between disarms it");
    r.keys("q");
    assert!(r.app.quit, "q twice quits");
    r.app.quit = false;

    // A restart: a fresh app with the saved blocks, after the block ended.
    let saved = r.saved_blocks.clone().unwrap();
    r.app.blocks = saved;
    r.subject.clock.advance(jiff::SignedDuration::from_mins(31));
    r.poll().await;
    r.settle().await;
    let t = r.backend().teammate(&who).await.unwrap();
    assert!(!t.presence.is_away(), "set back when the block ended");
    assert!(r.app.blocks.is_empty());
    assert_eq!(r.saved_blocks.as_ref().unwrap().len(), 0);
    assert!(
        r.subject
            .audit()
            .recent(10)
            .iter()
            .any(|e| e.action.contains("block over"))
    );
}

#[tokio::test]
async fn a_block_overridden_by_someone_else_is_dropped_not_fought() {
    let mut r = rig().await;
    let who = select_someone_on_duty(&mut r);
    r.keys("b");
    r.keys("1h train");
    r.key(KeyCode::Enter);
    r.settle().await;
    assert_eq!(r.app.blocks.len(), 1);
    // Someone sets them back from the helpdesk's own console.
    r.backend()
        .set_presence(&who, &shiftlead::backend::PresenceChange::online())
        .await
        .unwrap();
    let writes_before = r.subject.sim.applied().len();
    r.subject.clock.advance(jiff::SignedDuration::from_mins(5));
    r.poll().await;
    r.settle().await;
    assert!(r.app.blocks.is_empty());
    assert!(
        r.message().contains("set back by someone else"),
        "{}",
        r.message()
    );
    assert_eq!(
        r.subject.sim.applied().len(),
        writes_before,
        "no write of ours"
    );
}

#[tokio::test]
async fn h_asks_for_a_handoff_whose_markdown_covers_the_shift() {
    let mut r = rig().await;
    r.keys("H");
    r.settle().await;
    assert_eq!(r.handoffs, 1);
    // What the loop writes for it, from the same data.
    let s = r.app.snapshot.clone().unwrap();
    let m = r.app.metrics.clone().unwrap();
    let md = shiftlead::domain::handoff::markdown(shiftlead::domain::handoff::Inputs {
        snapshot: &s,
        metrics: &m,
        policy: &r.app.policy,
        blocks: &r.app.blocks,
        writes: &[],
        since: r
            .subject
            .clock
            .now()
            .checked_sub(jiff::SignedDuration::from_hours(8))
            .unwrap(),
        now: r.subject.clock.now(),
        privacy: false,
        peaks: Err("history is off"),
    });
    insta::assert_snapshot!("handoff_markdown", md);
}

#[tokio::test]
async fn c_shows_coverage_across_time_zones_and_flags_gaps() {
    let mut r = rig().await;
    r.app.coverage = shiftlead::config::Config::default().coverage().unwrap();
    r.keys("C");
    let screen = text(&ui_support::render_at(
        &mut r.app,
        120,
        30,
        r.subject.clock.now(),
        false,
    ));
    assert!(screen.contains("Coverage"), "{screen}");
    assert!(
        screen.contains("Billing") && screen.contains(" now"),
        "{screen}"
    );
    // 10:00 UTC on a Tuesday: by 22:00 UTC the European and American shifts are over.
    assert!(screen.contains("!"), "a gap is flagged:\n{screen}");
    insta::assert_snapshot!(
        "coverage",
        ui_support::render_at(&mut r.app, 120, 30, r.subject.clock.now(), false).backend()
    );
    r.key(KeyCode::Esc);
    assert_eq!(r.app.view, shiftlead::app::View::Main);
}

#[tokio::test]
async fn alerts_are_off_by_default_and_once_per_crossing_when_on() {
    let mut r = rig().await;
    r.subject.clock.advance(jiff::SignedDuration::from_mins(1));
    r.poll().await;
    r.settle().await;
    assert!(r.alerts.is_empty(), "off by default");
    r.app.alert_rules = shiftlead::domain::alerts::AlertRules {
        bell: true,
        unassigned_over: Some(50),
        breach_within: None,
        ..Default::default()
    };
    r.subject.clock.advance(jiff::SignedDuration::from_mins(1));
    r.poll().await;
    r.settle().await;
    assert_eq!(r.alerts.len(), 1, "{:?}", r.alerts);
    assert!(r.alerts[0].body.contains("Billing"), "{:?}", r.alerts);
    assert!(r.message().starts_with("🔔"), "{}", r.message());
    r.subject.clock.advance(jiff::SignedDuration::from_mins(5));
    r.poll().await;
    r.settle().await;
    assert_eq!(
        r.alerts.len(),
        1,
        "no repeat while still over: {:?}",
        r.alerts
    );
}

/// The simulator's own view: the conversations `who` holds now.
fn held_in_world(r: &ui_support::rig::Rig, who: &TeammateId) -> Vec<String> {
    let admin: i64 = who.as_str().parse().unwrap();
    r.subject
        .sim
        .world()
        .conversations
        .values()
        .filter(|c| c.admin == admin)
        .map(|c| c.id.to_string())
        .collect()
}

#[tokio::test]
async fn r_moves_an_away_teammates_waiting_customers_to_teammates_with_room() {
    let mut r = rig().await;
    let s = r.app.snapshot.clone().unwrap();
    let m = r.app.metrics.clone().unwrap();
    let billing = s
        .inboxes
        .iter()
        .find(|i| i.name == "Billing")
        .unwrap()
        .clone();
    let dana = s.teammates.iter().find(|t| t.name == "Dana Kim").unwrap();
    assert!(dana.presence.is_away(), "Dana is away in the demo");
    let dana = dana.id.clone();
    // Room in Billing: a primary on duty hands four conversations back to the inbox.
    let helper = billing
        .members
        .iter()
        .filter(|mb| mb.level == Level::Primary && mb.teammate != dana)
        .filter_map(|mb| m.teammate(&mb.teammate))
        .filter(|t| t.cap.is_some() && !t.idle && !t.over_cap)
        .max_by_key(|t| t.load)
        .unwrap()
        .teammate
        .clone();
    let theirs: Vec<_> = s
        .conversations
        .iter()
        .filter(|c| c.assignee.as_ref() == Some(&helper) && c.state.waiting_on_us())
        .map(|c| c.id.clone())
        .take(4)
        .collect();
    for c in &theirs {
        r.backend()
            .assign(c, &AssignTarget::UnassignTeammate)
            .await
            .unwrap();
    }
    // Dana went on a break holding two Billing customers who are waiting.
    let waiting: Vec<_> = s
        .conversations
        .iter()
        .filter(|c| c.inbox.as_ref() == Some(&billing.id) && c.assignee.is_none())
        .filter(|c| c.state.waiting_on_us() && c.waiting_since.is_some())
        .map(|c| c.id.clone())
        .take(2)
        .collect();
    assert_eq!(waiting.len(), 2);
    for c in &waiting {
        r.backend()
            .assign(c, &AssignTarget::Teammate(dana.clone()))
            .await
            .unwrap();
    }
    r.poll().await;

    r.keys("r");
    let Some(Overlay::Rebalance(plan)) = &r.app.overlay else {
        panic!("r opens the plan: {:?}", r.app.message)
    };
    let from_dana: Vec<_> = plan
        .moves
        .iter()
        .filter(|m| m.from == Source::Away(dana.clone()))
        .cloned()
        .collect();
    assert_eq!(from_dana.len(), 2, "{:#?}", plan.moves);
    let metrics = r.app.metrics.clone().unwrap();
    for mv in &from_dana {
        assert!(waiting.contains(&mv.conversation));
        let to = metrics.teammate(&mv.to).unwrap();
        assert!(!to.idle && to.has_capacity, "{to:?}");
        assert!(
            mv.reason.starts_with("Dana Kim away, customer waiting"),
            "{}",
            mv.reason
        );
    }
    let proposed = plan.moves.len();
    let screen = text(&render(&mut r.app, 160, 40));
    assert!(screen.contains("from Dana Kim (away)"), "{screen}");
    assert!(
        screen.contains("Dana Kim away, customer waiting"),
        "{screen}"
    );
    r.key(KeyCode::Enter);
    let Some(Overlay::Confirm(c)) = &r.app.overlay else {
        panic!("Enter asks first")
    };
    assert_eq!(c.plan.len(), proposed);
    r.keys("y");
    r.settle().await;
    assert!(r.message().contains("applied"), "{}", r.message());
    assert_eq!(r.subject.audit().recent(500).len(), proposed);
    // The simulator agrees: Dana holds none of them, each is with its new teammate.
    let held = held_in_world(&r, &dana);
    for mv in &from_dana {
        assert!(!held.contains(&mv.conversation.to_string()), "{held:?}");
        assert!(held_in_world(&r, &mv.to).contains(&mv.conversation.to_string()));
    }
}

#[tokio::test]
async fn shift_z_sets_a_teammate_away_and_releases_their_waiting_customers_in_one_confirmation() {
    let mut r = rig().await;
    let s = r.app.snapshot.clone().unwrap();
    let m = r.app.metrics.clone().unwrap();
    // Someone on duty whose waiting customers can go to teammates with room.
    let (who, moves) = s
        .teammates
        .iter()
        .filter(|t| !t.presence.is_away())
        .find_map(|t| {
            let moves = shiftlead::domain::rebalance::release(&s, &m, &r.app.policy, &t.id);
            (moves.len() >= 2).then(|| (t.id.clone(), moves))
        })
        .expect("a teammate with waiting customers and room for them");
    select_teammate(&mut r, &who);
    r.keys("Z");
    let Some(Overlay::Confirm(c)) = &r.app.overlay else {
        panic!("Z asks first: {:?}", r.app.message)
    };
    assert!(c.title.contains("set away and release"), "{}", c.title);
    assert_eq!(
        c.plan.len(),
        1 + moves.len(),
        "away + every move, one confirmation"
    );
    assert!(matches!(
        c.plan[0].write,
        shiftlead::domain::actions::Write::SetPresence { .. }
    ));
    let writes = c.plan.len();
    let screen = text(&render(&mut r.app, 160, 40));
    assert!(screen.contains("set away and release"), "{screen}");
    r.keys("y");
    r.settle().await;
    assert!(r.message().contains("applied"), "{}", r.message());
    let t = r.backend().teammate(&who).await.unwrap();
    assert!(t.presence.is_away() && t.presence.reassigns(), "{t:?}");
    let held = held_in_world(&r, &who);
    for mv in &moves {
        assert!(!held.contains(&mv.conversation.to_string()), "{held:?}");
        assert!(held_in_world(&r, &mv.to).contains(&mv.conversation.to_string()));
    }
    assert_eq!(
        r.subject.audit().recent(500).len(),
        writes,
        "every write audited"
    );
    // Nothing left to release: Z again says so instead of writing.
    r.poll().await;
    r.keys("Z");
    assert!(
        r.app.overlay.is_none() || {
            let Some(Overlay::Confirm(c)) = &r.app.overlay else {
                panic!()
            };
            c.plan.iter().all(|p| {
                !matches!(
                    p.write,
                    shiftlead::domain::actions::Write::SetPresence { .. }
                )
            })
        },
        "already away: no second presence write"
    );
}
