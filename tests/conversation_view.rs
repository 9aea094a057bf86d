//! The conversation view: the detail read over real HTTP against both simulators, the keys
//! (Enter opens, Esc returns, `y` copies with OSC 52, `o` opens or says why not, privacy
//! hides), and the screens at 80×24, 120×36 and 200×60 from the frozen fixture.

mod support;
mod ui_support;

use base64::Engine as _;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::SignedDuration;
use shiftlead::app::conversation::{Browser, Detail};
use shiftlead::app::{App, Effect, Pane, View};
use shiftlead::domain::ConversationId;
use shiftlead::domain::detail::{AuthorKind, ConversationDetail, Customer, Part, width};
use shiftlead::sim::world::SimAuthor;
use support::subject::Subject;
use ui_support::{app_from, fixture, render, text};

fn key(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

/// Checks the read of every answered conversation of the world (and one unanswered) against
/// what the world holds: the customer, and the parts in order with their authors and text.
async fn the_read_returns_what_the_world_holds(s: Subject, link_prefix: &str) {
    // A first refresh, as the dashboard does before anything opens.
    s.backend.snapshot().await.unwrap();
    let ids: Vec<u64> = {
        let w = s.sim.world();
        let answered = w
            .conversations
            .values()
            .filter(|c| c.last_admin_reply_at.is_some())
            .take(3);
        let fresh = w
            .conversations
            .values()
            .filter(|c| c.first_admin_reply_at.is_none())
            .take(1);
        answered.chain(fresh).map(|c| c.id).collect()
    };
    assert_eq!(
        ids.len(),
        4,
        "the demo has answered and fresh conversations"
    );
    for id in ids {
        let cid = ConversationId::from(id.to_string());
        let d = s.backend.conversation_detail(&cid).await.unwrap();
        let (customer, parts, names) = {
            let w = s.sim.world();
            let c = &w.conversations[&id];
            let names: Vec<String> = w
                .parts(c)
                .iter()
                .map(|p| match p.author {
                    SimAuthor::Customer => w.customer(c).name,
                    SimAuthor::Admin(a) => w
                        .admins
                        .iter()
                        .find(|x| x.id == a)
                        .map(|x| x.name.clone())
                        .unwrap(),
                })
                .collect();
            (w.customer(c), w.parts(c), names)
        };
        let got = d.customer.as_ref().expect("the customer is read");
        assert_eq!(got.name.as_deref(), Some(customer.name.as_str()), "{id}");
        assert_eq!(got.email.as_deref(), Some(customer.email.as_str()), "{id}");
        assert_eq!(d.parts.len(), parts.len(), "{id}: {d:?}");
        assert_eq!(d.total_parts, Some(parts.len()), "{id}");
        for ((p, want), name) in d.parts.iter().zip(&parts).zip(&names) {
            assert_eq!(p.at, want.at, "{id}");
            assert_eq!(&p.author, name, "{id}");
            let kind = match want.author {
                SimAuthor::Customer => AuthorKind::Customer,
                SimAuthor::Admin(_) => AuthorKind::Teammate,
            };
            assert_eq!(p.kind, kind, "{id}");
            // The HTML is gone, the words are there.
            assert!(
                !p.body.contains('<') && !p.body.contains("&amp;"),
                "{:?}",
                p.body
            );
            assert_eq!(
                p.body.split_whitespace().collect::<Vec<_>>(),
                shiftlead::domain::detail::plain_text(&want.html)
                    .split_whitespace()
                    .collect::<Vec<_>>()
            );
        }
        assert!(d.parts[0].kind == AuthorKind::Customer);
        let link = s.backend.conversation_link(&cid).expect("a link");
        assert_eq!(link, format!("{link_prefix}{id}"));
    }
    // A conversation that does not exist is an error, not an empty view.
    let missing = ConversationId("999".into());
    assert!(s.backend.conversation_detail(&missing).await.is_err());
}

#[tokio::test]
async fn intercom_reads_the_customer_and_parts_over_http() {
    let s = Subject::intercom().token("convo-test").build().await;
    // The app id comes from GET /me (the simulator's is `sim0demo`).
    the_read_returns_what_the_world_holds(
        s,
        "https://app.intercom.com/a/inbox/sim0demo/inbox/conversation/",
    )
    .await;
}

#[tokio::test]
async fn zendesk_reads_the_customer_and_parts_over_http() {
    let s = Subject::zendesk().token("convo-test").build().await;
    let base = s.sim.base_url();
    the_read_returns_what_the_world_holds(s, &format!("{base}/agent/tickets/")).await;
}

#[tokio::test]
async fn zendesk_pages_comments_newest_first_and_reads_the_requester_when_not_sideloaded() {
    let s = Subject::zendesk().token("convo-test").build().await;
    let (id, requester) = {
        let w = s.sim.world();
        let c = w
            .conversations
            .values()
            .find(|c| w.parts(c).len() >= 3)
            .expect("a conversation with three parts");
        (c.id, w.customer(c))
    };
    let http = reqwest::Client::new();
    let get = |path: String| {
        http.get(format!("{}{path}", s.sim.base_url()))
            .bearer_auth("convo-test")
            .send()
    };
    let page: serde_json::Value = get(format!(
        "/api/v2/tickets/{id}/comments.json?include=users&page[size]=1&sort=-created_at"
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    // Newest first: the last part, written by a teammate here or the customer, one per page.
    assert_eq!(page["comments"].as_array().unwrap().len(), 1, "{page}");
    assert_eq!(page["meta"]["has_more"], true, "{page}");
    let parts = {
        let w = s.sim.world();
        w.parts(&w.conversations[&id])
    };
    let last = parts.last().unwrap();
    assert_eq!(
        page["comments"][0]["id"].as_i64().unwrap() % 1000,
        i64::from(last.n)
    );
    // The requester as a user, for when the sideload does not carry them.
    let rid = shiftlead::sim::zendesk::projection::REQUESTER_BASE + requester.index as i64;
    let user: serde_json::Value = get(format!("/api/v2/users/{rid}.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(user["user"]["role"], "end-user");
    assert_eq!(user["user"]["email"], requester.email.as_str());
}

#[tokio::test]
async fn the_dashboard_opens_a_real_conversation_and_shows_what_the_simulator_said() {
    let mut rig = ui_support::rig::rig().await;
    rig.key(KeyCode::Char('3'));
    let id = rig.app.selected_conversation().expect("an SLA row");
    rig.key(KeyCode::Enter);
    rig.settle().await;
    let (name, first) = {
        let w = rig.subject.sim.world();
        let c = &w.conversations[&id.as_str().parse::<u64>().unwrap()];
        (w.customer(c).name, c.title.clone())
    };
    let screen = text(&render(&mut rig.app, 120, 36));
    assert!(screen.contains(&name), "{screen}");
    // The opening message quotes the subject; the link names the conversation.
    assert!(
        screen.contains(first.split(' ').next().unwrap()),
        "{screen}"
    );
    assert!(
        screen.contains(&format!("inbox/conversation/{id}")),
        "{screen}"
    );
    rig.key(KeyCode::Char('y'));
    rig.settle().await;
    assert_eq!(rig.terminal.len(), 1);
    assert!(rig.terminal[0].starts_with("\x1b]52;c;"));
}

// ---- The app ----

fn sample_detail() -> ConversationDetail {
    let at = |m: i64| ui_support::now() - SignedDuration::from_mins(m);
    let part = |kind, author: &str, m, body: &str| Part {
        kind,
        author: author.into(),
        at: at(m),
        body: body.into(),
        internal: false,
    };
    ConversationDetail {
        customer: Some(Customer {
            name: Some("Priya Moreau".into()),
            email: Some("priya.moreau1234@example.com".into()),
        }),
        parts: vec![
            part(
                AuthorKind::Customer,
                "Priya Moreau",
                95,
                "Hello support team,\n\nOur invoice for November shows the wrong VAT rate — \
                 21% instead of 19% — and our accounting department cannot close the month \
                 until it is corrected. Could you reissue it?",
            ),
            part(
                AuthorKind::Teammate,
                "Ana Lindqvist",
                60,
                "Sorry about the trouble. Could you send me the exact invoice number and the \
                 VAT id on your account? That helps us trace it.",
            ),
            Part {
                internal: true,
                ..part(
                    AuthorKind::Teammate,
                    "Ana Lindqvist",
                    58,
                    "Billing export shows the old rate table; asked finance.",
                )
            },
            part(
                AuthorKind::Customer,
                "Priya Moreau",
                20,
                "Thanks – it is INV-2026-11-0042, VAT id DE123456789. Any news on this?",
            ),
        ],
        total_parts: Some(7),
    }
}

/// The fixture's dashboard with the SLA pane focused on its first (most urgent) row.
fn on_sla() -> (App, ConversationId) {
    let mut app = app_from(fixture());
    key(&mut app, KeyCode::Char('3'));
    assert_eq!(app.focus, Pane::Sla);
    key(&mut app, KeyCode::Char('j'));
    let id = app.selected_conversation().expect("an SLA row");
    (app, id)
}

fn opened(app: &mut App) -> ConversationId {
    key(app, KeyCode::Enter);
    let View::Conversation(id) = app.view.clone() else {
        panic!("Enter opens the conversation view: {:?}", app.view);
    };
    id
}

#[test]
fn enter_on_the_sla_pane_opens_the_conversation_and_esc_returns_with_the_selection_kept() {
    let (mut app, id) = on_sla();
    let selected = app.selected;
    app.take_effects();
    assert_eq!(opened(&mut app), id);
    // The parts are read in the background: the loop is asked, nothing waits.
    assert_eq!(
        app.take_effects(),
        vec![Effect::LoadConversation(id.clone())]
    );
    let screen = text(&render(&mut app, 120, 36));
    assert!(screen.contains("Parts: loading…"), "{screen}");
    assert!(screen.contains("Customer  loading…"), "{screen}");
    // The held fields are there at once.
    assert!(
        screen.contains("Priority") && screen.contains("SLA"),
        "{screen}"
    );
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.view, View::Main);
    assert_eq!(app.focus, Pane::Sla);
    assert_eq!(app.selected, selected);
}

#[test]
fn enter_in_an_inbox_drill_down_opens_the_row_and_esc_returns_to_the_same_row() {
    let mut app = app_from(fixture());
    key(&mut app, KeyCode::Enter); // the first inbox
    assert!(matches!(app.view, View::Inbox(_)));
    let inbox = app.view.clone();
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('j'));
    let row = app.detail_selected;
    let id = app.selected_conversation().unwrap();
    assert_eq!(opened(&mut app), id);
    // A refresh while the view is open keeps the list's cursor behind it.
    let f = fixture();
    app.on_sync(
        shiftlead::app::SyncMsg::Snapshot {
            delta: None,
            snapshot: Box::new(f.snapshot),
            took: std::time::Duration::from_millis(40),
            budget: Default::default(),
            capabilities: Box::new(f.capabilities),
        },
        ui_support::now(),
    );
    // Keys that would act on the hidden list say so instead.
    key(&mut app, KeyCode::Char(' '));
    assert!(app.marked.is_empty());
    assert!(app.message.as_deref().unwrap().contains("Esc goes back"));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.view, inbox);
    assert_eq!(app.detail_selected, row);
    assert_eq!(app.selected_conversation(), Some(id));
}

#[test]
fn y_copies_the_link_with_osc52_and_o_opens_it_or_says_why_not() {
    let (mut app, id) = on_sla();
    opened(&mut app);
    app.take_effects();
    // No link yet: y says so and emits nothing.
    key(&mut app, KeyCode::Char('y'));
    assert!(app.take_effects().is_empty());
    assert!(
        app.message.as_deref().unwrap().contains("no link"),
        "{:?}",
        app.message
    );
    let link = format!("https://example.zendesk.com/agent/tickets/{id}");
    app.on_conversation(&id, Ok(sample_detail()), Some(link.clone()));
    key(&mut app, KeyCode::Char('y'));
    let effects = app.take_effects();
    let [Effect::Clipboard(seq)] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let b64 = seq
        .strip_prefix("\x1b]52;c;")
        .and_then(|s| s.strip_suffix("\x1b\\"))
        .expect("OSC 52 … ST");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    assert_eq!(String::from_utf8(decoded).unwrap(), link);
    // Over SSH without a display: o says so and points at y.
    app.browser = Browser::detect(|k| (k == "SSH_TTY").then(|| "/dev/pts/3".to_owned()), false);
    key(&mut app, KeyCode::Char('o'));
    assert!(app.take_effects().is_empty());
    let said = app.message.clone().unwrap();
    assert!(said.contains("SSH") && said.contains("y copies"), "{said}");
    // With $BROWSER: the program is started on the link.
    app.browser = Browser::detect(|k| (k == "BROWSER").then(|| "lynx".to_owned()), false);
    key(&mut app, KeyCode::Char('o'));
    assert_eq!(
        app.take_effects(),
        vec![Effect::OpenLink {
            program: "lynx".into(),
            args: vec![link]
        }]
    );
}

#[test]
fn a_failed_read_shows_the_held_fields_and_the_reason() {
    let (mut app, id) = on_sla();
    opened(&mut app);
    app.on_conversation(&id, Err("HTTP 503: unavailable".into()), None);
    assert!(matches!(
        app.conversation.as_ref().unwrap().detail,
        Detail::Failed(_)
    ));
    let screen = text(&render(&mut app, 80, 24));
    assert!(
        screen.contains("Parts could not be read: HTTP 503:"),
        "{screen}"
    );
    assert!(screen.contains("Assignee"), "{screen}");
    // A late answer for a conversation no longer open changes nothing.
    key(&mut app, KeyCode::Esc);
    app.on_conversation(&id, Ok(sample_detail()), None);
    assert!(app.conversation.is_none());
}

#[test]
fn privacy_mode_hides_the_customer_and_the_parts() {
    let (mut app, id) = on_sla();
    app.privacy = true;
    opened(&mut app);
    app.on_conversation(&id, Ok(sample_detail()), Some("https://x/1".into()));
    let screen = text(&render(&mut app, 120, 36));
    assert!(screen.contains("hidden (privacy mode)"), "{screen}");
    assert!(screen.contains("Parts hidden (privacy mode)"), "{screen}");
    for secret in ["Priya", "example.com", "invoice", "VAT id"] {
        assert!(!screen.contains(secret), "{secret} shown: {screen}");
    }
}

/// No line of the view is wider than the screen, and no word of the bodies is drawn cut: a
/// drawn word that begins a body word is that whole word.
fn assert_no_word_cut(screen: &str, w: u16) {
    let clean = |x: &str| -> String { x.chars().filter(|c| c.is_alphanumeric()).collect() };
    let words: std::collections::HashSet<String> = sample_detail()
        .parts
        .iter()
        .flat_map(|p| p.body.split_whitespace().map(clean).collect::<Vec<_>>())
        .collect();
    for line in screen.lines() {
        assert!(width(line) <= usize::from(w), "{line}");
        // A cut shows as a line of the view ending in the start of a longer word.
        let Some(inner) = line.strip_prefix('│') else {
            continue;
        };
        let last = inner
            .trim_end_matches('│')
            .split(|c: char| !c.is_alphanumeric())
            .rfind(|x| !x.is_empty())
            .unwrap_or_default();
        let cut = !words.contains(last) && words.iter().any(|x| x.starts_with(last));
        assert!(last.is_empty() || !cut, "{last:?} is cut in {line:?}");
    }
}

#[test]
fn the_view_at_three_sizes() {
    for (w, h) in [(80u16, 24u16), (120, 36), (200, 60)] {
        let (mut app, id) = on_sla();
        opened(&mut app);
        app.on_conversation(
            &id,
            Ok(sample_detail()),
            Some(format!(
                "https://app.intercom.com/a/inbox/sim0demo/inbox/conversation/{id}"
            )),
        );
        let terminal = render(&mut app, w, h);
        assert_no_word_cut(&text(&terminal), w);
        insta::assert_snapshot!(format!("conversation_{w}x{h}"), terminal.backend());
    }
}

#[test]
fn the_view_scrolls_when_the_parts_do_not_fit() {
    let (mut app, id) = on_sla();
    opened(&mut app);
    app.on_conversation(&id, Ok(sample_detail()), None);
    let top = text(&render(&mut app, 80, 24));
    assert!(top.contains("Customer"), "{top}");
    assert!(!top.contains("Any news on this?"), "{top}");
    key(&mut app, KeyCode::Char('G'));
    let bottom = text(&render(&mut app, 80, 24));
    assert!(bottom.contains("Any news on this?"), "{bottom}");
    assert!(bottom.contains("more above ·"), "{bottom}");
    // At the end, one `k` scrolls one line up at once (not after the overshoot is used up).
    key(&mut app, KeyCode::Char('k'));
    let up = text(&render(&mut app, 80, 24));
    assert!(up.contains("more above and below"), "{up}");
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(
        text(&render(&mut app, 80, 24)),
        bottom,
        "j stops at the end"
    );
    key(&mut app, KeyCode::Char('k'));
    assert!(text(&render(&mut app, 80, 24)).contains("more above and below"));
    // Scrolling moved no cursor of the list behind.
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.selected_conversation(), Some(id));
    // Nothing panics at the smallest drawn size, or below it.
    for (w, h) in [(60, 16), (59, 15), (20, 5)] {
        let (mut app, id) = on_sla();
        opened(&mut app);
        app.on_conversation(&id, Ok(sample_detail()), None);
        render(&mut app, w, h);
    }
}
