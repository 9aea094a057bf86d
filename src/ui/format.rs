//! Text formatting shared by the panes: durations, countdowns, gauges, sparklines.

use jiff::SignedDuration;

pub use crate::duration::short;

/// A countdown that ticks every second: `mm:ss` under an hour, `1h05m` above; negative once
/// past.
pub fn countdown(d: SignedDuration) -> String {
    let secs = d.as_secs();
    let a = secs.abs();
    let sign = if secs < 0 { "-" } else { "" };
    if a < 3600 {
        format!("{sign}{:02}:{:02}", a / 60, a % 60)
    } else {
        short(d)
    }
}

/// A text gauge of `load` against `cap`, `width` cells wide.
pub fn gauge(load: u32, cap: u32, width: usize) -> String {
    let filled = if cap == 0 {
        if load > 0 { width } else { 0 }
    } else {
        ((load as usize * width) + cap as usize / 2) / cap as usize
    }
    .min(width);
    let mut s = "█".repeat(filled);
    s.push_str(&"░".repeat(width - filled));
    s
}

/// A sparkline of `values` (oldest first), the last `width` of them, scaled between their
/// minimum and maximum (a flat series is a flat middle line).
pub fn sparkline(values: impl ExactSizeIterator<Item = u32>, width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let skip = values.len().saturating_sub(width);
    let v: Vec<u32> = values.skip(skip).collect();
    let (Some(&min), Some(&max)) = (v.iter().min(), v.iter().max()) else {
        return String::new();
    };
    let span = (max - min) as usize;
    v.iter()
        .map(|&x| {
            ((x - min) as usize * 7 + span / 2)
                .checked_div(span)
                .map_or(BARS[3], |n| BARS[n.min(7)])
        })
        .collect()
}

/// Cuts `text` to at most `width` display cells, at a word where it can, ending with `…`
/// when cut (see [`super::columns::fit`]).
pub fn fit(text: &str, width: usize) -> String {
    super::columns::fit(text, width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(short(SignedDuration::from_secs(59)), "59s");
        assert_eq!(short(SignedDuration::from_secs(3_900)), "1h05m");
        assert_eq!(short(SignedDuration::from_secs(-120)), "-2m");
        assert_eq!(countdown(SignedDuration::from_secs(754)), "12:34");
        assert_eq!(countdown(SignedDuration::from_secs(-5)), "-00:05");
        assert_eq!(countdown(SignedDuration::from_secs(7_300)), "2h01m");
    }

    #[test]
    fn gauges_and_sparklines() {
        assert_eq!(gauge(3, 6, 6), "███░░░");
        assert_eq!(gauge(9, 6, 4), "████");
        assert_eq!(gauge(0, 0, 3), "░░░");
        assert_eq!(sparkline([0, 4, 8].into_iter(), 10), "▁▅█");
        assert_eq!(sparkline([1, 2, 3, 4].into_iter(), 2), "▁█");
        assert_eq!(sparkline([5, 5].into_iter(), 4), "▄▄");
        assert_eq!(
            sparkline(std::iter::empty::<u32>().collect::<Vec<_>>().into_iter(), 4),
            ""
        );
        assert_eq!(fit("abcdef", 4), "abc…");
    }
}
