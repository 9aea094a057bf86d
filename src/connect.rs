//! Builds the backend a configuration asks for: a live workspace through the registry, or
//! the embedded simulator with the simulated vendor's client pointed at it over loopback.

use crate::backend::{BackendConfig, Helpdesk};
use crate::clock::SharedClock;
use crate::config::{Config, token};
use crate::domain::Policy;
use crate::domain::policy::{CapOverride, SlaTarget};
use crate::sim::{self, SimConfig, SimHandle};
use color_eyre::eyre::{WrapErr, eyre};
use jiff::SignedDuration;
use secrecy::SecretString;
use std::sync::Arc;

/// A connected backend.
pub struct Connection {
    /// The helpdesk.
    pub backend: Arc<dyn Helpdesk>,
    /// The embedded simulator, in demo mode (dropping it stops the server).
    pub sim: Option<SimHandle>,
    /// The local rules: the config's, plus the demo scenario's caps, SLA targets and time
    /// zones in demo mode where the config sets none.
    pub policy: Policy,
    /// Where the audit log is shared, when it is (team mode: the team's audit stream).
    pub audit_mirror: Option<Arc<dyn crate::audit::Mirror>>,
}

impl Connection {
    /// `true` when running on the embedded simulator.
    pub fn is_demo(&self) -> bool {
        self.sim.is_some()
    }
}

/// Connects as `config` says.
pub async fn connect(config: &Config, clock: SharedClock) -> color_eyre::Result<Connection> {
    let mut policy = config.policy();
    let section = &config.backend;
    if let BackendConfig::Demo(demo) = section {
        let vendor = demo.vendor.name().parse().unwrap_or_default();
        let mut sim_config = SimConfig::demo_of(vendor, clock.clone());
        sim_config.seed = demo.seed;
        sim_config.faults = sim::FaultProfile::load(&demo.faults)
            .map_err(|e| eyre!("config key backend.faults: {e}"))?;
        demo_policy(&mut policy, &sim_config.scenario);
        let handle = sim::start(sim_config, "127.0.0.1:0".parse()?)
            .await
            .wrap_err("starting the embedded demo simulator")?;
        let backend = demo
            .vendor
            .simulator_client(
                handle.base_url(),
                SecretString::from(handle.token.clone()),
                demo.timeout,
                clock,
            )
            .map_err(|e| eyre!("{e}"))?;
        return Ok(Connection {
            backend,
            sim: Some(handle),
            policy,
            audit_mirror: None,
        });
    }
    if let BackendConfig::Team(team) = section {
        let (view, audit) = crate::team::connect_view(team)
            .await
            .wrap_err("team mode ([backend] kind = \"team\")")?;
        let backend: Arc<dyn Helpdesk> = match &config.fallback {
            None => Arc::new(view),
            Some(direct) => {
                let source = direct
                    .token_source()
                    .ok_or_else(|| eyre!("[fallback] kind {} takes no token", direct.kind()))?;
                let token = token::resolve(&source)
                    .map_err(|e| eyre!(e))
                    .wrap_err("[fallback]: the token for polling directly")?;
                let direct = direct
                    .connect(token)
                    .map_err(|e| eyre!("{e}"))
                    .wrap_err("[fallback]")?;
                Arc::new(crate::team::fallback::Fallback::new(
                    Arc::new(view),
                    direct,
                    team.stale_after,
                ))
            }
        };
        return Ok(Connection {
            backend,
            sim: None,
            policy,
            audit_mirror: Some(audit),
        });
    }
    let source = section
        .token_source()
        .ok_or_else(|| eyre!("backend kind {} takes no token", section.kind()))?;
    let token = token::resolve(&source).map_err(|e| eyre!(e))?;
    let backend = section.connect(token).map_err(|e| eyre!("{e}"))?;
    Ok(Connection {
        backend,
        sim: None,
        policy,
        audit_mirror: None,
    })
}

/// Adds what a lead would configure for the demo workspace: its teammates' caps and time
/// zones and its SLA targets, wherever the config has none of its own.
pub fn demo_policy(policy: &mut Policy, scenario: &sim::Scenario) {
    if policy.caps.overrides.is_empty() {
        policy.caps.overrides = scenario
            .teammates
            .iter()
            .map(|t| (t.email.clone(), CapOverride::fixed(t.cap)))
            .collect();
    }
    if policy.time_zones.is_empty() {
        policy.time_zones = scenario
            .teammates
            .iter()
            .filter_map(|t| t.time_zone.clone().map(|tz| (t.email.clone(), tz)))
            .collect();
    }
    if policy.sla_targets.is_empty() {
        let signed = |d| SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX);
        policy.sla_targets = scenario
            .sla
            .iter()
            .map(|s| SlaTarget {
                name: Some(s.name.clone()),
                priority: None,
                first_response: signed(s.first_response),
                next_response: signed(s.next_response),
            })
            .collect();
    }
}
