//! One conversation at a glance: who the customer is and the last few parts, as a backend
//! reads them on demand (never in the refresh), plus the pure text helpers the view needs
//! (HTML to plain text, wrapping at words by display width). No IO.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use unicode_width::UnicodeWidthStr;

/// How many of the latest parts a backend hands back (the view shows what fits).
pub const LAST_PARTS: usize = 6;

/// The customer of a conversation (a helpdesk's contact or requester).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// Name, when the helpdesk knows one.
    pub name: Option<String>,
    /// Email, when the helpdesk knows one.
    pub email: Option<String>,
}

/// Who wrote a part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorKind {
    /// The customer (or another contact).
    Customer,
    /// A teammate.
    Teammate,
    /// A bot, an automation or the system.
    Bot,
}

/// One message of a conversation, as plain text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    /// Who wrote it.
    pub kind: AuthorKind,
    /// Their name as the helpdesk gives it (empty when it gives none).
    pub author: String,
    /// When it was written.
    pub at: Timestamp,
    /// The body as plain text (HTML stripped), paragraphs separated by blank lines.
    pub body: String,
    /// An internal note, seen only by teammates.
    pub internal: bool,
}

/// What a backend reads about one conversation beyond the held model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationDetail {
    /// The customer, when the helpdesk says.
    pub customer: Option<Customer>,
    /// The latest parts, oldest first (at most [`LAST_PARTS`]).
    pub parts: Vec<Part>,
    /// How many parts the conversation has in all (the opening message included), when the
    /// helpdesk says.
    pub total_parts: Option<usize>,
}

impl ConversationDetail {
    /// Keeps only the latest [`LAST_PARTS`] of `parts` (sorted oldest first); `total` is how
    /// many the conversation has, when known.
    pub fn latest(customer: Option<Customer>, mut parts: Vec<Part>, total: Option<usize>) -> Self {
        parts.sort_by_key(|p| p.at);
        let skip = parts.len().saturating_sub(LAST_PARTS);
        let total_parts = total.map(|t| t.max(parts.len()));
        ConversationDetail {
            customer,
            parts: parts.split_off(skip),
            total_parts,
        }
    }
}

/// A body the helpdesk sends as HTML, as plain text: tags dropped, block ends (`</p>`,
/// `<br>`, `</div>`, `</li>`, headings) become line breaks, entities decoded, runs of blank
/// lines and spaces collapsed. Text that is not HTML comes back trimmed.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find(['<', '&']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        // As in HTML, `<` opens a tag only before a letter, `/` or `!`; else it is text.
        let opens = rest[1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!');
        if rest.starts_with('<') && !opens {
            out.push('<');
            rest = &rest[1..];
        } else if rest.starts_with('<') {
            match rest.find('>') {
                Some(end) => {
                    let tag = rest[1..end].trim().to_ascii_lowercase();
                    let name: String = tag
                        .trim_start_matches('/')
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric())
                        .collect();
                    let block = matches!(
                        name.as_str(),
                        "p" | "div" | "br" | "li" | "ul" | "ol" | "tr" | "blockquote" | "pre"
                    ) || (name.len() == 2
                        && name.starts_with('h')
                        && name[1..].chars().all(|c| c.is_ascii_digit()));
                    let closing = tag.starts_with('/');
                    if name == "li" {
                        // An item starts a line with a bullet; its end adds nothing.
                        if !closing {
                            out.push_str("\n• ");
                        }
                    } else if block {
                        out.push('\n');
                    }
                    rest = &rest[end + 1..];
                }
                // A lone '<' is text.
                None => {
                    out.push('<');
                    rest = &rest[1..];
                }
            }
        } else {
            let (text, used) = entity(rest);
            out.push_str(text);
            rest = &rest[used..];
        }
    }
    out.push_str(rest);
    tidy(&out)
}

/// The text of the entity at the start of `s` (which starts with `&`) and its length.
fn entity(s: &str) -> (&'static str, usize) {
    const NAMED: &[(&str, &str)] = &[
        ("&amp;", "&"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&apos;", "'"),
        ("&nbsp;", " "),
        ("&#x27;", "'"),
        ("&hellip;", "…"),
        ("&mdash;", "—"),
        ("&ndash;", "–"),
    ];
    NAMED
        .iter()
        .find(|(name, _)| s.starts_with(name))
        .map(|(name, text)| (*text, name.len()))
        .unwrap_or(("&", 1))
}

/// Spaces collapsed inside lines, lines trimmed, at most one blank line in a row, none at
/// the ends: for a body the helpdesk sends as plain text (`<` and `&` in it are text).
pub fn tidy(text: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() && lines.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        lines.push(line);
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

/// Display width of `s` in terminal cells.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `text` wrapped at words into lines of at most `max` cells. Line breaks in `text` are
/// kept (a blank line stays blank); a word wider than a whole line is split, after a `/`,
/// `-`, `.` or `@` where one falls, else at the width. Never returns a line wider than `max`
/// (for `max` ≥ 2).
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(2);
    let mut out = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut used = 0;
        for word in para.split_whitespace() {
            for piece in split_long(word, max) {
                let w = width(&piece);
                if used > 0 && used + 1 + w > max {
                    out.push(std::mem::take(&mut line));
                    used = 0;
                }
                if used > 0 {
                    line.push(' ');
                    used += 1;
                }
                line.push_str(&piece);
                used += w;
            }
        }
        out.push(line);
    }
    out
}

