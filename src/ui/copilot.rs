//! The co-pilot's screens: the rebalance plan under review, coverage.

use super::Ctx;
use super::columns::{self, Column};
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
    // The keys, then the policy in words, wrapped (never cut) above the list.
    let keys = Line::from(vec![
        Span::styled("Space", t.style(Role::Focus)),
        Span::raw(" drop/keep  "),
        Span::styled("Enter", t.style(Role::Focus)),
        Span::raw(" apply (asks first)  "),
        Span::styled("Esc", t.style(Role::Focus)),
        Span::raw(" cancel"),
    ]);
    let policy = "overloads, then away, then idle holders, then backlog · most urgent first · primaries before secondaries · never over a cap, nor to someone away or idle";
    let mut help = vec![keys];
    help.extend(
        columns::wrap(policy, usize::from(inner.width))
            .into_iter()
            .map(|l| Line::from(Span::styled(l, t.style(Role::Dim)))),
    );
    // On a short screen the policy gives way to the list.
    help.truncate(usize::from(inner.height.saturating_sub(4) / 3).max(1));
    let help_h = help.len() as u16;
    frame.render_widget(
        Paragraph::new(help),
        Rect::new(inner.x, inner.y, inner.width, help_h),
    );
    let Some(s) = &app.snapshot else { return };
    let name = |id: &crate::domain::TeammateId| {
        s.teammate(id)
            .map_or_else(|| id.to_string(), |t| t.name.clone())
    };
    struct Move {
        keep: bool,
        id: String,
        title: String,
        inbox: String,
        from: String,
        to: String,
        why: String,
        names: Vec<String>,
    }
    let moves: Vec<Move> = r
        .moves
        .iter()
        .zip(&r.keep)
        .map(|(m, keep)| {
            let c = s.conversation(&m.conversation);
            Move {
                keep: *keep,
                id: format!("#{}", m.conversation),
                title: c.map(|c| crate::app::title(app, c)).unwrap_or_default(),
                inbox: s.inbox(&m.inbox).map_or("", |i| i.name.as_str()).to_owned(),
                from: match m.from.holder() {
                    None => "unassigned".to_owned(),
                    Some(t) => format!("from {} ({})", name(t), m.from.note()),
                },
                to: format!("{} ({})", name(&m.to), m.level),
                why: m.reason.clone(),
                names: m
                    .from
                    .holder()
                    .into_iter()
                    .chain([&m.to])
                    .map(name)
                    .collect(),
            }
        })
        .collect();
    let widest = |f: &dyn Fn(&Move) -> &str| {
        moves
            .iter()
            .map(|m| columns::cells(f(m)))
            .max()
            .unwrap_or(0)
    };
    // Who moves where stays longest, whole (each column as wide as its widest entry), then
    // the conversation's id, its inbox, its title (which takes the surplus).
    let cols = vec![
        Column::new("", 1, 1),
        Column::new("Conversation", widest(&|m| &m.id).clamp(4, 16) as u16, 16).priority(4),
        Column::new("", 12, 14).max(40).grow().priority(8),
        Column::new("Inbox", widest(&|m| &m.inbox).clamp(7, 12) as u16, 12).priority(5),
        Column::new("From", widest(&|m| &m.from).clamp(12, 36) as u16, 12).priority(2),
        Column::new("", 1, 1).priority(1),
        Column::new("To", widest(&|m| &m.to).clamp(12, 32) as u16, 12).priority(1),
        // Wrapped at words over up to three lines; the selected move's reason also shows
        // whole below the list.
        Column::new("Why", 30, widest(&|m| &m.why).max(30) as u16)
            .grow()
            .priority(3),
    ];
    // The highlight symbol "▶ " takes two cells of the row.
    let widths = columns::widths(&cols, inner.width.saturating_sub(2));
    let why_w = widths[7].map(usize::from);
    let rows: Vec<Row> = moves
        .into_iter()
        .map(|m| {
            let style = if m.keep {
                t.style(Role::Text)
            } else {
                t.style(Role::Dim)
            };
            let cell = |text: String| (Line::from(text), style);
            let mut cells = columns::cells_of(
                &cols,
                &widths,
                vec![
                    cell(if m.keep { "✓" } else { "✗" }.into()),
                    cell(m.id),
                    cell(m.title),
                    cell(m.inbox),
                    cell(m.from),
                    cell("→".into()),
                    cell(m.to),
                ],
            );
            let mut height = 1;
            if let Some(w) = why_w {
                let names: Vec<&str> = m.names.iter().map(String::as_str).collect();
                let mut lines = columns::wrap(&columns::unbreakable(&m.why, &names), w);
                if lines.len() > 3 {
                    lines.truncate(3);
                    lines[2] = columns::fit(&format!("{} …", lines[2]), w);
                }
                height = lines.len().max(1) as u16;
                let text: Vec<Line> = lines.into_iter().map(Line::from).collect();
                cells.push(Cell::from(ratatui::text::Text::from(text)).style(t.style(Role::Dim)));
            }
            Row::new(cells).height(height)
        })
        .collect();
    // The selected move's reason in full at the bottom, wrapped at words.
    let n = r.moves.len();
    let why: Vec<Line> = r
        .moves
        .get(r.selected.min(n.saturating_sub(1)))
        .map(|m| {
            let names: Vec<String> = m
                .from
                .holder()
                .into_iter()
                .chain([&m.to])
                .map(name)
                .collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let why = columns::unbreakable(&format!("Why: {}", m.reason), &names);
            columns::wrap(&why, usize::from(inner.width))
                .into_iter()
                .take(3)
                .map(Line::from)
                .collect()
        })
        .unwrap_or_default();
    let why_h = (why.len() as u16).min(inner.height.saturating_sub(help_h + 2));
    let list = Rect::new(
        inner.x,
        inner.y + help_h,
        inner.width,
        inner.height.saturating_sub(help_h + why_h),
    );
    if why_h > 0 {
        frame.render_widget(
            Paragraph::new(why).style(t.style(Role::Text)),
            Rect::new(inner.x, inner.y + inner.height - why_h, inner.width, why_h),
        );
    }
    let mut state = super::panes::state(r.selected.min(n.saturating_sub(1)), n, list.height, true);
    let head = Row::new(columns::header_of(&cols, &widths, None)).style(t.style(Role::Header));
    let table = Table::new(rows, columns::constraints(&widths))
        .header(head)
        .column_spacing(columns::SPACING)
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
                Cell::from(format!(" {}", super::format::fit(name, 16))),
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
    let title = super::columns::join_fit(
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
            super::columns::join_fit(
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
