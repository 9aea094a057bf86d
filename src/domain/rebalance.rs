//! Rebalancing proposals: move open conversations off over-cap teammates, off teammates who
//! are away or flagged idle while customers wait on them, and out of an inbox's unassigned
//! backlog, to teammates of the same inbox who have room under their cap.
//!
//! Nothing is written here; a plan is a list of [`Move`]s a lead can review, and
//! [`to_planned`] turns it into the checked writes of [`super::actions`].

use super::actions::{self, AssignTarget, Planned};
use super::metrics::Metrics;
use super::model::{Conversation, ConversationId, Inbox, InboxId, Level, Snapshot, TeammateId};
use super::ordering;
use super::policy::{Policy, SortKey};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

/// Where a moved conversation comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Source {
    /// The inbox's unassigned backlog.
    Unassigned,
    /// A teammate over their cap.
    Teammate(TeammateId),
    /// A teammate who is away (or being set away) while a customer waits on them.
    Away(TeammateId),
    /// A teammate flagged idle while a customer waits on them.
    Idle(TeammateId),
}

impl Source {
    /// The teammate who holds the conversation now, if any.
    pub fn holder(&self) -> Option<&TeammateId> {
        match self {
            Source::Unassigned => None,
            Source::Teammate(t) | Source::Away(t) | Source::Idle(t) => Some(t),
        }
    }

    /// A short note on why it moves: "over cap", "away", "idle", "unassigned".
    pub fn note(&self) -> &'static str {
        match self {
            Source::Unassigned => "unassigned",
            Source::Teammate(_) => "over cap",
            Source::Away(_) => "away",
            Source::Idle(_) => "idle",
        }
    }
}

/// One proposed reassignment of a conversation within its inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    /// The conversation.
    pub conversation: ConversationId,
    /// Who holds it now.
    pub from: Source,
    /// Who should take it.
    pub to: TeammateId,
    /// The conversation's inbox, of which `to` is a member.
    pub inbox: InboxId,
    /// The level at which `to` belongs to `inbox`.
    pub level: Level,
    /// Why, e.g. "Ana over cap 8/6 → Bo 2/6 (primary)".
    pub reason: String,
}

/// A teammate's load while a plan is being built.
struct Book<'a> {
    name: &'a str,
    load: u32,
    cap: Option<u32>,
    /// Away (or being set away by the plan).
    away: bool,
    /// Holding an inbox seat.
    seat: bool,
    /// Flagged idle (probably gone without setting away): offered no work.
    idle: bool,
}

impl Book<'_> {
    fn over_cap(&self) -> bool {
        self.cap.is_some_and(|c| self.load > c)
    }

    fn has_room(&self) -> bool {
        !self.away && self.seat && !self.idle && self.cap.is_some_and(|c| self.load < c)
    }

    /// "Bo 2/6"; only called for teammates with a cap.
    fn label(&self) -> String {
        format!("{} {}/{}", self.name, self.load, self.cap.unwrap_or(0))
    }
}

/// The groups of candidates, in the order they are served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    Over,
    Away,
    Idle,
    Backlog,
}

/// Proposes moves that relieve over-cap teammates, release the waiting customers of away
/// and idle teammates, and drain unassigned backlogs.
///
/// Candidates are the open conversations of a known inbox that are unassigned, held by a
/// teammate over their cap, or held by a teammate away or flagged idle while the customer
/// waits (`waiting_since` set), most urgent SLA first (then the policy's priority rule, then
/// id). Groups are served in order: overloads, away holders, idle holders, backlog. Each
/// conversation goes to the member of its inbox with room (not away, not flagged idle,
/// holding a seat, load below a known cap) who is least utilised. Within each group, primary
/// members are used first everywhere; only what is left is offered to secondary members, so
/// a secondary member's room goes to their primary inboxes first. Loads count the moves
/// already planned: nobody is pushed over their cap, an over-cap teammate on duty gives up
/// no more than their excess, and no conversation moves twice. The plan depends only on the
/// data, not on the order of conversations or teammates in the snapshot.
///
/// Loads, caps and idle flags are read from `metrics` (its `at` is now); conversations
/// without an inbox are left alone.
pub fn plan(snapshot: &Snapshot, metrics: &Metrics, policy: &Policy) -> Vec<Move> {
    build(snapshot, metrics, policy, None)
}

/// The moves that hand `teammate`'s waiting conversations to members of their inboxes with
/// room, planned as if they were already away (for "set away and release"); nothing else
/// moves.
pub fn release(
    snapshot: &Snapshot,
    metrics: &Metrics,
    policy: &Policy,
    teammate: &TeammateId,
) -> Vec<Move> {
    build(snapshot, metrics, policy, Some(teammate))
}

/// Whether the customer of `c` waits on us now.
fn customer_waiting(c: &Conversation) -> bool {
    c.state.waiting_on_us() && c.waiting_since.is_some()
}

