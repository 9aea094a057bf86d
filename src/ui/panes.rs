//! The three panes of the main view.

use super::Ctx;
use super::columns::{self, Column};
use super::format::{countdown, gauge, short, sparkline};
use super::theme::Role;
use crate::app::{App, Hits, ListHit, Pane, SortMode};
use crate::domain::metrics::{SlaStanding, sla_standing};
use crate::domain::{Conversation, Level, PresenceStatus, Snapshot, Teammate};
use jiff::SignedDuration;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Row, Table, TableState};

/// The bordered block of a list, with title, sort and filter.
/// A pane title with its marks counted: "Teammates · 3 marked".
pub(super) fn marked_title(title: &str, marked: usize) -> String {
    if marked == 0 {
        title.to_owned()
    } else {
        format!("{title} · {marked} marked")
    }
}

pub(super) fn block<'a>(
    title: &str,
    focused: bool,
    sort: Option<SortMode>,
    filter: &str,
    ctx: Ctx,
) -> Block<'a> {
    let t = ctx.theme;
    let mut spans = vec![Span::styled(
        format!(" {title} "),
        if focused {
            t.style(Role::Focus)
        } else {
            t.style(Role::Header)
        },
    )];
    if let Some(s) = sort.filter(|s| *s != SortMode::Natural) {
        spans.push(Span::styled(
            format!("sorted by {} ", s.label()),
            t.style(Role::Dim),
        ));
    }
    if !filter.is_empty() {
        spans.push(Span::styled(format!("/{filter} "), t.style(Role::Warn)));
    }
    Block::bordered()
        .title(Line::from(spans))
        .border_style(if focused {
            t.style(Role::Focus)
        } else {
            t.style(Role::Border)
        })
}

/// A table state whose offset keeps `selected` visible in `height` rows.
pub(super) fn state(selected: usize, len: usize, height: u16, focused: bool) -> TableState {
    let h = usize::from(height).max(1);
    let offset = if selected >= h { selected + 1 - h } else { 0 };
    TableState::default()
        .with_offset(offset.min(len.saturating_sub(1)))
        .with_selected(focused.then_some(selected))
}

/// The rows of a list that fit in `area` (a bordered table with a header) with `selected`
/// kept in view: only these are built, so a frame costs the visible rows, not the list.
pub(super) fn visible(area: Rect, selected: usize, len: usize) -> std::ops::Range<usize> {
    let h = usize::from(area.height.saturating_sub(3)).max(1);
    let offset = if selected >= h { selected + 1 - h } else { 0 };
    let start = offset.min(len.saturating_sub(1));
    start..(start + h).min(len)
}

/// Renders a table built from the [`visible`] rows and records its rows' area for clicks.
#[allow(clippy::too_many_arguments)]
pub(super) fn render_list(
    frame: &mut Frame,
    area: Rect,
    table: Table<'_>,
    pane: Pane,
    selected: usize,
    len: usize,
    focused: bool,
    hits: &mut Hits,
) {
    // Rows start below the border and the header row.
    let rows_area = Rect::new(
        area.x + 1,
        area.y + 2,
        area.width.saturating_sub(2),
        area.height.saturating_sub(3),
    );
    let window = visible(area, selected, len);
    let offset = window.start;
    let mut st = TableState::default().with_selected(
        focused
            .then(|| selected.saturating_sub(offset))
            .filter(|_| len > 0),
    );
    frame.render_stateful_widget(table, area, &mut st);
    hits.lists.push(ListHit {
        pane,
        x: rows_area.x,
        y: rows_area.y,
        width: rows_area.width,
        height: rows_area.height,
        offset,
    });
}

/// A row's leading mark: `…` while a write to it is in flight, `●` when marked.
pub(super) fn mark(app: &App, target: &str, marked: bool) -> &'static str {
    if app.pending.contains(target) {
        "…"
    } else if marked {
        "●"
    } else {
        " "
    }
}

/// A table of `columns` sized by `widths`: the header (with the sort indicator on the sorted
/// column) and each row's cells fitted to their column.
pub(super) fn grid(
    columns: &[Column],
    widths: &[Option<u16>],
    rows: Vec<Vec<(Line<'static>, Style)>>,
    sorted: Option<(usize, &str)>,
    ctx: Ctx,
) -> Table<'static> {
    let head =
        Row::new(columns::header_of(columns, widths, sorted)).style(ctx.theme.style(Role::Header));
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|r| Row::new(columns::cells_of(columns, widths, r)))
        .collect();
    Table::new(rows, columns::constraints(widths))
        .header(head)
        .column_spacing(columns::SPACING)
}

