//! Configuration: where the file is, what it says, and precise errors when it is wrong.
//!
//! Found at `--config FILE`, else `config.toml` in the platform config dir, else none (demo).
//! Every key is documented in `config.example.toml`.

use crate::backend::intercom::IntercomSettings;
use crate::domain::Priority;
use crate::domain::policy::{CapOverride, CapPolicy, Policy, RampStep, SlaTarget, SortKey};
use jiff::SignedDuration;
use secrecy::SecretString;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Which helpdesk to talk to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendKind {
    /// The embedded simulator.
    #[default]
    Demo,
    /// Intercom REST API 2.16.
    Intercom,
}

/// `[backend]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct BackendConfig {
    /// `demo` or `intercom`.
    pub kind: BackendKind,
    /// `us`, `eu` or `au`.
    pub region: String,
    /// Overrides the region's URL (plain http only to loopback).
    pub base_url: Option<String>,
    /// Environment variable holding the token.
    pub token_env: String,
    /// Shell command printing the token (used when the env var is unset).
    pub token_command: Option<String>,
    /// The token itself (discouraged; the file must then be private: mode 600).
    #[serde(deserialize_with = "secret")]
    pub token: Option<SecretString>,
    /// Demo only: injected faults, `none`, `flaky`, `chaos` or a fault-profile file.
    pub faults: String,
    /// Per-request timeout.
    #[serde(deserialize_with = "duration")]
    pub timeout: Duration,
    /// Demo simulator seed.
    pub seed: u64,
}

impl Default for BackendConfig {
    fn default() -> Self {
        Self {
            kind: BackendKind::Demo,
            region: "us".into(),
            base_url: None,
            token_env: "INTERCOM_TOKEN".into(),
            token_command: None,
            token: None,
            faults: "none".into(),
            timeout: Duration::from_secs(10),
            seed: 42,
        }
    }
}

/// `[caps]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct CapsConfig {
    /// Workspace default.
    pub default: u32,
    /// Per-teammate overrides keyed by email or id: a number, or a ramp-up.
    pub teammates: BTreeMap<String, CapValue>,
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

impl Default for CapsConfig {
    fn default() -> Self {
        Self {
            default: 8,
            teammates: BTreeMap::new(),
        }
    }
}

/// One `[[sla]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaConfig {
    /// SLA policy name as the backend reports it.
    pub name: Option<String>,
    /// Priority the targets apply to when no name matches.
    pub priority: Option<Priority>,
    /// First-response target.
    #[serde(deserialize_with = "duration")]
    pub first_response: Duration,
    /// Next-response target.
    #[serde(deserialize_with = "duration")]
    pub next_response: Duration,
}

/// `[ui]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct UiConfig {
    /// Poll interval.
    #[serde(deserialize_with = "duration")]
    pub refresh: Duration,
    /// SLA deadlines closer than this are "breaching soon" (red).
    #[serde(deserialize_with = "duration")]
    pub breaching_soon: Duration,
    /// SLA deadlines closer than this are highlighted (yellow).
    #[serde(deserialize_with = "duration")]
    pub warn_under: Duration,
    /// Conversation priority rule, most significant first.
    pub order: Vec<SortKey>,
    /// No colours (NO_COLOR also turns them off).
    pub monochrome: bool,
    /// A teammate (not away) whose customer has waited this long is flagged idle.
    #[serde(deserialize_with = "duration")]
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
    pub time_zone: Option<String>,
    /// Working hours in their time zone, `"09:00-17:00"` (else `[coverage] hours`).
    pub hours: Option<String>,
    /// Working days, `"mon-fri"` (else `[coverage] days`).
    pub days: Option<String>,
}

/// `[coverage]`: working hours for the coverage strip.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct CoverageSection {
    /// Hours of teammates without their own, `"09:00-17:00"`; empty: unknown.
    pub hours: String,
    /// Their days.
    pub days: String,
    /// Fewer members working than this is a thin hour (zero is always a gap).
    pub min_cover: u32,
}

