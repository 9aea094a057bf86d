//! Scenario files: the workspace a simulator starts from and the rates that drive it.

use jiff::SignedDuration;
use serde::Deserialize;
use std::time::Duration;

/// The default demo scenario, shipped in `assets/scenario.toml`.
pub const DEFAULT_SCENARIO: &str = include_str!("../../assets/scenario.toml");

/// A simulated workspace: teams, teammates, SLA policies, away reasons and rates.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Workspace name.
    pub workspace: String,
    /// Region the workspace reports.
    #[serde(default = "default_region")]
    pub region: String,
    /// Workspace time zone.
    #[serde(default = "default_tz")]
    pub timezone: String,
    /// Sim time simulated before serving.
    #[serde(
        default = "default_warm_up",
        deserialize_with = "crate::duration::deserialize"
    )]
    pub warm_up: Duration,
    /// Sim time per step.
    #[serde(
        default = "default_step",
        deserialize_with = "crate::duration::deserialize"
    )]
    pub step: Duration,
    /// Email of the teammate the token acts for.
    pub me: String,
    /// Away reasons.
    #[serde(default, rename = "away_reason")]
    pub away_reasons: Vec<AwayReasonSpec>,
    /// SLA policies.
    #[serde(default)]
    pub sla: Vec<SlaSpec>,
    /// Team inboxes.
    #[serde(default, rename = "inbox")]
    pub inboxes: Vec<InboxSpec>,
    /// Teammates.
    #[serde(default, rename = "teammate")]
    pub teammates: Vec<TeammateSpec>,
    /// Open conversations created at the start (spread over the previous hours, assigned up
    /// to caps), so large workspaces need no long warm-up.
    #[serde(default)]
    pub initial_open: usize,
}

/// Sizes of the scale presets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    /// Teammates.
    pub teammates: usize,
    /// Team inboxes.
    pub inboxes: usize,
    /// Open conversations at the start.
    pub open: usize,
}

impl Scale {
    /// A preset by name: `demo` (the shipped file), `large` (2,000 / 300 / 100,000) or `xl`
    /// (10,000 / 1,000 / 500,000).
    pub fn preset(name: &str) -> Option<Option<Scale>> {
        match name {
            "demo" => Some(None),
            "large" => Some(Some(Scale {
                teammates: 2_000,
                inboxes: 300,
                open: 100_000,
            })),
            "xl" => Some(Some(Scale {
                teammates: 10_000,
                inboxes: 1_000,
                open: 500_000,
            })),
            _ => None,
        }
    }
}

/// An away reason.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwayReasonSpec {
    /// Display text.
    pub label: String,
    /// Emoji.
    #[serde(default)]
    pub emoji: String,
    /// Soft-deleted.
    #[serde(default)]
    pub deleted: bool,
}

/// An SLA policy with its true targets.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaSpec {
    /// Policy name.
    pub name: String,
    /// First-response target.
    #[serde(deserialize_with = "crate::duration::deserialize")]
    pub first_response: Duration,
    /// Next-response target.
    #[serde(deserialize_with = "crate::duration::deserialize")]
    pub next_response: Duration,
}

/// A team inbox.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboxSpec {
    /// Name.
    pub name: String,
    /// `round_robin`, `load_balanced` or `manual`.
    pub distribution: String,
    /// Per-teammate limit (reported on load-balanced teams).
    pub assignment_limit: Option<u32>,
    /// New conversations per hour at the daily peak.
    pub arrivals: f64,
    /// SLA policy name applied to new conversations.
    pub sla: Option<String>,
    /// Weights of none/low/medium/high/urgent.
    #[serde(default = "default_priorities")]
    pub priorities: [f64; 5],
}

/// A teammate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeammateSpec {
    /// Name.
    pub name: String,
    /// Email (unique).
    pub email: String,
    /// IANA time zone.
    pub time_zone: Option<String>,
    /// Primary inbox names.
    #[serde(default)]
    pub primary: Vec<String>,
    /// Secondary inbox names.
    #[serde(default)]
    pub secondary: Vec<String>,
    /// The teammate's own cap.
    pub cap: u32,
    /// Replies per hour when working.
    pub replies: f64,
    /// Away reason label at start.
    pub away: Option<String>,
    /// Away-and-reassign at start.
    #[serde(default)]
    pub reassign: bool,
    /// On duty but not replying.
    #[serde(default)]
    pub idle: bool,
    /// Holds an inbox seat.
    #[serde(default = "yes")]
    pub seat: bool,
}

