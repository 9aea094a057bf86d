//! Configuration: where the file is, what it says, and precise errors when it is wrong.
//!
//! Found at `--config FILE`, else `config.toml` in the platform config dir, else none (the
//! demo). Every key is documented in `config.example.toml`. The result is plain data: the
//! keymap and theme are built from it by `app` and `ui`, the backend by the registry in
//! `backend`.

mod error;
mod sections;
pub mod token;

pub use error::{ConfigError, line_col};
pub use sections::{
    AlertsConfig, CapValue, CapsConfig, CoverageSection, ForecastConfig, HistoryConfig, Keys,
    KeysConfig, RampStepConfig, SlaConfig, TeammateConfig, ThemeConfig, UiConfig,
};

use crate::backend::BackendConfig;
use crate::domain::policy::{CapOverride, CapPolicy, Policy, RampStep, SlaTarget};
use sections::signed;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Config {
    /// `[backend]`, tagged on `kind` (read by the registry, see [`parse`]).
    #[serde(skip)]
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
    pub keys: KeysConfig,
    /// `[theme]`.
    pub theme: ThemeConfig,
    /// `[forecast]`.
    pub forecast: ForecastConfig,
    /// `[coverage]`.
    pub coverage: CoverageSection,
    /// `[alerts]`.
    pub alerts: AlertsConfig,
    /// `[relay]`: how `shiftlead relay` publishes the workspace (team mode).
    pub relay: crate::backend::team::RelayConfig,
    /// `[history]`: the shift's figures over time.
    pub history: HistoryConfig,
    /// `[fallback]`: in team mode, a vendor section (like `[backend]`) this lead may poll
    /// directly, with their own token, while the relay or the bus is quiet.
    #[serde(skip)]
    pub fallback: Option<BackendConfig>,
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
#[derive(Clone)]
pub struct Loaded {
    /// The configuration.
    pub config: Config,
    /// Where it came from.
    pub source: Source,
    /// Unknown keys and similar, each naming file and key.
    pub warnings: Vec<String>,
    /// The file's text, to locate later errors (may hold a token: never printed).
    text: String,
}

impl std::fmt::Debug for Loaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loaded")
            .field("config", &self.config)
            .field("source", &self.source)
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

impl Loaded {
    /// The defaults (no file): the demo.
    pub fn defaults() -> Loaded {
        Loaded {
            config: Config::default(),
            source: Source::Defaults,
            warnings: Vec::new(),
            text: String::new(),
        }
    }

    /// An error about `key` (e.g. `keys.assign` from building the keymap), located in the
    /// file when the key was written there.
    pub fn error_at(&self, key: &str, message: impl Into<String>) -> ConfigError {
        let file = match &self.source {
            Source::File(p) => p.clone(),
            Source::Defaults => PathBuf::from("(built-in defaults)"),
        };
        locate(&self.config, &self.text, &file, key, message)
    }
}

/// An error about `key` of `config` parsed from `text` at `path`, with its line and column
/// when the key carries a span.
pub fn locate(
    config: &Config,
    text: &str,
    path: &Path,
    key: &str,
    message: impl Into<String>,
) -> ConfigError {
    let span = config.span_of(key).filter(|s| !s.is_empty());
    ConfigError::at(path, text, span, Some(key.to_owned()), message)
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
            None => return Ok(Loaded::defaults()),
        },
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| ConfigError::file(&path, format!("cannot read: {e}")))?;
    let (config, warnings) = parse(&text, &path)?;
    for (name, section) in [
        ("backend", Some(&config.backend)),
        ("fallback", config.fallback.as_ref()),
    ] {
        if let Some(source) = section.and_then(BackendConfig::token_source)
            && source.inline.is_some()
        {
            let line = DeTable::parse(&text)
                .ok()
                .and_then(|root| key_span(root.get_ref(), &[name, "token"]))
                .map(|s| line_col(&text, s.start).0);
            token::refuse_if_shared(&path, &source, line)?;
        }
    }
    Ok(Loaded {
        config,
        source: Source::File(path),
        warnings,
        text,
    })
}

