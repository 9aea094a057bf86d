//! The plain-data sections besides `[backend]`: `[caps]`, `[[sla]]`, `[ui]`, `[teammates.*]`,
//! `[coverage]`, `[keys]`, `[theme]`, `[alerts]` and `[forecast]`, with their defaults.
//!
//! Values a later check must locate (keys, colours, working hours) are kept [`Spanned`].

use crate::domain::Priority;
use crate::domain::policy::{Policy, SortKey};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;
use toml::Spanned;

/// `[caps]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct CapsConfig {
    /// Workspace default.
    pub default: u32,
    /// Per-teammate overrides keyed by email or id: a number, or a ramp-up.
    pub teammates: BTreeMap<String, CapValue>,
}

impl Default for CapsConfig {
    fn default() -> Self {
        Self {
            default: 8,
            teammates: BTreeMap::new(),
        }
    }
}

/// A per-teammate cap in the config: `6`, or
/// `{ ramp = [{ until = "2026-12-07", cap = 2 }, …], then = 6 }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum CapValue {
    /// A fixed cap.
    Fixed(u32),
    /// A ramp-up for a new hire.
    Ramp {
        /// Steps: this cap up to and including this date.
        ramp: Vec<RampStepConfig>,
        /// The cap after the last step (else the team limit or default).
        #[serde(default)]
        then: Option<u32>,
    },
}

/// One `ramp` step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RampStepConfig {
    /// Last day of the step, `"2026-12-07"`.
    pub until: jiff::civil::Date,
    /// The cap meanwhile.
    pub cap: u32,
}

/// One `[[sla]]` entry (it needs a name or a priority).
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "SlaEntry")]
pub struct SlaConfig {
    /// SLA policy name as the backend reports it.
    pub name: Option<String>,
    /// Priority the targets apply to when no name matches.
    pub priority: Option<Priority>,
    /// First-response target.
    pub first_response: Duration,
    /// Next-response target.
    pub next_response: Duration,
}

/// `[[sla]]` as written, before the name-or-priority check.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SlaEntry {
    name: Option<String>,
    priority: Option<Priority>,
    #[serde(deserialize_with = "crate::duration::deserialize")]
    first_response: Duration,
    #[serde(deserialize_with = "crate::duration::deserialize")]
    next_response: Duration,
}

impl TryFrom<SlaEntry> for SlaConfig {
    type Error = String;
    fn try_from(e: SlaEntry) -> Result<Self, String> {
        if e.name.is_none() && e.priority.is_none() {
            return Err("an [[sla]] entry needs a name or a priority".into());
        }
        Ok(SlaConfig {
            name: e.name,
            priority: e.priority,
            first_response: e.first_response,
            next_response: e.next_response,
        })
    }
}

/// `[ui]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct UiConfig {
    /// Poll interval (at least 1s).
    #[serde(deserialize_with = "crate::duration::at_least_1s")]
    pub refresh: Duration,
    /// SLA deadlines closer than this are "breaching soon" (red).
    #[serde(deserialize_with = "crate::duration::deserialize")]
    pub breaching_soon: Duration,
    /// SLA deadlines closer than this are highlighted (yellow).
    #[serde(deserialize_with = "crate::duration::deserialize")]
    pub warn_under: Duration,
    /// Conversation priority rule, most significant first.
    pub order: Vec<SortKey>,
    /// No colours (NO_COLOR also turns them off).
    pub monochrome: bool,
    /// A teammate (not away) whose customer has waited this long is flagged idle.
    #[serde(deserialize_with = "crate::duration::deserialize")]
    pub idle_after: Duration,
    /// Hide conversation titles and customer details on screen (shared screens).
    pub privacy: bool,
}

impl Default for UiConfig {
    fn default() -> Self {
        Self {
            refresh: Duration::from_secs(5),
            breaching_soon: Duration::from_secs(15 * 60),
            warn_under: Duration::from_secs(3600),
            order: Policy::default().order,
            monochrome: false,
            idle_after: Duration::from_secs(30 * 60),
            privacy: false,
        }
    }
}

/// `[teammates."email-or-id"]`: facts the backend cannot tell.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeammateConfig {
    /// IANA time zone, e.g. `Europe/Dublin`.
    #[serde(default, deserialize_with = "time_zone")]
    pub time_zone: Option<String>,
    /// Working hours in their time zone, `"09:00-17:00"` (else `[coverage] hours`).
    pub hours: Option<Spanned<String>>,
    /// Working days, `"mon-fri"` (else `[coverage] days`).
    pub days: Option<Spanned<String>>,
}

