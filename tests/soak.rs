//! Soak: 8 simulated hours of a busy workspace under a mixed fault profile, on a virtual clock,
//! polling once a minute and rendering every result, with scripted writes every ten minutes.
//!
//! Asserts: no panic; every write confirmed or reported failed, matched one by one against the
//! simulator's own record of what it applied (nothing lost, nothing duplicated); the audit log
//! holds every attempt; the dashboard recovers once faults stop; memory does not grow without
//! bound.

mod support;

use jiff::{SignedDuration, Timestamp};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use shiftlead::app::{App, SyncMsg};
use shiftlead::backend::{AssignTarget, PresenceChange};
use shiftlead::clock::Clock;
use shiftlead::domain::actions::{self, MemberChange, Planned};
use shiftlead::domain::{ConversationState, Distribution, Level, Snapshot};
use shiftlead::sim::FaultProfile;
use shiftlead::ui::{self, Ctx, theme::Theme};
use shiftlead::writes::Outcome;
use std::time::Duration;
use support::subject::Subject;

const HOURS: i64 = 8;
const POLL: i64 = 60;

fn mixed_faults() -> FaultProfile {
    FaultProfile {
        name: "soak".into(),
        server_error: 0.03,
        storm: 0.002,
        storm_length: Duration::from_secs(20),
        storm_without_reset: 0.5,
        slow: 0.002,
        slow_delay: Duration::from_millis(400),
        reset: 0.02,
        truncated: 0.02,
        malformed: 0.01,
        unexpected: 0.05,
        write_conflict: 0.25,
        lost_response: 0.15,
    }
}

/// Resident set size in KB (Linux; 0 elsewhere).
fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4)
}

