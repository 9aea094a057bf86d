//! Drawing only: the dashboard state in, a frame out. Nothing here changes state or awaits.
//!
//! [`draw`] returns the clickable areas it drew, which the loop stores for mouse clicks.

mod copilot;
mod detail;
pub mod format;
mod overlay;
mod panes;
pub mod theme;
mod trends;

use crate::app::{App, Hits, Mode, Pane, View};
use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use theme::{Role, Theme};

/// The smallest usable terminal.
pub const MIN_WIDTH: u16 = 60;
/// The smallest usable terminal.
pub const MIN_HEIGHT: u16 = 16;

/// Everything a draw needs besides the state.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    /// The current time (injected clock).
    pub now: Timestamp,
    /// The palette.
    pub theme: Theme,
}

/// Draws the whole screen; returns the clickable list areas.
pub fn draw(frame: &mut Frame, app: &App, ctx: Ctx) -> Hits {
    let area = frame.area();
    let mut hits = Hits::default();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area, app, ctx);
        hits.hidden = true;
        return hits;
    }
    let [header, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(header_line(app, ctx, header.width)), header);
    match &app.view {
        View::Main if app.snapshot.is_none() => waiting(frame, body, app, ctx),
        View::Main => main_view(frame, body, app, ctx, &mut hits),
        View::Inbox(id) => detail::inbox(frame, body, app, ctx, id, &mut hits),
        View::Teammate(id) => detail::teammate(frame, body, app, ctx, id, &mut hits),
        View::Coverage => copilot::coverage(frame, body, app, ctx),
        View::Trends => trends::trends(frame, body, app, ctx),
    }
    frame.render_widget(Paragraph::new(status_line(app, ctx, status.width)), status);
    overlay::draw(frame, body, app, ctx);
    if app.help {
        overlay::help(frame, body, app, ctx);
    }
    hits
}

fn too_small(frame: &mut Frame, area: Rect, app: &App, ctx: Ctx) {
    let quit = app
        .keymap
        .key_for(crate::app::keymap::Action::Quit)
        .unwrap_or_else(|| "Ctrl-c".into());
    let text = vec![
        Line::from(Span::styled(
            "Terminal too small",
            ctx.theme.style(Role::Bad),
        )),
        Line::from(format!(
            "need {MIN_WIDTH}×{MIN_HEIGHT}, have {}×{}",
            area.width, area.height
        )),
        Line::from(format!("enlarge it, or press {quit} to quit")),
    ];
    let h = (text.len() as u16).min(area.height);
    let y = area.y + area.height.saturating_sub(h) / 2;
    let r = Rect::new(area.x, y, area.width, h);
    frame.render_widget(Paragraph::new(text).alignment(Alignment::Center), r);
}

fn waiting(frame: &mut Frame, area: Rect, app: &App, ctx: Ctx) {
    let msg = match &app.last_error {
        Some(e) => Line::from(vec![
            Span::styled("Cannot load data: ", ctx.theme.style(Role::Bad)),
            Span::raw(e.clone()),
        ]),
        None => Line::from("Loading the first snapshot…"),
    };
    let y = area.y + area.height / 2;
    frame.render_widget(
        Paragraph::new(msg).alignment(Alignment::Center),
        Rect::new(area.x, y, area.width, 1),
    );
}

fn main_view(frame: &mut Frame, area: Rect, app: &App, ctx: Ctx, hits: &mut Hits) {
    let inbox_rows = app.snapshot.as_ref().map_or(0, |s| s.inboxes.len()) as u16;
    if area.width >= 150 && area.height >= 30 {
        // Rich: inboxes and SLA side by side, teammates below.
        let top_h = (inbox_rows + 3).clamp(6, area.height / 2);
        let [top, bottom] = Layout::vertical([
            Constraint::Length(top_h.max(area.height * 2 / 5)),
            Constraint::Min(0),
        ])
        .areas(area);
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(top);
        panes::inboxes(frame, left, app, ctx, hits);
        panes::sla(frame, right, app, ctx, hits);
        panes::teammates(frame, bottom, app, ctx, hits);
    } else {
        let inbox_h = (inbox_rows + 3).min(area.height * 2 / 5).max(4);
        let sla_h = (area.height / 4).max(4);
        let [a, b, c] = Layout::vertical([
            Constraint::Length(inbox_h),
            Constraint::Min(4),
            Constraint::Length(sla_h),
        ])
        .areas(area);
        panes::inboxes(frame, a, app, ctx, hits);
        panes::teammates(frame, b, app, ctx, hits);
        panes::sla(frame, c, app, ctx, hits);
    }
}

