//! The shift handoff: a Markdown summary for the next lead — queue state per inbox, breaches
//! and near-misses, who is away and why, blocks in progress, and the writes made this shift.

use super::blocks::Block;
use super::metrics::{Metrics, SlaStanding, sla_standing};
use super::model::Snapshot;
use super::policy::Policy;
use jiff::{SignedDuration, Timestamp};
use std::fmt::Write as _;

/// One write of the shift, from the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteLine {
    /// When its outcome was known.
    pub time: Timestamp,
    /// What was asked, in words.
    pub action: String,
    /// `applied`, `not_applied`, …
    pub outcome: String,
}

/// A highest value and when it was first reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peak {
    /// The value.
    pub value: u32,
    /// The first sample that had it.
    pub at: Timestamp,
}

impl Peak {
    /// Keeps the higher of the two; on a tie, the earlier.
    fn take(slot: &mut Option<Peak>, value: u32, at: Timestamp) {
        match slot {
            Some(p) if p.value > value || (p.value == value && p.at <= at) => {}
            _ => *slot = Some(Peak { value, at }),
        }
    }
}

/// One inbox's peaks over the shift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxPeaks {
    /// Its name (as last recorded).
    pub inbox: String,
    /// Most open conversations at once.
    pub open: Peak,
    /// Most breached conversations at once.
    pub breached: Peak,
}

/// The shift's peaks, from the recorded history (`history`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Peaks {
    /// Samples they were taken from.
    pub samples: usize,
    /// The first sample of the period.
    pub first: Option<Timestamp>,
    /// Per inbox, in the order first recorded (then by id).
    pub inboxes: Vec<InboxPeaks>,
    /// Most breached at once across all inboxes.
    pub breached: Option<Peak>,
}

/// One recorded figure of one inbox, as the peaks are folded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeakRow {
    /// When the sample was taken.
    pub at: Timestamp,
    /// Inbox id (names may change; ids do not).
    pub inbox_id: String,
    /// Inbox name at the time.
    pub inbox: String,
    /// Open conversations.
    pub open: u32,
    /// Breached conversations.
    pub breached: u32,
}

impl Peaks {
    /// The peaks of `rows` (any order): the highest open and breached per inbox and the most
    /// breached across inboxes in one sample, each with the first time it was reached.
    pub fn fold(rows: &[PeakRow]) -> Peaks {
        /// One inbox so far: its latest name, when it was first and last seen, its peaks.
        struct Acc {
            name: String,
            first: Timestamp,
            last: Timestamp,
            open: Option<Peak>,
            breached: Option<Peak>,
        }
        let mut per: std::collections::HashMap<&str, Acc> = std::collections::HashMap::new();
        let mut totals: std::collections::BTreeMap<Timestamp, u32> = Default::default();
        for r in rows {
            let e = per.entry(r.inbox_id.as_str()).or_insert_with(|| Acc {
                name: r.inbox.clone(),
                first: r.at,
                last: r.at,
                open: None,
                breached: None,
            });
            if r.at >= e.last {
                e.name.clone_from(&r.inbox);
                e.last = r.at;
            }
            e.first = e.first.min(r.at);
            Peak::take(&mut e.open, r.open, r.at);
            Peak::take(&mut e.breached, r.breached, r.at);
            *totals.entry(r.at).or_default() += r.breached;
        }
        let mut breached = None;
        for (&at, &n) in &totals {
            Peak::take(&mut breached, n, at);
        }
        // In the order first recorded (then by id), whatever the order of the rows.
        let mut order: Vec<(&str, Acc)> = per.into_iter().collect();
        order.sort_by_key(|(id, a)| (a.first, *id));
        let inboxes = order
            .into_iter()
            .filter_map(|(_, a)| {
                Some(InboxPeaks {
                    inbox: a.name,
                    open: a.open?,
                    breached: a.breached?,
                })
            })
            .collect();
        Peaks {
            samples: totals.len(),
            first: totals.keys().next().copied(),
            inboxes,
            breached,
        }
    }
}

/// Everything the summary is made from.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The latest data.
    pub snapshot: &'a Snapshot,
    /// Its figures.
    pub metrics: &'a Metrics,
    /// The local rules (the "soon" window).
    pub policy: &'a Policy,
    /// Blocks in progress.
    pub blocks: &'a [Block],
    /// Writes logged (any period; only those since `since` are listed).
    pub writes: &'a [WriteLine],
    /// Start of the shift.
    pub since: Timestamp,
    /// Now.
    pub now: Timestamp,
    /// Hide conversation titles (privacy).
    pub privacy: bool,
    /// The shift's peaks from the recorded history; `None` when there is none (or it could
    /// not be read: the reason).
    pub peaks: Result<&'a Peaks, &'a str>,
}

