//! The terminal: raw mode and the alternate screen while the dashboard runs, restored on every
//! exit path (return, error, panic via [`crate::crash`]'s hook, and the signals the loop
//! listens to).

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use ratatui::DefaultTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the dashboard owns the terminal (raw mode, alternate screen).
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Takes over the terminal: raw mode, the alternate screen, mouse capture. The panic hook
/// ([`crate::crash`]) and [`Guard`] give it back.
pub fn init() -> std::io::Result<DefaultTerminal> {
    crossterm::terminal::enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    execute!(
        std::io::stdout(),
        crossterm::terminal::EnterAlternateScreen,
        EnableMouseCapture
    )?;
    ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(std::io::stdout()))
}

/// Gives the terminal back, once: a second "leave the alternate screen" would move the cursor
/// back over whatever was printed since (a crash message, say).
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = execute!(
            std::io::stdout(),
            DisableMouseCapture,
            crossterm::terminal::LeaveAlternateScreen,
            crossterm::cursor::Show
        );
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

/// Gives the terminal back if the dashboard holds it (safe from a panic hook; does nothing
/// for the command-line subcommands, whose stdout must stay clean).
pub fn restore_if_active() {
    restore();
}

/// Restores the terminal when dropped, so an early `?` return cannot leave it raw.
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Resolves on SIGTERM, SIGHUP (SSH dropped) or SIGINT.
pub async fn quit_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
            signal(SignalKind::interrupt()),
        ) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
            _ = int.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
