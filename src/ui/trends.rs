//! The `:trends` view: queue depth (open) per inbox over the chosen window, breached
//! conversations over time, and teammates by load against cap in the newest sample. Drawn
//! from what the history database answered (`App::trends`); nothing here reads the file.
//!
//! Each inbox's line has its own symbol (named in the legend), so the chart reads without
//! colour.

use super::Ctx;
use super::theme::Role;
use crate::app::App;
use crate::history::{Load, Trends};
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Bar, BarChart, Block, Chart, Dataset, GraphType, Paragraph};

/// The symbols of the inbox lines, in legend order.
const SYMBOLS: [char; 7] = ['•', 'x', '+', 'o', '#', '*', '%'];
/// Their colours (not in monochrome).
const COLOURS: [Color; 7] = [
    Color::Cyan,
    Color::Yellow,
    Color::Magenta,
    Color::Green,
    Color::LightBlue,
    Color::LightRed,
    Color::White,
];

/// Draws the trends view in `area`.
pub(super) fn trends(frame: &mut Frame, area: Rect, app: &App, ctx: Ctx) {
    let t = ctx.theme;
    let window = app.trends_window.label();
    let trends = match &app.trends {
        None => return centred(frame, area, Line::from("Reading the shift's history…")),
        Some(Err(why)) => {
            return centred(
                frame,
                area,
                Line::from(vec![
                    Span::styled("History unavailable: ", t.style(Role::Bad)),
                    Span::raw(why.clone()),
                ]),
            );
        }
        Some(Ok(trends)) => trends,
    };
    if trends.samples == 0 {
        return centred(
            frame,
            area,
            Line::from(format!(
                "No history recorded in the last {window} yet: each refresh is recorded (at most one a minute)"
            )),
        );
    }
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
    queues(frame, top, app, trends, ctx);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(bottom);
    breaches(frame, left, trends, ctx);
    load(frame, right, &trends.load, ctx);
}

fn centred(frame: &mut Frame, area: Rect, line: Line<'_>) {
    let y = area.y + area.height / 2;
    frame.render_widget(
        Paragraph::new(line)
            .alignment(Alignment::Center)
            .wrap(ratatui::widgets::Wrap { trim: true }),
        Rect::new(area.x, y, area.width, area.height - area.height / 2),
    );
}

fn hhmm(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.strftime("%H:%M").to_string())
        .unwrap_or_default()
}

/// The x axis: the window, labelled at its start, middle and end (UTC).
fn time_axis<'a>(trends: &Trends, ctx: Ctx) -> Axis<'a> {
    let (from, to) = (trends.from.as_second(), trends.to.as_second());
    // Over a day the two ends read the same hour: the start names its day.
    let start = match trends.window {
        crate::history::Window::Day => jiff::Timestamp::from_second(from)
            .map(|t| t.strftime("%a %H:%M").to_string())
            .unwrap_or_default(),
        _ => hhmm(from),
    };
    Axis::default()
        .bounds([from as f64, to as f64])
        .labels([
            Line::from(start),
            Line::from(hhmm(from + (to - from) / 2)),
            Line::from(hhmm(to)),
        ])
        .style(ctx.theme.style(Role::Dim))
}

/// A y axis from zero (never from the lowest value: 18 → 19 is no spike) to a round top.
fn count_axis<'a>(max: u32, ctx: Ctx) -> (Axis<'a>, f64) {
    let top = match max {
        0..=4 => 4,
        n if n <= 10 => 10,
        n => n.div_ceil(10) * 10,
    };
    let axis = Axis::default()
        .bounds([0.0, f64::from(top)])
        .labels([
            Line::from("0"),
            Line::from((top / 2).to_string()),
            Line::from(top.to_string()),
        ])
        .style(ctx.theme.style(Role::Dim));
    (axis, f64::from(top))
}

