//! The shift's history: each refresh's figures per inbox (open, unassigned, waiting,
//! breached, on duty) and per teammate (load, cap), recorded in SQLite in the data dir so a
//! restart keeps the shift's curve, `:trends` can draw it and the handoff can name its peaks.
//!
//! Files: `store` (the database: schema and migrations, throttled inserts, retention and
//! the size bound, the queries), `recorder` (the thread that owns the connection; samples
//! and questions reach it over a bounded channel that never blocks the dashboard).
//!
//! A demo records to its own file ([`default_path`]), and rows are keyed by workspace, so a
//! demo never mixes with a real shift.

mod recorder;
mod store;

pub use recorder::{QUEUE, Recorder};
pub use store::{SCHEMA_VERSION, Store};

use crate::domain::handoff::Peaks;
use crate::domain::{Metrics, Snapshot};
use jiff::{SignedDuration, Timestamp};
use std::path::PathBuf;
use std::time::Duration;

/// Why the history cannot be recorded or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HistoryError {
    /// SQLite said no (a locked, damaged or unwritable file).
    #[error("history database {path}: {reason}")]
    Database {
        /// The file.
        path: String,
        /// SQLite's words.
        reason: String,
    },
    /// The file was written by a newer shiftlead.
    #[error(
        "history database {path} has schema version {found}; this shiftlead knows up to {known}"
    )]
    Newer {
        /// The file.
        path: String,
        /// Its `user_version`.
        found: i64,
        /// The newest this build knows.
        known: i64,
    },
    /// The recorder is not running (it could not open its file, or stopped).
    #[error("{0}")]
    Unavailable(String),
    /// The recorder did not answer in time (it is busy writing or waiting on a lock).
    #[error("history is busy; try again")]
    Busy,
}

/// How the history is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Samples older than this (from the newest sample's time) are deleted.
    pub retention: SignedDuration,
    /// The database's used pages are kept under this many bytes, oldest samples first.
    pub max_bytes: u64,
    /// At most one sample per workspace this often (so at most one row per inbox).
    pub sample_every: SignedDuration,
    /// How long a write waits on a lock held by another process.
    pub busy_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            retention: SignedDuration::from_hours(14 * 24),
            max_bytes: 50 * 1024 * 1024,
            sample_every: SignedDuration::from_secs(60),
            busy_timeout: Duration::from_secs(2),
        }
    }
}

impl Settings {
    /// The settings of `[history]`.
    pub fn from_config(c: &crate::config::HistoryConfig) -> Settings {
        let signed = |d: Duration| SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX);
        Settings {
            retention: signed(c.retention),
            max_bytes: u64::from(c.max_size_mb.max(1)) * 1024 * 1024,
            sample_every: signed(c.sample_every),
            ..Settings::default()
        }
    }
}

/// The database file in the data dir: `history.sqlite`, or `history-demo.sqlite` for the
/// embedded simulator. `None` where the platform has no data dir.
pub fn default_path(demo: bool) -> Option<PathBuf> {
    let name = if demo {
        "history-demo.sqlite"
    } else {
        "history.sqlite"
    };
    crate::state::data_dir().map(|d| d.join(name))
}

/// One inbox's figures at one refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxSample {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Open conversations.
    pub open: u32,
    /// Open and unassigned.
    pub unassigned: u32,
    /// Waiting on us.
    pub waiting: u32,
    /// Past their SLA deadline.
    pub breached: u32,
    /// Members on duty.
    pub on_duty: u32,
}

/// One teammate's load at one refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeammateSample {
    /// Their id.
    pub id: String,
    /// Their name.
    pub name: String,
    /// Open conversations assigned.
    pub load: u32,
    /// Their cap, when known.
    pub cap: Option<u32>,
}

/// The figures of one refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// The workspace (backend label and name): rows of different workspaces never mix.
    pub workspace: String,
    /// When the figures were true.
    pub at: Timestamp,
    /// Per inbox.
    pub inboxes: Vec<InboxSample>,
    /// Per teammate.
    pub teammates: Vec<TeammateSample>,
}

