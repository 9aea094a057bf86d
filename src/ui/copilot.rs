//! The co-pilot's screens: the rebalance plan under review, coverage.

use super::Ctx;
use super::theme::Role;
use crate::app::{App, Rebalance};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Clear, Paragraph, Row, Table};

/// The proposed moves, each kept (✓) or dropped (✗), with where each comes from (over cap,
/// away, idle, unassigned) and the before → after of over-cap teammates for the kept ones.
pub(super) fn rebalance(frame: &mut Frame, area: Rect, app: &App, r: &Rebalance, ctx: Ctx) {
    let t = ctx.theme;
    let box_ = Rect::new(
        area.x + 1.min(area.width),
        area.y + 1.min(area.height),
        area.width.saturating_sub(2),
        area.height.saturating_sub(2),
    );
    frame.render_widget(Clear, box_);
    let kept = r.keep.iter().filter(|k| **k).count();
    let block = Block::bordered()
        .title(Span::styled(
            format!(
                " Rebalance — {kept} of {} moves · over cap {} → {} ",
                r.moves.len(),
                r.over_before.len(),
                r.over_after()
            ),
            t.style(Role::Focus),
        ))
        .border_style(t.style(Role::Focus));
    let inner = block.inner(box_);
    frame.render_widget(block, box_);
    if inner.height < 3 || inner.width < 10 {
        return;
    }
    let help = Line::from(vec![
        Span::styled("Space", t.style(Role::Focus)),
        Span::raw(" drop/keep  "),
        Span::styled("Enter", t.style(Role::Focus)),
        Span::raw(" apply (asks first)  "),
        Span::styled("Esc", t.style(Role::Focus)),
        Span::raw(" cancel   "),
        Span::styled(
            "overloads, then away, then idle holders, then backlog · most urgent first · primaries before secondaries · never over a cap, nor to someone away or idle",
            t.style(Role::Dim),
        ),
    ]);
    frame.render_widget(
        Paragraph::new(help),
        Rect::new(inner.x, inner.y, inner.width, 1),
    );
    let Some(s) = &app.snapshot else { return };
    let name = |id: &crate::domain::TeammateId| {
        s.teammate(id)
            .map_or_else(|| id.to_string(), |t| t.name.clone())
    };
    let rows: Vec<Row> = r
        .moves
        .iter()
        .zip(&r.keep)
        .map(|(m, keep)| {
            let c = s.conversation(&m.conversation);
            let title = c.map(|c| crate::app::title(app, c)).unwrap_or_default();
            let inbox = s.inbox(&m.inbox).map_or("", |i| i.name.as_str());
            let from = match m.from.holder() {
                None => "unassigned".to_owned(),
                Some(t) => format!("from {} ({})", name(t), m.from.note()),
            };
            let style = if *keep {
                t.style(Role::Text)
            } else {
                t.style(Role::Dim)
            };
            Row::new(vec![
                Cell::from(if *keep { "✓" } else { "✗" }),
                Cell::from(format!("#{}", m.conversation)),
                Cell::from(title),
                Cell::from(inbox.to_owned()),
                Cell::from(from),
                Cell::from("→"),
                Cell::from(format!("{} ({})", name(&m.to), m.level)),
                Cell::from(m.reason.clone()).style(t.style(Role::Dim)),
            ])
            .style(style)
        })
        .collect();
    // The selected move's reason in full at the bottom: the Why column may be cut short.
    let list = Rect::new(
        inner.x,
        inner.y + 1,
        inner.width,
        inner.height.saturating_sub(2),
    );
    let n = r.moves.len();
    if let Some(m) = r.moves.get(r.selected.min(n.saturating_sub(1))) {
        let why = Line::from(vec![
            Span::styled("Why: ", t.style(Role::Focus)),
            Span::raw(m.reason.clone()),
        ]);
        frame.render_widget(
            Paragraph::new(why),
            Rect::new(inner.x, inner.y + inner.height - 1, inner.width, 1),
        );
    }
    let mut state = super::panes::state(r.selected.min(n.saturating_sub(1)), n, list.height, true);
    let table = Table::new(
        rows,
        [
            Constraint::Length(1),
            Constraint::Length(14),
            Constraint::Length(16),
            Constraint::Length(11),
            Constraint::Length(28),
            Constraint::Length(1),
            Constraint::Length(22),
            Constraint::Fill(1),
        ],
    )
    .header(
        Row::new(vec![
            "",
            "Conversation",
            "",
            "Inbox",
            "From",
            "",
            "To",
            "Why",
        ])
        .style(t.style(Role::Header)),
    )
    .row_highlight_style(t.style(Role::Selected))
    .highlight_symbol("▶ ");
    frame.render_stateful_widget(table, list, &mut state);
}

