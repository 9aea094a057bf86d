//! The conversation view: one conversation at a glance. The held fields (state, priority,
//! inbox, assignee, waiting, SLA with its source) draw at once; the customer and the latest
//! parts come from the background read, with "loading…" meanwhile and the reason when it
//! failed. Every line is wrapped at words to the width (`domain::detail::wrap`), so nothing
//! is cut; the body scrolls with the movement keys. Privacy mode hides the customer and the
//! parts.

use super::Ctx;
use super::format::short;
use super::panes::block;
use super::theme::Role;
use crate::app::conversation::Detail;
use crate::app::{App, names};
use crate::domain::capabilities::Read;
use crate::domain::detail::{AuthorKind, ConversationDetail, wrap};
use crate::domain::metrics::{SlaStanding, sla_standing};
use crate::domain::{Conversation, ConversationId, ConversationState, SlaStatus};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Width of the label column ("Assignee  ").
const LABEL: usize = 10;
/// Widest the text runs on a wide screen (longer lines are hard to read).
const READABLE: usize = 110;

/// Draws the view of conversation `id`.
pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, ctx: Ctx, id: &ConversationId) {
    let held = app.snapshot.as_ref().and_then(|s| s.conversation(id));
    let heading = match held {
        Some(c) => format!("Conversation #{id} · {}", crate::app::title(app, c)),
        None => format!("Conversation #{id}"),
    };
    let inner_w = usize::from(area.width.saturating_sub(2));
    // The title is wrapped like the rest: its first line on the border, whole words only.
    let title = wrap(&heading, inner_w.saturating_sub(4))
        .into_iter()
        .next()
        .unwrap_or_default();
    let mut b = block(&title, true, None, "", ctx);
    let inner = b.inner(area);
    let text_w = usize::from(inner.width).min(READABLE);
    let lines = lines(app, ctx, id, held, text_w);
    let room = usize::from(inner.height);
    let max_scroll = lines.len().saturating_sub(room);
    let open = app.conversation.as_ref().filter(|o| &o.id == id);
    if let Some(o) = open {
        o.max_scroll
            .set(u16::try_from(max_scroll).unwrap_or(u16::MAX));
    }
    let scroll = open.map_or(0, |o| usize::from(o.scroll)).min(max_scroll);
    if max_scroll > 0 {
        // Say that more is above or below, and how to get there.
        use crate::app::keymap::Action;
        let keys: Vec<String> = [Action::Down, Action::Up]
            .iter()
            .filter_map(|a| app.keymap.key_for(*a))
            .collect();
        let more = match (scroll > 0, scroll < max_scroll) {
            (true, true) => "more above and below",
            (true, false) => "more above",
            _ => "more below",
        };
        b = b.title_bottom(
            Line::from(Span::styled(
                format!(" {more} · {} scroll ", keys.join("/")),
                ctx.theme.style(Role::Dim),
            ))
            .right_aligned(),
        );
    }
    frame.render_widget(b, area);
    let shown: Vec<Line> = lines.into_iter().skip(scroll).take(room).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

/// Every line of the view, wrapped to `width`.
fn lines(
    app: &App,
    ctx: Ctx,
    id: &ConversationId,
    held: Option<&Conversation>,
    width: usize,
) -> Vec<Line<'static>> {
    let t = ctx.theme;
    let mut out: Vec<Line<'static>> = Vec::new();
    let open = app.conversation.as_ref().filter(|o| &o.id == id);
    let detail = open.map(|o| &o.detail);
    // One labelled fact: the value wrapped beside its label, continuation lines indented.
    let mut fact = |label: &str, value: &str, style: Style| {
        let room = width.saturating_sub(LABEL).max(8);
        for (n, piece) in wrap(value, room).into_iter().enumerate() {
            let head = if n == 0 { label } else { "" };
            out.push(Line::from(vec![
                Span::styled(format!("{head:<LABEL$}"), t.style(Role::Header)),
                Span::styled(piece, style),
            ]));
        }
    };
    let text = t.style(Role::Text);
    let dim = t.style(Role::Dim);

    // The customer.
    let (customer, style) = match (app.privacy, detail) {
        (true, _) => ("hidden (privacy mode)".to_owned(), dim),
        (false, Some(Detail::Ready(d))) => (customer_text(d), text),
        (false, Some(Detail::Failed(_))) => ("not read (see below)".to_owned(), dim),
        (false, _) => ("loading…".to_owned(), dim),
    };
    fact("Customer", &customer, style);

    let Some(c) = held else {
        fact(
            "State",
            "no longer in the held model (solved, closed or moved out of view)",
            dim,
        );
        link_fact(app, open.and_then(|o| o.link.as_deref()), &mut fact, ctx);
        parts(app, ctx, detail, width, &mut out);
        return out;
    };
    let (inbox, assignee) = app.snapshot.as_ref().map_or(("", ""), |s| names(s, c));
    let mut state = state_name(c.state).to_owned();
    if let Some(raw) = &c.raw_state {
        state.push_str(&format!(" ({raw})"));
    }
    if c.state.waiting_on_us() {
        state.push_str(" · waiting on us");
    }
    if let Some(until) = c.snoozed_until {
        state.push_str(&format!(" · snoozed until {}", clock(until)));
    }
    fact("State", &state, text);
    fact("Priority", c.priority.as_str(), text);
    fact(
        "Inbox",
        if inbox.is_empty() { "none" } else { inbox },
        if inbox.is_empty() { dim } else { text },
    );
    fact(
        "Assignee",
        if assignee.is_empty() {
            "unassigned"
        } else {
            assignee
        },
        if assignee.is_empty() {
            t.style(Role::Warn)
        } else {
            text
        },
    );
    let waiting = match c.waiting_since {
        Some(w) => format!("{} (since {})", short(ctx.now.duration_since(w)), clock(w)),
        None => "not waiting (the last reply was ours)".into(),
    };
    fact("Waiting", &waiting, text);
    let (sla, role) = sla_text(app, ctx, c);
    fact("SLA", &sla, t.style(role));
    link_fact(app, open.and_then(|o| o.link.as_deref()), &mut fact, ctx);
    parts(app, ctx, detail, width, &mut out);
    out
}

