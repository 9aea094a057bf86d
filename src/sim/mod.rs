//! The embedded simulator: an in-process HTTP server speaking a helpdesk's REST API over a
//! living, seeded workspace. Demo mode and the tests run the real client against it over
//! loopback. The workspace is vendor-neutral; each vendor's API is a projection of it.
//!
//! - [`scenario`]: the workspace file (`assets/scenario.toml` by default).
//! - [`world`]: state and dynamics, pure and deterministic for a seed and a clock.
//! - [`server`]: the vendor-neutral plumbing: auth, rate limits, faults, the applied-write
//!   record, `/_sim/*`.
//! - [`errors`]: refusals in vendor-neutral terms.
//! - [`faults`]: injected failures (5xx, 429 storms, slow answers, resets, bad bodies).
//! - [`intercom`]: the Intercom projection (wire shapes, search, writes, routes).
//! - [`zendesk`]: the Zendesk Support projection (wire shapes, paging, search, exports, writes,
//!   jobs, omnichannel routing).

#![warn(missing_docs)]

pub mod errors;
pub mod faults;
pub mod intercom;
pub mod scenario;
pub mod server;
pub mod webhooks;
pub mod world;
pub mod zendesk;

pub use errors::ApiError;
pub use faults::FaultProfile;
pub use scenario::Scenario;
pub use server::{AppliedWrite, Control, Stats, TeamConflict};
pub use webhooks::WebhookTarget;
pub use world::World;

use crate::clock::SharedClock;
use color_eyre::eyre::WrapErr;
use server::Shared;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::{Arc, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The helpdesk whose API the simulator speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SimVendor {
    /// Intercom's REST API.
    #[default]
    Intercom,
    /// Zendesk Support's REST API (`/api/v2`).
    Zendesk,
}

/// A vendor name the simulator does not speak.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the simulator does not speak {0:?} (it speaks: intercom, zendesk)")]
pub struct UnknownVendor(pub String);

impl SimVendor {
    /// The vendor's name, as `FromStr` reads it.
    pub fn name(self) -> &'static str {
        match self {
            SimVendor::Intercom => "intercom",
            SimVendor::Zendesk => "zendesk",
        }
    }

    /// Every vendor the simulator speaks.
    pub const ALL: &'static [SimVendor] = &[SimVendor::Intercom, SimVendor::Zendesk];

    /// The demo's requests per rate-limit window: Intercom 1000 per 10 s, Zendesk 700 per
    /// minute (an Enterprise account).
    pub fn default_rate_limit(self) -> u32 {
        match self {
            SimVendor::Intercom => 1000,
            SimVendor::Zendesk => 700,
        }
    }

    /// The length of the vendor's rate-limit window in seconds.
    pub fn window_secs(self) -> i64 {
        self.projection().window_secs
    }

    /// The vendor's projection, for the shared plumbing to serve.
    fn projection(self) -> &'static server::Projection {
        match self {
            SimVendor::Intercom => &intercom::PROJECTION,
            SimVendor::Zendesk => &zendesk::PROJECTION,
        }
    }
}

impl FromStr for SimVendor {
    type Err = UnknownVendor;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "intercom" => Ok(SimVendor::Intercom),
            "zendesk" => Ok(SimVendor::Zendesk),
            _ => Err(UnknownVendor(s.to_owned())),
        }
    }
}

/// Everything needed to start a simulator.
#[derive(Clone)]
pub struct SimConfig {
    /// Whose API to speak.
    pub vendor: SimVendor,
    /// Seed for every random choice.
    pub seed: u64,
    /// The API token clients must send (Intercom: bearer; Zendesk: basic `{email}/token:` or
    /// bearer).
    pub token: String,
    /// Requests allowed per rate-limit window; the window is the vendor's (Intercom 10 s,
    /// Zendesk 60 s, see [`SimVendor::window_secs`]).
    pub rate_limit_per_window: u32,
    /// Whether the Preview team-membership write is enabled (else 403 `api_plan_restricted`).
    pub preview_enabled: bool,
    /// Whether routing is enabled: Zendesk's omnichannel routing (agent availabilities,
    /// unified statuses, capacity rules; else those routes answer 404).
    pub routing_enabled: bool,
    /// The clock that drives the workspace.
    pub clock: SharedClock,
    /// The workspace and its rates.
    pub scenario: Scenario,
    /// Injected failures (none by default).
    pub faults: FaultProfile,
    /// Where to send the vendor's signed webhooks (none by default).
    pub webhook: Option<WebhookTarget>,
}

impl SimConfig {
    /// The demo: Intercom, the shipped scenario, seed 42, 1000 requests per 10 s, Preview on, and a
    /// fresh random token (the client in the same process is handed it).
    pub fn demo(clock: SharedClock) -> SimConfig {
        SimConfig::demo_of(SimVendor::default(), clock)
    }

    /// The demo of `vendor`: as [`SimConfig::demo`], with the vendor's default rate limit and
    /// every plan feature on (Preview, omnichannel routing).
    pub fn demo_of(vendor: SimVendor, clock: SharedClock) -> SimConfig {
        SimConfig {
            vendor,
            seed: 42,
            token: format!("sim-{:016x}", rand::random::<u64>()),
            rate_limit_per_window: vendor.default_rate_limit(),
            preview_enabled: true,
            routing_enabled: true,
            clock,
            scenario: Scenario::default_demo(),
            faults: FaultProfile::none(),
            webhook: None,
        }
    }
}