/// Parses configuration text; `path` is used in messages only.
pub fn parse(text: &str, path: &Path) -> Result<(Config, Vec<String>), ConfigError> {
    let root = DeTable::parse(text)
        .map_err(|e| ConfigError::at(path, text, e.span(), None, e.message().trim().to_owned()))?;
    let located = |e: toml::de::Error| {
        let key = e.span().and_then(|s| key_path_at(root.get_ref(), s.start));
        ConfigError::at(path, text, e.span(), key, e.message().trim().to_owned())
    };
    let mut unknown = Vec::new();
    let de = toml::de::Deserializer::from(root.clone());
    let mut config: Config =
        serde_ignored::deserialize(de, |p| unknown.push(p.to_string())).map_err(located)?;
    unknown.retain(|k| k != "backend" && k != "fallback");
    let section_of = |name: &str, unknown: &mut Vec<String>| {
        root.get_ref()
            .get(name)
            .map(|section| {
                backend_section(name, section, text, path, unknown).map_err(|e| match e {
                    SectionError::Toml(e) => located(e),
                    SectionError::Config(e) => e,
                })
            })
            .transpose()
    };
    if let Some(backend) = section_of("backend", &mut unknown)? {
        config.backend = backend;
    }
    if let Some(fallback) = section_of("fallback", &mut unknown)? {
        let span = root.get_ref().get("fallback").map(|s| s.span());
        if !fallback.is_vendor() {
            let kinds: Vec<String> = crate::backend::Vendor::names()
                .iter()
                .map(|v| format!("{v:?}"))
                .collect();
            return Err(ConfigError::at(
                path,
                text,
                span,
                Some("fallback.kind".into()),
                format!(
                    "a fallback is a vendor's section: kind = {}",
                    kinds.join(" or ")
                ),
            ));
        }
        if !matches!(config.backend, BackendConfig::Team(_)) {
            return Err(ConfigError::at(
                path,
                text,
                span,
                Some("fallback".into()),
                "[fallback] is for team mode only ([backend] kind = \"team\")",
            ));
        }
        config.fallback = Some(fallback);
    }
    let warnings = unknown
        .into_iter()
        .map(|key| {
            // `FILE:LINE: unknown key KEY`, the line where the key is written when it can be
            // found (a key inside an array of tables is `sla.0.key`).
            let parts: Vec<&str> = key.split('.').collect();
            match key_line(root.get_ref(), &parts, text) {
                Some(line) => format!("{}:{line}: unknown key {key} (ignored)", path.display()),
                None => format!("{}: unknown key {key} (ignored)", path.display()),
            }
        })
        .collect();
    config.check(text, path)?;
    Ok((config, warnings))
}

enum SectionError {
    Toml(toml::de::Error),
    Config(ConfigError),
}

