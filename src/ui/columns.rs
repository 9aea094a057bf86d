//! Columns declared as data and one allocator for every table, so every pane degrades the
//! same way (as bottom does): each column has a minimum, a preferred and an optional maximum
//! width, a priority (which columns drop first when even the minimums do not fit), an
//! alignment and whether it takes the surplus.
//!
//! Widths are display cells (`unicode-width`), never chars: `☕` is two cells wide, and a
//! name in CJK script is twice as wide as its char count.
//!
//! [`fit`] cuts text to a width at a word boundary where it can and always marks the cut
//! with `…`, so a cut is visible, never a silent mid-word stop.

use ratatui::layout::Constraint;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

/// The space between two columns (ratatui's `Table` default).
pub const SPACING: u16 = 1;

/// Where a column's text sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text columns.
    Left,
    /// Figures.
    Right,
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The header text.
    pub header: String,
    /// Never narrower than this (else the column drops).
    pub min: u16,
    /// What it gets, in priority order, before any column gets more.
    pub preferred: u16,
    /// Never wider than this.
    pub max: Option<u16>,
    /// Which drop first when even the minimums do not fit: the highest number first.
    /// 0 is the column that stays longest.
    pub priority: u8,
    /// Where the text sits.
    pub align: Align,
    /// Takes a share of the surplus (up to `max`) once every column has what it wants.
    pub grow: bool,
    /// The widest content seen (0: unknown); a column wants this much, within min and max,
    /// once every column has its preferred width.
    pub content: u16,
}

impl Column {
    /// A left-aligned column `min` to `preferred` wide, kept longest (priority 0), not
    /// growing.
    pub fn new(header: impl Into<String>, min: u16, preferred: u16) -> Self {
        let header = header.into();
        Column {
            min,
            preferred: preferred.max(min),
            max: None,
            priority: 0,
            align: Align::Left,
            grow: false,
            content: 0,
            header,
        }
    }

    /// A right-aligned figure column exactly as wide as its header (or `width`).
    pub fn figure(header: impl Into<String>, width: u16) -> Self {
        let header = header.into();
        let w = width.max(cells(&header) as u16);
        Column {
            align: Align::Right,
            max: Some(w),
            ..Column::new(header, w, w)
        }
    }

    /// Sets the maximum.
    pub fn max(mut self, max: u16) -> Self {
        self.max = Some(max.max(self.min));
        self
    }

    /// Sets the priority (higher drops first).
    pub fn priority(mut self, priority: u8) -> Self {
        self.priority = priority;
        self
    }

    /// Takes a share of the surplus.
    pub fn grow(mut self) -> Self {
        self.grow = true;
        self
    }

    /// Right-aligned.
    pub fn right(mut self) -> Self {
        self.align = Align::Right;
        self
    }

    /// Records the widest of `widths` (display cells) as the content width.
    pub fn content(mut self, widths: impl IntoIterator<Item = usize>) -> Self {
        let w = widths.into_iter().max().unwrap_or(0);
        self.content = self.content.max(u16::try_from(w).unwrap_or(u16::MAX));
        self
    }

    fn ceiling(&self) -> u16 {
        self.max.unwrap_or(u16::MAX).max(self.min)
    }

    /// What the column wants once everyone has their preferred width.
    fn wanted(&self) -> u16 {
        self.content
            .max(self.preferred)
            .max(cells(&self.header) as u16)
            .clamp(self.min, self.ceiling())
    }
}

