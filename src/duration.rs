//! Human durations ("90s", "15m", "2h", "1h 30m", "2 days") parsed and printed in one place,
//! on jiff's friendly format. Used by the config, the command line, and the simulator's
//! scenario and fault-profile files.

use jiff::fmt::friendly::SpanPrinter;
use jiff::{SignedDuration, Span, SpanRelativeTo};
use serde::Deserialize;
use std::time::Duration;

/// Why a duration did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Not a duration at all.
    #[error("invalid duration {input:?} (e.g. \"90s\", \"15m\", \"1h 30m\")")]
    Invalid {
        /// What was given.
        input: String,
    },
    /// A negative duration.
    #[error("invalid duration {input:?}: must not be negative")]
    Negative {
        /// What was given.
        input: String,
    },
    /// Shorter than allowed.
    #[error("{input:?} is too short: must be at least {min}")]
    TooShort {
        /// What was given.
        input: String,
        /// The minimum, formatted.
        min: String,
    },
}

/// A compact duration: `45s`, `12m`, `1h05m`, `2d03h`.
pub fn short(d: SignedDuration) -> String {
    let secs = d.as_secs().abs();
    let sign = if d.is_negative() { "-" } else { "" };
    match secs {
        s if s < 60 => format!("{sign}{s}s"),
        s if s < 3600 => format!("{sign}{}m", s / 60),
        s if s < 86_400 => format!("{sign}{}h{:02}m", s / 3600, (s % 3600) / 60),
        s => format!("{sign}{}d{:02}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// Parses a non-negative duration: "0s", "90s", "15m", "2h", "1h 30m", "1h30m", "2 days",
/// "1w", "250ms".
pub fn parse(input: &str) -> Result<Duration, DurationError> {
    let s = input.trim();
    let invalid = || DurationError::Invalid {
        input: input.to_owned(),
    };
    let signed = s.parse::<SignedDuration>().or_else(|_| {
        // Days and weeks count as 24 hours and 7 days.
        let span: Span = s.parse().map_err(|_| invalid())?;
        span.to_duration(SpanRelativeTo::days_are_24_hours())
            .map_err(|_| invalid())
    })?;
    if signed.is_negative() {
        return Err(DurationError::Negative {
            input: input.to_owned(),
        });
    }
    Duration::try_from(signed).map_err(|_| invalid())
}

/// Parses a duration of at least `min`.
pub fn parse_at_least(input: &str, min: Duration) -> Result<Duration, DurationError> {
    let d = parse(input)?;
    if d < min {
        return Err(DurationError::TooShort {
            input: input.to_owned(),
            min: format(min),
        });
    }
    Ok(d)
}

/// Formats a duration the way it is written in the config: "1h 30m", "90ms", "0s".
pub fn format(d: Duration) -> String {
    let signed = SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX);
    SpanPrinter::new().duration_to_string(&signed)
}

/// Serde: a duration string, any length.
pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    parse(&s).map_err(serde::de::Error::custom)
}

/// Serde: a duration string of at least one second.
pub fn at_least_1s<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    parse_at_least(&s, Duration::from_secs(1)).map_err(serde::de::Error::custom)
}

/// Serde: a duration string longer than zero.
pub fn positive<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    parse_at_least(&s, Duration::from_nanos(1)).map_err(|e| match e {
        DurationError::TooShort { input, .. } => {
            serde::de::Error::custom(format!("{input:?} is too short: must be more than 0s"))
        }
        e => serde::de::Error::custom(e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_spelling_the_config_uses() {
        let secs = |s| parse(s).map(|d| d.as_secs());
        assert_eq!(secs("90s"), Ok(90));
        assert_eq!(secs("5s"), Ok(5));
        assert_eq!(secs("15m"), Ok(900));
        assert_eq!(secs("2h"), Ok(7200));
        assert_eq!(secs("1h 30m"), Ok(5400));
        assert_eq!(secs("1h30m"), Ok(5400));
        assert_eq!(secs(" 10s "), Ok(10));
        assert_eq!(secs("0s"), Ok(0));
        assert_eq!(secs("8h"), Ok(8 * 3600));
        assert_eq!(secs("2 days"), Ok(2 * 86_400));
        assert_eq!(secs("1w"), Ok(7 * 86_400));
        assert_eq!(secs("15min"), Ok(900));
        assert_eq!(secs("5sec"), Ok(5));
        assert_eq!(secs("2 hours"), Ok(7200));
        assert_eq!(parse("10ms"), Ok(Duration::from_millis(10)));
        assert!(secs("99999999999h").is_ok());
    }

    #[test]
    fn rejects_nonsense_and_negatives_with_the_input_in_the_message() {
        for bad in ["5 parsecs", "", "soon", "-5s", "ctrl-", "1h 30"] {
            let e = parse(bad).unwrap_err();
            assert!(e.to_string().contains(&format!("{bad:?}")), "{e}");
        }
        let e = parse_at_least("10ms", Duration::from_secs(1)).unwrap_err();
        assert!(e.to_string().contains("at least 1s"), "{e}");
    }

    #[test]
    fn formats_round_trip() {
        for s in ["1h 30m", "15m", "90ms", "0s", "2h"] {
            assert_eq!(format(parse(s).unwrap()), s);
        }
    }
}
