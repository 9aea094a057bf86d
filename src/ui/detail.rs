//! Drill-downs: one inbox (its conversations and members) or one teammate (their
//! conversations and memberships).

use super::Ctx;
use super::columns::{self, Column};
use super::format::{gauge, short};
use super::panes::{badge, block, local_time, render_list, sla_cell};
use super::theme::Role;
use crate::app::{App, Hits, Pane, names};
use crate::domain::{InboxId, Level, TeammateId};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Table};

/// A drill-down's conversations: the countdown and the assignee (or inbox) stay longest, the
/// priority drops first, the title takes the surplus.
fn conversations_table<'a>(
    app: &'a App,
    ctx: Ctx,
    area: Rect,
    title: &str,
    show_assignee: bool,
) -> (Table<'a>, usize) {
    let Some(s) = &app.snapshot else {
        return (Table::default(), 0);
    };
    let rows_data = app.detail_rows();
    let window = super::panes::visible(area, app.detail_selected, rows_data.len());
    let shown = &rows_data[window];
    let who: Vec<&str> = shown
        .iter()
        .map(|r| {
            let (inbox, who) = names(s, r.conversation);
            if show_assignee {
                if who.is_empty() { "unassigned" } else { who }
            } else {
                inbox
            }
        })
        .collect();
    let who_w = who.iter().map(|w| columns::cells(w)).max().unwrap_or(0);
    let cols = vec![
        Column::new(" Breach in", 10, 11),
        Column::new("Prio", 6, 6).priority(4),
        Column::figure("Wait", 6).priority(3),
        Column::new(
            if show_assignee { "Assignee" } else { "Inbox" },
            10,
            who_w.clamp(10, 18) as u16,
        )
        .max(24)
        .content([who_w])
        .priority(1),
        Column::new("Conversation", 12, 20).grow().priority(2),
    ];
    let widths = columns::widths(&cols, area.width.saturating_sub(2));
    let mut rows: Vec<Vec<(Line<'static>, Style)>> = shown
        .iter()
        .zip(who)
        .map(|(r, who)| {
            let c = r.conversation;
            let (text, style) = sla_cell(c, app, ctx);
            let m = super::panes::mark(
                app,
                &format!("conversation {}", c.id),
                app.marked.contains(&c.id),
            );
            let wait = c
                .waiting_since
                .map(|w| short(ctx.now.duration_since(w)))
                .unwrap_or_else(|| "—".into());
            vec![
                (Line::from(format!("{m}{text}")), style),
                (Line::from(c.priority.as_str()), Style::default()),
                (Line::from(wait), Style::default()),
                (Line::from(who.to_owned()), Style::default()),
                (Line::from(crate::app::title(app, c)), Style::default()),
            ]
        })
        .collect();
    if rows.is_empty() {
        rows.push(super::panes::empty_row(
            &app.detail_filter,
            "none",
            cols.len(),
            ctx,
        ));
    }
    let title = super::panes::counted_title(
        title,
        app.detail_selected,
        rows_data.len(),
        rows_data.len(),
        app.marked.len(),
    );
    let table = super::panes::grid(&cols, &widths, rows, None, ctx)
        .block(block(&title, true, None, &app.detail_filter, ctx))
        .row_highlight_style(ctx.theme.style(Role::Selected));
    (table, rows_data.len())
}

fn summary(frame: &mut Frame, area: Rect, lines: Vec<Line<'static>>) {
    frame.render_widget(Paragraph::new(lines), area);
}

/// One inbox.
pub(super) fn inbox(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    ctx: Ctx,
    id: &InboxId,
    hits: &mut Hits,
) {
    let (Some(s), Some(m)) = (&app.snapshot, &app.metrics) else {
        return;
    };
    let t = ctx.theme;
    let Some(inbox) = s.inbox(id) else {
        summary(
            frame,
            area,
            vec![Line::from(Span::styled(
                " This inbox is gone from the latest data. Esc to go back.",
                t.style(Role::Warn),
            ))],
        );
        return;
    };
    let f = m.inbox(id);
    let [top, body] = Layout::vertical([Constraint::Length(4), Constraint::Min(0)]).areas(area);
    let dist = inbox
        .distribution
        .as_ref()
        .map(|d| d.to_string())
        .unwrap_or_else(|| "unknown".into());
    let limit = inbox
        .assignment_limit
        .map(|l| format!(" · assignment limit {l}"))
        .unwrap_or_default();
    summary(
        frame,
        top,
        [
            Line::from(vec![
                Span::styled(format!(" {} ", inbox.name), t.style(Role::Focus)),
                Span::styled(
                    format!("· distribution {dist}{limit} · Esc back"),
                    t.style(Role::Dim),
                ),
            ]),
            Line::from(f.map_or_else(String::new, |f| {
                let parts = [
                    format!("open {}", f.open),
                    format!("unassigned {}", f.unassigned),
                    format!("waiting {}", f.waiting),
                    format!(
                        "oldest {}",
                        f.oldest_wait.map(short).unwrap_or_else(|| "—".into())
                    ),
                    format!("breached {}", f.breached),
                    format!("soon {}", f.breaching_soon),
                    format!("on duty {}", f.on_duty),
                    format!("away {}", f.away),
                ];
                format!(
                    " {}",
                    columns::join_fit(&parts, " · ", usize::from(top.width.saturating_sub(1)))
                )
            })),
        ]
        .into_iter()
        .chain(forecast_lines(app, id, ctx, usize::from(top.width)))
        .collect(),
    );
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(body);
    let (table, len) = conversations_table(app, ctx, left, "Conversations — priority order", true);
    render_list(
        frame,
        left,
        table,
        Pane::Sla,
        app.detail_selected,
        len,
        true,
        hits,
    );
    struct Member {
        name: String,
        level: &'static str,
        load: u32,
        cap: u32,
        status: Span<'static>,
    }
    let members: Vec<Member> = inbox
        .members
        .iter()
        .map(|mem| {
            let mate = s.teammate(&mem.teammate);
            let fm = m.teammate(&mem.teammate);
            let status = mate.map_or(Span::raw(""), |x| {
                badge(
                    app,
                    x,
                    fm.is_some_and(|f| f.over_cap),
                    fm.is_some_and(|f| f.idle),
                    fm.is_some_and(|f| f.has_capacity),
                    ctx,
                )
            });
            Member {
                name: mate.map_or_else(|| mem.teammate.to_string(), |x| x.name.clone()),
                level: match mem.level {
                    Level::Primary => "primary",
                    Level::Secondary => "secondary",
                },
                load: fm.map_or(0, |f| f.load),
                cap: mate.and_then(|x| x.cap).map_or(0, |c| c.value),
                status,
            }
        })
        .collect();
    let name_w = members
        .iter()
        .map(|x| columns::cells(&x.name))
        .max()
        .unwrap_or(0);
    let status_w = members
        .iter()
        .map(|x| columns::cells(&x.status.content))
        .max()
        .unwrap_or(0);
    // Name and status stay longest; the level drops first, then the load's gauge.
    let cols = vec![
        Column::new("Member", 10, name_w.clamp(10, 18) as u16)
            .max(24)
            .content([name_w]),
        Column::new("Level", 9, 9).priority(3),
        Column::new("Load", 5, 10).priority(2),
        Column::new("Status", 10, status_w.clamp(10, 26) as u16)
            .content([status_w])
            .grow()
            .priority(1),
    ];
    let widths = columns::widths(&cols, right.width.saturating_sub(2));
    let gauge_w = usize::from(widths[2].unwrap_or(0)).saturating_sub(6).min(4);
    let members: Vec<Vec<(Line<'static>, Style)>> = members
        .into_iter()
        .map(|x| {
            let load = if gauge_w > 0 {
                format!("{} {}/{}", gauge(x.load, x.cap, gauge_w), x.load, x.cap)
            } else {
                format!("{}/{}", x.load, x.cap)
            };
            let style = x.status.style;
            vec![
                (Line::from(x.name), Style::default()),
                (Line::from(x.level), Style::default()),
                (Line::from(load), Style::default()),
                (Line::from(x.status.content.into_owned()), style),
            ]
        })
        .collect();
    let table = super::panes::grid(&cols, &widths, members, None, ctx)
        .block(block(
            "Members · Tab to focus",
            app.members_focus,
            None,
            "",
            ctx,
        ))
        .row_highlight_style(ctx.theme.style(Role::Selected));
    let mut state = ratatui::widgets::TableState::default();
    if app.members_focus {
        state.select(Some(app.member_selected));
    }
    frame.render_stateful_widget(table, right, &mut state);
}

/// The share of new conversations the staffing line aims to answer within the forecast
/// target (the usual 80/x service-level goal).
const SERVICE_GOAL: f64 = 0.8;

/// How the forecast of an inbox was made, in a lead's words and `width` cells: the next
/// breach first (its clauses drop whole from the end when short of room), then the staffing
/// the Erlang C model asks for against who is on duty.
fn forecast_lines(app: &App, id: &InboxId, ctx: Ctx, width: usize) -> Vec<Line<'static>> {
    use crate::domain::forecast::{BreachCause, agents_needed};
    use crate::ui::format::fit;
    let t = ctx.theme;
    let Some(f) = app.forecast(id) else {
        return Vec::new();
    };
    let rph = app.policy.replies_per_hour;
    let figures = app.metrics.as_ref().and_then(|m| m.inbox(id));
    let on_duty = figures.map_or(0, |m| m.on_duty);
    let breached = figures.map_or(0, |m| m.breached);
    let Some(arrivals) = f.arrivals_per_min else {
        return vec![Line::from(Span::styled(
            fit(" forecast: measuring arrivals — needs a second poll", width),
            t.style(Role::Dim),
        ))];
    };
    // "next" once some have breached already: the forecast is about the ones still to come.
    let which = if breached > 0 { "next" } else { "first" };
    let breach = match &f.first_breach {
        Some(b) => format!(
            "{which} breach in ~{} ({})",
            short(b.after),
            match &b.cause {
                BreachCause::Deadline(c) => format!("SLA of #{c}"),
                BreachCause::Backlog => "the queue outgrows the target".into(),
            }
        ),
        None if breached > 0 => "no further breach expected".into(),
        None => "no breach expected".into(),
    };
    let clauses = [
        breach,
        format!(
            "waiting {} → ~{:.0} in 30 min",
            f.depth,
            f.depth_after(30.0)
        ),
        format!("{arrivals:.1} new a minute"),
        format!(
            "{on_duty} on duty answer ~{:.1} a minute ({rph} replies/h each)",
            f.handled_per_min
        ),
    ];
    let head = " forecast: ";
    let line = crate::ui::columns::join_fit(&clauses, " · ", width.saturating_sub(head.len()));
    let target = app.policy.forecast_target;
    let handle_s = if rph == 0 {
        f64::INFINITY
    } else {
        3600.0 / f64::from(rph)
    };
    let goal = format!("{:.0}%", SERVICE_GOAL * 100.0);
    let needed = agents_needed(
        arrivals / 60.0,
        handle_s,
        target.as_secs_f64(),
        SERVICE_GOAL,
        10_000,
    );
    let staffing = match needed {
        Some(needed) => format!(
            " staffing: to answer {goal} within {} you need {needed} on duty; you have {on_duty}",
            short(target)
        ),
        None => format!(
            " staffing: at {arrivals:.1} new a minute no number on duty answers {goal} within {}",
            short(target)
        ),
    };
    let short_of = needed.is_none_or(|n| n > on_duty);
    vec![
        Line::from(vec![
            Span::styled(head, t.style(Role::Header)),
            Span::raw(line),
        ]),
        Line::from(Span::styled(
            fit(&staffing, width),
            t.style(if short_of { Role::Warn } else { Role::Dim }),
        )),
    ]
}

/// One teammate.
pub(super) fn teammate(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    ctx: Ctx,
    id: &TeammateId,
    hits: &mut Hits,
) {
    let (Some(s), Some(m)) = (&app.snapshot, &app.metrics) else {
        return;
    };
    let t = ctx.theme;
    let Some(mate) = s.teammate(id) else {
        summary(
            frame,
            area,
            vec![Line::from(Span::styled(
                " This teammate is gone from the latest data. Esc to go back.",
                t.style(Role::Warn),
            ))],
        );
        return;
    };
    let f = m.teammate(id);
    let load = f.map_or(0, |f| f.load);
    let cap = mate.cap;
    let cap_text = cap.map_or_else(
        || "no cap".into(),
        |c| {
            let source = mate.cap_source().unwrap_or_else(|| c.source.to_string());
            format!("cap {} (from {source})", c.value)
        },
    );
    let time = local_time(mate, ctx);
    let time = if time.is_empty() {
        String::new()
    } else {
        format!(" · local time {time}")
    };
    let memberships: Vec<String> = mate
        .memberships
        .iter()
        .map(|(i, l)| {
            let name = s.inbox(i).map_or_else(|| i.to_string(), |x| x.name.clone());
            format!("{name} ({l})")
        })
        .collect();
    let [top, body] = Layout::vertical([Constraint::Length(3), Constraint::Min(0)]).areas(area);
    summary(
        frame,
        top,
        vec![
            Line::from(vec![
                Span::styled(format!(" {} ", mate.name), t.style(Role::Focus)),
                Span::styled(
                    format!("{}{time} · Esc back", mate.email),
                    t.style(Role::Dim),
                ),
            ]),
            Line::from(vec![
                Span::raw(format!(" load {load} · {cap_text} · ")),
                badge(
                    app,
                    mate,
                    f.is_some_and(|f| f.over_cap),
                    f.is_some_and(|f| f.idle),
                    f.is_some_and(|f| f.has_capacity),
                    ctx,
                ),
            ]),
            Line::from(format!(
                " inboxes: {}",
                if memberships.is_empty() {
                    "none".into()
                } else {
                    columns::join_fit(
                        &memberships,
                        ", ",
                        usize::from(top.width.saturating_sub(10)),
                    )
                }
            )),
        ],
    );
    let (table, len) = conversations_table(
        app,
        ctx,
        body,
        "Their conversations — priority order",
        false,
    );
    render_list(
        frame,
        body,
        table,
        Pane::Sla,
        app.detail_selected,
        len,
        true,
        hits,
    );
}