impl Default for CoverageSection {
    fn default() -> Self {
        Self {
            hours: "09:00-17:00".into(),
            days: "mon-fri".into(),
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

/// `[theme]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThemeConfig {
    /// `default`, `high-contrast` or `monochrome`.
    pub name: String,
    /// Colour overrides by role.
    pub colors: BTreeMap<String, String>,
}

impl Default for ThemeConfig {
    fn default() -> Self {
        Self {
            name: "default".into(),
            colors: BTreeMap::new(),
        }
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Config {
    /// `[backend]`.
    pub backend: BackendConfig,
    /// `[caps]`.
    pub caps: CapsConfig,
    /// `[[sla]]`.
    pub sla: Vec<SlaConfig>,
    /// `[ui]`.
    pub ui: UiConfig,
    /// `[teammates.*]`.
    pub teammates: BTreeMap<String, TeammateConfig>,
    /// `[keys]`: action → key(s).
    pub keys: BTreeMap<String, Keys>,
    /// `[theme]`.
    pub theme: ThemeConfig,
    /// `[forecast]`.
    pub forecast: ForecastConfig,
    /// `[coverage]`.
    pub coverage: CoverageSection,
    /// `[alerts]`.
    pub alerts: AlertsConfig,
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
    #[serde(deserialize_with = "duration")]
    pub breach_within: Duration,
    /// At most one alert this often.
    #[serde(deserialize_with = "duration")]
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
        let signed = |d: Duration| SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX);
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
    #[serde(deserialize_with = "duration")]
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

/// Where the configuration came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file.
    File(PathBuf),
    /// No file: built-in defaults (demo).
    Defaults,
}

/// A loaded configuration and what was noticed while loading it.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The configuration.
    pub config: Config,
    /// Where it came from.
    pub source: Source,
    /// Unknown keys and similar, each naming file and key.
    pub warnings: Vec<String>,
}

/// A configuration error naming the file, the line and column, and the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// Dotted key path, when known.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "config error in {}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
            if let Some(col) = self.column {
                write!(f, ", column {col}")?;
            }
        }
        if let Some(key) = &self.key {
            write!(f, ", key {key}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// A secret string, wrapped at once so it never reaches a `Debug` or log.
fn secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
    let s = String::deserialize(d)?;
    let s = s.trim();
    Ok((!s.is_empty()).then(|| SecretString::from(s.to_owned())))
}

/// A humantime duration ("5s", "15m") from a string.
pub(crate) fn duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    humantime::parse_duration(s.trim()).map_err(|e| {
        serde::de::Error::custom(format!(
            "invalid duration {s:?}: {e} (e.g. \"5s\", \"15m\", \"1h 30m\")"
        ))
    })
}

/// The platform config file path (`~/.config/shiftlead/config.toml` on Linux).
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("dev", "shiftlead", "shiftlead")
        .map(|d| d.config_dir().join("config.toml"))
}

/// Finds and loads the configuration: `explicit`, else the platform file if present, else
/// defaults.
pub fn load(explicit: Option<&Path>) -> Result<Loaded, ConfigError> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => match default_path().filter(|p| p.exists()) {
            Some(p) => p,
            None => {
                return Ok(Loaded {
                    config: Config::default(),
                    source: Source::Defaults,
                    warnings: Vec::new(),
                });
            }
        },
    };
    let text = std::fs::read_to_string(&path).map_err(|e| ConfigError {
        file: path.clone(),
        line: None,
        column: None,
        key: None,
        message: format!("cannot read: {e}"),
    })?;
    let (config, warnings) = parse(&text, &path)?;
    if config.backend.token.is_some() {
        refuse_if_shared(&path, &text)?;
    }
    Ok(Loaded {
        config,
        source: Source::File(path),
        warnings,
    })
}

/// A file holding a token inline must be readable by its owner only.
fn refuse_if_shared(path: &Path, text: &str) -> Result<(), ConfigError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0);
        if mode & 0o077 != 0 {
            let line = text
                .lines()
                .position(|l| {
                    l.trim_start()
                        .strip_prefix("token")
                        .is_some_and(|rest| rest.trim_start().starts_with('='))
                })
                .map(|n| n + 1);
            return Err(ConfigError {
                file: path.to_path_buf(),
                line,
                column: None,
                key: Some("backend.token".into()),
                message: format!(
                    "the file holds an API token but other users can read it (mode {mode:o}); \
                     run `chmod 600 {}`, or move the token to ${{INTERCOM_TOKEN}} or \
                     backend.token_command",
                    path.display()
                ),
            });
        }
    }
    #[cfg(not(unix))]
    let _ = (path, text);
    Ok(())
}

