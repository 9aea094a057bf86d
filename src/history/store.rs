//! The history database: one SQLite file, WAL mode, incremental auto-vacuum, schema version
//! in `user_version`. Times are UTC seconds since the epoch. The schema is documented in the
//! README ("History") for leads who query it with `sqlite3`.

use super::{HistoryError, InboxSample, Load, Sample, Series, Settings, Trends, Window};
use crate::domain::handoff::{PeakRow, Peaks};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The schema version this build writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 1;

/// The migrations, in order: entry `n` takes a database from version `n` to `n + 1`.
/// A new version appends one entry (and bumps [`SCHEMA_VERSION`]); none is ever edited.
const MIGRATIONS: &[&str] = &[
    // 0 → 1: samples, and the figures of each inbox and teammate at each sample.
    "CREATE TABLE samples (
         id INTEGER PRIMARY KEY,
         workspace TEXT NOT NULL,
         at INTEGER NOT NULL
     );
     CREATE INDEX samples_by_workspace ON samples(workspace, at);
     CREATE INDEX samples_by_time ON samples(at);
     CREATE TABLE inbox_samples (
         sample INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
         inbox_id TEXT NOT NULL,
         inbox TEXT NOT NULL,
         open INTEGER NOT NULL,
         unassigned INTEGER NOT NULL,
         waiting INTEGER NOT NULL,
         breached INTEGER NOT NULL,
         on_duty INTEGER NOT NULL,
         PRIMARY KEY (sample, inbox_id)
     ) WITHOUT ROWID;
     CREATE TABLE teammate_samples (
         sample INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
         teammate_id TEXT NOT NULL,
         teammate TEXT NOT NULL,
         load INTEGER NOT NULL,
         cap INTEGER,
         PRIMARY KEY (sample, teammate_id)
     ) WITHOUT ROWID;",
];

/// What [`Store::record`] did with a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Written; `pruned` older samples were deleted (retention or size).
    Kept {
        /// Samples deleted after it.
        pruned: u64,
    },
    /// Dropped: the workspace has a sample less than `sample_every` older.
    Throttled,
}

