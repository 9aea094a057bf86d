//! `shiftlead`: the dashboard, `snapshot --json` and `simulate`.

use clap::Parser;
use color_eyre::eyre::{WrapErr, eyre};
use shiftlead::app::keymap::Keymap;
use shiftlead::audit::Audit;
use shiftlead::backend::{BackendConfig, DemoConfig, Vendor};
use shiftlead::cli::{Cli, Command};
use shiftlead::clock::{ManualClock, SharedClock, SystemClock};
use shiftlead::commands;
use shiftlead::config::{self, Config};
use shiftlead::connect::connect;
use shiftlead::dashboard::{self, DashboardOptions};
use shiftlead::domain;
use shiftlead::sim::{self, Scenario, SimConfig};
use shiftlead::ui::theme::Theme;
use shiftlead::writes::Executor;
use std::process::ExitCode;
use std::sync::Arc;

/// mimalloc returns freed memory to the system far better than glibc's per-thread arenas after
/// the large, short-lived allocations of a full read (see BENCHMARKS.md). It is built with
/// `no_thp` (Cargo.toml): it does not ask for transparent huge pages, which kept 2 MiB pages
/// resident whole when the held model used only part of them (large: 140 → 96 MB peak).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    shiftlead::crash::install(shiftlead::logging::log_dir());
    let cli = Cli::parse();
    // Commands that need no config.
    match &cli.command {
        Some(Command::Completions { shell }) => {
            return match shiftlead::cli::completions(shell, &mut std::io::stdout()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                    ExitCode::from(shiftlead::cli::BROKEN_PIPE_STATUS)
                }
                Err(e) => {
                    shiftlead::say!("shiftlead: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        Some(Command::Man) => {
            return match shiftlead::cli::man(&mut std::io::stdout()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                    ExitCode::from(shiftlead::cli::BROKEN_PIPE_STATUS)
                }
                Err(e) => {
                    shiftlead::say!("shiftlead: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        Some(Command::Init {
            backend,
            region,
            path,
            force,
        }) => {
            let target = path.clone().or_else(config::default_path);
            let result = target
                .ok_or_else(|| eyre!("no config dir on this platform; pass --path"))
                .and_then(|p| {
                    let text = shiftlead::init::render(backend, region)?;
                    shiftlead::init::write(&p, &text, *force)
                });
            return match result {
                Ok(p) => {
                    println!("wrote {} (mode 600)", p.display());
                    if let Ok(vendor) = Vendor::by_name(backend) {
                        println!(
                            "next: export {}=… (or set backend.token_command), then run `shiftlead check`",
                            vendor.token_env()
                        );
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    shiftlead::say!("shiftlead: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        _ => {}
    }
    let _log = shiftlead::logging::init();
    let loaded = match cli.demo {
        // `--demo VENDOR`: that vendor's demo, no config file.
        Some(vendor) => {
            let mut loaded = config::Loaded::defaults();
            loaded.config.backend = BackendConfig::Demo(DemoConfig::of(vendor));
            Ok(loaded)
        }
        None => config::load(cli.config.as_deref()),
    };
    let loaded = match loaded {
        Ok(l) => l,
        Err(e) => {
            shiftlead::say!("shiftlead: {e}");
            return ExitCode::from(2);
        }
    };
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let looks = Keymap::from_config(&loaded.config.keys)
        .map_err(|(action, e)| loaded.error_at(&format!("keys.{action}"), e))
        .and_then(|keymap| {
            Theme::from_config(
                &loaded.config.theme,
                no_color || loaded.config.ui.monochrome,
            )
            .map(|theme| Looks { keymap, theme })
            .map_err(|(key, e)| loaded.error_at(&key, e))
        });
    let looks = match looks {
        Ok(l) => l,
        Err(e) => {
            shiftlead::say!("shiftlead: {e}");
            return ExitCode::from(2);
        }
    };
    for w in &loaded.warnings {
        tracing::warn!("{w}");
        if cli.command.is_some() {
            shiftlead::say!("shiftlead: warning: {w}");
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            shiftlead::say!("shiftlead: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli, loaded.config, looks, loaded.warnings));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`| head`): nothing to say, and no crash.
        Err(e) if e.chain().any(shiftlead::cli::is_broken_pipe) => {
            ExitCode::from(shiftlead::cli::BROKEN_PIPE_STATUS)
        }
        Err(e) => {
            // One line for expected failures; the chain joined with ": ".
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            shiftlead::say!("shiftlead: {}", chain.join(": "));
            ExitCode::FAILURE
        }
    }
}

/// The audit log, or `None` (with a log line) when it cannot be opened; shared through
/// `mirror` in team mode.
fn open_audit(mirror: Option<Arc<dyn shiftlead::audit::Mirror>>) -> Option<Arc<Audit>> {
    let path = Audit::default_path()?;
    match Audit::open(&path) {
        Ok(a) => Some(Arc::new(match mirror {
            Some(m) => a.with_mirror(m),
            None => a,
        })),
        Err(e) => {
            tracing::error!(path = %path.display(), error = %e, "cannot open the audit log");
            None
        }
    }
}

/// Set to a timestamp, the embedded demo runs on a clock stopped there (moving only by the
/// waits it makes), so its workspace is the same on every run: tests compare what the
/// binary prints with a simulator of the same seed at the same time. Ignored for a real
/// backend.
const DEMO_AT: &str = "SHIFTLEAD_DEMO_AT";

/// The system clock, or for the demo with [`DEMO_AT`] set, a clock stopped at that time.
fn clock_for(config: &Config) -> color_eyre::Result<SharedClock> {
    match std::env::var(DEMO_AT) {
        Ok(at) if matches!(config.backend, BackendConfig::Demo(_)) => {
            let at: jiff::Timestamp = at
                .trim()
                .parse()
                .map_err(|e| eyre!("{DEMO_AT}={at:?} is not a timestamp: {e}"))?;
            Ok(Arc::new(ManualClock::new(at)))
        }
        _ => Ok(Arc::new(SystemClock)),
    }
}

/// The key bindings and colours, built from the config before anything connects.
struct Looks {
    keymap: Keymap,
    theme: Theme,
}

async fn run(
    cli: Cli,
    config: Config,
    looks: Looks,
    warnings: Vec<String>,
) -> color_eyre::Result<()> {
    let clock = clock_for(&config)?;
    let read_only = cli.read_only;
    let (refresh, privacy) = (cli.refresh, cli.privacy);
    match cli.command {
        None => {
            let conn = connect(&config, clock.clone()).await?;
            let options = DashboardOptions {
                refresh: refresh.unwrap_or(config.ui.refresh),
                privacy: privacy || config.ui.privacy,
                policy: conn.policy.clone(),
                demo: conn.is_demo(),
                theme: looks.theme,
                keymap: looks.keymap,
                clock,
                warn_under: config.ui.warn_under,
                read_only,
                audit: open_audit(conn.audit_mirror.clone()),
                blocks_file: shiftlead::state::blocks_path(),
                alerts: config.alerts.rules(),
                coverage: config
                    .coverage()
                    .map_err(|(k, e)| eyre!("config key {k}: {e}"))?,
                history: config
                    .history
                    .enabled
                    .then(|| shiftlead::history::default_path(conn.is_demo()))
                    .flatten()
                    .map(|p| {
                        (
                            p,
                            shiftlead::history::Settings::from_config(&config.history),
                        )
                    }),
                warnings,
            };
            let backend = conn.backend.clone();
            let result = dashboard::run(backend, options).await;
            if let Some(sim) = conn.sim {
                sim.shutdown().await;
            }
            result
        }
        Some(Command::Snapshot { json: _ }) => {
            let conn = connect(&config, clock.clone()).await?;
            let mut snapshot = conn
                .backend
                .snapshot()
                .await
                .map_err(|e| eyre!("{e}"))
                .wrap_err("taking a snapshot")?;
            conn.policy.apply(&mut snapshot);
            // Privacy holds here too: no conversation titles in the JSON.
            if privacy || config.ui.privacy {
                snapshot.conversations.update_all(|c| c.title = None);
            }
            let metrics = domain::derive(&snapshot, &conn.policy, clock.now());
            let out = serde_json::json!({ "snapshot": snapshot, "metrics": metrics });
            shiftlead::cli::out(&format!("{}\n", serde_json::to_string_pretty(&out)?))?;
            if let Some(sim) = conn.sim {
                sim.shutdown().await;
            }
            Ok(())
        }
        Some(
            command @ (Command::Assign { .. }
            | Command::Move { .. }
            | Command::Away { .. }
            | Command::Back { .. }),
        ) => {
            let conn = connect(&config, clock.clone()).await?;
            let audit = open_audit(conn.audit_mirror.clone());
            if audit.is_none() && !read_only {
                return Err(eyre!(
                    "cannot open the audit log; refusing to write without it (see the log file)"
                ));
            }
            let now = clock.now();
            let executor = Executor::new(conn.backend.clone(), audit, clock, read_only);
            let result = commands::run(
                conn.backend.as_ref(),
                &executor,
                &command,
                &conn.policy,
                now,
            )
            .await;
            if let Some(sim) = conn.sim {
                sim.shutdown().await;
            }
            result
        }
        Some(Command::Check) => {
            let conn = connect(&config, clock.clone()).await?;
            let where_ = config.backend.describe();
            let result = shiftlead::check::run(conn.backend.as_ref(), &where_, read_only).await;
            if let Some(sim) = conn.sim {
                sim.shutdown().await;
            }
            for line in result? {
                shiftlead::cli::out(&format!("{line}\n"))?;
            }
            Ok(())
        }
        Some(Command::Handoff { since, out }) => {
            let conn = connect(&config, clock.clone()).await?;
            let demo = conn.is_demo();
            let mut snapshot = conn
                .backend
                .snapshot()
                .await
                .map_err(|e| eyre!("{e}"))
                .wrap_err("taking a snapshot")?;
            if let Some(sim) = conn.sim {
                sim.shutdown().await;
            }
            conn.policy.apply(&mut snapshot);
            let now = clock.now();
            let metrics = domain::derive(&snapshot, &conn.policy, now);
            let blocks = shiftlead::state::blocks_path()
                .map(|p| shiftlead::state::load_blocks(&p).0)
                .unwrap_or_default();
            let entries = Audit::default_path()
                .map(|p| shiftlead::audit::read_recent(&p, 100_000))
                .unwrap_or_default();
            let writes = shiftlead::audit::write_lines(&entries);
            let since = now
                .checked_sub(jiff::SignedDuration::try_from(since).unwrap_or_default())
                .unwrap_or(now);
            let peaks = match shiftlead::history::default_path(demo) {
                Some(path) if config.history.enabled && path.exists() => {
                    let settings = shiftlead::history::Settings::from_config(&config.history);
                    shiftlead::history::Store::open(&path, settings)
                        .and_then(|s| {
                            s.peaks(&shiftlead::history::workspace_key(&snapshot), since, now)
                        })
                        .map_err(|e| e.to_string())
                }
                Some(_) if config.history.enabled => Err("nothing recorded yet".to_owned()),
                _ => Err("history is off".to_owned()),
            };
            let text = domain::handoff::markdown(domain::handoff::Inputs {
                snapshot: &snapshot,
                metrics: &metrics,
                policy: &conn.policy,
                blocks: &blocks,
                writes: &writes,
                since,
                now,
                privacy: privacy || config.ui.privacy,
                peaks: peaks.as_ref().map_err(String::as_str),
            });
            match out {
                Some(path) => {
                    std::fs::write(&path, text)
                        .wrap_err_with(|| format!("writing {}", path.display()))?;
                    println!("wrote {}", path.display());
                }
                None => shiftlead::cli::out(&text)?,
            }
            Ok(())
        }
        Some(Command::Init { .. } | Command::Completions { .. } | Command::Man) => Ok(()),
        Some(Command::Relay { id }) => run_relay(&config, id, clock).await,
        Some(Command::Simulate {
            listen,
            seed,
            scenario,
            token,
            vendor,
            rate_limit,
            faults,
            scale,
            webhook,
            webhook_secret,
        }) => {
            if !listen.ip().is_loopback() {
                return Err(eyre!(
                    "the simulator speaks plain HTTP and listens on loopback only; {listen} is not loopback"
                ));
            }
            let sim_vendor = vendor.unwrap_or_default();
            let mut sim_config = SimConfig::demo_of(sim_vendor, clock);
            sim_config.seed = seed;
            if let Some(limit) = rate_limit {
                sim_config.rate_limit_per_window = limit;
            }
            sim_config.faults = sim::FaultProfile::load(&faults).map_err(|e| eyre!("{e}"))?;
            if let Some(token) = token {
                sim_config.token = token;
            }
            match sim::scenario::Scale::preset(&scale) {
                Some(Some(size)) => sim_config.scenario = Scenario::scaled(size),
                Some(None) => {}
                None => {
                    return Err(eyre!(
                        "unknown --scale {scale:?}: expected demo, large or xl"
                    ));
                }
            }
            if let Some(path) = scenario {
                let text = std::fs::read_to_string(&path)
                    .wrap_err_with(|| format!("reading scenario {}", path.display()))?;
                sim_config.scenario = Scenario::from_toml(&text)
                    .map_err(|e| eyre!("scenario {}: {e}", path.display()))?;
            }
            if let (Some(url), Some(secret)) = (webhook.clone(), webhook_secret) {
                if !url.starts_with("http://") && !url.starts_with("https://") {
                    return Err(eyre!(
                        "--webhook {url:?}: expected an http:// or https:// URL"
                    ));
                }
                shiftlead::crash::register_secret(&secret);
                sim_config.webhook = Some(sim::WebhookTarget { url, secret });
            }
            let handle = sim::start(sim_config, listen).await?;
            println!("shiftlead simulator listening on {}", handle.base_url());
            if let Some(url) = &webhook {
                println!("sending signed webhooks to {url}");
            }
            if faults != "none" {
                println!(
                    "injecting faults: {faults} (counts at {}/_sim/stats)",
                    handle.base_url()
                );
            }
            println!("token: {}", handle.token);
            println!("email: {}", handle.email);
            // The client's hint, once the backend registry knows the vendor.
            if let Ok(vendor) = Vendor::by_name(sim_vendor.name()) {
                println!(
                    "Use it with: [backend] kind = \"{vendor}\", base_url = \"{}\", and {} set to the token above.",
                    handle.base_url(),
                    vendor.token_env()
                );
            }
            handle.serve_until(shutdown_signal()).await;
            Ok(())
        }
    }
}

/// `shiftlead relay`: the `[backend]` workspace published on NATS as `[relay]` says.
async fn run_relay(
    config: &Config,
    id: Option<String>,
    clock: SharedClock,
) -> color_eyre::Result<()> {
    use shiftlead::team::{bus::Bus, relay};
    if matches!(config.backend, BackendConfig::Team(_)) {
        return Err(eyre!(
            "the relay polls the helpdesk: its [backend] must be a vendor (or the demo), not kind = \"team\""
        ));
    }
    let r = &config.relay;
    let id = id
        .or_else(|| r.id.clone())
        .unwrap_or_else(|| format!("relay-{}", std::process::id()));
    if !shiftlead::backend::team::is_token(&id) {
        return Err(eyre!(
            "relay id {id:?}: use 1 to 64 letters, digits, '_' or '-'"
        ));
    }
    let settings = shiftlead::team::bus_settings(
        &r.nats_url,
        &r.workspace,
        shiftlead::team::AuthSource::of_relay(r),
        format!("shiftlead relay {id}"),
    )
    .wrap_err("the relay's bus ([relay])")?;
    let conn = connect(config, clock.clone()).await?;
    let bus = Bus::connect(&settings)
        .await
        .wrap_err("the relay's bus ([relay])")?;
    let audit = match Audit::default_path() {
        Some(p) => Some(Audit::open(&p).wrap_err_with(|| format!("opening {}", p.display()))?),
        None => None,
    };
    let mut relay = relay::Relay::new(
        bus,
        conn.backend.clone(),
        audit,
        clock,
        relay::RelaySettings {
            id: id.clone(),
            lease: r.lease,
            refresh: r.refresh,
        },
    )
    .await?;
    if let Some(listen) = r.webhook_listen {
        let secret = webhook_secret(r)?;
        let format = config.backend.vendor().webhooks();
        let settings = shiftlead::team::hooks::HookSettings {
            listen,
            secret,
            window: r.webhook_window,
            format,
        };
        let addr = relay.receive_webhooks(settings, clock_for(config)?).await?;
        println!(
            "receiving webhooks on http://{addr}{} ({})",
            shiftlead::team::hooks::PATH,
            format.signed_with
        );
    }
    println!(
        "shiftlead relay {id}: workspace {} on {} (lease {}s, refresh {}s)",
        r.workspace,
        r.nats_url,
        r.lease.as_secs(),
        r.refresh.as_secs()
    );
    relay.run(shutdown_signal()).await;
    if let Some(sim) = conn.sim {
        sim.shutdown().await;
    }
    Ok(())
}

/// The relay's webhook secret: `[relay] webhook_secret_env`, else `webhook_secret_command`;
/// registered for redaction, never printed.
fn webhook_secret(
    r: &shiftlead::backend::team::RelayConfig,
) -> color_eyre::Result<secrecy::SecretString> {
    use shiftlead::config::token::TokenError;
    let source = shiftlead::backend::TokenSource {
        env: &r.webhook_secret_env,
        command: r.webhook_secret_command.as_deref(),
        inline: None,
    };
    shiftlead::config::token::resolve(&source).map_err(|e| match e {
        TokenError::Missing(env) => eyre!(
            "[relay] webhook_listen is set but there is no webhook secret: set ${env} or relay.webhook_secret_command"
        ),
        TokenError::Spawn(why) => eyre!("relay.webhook_secret_command could not run: {why}"),
        TokenError::Failed(status) => eyre!("relay.webhook_secret_command failed ({status})"),
        TokenError::NotUtf8 => eyre!("relay.webhook_secret_command printed something that is not UTF-8"),
        TokenError::Empty => eyre!("relay.webhook_secret_command printed nothing"),
    })
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
