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

/// A sparkline of `values` (oldest first), the last `width` of them, scaled from zero to
/// their maximum: bar heights are proportional to the values, so 18 → 19 open is a level
/// line, not a spike (all zeros are the lowest bar).
pub fn sparkline(values: impl ExactSizeIterator<Item = u32>, width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let skip = values.len().saturating_sub(width);
    let v: Vec<u32> = values.skip(skip).collect();
    let Some(&max) = v.iter().max() else {
        return String::new();
    };
    let max = u64::from(max);
    v.iter()
        .map(|&x| {
            (u64::from(x) * 7 + max / 2)
                .checked_div(max)
                .map_or(BARS[0], |n| BARS[(n as usize).min(7)])
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
        assert_eq!(sparkline([1, 2, 3, 4].into_iter(), 2), "▆█");
        assert_eq!(sparkline([5, 5].into_iter(), 4), "██");
        assert_eq!(sparkline([0, 0].into_iter(), 4), "▁▁");
        assert_eq!(
            sparkline(std::iter::empty::<u32>().collect::<Vec<_>>().into_iter(), 4),
            ""
        );
        assert_eq!(fit("abcdef", 4), "abc…");
    }

    #[test]
    fn a_small_rise_is_not_a_spike() {
        // 18 → 19 open: both near the top, never lowest-to-highest.
        let line = sparkline([18, 18, 19, 18, 19].into_iter(), 10);
        assert!(line.chars().all(|c| c == '█' || c == '▇'), "{line}");
        // Proportional from zero: half the maximum is a middle bar.
        assert_eq!(sparkline([10, 20].into_iter(), 10), "▅█");
    }

    #[test]
    fn fitting_cuts_at_words() {
        assert_eq!(fit("next breach in 5m", 40), "next breach in 5m");
        assert_eq!(fit("next breach in 5m: none", 15), "next breach in…");
        assert_eq!(fit("403 forbidden: the token", 16), "403 forbidden…");
        assert_eq!(fit("unbreakable", 6), "unbre…");
        assert_eq!(fit("☕ away on a break", 8), "☕ away…");
    }

    proptest::proptest! {
        /// What is kept is whole words of the text, in order, within the width.
        #[test]
        fn fitting_keeps_whole_words_within_the_width(
            words in proptest::collection::vec("[a-z☕é]{1,9}", 1..12),
            width in 4usize..50,
        ) {
            let text = words.join(" ");
            let fitted = fit(&text, width);
            proptest::prop_assert!(ratatui::text::Span::raw(fitted.as_str()).width() <= width);
            if fitted != text && fitted.contains(' ') {
                let kept: Vec<&str> = fitted.trim_end_matches('…').split(' ').collect();
                proptest::prop_assert_eq!(&words[..kept.len()], &kept[..]);
            }
        }
    }
}
