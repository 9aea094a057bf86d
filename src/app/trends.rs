//! The `:trends` view: which window it shows and when it asks for the history again.

use super::keymap::Action;
use super::{App, Effect, View};
use crate::history::{Trends, Window};

impl App {
    /// Opens the trends view (on `window`, else the one last shown) and asks for its data.
    pub(crate) fn open_trends(&mut self, window: Option<Window>) {
        if let Some(w) = window {
            self.trends_window = w;
        }
        self.view = View::Trends;
        self.effects.push(Effect::LoadTrends(self.trends_window));
    }

    /// `:trends [1h|8h|24h]`.
    pub(crate) fn trends_command(&mut self, arg: &str) {
        if arg.is_empty() {
            return self.open_trends(None);
        }
        match Window::ALL.iter().find(|w| w.label() == arg) {
            Some(&w) => self.open_trends(Some(w)),
            None => self.message = Some(format!("trends: one of 1h, 8h, 24h (not {arg:?})")),
        }
    }

    /// In the trends view the pane keys (1, 2, 3 by default) choose the window; whether the
    /// key was taken.
    pub(crate) fn trends_key(&mut self, action: Action) -> bool {
        if self.view != View::Trends {
            return false;
        }
        let window = match action {
            Action::FocusInboxes => Window::Hour,
            Action::FocusTeammates => Window::Shift,
            Action::FocusSla => Window::Day,
            _ => return false,
        };
        if window != self.trends_window {
            self.open_trends(Some(window));
        }
        true
    }

    /// The history read for the trends view (or why it could not be).
    pub fn on_trends(&mut self, trends: Result<Trends, String>) {
        // An answer for a window no longer shown is dropped; the newer question is on its way.
        if let Ok(t) = &trends
            && t.window != self.trends_window
        {
            return;
        }
        self.trends = Some(trends);
        if self.view == View::Trends {
            self.dirty = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Policy;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use std::time::Duration;

    fn key(app: &mut App, c: char) {
        app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }

    #[test]
    fn t_opens_trends_the_pane_keys_choose_the_window_and_t_closes_it() {
        let mut app = App::new(Policy::default(), Duration::from_secs(5), true);
        key(&mut app, 'T');
        assert_eq!(app.view, View::Trends);
        assert_eq!(app.take_effects(), vec![Effect::LoadTrends(Window::Shift)]);
        key(&mut app, '1');
        assert_eq!(app.trends_window, Window::Hour);
        assert_eq!(app.take_effects(), vec![Effect::LoadTrends(Window::Hour)]);
        key(&mut app, '1');
        assert!(
            app.take_effects().is_empty(),
            "the same window is not asked again"
        );
        key(&mut app, 'T');
        assert_eq!(app.view, View::Main);
        app.run_command("trends 24h");
        assert_eq!(
            (app.view.clone(), app.trends_window),
            (View::Trends, Window::Day)
        );
        app.run_command("trends 3d");
        assert!(
            app.message
                .as_deref()
                .unwrap()
                .contains("one of 1h, 8h, 24h")
        );
        app.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        assert_eq!(app.view, View::Main);
    }
}
