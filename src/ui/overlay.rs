//! The help overlay.

use super::Ctx;
use super::columns::{self, Column};
use super::theme::Role;
use crate::app::{App, COMMANDS, Confirm, Overlay, Picker};
use crate::audit::Entry;
use ratatui::Frame;
use ratatui::layout::Constraint;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::widgets::{Cell, Row, Table};

/// Help: every key and command, centred over `area`.
pub(super) fn help(frame: &mut Frame, area: Rect, app: &App, ctx: Ctx) {
    let t = ctx.theme;
    let mut lines = vec![Line::from(Span::styled("Keys", t.style(Role::Header)))];
    for (k, what) in app.keymap.help() {
        lines.push(Line::from(vec![
            Span::styled(format!("  {k:<26}"), t.style(Role::Focus)),
            Span::raw(what),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Commands", t.style(Role::Header))));
    for (c, what) in COMMANDS {
        lines.push(Line::from(vec![
            Span::styled(format!("  {c:<26}"), t.style(Role::Focus)),
            Span::raw(*what),
        ]));
    }
    lines.push(Line::from(""));
    // The legend names only what this backend can show.
    let reassign = if app
        .capabilities
        .presence
        .contains(&crate::domain::PresenceStatus::AwayReassign)
    {
        " · ⇄ away-and-reassign"
    } else {
        ""
    };
    lines.push(Line::from(Span::styled(
        format!(
            "  ! breached · ⚠ under 15m · • under 1h · ≈ estimated · ▲ over cap · z idle{reassign} · ● marked · … writing"
        ),
        t.style(Role::Dim),
    )));
    let w = 100.min(area.width);
    let total = lines.len() as u16;
    let h = (total + 2).min(area.height);
    // Scrolling stops once the last line is visible.
    let scroll = app
        .help_scroll
        .min(total.saturating_sub(h.saturating_sub(2)));
    let title = if total + 2 > h {
        " Help — j/k scroll · Esc or ? to close "
    } else {
        " Help — Esc or ? to close "
    };
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll, 0)).block(
            Block::bordered()
                .title(Span::styled(title, t.style(Role::Focus)))
                .border_style(t.style(Role::Focus)),
        ),
        r,
    );
}

/// A centred rectangle of at most `w`×`h` inside `area`.
fn centred(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn boxed<'a>(title: String, ctx: Ctx) -> Block<'a> {
    Block::bordered()
        .title(Span::styled(
            format!(" {title} "),
            ctx.theme.style(Role::Focus),
        ))
        .border_style(ctx.theme.style(Role::Focus))
}

/// The overlay of `app`, if any.
pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, ctx: Ctx) {
    match &app.overlay {
        Some(Overlay::Picker(p)) => picker(frame, area, p, ctx),
        Some(Overlay::Confirm(c)) => confirm(frame, area, c, ctx),
        Some(Overlay::Audit(entries)) => audit(frame, area, entries, ctx),
        Some(Overlay::Messages(back)) => messages(frame, area, app, *back, ctx),
        Some(Overlay::Rebalance(r)) => super::copilot::rebalance(frame, area, app, r, ctx),
        None => {}
    }
}

fn picker(frame: &mut Frame, area: Rect, p: &Picker, ctx: Ctx) {
    let t = ctx.theme;
    let visible = p.visible();
    let h = (visible.len() as u16 + 3).clamp(8, 24);
    // As wide as its widest label and detail need (borders, "▶ ", a space), at least 76.
    let widest = |f: &dyn Fn(&crate::app::PickItem) -> &str| {
        p.items
            .iter()
            .map(|i| columns::cells(f(i)))
            .max()
            .unwrap_or(0)
    };
    let (label_w, detail_w) = (widest(&|i| &i.label), widest(&|i| &i.detail));
    let want = u16::try_from(label_w + detail_w + 5).unwrap_or(u16::MAX);
    let r = centred(area, want.clamp(76, 140), h);
    frame.render_widget(Clear, r);
    let block = boxed(p.title.clone(), ctx);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    if inner.height < 2 {
        return;
    }
    let query = Line::from(vec![
        Span::styled("filter: ", t.style(Role::Dim)),
        Span::raw(format!("{}▏", p.query)),
        Span::styled("   ↑↓ choose · Enter pick · Esc cancel", t.style(Role::Dim)),
    ]);
    frame.render_widget(
        Paragraph::new(query),
        Rect::new(inner.x, inner.y, inner.width, 1),
    );
    let list = Rect::new(inner.x, inner.y + 1, inner.width, inner.height - 1);
    if visible.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled("no match", t.style(Role::Dim))),
            list,
        );
        return;
    }
    // The label grows; the detail keeps what it needs (it drops only on a narrow screen).
    let cols = [
        Column::new("", 12, 20).content([label_w]).grow(),
        Column::new("", 10, 26).content([detail_w]).priority(1),
    ];
    let widths = columns::widths(&cols, list.width.saturating_sub(2));
    let rows: Vec<Row> = visible
        .iter()
        .map(|&n| {
            let item = &p.items[n];
            let role = if item.detail.contains("AWAY") || item.detail.contains("over cap") {
                Role::Warn
            } else {
                Role::Dim
            };
            Row::new(columns::cells_of(
                &cols,
                &widths,
                vec![
                    (Line::from(item.label.clone()), Style::default()),
                    (Line::from(item.detail.clone()), t.style(role)),
                ],
            ))
        })
        .collect();
    let selected = p.selected.min(visible.len() - 1);
    let mut state = super::panes::state(selected, visible.len(), list.height, true);
    let table = Table::new(rows, columns::constraints(&widths))
        .row_highlight_style(t.style(Role::Selected))
        .highlight_symbol("▶ ");
    frame.render_stateful_widget(table, list, &mut state);
}

