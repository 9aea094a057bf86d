//! The embedded simulator: an in-process HTTP server speaking Intercom's REST API over a living,
//! seeded workspace. (Interface stub: the sim helper replaces the body.)

use crate::clock::SharedClock;
use std::net::SocketAddr;

/// Everything needed to start a simulator.
#[derive(Clone)]
pub struct SimConfig {
    /// Seed for every random choice.
    pub seed: u64,
    /// The bearer token clients must send.
    pub token: String,
    /// Requests allowed per 10-second window (Intercom distributes limits over 10 s windows).
    pub rate_limit_per_window: u32,
    /// Whether the Preview team-membership write is enabled (else 403 `api_plan_restricted`).
    pub preview_enabled: bool,
    /// The clock that drives the workspace.
    pub clock: SharedClock,
}

/// A running simulator.
pub struct SimHandle {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The token it accepts.
    pub token: String,
}

impl SimHandle {
    /// `http://ADDR`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Starts a simulator listening on `addr` (port 0 picks a free port).
pub async fn start(_config: SimConfig, _addr: SocketAddr) -> color_eyre::Result<SimHandle> {
    color_eyre::eyre::bail!("simulator not built yet")
}