fn build(
    snapshot: &Snapshot,
    metrics: &Metrics,
    policy: &Policy,
    only: Option<&TeammateId>,
) -> Vec<Move> {
    let mut books: HashMap<&TeammateId, Book> = metrics
        .teammates
        .iter()
        .filter_map(|m| {
            let t = snapshot.teammate(&m.teammate)?;
            let away = t.presence.is_away() || only == Some(&t.id);
            let book = Book {
                name: &t.name,
                load: m.load,
                cap: m.cap.map(|c| c.value),
                away,
                seat: t.has_inbox_seat,
                idle: m.idle && !away,
            };
            Some((&t.id, book))
        })
        .collect();

    // Each candidate's group is fixed up front, except that over-cap relief stops once the
    // holder is down to their cap.
    let mut candidates: Vec<&Conversation> = snapshot
        .conversations
        .iter()
        .filter(|c| c.state.waiting_on_us())
        .filter(|c| c.inbox.as_ref().and_then(|i| snapshot.inbox(i)).is_some())
        .filter(|c| match only {
            Some(who) => c.assignee.as_ref() == Some(who) && customer_waiting(c),
            None => group_of(c, &books).is_some(),
        })
        .collect();
    ordering::sort(&mut candidates, &urgency_first(policy), snapshot);
    let groups: HashMap<&ConversationId, Group> = candidates
        .iter()
        .filter_map(|c| Some((&c.id, group_of(c, &books)?)))
        .collect();

    let mut moves = Vec::new();
    let mut moved: HashSet<&ConversationId> = HashSet::new();
    // Overloads come first: an over-cap teammate's customers are stuck behind a queue. Away
    // and idle holders' customers wait on nobody at all, but the holders' own caps are not
    // at stake; the helpdesk itself hands the unassigned backlog to whoever has room.
    for group in [Group::Over, Group::Away, Group::Idle, Group::Backlog] {
        for allow_secondary in [false, true] {
            for c in &candidates {
                if moved.contains(&c.id) || groups.get(&c.id) != Some(&group) {
                    continue;
                }
                let Some(inbox) = c.inbox.as_ref().and_then(|i| snapshot.inbox(i)) else {
                    continue;
                };
                let holder = c.assignee.as_ref();
                if group == Group::Over
                    && !holder
                        .and_then(|a| books.get(a))
                        .is_some_and(Book::over_cap)
                {
                    continue;
                }
                let Some((to, level)) = best_target(inbox, &books, allow_secondary) else {
                    continue;
                };
                let Some(target) = books.get(to) else {
                    continue;
                };
                let holder_book = holder.and_then(|a| books.get(a));
                let from_text = match (group, holder_book) {
                    (Group::Over, Some(b)) => {
                        format!("{} over cap {}/{}", b.name, b.load, b.cap.unwrap_or(0))
                    }
                    (Group::Away | Group::Idle, Some(b)) => format!(
                        "{} {}, customer waiting {}",
                        b.name,
                        if group == Group::Away {
                            "away"
                        } else {
                            "flagged idle"
                        },
                        waited(c.waiting_since, metrics.at)
                    ),
                    _ => format!("unassigned in {}", inbox.name),
                };
                let reason = format!("{from_text} → {} ({level})", target.label());
                let from = match (group, holder) {
                    (Group::Over, Some(a)) => Source::Teammate(a.clone()),
                    (Group::Away, Some(a)) => Source::Away(a.clone()),
                    (Group::Idle, Some(a)) => Source::Idle(a.clone()),
                    _ => Source::Unassigned,
                };
                if let Some(b) = holder.and_then(|a| books.get_mut(a)) {
                    b.load = b.load.saturating_sub(1);
                }
                if let Some(b) = books.get_mut(to) {
                    b.load += 1;
                }
                moved.insert(&c.id);
                moves.push(Move {
                    conversation: c.id.clone(),
                    from,
                    to: to.clone(),
                    inbox: inbox.id.clone(),
                    level,
                    reason,
                });
            }
        }
    }
    moves
}

/// The group a conversation would move in, if any (before any move is planned).
fn group_of(c: &Conversation, books: &HashMap<&TeammateId, Book>) -> Option<Group> {
    let Some(a) = &c.assignee else {
        return Some(Group::Backlog);
    };
    let b = books.get(a)?;
    if b.away && customer_waiting(c) {
        Some(Group::Away)
    } else if b.idle && customer_waiting(c) {
        Some(Group::Idle)
    } else if b.over_cap() {
        Some(Group::Over)
    } else {
        None
    }
}

/// "42m", "2h05m"; "?" when the wait is unknown.
fn waited(since: Option<Timestamp>, now: Timestamp) -> String {
    let Some(since) = since else {
        return "?".into();
    };
    let mins = now
        .duration_since(since)
        .max(SignedDuration::ZERO)
        .as_mins();
    if mins < 60 {
        format!("{mins}m")
    } else {
        format!("{}h{:02}m", mins / 60, mins % 60)
    }
}

/// The policy's priority rule with the SLA deadline put first.
fn urgency_first(policy: &Policy) -> Vec<SortKey> {
    std::iter::once(SortKey::SlaDeadline)
        .chain(
            policy
                .order
                .iter()
                .copied()
                .filter(|k| *k != SortKey::SlaDeadline),
        )
        .collect()
}

/// The member of `inbox` with room who should take the next conversation: primary before
/// secondary, then least utilised, then lightest load, then id.
fn best_target<'a>(
    inbox: &'a Inbox,
    books: &HashMap<&TeammateId, Book>,
    allow_secondary: bool,
) -> Option<(&'a TeammateId, Level)> {
    inbox
        .members
        .iter()
        .filter(|m| allow_secondary || m.level == Level::Primary)
        .filter_map(|m| Some((m, books.get(&m.teammate).filter(|b| b.has_room())?)))
        .min_by(|(ma, a), (mb, b)| {
            ma.level
                .cmp(&mb.level)
                .then_with(|| compare_utilisation(a, b))
                .then_with(|| a.load.cmp(&b.load))
                .then_with(|| ma.teammate.cmp(&mb.teammate))
        })
        .map(|(m, _)| (&m.teammate, m.level))
}

