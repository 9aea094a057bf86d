//! Logs go to a file under the platform state/data dir, never to the terminal the UI owns.

use std::path::PathBuf;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// The log directory (`~/.local/state/shiftlead` or the data dir where there is no state dir).
pub fn log_dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("dev", "shiftlead", "shiftlead")?;
    Some(
        dirs.state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_path_buf(),
    )
}

/// Starts file logging (`SHIFTLEAD_LOG` filter, default `info`). Returns the guard that flushes
/// on drop and the log file path; `None` when no log dir can be made (logging is then off).
pub fn init() -> Option<(WorkerGuard, PathBuf)> {
    let dir = log_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let file = tracing_appender::rolling::never(&dir, "shiftlead.log");
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter =
        EnvFilter::try_from_env("SHIFTLEAD_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some((guard, dir.join("shiftlead.log")))
}
