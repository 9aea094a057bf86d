//! The live dashboard: one loop owning the terminal and the [`App`] state, selecting over
//! terminal events, sync results, a 1 Hz tick and quit signals. Rendering never awaits the
//! network; the sync task runs beside it.

use crate::app::{App, Effect};
use crate::audit::Audit;
use crate::backend::Helpdesk;
use crate::clock::SharedClock;
use crate::domain::Policy;
use crate::ui::{self, Ctx, theme::Theme};
use crate::writes::{Executor, Report};
use crate::{sync, term};
use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use jiff::SignedDuration;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, mpsc};

/// How the dashboard runs.
#[derive(Clone)]
pub struct DashboardOptions {
    /// Poll interval.
    pub refresh: Duration,
    /// Caps, SLA targets, ordering.
    pub policy: Policy,
    /// Marks the screen DEMO (embedded simulator).
    pub demo: bool,
    /// Colours (monochrome under NO_COLOR).
    pub theme: Theme,
    /// Key bindings.
    pub keymap: crate::app::keymap::Keymap,
    /// The clock for countdowns and data age.
    pub clock: SharedClock,
    /// SLA deadlines closer than this are highlighted.
    pub warn_under: Duration,
    /// No writes (keys say why).
    pub read_only: bool,
    /// Hide conversation titles.
    pub privacy: bool,
    /// Where writes are logged.
    pub audit: Option<Arc<Audit>>,
    /// Where off-queue blocks are kept across restarts.
    pub blocks_file: Option<std::path::PathBuf>,
    /// Working hours for the coverage view.
    pub coverage: crate::domain::coverage::CoverageConfig,
    /// Bell and desktop notifications.
    pub alerts: crate::domain::alerts::AlertRules,
    /// Where the shift's history is recorded, and how (`None`: not recorded).
    pub history: Option<(std::path::PathBuf, crate::history::Settings)>,
    /// Config warnings (unknown keys), said once at start.
    pub warnings: Vec<String>,
}

/// Results of background work for the loop.
enum Done {
    Writes(Vec<Report>, bool),
    Audit(Vec<crate::audit::Entry>),
    Message(String),
    /// The relay did not start this teammate's block: why.
    BlockNotStarted(crate::domain::TeammateId, String),
    /// A conversation's detail read finished: its id, the result, and its link then.
    Conversation(
        crate::domain::ConversationId,
        Result<crate::domain::detail::ConversationDetail, String>,
        Option<String>,
    ),
    Trends(Result<crate::history::Trends, String>),
}

/// Hands the blocks this machine ran in solo mode (`blocks.json`) to the team's relay, which
/// ends them on time from now on; those it could not take (the relay unreachable) are kept, to
/// be handed over at the next start. A teammate with a team block already keeps that one.
/// What is kept, and a line for the status line.
pub async fn hand_over_blocks(
    relay: &dyn crate::backend::WriteRelay,
    blocks: Vec<crate::domain::blocks::Block>,
) -> (Vec<crate::domain::blocks::Block>, String) {
    let (mut handed, mut had) = (0, 0);
    let mut kept = Vec::new();
    let mut why = None;
    for block in blocks {
        match relay.start_block(block.clone()).await {
            Ok(()) => handed += 1,
            Err(e) if e.contains(crate::backend::BLOCK_RUNNING) => had += 1,
            Err(e) => {
                why.get_or_insert(e);
                kept.push(block);
            }
        }
    }
    let mut line = format!("{handed} block(s) from solo mode handed to the team's relay");
    if had > 0 {
        line.push_str(&format!("; {had} had a team block already"));
    }
    if let Some(why) = why {
        line.push_str(&format!(
            "; {} kept in blocks.json, not ended until a later start hands them over ({why}): \
             set those teammates back yourself if that is too late",
            kept.len()
        ));
    }
    (kept, line)
}

/// Most a question to the history waits (in a blocking task, never while drawing).
const HISTORY_WAIT: Duration = Duration::from_secs(5);

