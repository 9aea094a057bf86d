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
    /// Region as `GET /me` reports it.
    #[serde(default = "default_region")]
    pub region: String,
    /// Workspace time zone.
    #[serde(default = "default_tz")]
    pub timezone: String,
    /// Sim time simulated before serving.
    #[serde(default = "default_warm_up", with = "humantime_serde_compat")]
    pub warm_up: Duration,
    /// Sim time per step.
    #[serde(default = "default_step", with = "humantime_serde_compat")]
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
    #[serde(with = "humantime_serde_compat")]
    pub first_response: Duration,
    /// Next-response target.
    #[serde(with = "humantime_serde_compat")]
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

/// `humantime` strings ("15m") for `std::time::Duration` fields.
mod humantime_serde_compat {
    use serde::{Deserialize, Deserializer};
    use std::time::Duration;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let s = String::deserialize(d)?;
        humantime::parse_duration(&s).map_err(serde::de::Error::custom)
    }
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
