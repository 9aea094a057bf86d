//! Coverage across time zones: how many members of each inbox are inside their working hours
//! now and over the next hours, and where nobody (or too few) will be.
//!
//! Time zones are the IANA names on [`Teammate::time_zone`], which [`Policy::apply`] fills from
//! [`Policy::time_zones`]; working hours come from a [`CoverageConfig`].
//!
//! [`Policy::apply`]: super::policy::Policy::apply
//! [`Policy::time_zones`]: super::policy::Policy::time_zones

use super::model::{InboxId, Snapshot, Teammate, TeammateId};
use jiff::civil::{DateTime, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use std::collections::{BTreeSet, HashMap};

/// How many hours after "now" a coverage covers.
pub const HOURS_AHEAD: i64 = 12;

/// A set of weekdays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Days(u8);

impl Days {
    /// No day.
    pub const NONE: Days = Days(0);
    /// Every day.
    pub const ALL: Days = Days(0b111_1111);
    /// Monday to Friday.
    pub const MON_FRI: Days = Days(0b001_1111);

    /// This set with `day` added.
    pub fn with(self, day: Weekday) -> Days {
        Days(self.0 | Self::bit(day))
    }

    /// Whether `day` is in the set.
    pub fn contains(self, day: Weekday) -> bool {
        self.0 & Self::bit(day) != 0
    }

    fn bit(day: Weekday) -> u8 {
        1 << day.to_monday_zero_offset()
    }
}

impl FromIterator<Weekday> for Days {
    fn from_iter<I: IntoIterator<Item = Weekday>>(days: I) -> Self {
        days.into_iter().fold(Days::NONE, Days::with)
    }
}

/// A teammate's working hours in their local time.
///
/// A shift starts at `start` on each of `days` and runs to the next `end`: when `end` is not
/// after `start` it crosses midnight into the next day (22:00–06:00), and `end == start`
/// means 24 hours (00:00–00:00 is the whole day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingHours {
    /// When the shift starts.
    pub start: Time,
    /// When it ends (exclusive).
    pub end: Time,
    /// The days on which a shift starts.
    pub days: Days,
}

impl WorkingHours {
    /// Around the clock, every day.
    pub const ALWAYS: WorkingHours = WorkingHours {
        start: Time::midnight(),
        end: Time::midnight(),
        days: Days::ALL,
    };

    /// Whether the local date and time `at` falls inside a shift.
    pub fn covers(&self, at: DateTime) -> bool {
        let (day, time) = (at.date().weekday(), at.time());
        if self.start < self.end {
            self.days.contains(day) && self.start <= time && time < self.end
        } else {
            // Yesterday's shift runs into today until `end`.
            (self.days.contains(day) && time >= self.start)
                || (self.days.contains(day.previous()) && time < self.end)
        }
    }
}

impl WorkingHours {
    /// Parses `"09:00-17:30"` and a day set (`"mon-fri"`, `"mon,wed,sat"`, `"all"`).
    pub fn parse(hours: &str, days: &str) -> Result<WorkingHours, String> {
        let (a, b) = hours
            .split_once('-')
            .ok_or_else(|| format!("hours {hours:?}: expected \"HH:MM-HH:MM\""))?;
        let time = |t: &str| {
            let t = t.trim();
            let (h, m) = t.split_once(':').unwrap_or((t, "0"));
            let (h, m) = (h.parse::<i8>(), m.parse::<i8>());
            match (h, m) {
                (Ok(24), Ok(0)) => Ok(Time::midnight()),
                (Ok(h), Ok(m)) => Time::new(h, m, 0, 0)
                    .map_err(|_| format!("hours {hours:?}: {t:?} is not a time")),
                _ => Err(format!("hours {hours:?}: {t:?} is not a time")),
            }
        };
        Ok(WorkingHours {
            start: time(a)?,
            end: time(b)?,
            days: parse_days(days)?,
        })
    }
}

fn weekday(name: &str) -> Option<Weekday> {
    Some(match name.trim().get(..3)?.to_ascii_lowercase().as_str() {
        "mon" => Weekday::Monday,
        "tue" => Weekday::Tuesday,
        "wed" => Weekday::Wednesday,
        "thu" => Weekday::Thursday,
        "fri" => Weekday::Friday,
        "sat" => Weekday::Saturday,
        "sun" => Weekday::Sunday,
        _ => return None,
    })
}