/// Runs the dashboard until the user quits. Owns the terminal while it runs and restores it
/// on every exit path.
pub async fn run(backend: Arc<dyn Helpdesk>, options: DashboardOptions) -> color_eyre::Result<()> {
    let mut app = App::new(options.policy.clone(), options.refresh, options.demo);
    app.privacy = options.privacy;
    app.coverage = options.coverage.clone();
    app.alert_rules = options.alerts;
    if let Some(path) = &options.blocks_file {
        let (blocks, problem) = crate::state::load_blocks(path);
        if let Some(p) = problem {
            tracing::warn!("{p}");
            app.message = Some(p);
        }
        app.blocks = blocks;
    }
    if options.read_only {
        app.read_only = Some("started with --read-only".into());
    }
    app.config_warnings(&options.warnings, options.clock.now());
    let executor = Arc::new(Executor::new(
        backend.clone(),
        options.audit.clone(),
        options.clock.clone(),
        options.read_only,
    ));
    // Where the team keeps its blocks (team mode), they replace `blocks.json`.
    let shared_blocks = backend.write_relay().filter(|r| r.blocks().is_some());
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Done>();
    if let Some(blocks) = shared_blocks.as_ref().and_then(|r| r.blocks()) {
        // Blocks this machine ran solo would end with no one: the relay takes them over.
        let solo = std::mem::take(&mut app.blocks);
        app.on_shared_blocks(blocks);
        if let (false, Some(relay), Some(path)) = (
            solo.is_empty(),
            shared_blocks.clone(),
            options.blocks_file.clone(),
        ) {
            let tx = done_tx.clone();
            tokio::spawn(async move {
                let (kept, line) = hand_over_blocks(relay.as_ref(), solo).await;
                let saved = tokio::task::spawn_blocking(move || {
                    crate::state::save_blocks(&path, &kept)
                        .map_err(|e| format!("{}: {e}", path.display()))
                })
                .await;
                if let Ok(Err(e)) = saved {
                    tracing::error!(error = %e, "cannot save blocks");
                }
                let _ = tx.send(Done::Message(line));
            });
        }
    }
    let recorder = options.history.clone().map(|(path, settings)| {
        let tx = done_tx.clone();
        crate::history::Recorder::spawn(path, settings, move |m| {
            let _ = tx.send(Done::Message(m));
        })
    });
    let mut sampled: Option<jiff::Timestamp> = None;
    app.warn_under = SignedDuration::try_from(options.warn_under).unwrap_or(app.warn_under);
    let theme = options.theme;
    app.keymap = options.keymap.clone();
    app.browser = crate::app::conversation::Browser::detect(
        |k| std::env::var(k).ok(),
        cfg!(target_os = "macos"),
    );
    let (tx, mut rx) = mpsc::channel(4);
    let refresh_now = Arc::new(Notify::new());
    let forwarder = tokio::spawn(sync::forward_changes(backend.clone(), refresh_now.clone()));
    let poller = tokio::spawn(sync::run(
        backend.clone(),
        options.policy.clone(),
        options.refresh,
        tx,
        refresh_now.clone(),
    ));

    let _guard = term::Guard;
    let mut terminal = term::init()?;
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let quit = term::quit_signal();
    tokio::pin!(quit);

    let mut first_data_frame = false;
    let result = loop {
        if app.dirty {
            let ctx = Ctx {
                now: options.clock.now(),
                theme,
            };
            let mut hits = None;
            if let Err(e) = terminal.draw(|f| hits = Some(ui::draw(f, &app, ctx))) {
                break Err(e.into());
            }
            app.hits = hits.unwrap_or_default();
            app.dirty = false;
            if !first_data_frame && app.snapshot.is_some() {
                first_data_frame = true;
                tracing::info!("first frame with data drawn");
            }
            // A deliberate crash after the first frame, so the tests can prove the panic path
            // (terminal restored, report written) on the real binary.
            if std::env::var_os("SHIFTLEAD_TEST_PANIC").is_some() {
                panic!("SHIFTLEAD_TEST_PANIC is set: a deliberate panic");
            }
        }
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(key))) => app.on_key(key),
                Some(Ok(Event::Mouse(m))) => app.on_mouse(m),
                Some(Ok(Event::Resize(_, _))) => app.dirty = true,
                Some(Ok(_)) => {}
                Some(Err(e)) if e.raw_os_error() == Some(EIO) => {
                    tracing::info!("quitting: the terminal is gone ({e})");
                    break Ok(());
                }
                Some(Err(e)) => break Err(e.into()),
                None => break Ok(()),
            },
            msg = rx.recv() => match msg {
                Some(m) => {
                    app.on_sync(m, options.clock.now());
                    if let Some(r) = &recorder {
                        record_sample(r, &mut app, &mut sampled);
                    }
                }
                None => app.last_error = Some("the sync task stopped".into()),
            },
            done = done_rx.recv() => match done {
                Some(Done::Writes(reports, undo)) => app.on_writes(reports, undo, options.clock.now()),
                Some(Done::Audit(entries)) => app.on_audit(entries),
                Some(Done::Trends(trends)) => app.on_trends(trends),
                Some(Done::Message(text)) => {
                    app.message = Some(text);
                    app.dirty = true;
                }
                Some(Done::BlockNotStarted(teammate, why)) => app.on_block_not_started(&teammate, why),
                Some(Done::Conversation(id, result, link)) => app.on_conversation(&id, result, link),
                None => {}
            },
            _ = tick.tick() => {
                app.on_tick();
                if let Some(blocks) = shared_blocks.as_ref().and_then(|r| r.blocks()) {
                    app.on_shared_blocks(blocks);
                }
            }
            _ = &mut quit => break Ok(()),
        }
        for effect in app.take_effects() {
            let tx = done_tx.clone();
            match effect {
                Effect::Run { plan, undo } => {
                    let executor = executor.clone();
                    tokio::spawn(async move {
                        let reports = executor.run_all(plan, undo).await;
                        let _ = tx.send(Done::Writes(reports, undo));
                    });
                }
                Effect::SaveBlocks(blocks) => {
                    if let Some(path) = options.blocks_file.clone() {
                        tokio::task::spawn_blocking(move || {
                            if let Err(e) = crate::state::save_blocks(&path, &blocks) {
                                tracing::error!(path = %path.display(), error = %e, "cannot save blocks");
                            }
                        });
                    }
                }
                Effect::StartSharedBlock(block) => {
                    if let Some(relay) = shared_blocks.clone() {
                        tokio::spawn(async move {
                            let (name, teammate) = (block.name.clone(), block.teammate.clone());
                            if let Err(why) = relay.start_block(block).await {
                                let line = if why.contains(crate::backend::BLOCK_RUNNING) {
                                    // The other block sets them back when it is over.
                                    format!("{name} is away; this block did not start: {why}")
                                } else {
                                    format!(
                                        "{name} is away but the block did not start ({why}): set them back yourself"
                                    )
                                };
                                let _ = tx.send(Done::BlockNotStarted(teammate, line));
                            }
                        });
                    }
                }
                Effect::EndSharedBlocks(teammates) => {
                    if let Some(relay) = shared_blocks.clone() {
                        tokio::spawn(async move {
                            for t in teammates {
                                let line = relay
                                    .end_block(&t)
                                    .await
                                    .unwrap_or_else(|why| format!("the block did not end: {why}"));
                                let _ = tx.send(Done::Message(line));
                            }
                        });
                    }
                }
                Effect::Alert(alert) => {
                    // Bell and OSC notifications move no cursor, so they can go straight to
                    // the terminal between frames.
                    use std::io::Write as _;
                    let bytes = crate::domain::alerts::escape_sequences(&options.alerts, &alert);
                    let mut out = std::io::stdout();
                    let _ = out.write_all(bytes.as_bytes()).and_then(|()| out.flush());
                }
                Effect::Handoff => {
                    let (Some(snapshot), Some(metrics)) =
                        (app.snapshot.clone(), app.metrics.clone())
                    else {
                        app.message = Some("no data yet".into());
                        continue;
                    };
                    let (policy, blocks, privacy) =
                        (app.policy.clone(), app.blocks.clone(), app.privacy);
                    let now = options.clock.now();
                    let audit = options.audit.clone();
                    let recorder = recorder.clone();
                    tokio::task::spawn_blocking(move || {
                        let since = now
                            .checked_sub(SignedDuration::from_hours(8))
                            .unwrap_or(now);
                        let peaks = shift_peaks(recorder.as_ref(), &snapshot, since, now);
                        let _ = tx.send(Done::Message(write_handoff(
                            &snapshot, &metrics, &policy, &blocks, audit, now, privacy, peaks,
                        )));
                    });
                }
                Effect::LoadConversation(id) => {
                    // The link is built without IO (when the backend already knows how);
                    // the parts are read in a task, so no key or frame waits for them.
                    app.on_conversation_link(&id, backend.conversation_link(&id));
                    let backend = backend.clone();
                    tokio::spawn(async move {
                        let result = backend
                            .conversation_detail(&id)
                            .await
                            .map_err(|e| e.to_string());
                        let link = backend.conversation_link(&id);
                        let _ = tx.send(Done::Conversation(id, result, link));
                    });
                }
                Effect::Clipboard(sequence) => {
                    // OSC 52 moves no cursor: written between frames, like the alerts.
                    use std::io::Write as _;
                    let mut out = std::io::stdout();
                    let _ = out
                        .write_all(sequence.as_bytes())
                        .and_then(|()| out.flush());
                }
                Effect::OpenLink { program, args } => {
                    // Spawned with no terminal I/O (a browser must not write over the
                    // screen) and reaped in its own task, never waited for here.
                    tokio::spawn(async move {
                        let child = tokio::process::Command::new(&program)
                            .args(&args)
                            .stdin(std::process::Stdio::null())
                            .stdout(std::process::Stdio::null())
                            .stderr(std::process::Stdio::null())
                            .kill_on_drop(false)
                            .spawn();
                        match child {
                            Ok(mut child) => {
                                if let Ok(status) = child.wait().await
                                    && !status.success()
                                {
                                    let _ = tx.send(Done::Message(format!(
                                        "{program} could not open the link ({status})"
                                    )));
                                }
                            }
                            Err(e) => {
                                let _ = tx.send(Done::Message(format!(
                                    "cannot start {program}: {e} — copy the link instead"
                                )));
                            }
                        }
                    });
                }
                Effect::LoadTrends(window) => {
                    let Some(recorder) = recorder.clone() else {
                        app.on_trends(Err(
                            "not recorded (history is off in [history], or there is no data dir)"
                                .into(),
                        ));
                        continue;
                    };
                    // Before the first poll there is no workspace to read; the first poll
                    // asks again.
                    let Some(workspace) = app.snapshot.as_ref().map(crate::history::workspace_key)
                    else {
                        continue;
                    };
                    let now = options.clock.now();
                    tokio::task::spawn_blocking(move || {
                        let query = crate::history::Query::Trends {
                            workspace,
                            window,
                            now,
                        };
                        let answer = match recorder.ask(query, HISTORY_WAIT) {
                            Ok(crate::history::Answer::Trends(t)) => Ok(t),
                            Ok(_) => Err("the history answered another question".into()),
                            Err(e) => Err(e.to_string()),
                        };
                        let _ = tx.send(Done::Trends(answer));
                    });
                }
                Effect::LoadAudit => {
                    let audit = options.audit.clone();
                    tokio::task::spawn_blocking(move || {
                        let entries = audit.map(|a| a.recent(200)).unwrap_or_default();
                        let _ = tx.send(Done::Audit(entries));
                    });
                }
            }
        }
        if app.refresh_requested {
            app.refresh_requested = false;
            refresh_now.notify_one();
        }
        if app.quit {
            break Ok(());
        }
    };
    poller.abort();
    forwarder.abort();
    wait_for_writes(
        &executor,
        &mut terminal,
        &mut events,
        &mut app,
        &options,
        theme,
    )
    .await;
    // Stops crossterm's input thread now: on a hung-up terminal it would spin until exit.
    drop(events);
    result
}

