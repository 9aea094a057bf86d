//! The audit log: JSON lines, appended and fsynced, in the platform data dir. Each write
//! attempt writes an `intent` line before anything is sent and an outcome line after, both
//! with the attempt's `id`, so a write that was sent but never answered (a crash, a kill)
//! still shows. It records what was asked, the state before and after, and the outcome —
//! never a token (writes carry none).

use crate::domain::actions::{State, Write};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The outcome word of an intent line.
pub const INTENT: &str = "intent";

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The attempt this line belongs to (its intent and outcome lines share it).
    #[serde(default)]
    pub id: String,
    /// When the intent was logged, or the outcome known.
    pub time: Timestamp,
    /// What was asked, in words.
    pub action: String,
    /// The object, e.g. "conversation 123".
    pub target: String,
    /// The write as sent.
    pub write: Write,
    /// The state the lead saw.
    pub before: State,
    /// The state read back after the attempt, when known.
    pub after: Option<State>,
    /// `intent` (about to send), then `applied`, `partly_applied`, `not_applied`, `conflict`
    /// or `unknown`.
    pub outcome: String,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// Set on writes made by undo.
    #[serde(default)]
    pub undo: bool,
    /// The lead who asked for it (team mode, where one relay writes for every lead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<String>,
}

/// A second, shared home for the log (team mode: a stream every dashboard reads). Appends go
/// to the file first, then here; `recent` reads from here when there is one.
pub trait Mirror: Send + Sync {
    /// Appends one entry durably.
    fn append(&self, entry: &Entry) -> std::io::Result<()>;
    /// The last `n` attempts, folded like [`read_recent`]; `None` when unreachable.
    fn recent(&self, n: usize) -> Option<Vec<Entry>>;
}

/// An append-only audit file.
#[derive(Debug)]
pub struct Audit {
    path: PathBuf,
    file: Mutex<File>,
    mirror: Option<std::sync::Arc<dyn Mirror>>,
}

impl std::fmt::Debug for dyn Mirror {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Mirror")
    }
}

impl Audit {
    /// The default location: `<data dir>/audit.log`.
    pub fn default_path() -> Option<PathBuf> {
        crate::state::data_dir().map(|d| d.join("audit.log"))
    }

    /// Opens (creating) the log at `path`.
    pub fn open(path: &Path) -> std::io::Result<Audit> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Audit {
            path: path.to_path_buf(),
            file: Mutex::new(file),
            mirror: None,
        })
    }

    /// The same log, also appended to (and read from) `mirror`.
    pub fn with_mirror(mut self, mirror: std::sync::Arc<dyn Mirror>) -> Audit {
        self.mirror = Some(mirror);
        self
    }

    /// Where the log is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry and flushes it to disk.
    pub fn append(&self, entry: &Entry) -> std::io::Result<()> {
        let mut line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
        line.push('\n');
        let mut f = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f.write_all(line.as_bytes())?;
        f.sync_data()?;
        drop(f);
        match &self.mirror {
            Some(m) => m.append(entry),
            None => Ok(()),
        }
    }

    /// The last `n` entries (lines that do not parse are skipped): the mirror's when there is
    /// one (the team's log), else this file's.
    pub fn recent(&self, n: usize) -> Vec<Entry> {
        if let Some(m) = &self.mirror {
            return m.recent(n).unwrap_or_default();
        }
        read_recent(&self.path, n)
    }
}

/// The last `n` parseable attempts of the log at `path`: each attempt's outcome line, or its
/// intent line when no outcome was ever logged (sent, outcome never recorded).
pub fn read_recent(path: &Path, n: usize) -> Vec<Entry> {
    let Ok(f) = File::open(path) else {
        return Vec::new();
    };
    let lines: Vec<Entry> = BufReader::new(f)
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| serde_json::from_str(&l).ok())
        .collect();
    fold(lines, n)
}

/// The last `n` attempts of `lines` (oldest first): each attempt's outcome line, or its
/// intent line when no outcome was logged.
pub fn fold(lines: Vec<Entry>, n: usize) -> Vec<Entry> {
    let answered: std::collections::HashSet<&str> = lines
        .iter()
        .filter(|e| e.outcome != INTENT && !e.id.is_empty())
        .map(|e| e.id.as_str())
        .collect();
    let mut all: Vec<Entry> = lines
        .iter()
        .filter(|e| e.outcome != INTENT || !answered.contains(e.id.as_str()))
        .cloned()
        .collect();
    let skip = all.len().saturating_sub(n);
    all.drain(..skip);
    all
}

/// The shift's writes for a handoff, oldest first.
pub fn write_lines(entries: &[Entry]) -> Vec<crate::domain::handoff::WriteLine> {
    let mut lines: Vec<_> = entries
        .iter()
        .map(|e| crate::domain::handoff::WriteLine {
            time: e.time,
            action: if e.undo {
                format!("↶ {}", e.action)
            } else {
                e.action.clone()
            },
            outcome: e.outcome.clone(),
        })
        .collect();
    lines.sort_by_key(|l| l.time);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PresenceStatus;
    use crate::domain::TeammateId;
    use crate::domain::actions::{PresenceChange, State, Write};

    fn entry(n: i64, outcome: &str) -> Entry {
        Entry {
            id: format!("a{n}"),
            time: Timestamp::from_second(1_800_000_000 + n).unwrap(),
            action: format!("set T{n} back"),
            target: "teammate 1".into(),
            write: Write::SetPresence {
                teammate: TeammateId("1".into()),
                change: PresenceChange::online(),
            },
            before: State::Presence {
                status: PresenceStatus::Away,
                reason: None,
            },
            after: None,
            outcome: outcome.into(),
            error: None,
            undo: false,
            lead: None,
        }
    }

    #[test]
    fn an_intent_without_an_outcome_stays_visible_and_answered_ones_fold() {
        let dir = tempfile::tempdir().unwrap();
        let audit = Audit::open(&dir.path().join("audit.log")).unwrap();
        audit.append(&entry(1, INTENT)).unwrap();
        audit.append(&entry(1, "applied")).unwrap();
        audit.append(&entry(2, INTENT)).unwrap();
        let recent = audit.recent(10);
        let words: Vec<(&str, &str)> = recent
            .iter()
            .map(|e| (e.id.as_str(), e.outcome.as_str()))
            .collect();
        assert_eq!(words, vec![("a1", "applied"), ("a2", INTENT)]);
    }

    #[test]
    fn entries_round_trip_and_recent_keeps_the_tail() {
        let dir = tempfile::tempdir().unwrap();
        let audit = Audit::open(&dir.path().join("sub/audit.log")).unwrap();
        for n in 0..5 {
            audit.append(&entry(n, "applied")).unwrap();
        }
        std::fs::OpenOptions::new()
            .append(true)
            .open(audit.path())
            .unwrap()
            .write_all(b"not json\n")
            .unwrap();
        let recent = audit.recent(2);
        assert_eq!(recent.len(), 2);
        assert_eq!(recent[1].action, "set T4 back");
    }
}