/// Display width of `text` in terminal cells.
pub fn cells(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// The width of each column in `available` cells (columns separated by [`SPACING`]);
/// `None` for a dropped column.
///
/// 1. While the minimums (and spacing) do not fit, the column with the highest priority
///    number drops (the rightmost of equals); then a dropped column whose minimum fits in
///    the room left comes back, in priority order.
/// 2. In priority order, each kept column grows from its minimum to its preferred width.
/// 3. In priority order, each grows to what its content wants (within its maximum).
/// 4. The surplus is shared evenly between growing columns, up to their maximum.
///
/// The sum of the widths and the spacing between kept columns never exceeds `available`.
pub fn widths(columns: &[Column], available: u16) -> Vec<Option<u16>> {
    let n = columns.len();
    let mut kept: Vec<bool> = vec![true; n];
    let need = |kept: &[bool]| -> u32 {
        let k = kept.iter().filter(|k| **k).count() as u32;
        let mins: u32 = columns
            .iter()
            .zip(kept)
            .filter(|(_, k)| **k)
            .map(|(c, _)| u32::from(c.min))
            .sum();
        mins + k.saturating_sub(1) * u32::from(SPACING)
    };
    while kept.iter().any(|k| *k) && need(&kept) > u32::from(available) {
        let drop = (0..n)
            .filter(|&i| kept[i])
            .max_by_key(|&i| (columns[i].priority, i))
            .unwrap_or(0);
        kept[drop] = false;
    }
    // A dropped column whose minimum fits in the room left comes back, in priority order
    // (a narrow column of lower rank may use what a wide one of higher rank could not).
    let mut dropped: Vec<usize> = (0..n).filter(|&i| !kept[i]).collect();
    dropped.sort_by_key(|&i| (columns[i].priority, i));
    for i in dropped {
        kept[i] = true;
        if need(&kept) > u32::from(available) {
            kept[i] = false;
        }
    }
    let mut w: Vec<u16> = columns.iter().map(|c| c.min).collect();
    let mut left = u32::from(available).saturating_sub(need(&kept));
    let mut order: Vec<usize> = (0..n).filter(|&i| kept[i]).collect();
    order.sort_by_key(|&i| (columns[i].priority, i));
    for target in [
        &(|c: &Column| c.preferred.clamp(c.min, c.ceiling())) as &dyn Fn(&Column) -> u16,
        &|c: &Column| c.wanted(),
    ] {
        for &i in &order {
            let more = u32::from(target(&columns[i]).saturating_sub(w[i])).min(left);
            w[i] += more as u16;
            left -= more;
        }
    }
    loop {
        let growing: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| columns[i].grow && w[i] < columns[i].ceiling())
            .collect();
        if growing.is_empty() || left == 0 {
            break;
        }
        let share = (left / growing.len() as u32).max(1);
        for i in growing {
            if left == 0 {
                break;
            }
            let more = share.min(u32::from(columns[i].ceiling() - w[i])).min(left);
            w[i] += more as u16;
            left -= more;
        }
    }
    (0..n).map(|i| kept[i].then_some(w[i])).collect()
}

/// Where to cut `text` to fit `width` cells with a `…` after it: `None` when it fits whole,
/// else the byte index of the kept prefix: whole words, mid-word only when the first word
/// alone is too wide (trailing spaces and punctuation trimmed).
fn cut(text: &str, width: usize) -> Option<usize> {
    if cells(text) <= width {
        return None;
    }
    let room = width.saturating_sub(1);
    let mut end = 0;
    let mut used = 0;
    for (i, ch) in text.char_indices() {
        let w = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
        if used + w > room {
            break;
        }
        used += w;
        end = i + ch.len_utf8();
    }
    let prefix = &text[..end];
    // A word boundary: the kept prefix ends just before a space (or the text continues with
    // one); failing that, the last space inside it that keeps something.
    let whole_word = text[end..].starts_with(' ');
    let at_word = if whole_word {
        Some(end)
    } else {
        prefix
            .rfind(' ')
            .filter(|&sp| !prefix[..sp].trim().is_empty())
    };
    let end = at_word.unwrap_or(end);
    let trimmed = text[..end].trim_end_matches([' ', ',', '·', ';', ':', '-', '—', '(']);
    // Never trim down to nothing when there was something to keep.
    Some(if trimmed.is_empty() {
        end
    } else {
        trimmed.len()
    })
}

/// Cuts `text` to at most `width` display cells: whole when it fits, else cut at a word
/// boundary where it can and always ending with `…`.
pub fn fit(text: &str, width: usize) -> String {
    match cut(text, width) {
        None => text.to_owned(),
        Some(_) if width == 0 => String::new(),
        Some(end) => format!("{}…", &text[..end]),
    }
}

