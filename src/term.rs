//! The terminal: raw mode and the alternate screen while the dashboard runs, restored on every
//! exit path (return, error, panic via [`crate::crash`]'s hook, and the signals the loop
//! listens to).

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use ratatui::DefaultTerminal;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the dashboard owns the terminal (raw mode, alternate screen).
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Takes over the terminal: raw mode, the alternate screen, mouse capture. The panic hook
/// ([`crate::crash`]) and [`Guard`] give it back.
pub fn init() -> std::io::Result<Screen> {
    crossterm::terminal::enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    execute!(
        std::io::stdout(),
        crossterm::terminal::EnterAlternateScreen,
        EnableMouseCapture
    )?;
    let terminal =
        ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(std::io::stdout()))?;
    Ok(Screen(Some(terminal)))
}

/// The dashboard's terminal. Dropping it never writes to stderr: ratatui's own drop prints
/// "Failed to show the cursor" with `eprintln!`, which panics when the terminal is gone
/// (SSH dropped: every write fails with EIO), turning a hang-up into a crash report.
/// (`None` only inside `drop`.)
pub struct Screen(Option<DefaultTerminal>);

impl Deref for Screen {
    type Target = DefaultTerminal;
    fn deref(&self) -> &DefaultTerminal {
        self.0
            .as_ref()
            .expect("a screen holds its terminal until dropped")
    }
}

impl DerefMut for Screen {
    fn deref_mut(&mut self) -> &mut DefaultTerminal {
        self.0
            .as_mut()
            .expect("a screen holds its terminal until dropped")
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        if let Some(mut terminal) = self.0.take()
            && terminal.show_cursor().is_err()
        {
            // The terminal is gone: its buffers are left to the exit rather than to a drop
            // that would print (shown, ratatui's drop has nothing left to do).
            std::mem::forget(terminal);
        }
    }
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
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = hup.recv() => "SIGHUP (the terminal hung up)",
            _ = int.recv() => "SIGINT",
        };
        tracing::info!("quitting on {name}");
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