/// The key rows of `snapshot`'s workspace are recorded under.
pub fn workspace_key(snapshot: &Snapshot) -> String {
    format!("{}/{}", snapshot.workspace.backend, snapshot.workspace.name)
}

/// The sample of one refresh's figures at `at`.
pub fn sample_of(snapshot: &Snapshot, metrics: &Metrics, at: Timestamp) -> Sample {
    let inboxes = metrics
        .inboxes
        .iter()
        .filter_map(|m| {
            let inbox = snapshot.inbox(&m.inbox)?;
            Some(InboxSample {
                id: m.inbox.to_string(),
                name: inbox.name.clone(),
                open: m.open,
                unassigned: m.unassigned,
                waiting: m.waiting,
                breached: m.breached,
                on_duty: m.on_duty,
            })
        })
        .collect();
    let teammates = metrics
        .teammates
        .iter()
        .filter_map(|m| {
            let t = snapshot.teammate(&m.teammate)?;
            Some(TeammateSample {
                id: m.teammate.to_string(),
                name: t.name.clone(),
                load: m.load,
                cap: m.cap.map(|c| c.value),
            })
        })
        .collect();
    Sample {
        workspace: workspace_key(snapshot),
        at,
        inboxes,
        teammates,
    }
}

/// How far back `:trends` looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Window {
    /// The last hour.
    Hour,
    /// The last 8 hours: a shift.
    #[default]
    Shift,
    /// The last 24 hours.
    Day,
}

impl Window {
    /// Every window, shortest first.
    pub const ALL: [Window; 3] = [Window::Hour, Window::Shift, Window::Day];

    /// Its length.
    pub fn length(self) -> SignedDuration {
        SignedDuration::from_hours(match self {
            Window::Hour => 1,
            Window::Shift => 8,
            Window::Day => 24,
        })
    }

    /// `1h`, `8h`, `24h`.
    pub fn label(self) -> &'static str {
        match self {
            Window::Hour => "1h",
            Window::Shift => "8h",
            Window::Day => "24h",
        }
    }
}

/// One inbox's open conversations over the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    /// Inbox name (as last recorded).
    pub name: String,
    /// (seconds since the epoch, open), oldest first.
    pub points: Vec<(i64, u32)>,
    /// The highest value in the window.
    pub peak: u32,
}

/// One teammate's load in the newest sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Load {
    /// Their name.
    pub name: String,
    /// Open conversations assigned.
    pub load: u32,
    /// Their cap, when known.
    pub cap: Option<u32>,
}

/// What `:trends` draws, read from the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trends {
    /// The window asked for.
    pub window: Window,
    /// Its start.
    pub from: Timestamp,
    /// Its end (the time it was asked).
    pub to: Timestamp,
    /// Samples in the window.
    pub samples: usize,
    /// Open conversations per inbox, busiest (highest peak) first.
    pub inboxes: Vec<Series>,
    /// Breached conversations across inboxes per sample: (seconds, breached).
    pub breached: Vec<(i64, u32)>,
    /// Load per teammate in the newest sample of the window.
    pub load: Vec<Load>,
    /// When the newest sample was taken.
    pub latest: Option<Timestamp>,
}

/// A question for the recorder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// What `:trends` draws for `workspace` over `window` ending at `now`.
    Trends {
        /// The workspace key ([`workspace_key`]).
        workspace: String,
        /// How far back.
        window: Window,
        /// The end of the window.
        now: Timestamp,
    },
    /// The peaks of `workspace` between `since` and `now`.
    Peaks {
        /// The workspace key.
        workspace: String,
        /// Start of the shift.
        since: Timestamp,
        /// End of the shift.
        now: Timestamp,
    },
}

/// The recorder's answer to a [`Query`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// For [`Query::Trends`].
    Trends(Trends),
    /// For [`Query::Peaks`].
    Peaks(Peaks),
}
