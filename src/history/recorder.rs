//! The thread that owns the history database. The dashboard hands it samples over a bounded
//! channel (`try_send`: a full channel drops the sample and counts it, never blocking);
//! questions go the same way and are answered over their own channel, waited for only off the
//! drawing path (a blocking task). A file that cannot be opened or written leaves the
//! dashboard running: the recorder says why once (through `warn`) and answers questions
//! with the reason.

use super::store::{Recorded, Store};
use super::{Answer, HistoryError, Query, Sample, Settings};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::time::Duration;

/// Samples and questions waiting for the thread at most.
pub const QUEUE: usize = 64;

enum Msg {
    Sample(Box<Sample>),
    Ask(Query, mpsc::Sender<Result<Answer, HistoryError>>),
}

/// The handle the dashboard keeps; dropping every handle stops the thread.
#[derive(Clone)]
pub struct Recorder {
    tx: SyncSender<Msg>,
    dropped: Arc<AtomicU64>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("dropped", &self.dropped())
            .finish()
    }
}

impl Recorder {
    /// Starts the thread, which opens `path`; `warn` hears (once per distinct problem) why
    /// the history cannot be kept, and when it works again.
    pub fn spawn(
        path: PathBuf,
        settings: Settings,
        warn: impl Fn(String) + Send + 'static,
    ) -> Recorder {
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let spawned = std::thread::Builder::new()
            .name("history".into())
            .spawn(move || run(rx, &path, settings, &warn));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the history thread");
        }
        Recorder {
            tx,
            dropped: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Hands `sample` to the thread without waiting; `false` when the queue was full (or
    /// the thread gone) and the sample was dropped (counted in [`Recorder::dropped`]).
    pub fn record(&self, sample: Sample) -> bool {
        match self.tx.try_send(Msg::Sample(Box::new(sample))) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                false
            }
        }
    }

    /// Samples dropped so far because the thread was behind.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Asks the thread and waits up to `wait` for the answer. It blocks: call it from a
    /// blocking task, never from the drawing loop.
    pub fn ask(&self, query: Query, wait: Duration) -> Result<Answer, HistoryError> {
        let deadline = std::time::Instant::now() + wait;
        let (reply, answer) = mpsc::channel();
        let mut msg = Msg::Ask(query, reply);
        // A full queue (the writer is behind) is waited out, up to the deadline.
        loop {
            match self.tx.try_send(msg) {
                Ok(()) => break,
                Err(TrySendError::Full(m)) if std::time::Instant::now() < deadline => {
                    msg = m;
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(TrySendError::Full(_)) => return Err(HistoryError::Busy),
                Err(TrySendError::Disconnected(_)) => {
                    return Err(HistoryError::Unavailable(
                        "the history thread stopped".into(),
                    ));
                }
            }
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match answer.recv_timeout(left) {
            Ok(a) => a,
            Err(mpsc::RecvTimeoutError::Timeout) => Err(HistoryError::Busy),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(HistoryError::Unavailable(
                "the history thread stopped".into(),
            )),
        }
    }
}

fn run(rx: Receiver<Msg>, path: &std::path::Path, settings: Settings, warn: &dyn Fn(String)) {
    let mut why_off = String::new();
    let mut store = match Store::open(path, settings) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(error = %e, "history off");
            warn(format!("history off: {e}"));
            why_off = e.to_string();
            None
        }
    };
    let unavailable = |why: &str| HistoryError::Unavailable(why.to_owned());
    let mut failing: Option<String> = None;
    for msg in rx {
        match (msg, store.as_mut()) {
            (Msg::Sample(_), None) => {}
            (Msg::Sample(sample), Some(store)) => match store.record(&sample) {
                Ok(Recorded::Kept { pruned }) => {
                    if pruned > 0 {
                        tracing::debug!(pruned, "history pruned");
                    }
                    if failing.take().is_some() {
                        warn("history is recorded again".into());
                    }
                }
                Ok(Recorded::Throttled) => {}
                Err(e) => {
                    let text = e.to_string();
                    if failing.as_deref() != Some(text.as_str()) {
                        tracing::warn!(error = %text, "cannot record the history");
                        warn(format!("history not recorded: {text}"));
                        failing = Some(text);
                    }
                }
            },
            (Msg::Ask(query, reply), store) => {
                let answer = match store {
                    None => Err(unavailable(&why_off)),
                    Some(store) => match query {
                        Query::Trends {
                            workspace,
                            window,
                            now,
                        } => store.trends(&workspace, window, now).map(Answer::Trends),
                        Query::Peaks {
                            workspace,
                            since,
                            now,
                        } => store.peaks(&workspace, since, now).map(Answer::Peaks),
                    },
                };
                let _ = reply.send(answer);
            }
        }
    }
}