fn default_region() -> String {
    "US".into()
}
fn default_tz() -> String {
    "UTC".into()
}
fn default_warm_up() -> Duration {
    Duration::from_secs(2 * 3600)
}
fn default_step() -> Duration {
    Duration::from_secs(10)
}
fn default_priorities() -> [f64; 5] {
    [1.0, 1.0, 1.0, 0.5, 0.2]
}
fn yes() -> bool {
    true
}

impl Scenario {
    /// Parses and checks a scenario; errors name the problem (and, for syntax, the line).
    pub fn from_toml(text: &str) -> Result<Scenario, String> {
        let s: Scenario = toml::from_str(text).map_err(|e| e.to_string())?;
        s.check()?;
        Ok(s)
    }

    /// The scenario in `assets/scenario.toml`.
    pub fn default_demo() -> Scenario {
        match Scenario::from_toml(DEFAULT_SCENARIO) {
            Ok(s) => s,
            // The shipped file is checked by a unit test; reaching this is a build defect.
            Err(e) => panic!("assets/scenario.toml is invalid: {e}"),
        }
    }

    fn check(&self) -> Result<(), String> {
        let inbox = |name: &str| self.inboxes.iter().any(|i| i.name == name);
        for i in &self.inboxes {
            if !["round_robin", "load_balanced", "manual"].contains(&i.distribution.as_str()) {
                return Err(format!(
                    "inbox {:?}: distribution must be round_robin, load_balanced or manual",
                    i.name
                ));
            }
            if let Some(sla) = &i.sla
                && !self.sla.iter().any(|s| &s.name == sla)
            {
                return Err(format!("inbox {:?}: unknown SLA {sla:?}", i.name));
            }
            if !(i.arrivals.is_finite() && i.arrivals >= 0.0)
                || i.priorities.iter().any(|w| !(w.is_finite() && *w >= 0.0))
            {
                return Err(format!("inbox {:?}: rates must be >= 0", i.name));
            }
        }
        for t in &self.teammates {
            for name in t.primary.iter().chain(&t.secondary) {
                if !inbox(name) {
                    return Err(format!("teammate {:?}: unknown inbox {name:?}", t.email));
                }
            }
            for name in &t.secondary {
                if t.primary.contains(name) {
                    return Err(format!(
                        "teammate {:?}: {name:?} is both primary and secondary",
                        t.email
                    ));
                }
                let balanced = self
                    .inboxes
                    .iter()
                    .any(|i| &i.name == name && i.distribution == "load_balanced");
                if !balanced {
                    return Err(format!(
                        "teammate {:?}: secondary membership of {name:?} needs a load_balanced inbox",
                        t.email
                    ));
                }
            }
            if let Some(reason) = &t.away
                && !self.away_reasons.iter().any(|r| &r.label == reason)
            {
                return Err(format!(
                    "teammate {:?}: unknown away reason {reason:?}",
                    t.email
                ));
            }
            if !(t.replies.is_finite() && t.replies >= 0.0) {
                return Err(format!("teammate {:?}: replies must be >= 0", t.email));
            }
        }
        if !self.teammates.iter().any(|t| t.email == self.me) {
            return Err(format!("me = {:?} is not a teammate", self.me));
        }
        if self.step.is_zero() {
            return Err("step must be > 0".into());
        }
        Ok(())
    }