fn queues(frame: &mut Frame, area: Rect, app: &App, trends: &Trends, ctx: Ctx) {
    let t = ctx.theme;
    // The keys that choose the window, as bound (the hint bar may have no room for them).
    use crate::app::keymap::Action as A;
    let keys: Option<Vec<String>> = [A::FocusInboxes, A::FocusTeammates, A::FocusSla]
        .iter()
        .map(|a| app.keymap.key_for(*a))
        .collect();
    let window_keys = keys
        .map(|k| format!("{}: 1h/8h/24h", k.join("/")))
        .unwrap_or_default();
    let block = Block::bordered()
        .title(Span::styled(
            fit_title(
                &[
                    format!("Open per inbox · last {} (UTC)", trends.window.label()),
                    format!("{} samples", trends.samples),
                    window_keys,
                ],
                area.width,
            ),
            t.style(Role::Focus),
        ))
        .border_style(t.style(Role::Border));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 3 || inner.width < 20 {
        return;
    }
    let shown = trends.inboxes.len().min(SYMBOLS.len());
    let points: Vec<Vec<(f64, f64)>> = trends.inboxes[..shown]
        .iter()
        .map(|s| {
            s.points
                .iter()
                .map(|&(at, n)| (at as f64, f64::from(n)))
                .collect()
        })
        .collect();
    // The legend: one whole item per inbox while they fit, busiest first; only the inboxes
    // named are drawn.
    let mut legend: Vec<Span> = Vec::new();
    let mut used = 0usize;
    let mut drawn = 0usize;
    let room = usize::from(inner.width);
    for (n, s) in trends.inboxes[..shown].iter().enumerate() {
        let item = format!("{} {} (peak {})", SYMBOLS[n], s.name, s.peak);
        let width = item.chars().count() + 2;
        // Keep room for "+N more" unless this is the last inbox.
        let reserve = if n + 1 < trends.inboxes.len() { 8 } else { 0 };
        if used + width + reserve > room {
            break;
        }
        used += width;
        drawn += 1;
        legend.push(Span::styled(item, series_style(n, ctx)));
        legend.push(Span::raw("  "));
    }
    let left_out = trends.inboxes.len() - drawn;
    if left_out > 0 {
        legend.push(Span::styled(
            format!("+{left_out} more"),
            t.style(Role::Dim),
        ));
    }
    let datasets: Vec<Dataset> = points
        .iter()
        .enumerate()
        .take(drawn)
        .map(|(n, data)| {
            Dataset::default()
                .marker(Marker::Custom(SYMBOLS[n]))
                .graph_type(GraphType::Line)
                .style(series_style(n, ctx))
                .data(data)
        })
        .collect();
    let peak = trends.inboxes.iter().map(|s| s.peak).max().unwrap_or(0);
    let (y, _) = count_axis(peak, ctx);
    let chart = Chart::new(datasets)
        .x_axis(time_axis(trends, ctx))
        .y_axis(y)
        .legend_position(None);
    let [legend_row, chart_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    frame.render_widget(Paragraph::new(Line::from(legend)), legend_row);
    frame.render_widget(chart, chart_area);
}

/// A title of `parts` joined by " · ", the trailing ones left out whole while it does not
/// fit between the corners of a box `width` wide.
fn fit_title(parts: &[String], width: u16) -> String {
    // Two corners and a border cell either side.
    let room = usize::from(width).saturating_sub(2);
    let mut n = parts.len();
    loop {
        let text: Vec<&str> = parts[..n]
            .iter()
            .map(String::as_str)
            .filter(|p| !p.is_empty())
            .collect();
        let title = format!(" {} ", text.join(" · "));
        if n <= 1 || Span::raw(title.as_str()).width() <= room {
            return title;
        }
        n -= 1;
    }
}

fn series_style(n: usize, ctx: Ctx) -> Style {
    if ctx.theme.monochrome {
        Style::default()
    } else {
        Style::default().fg(COLOURS[n % COLOURS.len()])
    }
}

fn breaches(frame: &mut Frame, area: Rect, trends: &Trends, ctx: Ctx) {
    let t = ctx.theme;
    let peak = trends.breached.iter().map(|&(_, n)| n).max().unwrap_or(0);
    let now = trends.breached.last().map_or(0, |&(_, n)| n);
    let block = Block::bordered()
        .title(Span::styled(
            fit_title(
                &[
                    "Breached".into(),
                    format!("{now} now"),
                    format!("peak {peak}"),
                ],
                area.width,
            ),
            t.style(Role::Header),
        ))
        .border_style(t.style(Role::Border));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 2 || inner.width < 16 {
        return;
    }
    let data: Vec<(f64, f64)> = trends
        .breached
        .iter()
        .map(|&(at, n)| (at as f64, f64::from(n)))
        .collect();
    let (y, _) = count_axis(peak, ctx);
    let chart = Chart::new(vec![
        Dataset::default()
            .marker(Marker::Custom('!'))
            .graph_type(GraphType::Line)
            .style(t.style(Role::Bad))
            .data(&data),
    ])
    .x_axis(time_axis(trends, ctx))
    .y_axis(y)
    .legend_position(None);
    frame.render_widget(chart, inner);
}

/// Teammates by load against cap: the buckets and their labels.
fn buckets(load: &[Load]) -> Vec<(&'static str, u64, Role)> {
    let mut counts = [0u64; 6];
    for l in load {
        let b = match l.cap {
            _ if l.load == 0 => 0,
            None | Some(0) => 5,
            Some(c) if l.load > c => 4,
            Some(c) if l.load == c => 3,
            Some(c) if l.load * 2 >= c => 2,
            Some(_) => 1,
        };
        counts[b] += 1;
    }
    let all = [
        ("none open", Role::Dim),
        ("< half cap", Role::Good),
        ("≥ half cap", Role::Notice),
        ("at cap", Role::Warn),
        ("over cap", Role::Bad),
        ("no cap", Role::Dim),
    ];
    all.iter()
        .zip(counts)
        .enumerate()
        // "no cap" only when someone has none.
        .filter(|(n, (_, c))| *n < 5 || *c > 0)
        .map(|(_, ((label, role), c))| (*label, c, *role))
        .collect()
}

fn load(frame: &mut Frame, area: Rect, load: &[Load], ctx: Ctx) {
    let t = ctx.theme;
    let block = Block::bordered()
        .title(Span::styled(
            fit_title(
                &["Load now".into(), format!("{} teammates", load.len())],
                area.width,
            ),
            t.style(Role::Header),
        ))
        .border_style(t.style(Role::Border));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 1 || inner.width < 16 {
        return;
    }
    // Too few rows for every bucket: the least telling ones (nobody's load first) go.
    let mut buckets = buckets(load);
    let rows = usize::from(inner.height);
    if buckets.len() > rows {
        buckets.drain(..buckets.len() - rows);
    }
    let bars: Vec<Bar> = buckets
        .into_iter()
        .map(|(label, n, role)| {
            Bar::default()
                .label(Line::from(format!("{label} ")))
                .value(n)
                .text_value(n.to_string())
                .style(t.style(role))
                .value_style(t.style(Role::Selected))
        })
        .collect();
    let chart = BarChart::horizontal(bars)
        .bar_width(1)
        .bar_gap(0)
        .label_style(t.style(Role::Text));
    frame.render_widget(chart, inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_drops_whole_trailing_parts_never_a_word() {
        let parts = [
            "Open per inbox".to_owned(),
            "61 samples".into(),
            "1/2/3: 1h/8h/24h".into(),
        ];
        assert_eq!(
            fit_title(&parts, 80),
            " Open per inbox · 61 samples · 1/2/3: 1h/8h/24h "
        );
        assert_eq!(fit_title(&parts, 40), " Open per inbox · 61 samples ");
        assert_eq!(fit_title(&parts, 20), " Open per inbox ");
    }

    fn l(load: u32, cap: Option<u32>) -> Load {
        Load {
            name: "x".into(),
            load,
            cap,
        }
    }

    #[test]
    fn teammates_fall_in_one_bucket_each_by_load_against_cap() {
        let b = buckets(&[
            l(0, Some(4)),
            l(1, Some(4)),
            l(2, Some(4)),
            l(4, Some(4)),
            l(5, Some(4)),
            l(6, Some(4)),
        ]);
        let counts: Vec<(&str, u64)> = b.iter().map(|(n, c, _)| (*n, *c)).collect();
        assert_eq!(
            counts,
            vec![
                ("none open", 1),
                ("< half cap", 1),
                ("≥ half cap", 1),
                ("at cap", 1),
                ("over cap", 2)
            ]
        );
        let b = buckets(&[l(3, None)]);
        assert_eq!(b.last().map(|x| (x.0, x.1)), Some(("no cap", 1)));
    }
}
