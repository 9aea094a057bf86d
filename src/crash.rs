//! Panic reports. On a panic the terminal is restored first, the full report (message,
//! location, backtrace) is written to a file in the log directory with every registered secret
//! redacted, and one line on stderr says where it is.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Remembers a secret (the API token) so no panic report can contain it.
pub fn register_secret(secret: &str) {
    if secret.len() >= 4 {
        SECRETS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(secret.to_owned());
    }
}

/// `text` with every registered secret replaced by `[redacted]`.
pub fn redact(text: &str) -> String {
    let secrets = SECRETS.lock().unwrap_or_else(PoisonError::into_inner);
    secrets
        .iter()
        .fold(text.to_owned(), |t, s| t.replace(s.as_str(), "[redacted]"))
}

/// Installs color-eyre's error hook and a panic hook that restores the terminal and writes the
/// report to a file in `dir` (falling back to the temp dir).
pub fn install(dir: Option<PathBuf>) {
    let (panic_hook, eyre_hook) = color_eyre::config::HookBuilder::blank()
        .display_env_section(false)
        .into_hooks();
    if let Err(e) = eyre_hook.install() {
        crate::say!("shiftlead: {e}");
    }
    std::panic::set_hook(Box::new(move |info| {
        crate::term::restore_if_active();
        let report = strip_ansi(&redact(&panic_hook.panic_report(info).to_string()));
        let message = redact(&panic_message(info));
        match write_report(dir.as_deref(), &report) {
            Ok(path) => crate::say!(
                "shiftlead crashed: {message}\nThe terminal has been restored. The report is in {}",
                path.display()
            ),
            Err(e) => crate::say!(
                "shiftlead crashed: {message}\n(the report could not be written: {e})\n{report}"
            ),
        }
    }));
}

/// The text without terminal escape sequences (a report is read in an editor, not a terminal).
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        // CSI: ESC [ params final-byte (0x40..=0x7e); other escapes: drop the next char.
        if chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if ('\u{40}'..='\u{7e}').contains(&c) {
                    break;
                }
            }
        } else {
            chars.next();
        }
    }
    out
}

fn panic_message(info: &std::panic::PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into());
    match info.location() {
        Some(l) => format!("{text} (at {}:{})", l.file(), l.line()),
        None => text,
    }
}

/// Writes `report` to `dir/panic-<time>.txt` (or the temp dir) and returns the path.
pub fn write_report(dir: Option<&Path>, report: &str) -> std::io::Result<PathBuf> {
    let dir = dir.map_or_else(std::env::temp_dir, Path::to_path_buf);
    std::fs::create_dir_all(&dir)?;
    let stamp = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let path = dir.join(format!("panic-{stamp}-{}.txt", std::process::id()));
    std::fs::write(&path, report)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_secrets_are_redacted_and_short_ones_ignored() {
        register_secret("canary-crash-unit-91");
        register_secret("ab");
        let out = redact("token=canary-crash-unit-91; ab stays");
        assert_eq!(out, "token=[redacted]; ab stays");
    }

    #[test]
    fn escape_sequences_are_stripped() {
        assert_eq!(
            strip_ansi("\u{1b}[31mred\u{1b}[0m and \u{1b}[1;4mbold\u{1b}[m."),
            "red and bold."
        );
        assert_eq!(strip_ansi("plain ✓"), "plain ✓");
    }

    #[test]
    fn reports_are_written_where_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_report(Some(dir.path()), "boom").unwrap();
        assert!(path.starts_with(dir.path()));
        assert_eq!(std::fs::read_to_string(path).unwrap(), "boom");
    }
}