fn confirm(frame: &mut Frame, area: Rect, c: &Confirm, ctx: Ctx) {
    let t = ctx.theme;
    let n = c.plan.len();
    // Long labels and warnings wrap at word boundaries inside the box: a warning that lists
    // what a write will do must be read whole before the lead says yes.
    let width = 92.min(area.width);
    let inner = usize::from(width.saturating_sub(2)).max(8);
    let mut lines: Vec<Line> = vec![Line::from(Span::styled(
        format!(
            "{n} write{} — each re-checked against the backend first, then confirmed:",
            if n == 1 { "" } else { "s" }
        ),
        t.style(Role::Dim),
    ))];
    let warnings: Vec<Vec<String>> = c
        .warnings
        .iter()
        .map(|w| wrap_words(&format!("  ⚠ {w}"), inner, "    "))
        .collect();
    let warning_lines: usize = warnings.iter().map(Vec::len).sum();
    let room = usize::from(area.height.saturating_sub(6))
        .saturating_sub(warning_lines)
        .max(1);
    let (mut used, mut listed) = (0, 0);
    for p in &c.plan {
        let wrapped = wrap_words(&format!("  • {}", p.label), inner, "    ");
        if used + wrapped.len() > room {
            break;
        }
        used += wrapped.len();
        listed += 1;
        lines.extend(wrapped.into_iter().map(Line::from));
    }
    if listed < n {
        lines.push(Line::from(format!("  … and {} more", n - listed)));
    }
    for w in warnings {
        lines.extend(
            w.into_iter()
                .map(|l| Line::from(Span::styled(l, t.style(Role::Warn)))),
        );
    }
    lines.push(Line::from(vec![
        Span::styled(" y ", t.style(Role::Badge)),
        Span::raw(" run    "),
        Span::styled(" n ", t.style(Role::Focus)),
        Span::raw(" cancel"),
    ]));
    let h = lines.len() as u16 + 2;
    let r = centred(area, width, h);
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines).block(boxed(format!("Confirm — {}", c.title), ctx)),
        r,
    );
}

/// `text` broken into lines of at most `width` display cells at spaces (its leading spaces
/// kept), continuation lines starting with `indent`; a word longer than a line is left whole
/// for the frame to clip (nothing else is cut).
fn wrap_words(text: &str, width: usize, indent: &str) -> Vec<String> {
    let cells = |s: &str| Span::raw(s).width();
    let body = text.trim_start_matches(' ');
    let mut line = text[..text.len() - body.len()].to_owned();
    let mut fresh = true;
    let mut out = Vec::new();
    for word in body.split(' ').filter(|w| !w.is_empty()) {
        if !fresh && cells(&line) + 1 + cells(word) > width {
            out.push(std::mem::take(&mut line));
            line.push_str(indent);
            fresh = true;
        }
        if !fresh {
            line.push(' ');
        }
        line.push_str(word);
        fresh = false;
    }
    out.push(line);
    out
}