/// Most conversations listed per section.
const LIST: usize = 15;

fn ago(d: SignedDuration) -> String {
    let m = d.as_mins().abs();
    if m >= 60 {
        format!("{}h{:02}m", m / 60, m % 60)
    } else {
        format!("{m}m")
    }
}

/// Table cells cannot hold `|` or line breaks.
fn cell(text: &str) -> String {
    text.replace('|', "/").replace(['\n', '\r'], " ")
}

/// The handoff as Markdown.
pub fn markdown(i: Inputs<'_>) -> String {
    let s = i.snapshot;
    let m = i.metrics;
    let hhmm = |t: Timestamp| t.strftime("%H:%M").to_string();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Shift handoff — {}\n\n_{} to {} UTC · generated by shiftlead from the data at {} UTC_\n",
        s.workspace.name,
        i.since.strftime("%Y-%m-%d %H:%M"),
        hhmm(i.now),
        hhmm(s.taken_at)
    );

    let t = &m.totals;
    let _ = writeln!(
        out,
        "## Queues\n\n{} open · {} unassigned · {} breached · {} breaching soon · {} away · {} over cap\n",
        t.open, t.unassigned, t.breached, t.breaching_soon, t.away, t.over_cap
    );
    out.push_str("| Inbox | Open | Unassigned | Waiting | Oldest wait | Breached | Soon | On duty / away |\n");
    out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for f in &m.inboxes {
        let name = s.inbox(&f.inbox).map_or("?", |x| x.name.as_str());
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} / {} |",
            cell(name),
            f.open,
            f.unassigned,
            f.waiting,
            f.oldest_wait.map(ago).unwrap_or_else(|| "—".into()),
            f.breached,
            f.breaching_soon,
            f.on_duty,
            f.away
        );
    }

    peaks_section(&mut out, &i);

    let mut breached = Vec::new();
    let mut soon = Vec::new();
    for c in s.conversations.iter().filter(|c| c.state.waiting_on_us()) {
        match sla_standing(c, i.now, i.policy.breaching_soon) {
            SlaStanding::Breached => breached.push(c),
            SlaStanding::Soon => soon.push(c),
            _ => {}
        }
    }
    let deadline =
        |c: &&super::model::Conversation| c.sla.as_ref().and_then(|s| s.deadline).map(|d| d.at);
    breached.sort_by_key(deadline);
    soon.sort_by_key(deadline);
    out.push_str("\n## Breaches and near-misses\n\n_From the conversations open now; those closed during the shift are not in the data._\n\n");
    for (title, list, past) in [
        ("Breached", &breached, true),
        ("Breaching within the soon window", &soon, false),
    ] {
        let _ = writeln!(out, "**{title}: {}**\n", list.len());
        for c in list.iter().take(LIST) {
            let inbox = c
                .inbox
                .as_ref()
                .and_then(|x| s.inbox(x))
                .map_or("no inbox", |x| x.name.as_str());
            let who = c
                .assignee
                .as_ref()
                .and_then(|x| s.teammate(x))
                .map_or("unassigned", |x| x.name.as_str());
            let when = match c.sla.as_ref().and_then(|s| s.deadline) {
                Some(d) if past => format!(
                    "breached {} ago{}",
                    ago(i.now.duration_since(d.at)),
                    if d.exact { "" } else { " (est.)" }
                ),
                Some(d) => format!(
                    "breaches in {}{}",
                    ago(d.at.duration_since(i.now)),
                    if d.exact { "" } else { " (est.)" }
                ),
                None => "SLA missed".into(),
            };
            let title = if i.privacy {
                String::new()
            } else {
                c.title
                    .as_deref()
                    .map(|t| format!(" — {}", cell(t)))
                    .unwrap_or_default()
            };
            let _ = writeln!(
                out,
                "- #{} · {} · {} · {} · {when}{title}",
                c.id,
                inbox,
                who,
                c.priority.as_str()
            );
        }
        if list.len() > LIST {
            let _ = writeln!(out, "- … and {} more", list.len() - LIST);
        }
        out.push('\n');
    }

    out.push_str("## Away\n\n");
    let away: Vec<_> = s
        .teammates
        .iter()
        .filter(|t| t.presence.is_away())
        .collect();
    if away.is_empty() {
        out.push_str("Nobody is away.\n");
    }
    for t in away {
        let reason = t
            .presence
            .reason
            .as_ref()
            .map_or("no reason given", |r| r.label.as_str());
        let since = t
            .presence
            .since
            .map(|x| format!(" · since {} UTC", hhmm(x)))
            .unwrap_or_default();
        let reassign = if t.presence.reassigns() {
            " · new replies reassigned"
        } else {
            ""
        };
        let block = i
            .blocks
            .iter()
            .find(|b| b.teammate == t.id)
            .map(|b| format!(" · block until {} UTC", hhmm(b.end)))
            .unwrap_or_default();
        let _ = writeln!(out, "- {} — {reason}{since}{reassign}{block}", t.name);
    }

    out.push_str("\n## Blocks in progress\n\n");
    if i.blocks.is_empty() {
        out.push_str("None.\n");
    }
    for b in i.blocks {
        let _ = writeln!(
            out,
            "- {} — {} — until {} UTC ({} left)",
            b.name,
            b.label,
            hhmm(b.end),
            ago(b.left(i.now))
        );
    }

    out.push_str("\n## Teammates to watch\n\n");
    let over: Vec<String> = m
        .teammates
        .iter()
        .filter(|t| t.over_cap)
        .filter_map(|t| {
            let name = &s.teammate(&t.teammate)?.name;
            Some(format!(
                "{name} {}/{}",
                t.load,
                t.cap.map_or(0, |c| c.value)
            ))
        })
        .collect();
    let idle: Vec<String> = m
        .teammates
        .iter()
        .filter(|t| t.idle)
        .filter_map(|t| Some(s.teammate(&t.teammate)?.name.clone()))
        .collect();
    let _ = writeln!(
        out,
        "- Over cap: {}",
        if over.is_empty() {
            "nobody".into()
        } else {
            over.join(", ")
        }
    );
    let _ = writeln!(
        out,
        "- Idle but not away: {}",
        if idle.is_empty() {
            "nobody".into()
        } else {
            idle.join(", ")
        }
    );

    let writes: Vec<&WriteLine> = i
        .writes
        .iter()
        .filter(|w| w.time >= i.since && w.time <= i.now)
        .collect();
    let _ = writeln!(out, "\n## Writes this shift: {}\n", writes.len());
    for w in writes {
        let _ = writeln!(out, "- {} UTC · {} · {}", hhmm(w.time), w.outcome, w.action);
    }
    out
}