/// The scripted write for step `n`, planned on the last snapshot the lead saw.
fn script(n: usize, s: &Snapshot) -> Option<Planned> {
    let here: Vec<_> = s
        .teammates
        .iter()
        .filter(|t| !t.presence.is_away())
        .collect();
    match n % 3 {
        0 => {
            let c = s
                .conversations
                .iter()
                .filter(|c| c.state == ConversationState::Open && c.inbox.is_some())
                .nth(n % 7)?;
            let inbox = s.inbox(c.inbox.as_ref()?)?;
            let to =
                inbox.members.iter().map(|m| &m.teammate).find(|t| {
                    Some(*t) != c.assignee.as_ref() && here.iter().any(|h| &h.id == *t)
                })?;
            actions::plan_assign(
                s,
                std::slice::from_ref(&c.id),
                &AssignTarget::Teammate(to.clone()),
            )
            .pop()
        }
        1 => {
            let t = &s.teammates[n % s.teammates.len()];
            actions::plan_presence(
                s,
                &t.id,
                PresenceChange {
                    status: if t.presence.is_away() {
                        shiftlead::domain::PresenceStatus::Online
                    } else {
                        shiftlead::domain::PresenceStatus::Away
                    },
                    reason: None,
                },
            )
        }
        _ => {
            let inbox = s
                .inboxes
                .iter()
                .filter(|i| i.distribution == Some(Distribution::LoadBalanced))
                .nth(n % 2)?;
            let t = &s.teammates[(n / 3) % s.teammates.len()];
            let change = match inbox.level_of(&t.id) {
                Some(Level::Secondary) => MemberChange::Remove,
                Some(Level::Primary) => return None,
                None => MemberChange::Set(Level::Secondary),
            };
            actions::plan_membership(s, &t.id, &inbox.id, change)
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_hours_under_mixed_faults_lose_and_duplicate_nothing() {
    let start: Timestamp = "2026-11-24T08:00:00Z".parse().unwrap();
    let subject = Subject::intercom()
        .start(start)
        .token("soak")
        .seed(7)
        .faults(mixed_faults())
        .timeout(Duration::from_millis(300))
        .build()
        .await;
    let policy = subject.demo_policy();
    let (sim, clock, client) = (&subject.sim, &subject.clock, &subject.backend);
    let audit = subject.audit();
    let exec = subject.executor();
    let mut app = App::new(policy.clone(), Duration::from_secs(POLL as u64), true);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();

    let polls = (HOURS * 3600 / POLL) as usize;
    let (mut ok, mut failed, mut writes) = (0usize, 0usize, Vec::new());
    let mut last: Option<Snapshot> = None;
    let mut rss_after_first_hour = 0;
    for n in 0..polls {
        clock.advance(SignedDuration::from_secs(POLL));
        let msg = match client.snapshot().await {
            Ok(mut s) => {
                ok += 1;
                policy.apply(&mut s);
                last = Some(s.clone());
                SyncMsg::Snapshot {
                    delta: None,
                    snapshot: Box::new(s),
                    took: Duration::from_millis(5),
                    budget: client.budget(),
                    capabilities: Box::new(client.capabilities()),
                }
            }
            Err(e) => {
                failed += 1;
                SyncMsg::Failed {
                    error: e.to_string(),
                    took: Duration::from_millis(5),
                    budget: client.budget(),
                }
            }
        };
        app.on_sync(msg, clock.now());
        let ctx = Ctx {
            now: clock.now(),
            theme: Theme::default(),
        };
        terminal
            .draw(|f| {
                ui::draw(f, &app, ctx);
            })
            .unwrap();
        if n % 10 == 5
            && let Some(plan) = last.as_ref().and_then(|s| script(n / 10, s))
        {
            let before = sim.applied().len();
            let report = exec.run(plan, false).await;
            let applied = sim.applied()[before..].to_vec();
            writes.push((report, applied));
        }
        if n == 60 {
            rss_after_first_hour = rss_kb();
        }
    }

    // Faults stop: the next poll recovers.
    sim.set_faults(FaultProfile::none());
    client
        .snapshot()
        .await
        .expect("recovers as soon as faults stop");

    let stats = sim.stats();
    let injected: u64 = stats.faults.values().sum();
    eprintln!(
        "soak: {polls} polls ({ok} ok, {failed} failed), {} writes, {injected} faults injected {:?}",
        writes.len(),
        stats.faults
    );
    assert!(
        injected > 100,
        "the soak ran under faults: {:?}",
        stats.faults
    );
    assert!(
        ok * 10 >= polls * 9,
        "retries keep ≥ 90% of polls good: {ok}/{polls}"
    );
    assert!(writes.len() >= 40, "{} writes", writes.len());

    // Every write against the simulator's own record.
    let mut by_outcome = std::collections::BTreeMap::<&str, usize>::new();
    for (report, applied) in &writes {
        *by_outcome.entry(report.outcome.word()).or_default() += 1;
        let real: Vec<_> = applied.iter().filter(|a| a.status != 409).collect();
        let partial: Vec<_> = applied.iter().filter(|a| a.status == 409).collect();
        assert!(
            applied.len() <= 1,
            "never sent twice: {report:?} {applied:?}"
        );
        match &report.outcome {
            Outcome::Applied { .. } => assert!(
                real.len() == 1 || partial.len() == 1,
                "confirmed, and the simulator applied it exactly once: {report:?} {applied:?}"
            ),
            Outcome::PartlyApplied { .. } => assert_eq!(applied.len(), 1, "{report:?}"),
            Outcome::NotApplied { .. } => assert!(
                real.is_empty(),
                "reported not applied, and the simulator did not apply it: {report:?} {applied:?}"
            ),
            Outcome::Conflict { .. } => assert!(applied.is_empty(), "{report:?}"),
            Outcome::Unknown { .. } => {}
        }
    }
    eprintln!("soak: outcomes {by_outcome:?}");
    assert!(by_outcome.get("applied").copied().unwrap_or(0) >= writes.len() / 2);

    // The audit log holds every attempt, in order, with the same outcomes.
    let entries = audit.recent(10_000);
    assert_eq!(entries.len(), writes.len(), "one audit entry per write");
    let logged: Vec<&str> = entries.iter().map(|e| e.outcome.as_str()).collect();
    let reported: Vec<&str> = writes.iter().map(|(r, _)| r.outcome.word()).collect();
    assert_eq!(logged, reported);

    // Memory: hours 1 to 8 add little (bounded histories, nothing accumulating per poll).
    let rss_end = rss_kb();
    eprintln!("soak: RSS {rss_after_first_hour} KB after 1 h, {rss_end} KB after {HOURS} h");
    assert!(
        rss_end.saturating_sub(rss_after_first_hour) < 64 * 1024,
        "RSS grew from {rss_after_first_hour} KB to {rss_end} KB"
    );
}