/// `"mon-fri"`, `"sat,sun"`, `"mon-wed,fri"`, `"all"`.
fn parse_days(text: &str) -> Result<Days, String> {
    let bad = || format!("days {text:?}: expected e.g. \"mon-fri\", \"sat,sun\" or \"all\"");
    if matches!(text.trim(), "all" | "every day" | "daily") {
        return Ok(Days::ALL);
    }
    let mut days = Days::NONE;
    for part in text.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (mut d, end) = (weekday(a).ok_or_else(bad)?, weekday(b).ok_or_else(bad)?);
                loop {
                    days = days.with(d);
                    if d == end {
                        break;
                    }
                    d = d.next();
                }
            }
            None => days = days.with(weekday(part).ok_or_else(bad)?),
        }
    }
    Ok(days)
}

/// Working hours and the gap threshold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CoverageConfig {
    /// Hours keyed by teammate id or email (emails compared case-insensitively), as
    /// [`super::policy::Policy::time_zones`] is.
    pub hours: Vec<(String, WorkingHours)>,
    /// Hours of teammates without an entry; `None` leaves them unknown.
    pub default_hours: Option<WorkingHours>,
    /// Fewer covering members than this is a thin hour; zero is always a gap.
    pub min_cover: u32,
}

/// A shortfall in one hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    /// No member known to be working.
    Nobody,
    /// Fewer than [`CoverageConfig::min_cover`].
    Thin,
}

/// Coverage of one inbox at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HourCoverage {
    /// The instant: now, then each following hour.
    pub at: Timestamp,
    /// Members inside their working hours (and, for now, not away).
    pub covering: u32,
    /// Members whose hours or time zone are not known (not counted as covering).
    pub unknown: u32,
    /// The shortfall, when there is one.
    pub gap: Option<Gap>,
}

/// Coverage of one inbox from now to [`HOURS_AHEAD`] hours on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxCoverage {
    /// The inbox.
    pub inbox: InboxId,
    /// Distinct members.
    pub members: u32,
    /// Now, then each of the next [`HOURS_AHEAD`] hours.
    pub hours: Vec<HourCoverage>,
}

/// Computes the coverage of every inbox of `snapshot` at `now` and each hour up to
/// [`HOURS_AHEAD`] hours later.
///
/// Away teammates do not cover now; later hours ignore away status, which cannot be
/// foreseen. A teammate counts as unknown when they have no working hours, no time zone, a
/// time zone the database does not know, or are missing from the snapshot.
pub fn coverage(
    snapshot: &Snapshot,
    config: &CoverageConfig,
    now: Timestamp,
) -> Vec<InboxCoverage> {
    let shifts: HashMap<&TeammateId, Option<(TimeZone, WorkingHours)>> = snapshot
        .teammates
        .iter()
        .map(|t| (&t.id, shift_of(t, config)))
        .collect();
    let instants: Vec<Timestamp> = (0..=HOURS_AHEAD)
        .filter_map(|h| now.checked_add(SignedDuration::from_hours(h)).ok())
        .collect();
    snapshot
        .inboxes
        .iter()
        .map(|inbox| {
            let members: BTreeSet<&TeammateId> =
                inbox.members.iter().map(|m| &m.teammate).collect();
            let hours = instants
                .iter()
                .map(|&at| {
                    let (mut covering, mut unknown) = (0, 0);
                    for id in &members {
                        let away_now = at == now
                            && snapshot.teammate(id).is_some_and(|t| t.presence.is_away());
                        if away_now {
                            continue;
                        }
                        match shifts.get(id).and_then(Option::as_ref) {
                            None => unknown += 1,
                            Some((tz, hours)) => {
                                covering += u32::from(hours.covers(tz.to_datetime(at)));
                            }
                        }
                    }
                    let gap = if covering == 0 {
                        Some(Gap::Nobody)
                    } else if covering < config.min_cover {
                        Some(Gap::Thin)
                    } else {
                        None
                    };
                    HourCoverage {
                        at,
                        covering,
                        unknown,
                        gap,
                    }
                })
                .collect();
            InboxCoverage {
                inbox: inbox.id.clone(),
                members: u32::try_from(members.len()).unwrap_or(u32::MAX),
                hours,
            }
        })
        .collect()
}