/// Parses configuration text; `path` is used in messages only.
pub fn parse(text: &str, path: &Path) -> Result<(Config, Vec<String>), ConfigError> {
    let located = |e: toml::de::Error| {
        let (line, column, key) = match e.span() {
            Some(span) => {
                let (l, c) = line_col(text, span.start);
                (Some(l), Some(c), key_at(text, span.start))
            }
            None => (None, None, None),
        };
        ConfigError {
            file: path.to_path_buf(),
            line,
            column,
            key,
            message: e.message().trim().to_owned(),
        }
    };
    let de = toml::Deserializer::parse(text).map_err(located)?;
    let mut unknown = Vec::new();
    let config: Config =
        serde_ignored::deserialize(de, |p| unknown.push(p.to_string())).map_err(located)?;
    let warnings = unknown
        .into_iter()
        .map(|key| format!("{}: unknown key {key} (ignored)", path.display()))
        .collect();
    config.check(text, path)?;
    Ok((config, warnings))
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// The dotted key whose value sits at `offset`: the nearest table header above, plus the key
/// on that line.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = text[line_start..line_end].trim();
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_owned())
        .filter(|k| !k.is_empty() && !k.starts_with('['));
    let header = text[..line_start].lines().rev().find_map(|l| {
        let l = l.trim();
        l.starts_with('[')
            .then(|| l.trim_matches(|c| c == '[' || c == ']').trim().to_owned())
    });
    match (header, key) {
        (Some(h), Some(k)) => Some(format!("{h}.{k}")),
        (None, Some(k)) => Some(k),
        (Some(h), None) if line.starts_with('[') => Some(h),
        _ => None,
    }
}

impl Config {
    /// Checks that need more than types: region, base URL, durations.
    fn check(&self, text: &str, path: &Path) -> Result<(), ConfigError> {
        let fail = |key: &str, message: String| {
            let needle = key.rsplit('.').next().unwrap_or(key);
            let offset = text
                .lines()
                .scan(0usize, |pos, l| {
                    let start = *pos;
                    *pos += l.len() + 1;
                    Some((start, l))
                })
                .find(|(_, l)| l.trim_start().starts_with(needle))
                .map(|(s, _)| s);
            let (line, column) = offset.map_or((None, None), |o| {
                let (l, c) = line_col(text, o);
                (Some(l), Some(c))
            });
            ConfigError {
                file: path.to_path_buf(),
                line,
                column,
                key: Some(key.to_owned()),
                message,
            }
        };
        if self.backend.kind == BackendKind::Intercom && self.backend.base_url.is_none() {
            IntercomSettings::region_url(&self.backend.region)
                .map_err(|e| fail("backend.region", e.to_string()))?;
        }
        if let Some(url) = &self.backend.base_url {
            crate::backend::intercom::client::validate_base_url(url)
                .map_err(|e| fail("backend.base_url", e.to_string()))?;
        }
        if self.ui.refresh < Duration::from_secs(1) {
            return Err(fail("ui.refresh", "must be at least 1s".into()));
        }
        if self.backend.timeout.is_zero() {
            return Err(fail("backend.timeout", "must be more than 0s".into()));
        }
        for (n, s) in self.sla.iter().enumerate() {
            if s.name.is_none() && s.priority.is_none() {
                return Err(fail(
                    "sla",
                    format!("entry {} needs a name or a priority", n + 1),
                ));
            }
        }
        self.keymap()
            .map_err(|(action, e)| fail(&format!("keys.{action}"), e))?;
        self.theme(false).map_err(|(key, e)| fail(&key, e))?;
        self.coverage().map_err(|(key, e)| fail(&key, e))?;
        for (who, t) in &self.teammates {
            if let Some(tz) = &t.time_zone
                && jiff::tz::TimeZone::get(tz).is_err()
            {
                return Err(fail(
                    &format!("teammates.\"{who}\".time_zone"),
                    format!("unknown time zone {tz:?}"),
                ));
            }
        }
        Ok(())
    }