/// `[backend]` (or `[fallback]`, named `name`): its `kind` (default `demo`) picks the
/// registry's section type; a key of another kind is an error saying which kind it belongs to.
fn backend_section(
    name: &str,
    section: &Spanned<DeValue<'_>>,
    text: &str,
    path: &Path,
    unknown: &mut Vec<String>,
) -> Result<BackendConfig, SectionError> {
    let fail = |span: Range<usize>, key: String, message: String| {
        SectionError::Config(ConfigError::at(path, text, Some(span), Some(key), message))
    };
    let mut kind = BackendConfig::DEMO.to_owned();
    let mut explicit = false;
    if let DeValue::Table(table) = section.get_ref() {
        if let Some(k) = table.get("kind") {
            let DeValue::String(s) = k.get_ref() else {
                return Err(fail(
                    k.span(),
                    format!("{name}.kind"),
                    format!("expected a string: {}", BackendConfig::kinds().join(", ")),
                ));
            };
            kind = s.to_string();
            explicit = true;
            if BackendConfig::keys_of(&kind).is_none() {
                return Err(fail(
                    k.span(),
                    format!("{name}.kind"),
                    format!(
                        "unknown backend kind {kind:?} (known: {})",
                        BackendConfig::kinds().join(", ")
                    ),
                ));
            }
        }
        let own = BackendConfig::keys_of(&kind).unwrap_or_default();
        for (key, _) in table.iter() {
            let key_name: &str = key.get_ref();
            if key_name == "kind" || own.contains(&key_name) {
                continue;
            }
            let owners: Vec<&str> = BackendConfig::kinds()
                .into_iter()
                .filter(|k| BackendConfig::keys_of(k).is_some_and(|ks| ks.contains(&key_name)))
                .collect();
            let Some(owner) = owners.first() else {
                continue; // an unknown key: a warning, like everywhere else
            };
            let message = if explicit {
                format!(
                    "{key_name} is not a key of kind = {kind:?}: it belongs to kind = {owner:?}"
                )
            } else {
                format!(
                    "{key_name} belongs to kind = {owner:?}: add kind = {owner:?} to [{name}] \
                     (without a kind, [{name}] is the demo)"
                )
            };
            return Err(fail(key.span(), format!("{name}.{key_name}"), message));
        }
    }
    let de = toml::de::ValueDeserializer::from(section.clone());
    let mut ignored = |p: serde_ignored::Path<'_>| {
        let p = p.to_string();
        if p != "kind" {
            unknown.push(format!("{name}.{p}"));
        }
    };
    let de = serde_ignored::Deserializer::new(de, &mut ignored);
    BackendConfig::deserialize_kind(&kind, de).map_err(|e| match e.span() {
        Some(_) => SectionError::Toml(e),
        // A check of the section as a whole (e.g. a key it needs is missing): said at it.
        None => fail(section.span(), name.into(), e.message().trim().to_owned()),
    })
}

/// The span of the value at `path` (table keys) in a parsed document.
fn key_span(table: &DeTable<'_>, path: &[&str]) -> Option<Range<usize>> {
    let (first, rest) = path.split_first()?;
    let value = table.get(*first)?;
    match (rest.is_empty(), value.get_ref()) {
        (true, _) => Some(value.span()),
        (false, DeValue::Table(t)) => key_span(t, rest),
        _ => None,
    }
}

/// The line (1-based) where the key at `path` (table keys, array indices) is written.
fn key_line(table: &DeTable<'_>, path: &[&str], text: &str) -> Option<usize> {
    fn find(value: &DeValue<'_>, path: &[&str]) -> Option<Range<usize>> {
        let (first, rest) = path.split_first()?;
        match value {
            DeValue::Table(t) => {
                let (k, v) = t.get_key_value(*first)?;
                if rest.is_empty() {
                    Some(k.span())
                } else {
                    find(v.get_ref(), rest)
                }
            }
            DeValue::Array(items) => {
                let item = items.get(first.parse::<usize>().ok()?)?;
                if rest.is_empty() {
                    Some(item.span())
                } else {
                    find(item.get_ref(), rest)
                }
            }
            _ => None,
        }
    }
    let span = find(&DeValue::Table(table.clone()), path)?;
    let before = text.get(..span.start)?;
    Some(before.matches('\n').count() + 1)
}