/// [`fit`] for a styled line: the spans are cut where the plain text is, `…` in the style
/// of the span it follows.
pub fn fit_line(line: Line<'static>, width: usize) -> Line<'static> {
    let plain: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    let Some(end) = cut(&plain, width) else {
        return line;
    };
    if width == 0 {
        return Line::default();
    }
    let mut out = Vec::new();
    let mut at = 0;
    let mut last = Style::default();
    for s in line.spans {
        if at >= end {
            break;
        }
        let len = s.content.len();
        let take = (end - at).min(len);
        last = s.style;
        out.push(Span::styled(s.content[..take].to_owned(), s.style));
        at += len;
    }
    out.push(Span::styled("…", last));
    Line::from(out).style(line.style)
}

/// Words of `text` in lines of at most `width` cells (a word longer than a line is cut with
/// [`fit`]). Words are separated by spaces; a no-break space (U+00A0) holds two words on one
/// line (see [`unbreakable`]) and is printed as a space.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split([' ', '\n', '\t']).filter(|w| !w.is_empty()) {
        let word = &word.replace('\u{a0}', " ");
        let word = fit(word, width);
        if line.is_empty() {
            line = word;
        } else if cells(&line) + 1 + cells(&word) <= width {
            line.push(' ');
            line.push_str(&word);
        } else {
            lines.push(std::mem::replace(&mut line, word));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// As many whole `parts` as fit in `width` cells, joined by `sep`, with ` …` after them when
/// some are left out (a part is never cut, unless the first alone is too wide).
pub fn join_fit(parts: &[String], sep: &str, width: usize) -> String {
    let all = parts.join(sep);
    if cells(&all) <= width {
        return all;
    }
    let mut out = String::new();
    for p in parts {
        let next = if out.is_empty() {
            p.clone()
        } else {
            format!("{out}{sep}{p}")
        };
        if cells(&next) + 2 > width {
            break;
        }
        out = next;
    }
    if out.is_empty() {
        fit(parts.first().map_or("", String::as_str), width)
    } else {
        format!("{out} …")
    }
}

/// `text` with the spaces inside each of `names` made no-break, so [`wrap`] never splits a
/// name over two lines.
pub fn unbreakable(text: &str, names: &[&str]) -> String {
    let mut out = text.to_owned();
    for name in names.iter().filter(|n| n.contains(' ')) {
        out = out.replace(name, &name.replace(' ', "\u{a0}"));
    }
    out
}

/// The ratatui constraints of the kept columns.
pub fn constraints(widths: &[Option<u16>]) -> Vec<Constraint> {
    widths
        .iter()
        .flatten()
        .map(|w| Constraint::Length(*w))
        .collect()
}

/// One row's cells for the kept columns: each fitted to its width and aligned.
pub fn cells_of(
    columns: &[Column],
    widths: &[Option<u16>],
    row: Vec<(Line<'static>, Style)>,
) -> Vec<ratatui::widgets::Cell<'static>> {
    row.into_iter()
        .zip(columns.iter().zip(widths))
        .filter_map(|((line, style), (c, w))| {
            let w = (*w)?;
            let line = fit_line(line, usize::from(w));
            let line = match c.align {
                Align::Left => line,
                Align::Right => line.right_aligned(),
            };
            Some(ratatui::widgets::Cell::from(line).style(style))
        })
        .collect()
}

/// The header row's cells for the kept columns, `mark` appended to column `marked` (a sort
/// indicator), each fitted and aligned like its column.
pub fn header_of(
    columns: &[Column],
    widths: &[Option<u16>],
    marked: Option<(usize, &str)>,
) -> Vec<ratatui::widgets::Cell<'static>> {
    let row = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let text = match marked {
                Some((m, mark)) if m == i => format!("{}{mark}", c.header),
                _ => c.header.clone(),
            };
            (Line::from(text), Style::default())
        })
        .collect();
    cells_of(columns, widths, row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn wide_symbols_count_two_cells() {
        assert_eq!(cells("AWAY ☕ On a break"), 18);
        assert_eq!(cells("田中"), 4);
        assert_eq!(fit("AWAY ☕ On a break", 14), "AWAY ☕ On a…");
        assert!(cells(&fit("田中太郎さん", 5)) <= 5);
        assert_eq!(fit("田中太郎さん", 5), "田中…");
    }

    #[test]
    fn fit_cuts_at_words_and_marks_the_cut() {
        assert_eq!(fit("Billing", 7), "Billing");
        assert_eq!(fit("Billing", 5), "Bill…");
        assert_eq!(
            fit("member of Billing, Technical", 20),
            "member of Billing…"
        );
        assert_eq!(fit("write not applied: 409", 19), "write not applied…");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("x", 0), "");
        assert_eq!(fit("", 0), "");
        // Whole words even when a long one follows: never a cut inside a word after the first.
        assert_eq!(fit("a supercalifragilistic", 12), "a…");
        assert_eq!(fit("supercalifragilistic", 12), "supercalifr…");
    }

    #[test]
    fn minimums_drop_by_priority_and_surplus_goes_to_growers() {
        let cols = vec![
            Column::new("Name", 8, 14).max(24),
            Column::figure("Open", 5).priority(1),
            Column::figure("Wait", 5).priority(5),
            Column::new("Title", 10, 10).grow().priority(3),
        ];
        // Everything fits: 14 + 5 + 5 + 10 + 3 spaces = 37; the rest to the title.
        assert_eq!(
            widths(&cols, 60),
            vec![Some(14), Some(5), Some(5), Some(33)]
        );
        // 8 + 5 + 10 + 2 = 25 without Wait; 31 with it.
        assert_eq!(widths(&cols, 26), vec![Some(9), Some(5), None, Some(10)]);
        // Only the name is left at the end.
        assert_eq!(widths(&cols, 9), vec![Some(9), None, None, None]);
        // Wait (5) comes back where the title (10) does not fit.
        assert_eq!(widths(&cols, 20), vec![Some(8), Some(5), Some(5), None]);
        assert_eq!(widths(&cols, 3), vec![None, None, None, None]);
    }

    #[test]
    fn content_wants_room_before_growers_share_the_rest() {
        let cols = vec![
            Column::new("Status", 10, 14).content([18]),
            Column::new("Primary", 8, 10).grow().max(30).priority(2),
        ];
        // Status gets its 18 before Primary grows; Primary stops at its maximum.
        assert_eq!(widths(&cols, 40), vec![Some(18), Some(21)]);
        assert_eq!(widths(&cols, 100), vec![Some(18), Some(30)]);
        assert_eq!(widths(&cols, 25), vec![Some(14), Some(10)]);
    }

    #[test]
    fn join_fit_keeps_whole_parts() {
        let parts: Vec<String> = ["open 99", "unassigned 67", "on duty 9"]
            .map(String::from)
            .into();
        assert_eq!(
            join_fit(&parts, " · ", 40),
            "open 99 · unassigned 67 · on duty 9"
        );
        assert_eq!(join_fit(&parts, " · ", 30), "open 99 · unassigned 67 …");
        assert_eq!(join_fit(&parts, " · ", 5), "open…");
    }

    #[test]
    fn wrap_keeps_words() {
        assert_eq!(
            wrap("overloads, then away, then idle", 12),
            vec!["overloads,", "then away,", "then idle"]
        );
        let text = unbreakable("moved to Chidi Okafor now", &["Chidi Okafor"]);
        assert_eq!(wrap(&text, 16), vec!["moved to", "Chidi Okafor now"]);
    }

    fn column() -> impl Strategy<Value = Column> {
        (
            1u16..30,
            0u16..30,
            proptest::option::of(0u16..60),
            0u8..8,
            any::<bool>(),
            0u16..80,
        )
            .prop_map(|(min, extra, max, priority, grow, content)| {
                let mut c = Column::new("h", min, min + extra).priority(priority);
                if let Some(m) = max {
                    c = c.max(m);
                }
                if grow {
                    c = c.grow();
                }
                c.content([usize::from(content)])
            })
    }

    proptest! {
        #[test]
        fn allocation_never_exceeds_the_width_and_honours_min_and_priority(
            cols in proptest::collection::vec(column(), 0..10),
            available in 0u16..300,
        ) {
            let w = widths(&cols, available);
            prop_assert_eq!(w.len(), cols.len());
            let kept: Vec<(usize, u16)> =
                w.iter().enumerate().filter_map(|(i, x)| x.map(|x| (i, x))).collect();
            let total: u32 = kept.iter().map(|(_, x)| u32::from(*x)).sum::<u32>()
                + (kept.len() as u32).saturating_sub(1) * u32::from(SPACING);
            prop_assert!(total <= u32::from(available));
            for &(i, x) in &kept {
                prop_assert!(x >= cols[i].min);
                prop_assert!(x <= cols[i].ceiling());
            }
            // A dropped column did not fit beside the kept ones; where every minimum is the
            // same, a dropped column never outranks a kept one.
            let same = cols.windows(2).all(|p| p[0].min == p[1].min);
            for (i, x) in w.iter().enumerate() {
                if x.is_none() {
                    let mins: u32 = kept.iter().map(|&(k, _)| u32::from(cols[k].min)).sum();
                    let with = mins + u32::from(cols[i].min) + kept.len() as u32 * u32::from(SPACING);
                    prop_assert!(with > u32::from(available));
                    if same {
                        for &(k, _) in &kept {
                            prop_assert!((cols[k].priority, k) < (cols[i].priority, i));
                        }
                    }
                }
            }
        }

        #[test]
        fn fit_never_exceeds_the_width_and_marks_every_cut(
            text in "[a-zé☕田 ,]{0,40}",
            width in 0usize..30,
        ) {
            let out = fit(&text, width);
            prop_assert!(cells(&out) <= width);
            let whole = cells(&text) <= width;
            prop_assert_eq!(out == text, whole);
            prop_assert_eq!(out.ends_with('…'), !whole && width > 0);
            if !whole && width > 0 {
                prop_assert!(text.starts_with(out.trim_end_matches('…')));
            }
        }

        #[test]
        fn fit_line_matches_fit(
            a in "[a-z☕ ]{0,15}",
            b in "[a-z田 ]{0,15}",
            width in 0usize..30,
        ) {
            let line = fit_line(Line::from(vec![Span::raw(a.clone()), Span::raw(b.clone())]), width);
            let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
            prop_assert_eq!(text, fit(&format!("{a}{b}"), width));
        }
    }
}
