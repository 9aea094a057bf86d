//! The three panes of the main view.

use super::Ctx;
use super::format::{countdown, fit, gauge, short, sparkline};
use super::theme::Role;
use crate::app::{App, Hits, ListHit, Pane, SortMode};
use crate::domain::metrics::{SlaStanding, sla_standing};
use crate::domain::{Conversation, Level, PresenceStatus, Snapshot, Teammate};
use jiff::SignedDuration;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table, TableState};

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
        spans.push(Span::styled(format!("↓{} ", s.label()), t.style(Role::Dim)));
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

fn header<'a>(cells: &[&'a str], ctx: Ctx) -> Row<'a> {
    Row::new(cells.iter().map(|c| Cell::from(*c))).style(ctx.theme.style(Role::Header))
}

fn num(n: u32, role: Role, ctx: Ctx) -> Cell<'static> {
    let style = if n > 0 {
        ctx.theme.style(role)
    } else {
        ctx.theme.style(Role::Dim)
    };
    Cell::from(Line::from(n.to_string()).right_aligned()).style(style)
}

/// The forecast's first breach of an inbox: `~12m`, `↑` when the queue grows; `—` when none
/// is expected.
fn next_breach<'a>(app: &App, inbox: &crate::domain::InboxId, ctx: Ctx) -> Cell<'a> {
    let Some(f) = app.forecast(inbox) else {
        return Cell::from(Line::from("—").right_aligned()).style(ctx.theme.style(Role::Dim));
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
            Cell::from(Line::from(format!("~{}{arrow}", short(b.after))).right_aligned())
                .style(ctx.theme.style(role))
        }
        None => Cell::from(Line::from(format!("—{arrow}")).right_aligned())
            .style(ctx.theme.style(Role::Dim)),
    }
}

