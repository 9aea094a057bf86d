//! The conversation view: one conversation at a glance. The held fields show at once; the
//! customer and the latest parts arrive from a background read ([`Effect::LoadConversation`]);
//! the link is copied with OSC 52 ([`Effect::Clipboard`]) or opened in a browser
//! ([`Effect::OpenLink`]) where one is available. Pure: the loop runs the effects.

use super::keymap::Action;
use super::{App, Effect, View};
use crate::domain::ConversationId;
use crate::domain::detail::{ConversationDetail, osc52};

/// Where the parts of the open conversation stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    /// The read is under way.
    Loading,
    /// Read.
    Ready(ConversationDetail),
    /// The read failed (or this backend cannot read parts); why.
    Failed(String),
}

/// The open conversation view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenConversation {
    /// Which conversation.
    pub id: ConversationId,
    /// The view Esc goes back to (its selection is left as it was).
    pub back: View,
    /// Its customer and parts.
    pub detail: Detail,
    /// Its page in the helpdesk, when the backend knows how to build it.
    pub link: Option<String>,
    /// First line of the body shown (it scrolls with the movement keys).
    pub scroll: u16,
    /// The last line the body can start at, as last drawn (the screen knows how the text
    /// wraps): scrolling stops there, so `G` then `k` moves at once.
    pub max_scroll: std::cell::Cell<u16>,
}

/// How a link is opened here: a program and its arguments (the URL replaces `%s`, else it
/// comes last), or why none is available.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Browser {
    /// Run this.
    Command {
        /// The program.
        program: String,
        /// Its arguments before the URL (`%s` is replaced by it).
        args: Vec<String>,
    },
    /// No browser can be reached from here; why.
    Unavailable(String),
}

impl Browser {
    /// The browser the environment offers: `$BROWSER` (its first `:`-separated entry), else
    /// macOS `open`, else `xdg-open` when there is a display (`DISPLAY` or
    /// `WAYLAND_DISPLAY`); over SSH without a display, none.
    pub fn detect(env: impl Fn(&str) -> Option<String>, macos: bool) -> Browser {
        let set = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        if let Some(b) = set("BROWSER") {
            let first = b.split(':').next().unwrap_or_default();
            let mut words = first.split_whitespace().map(str::to_owned);
            if let Some(program) = words.next() {
                return Browser::Command {
                    program,
                    args: words.collect(),
                };
            }
        }
        if macos {
            return Browser::Command {
                program: "open".into(),
                args: Vec::new(),
            };
        }
        if set("DISPLAY").is_some() || set("WAYLAND_DISPLAY").is_some() {
            return Browser::Command {
                program: "xdg-open".into(),
                args: Vec::new(),
            };
        }
        let why = if set("SSH_CONNECTION").is_some() || set("SSH_TTY").is_some() {
            "no browser over SSH without a display"
        } else {
            "no browser here (no $BROWSER, no display)"
        };
        Browser::Unavailable(why.into())
    }

    /// The program and arguments that open `url`.
    pub fn command(&self, url: &str) -> Option<(String, Vec<String>)> {
        match self {
            Browser::Command { program, args } => {
                let mut out: Vec<String> = args.iter().map(|a| a.replace("%s", url)).collect();
                if !args.iter().any(|a| a.contains("%s")) {
                    out.push(url.to_owned());
                }
                Some((program.clone(), out))
            }
            Browser::Unavailable(_) => None,
        }
    }
}

/// Whether `action` does something in the conversation view (the others would act on the
/// list hidden behind it, so they say so instead).
pub fn acts_in_view(action: Action) -> bool {
    matches!(
        action,
        Action::Quit
            | Action::Help
            | Action::Back
            | Action::Down
            | Action::Up
            | Action::Top
            | Action::Bottom
            | Action::PageDown
            | Action::PageUp
            | Action::CopyLink
            | Action::OpenLink
            | Action::Refresh
            | Action::Command
            | Action::Messages
            | Action::Audit
            | Action::Handoff
    )
}

impl App {
    /// Opens the conversation view on `id` (from the current view, which Esc returns to) and
    /// asks the loop to read its parts.
    pub(crate) fn open_conversation(&mut self, id: ConversationId) {
        let back = match &self.view {
            // From one conversation to another keeps the first way back.
            View::Conversation(_) => self
                .conversation
                .as_ref()
                .map(|o| o.back.clone())
                .unwrap_or(View::Main),
            v => v.clone(),
        };
        self.conversation = Some(OpenConversation {
            id: id.clone(),
            back,
            detail: Detail::Loading,
            link: None,
            scroll: 0,
            max_scroll: std::cell::Cell::new(u16::MAX),
        });
        self.view = View::Conversation(id.clone());
        self.effects.push(Effect::LoadConversation(id));
    }

