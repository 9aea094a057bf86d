//! The help overlay.

use super::Ctx;
use super::columns::{self, Column};
use super::theme::Role;
use crate::app::{App, AuditView, COMMANDS, Confirm, Overlay, Picker};
use ratatui::Frame;
use ratatui::layout::Constraint;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::widgets::{Cell, Row, Table};

/// What each column header means, for help.
pub const COLUMNS: &[(&str, &str)] = &[
    ("Open", "open conversations in the inbox"),
    ("Unasg", "open and assigned to nobody"),
    ("Wait", "customers waiting for a reply from us"),
    ("Oldest", "the longest any of them has waited"),
    ("Brch", "past their SLA deadline (breached)"),
    (
        "Soon",
        "breaching within the warning time ([ui] warn_under)",
    ),
    ("Duty/Away", "members on duty / members away"),
    (
        "Next",
        "forecast time to the inbox's next breach (— none expected)",
    ),
    (
        "Queue trend",
        "open conversations over the last polls, bars from zero",
    ),
    (
        "Load/cap",
        "open conversations assigned to the teammate / their cap",
    ),
    (
        "Primary, Secondary",
        "the inboxes the teammate is a member of, by level",
    ),
    ("Local", "the teammate's local time"),
    (
        "Breach in",
        "time left to the SLA deadline (negative: past it)",
    ),
];

/// What each marker means, for help.
pub const MARKERS: &[(&str, &str)] = &[
    ("!", "breached: past the SLA deadline"),
    ("⚠", "breaches in under 15 minutes"),
    ("•", "breaches in under an hour"),
    (
        "≈",
        "an estimated deadline (the helpdesk gives none: from [[sla]] targets)",
    ),
    ("↑", "the queue grows: arrivals outpace the replies on duty"),
    ("▲ over cap", "more open conversations than the cap"),
    ("at cap", "exactly at the cap: no room for more"),
    ("· spare", "room under the cap"),
    (
        "z idle?",
        "not away, yet a customer waited 30 min with no reply anywhere",
    ),
    (
        "BLOCK",
        "an off-queue block runs: away until it ends (time left, reason)",
    ),
    ("●", "marked for a bulk action (Space)"),
    ("…", "a write to this row is in flight"),
];