/// Coverage across time zones: per inbox, the members inside their working hours now (and
/// not away) and at each of the next 12 hours; gaps flagged.
pub(super) fn coverage(frame: &mut Frame, area: Rect, app: &App, ctx: Ctx) {
    use crate::domain::coverage::Gap;
    let t = ctx.theme;
    let Some(s) = &app.snapshot else { return };
    let rows_data = &app.coverage_rows;
    // As many hours as fit beside the inbox, member and "now" columns and the separator
    // after "now" (each column is 4 wide + 1 between).
    let fit = usize::from(area.width.saturating_sub(2 + 19 + 8 + 2)) / 5;
    let hours = rows_data.first().map_or(0, |r| r.hours.len()).min(fit);
    // Labels and figures share one layout: a number right-aligned in 3 cells and a marker
    // cell after it ("7!", "2·", "9 "), so each figure sits under its label. A bar after
    // "now" keeps it apart from the first hour.
    let mut head = vec![" Inbox".to_owned(), "Members".to_owned()];
    for (h, hour) in rows_data
        .first()
        .map_or(&[][..], |r| &r.hours[..hours])
        .iter()
        .enumerate()
    {
        if h == 0 {
            head.push("now ".into());
            head.push("│".into());
        } else {
            head.push(format!("{:>3} ", hour.at.strftime("%H").to_string()));
        }
    }
    let mut unknown = 0;
    let rows: Vec<Row> = rows_data
        .iter()
        .map(|r| {
            let name = s.inbox(&r.inbox).map_or("?", |i| i.name.as_str());
            let mut cells = vec![
                Cell::from(format!(" {}", super::format::fit_words(name, 16))),
                Cell::from(Line::from(r.members.to_string()).right_aligned()),
            ];
            for (n, h) in r.hours.iter().take(hours).enumerate() {
                unknown = unknown.max(h.unknown);
                let (mark, role) = match h.gap {
                    Some(Gap::Nobody) => ('!', Role::Bad),
                    Some(Gap::Thin) => ('·', Role::Warn),
                    None => (' ', Role::Good),
                };
                cells.push(Cell::from(format!("{:>3}{mark}", h.covering)).style(t.style(role)));
                if n == 0 {
                    cells.push(Cell::from("│").style(t.style(Role::Dim)));
                }
            }
            Row::new(cells)
        })
        .collect();
    let mut widths = vec![Constraint::Length(18), Constraint::Length(7)];
    for n in 0..hours {
        widths.push(Constraint::Length(4));
        if n == 0 {
            widths.push(Constraint::Length(1));
        }
    }
    let thin = if app.coverage.min_cover > 1 {
        format!(" · n· fewer than {}", app.coverage.min_cover)
    } else {
        String::new()
    };
    let width = usize::from(area.width.saturating_sub(4));
    let title = super::format::join_whole(
        &[
            " Coverage — at work per inbox".to_owned(),
            "now: at work and not away".to_owned(),
            format!("0! nobody{thin}"),
            "hours in UTC ".to_owned(),
        ],
        " · ",
        width,
    );
    let mut block = Block::bordered()
        .title(Span::styled(
            format!("{} ", title.trim_end()),
            t.style(Role::Focus),
        ))
        .border_style(t.style(Role::Focus));
    if unknown > 0 {
        block = block.title_bottom(Span::styled(
            super::format::join_whole(
                &[
                    format!(
                        " up to {unknown} member(s) per inbox have no known hours or time zone \
                         and are not counted"
                    ),
                    "C or Esc back ".to_owned(),
                ],
                " · ",
                width,
            ),
            t.style(Role::Dim),
        ));
    }
    let table = Table::new(rows, widths)
        .header(Row::new(head).style(t.style(Role::Header)))
        .block(block);
    frame.render_widget(table, area);
}