pub(super) fn inboxes(frame: &mut Frame, area: Rect, app: &App, ctx: Ctx, hits: &mut Hits) {
    let (Some(s), Some(m)) = (&app.snapshot, &app.metrics) else {
        return;
    };
    let focused = app.focus == Pane::Inboxes;
    let rows_idx = app.rows(Pane::Inboxes);
    let wide = area.width >= 98;
    let trend_w = if wide {
        usize::from(area.width.saturating_sub(86)).clamp(6, 30)
    } else {
        0
    };
    let window = visible(area, app.selected[0], rows_idx.len());
    let rows: Vec<Row> = rows_idx
        .window(window)
        .into_iter()
        .map(|n| {
            let inbox = &s.inboxes[n];
            let Some(f) = m.inbox_at(n, &inbox.id) else {
                return Row::new(vec![Cell::from(inbox.name.clone())]);
            };
            let wait = f.oldest_wait.map(short).unwrap_or_else(|| "—".into());
            let wait_role = match f.oldest_wait {
                Some(w) if w > SignedDuration::from_hours(1) => Role::Bad,
                Some(w) if w > SignedDuration::from_mins(15) => Role::Warn,
                _ => Role::Text,
            };
            let m = mark(app, &format!("inbox {}", inbox.id), false);
            let mut cells = vec![
                Cell::from(format!("{m}{}", fit(&inbox.name, 17))),
                num(f.open, Role::Text, ctx),
                num(f.unassigned, Role::Warn, ctx),
                num(f.waiting, Role::Text, ctx),
                Cell::from(Line::from(wait).right_aligned()).style(ctx.theme.style(wait_role)),
                Cell::from(
                    Line::from(if f.breached > 0 {
                        format!("!{}", f.breached)
                    } else {
                        "0".into()
                    })
                    .right_aligned(),
                )
                .style(if f.breached > 0 {
                    ctx.theme.style(Role::Bad)
                } else {
                    ctx.theme.style(Role::Dim)
                }),
                num(f.breaching_soon, Role::Warn, ctx),
                Cell::from(Line::from(format!("{}/{}", f.on_duty, f.away)).right_aligned()),
                next_breach(app, &inbox.id, ctx),
            ];
            if wide {
                let h = app.history.get(&inbox.id);
                let line = h
                    .map(|h| sparkline(h.iter().copied(), trend_w))
                    .unwrap_or_default();
                cells.push(Cell::from(line).style(ctx.theme.style(Role::Good)));
            }
            Row::new(cells)
        })
        .collect();
    let mut head = vec![
        " Inbox",
        " Open",
        "Unasg",
        " Wait",
        "Oldest",
        " Brch",
        " Soon",
        "Duty/Away",
        "  Next",
    ];
    let mut widths = vec![
        Constraint::Length(18),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(9),
        Constraint::Length(7),
    ];
    if wide {
        head.push("Queue trend");
        widths.push(Constraint::Min(6));
    }
    let table = Table::new(rows, widths)
        .header(header(&head, ctx))
        .block(block(
            "Inboxes",
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

pub(super) fn teammates(frame: &mut Frame, area: Rect, app: &App, ctx: Ctx, hits: &mut Hits) {
    let (Some(s), Some(m)) = (&app.snapshot, &app.metrics) else {
        return;
    };
    let focused = app.focus == Pane::Teammates;
    let rows_idx = app.rows(Pane::Teammates);
    let wide = area.width >= 110;
    // Levels are a capability: without them there is no Secondary column.
    let levels = app.capabilities.has_levels();
    let gauge_w = if wide { 10 } else { 6 };
    let window = visible(area, app.selected[1], rows_idx.len());
    let rows: Vec<Row> = rows_idx
        .window(window)
        .into_iter()
        .map(|n| {
            let t = &s.teammates[n];
            let f = m.teammate_at(n, &t.id);
            let load = f.map_or(0, |f| f.load);
            let cap = t.cap.map_or(0, |c| c.value);
            let over = f.is_some_and(|f| f.over_cap);
            let idle = f.is_some_and(|f| f.idle);
            let spare = f.is_some_and(|f| f.has_capacity);
            let g_role = if over {
                Role::Bad
            } else if load >= cap {
                Role::Warn
            } else {
                Role::Good
            };
            let m = mark(
                app,
                &format!("teammate {}", t.id),
                app.marked_mates.contains(&t.id),
            );
            let mut cells = vec![
                Cell::from(format!("{m}{}", fit(&t.name, 17))),
                Cell::from(Line::from(vec![
                    Span::styled(gauge(load, cap, gauge_w), ctx.theme.style(g_role)),
                    Span::raw(format!(" {load:>2}/{cap:<2}")),
                ])),
                Cell::from(badge(app, t, over, idle, spare, ctx)),
                Cell::from(fit(&inbox_names(s, t, Level::Primary), 22)),
            ];
            if wide && levels {
                cells.push(
                    Cell::from(fit(&inbox_names(s, t, Level::Secondary), 22))
                        .style(ctx.theme.style(Role::Dim)),
                );
            }
            if wide {
                let wait = f.and_then(|f| f.oldest_wait).map(short).unwrap_or_default();
                cells.push(Cell::from(Line::from(wait).right_aligned()));
                cells.push(Cell::from(local_time(t, ctx)).style(ctx.theme.style(Role::Dim)));
            }
            Row::new(cells)
        })
        .collect();
    let mut head = vec![
        " Teammate",
        "Load / cap",
        "Status",
        if levels { "Primary" } else { "Inboxes" },
    ];
    let mut widths = vec![
        Constraint::Length(18),
        Constraint::Length(gauge_w as u16 + 7),
        Constraint::Length(if wide { 26 } else { 14 }),
        Constraint::Min(10),
    ];
    if wide && levels {
        head.push("Secondary");
        widths.push(Constraint::Min(10));
    }
    if wide {
        head.extend(["Oldest", "Local"]);
        widths.extend([Constraint::Length(6), Constraint::Length(5)]);
    }
    let table = Table::new(rows, widths)
        .header(header(&head, ctx))
        .block(block(
            &marked_title("Teammates", app.marked_mates.len()),
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

pub(super) fn sla(frame: &mut Frame, area: Rect, app: &App, ctx: Ctx, hits: &mut Hits) {
    let (Some(s), Some(m)) = (&app.snapshot, &app.metrics) else {
        return;
    };
    let focused = app.focus == Pane::Sla;
    let rows_idx = app.rows(Pane::Sla);
    let wide = area.width >= 70;
    let sel = app.selected[2];
    let window = visible(area, sel, rows_idx.len());
    let rows: Vec<Row> = rows_idx
        .window(window)
        .into_iter()
        .map(|n| {
            let Some(c) = m
                .sla_queue
                .get(n)
                .and_then(|u| s.conversation(&u.conversation))
            else {
                return Row::new(Vec::<Cell>::new());
            };
            let (text, style) = sla_cell(c, app, ctx);
            let (inbox, who) = crate::app::names(s, c);
            let m = mark(
                app,
                &format!("conversation {}", c.id),
                app.marked.contains(&c.id),
            );
            let mut cells = vec![
                Cell::from(format!("{m}{text}")).style(style),
                Cell::from(c.priority.as_str()),
                Cell::from(fit(inbox, 12)),
                Cell::from(fit(if who.is_empty() { "unassigned" } else { who }, 16)),
            ];
            if wide {
                cells.push(Cell::from(crate::app::title(app, c)).style(ctx.theme.style(Role::Dim)));
            }
            Row::new(cells)
        })
        .collect();
    let mut head = vec![" Breach in", "Prio", "Inbox", "Assignee"];
    let mut widths = vec![
        Constraint::Length(11),
        Constraint::Length(6),
        Constraint::Length(12),
        Constraint::Length(16),
    ];
    if wide {
        head.push("Conversation");
        widths.push(Constraint::Min(10));
    }
    let table = Table::new(rows, widths)
        .header(header(&head, ctx))
        .block(block(
            &marked_title("SLA — nearest breach first", app.marked.len()),
            focused,
            Some(app.sort[2]),
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
