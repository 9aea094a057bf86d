//! The help overlay.

use super::Ctx;
use super::theme::Role;
use crate::app::{COMMANDS, KEYS};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

/// Help: every key and command, centred over `area`.
pub(super) fn help(frame: &mut Frame, area: Rect, ctx: Ctx) {
    let t = ctx.theme;
    let mut lines = vec![Line::from(Span::styled("Keys", t.style(Role::Header)))];
    for (k, what) in KEYS {
        lines.push(Line::from(vec![
            Span::styled(format!("  {k:<26}"), t.style(Role::Focus)),
            Span::raw(*what),
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
    lines.push(Line::from(Span::styled(
        "  ! breached · ⚠ under 15m · • under 1h · ≈ estimated · ▲ over cap · z idle · ⇄ away-and-reassign",
        t.style(Role::Dim),
    )));
    let w = 100.min(area.width);
    let h = (lines.len() as u16 + 2).min(area.height);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .title(Span::styled(
                    " Help — Esc or ? to close ",
                    t.style(Role::Focus),
                ))
                .border_style(t.style(Role::Focus)),
        ),
        r,
    );
}