/// Help: every key and command, centred over `area`.
pub(super) fn help(frame: &mut Frame, area: Rect, app: &App, ctx: Ctx) {
    let t = ctx.theme;
    // Each entry: its key (or name) in a column, what it does wrapped at words beside it.
    let room = usize::from(100.min(area.width).saturating_sub(2 + 28)).max(12);
    let entry = |lines: &mut Vec<Line<'static>>, key: &str, what: &str| {
        for (n, part) in wrap_words(what, room, "").into_iter().enumerate() {
            let head = if n == 0 { key } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!("  {head:<26}"), t.style(Role::Focus)),
                Span::raw(part),
            ]));
        }
    };
    let mut lines = vec![Line::from(Span::styled("Keys", t.style(Role::Header)))];
    for (k, what) in app.keymap.help() {
        entry(&mut lines, &k, what);
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Commands", t.style(Role::Header))));
    for (c, what) in COMMANDS {
        entry(&mut lines, c, what);
    }
    entry(
        &mut lines,
        "↑ ↓  (on the : line)",
        "recall earlier commands",
    );
    entry(
        &mut lines,
        "Tab  (on the : line)",
        "complete a command, inbox, teammate or sort mode; again for the next",
    );
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Columns", t.style(Role::Header))));
    for (c, what) in COLUMNS {
        entry(&mut lines, c, what);
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Markers", t.style(Role::Header))));
    // The legend names only what this backend can show.
    let reassign = app
        .capabilities
        .presence
        .contains(&crate::domain::PresenceStatus::AwayReassign);
    for (m, what) in MARKERS {
        entry(&mut lines, m, what);
    }
    if reassign {
        entry(&mut lines, "AWAY ⇄", "away, and new replies are reassigned");
    }
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
        Some(Overlay::Audit(view)) if view.open => audit_entry(frame, area, app, view, ctx),
        Some(Overlay::Audit(view)) => audit(frame, area, view, ctx),
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

/// The outcome word of the audit log as the view says it.
fn outcome_words(outcome: &str) -> (String, Role) {
    match outcome {
        "applied" => ("applied".into(), Role::Good),
        "partly_applied" => ("partly applied".into(), Role::Warn),
        "unknown" => ("may have applied".into(), Role::Warn),
        "conflict" => ("conflict".into(), Role::Warn),
        "not_applied" => ("not applied".into(), Role::Bad),
        crate::audit::INTENT => ("sent, no answer".into(), Role::Warn),
        other => (other.replace('_', " "), Role::Bad),
    }
}

/// The audit log, newest first, scrolled to keep the cursor in view; its title says which
/// entries show ("12–36 of 40").
fn audit(frame: &mut Frame, area: Rect, view: &AuditView, ctx: Ctx) {
    let t = ctx.theme;
    let r = centred(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    );
    frame.render_widget(Clear, r);
    let n = view.entries.len();
    // Rows inside the border, under the header.
    let room = usize::from(r.height.saturating_sub(3)).max(1);
    let selected = view.selected.min(n.saturating_sub(1));
    let top = selected.saturating_sub(room - 1);
    let shown = top..(top + room).min(n);
    // Time and outcome keep their width (a narrow screen drops the year); action and error
    // share the rest; each is cut at a word with "…" (Enter shows the entry whole).
    let (time_w, time_fmt) = if r.width < 100 {
        (14, "%m-%d %H:%M:%S")
    } else {
        (19, "%Y-%m-%d %H:%M:%S")
    };
    let rest = usize::from(r.width.saturating_sub(2)).saturating_sub(time_w + 16 + 3 + 2);
    let longest_error = shown
        .clone()
        .filter_map(|k| view.newest(k)?.error.as_deref())
        .map(|e| Span::raw(e).width())
        .max()
        .unwrap_or(0);
    let longest_action = shown
        .clone()
        .filter_map(|k| view.newest(k))
        .map(|e| Span::raw(e.action.as_str()).width() + if e.undo { 2 } else { 0 })
        .max()
        .unwrap_or(0);
    // Both whole when they fit (the error gets the room left); else the error gets up to a
    // third.
    let (action_w, error_w) = if longest_action + longest_error <= rest {
        (longest_action, rest - longest_action)
    } else {
        let error_w = longest_error.min(rest / 3);
        (rest - error_w, error_w)
    };
    let rows: Vec<Row> = shown
        .clone()
        .filter_map(|k| view.newest(k))
        .map(|e| {
            let (word, role) = outcome_words(&e.outcome);
            let action = format!("{}{}", if e.undo { "↶ " } else { "" }, e.action);
            Row::new(vec![
                Cell::from(e.time.strftime(time_fmt).to_string()),
                Cell::from(word).style(t.style(role)),
                Cell::from(super::format::fit(&action, action_w)),
                Cell::from(super::format::fit(
                    e.error.as_deref().unwrap_or_default(),
                    error_w,
                ))
                .style(t.style(Role::Dim)),
            ])
        })
        .collect();
    let title = if n == 0 {
        "Audit log — Esc to close".to_owned()
    } else {
        format!(
            "Audit log {}–{} of {n}, newest first — j/k move · Enter opens · Esc closes",
            shown.start + 1,
            shown.end
        )
    };
    let table = Table::new(
        rows,
        [
            Constraint::Length(time_w as u16),
            Constraint::Length(16),
            Constraint::Length(action_w as u16),
            Constraint::Length(error_w as u16),
        ],
    )
    .header(Row::new(vec!["Time (UTC)", "Outcome", "Action", "Error"]).style(t.style(Role::Header)))
    .row_highlight_style(t.style(Role::Selected))
    .highlight_symbol("▶ ")
    .highlight_spacing(ratatui::widgets::HighlightSpacing::Always)
    .block(boxed(title, ctx));
    let mut state =
        ratatui::widgets::TableState::default().with_selected((n > 0).then_some(selected - top));
    frame.render_stateful_widget(table, r, &mut state);
    if n == 0 && r.height > 3 {
        let inner = Rect::new(r.x + 2, r.y + 2, r.width.saturating_sub(4), 1);
        frame.render_widget(Paragraph::new("No writes recorded yet."), inner);
    }
}

/// One audit entry whole: who, when, what, target, before → after, outcome and reason,
/// wrapped at words.
fn audit_entry(frame: &mut Frame, area: Rect, app: &App, view: &AuditView, ctx: Ctx) {
    let t = ctx.theme;
    let Some(e) = view.newest(view.selected) else {
        return audit(frame, area, view, ctx);
    };
    let width = 96.min(area.width.saturating_sub(4));
    let inner = usize::from(width.saturating_sub(2)).max(8);
    let (word, role) = outcome_words(&e.outcome);
    let fields: Vec<(&str, String, Role)> = vec![
        (
            "When",
            e.time.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
            Role::Text,
        ),
        (
            "Who",
            e.lead
                .clone()
                .unwrap_or_else(|| "this machine's dashboard or CLI".into()),
            Role::Text,
        ),
        (
            "What",
            format!("{}{}", if e.undo { "undo: " } else { "" }, e.action),
            Role::Text,
        ),
        ("Target", e.target.clone(), Role::Text),
        ("Before", state_words(app, &e.before), Role::Text),
        (
            "After",
            e.after
                .as_ref()
                .map_or_else(|| "not read back".into(), |a| state_words(app, a)),
            Role::Text,
        ),
        ("Outcome", word, role),
        (
            "Reason",
            e.error.clone().unwrap_or_else(|| "—".into()),
            Role::Text,
        ),
    ];
    let mut lines = Vec::new();
    for (label, value, role) in fields {
        // The value wrapped at words beside its label, continuation lines under the value.
        for (k, l) in wrap_words(&value, inner.saturating_sub(9).max(8), "")
            .into_iter()
            .enumerate()
        {
            let head = if k == 0 { label } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!("{head:<8} "), t.style(Role::Header)),
                Span::styled(l, t.style(role)),
            ]));
        }
    }
    let h = (lines.len() as u16 + 2).min(area.height);
    let r = centred(area, width, h);
    frame.render_widget(Clear, r);
    let title = format!(
        "Audit entry {} of {} — j/k next · Esc back to the list",
        view.selected + 1,
        view.entries.len()
    );
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .block(boxed(title, ctx)),
        r,
    );
}