/// A running simulator.
pub struct SimHandle {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The token it accepts.
    pub token: String,
    /// The email to sign in as (the workspace owner, an admin), for vendors whose credentials
    /// name a user.
    pub email: String,
    /// The vendor it speaks.
    pub vendor: SimVendor,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    webhooks: Option<JoinHandle<()>>,
}

impl SimHandle {
    /// `http://ADDR`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The world advanced to the clock's now, for tests to compare against.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.shared.world_now()
    }

    /// Runs `f` on the world (advanced to now).
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        f(&mut self.shared.world_now())
    }

    /// Quiets the world (brought to now first) or wakes it: while quiet, sim time passes
    /// but nothing happens, so a client whose reads lag (an export that leaves out the last
    /// minute) can catch up with it exactly.
    pub fn set_quiet(&self, quiet: bool) {
        self.with_world(|w| w.quiet = quiet);
    }

    fn control(&self) -> MutexGuard<'_, Control> {
        self.shared.control()
    }

    /// Turns the Preview team-membership write on or off.
    pub fn set_preview_enabled(&self, on: bool) {
        self.control().preview_enabled = on;
    }

    /// Turns routing (Zendesk's omnichannel routing) on or off.
    pub fn set_routing_enabled(&self, on: bool) {
        self.control().routing_enabled = on;
    }

    /// Makes lists that page either way answer offset pages of `per_page` (`None`: as asked),
    /// to drive a client's offset paging.
    pub fn set_offset_pages(&self, per_page: Option<usize>) {
        self.control().offset_pages = per_page;
    }

    /// Makes the next team update fail with a 409.
    pub fn fail_next_team_update(&self, how: TeamConflict) {
        self.control().team_conflict = Some(how);
    }

    /// Gives the next write request this fault (e.g. `Fault::Slow` past the client's timeout,
    /// `Fault::LostReset`): the fault hits the write itself, not the re-reads around it.
    pub fn fault_next_write(&self, fault: faults::Fault) {
        self.control().next_write_fault = Some(fault);
    }

    /// Takes one endpoint (`"GET /away_status_reasons"`) down with 503s, or brings it back.
    pub fn set_endpoint_down(&self, endpoint: &str, down: bool) {
        let mut c = self.control();
        c.down.retain(|e| e != endpoint);
        if down {
            c.down.push(endpoint.to_owned());
        }
    }

    /// Delays every answer (to provoke client timeouts).
    pub fn set_response_delay(&self, delay: Duration) {
        self.control().delay = delay;
    }

    /// Sets the requests allowed per rate-limit window (the vendor's window).
    pub fn set_rate_limit(&self, per_window: u32) {
        self.control().rate_limit = per_window;
    }

    /// Switches the injected faults (e.g. to `FaultProfile::none()` to end an outage).
    pub fn set_faults(&self, profile: FaultProfile) {
        self.shared
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .profile = profile;
    }

    /// Refuses every request with 429 for `length` of sim time, starting now.
    pub fn start_storm(&self, length: Duration) {
        let now = self.shared.clock.now();
        self.shared
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .start_storm(now, length);
    }

    /// Every write applied through the API so far, in order: the simulator's own record.
    pub fn applied(&self) -> Vec<AppliedWrite> {
        self.shared
            .applied
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Requests served so far.
    pub fn stats(&self) -> Stats {
        self.shared
            .stats
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Stops serving and waits for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Waits until the server ends (it ends only after `shutdown` or a fatal error).
    pub async fn serve_until(mut self, stop: impl std::future::Future<Output = ()>) {
        stop.await;
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(w) = self.webhooks.take() {
            w.abort();
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts a simulator of `config.vendor`'s API listening on `addr` (port 0 picks a free port).
///
/// The world is built at the clock's now minus the scenario's warm-up and run forward to now,
/// so it opens on a realistic backlog.
pub async fn start(config: SimConfig, addr: SocketAddr) -> color_eyre::Result<SimHandle> {
    let now = config.clock.now();
    let warm_up = jiff::SignedDuration::try_from(config.scenario.warm_up).unwrap_or_default();
    let start = now.checked_sub(warm_up).unwrap_or(now);
    let mut world = World::new(&config.scenario, config.seed, start);
    world.advance_to(now);
    let control = Control {
        preview_enabled: config.preview_enabled,
        team_conflict: None,
        next_write_fault: None,
        down: Vec::new(),
        delay: Duration::ZERO,
        rate_limit: config.rate_limit_per_window,
        routing_enabled: config.routing_enabled,
        offset_pages: None,
    };
    let projection = config.vendor.projection();
    let email = world
        .admins
        .iter()
        .find(|a| a.id == world.me)
        .map(|a| a.email.clone())
        .unwrap_or_default();
    let shared = Arc::new(Shared::new(
        world,
        config.clock.clone(),
        config.token.clone(),
        control,
        faults::Faults::new(config.faults.clone(), config.seed),
        projection,
    ));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .wrap_err_with(|| format!("simulator could not listen on {addr}"))?;
    let addr = listener.local_addr().wrap_err("simulator address")?;
    let (stop, stopped) = oneshot::channel::<()>();
    let app = server::router(shared.clone(), projection);
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "simulator stopped");
        }
    });
    let webhooks = config.webhook.clone().map(|target| {
        tracing::info!(url = %target.url, "simulator webhooks on");
        tokio::spawn(webhooks::run(shared.clone(), target, projection.webhook))
    });
    tracing::info!(%addr, vendor = config.vendor.name(), "simulator listening");
    Ok(SimHandle {
        addr,
        token: config.token,
        email,
        vendor: config.vendor,
        shared,
        stop: Some(stop),
        task: Some(task),
        webhooks,
    })
}