    /// Working hours for the coverage strip: per teammate, else `[coverage]`.
    pub fn coverage(&self) -> Result<crate::domain::coverage::CoverageConfig, (String, String)> {
        use crate::domain::coverage::{CoverageConfig, WorkingHours};
        let c = &self.coverage;
        let default_hours = if c.hours.trim().is_empty() {
            None
        } else {
            Some(
                WorkingHours::parse(&c.hours, &c.days)
                    .map_err(|e| ("coverage.hours".to_owned(), e))?,
            )
        };
        let mut hours = Vec::new();
        for (who, t) in &self.teammates {
            if t.hours.is_none() && t.days.is_none() {
                continue;
            }
            let h = t.hours.as_deref().unwrap_or(&c.hours);
            let d = t.days.as_deref().unwrap_or(&c.days);
            let wh =
                WorkingHours::parse(h, d).map_err(|e| (format!("teammates.\"{who}\".hours"), e))?;
            hours.push((who.clone(), wh));
        }
        Ok(CoverageConfig {
            hours,
            default_hours,
            min_cover: c.min_cover,
        })
    }

    /// The key bindings: defaults with `[keys]` applied.
    pub fn keymap(&self) -> Result<crate::app::keymap::Keymap, (String, String)> {
        let overrides = self
            .keys
            .iter()
            .map(|(k, v)| {
                let keys = match v {
                    Keys::One(k) => vec![k.clone()],
                    Keys::Many(ks) => ks.clone(),
                };
                (k.clone(), keys)
            })
            .collect();
        crate::app::keymap::Keymap::with_overrides(&overrides)
    }

    /// The colours: `[theme]`, or monochrome when `no_color` (NO_COLOR) or `ui.monochrome`.
    pub fn theme(&self, no_color: bool) -> Result<crate::ui::theme::Theme, (String, String)> {
        let mut t =
            crate::ui::theme::Theme::from_config(&self.theme.name, self.theme.colors.iter())?;
        t.monochrome |= no_color || self.ui.monochrome;
        Ok(t)
    }