/// What reading a hung-up terminal fails with (Linux and the BSDs alike).
const EIO: i32 = 5;

/// Most a quit waits for writes in flight (each write is bounded by the request timeout).
const QUIT_WAIT: Duration = Duration::from_secs(60);

/// On quit, writes still in flight finish (and reach the audit log) before the terminal is
/// given back; the screen says so. Ctrl-C (or a quit signal) leaves at once; what was sent
/// then shows in the audit log as an intent without an outcome.
async fn wait_for_writes(
    executor: &Executor,
    terminal: &mut ratatui::DefaultTerminal,
    events: &mut EventStream,
    app: &mut App,
    options: &DashboardOptions,
    theme: Theme,
) {
    let n = executor.in_flight();
    if n == 0 {
        return;
    }
    tracing::info!(in_flight = n, "quitting: waiting for writes in flight");
    app.quit = false;
    app.message = Some(format!(
        "quitting: waiting for {n} write{} in flight to finish and be audited… (Ctrl-C leaves now)",
        if n == 1 { "" } else { "s" }
    ));
    let ctx = Ctx {
        now: options.clock.now(),
        theme,
    };
    let _ = terminal.draw(|f| {
        ui::draw(f, app, ctx);
    });
    tokio::select! {
        () = executor.wait_idle() => {}
        () = tokio::time::sleep(QUIT_WAIT) => {
            tracing::warn!(in_flight = executor.in_flight(), "quit: gave up waiting for writes");
        }
        () = term::quit_signal() => {
            tracing::warn!(in_flight = executor.in_flight(), "quit: left with writes in flight");
        }
        () = async {
            while let Some(Ok(ev)) = events.next().await {
                if let Event::Key(k) = ev
                    && k.code == crossterm::event::KeyCode::Char('c')
                    && k.modifiers.contains(crossterm::event::KeyModifiers::CONTROL)
                {
                    return;
                }
            }
        } => {
            tracing::warn!(in_flight = executor.in_flight(), "quit: left with writes in flight");
        }
    }
}