    /// A generated workspace of `scale`'s size: the demo's reasons and SLA policies, inboxes
    /// mostly load-balanced (some round-robin and manual), each teammate primary in one inbox
    /// and secondary in another, time zones around the world, and `scale.open` open
    /// conversations at the start. Deterministic: the same scale gives the same scenario.
    pub fn scaled(scale: Scale) -> Scenario {
        let demo = Scenario::default_demo();
        const ZONES: [&str; 6] = [
            "Europe/Dublin",
            "America/New_York",
            "Asia/Manila",
            "Europe/Berlin",
            "America/Los_Angeles",
            "Australia/Sydney",
        ];
        let inboxes: Vec<InboxSpec> = (0..scale.inboxes)
            .map(|n| {
                let distribution = match n % 10 {
                    0 => "round_robin",
                    1 => "manual",
                    _ => "load_balanced",
                };
                InboxSpec {
                    name: format!("Queue {n:04}"),
                    distribution: distribution.into(),
                    assignment_limit: (distribution == "load_balanced").then_some(30),
                    // Enough to keep the backlog busy without growing it much.
                    arrivals: 12.0 + (n % 7) as f64 * 3.0,
                    sla: demo
                        .sla
                        .get(n % demo.sla.len().max(1))
                        .map(|s| s.name.clone()),
                    priorities: default_priorities(),
                }
            })
            .collect();
        let balanced: Vec<usize> = (0..scale.inboxes).filter(|n| n % 10 >= 2).collect();
        let teammates: Vec<TeammateSpec> = (0..scale.teammates)
            .map(|n| {
                let primary = n % scale.inboxes.max(1);
                let secondary = balanced
                    .get((n * 7 + 3) % balanced.len().max(1))
                    .copied()
                    .filter(|s| *s != primary);
                TeammateSpec {
                    name: format!("Teammate {n:05}"),
                    email: format!("t{n:05}@scale.example"),
                    time_zone: Some(ZONES[n % ZONES.len()].into()),
                    primary: vec![inboxes[primary].name.clone()],
                    secondary: secondary
                        .map(|s| inboxes[s].name.clone())
                        .into_iter()
                        .collect(),
                    cap: 30,
                    replies: 4.0 + (n % 5) as f64,
                    away: (n % 17 == 0).then(|| demo.away_reasons[0].label.clone()),
                    reassign: n % 34 == 0,
                    idle: false,
                    seat: true,
                }
            })
            .collect();
        Scenario {
            workspace: format!(
                "Scale test ({} teammates, {} inboxes)",
                scale.teammates, scale.inboxes
            ),
            region: "US".into(),
            timezone: "UTC".into(),
            warm_up: Duration::from_secs(60),
            step: demo.step,
            me: teammates
                .first()
                .map(|t| t.email.clone())
                .unwrap_or_default(),
            away_reasons: demo.away_reasons.clone(),
            sla: demo.sla.clone(),
            inboxes,
            teammates,
            initial_open: scale.open,
        }
    }

    /// The step as a signed duration.
    pub fn step(&self) -> SignedDuration {
        SignedDuration::try_from(self.step).unwrap_or(SignedDuration::from_secs(10))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_scenario_is_valid_and_sizeable() {
        let s = Scenario::from_toml(DEFAULT_SCENARIO).unwrap();
        assert!(s.inboxes.len() >= 5);
        assert!((20..=30).contains(&s.teammates.len()));
        assert!(s.teammates.iter().filter(|t| t.away.is_some()).count() >= 3);
        assert!(s.away_reasons.iter().any(|r| r.deleted));
        for d in ["round_robin", "load_balanced", "manual"] {
            assert!(s.inboxes.iter().any(|i| i.distribution == d), "{d}");
        }
    }

    #[test]
    fn scale_presets_are_valid_sized_and_deterministic() {
        assert_eq!(Scale::preset("demo"), Some(None));
        assert_eq!(Scale::preset("huge"), None);
        let size = Scale::preset("large").unwrap().unwrap();
        let s = Scenario::scaled(size);
        assert!(s.check().is_ok(), "{:?}", s.check());
        assert_eq!(
            (s.teammates.len(), s.inboxes.len(), s.initial_open),
            (2_000, 300, 100_000)
        );
        let again = Scenario::scaled(size);
        assert_eq!(format!("{s:?}"), format!("{again:?}"));
        let xl = Scenario::scaled(Scale::preset("xl").unwrap().unwrap());
        assert_eq!((xl.teammates.len(), xl.inboxes.len()), (10_000, 1_000));
        assert!(xl.check().is_ok());
    }

    #[test]
    fn bad_scenarios_are_refused_with_a_reason() {
        let base = DEFAULT_SCENARIO;
        let e = Scenario::from_toml(&base.replace(
            "primary = [\"Billing\"]\ncap = 5",
            "primary = [\"Nowhere\"]\ncap = 5",
        ))
        .unwrap_err();
        assert!(e.contains("unknown inbox"), "{e}");
        let e = Scenario::from_toml(
            &base.replace("distribution = \"manual\"", "distribution = \"random\""),
        )
        .unwrap_err();
        assert!(e.contains("distribution"), "{e}");
        let e = Scenario::from_toml("workspace = 3").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
    }
}