/// A state of the audit log in words, with names from the data where it has them.
fn state_words(app: &App, state: &crate::domain::actions::State) -> String {
    use crate::domain::actions::State;
    let s = app.snapshot.as_ref();
    let mate = |id: &crate::domain::TeammateId| {
        s.and_then(|s| s.teammates.iter().find(|t| &t.id == id))
            .map_or_else(|| format!("teammate {id}"), |t| t.name.clone())
    };
    let inbox = |id: &crate::domain::InboxId| {
        s.and_then(|s| s.inbox(id))
            .map_or_else(|| format!("inbox {id}"), |i| i.name.clone())
    };
    let level = |l: &Option<crate::domain::Level>| {
        l.map_or_else(|| "not a member".to_owned(), |l| l.to_string())
    };
    match state {
        State::Conversation { assignee, inbox: i } => format!(
            "assignee {}, inbox {}",
            assignee.as_ref().map_or_else(|| "none".into(), mate),
            i.as_ref().map_or_else(|| "none".into(), inbox)
        ),
        State::Membership { level: l } => level(l),
        State::DefaultInbox { inbox: i } => format!(
            "default inbox {}",
            i.as_ref().map_or_else(|| "none".into(), inbox)
        ),
        State::Moved { from, to } => format!("left: {}, joined: {}", level(from), level(to)),
        State::Presence { status, reason } => {
            let reason = reason.as_ref().map(|r| {
                s.and_then(|s| s.away_reasons.iter().find(|x| &x.id == r))
                    .map_or_else(|| r.to_string(), |x| x.label.clone())
            });
            match reason {
                Some(r) => format!("{status} ({r})"),
                None => status.to_string(),
            }
        }
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