fn link_fact(app: &App, link: Option<&str>, fact: &mut impl FnMut(&str, &str, Style), ctx: Ctx) {
    use crate::app::keymap::Action;
    let keys: Vec<String> = [(Action::CopyLink, "copy"), (Action::OpenLink, "open")]
        .iter()
        .filter_map(|(a, what)| Some(format!("{} {what}", app.keymap.key_for(*a)?)))
        .collect();
    match link {
        Some(l) => {
            fact("Link", l, ctx.theme.style(Role::Focus));
            if !keys.is_empty() {
                fact("", &keys.join(" · "), ctx.theme.style(Role::Dim));
            }
        }
        None => fact(
            "Link",
            "none (this backend builds no link to the helpdesk, or it is not known yet)",
            ctx.theme.style(Role::Dim),
        ),
    }
}

fn customer_text(d: &ConversationDetail) -> String {
    match &d.customer {
        Some(c) => match (&c.name, &c.email) {
            (Some(n), Some(e)) => format!("{n} <{e}>"),
            (Some(n), None) => n.clone(),
            (None, Some(e)) => e.clone(),
            (None, None) => "a contact without name or email".into(),
        },
        None => "not given by the helpdesk".into(),
    }
}

/// The SLA line: policy, standing, deadline, and where the deadline comes from.
fn sla_text(app: &App, ctx: Ctx, c: &Conversation) -> (String, Role) {
    let Some(sla) = &c.sla else {
        return ("none applied".into(), Role::Dim);
    };
    let status = match sla.status {
        SlaStatus::Active => "running",
        SlaStatus::Hit => "met",
        SlaStatus::Missed => "missed",
        SlaStatus::Cancelled => "cancelled",
        SlaStatus::Paused => "paused",
        SlaStatus::Unknown => "running (status unknown to shiftlead)",
    };
    let name = if sla.name.is_empty() {
        "SLA".to_owned()
    } else {
        sla.name.to_string()
    };
    let standing = sla_standing(c, ctx.now, app.policy.breaching_soon);
    let role = match standing {
        SlaStanding::Breached => Role::Bad,
        SlaStanding::Soon => Role::Warn,
        _ => Role::Text,
    };
    let Some(d) = sla.deadline else {
        return (format!("{name} · {status} · no breach time known"), role);
    };
    let left = d.at.duration_since(ctx.now);
    let span = short;
    let when = if left.is_negative() {
        format!("breached {} ago at {}", span(-left), clock(d.at))
    } else {
        format!("breaches in {} at {}", span(left), clock(d.at))
    };
    let source = if d.exact {
        "exact: the helpdesk's own breach time".to_owned()
    } else {
        match &app.capabilities.sla_deadlines {
            Read::Estimated(why) => format!("estimated: {why}"),
            _ => "estimated from the configured targets and the waiting time".to_owned(),
        }
    };
    (format!("{name} · {status} · {when} · {source}"), role)
}

