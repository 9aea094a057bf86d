//! Fault injection: the simulator misbehaves the way real networks and APIs do, at rates set by
//! a profile (`none`, `flaky`, `chaos`, or a TOML file), deterministically for a seed.
//!
//! Each API request draws at most one fault. Reads can fail with a 5xx, a 429 storm (with or
//! without `X-RateLimit-Reset`), a response slower than the client's timeout, a connection
//! reset, a truncated or malformed body, or unexpected fields and enum values. Writes can fail
//! before they apply (5xx, 429, reset), apply and then lose their response, answer slowly after
//! applying, or — for team membership — apply in part and answer 409.

use jiff::{SignedDuration, Timestamp};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;

/// Rates (per request, 0 to 1) of each fault.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FaultProfile {
    /// Shown in logs and stats.
    pub name: String,
    /// A 500, 502 or 503 before the request is handled (nothing applied).
    pub server_error: f64,
    /// A request starts a 429 storm: every request is refused for `storm_length`.
    pub storm: f64,
    /// How long a storm lasts (sim time).
    #[serde(deserialize_with = "crate::duration::deserialize")]
    pub storm_length: Duration,
    /// Share of a storm's 429s sent without `X-RateLimit-*` headers.
    pub storm_without_reset: f64,
    /// The answer is delayed by `slow_delay` (a write is applied first).
    pub slow: f64,
    /// The delay of a slow answer; past the client's timeout to provoke one.
    #[serde(deserialize_with = "crate::duration::deserialize")]
    pub slow_delay: Duration,
    /// The connection drops before the request is handled (nothing applied).
    pub reset: f64,
    /// Reads: a 200 whose body is cut short.
    pub truncated: f64,
    /// Reads: a 200 whose body is not JSON.
    pub malformed: f64,
    /// Reads: unknown fields everywhere and unknown values in enum fields.
    pub unexpected: f64,
    /// Team membership writes: part of the change applies and the answer is a 409.
    pub write_conflict: f64,
    /// Writes: applied, then the answer is lost (a dropped connection or a 502).
    pub lost_response: f64,
}

impl Default for FaultProfile {
    fn default() -> Self {
        Self::none()
    }
}

impl FaultProfile {
    /// No faults.
    pub fn none() -> Self {
        Self {
            name: "none".into(),
            server_error: 0.0,
            storm: 0.0,
            storm_length: Duration::from_secs(20),
            storm_without_reset: 0.0,
            slow: 0.0,
            slow_delay: Duration::from_secs(12),
            reset: 0.0,
            truncated: 0.0,
            malformed: 0.0,
            unexpected: 0.0,
            write_conflict: 0.0,
            lost_response: 0.0,
        }
    }

    /// A bad day on the internet: a few percent of requests fail.
    pub fn flaky() -> Self {
        Self {
            name: "flaky".into(),
            server_error: 0.02,
            storm: 0.002,
            storm_length: Duration::from_secs(15),
            storm_without_reset: 0.5,
            slow: 0.005,
            reset: 0.01,
            truncated: 0.01,
            malformed: 0.005,
            unexpected: 0.05,
            write_conflict: 0.1,
            lost_response: 0.05,
            ..Self::none()
        }
    }

    /// Everything, often.
    pub fn chaos() -> Self {
        Self {
            name: "chaos".into(),
            server_error: 0.08,
            storm: 0.01,
            storm_length: Duration::from_secs(30),
            storm_without_reset: 0.5,
            slow: 0.03,
            reset: 0.05,
            truncated: 0.05,
            malformed: 0.03,
            unexpected: 0.2,
            write_conflict: 0.3,
            lost_response: 0.2,
            ..Self::none()
        }
    }

    /// A built-in profile by name.
    pub fn builtin(name: &str) -> Option<Self> {
        match name {
            "none" => Some(Self::none()),
            "flaky" => Some(Self::flaky()),
            "chaos" => Some(Self::chaos()),
            _ => None,
        }
    }

    /// A built-in profile by name, or else a TOML profile file at that path.
    pub fn load(spec: &str) -> Result<Self, String> {
        if let Some(p) = Self::builtin(spec) {
            return Ok(p);
        }
        let text = std::fs::read_to_string(spec).map_err(|e| {
            format!("fault profile {spec:?} is neither none, flaky, chaos nor a readable file: {e}")
        })?;
        Self::from_toml(&text).map_err(|e| format!("fault profile {spec}: {e}"))
    }