/// Compares `load / cap` without floats (caps of teammates with room are at least 1).
fn compare_utilisation(a: &Book, b: &Book) -> Ordering {
    let (ca, cb) = (u64::from(a.cap.unwrap_or(1)), u64::from(b.cap.unwrap_or(1)));
    (u64::from(a.load) * cb).cmp(&(u64::from(b.load) * ca))
}

/// Turns moves into assign writes (see [`actions::plan_assign`]), labelled with their reason.
///
/// Moves whose conversation is not in `snapshot` are skipped.
pub fn to_planned(snapshot: &Snapshot, moves: &[Move]) -> Vec<Planned> {
    moves
        .iter()
        .flat_map(|m| {
            let target = AssignTarget::Teammate(m.to.clone());
            actions::plan_assign(snapshot, std::slice::from_ref(&m.conversation), &target)
                .into_iter()
                .map(|mut p| {
                    p.label = format!("{} ({})", p.label, m.reason);
                    p
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::actions::{State, Write};
    use crate::domain::derive;
    use crate::domain::model::*;
    use jiff::Timestamp;
    use proptest::prelude::*;

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).unwrap()
    }

    fn mate(id: &str, name: &str, cap: Option<u32>, away: bool) -> Teammate {
        Teammate {
            id: TeammateId(id.into()),
            name: name.into(),
            email: format!("{id}@example.com"),
            presence: crate::domain::fixture::away_if(away),
            memberships: vec![],
            cap: cap.map(|value| Cap {
                value,
                source: CapSource::Config,
            }),
            time_zone: None,
            has_inbox_seat: true,
            default_inbox: None,
            cap_rule: None,
        }
    }

    fn conv(id: &str, inbox: Option<&str>, assignee: Option<&str>) -> Conversation {
        Conversation {
            inbox: inbox.map(|i| InboxId(i.into())),
            assignee: assignee.map(|a| TeammateId(a.into())),
            updated_at: t(-60),
            ..crate::domain::fixture::conversation(id, t(-3600))
        }
    }

    fn with_deadline(mut c: Conversation, secs: i64) -> Conversation {
        c.sla = Some(Sla {
            name: "Gold".into(),
            status: SlaStatus::Active,
            deadline: Some(Deadline {
                at: t(secs),
                exact: true,
            }),
        });
        c
    }

    fn inbox(id: &str, name: &str, members: &[(&str, Level)]) -> Inbox {
        Inbox {
            id: InboxId(id.into()),
            name: name.into(),
            members: members
                .iter()
                .map(|(m, level)| Member {
                    teammate: TeammateId((*m).into()),
                    level: *level,
                })
                .collect(),
            assignment_limit: None,
            distribution: None,
            secondary_unavailable: None,
        }
    }

    fn snapshot(
        inboxes: Vec<Inbox>,
        teammates: Vec<Teammate>,
        conversations: Vec<Conversation>,
    ) -> Snapshot {
        Snapshot {
            taken_at: t(0),
            workspace: Workspace::default(),
            inboxes: inboxes.into(),
            teammates: teammates.into(),
            conversations: conversations.into(),
            away_reasons: vec![].into(),
            warnings: vec![],
        }
    }

    fn run(s: &Snapshot) -> Vec<Move> {
        let p = Policy::default();
        plan(s, &derive(s, &p, s.taken_at), &p)
    }

    /// Ana holds `load` conversations of billing, c0 the most urgent.
    fn ana_loaded(load: usize) -> Vec<Conversation> {
        (0..load)
            .map(|n| {
                with_deadline(
                    conv(&format!("c{n}"), Some("billing"), Some("ana")),
                    600 + n as i64 * 60,
                )
            })
            .collect()
    }

    #[test]
    fn over_cap_excess_goes_to_the_primary_with_room_most_urgent_first() {
        let mut convs = ana_loaded(8);
        convs.extend((0..2).map(|n| conv(&format!("b{n}"), Some("billing"), Some("bo"))));
        let s = snapshot(
            vec![inbox(
                "billing",
                "Billing",
                &[("ana", Level::Primary), ("bo", Level::Primary)],
            )],
            vec![
                mate("ana", "Ana", Some(6), false),
                mate("bo", "Bo", Some(6), false),
            ],
            convs,
        );
        let moves = run(&s);
        let got: Vec<(&str, &str)> = moves
            .iter()
            .map(|m| (m.conversation.as_str(), m.reason.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("c0", "Ana over cap 8/6 → Bo 2/6 (primary)"),
                ("c1", "Ana over cap 7/6 → Bo 3/6 (primary)"),
            ]
        );
        assert!(
            moves
                .iter()
                .all(|m| m.from == Source::Teammate(TeammateId("ana".into())))
        );
    }

    #[test]
    fn teammates_flagged_idle_get_no_work() {
        let s = snapshot(
            vec![inbox(
                "billing",
                "Billing",
                &[
                    ("ana", Level::Primary),
                    ("bo", Level::Primary),
                    ("cy", Level::Primary),
                ],
            )],
            vec![
                mate("ana", "Ana", Some(6), false),
                mate("bo", "Bo", Some(6), false),
                mate("cy", "Cy", Some(6), false),
            ],
            ana_loaded(8),
        );
        let p = Policy::default();
        let mut m = derive(&s, &p, s.taken_at);
        // Bo is the least loaded but looks gone.
        for t in &mut m.teammates {
            t.idle = t.teammate.as_str() == "bo";
        }
        let moves = plan(&s, &m, &p);
        assert_eq!(moves.len(), 2);
        assert!(moves.iter().all(|m| m.to.as_str() == "cy"), "{moves:?}");
        // With Cy idle too, the excess stays where it is.
        for t in &mut m.teammates {
            t.idle = t.teammate.as_str() != "ana";
        }
        assert_eq!(plan(&s, &m, &p), []);
    }

    /// `c` with its customer waiting since `secs` (relative to the snapshot).
    fn waiting(mut c: Conversation, secs: i64) -> Conversation {
        c.waiting_since = Some(t(secs));
        c
    }

    fn billing_trio() -> Inbox {
        inbox(
            "billing",
            "Billing",
            &[
                ("dana", Level::Primary),
                ("bo", Level::Primary),
                ("cy", Level::Secondary),
            ],
        )
    }

    #[test]
    fn an_away_teammates_waiting_customers_move_most_urgent_first() {
        let s = snapshot(
            vec![billing_trio()],
            vec![
                mate("dana", "Dana", Some(6), true),
                mate("bo", "Bo", Some(2), false),
                mate("cy", "Cy", Some(6), false),
            ],
            vec![
                waiting(
                    with_deadline(conv("d1", Some("billing"), Some("dana")), 900),
                    -600,
                ),
                waiting(
                    with_deadline(conv("d2", Some("billing"), Some("dana")), 300),
                    -2520,
                ),
                waiting(conv("d3", Some("billing"), Some("dana")), -7500),
                // Nobody waits on this one: it stays.
                conv("d4", Some("billing"), Some("dana")),
            ],
        );
        let moves = run(&s);
        let got: Vec<(&str, &str, &str)> = moves
            .iter()
            .map(|m| (m.conversation.as_str(), m.to.as_str(), m.reason.as_str()))
            .collect();
        assert!(
            moves
                .iter()
                .all(|m| m.from == Source::Away(TeammateId("dana".into())))
        );
        assert_eq!(
            got,
            [
                (
                    "d2",
                    "bo",
                    "Dana away, customer waiting 42m → Bo 0/2 (primary)"
                ),
                (
                    "d1",
                    "bo",
                    "Dana away, customer waiting 10m → Bo 1/2 (primary)"
                ),
                (
                    "d3",
                    "cy",
                    "Dana away, customer waiting 2h05m → Cy 0/6 (secondary)"
                ),
            ]
        );
    }

    #[test]
    fn sources_are_served_overloads_then_away_then_idle_then_backlog() {
        // One seat of room per round: Bo takes from each source in turn as room grows.
        let convs = |ana: usize| {
            let mut v = vec![
                with_deadline(conv("u1", Some("billing"), None), 10),
                waiting(
                    with_deadline(conv("i1", Some("billing"), Some("cy")), 20),
                    -60,
                ),
                waiting(
                    with_deadline(conv("d1", Some("billing"), Some("dana")), 30),
                    -60,
                ),
            ];
            v.extend(ana_loaded(ana));
            v
        };
        let order = |cap: u32| {
            let s = snapshot(
                vec![inbox(
                    "billing",
                    "Billing",
                    &[
                        ("ana", Level::Primary),
                        ("bo", Level::Primary),
                        ("cy", Level::Primary),
                        ("dana", Level::Primary),
                    ],
                )],
                vec![
                    mate("ana", "Ana", Some(1), false),
                    mate("bo", "Bo", Some(cap), false),
                    mate("cy", "Cy", Some(6), false),
                    mate("dana", "Dana", Some(6), true),
                ],
                convs(2),
            );
            let p = Policy::default();
            let mut m = derive(&s, &p, s.taken_at);
            for t in &mut m.teammates {
                t.idle = t.teammate.as_str() == "cy";
            }
            plan(&s, &m, &p)
                .into_iter()
                .map(|m| m.from.note())
                .collect::<Vec<_>>()
        };
        assert_eq!(order(1), ["over cap"]);
        assert_eq!(order(2), ["over cap", "away"]);
        assert_eq!(order(3), ["over cap", "away", "idle"]);
        assert_eq!(order(4), ["over cap", "away", "idle", "unassigned"]);
    }

    #[test]
    fn release_moves_only_that_teammates_waiting_conversations_as_if_away() {
        let s = snapshot(
            vec![billing_trio()],
            vec![
                // Dana is on duty and under cap: only a release moves her work.
                mate("dana", "Dana", Some(6), false),
                mate("bo", "Bo", Some(6), false),
                mate("cy", "Cy", Some(1), false),
            ],
            vec![
                waiting(conv("d1", Some("billing"), Some("dana")), -60),
                conv("d2", Some("billing"), Some("dana")),
                waiting(conv("c1", Some("billing"), Some("cy")), -60),
                waiting(conv("c2", Some("billing"), Some("cy")), -60),
                conv("u1", Some("billing"), None),
            ],
        );
        let p = Policy::default();
        let m = derive(&s, &p, s.taken_at);
        assert!(
            plan(&s, &m, &p)
                .iter()
                .all(|m| m.from.holder().is_none_or(|h| h.as_str() == "cy"))
        );
        let moves = release(&s, &m, &p, &TeammateId("dana".into()));
        assert_eq!(moves.len(), 1, "{moves:?}");
        assert_eq!(moves[0].conversation.as_str(), "d1");
        assert_eq!(moves[0].to.as_str(), "bo", "never back to Dana herself");
        assert_eq!(moves[0].from, Source::Away(TeammateId("dana".into())));
    }

    #[test]
    fn overloads_are_relieved_before_more_urgent_backlog() {
        let mut convs = ana_loaded(7);
        // An unassigned conversation breaching sooner than any of Ana's.
        convs.push(with_deadline(conv("u0", Some("billing"), None), 60));
        let s = snapshot(
            vec![inbox(
                "billing",
                "Billing",
                &[("ana", Level::Primary), ("bo", Level::Primary)],
            )],
            vec![
                mate("ana", "Ana", Some(6), false),
                mate("bo", "Bo", Some(5), false),
            ],
            convs
                .into_iter()
                .chain((0..4).map(|n| conv(&format!("b{n}"), Some("billing"), Some("bo"))))
                .collect(),
        );
        // Bo has room for one: it goes to Ana's excess, not to the backlog.
        let moves = run(&s);
        assert_eq!(moves.len(), 1);
        assert_eq!(moves[0].from, Source::Teammate(TeammateId("ana".into())));
    }

    #[test]
    fn never_to_away_seatless_or_uncapped_teammates_nor_outside_the_inbox() {
        let mut no_seat = mate("di", "Di", Some(6), false);
        no_seat.has_inbox_seat = false;
        let s = snapshot(
            vec![
                inbox(
                    "billing",
                    "Billing",
                    &[
                        ("ana", Level::Primary),
                        ("bo", Level::Primary),
                        ("cy", Level::Primary),
                        ("di", Level::Primary),
                    ],
                ),
                inbox("tech", "Tech", &[("ed", Level::Primary)]),
            ],
            vec![
                mate("ana", "Ana", Some(1), false),
                mate("bo", "Bo", Some(6), true),
                mate("cy", "Cy", None, false),
                no_seat,
                mate("ed", "Ed", Some(6), false),
            ],
            ana_loaded(3),
        );
        assert_eq!(run(&s), []);
    }

    #[test]
    fn secondary_members_only_take_what_primaries_cannot() {
        let s = snapshot(
            vec![inbox(
                "billing",
                "Billing",
                &[("bo", Level::Secondary), ("cy", Level::Primary)],
            )],
            vec![
                mate("bo", "Bo", Some(5), false),
                mate("cy", "Cy", Some(2), false),
            ],
            vec![
                with_deadline(conv("u1", Some("billing"), None), 100),
                with_deadline(conv("u2", Some("billing"), None), 200),
                with_deadline(conv("u3", Some("billing"), None), 300),
                conv("u4", Some("tech"), None),
                conv("u5", None, None),
            ],
        );
        let got: Vec<(String, String, Level)> = run(&s)
            .into_iter()
            .map(|m| (m.conversation.to_string(), m.to.to_string(), m.level))
            .collect();
        assert_eq!(
            got,
            [
                ("u1".into(), "cy".into(), Level::Primary),
                ("u2".into(), "cy".into(), Level::Primary),
                ("u3".into(), "bo".into(), Level::Secondary),
            ],
            "unknown inbox and no inbox are left alone"
        );
    }

    #[test]
    fn secondary_room_goes_to_their_primary_inbox_first() {
        // Bo is primary in tech and secondary in billing; billing's conversation is more
        // urgent, but tech's backlog is his first duty.
        let s = snapshot(
            vec![
                inbox("billing", "Billing", &[("bo", Level::Secondary)]),
                inbox("tech", "Tech", &[("bo", Level::Primary)]),
            ],
            vec![mate("bo", "Bo", Some(1), false)],
            vec![
                with_deadline(conv("b1", Some("billing"), None), 60),
                with_deadline(conv("t1", Some("tech"), None), 600),
            ],
        );
        let moves = run(&s);
        assert_eq!(moves.len(), 1);
        assert_eq!(moves[0].conversation.as_str(), "t1");
        assert_eq!(moves[0].reason, "unassigned in Tech → Bo 0/1 (primary)");
    }

    #[test]
    fn least_utilised_member_first_and_snoozed_conversations_stay() {
        let mut snoozed = conv("z", Some("billing"), None);
        snoozed.state = ConversationState::Snoozed;
        let mut convs = vec![
            conv("u1", Some("billing"), None),
            snoozed,
            conv("x1", Some("billing"), Some("bo")),
        ];
        convs.extend((0..2).map(|n| conv(&format!("y{n}"), Some("billing"), Some("cy"))));
        let s = snapshot(
            vec![inbox(
                "billing",
                "Billing",
                &[("bo", Level::Primary), ("cy", Level::Primary)],
            )],
            // Bo 1/2 is 50 % used, Cy 2/8 only 25 %.
            vec![
                mate("bo", "Bo", Some(2), false),
                mate("cy", "Cy", Some(8), false),
            ],
            convs,
        );
        let moves = run(&s);
        assert_eq!(moves.len(), 1);
        assert_eq!(
            (moves[0].conversation.as_str(), moves[0].to.as_str()),
            ("u1", "cy")
        );
    }

    #[test]
    fn plan_converts_to_checked_assign_writes_without_warnings() {
        let s = snapshot(
            vec![inbox(
                "billing",
                "Billing",
                &[("ana", Level::Primary), ("bo", Level::Primary)],
            )],
            vec![
                mate("ana", "Ana", Some(1), false),
                mate("bo", "Bo", Some(3), false),
            ],
            ana_loaded(2),
        );
        let moves = run(&s);
        let planned = to_planned(&s, &moves);
        assert_eq!(planned.len(), 1);
        assert_eq!(
            planned[0].write,
            Write::Assign {
                conversation: ConversationId("c0".into()),
                target: AssignTarget::Teammate(TeammateId("bo".into())),
            }
        );
        assert_eq!(
            planned[0].before,
            State::Conversation {
                assignee: Some(TeammateId("ana".into())),
                inbox: Some(InboxId("billing".into())),
            }
        );
        assert_eq!(
            planned[0].label,
            "move #c0 to Bo (Ana over cap 2/1 → Bo 0/3 (primary))"
        );
        let m = derive(&s, &Policy::default(), s.taken_at);
        assert!(actions::warnings(&s, &m, &planned).is_empty());
    }

    // --- properties over generated snapshots ---------------------------------------------

    const INBOXES: usize = 3;

    /// Away, cap, seat, membership in each inbox (0 none, 1 primary, 2 secondary), idle.
    type MateSpec = (bool, Option<u32>, bool, Vec<u8>, bool);
    /// State (0 closed, 1 snoozed, else open), inbox, assignee, deadline, missed, priority,
    /// customer waiting since.
    type ConvSpec = (
        u8,
        Option<usize>,
        Option<usize>,
        Option<i64>,
        bool,
        usize,
        Option<i64>,
    );

    /// Marks a generated teammate as flagged idle (read back by [`metrics`]).
    const IDLE: &str = "+idle@";

    /// Metrics with the idle flags of the generated snapshot.
    fn metrics(s: &Snapshot, p: &Policy) -> Metrics {
        let mut m = derive(s, p, s.taken_at);
        for f in &mut m.teammates {
            let t = s.teammate(&f.teammate).unwrap();
            f.idle = t.email.contains(IDLE) && !t.presence.is_away();
        }
        m
    }

    fn build(mates: Vec<MateSpec>, convs: Vec<ConvSpec>) -> Snapshot {
        let inboxes = (0..INBOXES)
            .map(|i| Inbox {
                id: InboxId::from(format!("i{i}")),
                name: format!("Inbox {i}"),
                members: mates
                    .iter()
                    .enumerate()
                    .filter_map(|(n, (_, _, _, levels, _))| {
                        let level = match levels[i] {
                            1 => Level::Primary,
                            2 => Level::Secondary,
                            _ => return None,
                        };
                        Some(Member {
                            teammate: TeammateId::from(format!("t{n}")),
                            level,
                        })
                    })
                    .collect(),
                assignment_limit: None,
                distribution: None,
                secondary_unavailable: None,
            })
            .collect::<Vec<_>>();
        let teammates = mates
            .iter()
            .enumerate()
            .map(|(n, (away, cap, seat, _, idle))| {
                let mut m = mate(&format!("t{n}"), &format!("T{n}"), *cap, *away);
                m.has_inbox_seat = *seat;
                if *idle {
                    m.email = format!("t{n}{IDLE}example.com");
                }
                m.memberships = inboxes
                    .iter()
                    .filter_map(|i| Some((i.id.clone(), i.level_of(&m.id)?)))
                    .collect();
                m
            })
            .collect::<Vec<_>>();
        let conversations = convs
            .into_iter()
            .enumerate()
            .map(
                |(n, (state, inbox, assignee, deadline, missed, priority, since))| {
                    let mut c = conv(&format!("c{n:02}"), None, None);
                    c.waiting_since = since.map(t);
                    c.state = match state {
                        0 => ConversationState::Closed,
                        1 => ConversationState::Snoozed,
                        _ => ConversationState::Open,
                    };
                    // Index INBOXES is an inbox the snapshot does not know.
                    c.inbox = inbox.map(|i| InboxId::from(format!("i{}", i % (INBOXES + 1))));
                    c.assignee =
                        assignee.map(|a| TeammateId::from(format!("t{}", a % (mates.len() + 1))));
                    c.priority = Priority::ALL[priority];
                    if deadline.is_some() || missed {
                        c.sla = Some(Sla {
                            name: "Gold".into(),
                            status: if missed {
                                SlaStatus::Missed
                            } else {
                                SlaStatus::Active
                            },
                            deadline: deadline.map(|d| Deadline {
                                at: t(d),
                                exact: true,
                            }),
                        });
                    }
                    c
                },
            )
            .collect();
        snapshot(inboxes, teammates, conversations)
    }

    fn arb_snapshot() -> impl Strategy<Value = Snapshot> {
        let mate = (
            prop::bool::weighted(0.2),
            prop::option::weighted(0.9, 0u32..5),
            prop::bool::weighted(0.9),
            prop::collection::vec(0u8..3, INBOXES),
            prop::bool::weighted(0.2),
        );
        let conv = (
            0u8..8,
            prop::option::weighted(0.9, 0usize..INBOXES + 1),
            prop::option::weighted(0.7, 0usize..8),
            prop::option::of(-3_000i64..3_000),
            prop::bool::weighted(0.1),
            0usize..5,
            prop::option::weighted(0.6, -9_000i64..0),
        );
        (
            prop::collection::vec(mate, 1..7),
            prop::collection::vec(conv, 0..40),
        )
            .prop_map(|(m, c)| build(m, c))
    }

    /// A snapshot and the same snapshot with conversations, teammates and members shuffled.
    fn arb_snapshot_and_shuffle() -> impl Strategy<Value = (Snapshot, Snapshot)> {
        arb_snapshot().prop_flat_map(|s| {
            let convs = Just(s.conversations.iter().cloned().collect::<Vec<_>>()).prop_shuffle();
            let mates = Just(s.teammates.to_vec()).prop_shuffle();
            (Just(s), convs, mates).prop_map(|(s, convs, mates)| {
                let mut shuffled = s.clone();
                shuffled.conversations = convs.into();
                shuffled.teammates = mates.into();
                for i in &mut shuffled.inboxes {
                    i.members.reverse();
                }
                (s, shuffled)
            })
        })
    }

    fn apply(s: &Snapshot, moves: &[Move]) -> Snapshot {
        let mut after = s.clone();
        for m in moves {
            if let Some(c) = after.conversations.get_mut(&m.conversation) {
                c.assignee = Some(m.to.clone());
            }
        }
        after
    }

    /// Largest `load − cap` over teammates with a cap, 0 when nobody is over.
    ///
    /// Clamped at 0: filling a teammate from 2/6 to 3/6 raises `load − cap` from −4 to −3
    /// without overloading anyone.
    fn worst_overload(m: &Metrics) -> i64 {
        m.teammates
            .iter()
            .filter_map(|t| Some(i64::from(t.load) - i64::from(t.cap?.value)))
            .fold(0, i64::max)
    }

    /// Could take a conversation: loads from `m`, idle flags from `before`.
    fn has_room(s: &Snapshot, m: &Metrics, before: &Metrics, id: &TeammateId) -> bool {
        let (Some(t), Some(f), Some(b)) = (s.teammate(id), m.teammate(id), before.teammate(id))
        else {
            return false;
        };
        !t.presence.is_away()
            && t.has_inbox_seat
            && !b.idle
            && f.cap.is_some_and(|c| f.load < c.value)
    }

    fn customer_waits(c: &Conversation) -> bool {
        c.state.waiting_on_us() && c.waiting_since.is_some()
    }

    /// The generated snapshots do exercise every source (the properties are not vacuous).
    #[test]
    fn generated_plans_move_from_every_source() {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;
        let mut runner = TestRunner::deterministic();
        let mut seen = HashSet::new();
        for _ in 0..300 {
            let s = arb_snapshot().new_tree(&mut runner).unwrap().current();
            let p = Policy::default();
            for m in plan(&s, &metrics(&s, &p), &p) {
                seen.insert(m.from.note());
            }
        }
        assert_eq!(seen.len(), 4, "{seen:?}");
    }

    proptest! {
        #[test]
        fn moves_respect_caps_away_and_inboxes(s in arb_snapshot()) {
            let p = Policy::default();
            let before = metrics(&s, &p);
            let moves = plan(&s, &before, &p);
            let after_s = apply(&s, &moves);
            let after = derive(&after_s, &p, s.taken_at);

            let mut seen = HashSet::new();
            for m in &moves {
                prop_assert!(seen.insert(&m.conversation), "moved twice: {}", m.conversation);
                let c = s.conversation(&m.conversation).unwrap();
                prop_assert_eq!(c.state, ConversationState::Open);
                prop_assert_eq!(c.inbox.as_ref(), Some(&m.inbox));
                let inbox = s.inbox(&m.inbox).unwrap();
                prop_assert_eq!(inbox.level_of(&m.to), Some(m.level));
                let to = s.teammate(&m.to).unwrap();
                prop_assert!(!to.presence.is_away() && to.has_inbox_seat);
                prop_assert!(!before.teammate(&m.to).unwrap().idle, "{} is idle", m.to);
                prop_assert_eq!(c.assignee.as_ref(), m.from.holder());
                match &m.from {
                    Source::Unassigned => {}
                    Source::Teammate(a) => prop_assert!(before.teammate(a).unwrap().over_cap),
                    Source::Away(a) => {
                        prop_assert!(s.teammate(a).unwrap().presence.is_away());
                        prop_assert!(customer_waits(c));
                    }
                    Source::Idle(a) => {
                        prop_assert!(before.teammate(a).unwrap().idle);
                        prop_assert!(customer_waits(c));
                    }
                }
                let cap = after.teammate(&m.to).unwrap().cap.unwrap().value;
                prop_assert!(after.teammate(&m.to).unwrap().load <= cap);
            }
            for (b, a) in before.teammates.iter().zip(&after.teammates) {
                if let Some(cap) = b.cap {
                    prop_assert!(a.load <= b.load.max(cap.value), "{} pushed over cap", a.teammate);
                }
                let on_duty = !b.idle && !s.teammate(&b.teammate).unwrap().presence.is_away();
                if b.over_cap && on_duty {
                    prop_assert!(a.load >= b.cap.unwrap().value, "{} gave up too much", a.teammate);
                }
            }
            prop_assert!(worst_overload(&after) <= worst_overload(&before));
            let planned = to_planned(&s, &moves);
            prop_assert_eq!(planned.len(), moves.len());
            prop_assert!(actions::warnings(&s, &before, &planned).is_empty());
        }

        #[test]
        fn plan_is_maximal_and_uses_primaries_first(s in arb_snapshot()) {
            let p = Policy::default();
            let before = metrics(&s, &p);
            let moves = plan(&s, &before, &p);
            let after_s = apply(&s, &moves);
            let after = derive(&after_s, &p, s.taken_at);
            // Whatever still needs a home has no member with room left in its inbox.
            for c in after_s.conversations.iter().filter(|c| c.state.waiting_on_us()) {
                let Some(inbox) = c.inbox.as_ref().and_then(|i| after_s.inbox(i)) else { continue };
                let needs_home = match &c.assignee {
                    None => true,
                    Some(a) => {
                        let gone = s.teammate(a).is_some_and(|t| t.presence.is_away())
                            || before.teammate(a).is_some_and(|f| f.idle);
                        after.teammate(a).is_some_and(|f| f.over_cap) || (gone && customer_waits(c))
                    }
                };
                if needs_home {
                    for m in &inbox.members {
                        prop_assert!(!has_room(&after_s, &after, &before, &m.teammate),
                            "{} left while {} has room", c.id, m.teammate);
                    }
                }
            }
            // A secondary member got a conversation only when no primary had room.
            for m in moves.iter().filter(|m| m.level == Level::Secondary) {
                let inbox = s.inbox(&m.inbox).unwrap();
                for member in inbox.members.iter().filter(|x| x.level == Level::Primary) {
                    prop_assert!(!has_room(&after_s, &after, &before, &member.teammate));
                }
            }
        }

        #[test]
        fn plan_is_deterministic_and_independent_of_input_order(
            (s, shuffled) in arb_snapshot_and_shuffle(),
        ) {
            let p = Policy::default();
            let a = plan(&s, &metrics(&s, &p), &p);
            let again = plan(&s, &metrics(&s, &p), &p);
            let b = plan(&shuffled, &metrics(&shuffled, &p), &p);
            prop_assert_eq!(&a, &again);
            prop_assert_eq!(&a, &b);
            for who in &s.teammates {
                let a = release(&s, &metrics(&s, &p), &p, &who.id);
                let b = release(&shuffled, &metrics(&shuffled, &p), &p, &who.id);
                prop_assert_eq!(a, b);
            }
        }

        #[test]
        fn away_customers_are_released_and_nothing_goes_to_idle_or_away(s in arb_snapshot()) {
            let p = Policy::default();
            let before = metrics(&s, &p);
            let moves = plan(&s, &before, &p);
            let after_s = apply(&s, &moves);
            let after = derive(&after_s, &p, s.taken_at);
            for m in &moves {
                let to = s.teammate(&m.to).unwrap();
                prop_assert!(!to.presence.is_away(), "to away {}", m.to);
                prop_assert!(!before.teammate(&m.to).unwrap().idle, "to idle {}", m.to);
            }
            // No waiting conversation of an away teammate is left that a member could take.
            for c in after_s.conversations.iter().filter(|c| customer_waits(c)) {
                let Some(a) = &c.assignee else { continue };
                if !s.teammate(a).is_some_and(|t| t.presence.is_away()) {
                    continue;
                }
                let Some(inbox) = c.inbox.as_ref().and_then(|i| s.inbox(i)) else { continue };
                for m in &inbox.members {
                    prop_assert!(!has_room(&after_s, &after, &before, &m.teammate),
                        "{} left with away {} while {} has room", c.id, a, m.teammate);
                }
            }
        }

        #[test]
        fn release_moves_only_the_teammates_waiting_customers_within_caps(
            s in arb_snapshot(),
            pick in 0usize..7,
        ) {
            let p = Policy::default();
            let before = metrics(&s, &p);
            let who = s.teammates[pick % s.teammates.len()].id.clone();
            let moves = release(&s, &before, &p, &who);
            let after_s = apply(&s, &moves);
            let after = derive(&after_s, &p, s.taken_at);
            for m in &moves {
                let c = s.conversation(&m.conversation).unwrap();
                prop_assert_eq!(c.assignee.as_ref(), Some(&who));
                prop_assert!(customer_waits(c));
                prop_assert_eq!(&m.from, &Source::Away(who.clone()));
                prop_assert!(m.to != who);
                prop_assert!(!before.teammate(&m.to).unwrap().idle);
                let f = after.teammate(&m.to).unwrap();
                prop_assert!(f.load <= f.cap.unwrap().value);
            }
            // Maximal too: what stays with them has no member with room.
            for c in after_s.conversations.iter().filter(|c| customer_waits(c)) {
                if c.assignee.as_ref() != Some(&who) { continue }
                let Some(inbox) = c.inbox.as_ref().and_then(|i| s.inbox(i)) else { continue };
                for m in inbox.members.iter().filter(|m| m.teammate != who) {
                    prop_assert!(!has_room(&after_s, &after, &before, &m.teammate));
                }
            }
        }
    }
}