/// The parts: a heading, then each part's author line and body, oldest first.
fn parts(app: &App, ctx: Ctx, detail: Option<&Detail>, width: usize, out: &mut Vec<Line<'static>>) {
    let t = ctx.theme;
    out.push(Line::from(""));
    let say = |out: &mut Vec<Line<'static>>, text: &str, role: Role| {
        for l in wrap(text, width) {
            out.push(Line::from(Span::styled(l, t.style(role))));
        }
    };
    if app.privacy {
        say(out, "Parts hidden (privacy mode)", Role::Dim);
        return;
    }
    let d = match detail {
        Some(Detail::Ready(d)) => d,
        Some(Detail::Failed(e)) => {
            say(
                out,
                &format!("Parts could not be read: {e}. What is held is shown above."),
                Role::Bad,
            );
            return;
        }
        _ => {
            say(out, "Parts: loading…", Role::Dim);
            return;
        }
    };
    let heading = match d.total_parts {
        _ if d.parts.is_empty() => "No messages in this conversation".to_owned(),
        Some(total) if total > d.parts.len() => {
            format!("Latest {} of {total} parts, oldest first", d.parts.len())
        }
        _ if d.parts.len() == 1 => "The only part".to_owned(),
        _ => format!("All {} parts, oldest first", d.parts.len()),
    };
    say(out, &heading, Role::Header);
    for p in &d.parts {
        out.push(Line::from(""));
        let (who, role) = match p.kind {
            AuthorKind::Customer => ("customer", Role::Warn),
            AuthorKind::Teammate => ("teammate", Role::Good),
            AuthorKind::Bot => ("bot", Role::Dim),
        };
        let name = if p.author.is_empty() {
            who.to_owned()
        } else {
            format!("{} ({who})", p.author)
        };
        let note = if p.internal { " · internal note" } else { "" };
        let head = format!(
            "▸ {name} · {} ({} ago){note}",
            clock(p.at),
            short(ctx.now.duration_since(p.at))
        );
        say(out, &head, role);
        for l in wrap(&p.body, width.saturating_sub(2)) {
            out.push(Line::from(vec![Span::raw("  "), Span::raw(l)]));
        }
    }
}

fn state_name(s: ConversationState) -> &'static str {
    match s {
        ConversationState::New => "new",
        ConversationState::Open => "open",
        ConversationState::Pending => "pending",
        ConversationState::OnHold => "on hold",
        ConversationState::Snoozed => "snoozed",
        ConversationState::Solved => "solved",
        ConversationState::Closed => "closed",
    }
}

/// A moment as the screen shows times: `HH:MM UTC`.
fn clock(t: jiff::Timestamp) -> String {
    t.strftime("%H:%M UTC").to_string()
}