fn header_line(app: &App, ctx: Ctx, width: u16) -> Line<'static> {
    let t = ctx.theme;
    let mut spans = vec![Span::styled(" shiftlead ", t.style(Role::Header))];
    if app.demo {
        spans.push(Span::styled(" DEMO ", t.style(Role::Badge)));
        spans.push(Span::raw(" "));
    }
    if app.read_only.is_some() {
        spans.push(Span::styled(" READ-ONLY ", t.style(Role::Badge)));
        spans.push(Span::raw(" "));
    }
    if app.privacy {
        spans.push(Span::styled(" PRIVACY ", t.style(Role::Badge)));
        spans.push(Span::raw(" "));
    }
    if let Some(s) = &app.snapshot {
        spans.push(Span::raw(format!("{} ", s.workspace.name)));
        if !app.demo {
            spans.push(Span::styled(
                format!("({}) ", s.workspace.backend),
                t.style(Role::Dim),
            ));
        }
    }
    if let Some(m) = &app.metrics {
        let x = &m.totals;
        spans.push(Span::styled("│ ", t.style(Role::Dim)));
        let mut fig = |label: &str, n: u32, role: Role| {
            spans.push(Span::styled(
                format!("{n}"),
                if n > 0 {
                    t.style(role)
                } else {
                    t.style(Role::Text)
                },
            ));
            spans.push(Span::styled(format!(" {label}  "), t.style(Role::Dim)));
        };
        fig("open", x.open, Role::Text);
        fig("unassigned", x.unassigned, Role::Warn);
        fig("breached", x.breached, Role::Bad);
        fig("soon", x.breaching_soon, Role::Warn);
        if width >= 100 {
            fig("waiting", x.waiting, Role::Text);
            fig("away", x.away, Role::Away);
            fig("over cap", x.over_cap, Role::Bad);
        }
    }
    Line::from(spans)
}