/// An open history database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    settings: Settings,
    /// The newest sample time per workspace, read once and then kept.
    last: HashMap<String, i64>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating it and its directory when missing) and migrates the database at
    /// `path`. A damaged file, one from a newer shiftlead or one that cannot be written is
    /// an error, never a panic.
    pub fn open(path: &Path, settings: Settings) -> Result<Store, HistoryError> {
        let err = db_error(path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| HistoryError::Database {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
        }
        let conn = Connection::open(path).map_err(&err)?;
        conn.busy_timeout(settings.busy_timeout).map_err(&err)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(&err)?;
        if version > SCHEMA_VERSION {
            return Err(HistoryError::Newer {
                path: path.display().to_string(),
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        if version == 0 {
            // Only takes effect before the first table exists.
            conn.execute_batch("PRAGMA auto_vacuum = INCREMENTAL;")
                .map_err(&err)?;
        }
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
            .map_err(&err)?;
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
            .map_err(&err)?;
        let mut store = Store {
            conn,
            path: path.to_owned(),
            settings,
            last: HashMap::new(),
        };
        store.migrate(version)?;
        Ok(store)
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> HistoryError + '_ {
        db_error(&self.path)
    }

    /// Runs the migrations from `from` up to [`SCHEMA_VERSION`], each in a transaction with
    /// its version bump.
    fn migrate(&mut self, from: i64) -> Result<(), HistoryError> {
        let err = db_error(&self.path);
        for (n, sql) in MIGRATIONS.iter().enumerate().skip(from.max(0) as usize) {
            let tx = self.conn.transaction().map_err(&err)?;
            tx.execute_batch(sql).map_err(&err)?;
            tx.execute_batch(&format!("PRAGMA user_version = {}", n + 1))
                .map_err(&err)?;
            tx.commit().map_err(&err)?;
        }
        Ok(())
    }

    /// The schema version of the open file.
    pub fn version(&self) -> Result<i64, HistoryError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(self.err())
    }

    /// Writes `sample` unless its workspace has one less than `sample_every` older, then
    /// prunes what the retention and the size bound no longer allow.
    pub fn record(&mut self, sample: &Sample) -> Result<Recorded, HistoryError> {
        let at = sample.at.as_second();
        let last = match self.last.get(&sample.workspace) {
            Some(&t) => Some(t),
            None => self
                .conn
                .query_row(
                    "SELECT MAX(at) FROM samples WHERE workspace = ?1",
                    [&sample.workspace],
                    |r| r.get::<_, Option<i64>>(0),
                )
                .map_err(self.err())?,
        };
        if let Some(last) = last
            && at >= last
            && at - last < self.settings.sample_every.as_secs()
        {
            self.last.insert(sample.workspace.clone(), last);
            return Ok(Recorded::Throttled);
        }
        let err = db_error(&self.path);
        let tx = self.conn.transaction().map_err(&err)?;
        tx.execute(
            "INSERT INTO samples (workspace, at) VALUES (?1, ?2)",
            params![sample.workspace, at],
        )
        .map_err(&err)?;
        let id = tx.last_insert_rowid();
        {
            let mut inbox = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO inbox_samples
                     (sample, inbox_id, inbox, open, unassigned, waiting, breached, on_duty)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(&err)?;
            for i in &sample.inboxes {
                let InboxSample {
                    id: inbox_id,
                    name,
                    open,
                    unassigned,
                    waiting,
                    breached,
                    on_duty,
                } = i;
                inbox
                    .execute(params![
                        id, inbox_id, name, open, unassigned, waiting, breached, on_duty
                    ])
                    .map_err(&err)?;
            }
            let mut mate = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO teammate_samples (sample, teammate_id, teammate, load, cap)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(&err)?;
            for t in &sample.teammates {
                mate.execute(params![id, t.id, t.name, t.load, t.cap])
                    .map_err(&err)?;
            }
        }
        tx.commit().map_err(&err)?;
        let newest = last.map_or(at, |l| l.max(at));
        self.last.insert(sample.workspace.clone(), newest);
        let pruned = self.prune(sample.at)?;
        Ok(Recorded::Kept { pruned })
    }

    /// Deletes the samples older than the retention before `now`, then the oldest ones
    /// while the used pages exceed the size bound; returns how many went.
    pub fn prune(&mut self, now: Timestamp) -> Result<u64, HistoryError> {
        let err = db_error(&self.path);
        let cutoff = now
            .as_second()
            .saturating_sub(self.settings.retention.as_secs());
        let mut gone = self
            .conn
            .execute("DELETE FROM samples WHERE at < ?1", [cutoff])
            .map_err(&err)? as u64;
        while self.used_bytes()? > self.settings.max_bytes {
            let count: i64 = self
                .conn
                .query_row("SELECT COUNT(*) FROM samples", [], |r| r.get(0))
                .map_err(&err)?;
            if count == 0 {
                break;
            }
            let chunk = (count / 20).max(1);
            gone += self
                .conn
                .execute(
                    "DELETE FROM samples WHERE id IN
                     (SELECT id FROM samples ORDER BY at, id LIMIT ?1)",
                    [chunk],
                )
                .map_err(&err)? as u64;
        }
        if gone > 0 {
            self.last.clear();
            self.conn
                .execute_batch("PRAGMA incremental_vacuum;")
                .map_err(&err)?;
        }
        Ok(gone)
    }

    /// Bytes in pages holding data (the file less its free pages).
    pub fn used_bytes(&self) -> Result<u64, HistoryError> {
        let pragma = |name: &str| -> Result<i64, HistoryError> {
            self.conn
                .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
                .map_err(self.err())
        };
        let pages = pragma("page_count")? - pragma("freelist_count")?;
        Ok((pages.max(0) as u64).saturating_mul(pragma("page_size")?.max(0) as u64))
    }

    /// Samples kept for `workspace`: (count, oldest, newest).
    pub fn span(
        &self,
        workspace: &str,
    ) -> Result<(u64, Option<Timestamp>, Option<Timestamp>), HistoryError> {
        self.conn
            .query_row(
                "SELECT COUNT(*), MIN(at), MAX(at) FROM samples WHERE workspace = ?1",
                [workspace],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Option<i64>>(1)?,
                        r.get::<_, Option<i64>>(2)?,
                    ))
                },
            )
            .map(|(n, a, b)| (n.max(0) as u64, a.and_then(ts), b.and_then(ts)))
            .map_err(self.err())
    }

    /// The inbox rows of `workspace` between `from` and `to`, oldest first.
    fn inbox_rows(
        &self,
        workspace: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<PeakRow>, HistoryError> {
        let err = self.err();
        let mut q = self
            .conn
            .prepare_cached(
                "SELECT s.at, i.inbox_id, i.inbox, i.open, i.breached
                 FROM samples s JOIN inbox_samples i ON i.sample = s.id
                 WHERE s.workspace = ?1 AND s.at >= ?2 AND s.at <= ?3
                 ORDER BY s.at, s.id",
            )
            .map_err(&err)?;
        let rows = q
            .query_map(params![workspace, from.as_second(), to.as_second()], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, u32>(3)?,
                    r.get::<_, u32>(4)?,
                ))
            })
            .map_err(&err)?;
        let mut out = Vec::new();
        for row in rows {
            let (at, inbox_id, inbox, open, breached) = row.map_err(&err)?;
            let Some(at) = ts(at) else { continue };
            out.push(PeakRow {
                at,
                inbox_id,
                inbox,
                open,
                breached,
            });
        }
        Ok(out)
    }

    /// What `:trends` draws for `workspace` over `window` ending at `now`.
    pub fn trends(
        &self,
        workspace: &str,
        window: Window,
        now: Timestamp,
    ) -> Result<Trends, HistoryError> {
        let err = self.err();
        let from = now.checked_sub(window.length()).unwrap_or(now);
        let rows = self.inbox_rows(workspace, from, now)?;
        let mut order: Vec<String> = Vec::new();
        let mut series: HashMap<String, Series> = HashMap::new();
        let mut breached: Vec<(i64, u32)> = Vec::new();
        for r in &rows {
            let s = series.entry(r.inbox_id.clone()).or_insert_with(|| {
                order.push(r.inbox_id.clone());
                Series {
                    name: r.inbox.clone(),
                    points: Vec::new(),
                    peak: 0,
                }
            });
            s.name.clone_from(&r.inbox);
            s.points.push((r.at.as_second(), r.open));
            s.peak = s.peak.max(r.open);
            match breached.last_mut() {
                Some((at, n)) if *at == r.at.as_second() => *n += r.breached,
                _ => breached.push((r.at.as_second(), r.breached)),
            }
        }
        let mut inboxes: Vec<Series> = order.iter().filter_map(|id| series.remove(id)).collect();
        // Busiest first; the first seen among equals.
        inboxes.sort_by_key(|s| std::cmp::Reverse(s.peak));
        let newest: Option<(i64, i64)> = self
            .conn
            .query_row(
                "SELECT id, at FROM samples WHERE workspace = ?1 AND at >= ?2 AND at <= ?3
                 ORDER BY at DESC, id DESC LIMIT 1",
                params![workspace, from.as_second(), now.as_second()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(&err)?;
        let mut load = Vec::new();
        if let Some((id, _)) = newest {
            let mut q = self
                .conn
                .prepare_cached(
                    "SELECT teammate, load, cap FROM teammate_samples WHERE sample = ?1
                     ORDER BY teammate",
                )
                .map_err(&err)?;
            let rows = q
                .query_map([id], |r| {
                    Ok(Load {
                        name: r.get(0)?,
                        load: r.get(1)?,
                        cap: r.get(2)?,
                    })
                })
                .map_err(&err)?;
            for row in rows {
                load.push(row.map_err(&err)?);
            }
        }
        Ok(Trends {
            window,
            from,
            to: now,
            samples: breached.len(),
            inboxes,
            breached,
            load,
            latest: newest.and_then(|(_, at)| ts(at)),
        })
    }

    /// The peaks of `workspace` between `since` and `now` (highest open and breached per
    /// inbox, most breached at once, each first reached when).
    pub fn peaks(
        &self,
        workspace: &str,
        since: Timestamp,
        now: Timestamp,
    ) -> Result<Peaks, HistoryError> {
        Ok(Peaks::fold(&self.inbox_rows(workspace, since, now)?))
    }
}

fn ts(secs: i64) -> Option<Timestamp> {
    Timestamp::from_second(secs).ok()
}

fn db_error(path: &Path) -> impl Fn(rusqlite::Error) -> HistoryError + use<> {
    let path = path.display().to_string();
    move |e| HistoryError::Database {
        path: path.clone(),
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::TeammateSample;

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).unwrap()
    }

    fn sample(at: i64, open: u32) -> Sample {
        Sample {
            workspace: "demo/Acme".into(),
            at: t(at),
            inboxes: vec![InboxSample {
                id: "1".into(),
                name: "Billing".into(),
                open,
                unassigned: 1,
                waiting: 2,
                breached: open / 4,
                on_duty: 3,
            }],
            teammates: vec![TeammateSample {
                id: "7".into(),
                name: "Ana".into(),
                load: open / 2,
                cap: Some(4),
            }],
        }
    }

    #[test]
    fn a_new_file_gets_the_schema_wal_and_its_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/history.sqlite");
        let store = Store::open(&path, Settings::default()).unwrap();
        assert_eq!(store.version().unwrap(), SCHEMA_VERSION);
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let vacuum: i64 = store
            .conn
            .query_row("PRAGMA auto_vacuum", [], |r| r.get(0))
            .unwrap();
        assert_eq!(vacuum, 2, "incremental");
    }

    #[test]
    fn samples_closer_than_sample_every_are_throttled() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("h.sqlite"), Settings::default()).unwrap();
        assert!(matches!(
            store.record(&sample(0, 3)).unwrap(),
            Recorded::Kept { .. }
        ));
        assert_eq!(store.record(&sample(59, 4)).unwrap(), Recorded::Throttled);
        assert!(matches!(
            store.record(&sample(60, 5)).unwrap(),
            Recorded::Kept { .. }
        ));
        let mut other = sample(61, 1);
        other.workspace = "helpdesk/Real".into();
        assert!(
            matches!(store.record(&other).unwrap(), Recorded::Kept { .. }),
            "another workspace has its own pace"
        );
        assert_eq!(store.span("demo/Acme").unwrap().0, 2);
        assert_eq!(store.span("helpdesk/Real").unwrap().0, 1);
        let trends = store.trends("demo/Acme", Window::Hour, t(120)).unwrap();
        assert_eq!(
            trends.inboxes[0].points,
            vec![(t(0).as_second(), 3), (t(60).as_second(), 5)]
        );
        assert_eq!(
            trends.load,
            vec![Load {
                name: "Ana".into(),
                load: 2,
                cap: Some(4)
            }]
        );
    }

    #[test]
    fn a_damaged_file_or_a_newer_schema_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.sqlite");
        std::fs::write(
            &junk,
            b"this is not a database, just some text that is long enough",
        )
        .unwrap();
        let e = Store::open(&junk, Settings::default()).unwrap_err();
        assert!(matches!(e, HistoryError::Database { .. }), "{e}");
        let newer = dir.path().join("newer.sqlite");
        {
            let c = Connection::open(&newer).unwrap();
            c.execute_batch("PRAGMA user_version = 99").unwrap();
        }
        let e = Store::open(&newer, Settings::default()).unwrap_err();
        assert!(matches!(e, HistoryError::Newer { found: 99, .. }), "{e}");
    }

    #[test]
    fn a_version_one_file_reopens_without_migrating_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite");
        {
            let mut s = Store::open(&path, Settings::default()).unwrap();
            s.record(&sample(0, 3)).unwrap();
        }
        let s = Store::open(&path, Settings::default()).unwrap();
        assert_eq!(s.version().unwrap(), SCHEMA_VERSION);
        assert_eq!(s.span("demo/Acme").unwrap().0, 1);
    }
}