    /// Leaves the conversation view for the view it was opened from.
    pub(crate) fn close_conversation(&mut self) {
        let back = self.conversation.take().map(|o| o.back);
        self.view = back.unwrap_or(View::Main);
    }

    /// The link of the open conversation became known.
    pub fn on_conversation_link(&mut self, id: &ConversationId, link: Option<String>) {
        if let Some(o) = self.conversation.as_mut().filter(|o| &o.id == id)
            && link.is_some()
        {
            o.link = link;
            self.dirty = true;
        }
    }

    /// The read of a conversation's parts finished (a conversation no longer open is
    /// ignored).
    pub fn on_conversation(
        &mut self,
        id: &ConversationId,
        result: Result<ConversationDetail, String>,
        link: Option<String>,
    ) {
        let Some(o) = self.conversation.as_mut().filter(|o| &o.id == id) else {
            return;
        };
        o.detail = match result {
            Ok(d) => Detail::Ready(d),
            Err(e) => Detail::Failed(e),
        };
        if link.is_some() {
            o.link = link;
        }
        self.dirty = true;
    }

    /// Scrolls the conversation view by `delta` lines, within the text as last drawn.
    pub(crate) fn scroll_conversation(&mut self, delta: isize) {
        if let Some(o) = self.conversation.as_mut() {
            let max = o.max_scroll.get().min(4_000) as isize;
            let s = (o.scroll as isize)
                .min(max)
                .saturating_add(delta)
                .clamp(0, max);
            o.scroll = u16::try_from(s).unwrap_or(0);
        }
    }

    fn open_link_or_say(&mut self) -> Option<String> {
        let link = self.conversation.as_ref().and_then(|o| o.link.clone());
        if link.is_none() {
            self.message = Some(match &self.conversation {
                Some(_) => "no link known for this conversation".into(),
                None => "open a conversation (Enter on it) to copy or open its link".into(),
            });
        }
        link
    }

    /// Copies the open conversation's link to the clipboard of the terminal the user sits at
    /// (OSC 52, which travels over SSH).
    pub(crate) fn copy_link(&mut self) {
        let Some(link) = self.open_link_or_say() else {
            return;
        };
        self.effects.push(Effect::Clipboard(osc52(&link)));
        self.message = Some("link copied (OSC 52: the terminal must allow it)".into());
    }

    /// Opens the open conversation's link in a browser, where one is available.
    pub(crate) fn open_link(&mut self) {
        let Some(link) = self.open_link_or_say() else {
            return;
        };
        match self.browser.command(&link) {
            Some((program, args)) => {
                self.message = Some(format!("opening the link with {program}…"));
                self.effects.push(Effect::OpenLink { program, args });
            }
            None => {
                let why = match &self.browser {
                    Browser::Unavailable(why) => why.clone(),
                    Browser::Command { .. } => String::new(),
                };
                let copy = self
                    .keymap
                    .key_for(Action::CopyLink)
                    .unwrap_or_else(|| "copy_link".into());
                self.message = Some(format!("{why} — {copy} copies the link"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn the_browser_comes_from_browser_then_the_platform_then_the_display() {
        let b = Browser::detect(env(&[("BROWSER", "firefox --new-tab:chromium")]), false);
        assert_eq!(
            b.command("https://x/1"),
            Some((
                "firefox".into(),
                vec!["--new-tab".into(), "https://x/1".into()]
            ))
        );
        let b = Browser::detect(env(&[("BROWSER", "w3m %s")]), false);
        assert_eq!(b.command("u"), Some(("w3m".into(), vec!["u".into()])));
        assert_eq!(
            Browser::detect(env(&[]), true).command("u"),
            Some(("open".into(), vec!["u".into()]))
        );
        assert_eq!(
            Browser::detect(env(&[("WAYLAND_DISPLAY", "wayland-0")]), false).command("u"),
            Some(("xdg-open".into(), vec!["u".into()]))
        );
        let ssh = Browser::detect(env(&[("SSH_CONNECTION", "1.2.3.4 5 6.7.8.9 22")]), false);
        assert!(
            matches!(&ssh, Browser::Unavailable(why) if why.contains("SSH")),
            "{ssh:?}"
        );
        assert_eq!(ssh.command("u"), None);
        // An empty variable counts as unset.
        assert!(matches!(
            Browser::detect(env(&[("BROWSER", " "), ("DISPLAY", "")]), false),
            Browser::Unavailable(_)
        ));
    }
}