/// The dotted key whose key or value holds byte `offset`, the innermost one.
fn key_path_at(table: &DeTable<'_>, offset: usize) -> Option<String> {
    fn within(value: &Spanned<DeValue<'_>>, offset: usize) -> Option<Vec<String>> {
        match value.get_ref() {
            DeValue::Table(t) => {
                for (k, v) in t.iter() {
                    if let Some(mut inner) = within(v, offset) {
                        inner.insert(0, k.get_ref().to_string());
                        return Some(inner);
                    }
                    if k.span().contains(&offset) || v.span().contains(&offset) {
                        return Some(vec![k.get_ref().to_string()]);
                    }
                }
                None
            }
            DeValue::Array(items) => items.iter().find_map(|item| {
                within(item, offset)
                    .filter(|p| !p.is_empty())
                    .or_else(|| item.span().contains(&offset).then(Vec::new))
            }),
            _ => None,
        }
    }
    let root = Spanned::new(0..0, DeValue::Table(table.clone()));
    let parts = within(&root, offset)?;
    (!parts.is_empty()).then(|| dotted(&parts))
}

/// `a.b."c@d"`: key parts joined, quoting those that are not bare keys.
fn dotted(parts: &[String]) -> String {
    parts
        .iter()
        .map(|p| {
            let bare = !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if bare { p.clone() } else { format!("{p:?}") }
        })
        .collect::<Vec<_>>()
        .join(".")
}

impl Config {
    /// Checks that need more than one value: working hours with their days.
    fn check(&self, text: &str, path: &Path) -> Result<(), ConfigError> {
        self.coverage()
            .map(drop)
            .map_err(|(key, e)| locate(self, text, path, &key, e))
    }

    /// Where the value of `key` was written, for keys later checks report on:
    /// `keys.ACTION`, `theme.name`, `theme.colors.ROLE`, `coverage.hours`,
    /// `coverage.days`, `teammates."WHO".hours` and `.days`.
    pub fn span_of(&self, key: &str) -> Option<Range<usize>> {
        if let Some(action) = key.strip_prefix("keys.") {
            return self.keys.0.get(action).map(Spanned::span);
        }
        if let Some(role) = key.strip_prefix("theme.colors.") {
            return self.theme.colors.get(role).map(Spanned::span);
        }
        if let Some(rest) = key.strip_prefix("teammates.") {
            let (who, field) = rest.rsplit_once('.')?;
            let t = self.teammates.get(who.trim_matches('"'))?;
            let value = match field {
                "hours" => t.hours.as_ref(),
                "days" => t.days.as_ref(),
                _ => None,
            };
            return value.map(Spanned::span);
        }
        match key {
            "theme.name" => Some(self.theme.name.span()),
            "coverage.hours" => Some(self.coverage.hours.span()),
            "coverage.days" => Some(self.coverage.days.span()),
            _ => None,
        }
    }

    /// Working hours for the coverage strip: per teammate, else `[coverage]`. Errors name the
    /// key.
    pub fn coverage(&self) -> Result<crate::domain::coverage::CoverageConfig, (String, String)> {
        use crate::domain::coverage::{CoverageConfig, WorkingHours};
        let c = &self.coverage;
        let (c_hours, c_days) = (c.hours.get_ref(), c.days.get_ref());
        let default_hours = if c_hours.trim().is_empty() {
            None
        } else {
            Some(
                WorkingHours::parse(c_hours, c_days)
                    .map_err(|e| ("coverage.hours".to_owned(), e))?,
            )
        };
        let mut hours = Vec::new();
        for (who, t) in &self.teammates {
            if t.hours.is_none() && t.days.is_none() {
                continue;
            }
            let h = t.hours.as_ref().map_or(c_hours, |h| h.get_ref());
            let d = t.days.as_ref().map_or(c_days, |d| d.get_ref());
            let wh = WorkingHours::parse(h, d).map_err(|e| {
                (
                    format!("teammates.{}.hours", dotted(std::slice::from_ref(who))),
                    e,
                )
            })?;
            hours.push((who.clone(), wh));
        }
        Ok(CoverageConfig {
            hours,
            default_hours,
            min_cover: c.min_cover,
        })
    }

    /// The local rules for metrics: caps, SLA targets, ordering, "soon".
    pub fn policy(&self) -> Policy {
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
}

#[cfg(test)]
mod tests;