/// The time zone and working hours of `teammate`, when both are known.
fn shift_of(teammate: &Teammate, config: &CoverageConfig) -> Option<(TimeZone, WorkingHours)> {
    let tz = TimeZone::get(teammate.time_zone.as_deref()?).ok()?;
    let hours = config
        .hours
        .iter()
        .find(|(key, _)| key == teammate.id.as_str() || key.eq_ignore_ascii_case(&teammate.email))
        .map(|(_, h)| *h)
        .or(config.default_hours)?;
    Some((tz, hours))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::*;
    use jiff::civil::{date, time};
    use proptest::prelude::*;

    const NINE_TO_FIVE: WorkingHours = WorkingHours {
        start: time(9, 0, 0, 0),
        end: time(17, 0, 0, 0),
        days: Days::MON_FRI,
    };

    const NIGHTS: WorkingHours = WorkingHours {
        start: time(22, 0, 0, 0),
        end: time(6, 0, 0, 0),
        days: Days::MON_FRI,
    };

    #[test]
    fn day_and_night_shifts_in_local_time() {
        // 2026-06-01 is a Monday.
        let monday = date(2026, 6, 1);
        assert!(NINE_TO_FIVE.covers(monday.at(9, 0, 0, 0)));
        assert!(
            !NINE_TO_FIVE.covers(monday.at(17, 0, 0, 0)),
            "end is exclusive"
        );
        assert!(
            !NINE_TO_FIVE.covers(date(2026, 6, 6).at(10, 0, 0, 0)),
            "Saturday"
        );
        assert!(NIGHTS.covers(monday.at(23, 0, 0, 0)));
        assert!(!NIGHTS.covers(monday.at(3, 0, 0, 0)), "Sunday night is off");
        assert!(
            NIGHTS.covers(date(2026, 6, 2).at(5, 59, 0, 0)),
            "Monday's night"
        );
        assert!(
            NIGHTS.covers(date(2026, 6, 6).at(3, 0, 0, 0)),
            "Friday's night"
        );
        assert!(!NIGHTS.covers(date(2026, 6, 6).at(23, 0, 0, 0)));
        let from_nine = WorkingHours {
            start: time(9, 0, 0, 0),
            end: time(9, 0, 0, 0),
            days: Days::NONE.with(Weekday::Monday),
        };
        assert!(
            from_nine.covers(date(2026, 6, 2).at(8, 59, 0, 0)),
            "24 hours"
        );
        assert!(!from_nine.covers(date(2026, 6, 2).at(9, 0, 0, 0)));
        let weekend: Days = [Weekday::Saturday, Weekday::Sunday].into_iter().collect();
        assert!(weekend.contains(Weekday::Sunday) && !weekend.contains(Weekday::Friday));
    }

    fn teammate(id: &str, tz: Option<&str>, away: bool) -> Teammate {
        Teammate {
            id: TeammateId(id.into()),
            name: id.to_uppercase(),
            email: format!("{id}@example.com"),
            presence: crate::domain::fixture::away_if(away),
            memberships: vec![],
            cap: None,
            time_zone: tz.map(str::to_owned),
            has_inbox_seat: true,
            default_inbox: None,
            cap_rule: None,
        }
    }

    fn snapshot(teammates: Vec<Teammate>) -> Snapshot {
        Snapshot {
            taken_at: Timestamp::UNIX_EPOCH,
            workspace: Workspace::default(),
            inboxes: vec![Inbox {
                id: InboxId("i".into()),
                name: "Inbox".into(),
                members: teammates
                    .iter()
                    .map(|t| Member {
                        teammate: t.id.clone(),
                        level: Level::Primary,
                    })
                    .collect(),
                assignment_limit: None,
                distribution: None,
                secondary_unavailable: None,
            }]
            .into(),
            teammates: teammates.into(),
            conversations: vec![].into(),
            away_reasons: vec![].into(),
            warnings: vec![],
        }
    }

    #[test]
    fn follows_the_sun_and_flags_gaps() {
        let s = snapshot(vec![
            teammate("dublin", Some("Europe/Dublin"), false),
            teammate("sydney", Some("Australia/Sydney"), false),
            teammate("denver", Some("America/Denver"), true),
            teammate("nowhere", Some("Mars/Olympus"), false),
            teammate("nozone", None, false),
        ]);
        let config = CoverageConfig {
            hours: vec![("SYDNEY@example.com".into(), NINE_TO_FIVE)],
            default_hours: Some(NINE_TO_FIVE),
            min_cover: 2,
        };
        // Monday 2026-06-01 08:30 UTC: 09:30 in Dublin (IST), 18:30 in Sydney, 02:30 in Denver.
        let now: Timestamp = "2026-06-01T08:30:00Z".parse().unwrap();
        let c = coverage(&s, &config, now);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].members, 5);
        let hours: Vec<(u32, u32, Option<Gap>)> = c[0]
            .hours
            .iter()
            .map(|h| (h.covering, h.unknown, h.gap))
            .collect();
        assert_eq!(hours.len(), 13);
        // Dublin works until 16:00 UTC (hours 0..=7); Denver (away now) from 15:00 UTC.
        assert_eq!(hours[0], (1, 2, Some(Gap::Thin)));
        assert_eq!(hours[6], (1, 2, Some(Gap::Thin)), "14:30 UTC");
        assert_eq!(hours[7], (2, 2, None), "15:30 UTC: Dublin and Denver");
        assert_eq!(hours[8], (1, 2, Some(Gap::Thin)), "16:30 UTC: Denver");
        assert_eq!(hours[12], (1, 2, Some(Gap::Thin)));
        assert_eq!(
            c[0].hours[1].at,
            now.checked_add(SignedDuration::from_hours(1)).unwrap()
        );

        // Sunday: only Sydney's Monday morning, from 23:00 UTC.
        let sunday: Timestamp = "2026-05-31T12:00:00Z".parse().unwrap();
        let c = coverage(&s, &config, sunday);
        let covering: Vec<u32> = c[0].hours.iter().map(|h| h.covering).collect();
        assert_eq!(covering, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
        assert_eq!(c[0].hours[0].gap, Some(Gap::Nobody));
    }

    const ZONES: [&str; 8] = [
        "UTC",
        "Europe/Dublin",
        "America/St_Johns",
        "Asia/Kathmandu",
        "Australia/Lord_Howe",
        "Pacific/Chatham",
        "America/Santiago",
        "Not/AZone",
    ];

    fn arb_hours() -> impl Strategy<Value = WorkingHours> {
        (0i8..96, 0i8..96, 0u8..128).prop_map(|(s, e, days)| WorkingHours {
            start: time(s / 4, (s % 4) * 15, 0, 0),
            end: time(e / 4, (e % 4) * 15, 0, 0),
            days: Days(days),
        })
    }

    proptest! {
        #[test]
        fn counts_stay_within_members_and_always_covers(
            mates in prop::collection::vec(
                (prop::option::of(0usize..ZONES.len()), any::<bool>(), prop::option::of(arb_hours()), any::<bool>()),
                1..8,
            ),
            now_s in 1_700_000_000i64..1_900_000_000,
            min_cover in 0u32..4,
        ) {
            let teammates: Vec<Teammate> = mates
                .iter()
                .enumerate()
                .map(|(n, (zone, away, _, _))| {
                    teammate(&format!("t{n}"), zone.map(|z| ZONES[z]), *away)
                })
                .collect();
            let mut s = snapshot(teammates);
            // A member listed twice and one missing from the teammates.
            let twice = s.inboxes[0].members[0].clone();
            s.inboxes[0].members.push(twice);
            s.inboxes[0].members.push(Member {
                teammate: TeammateId("ghost".into()),
                level: Level::Secondary,
            });
            let hours = mates
                .iter()
                .enumerate()
                .filter_map(|(n, (_, _, h, always))| {
                    let h = if *always { Some(WorkingHours::ALWAYS) } else { *h };
                    Some((format!("t{n}"), h?))
                })
                .collect();
            let config = CoverageConfig { hours, default_hours: None, min_cover };
            let now = Timestamp::from_second(now_s).unwrap();
            let c = coverage(&s, &config, now);
            prop_assert_eq!(c[0].members as usize, mates.len() + 1);
            let always_known = |include_away: bool| {
                mates.iter().filter(|(zone, away, _, always)| {
                    *always && zone.is_some_and(|z| ZONES[z] != "Not/AZone") && (include_away || !away)
                }).count() as u32
            };
            for (h, hour) in c[0].hours.iter().enumerate() {
                prop_assert!(hour.covering + hour.unknown <= c[0].members);
                prop_assert!(hour.covering >= always_known(h > 0));
                prop_assert_eq!(hour.gap.is_some(), hour.covering == 0 || hour.covering < min_cover);
            }
        }

        #[test]
        fn a_shift_and_its_complement_cover_every_minute_exactly_once(
            s in 0i8..96,
            e in 0i8..96,
            day in 0i8..7,
            minute in 0i32..1440,
        ) {
            prop_assume!(s != e);
            let start = time(s / 4, (s % 4) * 15, 0, 0);
            let end = time(e / 4, (e % 4) * 15, 0, 0);
            let shift = WorkingHours { start, end, days: Days::ALL };
            let rest = WorkingHours { start: end, end: start, days: Days::ALL };
            // 2026-06-01 is a Monday.
            let at = date(2026, 6, 1 + day).at(0, 0, 0, 0)
                .checked_add(SignedDuration::from_mins(i64::from(minute)))
                .unwrap();
            prop_assert!(shift.covers(at) != rest.covers(at));
            prop_assert!(WorkingHours::ALWAYS.covers(at));
        }

        #[test]
        fn a_week_holds_one_shift_per_day_in_the_set(hours in arb_hours()) {
            let monday = date(2026, 6, 1).at(0, 0, 0, 0);
            let covered = (0..7 * 96)
                .filter(|q| {
                    let at = monday.checked_add(SignedDuration::from_mins(i64::from(*q) * 15)).unwrap();
                    hours.covers(at)
                })
                .count();
            let quarters = |t: Time| i64::from(t.hour()) * 4 + i64::from(t.minute()) / 15;
            let length = (quarters(hours.end) - quarters(hours.start)).rem_euclid(96);
            let length = if length == 0 { 96 } else { length };
            let days = (0..7).filter(|d| hours.days.0 & (1 << d) != 0).count() as i64;
            prop_assert_eq!(covered as i64, days * length);
        }
    }

    #[test]
    fn hours_and_days_parse_and_bad_ones_say_why() {
        let h = WorkingHours::parse("09:00-17:30", "mon-fri").unwrap();
        assert_eq!(
            (h.start, h.end, h.days),
            (
                Time::constant(9, 0, 0, 0),
                Time::constant(17, 30, 0, 0),
                Days::MON_FRI
            )
        );
        let night = WorkingHours::parse("22:00-06:00", "sun-tue,fri").unwrap();
        assert!(night.days.contains(Weekday::Sunday) && night.days.contains(Weekday::Tuesday));
        assert!(!night.days.contains(Weekday::Wednesday) && night.days.contains(Weekday::Friday));
        assert_eq!(
            WorkingHours::parse("0-24", "all").unwrap(),
            WorkingHours::ALWAYS
        );
        assert!(
            WorkingHours::parse("9-5pm", "mon")
                .unwrap_err()
                .contains("not a time")
        );
        assert!(
            WorkingHours::parse("09:00", "mon")
                .unwrap_err()
                .contains("HH:MM-HH:MM")
        );
        assert!(
            WorkingHours::parse("09:00-17:00", "weekdays")
                .unwrap_err()
                .contains("mon-fri")
        );
    }

    proptest! {
        #[test]
        fn printed_hours_parse_back(h1 in 0i8..24, m1 in 0i8..60, h2 in 0i8..24, m2 in 0i8..60, bits in 1u8..128) {
            let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
            let days: Vec<&str> = (0..7).filter(|b| bits & (1 << b) != 0).map(|b| names[b]).collect();
            let h = WorkingHours::parse(&format!("{h1:02}:{m1:02}-{h2:02}:{m2:02}"), &days.join(",")).unwrap();
            prop_assert_eq!(h.start, Time::constant(h1, m1, 0, 0));
            prop_assert_eq!(h.end, Time::constant(h2, m2, 0, 0));
            prop_assert_eq!(h.days, Days(bits));
        }

        #[test]
        fn any_text_parses_or_errs_without_panicking(hours in "\\PC{0,16}", days in "\\PC{0,16}") {
            let _ = WorkingHours::parse(&hours, &days);
        }
    }
}