/// The one row of an empty list: "no matches" under a filter, else `empty`.
pub(super) fn empty_row(
    filter: &str,
    empty: &str,
    n: usize,
    ctx: Ctx,
) -> Vec<(Line<'static>, Style)> {
    let text = if filter.is_empty() {
        empty
    } else {
        "no matches"
    };
    let mut row = vec![(Line::from(text.to_owned()), ctx.theme.style(Role::Dim))];
    row.resize(n.max(1), (Line::default(), Style::default()));
    row
}

/// A list's title with its position and counts: "Teammates 12/25 · 2 marked"; under a
/// filter, "Inboxes 1/3 of 5".
pub(super) fn counted_title(
    title: &str,
    selected: usize,
    shown: usize,
    total: usize,
    marked: usize,
) -> String {
    let at = if shown == 0 {
        0
    } else {
        selected.min(shown - 1) + 1
    };
    let of = if shown < total {
        format!(" of {total}")
    } else {
        String::new()
    };
    marked_title(&format!("{title} {at}/{shown}{of}"), marked)
}

/// The sort indicator of `pane`: which of its columns is sorted and the arrow (▼ biggest
/// first, ▲ smallest or A→Z first; flipped by `S`).
pub(super) fn sort_mark(app: &App, pane: Pane) -> Option<(usize, &'static str)> {
    let mode = app.sort[super::pane_index(pane)];
    let column = match (pane, mode) {
        (Pane::Inboxes, SortMode::Name) => 0,
        (Pane::Inboxes, SortMode::Open) => 1,
        (Pane::Inboxes, SortMode::Unassigned) => 2,
        (Pane::Inboxes, SortMode::OldestWait) => 4,
        (Pane::Inboxes, SortMode::Breached) => 5,
        (Pane::Teammates, SortMode::Name) => 0,
        (Pane::Teammates, SortMode::Load | SortMode::Utilisation) => 1,
        (Pane::Teammates, SortMode::OldestWait) => 5,
        (Pane::Sla, SortMode::Natural) => 0,
        (Pane::Sla, SortMode::Priority) => 1,
        _ => return None,
    };
    let down = mode.descending() != app.sort_reversed[super::pane_index(pane)];
    Some((column, if down { "▼" } else { "▲" }))
}

/// " · reversed" in a title while `S` has reversed the natural order (no column shows it).
fn reversed(app: &App, pane: Pane) -> &'static str {
    let i = super::pane_index(pane);
    if app.sort_reversed[i] && app.sort[i] == SortMode::Natural {
        " · reversed"
    } else {
        ""
    }
}

fn num(n: u32, role: Role, ctx: Ctx) -> (Line<'static>, Style) {
    let style = if n > 0 {
        ctx.theme.style(role)
    } else {
        ctx.theme.style(Role::Dim)
    };
    (Line::from(n.to_string()), style)
}

fn plain(text: impl Into<String>, style: Style) -> (Line<'static>, Style) {
    (Line::from(text.into()), style)
}

/// The forecast's first breach of an inbox: `~12m`, `↑` when the queue grows; `—` when none
/// is expected.
fn next_breach(app: &App, inbox: &crate::domain::InboxId, ctx: Ctx) -> (Line<'static>, Style) {
    let Some(f) = app.forecast(inbox) else {
        return plain("—", ctx.theme.style(Role::Dim));
    };
    let growing = f
        .arrivals_per_min
        .is_some_and(|a| a > f.handled_per_min + f64::EPSILON);
    let arrow = if growing { "↑" } else { " " };
    match &f.first_breach {
        Some(b) => {
            let role = if b.after < SignedDuration::from_mins(15) {
                Role::Bad
            } else if b.after < SignedDuration::from_hours(1) {
                Role::Warn
            } else {
                Role::Text
            };
            plain(format!("~{}{arrow}", short(b.after)), ctx.theme.style(role))
        }
        None => plain(format!("—{arrow}"), ctx.theme.style(Role::Dim)),
    }
}

