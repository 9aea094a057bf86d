//! Drawing only: the dashboard state in, a frame out. Nothing here changes state or awaits.
//!
//! [`draw`] returns the clickable areas it drew, which the loop stores for mouse clicks.

pub mod columns;
mod conversation;
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
        View::Conversation(id) => conversation::draw(frame, body, app, ctx, id),
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

/// The header's totals in the order they are shown, each with its priority: when they do
/// not all fit, they drop whole in this order of keeping — breached, unassigned, soon, open,
/// over cap, away, waiting (waiting drops first). The workspace name yields its room to the
/// totals: it is cut at a word (with `…`) or dropped before any total is.
fn header_line(app: &App, ctx: Ctx, width: u16) -> Line<'static> {
    use columns::{cells, fit};
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
    let used = |spans: &[Span]| spans.iter().map(|s| cells(&s.content)).sum::<usize>();
    let width = usize::from(width);
    let workspace = app.snapshot.as_ref().map(|s| {
        let backend = if app.demo {
            String::new()
        } else {
            format!(" ({})", s.workspace.backend)
        };
        (s.workspace.name.clone(), backend)
    });
    // (priority: lower keeps longer, number, label, role), in display order.
    let figures: Vec<(u8, u32, &str, Role)> = app.metrics.as_ref().map_or(Vec::new(), |m| {
        let x = &m.totals;
        vec![
            (3, x.open, "open", Role::Text),
            (1, x.unassigned, "unassigned", Role::Warn),
            (0, x.breached, "breached", Role::Bad),
            (2, x.breaching_soon, "soon", Role::Warn),
            (6, x.waiting, "waiting", Role::Text),
            (5, x.away, "away", Role::Away),
            (4, x.over_cap, "over cap", Role::Bad),
        ]
    });
    let fig_w = |f: &(u8, u32, &str, Role)| cells(&format!("{} {}", f.1, f.2)) + 2;
    // "│ " before the totals costs what the last total's trailing spaces leave.
    let mut room = width.saturating_sub(used(&spans));
    let mut by_priority: Vec<usize> = (0..figures.len()).collect();
    by_priority.sort_by_key(|&i| figures[i].0);
    let mut keep = vec![false; figures.len()];
    for i in by_priority {
        let w = fig_w(&figures[i]);
        if w <= room {
            keep[i] = true;
            room = room.saturating_sub(w);
        }
    }
    if let Some((name, backend)) = workspace {
        // The name takes what the totals leave, at least 8 cells, else it is left out.
        let whole = cells(&name) + cells(&backend) + 1;
        if whole <= room {
            spans.push(Span::raw(format!("{name} ")));
            if !backend.is_empty() {
                spans.pop();
                spans.push(Span::raw(name));
                spans.push(Span::styled(format!("{backend} "), t.style(Role::Dim)));
            }
        } else if room >= 9 {
            spans.push(Span::raw(format!("{} ", fit(&name, room - 1))));
        }
    }
    if keep.iter().any(|k| *k) {
        spans.push(Span::styled("│ ", t.style(Role::Dim)));
        for (f, _) in figures.iter().zip(&keep).filter(|(_, k)| **k) {
            let (_, n, label, role) = *f;
            spans.push(Span::styled(
                format!("{n}"),
                if n > 0 {
                    t.style(role)
                } else {
                    t.style(Role::Text)
                },
            ));
            spans.push(Span::styled(format!(" {label}  "), t.style(Role::Dim)));
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
            let mut spans = vec![
                Span::styled(" : ", t.style(Role::Header)),
                Span::raw(format!("{text}▏")),
            ];
            match &app.cmdline.completion {
                // Tab's candidates, the one on the line marked.
                Some(c) if c.candidates.is_empty() => {
                    spans.push(Span::styled("  no completion", t.style(Role::Warn)))
                }
                Some(c) => {
                    // As many candidates as fit, from the one shown, then how many more.
                    let mut used: usize = spans.iter().map(|s| s.width()).sum();
                    let n = c.candidates.len();
                    for k in 0..n {
                        let at = (c.shown + k) % n;
                        let name = &c.candidates[at];
                        let span = if at == c.shown {
                            Span::styled(format!("  [{name}]"), t.style(Role::Focus))
                        } else {
                            Span::styled(format!("  {name}"), t.style(Role::Dim))
                        };
                        let more = format!("  +{} more", n - k);
                        if used + span.width() + more.len() > usize::from(width) && k + 1 < n {
                            spans.push(Span::styled(more, t.style(Role::Dim)));
                            break;
                        }
                        used += span.width();
                        spans.push(span);
                    }
                }
                None => spans.push(Span::styled(
                    "  Enter run · Tab complete · ↑↓ history · Esc cancel",
                    t.style(Role::Dim),
                )),
            }
            return Line::from(spans);
        }
        Mode::Normal => {}
    }
    // Each item has a priority (lower stays longer). When the line is short, the hint keys
    // drop first (leading, pane-specific keys first), then poll time, API budget, writes
    // pending, warnings and blocks, marks; only then is the error, and last the message (a
    // write's verdict comes first in it), cut at a word with `…`.
    struct Item {
        prio: u8,
        text: String,
        style: ratatui::style::Style,
        /// The message or error, cut rather than dropped (the text between "· " and " ").
        body: Option<String>,
    }
    let item = |prio: u8, text: String, role: Role| Item {
        prio,
        text,
        style: t.style(role),
        body: None,
    };
    let mut items = Vec::new();
    match app.data_age(ctx.now) {
        Some(age) if app.is_stale(ctx.now) => items.push(item(
            0,
            format!(" STALE data {} old ", format::short(age)),
            Role::Bad,
        )),
        Some(age) => items.push(item(
            0,
            format!(" ● data {} old ", format::short(age)),
            Role::Good,
        )),
        None => items.push(item(0, " ○ no data yet ".into(), Role::Dim)),
    }
    if let Some(p) = app.last_poll {
        items.push(item(7, format!("· poll {}ms ", p.as_millis()), Role::Dim));
    }
    if let (Some(rem), Some(limit)) = (app.budget.remaining, app.budget.limit) {
        let low = rem * 10 < limit;
        items.push(item(
            if low { 3 } else { 6 },
            format!("· API {rem}/{limit} "),
            if low { Role::Warn } else { Role::Dim },
        ));
    }
    items.push(item(
        if app.pending_writes > 0 { 3 } else { 5 },
        format!("· writes {} pending ", app.pending_writes),
        Role::Dim,
    ));
    let marks = app.marked.len() + app.marked_mates.len();
    if marks > 0 {
        items.push(item(
            2,
            format!("· {marks} marked (Esc clears) "),
            Role::Focus,
        ));
    }
    // Backend health and the last message each keep their own place: a poll error never
    // hides a write's result, and stale data always shows its cause.
    if let Some(e) = &app.last_error {
        items.push(Item {
            body: Some(format!("error: {e}")),
            ..item(1, format!("· error: {e} "), Role::Bad)
        });
    }
    if let Some(m) = &app.message {
        items.push(Item {
            body: Some(m.clone()),
            ..item(0, format!("· {m} "), Role::Warn)
        });
    } else if app.last_error.is_some() {
    } else if let Some(w) = app.snapshot.as_ref().and_then(|s| s.warnings.first()) {
        // What the last read could not get (an optional read failing) stays visible.
        items.push(item(4, format!("· ⚠ {} ", columns::fit(w, 60)), Role::Warn));
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
        items.push(item(4, note, Role::Away));
    }
    let width = usize::from(width);
    let total = |items: &[Item]| items.iter().map(|i| columns::cells(&i.text)).sum::<usize>();
    while total(&items) > width {
        let Some(drop) = (0..items.len())
            .filter(|&i| items[i].prio >= 2)
            .max_by_key(|&i| (items[i].prio, i))
        else {
            break;
        };
        items.remove(drop);
    }
    // Still too long: the error, then the message, is cut at a word (and no hint follows).
    let mut cut = false;
    for prio in [1, 0] {
        let over = total(&items).saturating_sub(width);
        if over == 0 {
            break;
        }
        let Some(i) = items
            .iter()
            .position(|x| x.prio == prio && x.body.is_some())
        else {
            continue;
        };
        let body = items[i].body.clone().unwrap_or_default();
        cut = true;
        let room = (columns::cells(&body) + 3).saturating_sub(over);
        if prio == 1 && room < 16 {
            items.remove(i);
        } else {
            items[i].text = format!("· {} ", columns::fit(&body, room.saturating_sub(3)));
        }
    }
    let mut spans: Vec<Span<'static>> = items
        .into_iter()
        .map(|i| Span::styled(i.text, i.style))
        .collect();
    let used: usize = spans.iter().map(|s| columns::cells(&s.content)).sum();
    // The hint drops its leading (pane) keys first when space is short; help and quit last.
    let room = width.saturating_sub(used + 1);
    let mut keys = if cut { Vec::new() } else { hint(app) };
    while !keys.is_empty() && keys.iter().map(|k| columns::cells(k) + 1).sum::<usize>() > room {
        keys.remove(0);
    }
    let hint: String = keys.iter().map(|k| format!("{k} ")).collect();
    let len = columns::cells(&hint);
    if len > 0 && width > used + len {
        spans.push(Span::raw(" ".repeat(width - used - len)));
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
            (A::Sort, "sort"),
        ],
        (View::Inbox(_), _) if app.members_focus => vec![
            (A::Open, "open"),
            (A::Membership, "inbox"),
            (A::Away, "away"),
        ],
        (View::Main, Pane::Sla) | (View::Inbox(_) | View::Teammate(_), _) => {
            vec![(A::Mark, "mark"), (A::Assign, "assign")]
        }
        (View::Main, Pane::Inboxes) => vec![
            (A::Open, "open"),
            (A::Rebalance, "rebalance"),
            (A::Sort, "sort"),
        ],
        (View::Trends, _) => vec![
            (A::FocusInboxes, "1h"),
            (A::FocusTeammates, "8h"),
            (A::FocusSla, "24h"),
            (A::Back, "back"),
        ],
        (View::Conversation(_), _) => {
            let mut keys = vec![(A::CopyLink, "copy"), (A::OpenLink, "open")];
            keys.extend([(A::Back, "back"), (A::Help, "help"), (A::Quit, "quit")]);
            return keys
                .into_iter()
                .filter_map(|(action, what)| {
                    Some(format!("{}:{what}", app.keymap.key_for(action)?))
                })
                .collect();
        }
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
