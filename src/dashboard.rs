//! The live dashboard: terminal UI over a polling sync task. (Interface stub: the UI helper
//! replaces the body.)

use crate::backend::Helpdesk;
use crate::clock::SharedClock;
use crate::domain::Policy;
use std::sync::Arc;
use std::time::Duration;

/// How the dashboard runs.
#[derive(Clone)]
pub struct DashboardOptions {
    /// Poll interval.
    pub refresh: Duration,
    /// Caps, SLA targets, ordering.
    pub policy: Policy,
    /// Marks the screen DEMO (embedded simulator).
    pub demo: bool,
    /// Monochrome output (NO_COLOR or a monochrome theme).
    pub monochrome: bool,
    /// The clock for countdowns and data age.
    pub clock: SharedClock,
}

/// Runs the dashboard until the user quits. Owns the terminal while it runs and restores it
/// on every exit path.
pub async fn run(
    _backend: Arc<dyn Helpdesk>,
    _options: DashboardOptions,
) -> color_eyre::Result<()> {
    color_eyre::eyre::bail!("dashboard not built yet")
}