    /// A profile from TOML; missing rates are 0. Errors name the key.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let profile: Self = toml::from_str(text).map_err(|e| e.to_string())?;
        profile.check()?;
        Ok(profile)
    }

    /// Every rate is a probability.
    fn check(&self) -> Result<(), String> {
        for (key, rate) in [
            ("server_error", self.server_error),
            ("storm", self.storm),
            ("storm_without_reset", self.storm_without_reset),
            ("slow", self.slow),
            ("reset", self.reset),
            ("truncated", self.truncated),
            ("malformed", self.malformed),
            ("unexpected", self.unexpected),
            ("write_conflict", self.write_conflict),
            ("lost_response", self.lost_response),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{key} must be between 0 and 1, not {rate}"));
            }
        }
        Ok(())
    }
}

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Served normally.
    None,
    /// This status, before handling.
    ServerError(u16),
    /// 429; `headers` says whether `X-RateLimit-*` are sent.
    RateLimited {
        /// Whether the reset headers are sent.
        headers: bool,
    },
    /// The answer waits this long (after a write is applied).
    Slow(Duration),
    /// The connection drops before handling.
    Reset,
    /// Body cut short.
    Truncated,
    /// Body not JSON.
    Malformed,
    /// Unknown fields and enum values added.
    Unexpected,
    /// Team write: partly applied, 409.
    Conflict,
    /// Write applied, then the connection drops.
    LostReset,
    /// Write applied, then a 502.
    LostBadGateway,
}

impl Fault {
    /// A short name for stats and logs.
    pub fn name(self) -> &'static str {
        match self {
            Fault::None => "none",
            Fault::ServerError(_) => "server_error",
            Fault::RateLimited { .. } => "rate_limited",
            Fault::Slow(_) => "slow",
            Fault::Reset => "reset",
            Fault::Truncated => "truncated",
            Fault::Malformed => "malformed",
            Fault::Unexpected => "unexpected",
            Fault::Conflict => "write_conflict",
            Fault::LostReset | Fault::LostBadGateway => "lost_response",
        }
    }
}

/// The kind of request, for choosing faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// GET or search.
    Read,
    /// Any other write.
    Write,
    /// A team-membership write (the only write the helpdesk answers 409 in part).
    TeamWrite,
}

/// A profile and its random state.
#[derive(Debug)]
pub struct Faults {
    /// The rates.
    pub profile: FaultProfile,
    rng: StdRng,
    storm_until: Option<Timestamp>,
}

impl Faults {
    /// Faults drawn from `profile`, seeded.
    pub fn new(profile: FaultProfile, seed: u64) -> Self {
        Self {
            profile,
            rng: StdRng::seed_from_u64(seed ^ 0x5eed_fa17),
            storm_until: None,
        }
    }

    /// Starts a 429 storm now, whatever the profile says (for tests and demos).
    pub fn start_storm(&mut self, now: Timestamp, length: Duration) {
        let length = SignedDuration::try_from(length).unwrap_or_default();
        self.storm_until = now.checked_add(length).ok();
    }

    /// Draws the fault of one request at sim time `now`.
    pub fn draw(&mut self, kind: RequestKind, now: Timestamp) -> Fault {
        let p = &self.profile;
        if let Some(until) = self.storm_until {
            if now < until {
                let headers = !self.rng.random_bool(p.storm_without_reset);
                return Fault::RateLimited { headers };
            }
            self.storm_until = None;
        }
        let mut roll = self.rng.random::<f64>();
        let mut hit = |rate: f64| {
            if roll < rate {
                true
            } else {
                roll -= rate;
                false
            }
        };
        if hit(p.storm) {
            let length = SignedDuration::try_from(p.storm_length).unwrap_or_default();
            self.storm_until = now.checked_add(length).ok();
            let headers = !self.rng.random_bool(p.storm_without_reset);
            return Fault::RateLimited { headers };
        }
        if hit(p.server_error) {
            return Fault::ServerError([500, 502, 503][self.rng.random_range(0..3)]);
        }
        if hit(p.reset) {
            return Fault::Reset;
        }
        if hit(p.slow) {
            return Fault::Slow(p.slow_delay);
        }
        match kind {
            RequestKind::Read => {
                if hit(p.truncated) {
                    Fault::Truncated
                } else if hit(p.malformed) {
                    Fault::Malformed
                } else if hit(p.unexpected) {
                    Fault::Unexpected
                } else {
                    Fault::None
                }
            }
            RequestKind::Write | RequestKind::TeamWrite => {
                if kind == RequestKind::TeamWrite && hit(p.write_conflict) {
                    Fault::Conflict
                } else if hit(p.lost_response) {
                    if self.rng.random_bool(0.5) {
                        Fault::LostReset
                    } else {
                        Fault::LostBadGateway
                    }
                } else {
                    Fault::None
                }
            }
        }
    }