/// Hands the latest figures to the history recorder, once per good poll, without waiting;
/// the first dropped sample is said on the status line.
fn record_sample(
    recorder: &crate::history::Recorder,
    app: &mut App,
    sampled: &mut Option<jiff::Timestamp>,
) {
    let (Some(snapshot), Some(metrics), Some(at)) = (&app.snapshot, &app.metrics, app.last_ok)
    else {
        return;
    };
    if *sampled == Some(at) {
        return;
    }
    *sampled = Some(at);
    let before = recorder.dropped();
    if !recorder.record(crate::history::sample_of(snapshot, metrics, at)) {
        tracing::warn!(dropped = before + 1, "history behind: a sample was dropped");
        if before == 0 {
            app.message = Some("history is behind: a sample was dropped (see the log)".into());
            app.dirty = true;
        }
    }
}

/// The shift's peaks from the history, or why there are none.
fn shift_peaks(
    recorder: Option<&crate::history::Recorder>,
    snapshot: &crate::domain::Snapshot,
    since: jiff::Timestamp,
    now: jiff::Timestamp,
) -> Result<crate::domain::handoff::Peaks, String> {
    let Some(recorder) = recorder else {
        return Err("history is off".into());
    };
    let query = crate::history::Query::Peaks {
        workspace: crate::history::workspace_key(snapshot),
        since,
        now,
    };
    match recorder.ask(query, HISTORY_WAIT) {
        Ok(crate::history::Answer::Peaks(p)) => Ok(p),
        Ok(_) => Err("the history answered another question".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// Writes the handoff for the last 8 hours next to the audit log; says where (or why not).
#[allow(clippy::too_many_arguments)]
fn write_handoff(
    snapshot: &crate::domain::Snapshot,
    metrics: &crate::domain::Metrics,
    policy: &Policy,
    blocks: &[crate::domain::blocks::Block],
    audit: Option<Arc<Audit>>,
    now: jiff::Timestamp,
    privacy: bool,
    peaks: Result<crate::domain::handoff::Peaks, String>,
) -> String {
    let entries = audit.map(|a| a.recent(100_000)).unwrap_or_default();
    let writes = crate::audit::write_lines(&entries);
    let text = crate::domain::handoff::markdown(crate::domain::handoff::Inputs {
        snapshot,
        metrics,
        policy,
        blocks,
        writes: &writes,
        since: now
            .checked_sub(SignedDuration::from_hours(8))
            .unwrap_or(now),
        now,
        privacy,
        peaks: peaks.as_ref().map_err(String::as_str),
    });
    let Some(dir) = crate::state::data_dir() else {
        return "✗ handoff not written: no data dir on this platform".into();
    };
    let path = dir.join(format!("handoff-{}.md", now.strftime("%Y%m%d-%H%M")));
    match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, text)) {
        Ok(()) => format!("✓ handoff written: {}", path.display()),
        Err(e) => format!("✗ handoff not written ({e}): {}", path.display()),
    }
}