/// `word` in pieces of at most `max` cells, broken after a separator where possible.
fn split_long(word: &str, max: usize) -> Vec<String> {
    if width(word) <= max {
        return vec![word.to_owned()];
    }
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut used = 0;
    let mut last_break: Option<usize> = None; // byte index in `piece` after a separator
    for c in word.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > max {
            match last_break.filter(|&b| b > 0 && b < piece.len()) {
                Some(b) => {
                    let tail = piece.split_off(b);
                    pieces.push(std::mem::replace(&mut piece, tail));
                }
                None => pieces.push(std::mem::take(&mut piece)),
            }
            used = width(&piece);
            last_break = None;
            // What was kept after the break may still leave no room for this character.
            if used + w > max && !piece.is_empty() {
                pieces.push(std::mem::take(&mut piece));
                used = 0;
            }
        }
        piece.push(c);
        used += w;
        if matches!(c, '/' | '-' | '.' | '@' | '?' | '&' | '=') {
            last_break = Some(piece.len());
        }
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    pieces
}

/// The OSC 52 sequence that puts `text` on the clipboard of the terminal the user sits at
/// (it travels over SSH): `ESC ] 52 ; c ; base64 ST`.
pub fn osc52(text: &str) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{b64}\x1b\\")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn html_becomes_paragraphs_of_plain_text() {
        let html = "<p>Hi there,</p><p>I was charged <b>twice</b> &amp; need a refund.<br>Order #42 &lt;urgent&gt;</p>";
        assert_eq!(
            plain_text(html),
            "Hi there,\n\nI was charged twice & need a refund.\nOrder #42 <urgent>"
        );
        assert_eq!(plain_text("  just text  "), "just text");
        assert_eq!(plain_text("a < b and c > d"), "a < b and c > d");
        assert_eq!(
            plain_text("<ul><li>one</li><li>two</li></ul>"),
            "• one\n• two"
        );
        assert_eq!(plain_text("AT&T"), "AT&T");
    }

    #[test]
    fn wrapping_breaks_at_words_and_keeps_paragraphs() {
        let lines = wrap("the quick brown fox jumps\n\nover", 10);
        assert_eq!(lines, ["the quick", "brown fox", "jumps", "", "over"]);
        // A link is split after a slash, not in the middle of a segment.
        let lines = wrap(
            "https://help.example.com/a/inbox/abc/inbox/conversation/123",
            30,
        );
        assert_eq!(
            lines,
            [
                "https://help.example.com/a/",
                "inbox/abc/inbox/conversation/",
                "123"
            ]
        );
        // Wide characters count two cells, also after a break.
        assert_eq!(wrap("☕☕☕ ab", 6), ["☕☕☕", "ab"]);
        assert_eq!(wrap("-☕☕☕", 3), ["-", "☕", "☕", "☕"]);
    }

    #[test]
    fn osc52_carries_the_text_in_base64() {
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x1b\\");
    }

    #[test]
    fn only_the_latest_parts_are_kept_oldest_first() {
        let t = |s: i64| Timestamp::from_second(1_700_000_000 + s).unwrap();
        let parts: Vec<Part> = (0..9)
            .rev()
            .map(|n| Part {
                kind: AuthorKind::Customer,
                author: format!("p{n}"),
                at: t(n),
                body: String::new(),
                internal: false,
            })
            .collect();
        let d = ConversationDetail::latest(None, parts, Some(9));
        let names: Vec<&str> = d.parts.iter().map(|p| p.author.as_str()).collect();
        assert_eq!(names, ["p3", "p4", "p5", "p6", "p7", "p8"]);
        assert_eq!(d.total_parts, Some(9));
    }

    proptest! {
        #[test]
        fn wrapped_lines_fit_and_keep_every_word(text in "[a-z☕/ .\n-]{0,200}", max in 2usize..60) {
            let lines = wrap(&text, max);
            for l in &lines {
                prop_assert!(width(l) <= max, "{l:?} wider than {max}");
            }
            // Nothing is lost: the characters other than spaces come back in order.
            let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            prop_assert_eq!(strip(&lines.join(" ")), strip(&text));
            // A word that fits on a line is never split.
            for word in text.split_whitespace().filter(|w| width(w) <= max) {
                prop_assert!(lines.iter().any(|l| l.split(' ').any(|x| x == word)), "{word:?} split");
            }
        }

        #[test]
        fn plain_text_never_panics_and_leaves_no_tags(html in "(<[a-z/]{1,4}>|[a-z &;]|&amp;|&lt;){0,60}") {
            let text = plain_text(&html);
            prop_assert!(!text.contains("<p>") && !text.contains("<br>"));
            prop_assert!(!text.starts_with('\n') && !text.ends_with('\n'));
        }
    }
}