/// `## Peaks this shift`: the highest queue and breach counts and when they were.
fn peaks_section(out: &mut String, i: &Inputs<'_>) {
    let hhmm = |t: Timestamp| t.strftime("%H:%M").to_string();
    out.push_str("\n## Peaks this shift\n\n");
    let p = match i.peaks {
        Ok(p) if p.samples > 0 => p,
        Ok(_) => {
            out.push_str("_No history recorded this shift._\n");
            return;
        }
        Err(why) => {
            let _ = writeln!(out, "_No history: {}._", cell(why));
            return;
        }
    };
    let _ = writeln!(
        out,
        "_From {} sample{} recorded since {} UTC._\n",
        p.samples,
        if p.samples == 1 { "" } else { "s" },
        p.first.map_or_else(|| "?".into(), hhmm)
    );
    out.push_str("| Inbox | Most open | At | Most breached | At |\n");
    out.push_str("|---|---:|---:|---:|---:|\n");
    for x in &p.inboxes {
        let when = |peak: &Peak| {
            if peak.value == 0 {
                "—".to_owned()
            } else {
                format!("{} UTC", hhmm(peak.at))
            }
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            cell(&x.inbox),
            x.open.value,
            when(&x.open),
            x.breached.value,
            when(&x.breached)
        );
    }
    match p.breached {
        Some(b) if b.value > 0 => {
            let _ = writeln!(
                out,
                "\nMost breached at once across inboxes: {} at {} UTC.",
                b.value,
                hhmm(b.at)
            );
        }
        _ => out.push_str("\nNo breach recorded this shift.\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::blocks::Block;
    use crate::domain::derive;
    use crate::domain::model::*;

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).unwrap()
    }

    fn sample() -> (Snapshot, Policy) {
        let inbox = Inbox {
            id: InboxId("i1".into()),
            name: "Billing".into(),
            members: vec![Member {
                teammate: TeammateId("a".into()),
                level: Level::Primary,
            }],
            distribution: None,
            secondary_unavailable: None,
            assignment_limit: None,
        };
        let mut ana = Teammate {
            id: TeammateId("a".into()),
            name: "Ana".into(),
            email: "a@x.io".into(),
            presence: Presence::default(),
            memberships: vec![(InboxId("i1".into()), Level::Primary)],
            cap: Some(Cap {
                value: 1,
                source: CapSource::Config,
            }),
            time_zone: None,
            has_inbox_seat: true,
            default_inbox: None,
            cap_rule: None,
        };
        let mut bo = ana.clone();
        bo.id = TeammateId("b".into());
        bo.name = "Bo".into();
        bo.presence = Presence {
            status: PresenceStatus::AwayReassign,
            reason: Some(AwayReason {
                id: AwayReasonId("7".into()),
                label: "Training".into(),
                emoji: None,
                deleted: false,
            }),
            since: None,
        };
        ana.presence = Presence::default();
        let conv = |id: &str, deadline: i64, title: &str| Conversation {
            id: ConversationId(id.into()),
            title: Some(title.into()),
            state: ConversationState::Open,
            raw_state: None,
            priority: Priority::High,
            inbox: Some(InboxId("i1".into())),
            assignee: Some(TeammateId("a".into())),
            created_at: t(-3600),
            updated_at: t(-60),
            waiting_since: Some(t(-1800)),
            snoozed_until: None,
            first_reply_at: None,
            last_reply_at: None,
            sla: Some(Sla {
                name: "Gold".into(),
                status: SlaStatus::Active,
                deadline: Some(Deadline {
                    at: t(deadline),
                    exact: true,
                }),
            }),
        };
        let s = Snapshot {
            taken_at: t(0),
            workspace: Workspace {
                name: "Acme".into(),
                ..Workspace::default()
            },
            inboxes: vec![inbox].into(),
            teammates: vec![ana, bo].into(),
            conversations: vec![
                conv("c1", -600, "Refund | urgent"),
                conv("c2", 300, "Login"),
            ]
            .into(),
            away_reasons: vec![].into(),
            warnings: vec![],
        };
        (s, Policy::default())
    }

    #[test]
    fn the_handoff_names_queues_breaches_away_blocks_and_this_shifts_writes() {
        let (s, policy) = sample();
        let m = derive(&s, &policy, t(0));
        let blocks = [Block {
            teammate: TeammateId("b".into()),
            name: "Bo".into(),
            reason: Some(AwayReasonId("7".into())),
            label: "Training".into(),
            start: t(-600),
            end: t(1200),
            by: None,
        }];
        let writes = [
            WriteLine {
                time: t(-40_000),
                action: "yesterday's".into(),
                outcome: "applied".into(),
            },
            WriteLine {
                time: t(-100),
                action: "move #c9 to Ana".into(),
                outcome: "applied".into(),
            },
        ];
        let md = markdown(Inputs {
            snapshot: &s,
            metrics: &m,
            policy: &policy,
            blocks: &blocks,
            writes: &writes,
            since: t(-8 * 3600),
            now: t(0),
            privacy: false,
            peaks: Err("history is off"),
        });
        assert!(md.starts_with("# Shift handoff — Acme"), "{md}");
        assert!(
            md.contains("| Billing | 2 | 0 | 2 | 30m | 1 | 1 | 1 / 0 |"),
            "{md}"
        );
        assert!(md.contains("**Breached: 1**"), "{md}");
        assert!(
            md.contains("#c1 · Billing · Ana · high · breached 10m ago — Refund / urgent"),
            "{md}"
        );
        assert!(
            md.contains("#c2 · Billing · Ana · high · breaches in 5m"),
            "{md}"
        );
        assert!(
            md.contains("- Bo — Training · new replies reassigned · block until"),
            "{md}"
        );
        assert!(md.contains("(20m left)"), "{md}");
        assert!(md.contains("Over cap: Ana 2/1"), "{md}");
        assert!(md.contains("## Writes this shift: 1"), "{md}");
        assert!(md.contains("applied · move #c9 to Ana"), "{md}");
        assert!(!md.contains("yesterday"), "{md}");
        let private = markdown(Inputs {
            snapshot: &s,
            metrics: &m,
            policy: &policy,
            blocks: &blocks,
            writes: &writes,
            since: t(-8 * 3600),
            now: t(0),
            privacy: true,
            peaks: Err("history is off"),
        });
        assert!(!private.contains("Refund"), "{private}");
        assert!(md.contains("_No history: history is off._"), "{md}");
    }

    fn row(at: i64, id: &str, open: u32, breached: u32) -> PeakRow {
        PeakRow {
            at: t(at),
            inbox_id: id.into(),
            inbox: format!("inbox {id}"),
            open,
            breached,
        }
    }

    #[test]
    fn peaks_are_the_highest_values_first_reached_and_the_most_breached_at_once() {
        let rows = [
            row(0, "a", 3, 0),
            row(0, "b", 1, 2),
            row(60, "a", 9, 1),
            row(60, "b", 4, 2),
            row(120, "a", 9, 3),
            row(120, "b", 2, 0),
            row(180, "a", 5, 2),
            row(180, "b", 1, 1),
        ];
        let p = Peaks::fold(&rows);
        assert_eq!(p.samples, 4);
        assert_eq!(p.first, Some(t(0)));
        assert_eq!(p.inboxes.len(), 2);
        assert_eq!(
            p.inboxes[0].open,
            Peak {
                value: 9,
                at: t(60)
            }
        );
        assert_eq!(
            p.inboxes[0].breached,
            Peak {
                value: 3,
                at: t(120)
            }
        );
        assert_eq!(
            p.inboxes[1].open,
            Peak {
                value: 4,
                at: t(60)
            }
        );
        assert_eq!(p.inboxes[1].breached, Peak { value: 2, at: t(0) });
        // Totals per sample: 2, 3, 3, 3 — the first 3 wins.
        assert_eq!(
            p.breached,
            Some(Peak {
                value: 3,
                at: t(60)
            })
        );
        // The order of the rows does not matter.
        let mut rev = rows.to_vec();
        rev.reverse();
        assert_eq!(Peaks::fold(&rev), p);
        assert_eq!(Peaks::fold(&[]), Peaks::default());
    }

    proptest::proptest! {
        #[test]
        fn peaks_are_the_maxima_first_reached_whatever_the_row_order(
            raw in proptest::collection::vec((0i64..50, 0u8..4, 0u32..30, 0u32..10), 0..80),
        ) {
            // One row per (sample, inbox), as the database holds them.
            let mut seen = std::collections::HashSet::new();
            let rows: Vec<PeakRow> = raw
                .into_iter()
                .filter(|(at, inbox, ..)| seen.insert((*at, *inbox)))
                .map(|(at, inbox, open, breached)| row(at * 60, &inbox.to_string(), open, breached))
                .collect();
            let p = Peaks::fold(&rows);
            let mut rev = rows.clone();
            rev.reverse();
            proptest::prop_assert_eq!(&Peaks::fold(&rev), &p);
            for x in &p.inboxes {
                let mine: Vec<&PeakRow> = rows.iter().filter(|r| r.inbox == x.inbox).collect();
                let max = mine.iter().map(|r| r.open).max().unwrap();
                let first = mine.iter().filter(|r| r.open == max).map(|r| r.at).min().unwrap();
                proptest::prop_assert_eq!(x.open, Peak { value: max, at: first });
            }
            let times: std::collections::BTreeSet<Timestamp> = rows.iter().map(|r| r.at).collect();
            proptest::prop_assert_eq!(p.samples, times.len());
            let most = times
                .iter()
                .map(|t| rows.iter().filter(|r| r.at == *t).map(|r| r.breached).sum::<u32>())
                .max();
            proptest::prop_assert_eq!(p.breached.map(|b| b.value), most);
        }
    }

    #[test]
    fn the_handoff_lists_the_peaks_with_their_times() {
        let (s, policy) = sample();
        let m = derive(&s, &policy, t(0));
        let p = Peaks::fold(&[row(-7200, "a", 12, 0), row(-3600, "a", 7, 4)]);
        let md = markdown(Inputs {
            snapshot: &s,
            metrics: &m,
            policy: &policy,
            blocks: &[],
            writes: &[],
            since: t(-8 * 3600),
            now: t(0),
            privacy: false,
            peaks: Ok(&p),
        });
        let at = |x: i64| t(x).strftime("%H:%M").to_string();
        assert!(md.contains("_From 2 samples recorded since"), "{md}");
        assert!(
            md.contains(&format!(
                "| inbox a | 12 | {} UTC | 4 | {} UTC |",
                at(-7200),
                at(-3600)
            )),
            "{md}"
        );
        assert!(
            md.contains(&format!("across inboxes: 4 at {} UTC.", at(-3600))),
            "{md}"
        );
    }
}