    /// The local rules for metrics: caps, SLA targets, ordering, "soon".
    pub fn policy(&self) -> Policy {
        let signed = |d: Duration| SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX);
        Policy {
            caps: CapPolicy {
                default: self.caps.default,
                overrides: self
                    .caps
                    .teammates
                    .iter()
                    .map(|(k, v)| {
                        let o = match v {
                            CapValue::Fixed(n) => CapOverride::fixed(*n),
                            CapValue::Ramp { ramp, then } => CapOverride {
                                steps: ramp
                                    .iter()
                                    .map(|s| RampStep {
                                        until: s.until,
                                        cap: s.cap,
                                    })
                                    .collect(),
                                then: *then,
                            },
                        };
                        (k.clone(), o)
                    })
                    .collect(),
            },
            sla_targets: self
                .sla
                .iter()
                .map(|s| SlaTarget {
                    name: s.name.clone(),
                    priority: s.priority,
                    first_response: signed(s.first_response),
                    next_response: signed(s.next_response),
                })
                .collect(),
            order: self.ui.order.clone(),
            breaching_soon: signed(self.ui.breaching_soon),
            idle_after: signed(self.ui.idle_after),
            replies_per_hour: self.forecast.replies_per_hour,
            forecast_target: signed(self.forecast.target),
            time_zones: self
                .teammates
                .iter()
                .filter_map(|(k, t)| t.time_zone.clone().map(|tz| (k.clone(), tz)))
                .collect(),
        }
    }

    /// The time zone configured for a teammate (by id or email).
    pub fn time_zone(&self, id: &str, email: &str) -> Option<&str> {
        self.teammates
            .iter()
            .find(|(k, _)| k.as_str() == id || k.eq_ignore_ascii_case(email))
            .and_then(|(_, t)| t.time_zone.as_deref())
    }

    /// The API token: from the env var named by `token_env`, else `token_command`'s output.
    /// Errors never include the token or the command's output.
    pub fn token(&self) -> Result<SecretString, String> {
        if let Ok(v) = std::env::var(&self.backend.token_env)
            && !v.trim().is_empty()
        {
            return Ok(SecretString::from(v.trim().to_owned()));
        }
        if let Some(token) = &self.backend.token {
            return Ok(token.clone());
        }
        let Some(cmd) = &self.backend.token_command else {
            return Err(format!(
                "no API token: set {} or backend.token_command in the config",
                self.backend.token_env
            ));
        };
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output()
            .map_err(|e| format!("token_command could not run: {e}"))?;
        if !out.status.success() {
            return Err(format!("token_command failed ({})", out.status));
        }
        let token = String::from_utf8(out.stdout)
            .map_err(|_| "token_command printed something that is not UTF-8".to_owned())?;
        let token = token.trim();
        if token.is_empty() {
            return Err("token_command printed nothing".into());
        }
        Ok(SecretString::from(token.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_may_be_fixed_or_a_ramp_up() {
        let (c, w) = p(r#"
[caps.teammates]
"ana@x.io" = 5
"new@x.io" = { ramp = [{ until = "2026-12-07", cap = 2 }], then = 6 }
"#)
        .unwrap();
        assert!(w.is_empty(), "{w:?}");
        let policy = c.policy();
        let new = &policy
            .caps
            .overrides
            .iter()
            .find(|(k, _)| k == "new@x.io")
            .unwrap()
            .1;
        let cap = new.in_force(jiff::civil::date(2026, 12, 1)).unwrap();
        assert_eq!(cap.value, 2);
        assert_eq!(cap.source.to_string(), "ramp-up until 2026-12-07");
        assert_eq!(
            new.in_force(jiff::civil::date(2026, 12, 8)).unwrap().value,
            6
        );
        let e = p("[caps.teammates]\n\"x\" = { ramp = [{ until = \"soon\", cap = 2 }] }\n")
            .unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn an_inline_token_in_a_file_others_can_read_is_refused_with_the_fix() {
        use secrecy::ExposeSecret;
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "[backend]\nkind = \"intercom\"\ntoken = \"canary-inline-7f3\"\n",
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = load(Some(&path)).unwrap_err();
        assert_eq!(e.line, Some(3));
        assert_eq!(e.key.as_deref(), Some("backend.token"));
        let msg = e.to_string();
        assert!(msg.contains("chmod 600") && msg.contains("644"), "{msg}");
        assert!(!msg.contains("canary-inline-7f3"), "{msg}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let loaded = load(Some(&path)).unwrap();
        let mut c = loaded.config;
        c.backend.token_env = "SHIFTLEAD_TEST_UNSET_VAR_inline".into();
        assert_eq!(c.token().unwrap().expose_secret(), "canary-inline-7f3");
        assert!(!format!("{c:?}").contains("canary-inline-7f3"));
    }

    fn p(text: &str) -> Result<(Config, Vec<String>), ConfigError> {
        parse(text, Path::new("/etc/x/config.toml"))
    }

    #[test]
    fn empty_file_is_the_demo_with_defaults() {
        let (c, w) = p("").unwrap();
        assert_eq!(c.backend.kind, BackendKind::Demo);
        assert_eq!(c.ui.refresh, Duration::from_secs(5));
        assert_eq!(c.caps.default, 8);
        assert!(w.is_empty());
    }

    #[test]
    fn bad_duration_names_file_line_and_key() {
        let e = p("[backend]\nkind = \"demo\"\n\n[ui]\nrefresh = \"5 parsecs\"\n").unwrap_err();
        assert_eq!(e.line, Some(5));
        assert_eq!(e.key.as_deref(), Some("ui.refresh"));
        let text = e.to_string();
        assert!(text.contains("/etc/x/config.toml line 5"), "{text}");
        assert!(text.contains("key ui.refresh"), "{text}");
        assert!(text.contains("5 parsecs"), "{text}");
    }

    #[test]
    fn wrong_type_and_bad_enum_are_located() {
        let e = p("[caps]\ndefault = \"eight\"\n").unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("caps.default")));
        let e = p("[backend]\nkind = \"zendesk2\"\n").unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("backend.kind")));
        let e = p("[ui]\norder = [\"priority\", \"shoe_size\"]\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("ui.order"));
    }

    #[test]
    fn syntax_errors_have_a_line() {
        let e = p("[ui\nrefresh = 1\n").unwrap_err();
        assert_eq!(e.line, Some(1));
    }

    #[test]
    fn unknown_keys_are_warned_with_their_path() {
        let (_, w) = p("colour = 1\n[ui]\nrefreshh = \"5s\"\n").unwrap();
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w.iter()
                .any(|x| x.contains("ui.refreshh") && x.contains("/etc/x/config.toml"))
        );
    }

    #[test]
    fn semantic_errors_name_the_key() {
        let e = p("[backend]\nkind = \"intercom\"\nbase_url = \"http://api.intercom.io\"\n")
            .unwrap_err();
        assert_eq!(
            (e.line, e.key.as_deref()),
            (Some(3), Some("backend.base_url"))
        );
        let e = p("[backend]\nkind = \"intercom\"\nregion = \"mars\"\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("backend.region"));
        let e = p("[teammates.\"ana@x.io\"]\ntime_zone = \"Mars/Olympus\"\n").unwrap_err();
        assert!(e.to_string().contains("Mars/Olympus"));
        let e = p("[[sla]]\nfirst_response = \"1h\"\nnext_response = \"2h\"\n").unwrap_err();
        assert!(e.to_string().contains("name or a priority"));
    }

    #[test]
    fn keys_and_theme_errors_name_the_key() {
        let e = p("[keys]\nassign = \"hyper-a\"\n").unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("keys.assign")));
        assert!(e.message.contains("unknown key"), "{e}");
        let e = p("[keys]\nassign = \"q\"\n").unwrap_err();
        assert!(e.message.contains("bound to both"), "{e}");
        let e = p("[theme]\nname = \"neon\"\n").unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("theme.name")));
        let e = p("[theme.colors]\nbad = \"reddish\"\n").unwrap_err();
        assert_eq!(
            (e.line, e.key.as_deref()),
            (Some(2), Some("theme.colors.bad"))
        );
        let (c, _) =
            p("[keys]\nassign = [\"A\", \"ctrl-a\"]\n[theme]\nname = \"high-contrast\"\n").unwrap();
        assert!(c.theme(false).unwrap().high_contrast);
        assert!(c.theme(true).unwrap().monochrome);
        assert!(c.keymap().is_ok());
    }

    #[test]
    fn policy_maps_caps_targets_and_order() {
        let (c, _) = p(r#"
[caps]
default = 5
[caps.teammates]
"ana@x.io" = 3
[[sla]]
name = "VIP"
first_response = "15m"
next_response = "1h"
[[sla]]
priority = "urgent"
first_response = "5m"
next_response = "30m"
[ui]
order = ["priority", "created_at"]
breaching_soon = "10m"
"#)
        .unwrap();
        let policy = c.policy();
        assert_eq!(policy.caps.default, 5);
        assert_eq!(
            policy.caps.overrides,
            vec![("ana@x.io".to_owned(), CapOverride::fixed(3))]
        );
        assert_eq!(policy.sla_targets.len(), 2);
        assert_eq!(policy.sla_targets[1].priority, Some(Priority::Urgent));
        assert_eq!(policy.order, vec![SortKey::Priority, SortKey::CreatedAt]);
        assert_eq!(policy.breaching_soon, SignedDuration::from_mins(10));
    }

    #[test]
    fn token_from_command_and_errors_never_show_output() {
        let (mut c, _) = p("").unwrap();
        c.backend.token_env = "SHIFTLEAD_TEST_UNSET_VAR_9f2".into();
        c.backend.token_command = Some("echo '  s3cret-token  '".into());
        use secrecy::ExposeSecret;
        assert_eq!(c.token().unwrap().expose_secret(), "s3cret-token");
        c.backend.token_command = Some("echo leaked-output; exit 3".into());
        let e = c.token().unwrap_err();
        assert!(!e.contains("leaked-output"), "{e}");
        c.backend.token_command = None;
        assert!(
            c.token()
                .unwrap_err()
                .contains("SHIFTLEAD_TEST_UNSET_VAR_9f2")
        );
    }
}