fn time_zone<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let tz = String::deserialize(d)?;
    jiff::tz::TimeZone::get(&tz)
        .map_err(|_| serde::de::Error::custom(format!("unknown time zone {tz:?}")))?;
    Ok(Some(tz))
}

/// `[coverage]`: working hours for the coverage strip.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct CoverageSection {
    /// Hours of teammates without their own, `"09:00-17:00"`; empty: unknown.
    pub hours: Spanned<String>,
    /// Their days.
    pub days: Spanned<String>,
    /// Fewer members working than this is a thin hour (zero is always a gap).
    pub min_cover: u32,
}

impl Default for CoverageSection {
    fn default() -> Self {
        Self {
            hours: Spanned::new(0..0, "09:00-17:00".into()),
            days: Spanned::new(0..0, "mon-fri".into()),
            min_cover: 1,
        }
    }
}

/// One key or several.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Keys {
    /// One key, e.g. `"A"`.
    One(String),
    /// Several, e.g. `["A", "ctrl-a"]`.
    Many(Vec<String>),
}

impl Keys {
    /// The keys as a list.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            Keys::One(k) => vec![k.clone()],
            Keys::Many(ks) => ks.clone(),
        }
    }
}

/// `[keys]`: action name → key(s), each with where it was written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct KeysConfig(
    /// Action name → key(s).
    pub BTreeMap<String, Spanned<Keys>>,
);

/// `[theme]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThemeConfig {
    /// `default`, `high-contrast` or `monochrome`.
    pub name: Spanned<String>,
    /// Colour overrides by role.
    pub colors: BTreeMap<String, Spanned<String>>,
}

impl Default for ThemeConfig {
    fn default() -> Self {
        Self {
            name: Spanned::new(0..0, "default".into()),
            colors: BTreeMap::new(),
        }
    }
}

/// `[alerts]`: bell and desktop notifications, off by default.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct AlertsConfig {
    /// Ring the terminal bell.
    pub bell: bool,
    /// Desktop notification via the terminal (OSC 9 / OSC 777).
    pub desktop: bool,
    /// Alert when an inbox has more unassigned conversations than this (0: never).
    pub unassigned_over: u32,
    /// Alert when a conversation is this close to breaching ("0s": never).
    #[serde(deserialize_with = "crate::duration::deserialize")]
    pub breach_within: Duration,
    /// At most one alert this often.
    #[serde(deserialize_with = "crate::duration::deserialize")]
    pub min_interval: Duration,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        Self {
            bell: false,
            desktop: false,
            unassigned_over: 20,
            breach_within: Duration::from_secs(300),
            min_interval: Duration::from_secs(120),
        }
    }
}

impl AlertsConfig {
    /// As domain rules.
    pub fn rules(&self) -> crate::domain::alerts::AlertRules {
        crate::domain::alerts::AlertRules {
            bell: self.bell,
            desktop: self.desktop,
            unassigned_over: (self.unassigned_over > 0).then_some(self.unassigned_over),
            breach_within: (!self.breach_within.is_zero()).then(|| signed(self.breach_within)),
            min_interval: signed(self.min_interval),
        }
    }
}

/// `[forecast]`: what breach forecasts assume.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ForecastConfig {
    /// Replies one on-duty teammate gives per hour.
    pub replies_per_hour: u32,
    /// The reply-time target a newly arriving customer is held to.
    #[serde(deserialize_with = "crate::duration::deserialize")]
    pub target: Duration,
}

impl Default for ForecastConfig {
    fn default() -> Self {
        Self {
            replies_per_hour: 6,
            target: Duration::from_secs(3600),
        }
    }
}

/// A `std` duration as a jiff one, saturating.
pub(crate) fn signed(d: Duration) -> jiff::SignedDuration {
    jiff::SignedDuration::try_from(d).unwrap_or(jiff::SignedDuration::MAX)
}

/// `[history]`: the shift's figures recorded in SQLite in the data dir (`:trends`, the
/// handoff's peaks).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct HistoryConfig {
    /// Record at all.
    pub enabled: bool,
    /// Samples older than this are deleted.
    #[serde(deserialize_with = "crate::duration::deserialize")]
    pub retention: Duration,
    /// The database is kept under this many megabytes (oldest samples go first).
    pub max_size_mb: u32,
    /// At most one sample this often.
    #[serde(deserialize_with = "crate::duration::deserialize")]
    pub sample_every: Duration,
}

impl Default for HistoryConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            retention: Duration::from_secs(14 * 86_400),
            max_size_mb: 50,
            sample_every: Duration::from_secs(60),
        }
    }
}