/// The inboxes' columns, most needed first: name, open and breached stay longest; the queue
/// trend drops first, then the number waiting, Duty/Away, Oldest.
fn inbox_columns(name_width: usize) -> Vec<Column> {
    vec![
        Column::new(" Inbox", (name_width + 1).clamp(10, 14) as u16, 14)
            .max(24)
            .content([name_width + 1]),
        Column::figure("Open", 5).priority(1),
        Column::figure("Unasg", 5).priority(2),
        Column::figure("Wait", 5).priority(6),
        Column::figure("Oldest", 6).priority(4),
        Column::figure("Brch", 5).priority(1),
        Column::figure("Soon", 5).priority(3),
        Column::figure("Duty/Away", 9).priority(5),
        Column::figure("Next", 6).priority(3),
        Column::new("Queue trend", 6, 12).max(40).grow().priority(7),
    ]
}

pub(super) fn inboxes(frame: &mut Frame, area: Rect, app: &App, ctx: Ctx, hits: &mut Hits) {
    let (Some(s), Some(m)) = (&app.snapshot, &app.metrics) else {
        return;
    };
    let focused = app.focus == Pane::Inboxes;
    let rows_idx = app.rows(Pane::Inboxes);
    let window = visible(area, app.selected[0], rows_idx.len());
    let shown = rows_idx.window(window);
    let name_w = shown
        .iter()
        .map(|&n| columns::cells(&s.inboxes[n].name))
        .max()
        .unwrap_or(0);
    let cols = inbox_columns(name_w);
    let widths = columns::widths(&cols, area.width.saturating_sub(2));
    let trend_w = usize::from(widths[9].unwrap_or(0));
    let mut rows: Vec<Vec<(Line<'static>, Style)>> = shown
        .into_iter()
        .map(|n| {
            let inbox = &s.inboxes[n];
            let mark = mark(app, &format!("inbox {}", inbox.id), false);
            let name = plain(format!("{mark}{}", inbox.name), Style::default());
            let Some(f) = m.inbox_at(n, &inbox.id) else {
                return vec![name];
            };
            let wait = f.oldest_wait.map(short).unwrap_or_else(|| "—".into());
            let wait_role = match f.oldest_wait {
                Some(w) if w > SignedDuration::from_hours(1) => Role::Bad,
                Some(w) if w > SignedDuration::from_mins(15) => Role::Warn,
                _ => Role::Text,
            };
            let trend = app
                .history
                .get(&inbox.id)
                .filter(|_| trend_w > 0)
                .map(|h| sparkline(h.iter().copied(), trend_w))
                .unwrap_or_default();
            vec![
                name,
                num(f.open, Role::Text, ctx),
                num(f.unassigned, Role::Warn, ctx),
                num(f.waiting, Role::Text, ctx),
                plain(wait, ctx.theme.style(wait_role)),
                if f.breached > 0 {
                    plain(format!("!{}", f.breached), ctx.theme.style(Role::Bad))
                } else {
                    plain("0", ctx.theme.style(Role::Dim))
                },
                num(f.breaching_soon, Role::Warn, ctx),
                plain(format!("{}/{}", f.on_duty, f.away), Style::default()),
                next_breach(app, &inbox.id, ctx),
                plain(trend, ctx.theme.style(Role::Good)),
            ]
        })
        .collect();
    if rows.is_empty() {
        rows.push(empty_row(&app.filter[0], "no inboxes", cols.len(), ctx));
    }
    let title = counted_title(
        "Inboxes",
        app.selected[0],
        rows_idx.len(),
        s.inboxes.len(),
        0,
    );
    let table = grid(&cols, &widths, rows, sort_mark(app, Pane::Inboxes), ctx)
        .block(block(
            &format!("{title}{}", reversed(app, Pane::Inboxes)),
            focused,
            Some(app.sort[0]),
            &app.filter[0],
            ctx,
        ))
        .row_highlight_style(ctx.theme.style(Role::Selected));
    render_list(
        frame,
        area,
        table,
        Pane::Inboxes,
        app.selected[0],
        rows_idx.len(),
        focused,
        hits,
    );
}

/// The away / idle / capacity badge of a teammate.
pub(super) fn badge(
    app: &App,
    t: &Teammate,
    over: bool,
    idle: bool,
    spare: bool,
    ctx: Ctx,
) -> Span<'static> {
    let th = ctx.theme;
    if let Some(b) = app.blocks.iter().find(|b| b.teammate == t.id) {
        Span::styled(
            match &b.by {
                Some(by) => format!("BLOCK {} {} ({by})", short(b.left(ctx.now)), b.label),
                None => format!("BLOCK {} {}", short(b.left(ctx.now)), b.label),
            },
            th.style(Role::Away),
        )
    } else if t.presence.is_away() {
        let reason = t
            .presence
            .reason
            .as_ref()
            .map(|r| {
                format!(
                    " {}{}",
                    r.emoji
                        .as_deref()
                        .map(|e| format!("{e} "))
                        .unwrap_or_default(),
                    r.label
                )
            })
            .unwrap_or_default();
        let word = match t.presence.status {
            PresenceStatus::AwayReassign => "AWAY ⇄",
            PresenceStatus::TransfersOnly => "TRANSFERS",
            PresenceStatus::Offline => "OFFLINE",
            _ => "AWAY",
        };
        Span::styled(format!("{word}{reason}"), th.style(Role::Away))
    } else if over {
        Span::styled("▲ over cap", th.style(Role::Bad))
    } else if !t.has_inbox_seat {
        Span::styled("no inbox seat", th.style(Role::Dim))
    } else if idle {
        Span::styled("z idle?", th.style(Role::Warn))
    } else if spare {
        Span::styled("· spare", th.style(Role::Good))
    } else {
        Span::styled("at cap", th.style(Role::Dim))
    }
}