fn status_line(app: &App, ctx: Ctx, width: u16) -> Line<'static> {
    let t = ctx.theme;
    match &app.mode {
        Mode::Filter => {
            let text = match app.view {
                View::Main => app.filter[pane_index(app.focus)].clone(),
                _ => app.detail_filter.clone(),
            };
            return Line::from(vec![
                Span::styled(" / ", t.style(Role::Header)),
                Span::raw(format!("{text}▏")),
                Span::styled("  Enter keep · Esc clear", t.style(Role::Dim)),
            ]);
        }
        Mode::Command(text) => {
            return Line::from(vec![
                Span::styled(" : ", t.style(Role::Header)),
                Span::raw(format!("{text}▏")),
                Span::styled("  Enter run · Esc cancel · :help", t.style(Role::Dim)),
            ]);
        }
        Mode::Normal => {}
    }
    let mut spans = Vec::new();
    match app.data_age(ctx.now) {
        Some(age) if app.is_stale(ctx.now) => spans.push(Span::styled(
            format!(" STALE data {} old ", format::short(age)),
            t.style(Role::Bad),
        )),
        Some(age) => spans.push(Span::styled(
            format!(" ● data {} old ", format::short(age)),
            t.style(Role::Good),
        )),
        None => spans.push(Span::styled(" ○ no data yet ", t.style(Role::Dim))),
    }
    if let Some(p) = app.last_poll {
        spans.push(Span::styled(
            format!("· poll {}ms ", p.as_millis()),
            t.style(Role::Dim),
        ));
    }
    if let (Some(rem), Some(limit)) = (app.budget.remaining, app.budget.limit) {
        let role = if rem * 10 < limit {
            Role::Warn
        } else {
            Role::Dim
        };
        spans.push(Span::styled(format!("· API {rem}/{limit} "), t.style(role)));
    }
    spans.push(Span::styled(
        format!("· writes {} pending ", app.pending_writes),
        t.style(Role::Dim),
    ));
    let marks = app.marked.len() + app.marked_mates.len();
    if marks > 0 {
        spans.push(Span::styled(
            format!("· {marks} marked (Esc clears) "),
            t.style(Role::Focus),
        ));
    }
    // Backend health and the last message each keep their own place: a poll error never
    // hides a write's result, and stale data always shows its cause.
    if let Some(e) = &app.last_error {
        spans.push(Span::styled(format!("· error: {e} "), t.style(Role::Bad)));
    }
    if let Some(m) = &app.message {
        spans.push(Span::styled(format!("· {m} "), t.style(Role::Warn)));
    } else if app.last_error.is_some() {
    } else if let Some(w) = app.snapshot.as_ref().and_then(|s| s.warnings.first()) {
        // What the last read could not get (an optional read failing) stays visible.
        spans.push(Span::styled(format!("· ⚠ {w} "), t.style(Role::Warn)));
    }
    if !app.blocks.is_empty() && !app.blocks_shared {
        // Blocks end (the teammates are set back) only while a dashboard runs; the note is
        // shown whole or not at all.
        let n = app.blocks.len();
        let note = if n == 1 {
            "· 1 block needs this dashboard open ".to_owned()
        } else {
            format!("· {n} blocks need this dashboard open ")
        };
        let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
        if used + note.chars().count() <= usize::from(width) {
            spans.push(Span::styled(note, t.style(Role::Away)));
        }
    }
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    // The hint drops its leading (pane) keys first when space is short; help and quit last.
    let room = usize::from(width).saturating_sub(used + 1);
    let mut keys = hint(app);
    while !keys.is_empty() && keys.iter().map(|k| k.chars().count() + 1).sum::<usize>() > room {
        keys.remove(0);
    }
    let hint: String = keys.iter().map(|k| format!("{k} ")).collect();
    let len = hint.chars().count();
    if len > 0 && usize::from(width) > used + len {
        spans.push(Span::raw(" ".repeat(usize::from(width) - used - len)));
        spans.push(Span::styled(hint, t.style(Role::Dim)));
    }
    Line::from(spans)
}

/// The keys for what is in focus, as the keymap in force binds them, most specific first.
fn hint(app: &App) -> Vec<String> {
    use crate::app::keymap::Action as A;
    let mut actions: Vec<(A, &str)> = match (&app.view, app.focus) {
        (View::Main, Pane::Teammates) => vec![
            (A::Mark, "mark"),
            (A::Membership, "inbox"),
            (A::Away, "away"),
        ],
        (View::Inbox(_), _) if app.members_focus => vec![
            (A::Open, "open"),
            (A::Membership, "inbox"),
            (A::Away, "away"),
        ],
        (View::Main, Pane::Sla) | (View::Inbox(_) | View::Teammate(_), _) => {
            vec![(A::Mark, "mark"), (A::Assign, "assign")]
        }
        (View::Main, Pane::Inboxes) => vec![(A::Open, "open"), (A::Rebalance, "rebalance")],
        (View::Trends, _) => vec![
            (A::FocusInboxes, "1h"),
            (A::FocusTeammates, "8h"),
            (A::FocusSla, "24h"),
            (A::Back, "back"),
        ],
        _ => Vec::new(),
    };
    actions.extend([(A::Filter, "filter"), (A::Help, "help"), (A::Quit, "quit")]);
    actions
        .into_iter()
        .filter_map(|(action, what)| Some(format!("{}:{what}", app.keymap.key_for(action)?)))
        .collect()
}

fn pane_index(p: Pane) -> usize {
    Pane::ALL.iter().position(|x| *x == p).unwrap_or(0)
}