    /// A random cut point for a body of `len` bytes (never the whole body).
    pub fn cut(&mut self, len: usize) -> usize {
        if len <= 1 {
            0
        } else {
            self.rng.random_range(0..len)
        }
    }

    /// Adds unknown fields to every object and unknown values to some of the fields named in
    /// `enum_fields` (the vendor's enum-valued fields).
    pub fn garble(&mut self, value: &mut Value, enum_fields: &[&str]) {
        match value {
            Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    let is_enum = enum_fields.contains(&key.as_str());
                    if is_enum && v.is_string() && self.rng.random_bool(0.3) {
                        *v = Value::String("sim_unknown_value".into());
                    } else {
                        self.garble(v, enum_fields);
                    }
                }
                map.insert(
                    "x_sim_unexpected".into(),
                    serde_json::json!({ "nested": [1, "two", null], "flag": true }),
                );
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.garble(v, enum_fields)),
            _ => {}
        }
    }
}

/// A body that is not JSON, as proxies send on a bad day.
pub const MALFORMED_BODY: &str =
    "<html><body><h1>502 Bad Gateway</h1>upstream hiccup</body></html>";

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> Timestamp {
        "2026-11-24T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn none_never_faults_and_chaos_does_everything() {
        let mut f = Faults::new(FaultProfile::none(), 1);
        assert!((0..1000).all(|_| f.draw(RequestKind::Read, t0()) == Fault::None));
        let mut f = Faults::new(FaultProfile::chaos(), 1);
        let mut seen = std::collections::BTreeSet::new();
        let mut now = t0();
        for _ in 0..5000 {
            now = now.checked_add(SignedDuration::from_secs(1)).unwrap();
            for kind in [
                RequestKind::Read,
                RequestKind::Write,
                RequestKind::TeamWrite,
            ] {
                seen.insert(f.draw(kind, now).name());
            }
        }
        for name in [
            "none",
            "server_error",
            "rate_limited",
            "slow",
            "reset",
            "truncated",
            "malformed",
            "unexpected",
            "write_conflict",
            "lost_response",
        ] {
            assert!(seen.contains(name), "{name} never drawn");
        }
    }

    #[test]
    fn a_storm_refuses_everything_until_it_ends() {
        let mut p = FaultProfile::none();
        p.storm = 1.0;
        p.storm_length = Duration::from_secs(20);
        let mut f = Faults::new(p, 3);
        assert!(matches!(
            f.draw(RequestKind::Read, t0()),
            Fault::RateLimited { .. }
        ));
        f.profile.storm = 0.0;
        let later = |s| t0().checked_add(SignedDuration::from_secs(s)).unwrap();
        assert!(matches!(
            f.draw(RequestKind::Write, later(19)),
            Fault::RateLimited { .. }
        ));
        assert_eq!(f.draw(RequestKind::Read, later(20)), Fault::None);
    }

    #[test]
    fn the_same_seed_draws_the_same_faults() {
        let draws = |seed| {
            let mut f = Faults::new(FaultProfile::chaos(), seed);
            (0..200)
                .map(|_| f.draw(RequestKind::Read, t0()).name())
                .collect::<Vec<_>>()
        };
        assert_eq!(draws(7), draws(7));
    }

    #[test]
    fn profiles_load_from_toml_with_errors_naming_the_key() {
        let p = FaultProfile::from_toml("name = \"mine\"\nserver_error = 0.5\nslow_delay = \"3s\"")
            .unwrap();
        assert_eq!(p.server_error, 0.5);
        assert_eq!(p.slow_delay, Duration::from_secs(3));
        assert_eq!(p.reset, 0.0);
        let e = FaultProfile::from_toml("server_eror = 0.5").unwrap_err();
        assert!(e.contains("server_eror"), "{e}");
        let e = FaultProfile::from_toml("reset = 2.0").unwrap_err();
        assert!(e.contains("reset"), "{e}");
        for name in ["none", "flaky", "chaos"] {
            assert!(FaultProfile::builtin(name).unwrap().check().is_ok());
        }
    }

    #[test]
    fn garbling_keeps_json_and_adds_unknowns() {
        let mut f = Faults::new(FaultProfile::none(), 1);
        let mut v = serde_json::json!({"conversations": [{"id": "1", "state": "open"}]});
        f.garble(&mut v, &["state"]);
        assert!(v["x_sim_unexpected"].is_object());
        assert!(v["conversations"][0]["x_sim_unexpected"].is_object());
    }
}