fn inbox_names(s: &Snapshot, t: &Teammate, level: Level) -> String {
    t.memberships
        .iter()
        .filter(|(_, l)| *l == level)
        .filter_map(|(i, _)| s.inbox(i).map(|i| i.name.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Local time of a teammate at `ctx.now`, `HH:MM`, when their zone is known.
pub(super) fn local_time(t: &Teammate, ctx: Ctx) -> String {
    t.time_zone
        .as_deref()
        .and_then(|tz| jiff::tz::TimeZone::get(tz).ok())
        .map(|tz| ctx.now.to_zoned(tz).strftime("%H:%M").to_string())
        .unwrap_or_default()
}

/// The teammates' columns: the name and status stay longest (status gets room for its text
/// before the inbox lists grow); the local time, then Secondary, then Oldest drop first.
fn teammate_columns(levels: bool, name_w: usize, status_w: usize, primary_w: usize) -> Vec<Column> {
    vec![
        Column::new(
            " Teammate",
            (name_w + 1).clamp(10, 14) as u16,
            (name_w + 1).clamp(10, 20) as u16,
        )
        .max(24)
        .content([name_w + 1]),
        Column::new("Load/cap", 8, 13).max(17).priority(2),
        // A status up to 18 cells ("AWAY ☕ On a break") is never cut: narrower columns drop
        // first.
        Column::new(
            "Status",
            status_w.clamp(10, 18) as u16,
            status_w.clamp(10, 26) as u16,
        )
        .max(32)
        .content([status_w])
        .priority(1),
        Column::new(
            if levels { "Primary" } else { "Inboxes" },
            primary_w.clamp(8, 14) as u16,
            12,
        )
        .max(36)
        .grow()
        .priority(3),
        Column::new("Secondary", 10, 12).max(30).grow().priority(5),
        Column::figure("Oldest", 6).priority(4),
        Column::new("Local", 5, 5).priority(6),
    ]
}

pub(super) fn teammates(frame: &mut Frame, area: Rect, app: &App, ctx: Ctx, hits: &mut Hits) {
    let (Some(s), Some(m)) = (&app.snapshot, &app.metrics) else {
        return;
    };
    let focused = app.focus == Pane::Teammates;
    let rows_idx = app.rows(Pane::Teammates);
    // Levels are a capability: without them there is no Secondary column.
    let levels = app.capabilities.has_levels();
    let window = visible(area, app.selected[1], rows_idx.len());
    struct Data<'a> {
        t: &'a Teammate,
        f: Option<&'a crate::domain::metrics::TeammateMetrics>,
        badge: Span<'static>,
    }
    let data: Vec<Data> = rows_idx
        .window(window)
        .into_iter()
        .map(|n| {
            let t = &s.teammates[n];
            let f = m.teammate_at(n, &t.id);
            let badge = badge(
                app,
                t,
                f.is_some_and(|f| f.over_cap),
                f.is_some_and(|f| f.idle),
                f.is_some_and(|f| f.has_capacity),
                ctx,
            );
            Data { t, f, badge }
        })
        .collect();
    let name_w = data
        .iter()
        .map(|d| columns::cells(&d.t.name))
        .max()
        .unwrap_or(0);
    let status_w = data
        .iter()
        .map(|d| columns::cells(&d.badge.content))
        .max()
        .unwrap_or(0);
    // The widest primary inbox name: a single one is never cut.
    let primary_w = data
        .iter()
        .flat_map(|d| {
            d.t.memberships
                .iter()
                .filter(|(_, l)| *l == Level::Primary)
                .filter_map(|(i, _)| s.inbox(i).map(|i| columns::cells(&i.name)))
        })
        .max()
        .unwrap_or(0);
    let mut cols = teammate_columns(levels, name_w, status_w, primary_w);
    if !levels {
        cols.remove(4);
    }
    let widths = columns::widths(&cols, area.width.saturating_sub(2));
    // The gauge takes what the load column has beside " 12/12".
    let gauge_w = usize::from(widths[1].unwrap_or(0))
        .saturating_sub(7)
        .min(10);
    let mut rows: Vec<Vec<(Line<'static>, Style)>> = data
        .into_iter()
        .map(|Data { t, f, badge }| {
            let load = f.map_or(0, |f| f.load);
            let cap = t.cap.map_or(0, |c| c.value);
            let over = f.is_some_and(|f| f.over_cap);
            let g_role = if over {
                Role::Bad
            } else if load >= cap {
                Role::Warn
            } else {
                Role::Good
            };
            let mark = mark(
                app,
                &format!("teammate {}", t.id),
                app.marked_mates.contains(&t.id),
            );
            let figures = if gauge_w > 0 {
                format!(" {load:>2}/{cap:<2}")
            } else {
                format!("{load}/{cap}")
            };
            let style = badge.style;
            let mut row = vec![
                plain(format!("{mark}{}", t.name), Style::default()),
                (
                    Line::from(vec![
                        Span::styled(gauge(load, cap, gauge_w), ctx.theme.style(g_role)),
                        Span::raw(figures),
                    ]),
                    Style::default(),
                ),
                (Line::from(badge.content.into_owned()), style),
                plain(inbox_names(s, t, Level::Primary), Style::default()),
            ];
            if levels {
                row.push(plain(
                    inbox_names(s, t, Level::Secondary),
                    ctx.theme.style(Role::Dim),
                ));
            }
            row.push(plain(
                f.and_then(|f| f.oldest_wait).map(short).unwrap_or_default(),
                Style::default(),
            ));
            row.push(plain(local_time(t, ctx), ctx.theme.style(Role::Dim)));
            row
        })
        .collect();
    if rows.is_empty() {
        rows.push(empty_row(&app.filter[1], "no teammates", cols.len(), ctx));
    }
    let title = counted_title(
        "Teammates",
        app.selected[1],
        rows_idx.len(),
        s.teammates.len(),
        app.marked_mates.len(),
    );
    let table = grid(&cols, &widths, rows, sort_mark(app, Pane::Teammates), ctx)
        .block(block(
            &format!("{title}{}", reversed(app, Pane::Teammates)),
            focused,
            Some(app.sort[1]),
            &app.filter[1],
            ctx,
        ))
        .row_highlight_style(ctx.theme.style(Role::Selected));
    render_list(
        frame,
        area,
        table,
        Pane::Teammates,
        app.selected[1],
        rows_idx.len(),
        focused,
        hits,
    );
}

/// The countdown cell of a conversation: symbol + time, styled by threshold; `≈` marks an
/// estimate.
pub(super) fn sla_cell(c: &Conversation, app: &App, ctx: Ctx) -> (String, Style) {
    let t = ctx.theme;
    let Some(sla) = &c.sla else {
        return ("—".into(), t.style(Role::Dim));
    };
    let approx = if sla.deadline.is_some_and(|d| d.exact) {
        ""
    } else {
        "≈"
    };
    match (
        sla_standing(c, ctx.now, app.policy.breaching_soon),
        sla.deadline,
    ) {
        (SlaStanding::Breached, Some(d)) if d.at <= ctx.now => (
            format!("! {approx}{}", countdown(d.at.duration_since(ctx.now))),
            t.style(Role::Bad),
        ),
        (SlaStanding::Breached, _) => ("! missed".into(), t.style(Role::Bad)),
        (SlaStanding::Soon, Some(d)) => (
            format!("⚠ {approx}{}", countdown(d.at.duration_since(ctx.now))),
            t.style(Role::Warn),
        ),
        (SlaStanding::Later, Some(d)) => {
            let left = d.at.duration_since(ctx.now);
            let role = if left < app.warn_under {
                Role::Notice
            } else {
                Role::Text
            };
            let mark = if left < app.warn_under { "•" } else { " " };
            (format!("{mark} {approx}{}", countdown(left)), t.style(role))
        }
        _ => (format!("  {}", sla.name), t.style(Role::Dim)),
    }
}

/// The SLA list's columns: the countdown and the assignee stay longest; the priority drops
/// first; the conversation's title takes the surplus.
fn sla_columns(inbox_w: usize, who_w: usize) -> Vec<Column> {
    vec![
        Column::new(" Breach in", 10, 11),
        Column::new("Prio", 6, 6).priority(4),
        Column::new("Inbox", 8, inbox_w.clamp(8, 14) as u16)
            .max(20)
            .content([inbox_w])
            .priority(2),
        Column::new("Assignee", 8, who_w.clamp(8, 18) as u16)
            .max(24)
            .content([who_w])
            .priority(1),
        Column::new("Conversation", 12, 20).grow().priority(3),
    ]
}

pub(super) fn sla(frame: &mut Frame, area: Rect, app: &App, ctx: Ctx, hits: &mut Hits) {
    let (Some(s), Some(m)) = (&app.snapshot, &app.metrics) else {
        return;
    };
    let focused = app.focus == Pane::Sla;
    let rows_idx = app.rows(Pane::Sla);
    let sel = app.selected[2];
    let window = visible(area, sel, rows_idx.len());
    let convs: Vec<&Conversation> = rows_idx
        .window(window)
        .into_iter()
        .filter_map(|n| {
            m.sla_queue
                .get(n)
                .and_then(|u| s.conversation(&u.conversation))
        })
        .collect();
    let named: Vec<(&str, &str)> = convs
        .iter()
        .map(|c| {
            let (inbox, who) = crate::app::names(s, c);
            (inbox, if who.is_empty() { "unassigned" } else { who })
        })
        .collect();
    let cols = sla_columns(
        named
            .iter()
            .map(|(i, _)| columns::cells(i))
            .max()
            .unwrap_or(0),
        named
            .iter()
            .map(|(_, w)| columns::cells(w))
            .max()
            .unwrap_or(0),
    );
    let widths = columns::widths(&cols, area.width.saturating_sub(2));
    let mut rows: Vec<Vec<(Line<'static>, Style)>> = convs
        .iter()
        .zip(named)
        .map(|(c, (inbox, who))| {
            let (text, style) = sla_cell(c, app, ctx);
            let mark = mark(
                app,
                &format!("conversation {}", c.id),
                app.marked.contains(&c.id),
            );
            vec![
                plain(format!("{mark}{text}"), style),
                plain(c.priority.as_str(), Style::default()),
                plain(inbox, Style::default()),
                plain(who, Style::default()),
                plain(crate::app::title(app, c), ctx.theme.style(Role::Dim)),
            ]
        })
        .collect();
    if rows.is_empty() {
        rows.push(empty_row(&app.filter[2], "none", cols.len(), ctx));
    }
    // The title says the order itself (no "↓priority" tacked onto it).
    let order = match app.sort[2] {
        SortMode::Priority => "SLA — highest priority first, then nearest breach",
        _ => "SLA — nearest breach first",
    };
    let title = counted_title(
        order,
        sel,
        rows_idx.len(),
        m.sla_queue.len(),
        app.marked.len(),
    );
    let table = grid(&cols, &widths, rows, sort_mark(app, Pane::Sla), ctx)
        .block(block(
            &format!("{title}{}", reversed(app, Pane::Sla)),
            focused,
            None,
            &app.filter[2],
            ctx,
        ))
        .row_highlight_style(ctx.theme.style(Role::Selected));
    render_list(
        frame,
        area,
        table,
        Pane::Sla,
        sel,
        rows_idx.len(),
        focused,
        hits,
    );
}