fn audit(frame: &mut Frame, area: Rect, entries: &[Entry], ctx: Ctx) {
    let t = ctx.theme;
    let r = centred(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    );
    frame.render_widget(Clear, r);
    let rows: Vec<Row> = entries
        .iter()
        .rev()
        .map(|e| {
            let role = match e.outcome.as_str() {
                "applied" => Role::Good,
                "partly_applied" | "unknown" | "conflict" => Role::Warn,
                _ => Role::Bad,
            };
            Row::new(vec![
                Cell::from(e.time.strftime("%Y-%m-%d %H:%M:%S").to_string()),
                Cell::from(e.outcome.clone()).style(t.style(role)),
                Cell::from(format!("{}{}", if e.undo { "↶ " } else { "" }, e.action)),
                Cell::from(e.error.clone().unwrap_or_default()).style(t.style(Role::Dim)),
            ])
        })
        .collect();
    let empty = rows.is_empty();
    let table = Table::new(
        rows,
        [
            Constraint::Length(19),
            Constraint::Length(14),
            Constraint::Min(44),
            Constraint::Min(10),
        ],
    )
    .header(Row::new(vec!["Time (UTC)", "Outcome", "Action", "Error"]).style(t.style(Role::Header)))
    .block(boxed("Audit log — newest first · Esc to close".into(), ctx));
    frame.render_widget(table, r);
    if empty && r.height > 3 {
        let inner = Rect::new(r.x + 2, r.y + 2, r.width.saturating_sub(4), 1);
        frame.render_widget(Paragraph::new("No writes recorded yet."), inner);
    }
}

/// The message history, newest at the bottom like a command log; `back` lines scrolled up.
fn messages(frame: &mut Frame, area: Rect, app: &App, back: usize, ctx: Ctx) {
    let t = ctx.theme;
    let r = centred(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    );
    frame.render_widget(Clear, r);
    let inner_h = usize::from(r.height.saturating_sub(2));
    let end = app.log.len().saturating_sub(back);
    let start = end.saturating_sub(inner_h);
    let lines: Vec<Line> = app
        .log
        .iter()
        .skip(start)
        .take(end - start)
        .map(|l| {
            let role = if l.health {
                Role::Bad
            } else if l.text.starts_with('✓') {
                Role::Good
            } else if l.text.starts_with(['✗', '⚠', '?']) {
                Role::Warn
            } else {
                Role::Dim
            };
            let at =
                l.at.map(|a| a.strftime("%H:%M:%S").to_string())
                    .unwrap_or_else(|| "--:--:--".into());
            Line::from(vec![
                Span::styled(format!("{at} "), t.style(Role::Dim)),
                Span::styled(l.text.clone(), t.style(role)),
            ])
        })
        .collect();
    let empty = lines.is_empty();
    let title = format!(
        "Messages — {} since start · newest last · j/k scroll · Esc to close",
        app.log.len()
    );
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .block(boxed(title, ctx)),
        r,
    );
    if empty && r.height > 3 {
        let inner = Rect::new(r.x + 2, r.y + 1, r.width.saturating_sub(4), 1);
        frame.render_widget(Paragraph::new("Nothing said yet."), inner);
    }
}

#[cfg(test)]
mod tests {
    use super::wrap_words;
    use proptest::prelude::*;
    use ratatui::text::Span;

    #[test]
    fn warnings_wrap_at_words_with_their_indent() {
        let w = wrap_words("  ⚠ removing Ana from Billing unassigns #1, #2", 20, "    ");
        assert_eq!(
            w,
            [
                "  ⚠ removing Ana",
                "    from Billing",
                "    unassigns #1, #2"
            ]
        );
    }

    proptest! {
        /// Every word survives whole and in order, and no line is wider than asked unless it
        /// is one word too long for any line.
        #[test]
        fn wrapping_keeps_every_word_and_the_width(
            words in proptest::collection::vec("[a-zé☕#,]{1,12}", 1..30),
            width in 8usize..60,
        ) {
            let text = format!("  • {}", words.join(" "));
            let lines = wrap_words(&text, width, "    ");
            let back: Vec<String> = lines
                .iter()
                .flat_map(|l| l.split(' ').filter(|w| !w.is_empty()).map(str::to_owned))
                .collect();
            let mut want = vec!["•".to_owned()];
            want.extend(words.iter().cloned());
            prop_assert_eq!(back, want);
            for l in &lines {
                let single = l.trim().split(' ').count() == 1;
                prop_assert!(Span::raw(l.as_str()).width() <= width || single, "{l:?}");
            }
        }
    }
}
