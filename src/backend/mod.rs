//! Helpdesk backends behind one vendor-neutral trait.
//!
//! A backend reads a whole [`Snapshot`] and performs the writes a shift lead needs, in the
//! vendor-neutral vocabulary of [`crate::domain`]. What every vendor shares lives here (the
//! HTTP [`transport`], the held-model [`cache`]); each vendor is a folder that owns its wire
//! types, config section, capabilities and error classification. This file is the registry:
//! the only place outside the vendor folders that names them.

pub mod cache;
pub mod intercom;
pub mod lenient;
pub mod team;
pub mod transport;
pub mod webhook;
pub mod zendesk;

pub use crate::domain::actions::{AssignTarget, MemberChange, PresenceChange};
use crate::domain::{
    Capabilities, Conversation, ConversationId, Inbox, InboxId, Policy, Refresh, Snapshot,
    Teammate, TeammateId,
};
use async_trait::async_trait;
use jiff::Timestamp;
use std::time::Duration;

/// A failure talking to a backend. Never carries the token.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BackendError {
    /// The backend answered with an error status.
    #[error("HTTP {status}{}: {message}", code.as_deref().map(|c| format!(" {c}")).unwrap_or_default())]
    Api {
        /// HTTP status.
        status: u16,
        /// The vendor's error code, e.g. `admin_not_found`.
        code: Option<String>,
        /// The vendor's message, or the status text.
        message: String,
    },
    /// The request could not be sent or its answer not received (DNS, connect, reset, timeout).
    #[error("network: {0}")]
    Network(String),
    /// The request timed out; a write may or may not have applied.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The answer was not the JSON we expected.
    #[error("bad response from {endpoint}: {detail}")]
    Decode {
        /// Which endpoint.
        endpoint: String,
        /// What was wrong.
        detail: String,
    },
    /// Rate limited and the wait until reset is longer than the caller allows.
    #[error("rate limited until {reset}")]
    RateLimited {
        /// When the window resets.
        reset: Timestamp,
    },
    /// The backend cannot do this at all (capability off); the reason says why.
    #[error("not supported: {0}")]
    Unsupported(String),
    /// Bad settings (base URL, token).
    #[error("configuration: {0}")]
    Config(String),
    /// A write job ended without completing; what it changed is for a re-read to tell.
    #[error("the write job failed: {0}")]
    JobFailed(String),
}

impl BackendError {
    /// The HTTP status, when the backend answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            BackendError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The vendor's error code, when it gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            BackendError::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

/// The rate-limit budget as last reported by the backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Budget {
    /// Requests allowed per window.
    pub limit: Option<u32>,
    /// Requests left in this window.
    pub remaining: Option<u32>,
    /// When the window resets.
    pub reset: Option<Timestamp>,
}

/// A backend job that finishes a write later (e.g. a bulk update answered with a job id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobId(pub String);

/// What a backend said when it accepted a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ack {
    /// Done; a re-read shows the result.
    Done,
    /// Accepted as a job; poll [`Helpdesk::job`] until it ends, then re-read.
    Job(JobId),
}

/// Where a backend job stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobStatus {
    /// Queued or running.
    Running,
    /// Finished; the write may be read back.
    Completed,
    /// Finished without applying (the backend's reason).
    Failed(String),
}

/// Whether a failed write may have applied anyway: the executor re-reads after the former and
/// reports "not applied" straight away after the latter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailedWrite {
    /// Nothing happened (validation error, permission, not found, rate limited).
    NotApplied,
    /// It may have landed, in whole or in part (timeout, lost answer, server error, a
    /// vendor's partial-application status).
    MayHaveApplied,
}

/// What `check` learned about one capability by asking the backend (never by writing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// What was probed, e.g. "membership writes".
    pub what: String,
    /// `true` when the probe found it available (`false`: unavailable, or not knowable
    /// without writing; the detail says which).
    pub ok: bool,
    /// What was found out, in words.
    pub detail: String,
}

/// The classification every vendor starts from: lost or garbled answers and 5xx may have
/// applied; every other answer means nothing happened.
pub fn classify_common(e: &BackendError) -> FailedWrite {
    let ambiguous = matches!(
        e,
        BackendError::Timeout(_)
            | BackendError::Network(_)
            | BackendError::Decode { .. }
            | BackendError::JobFailed(_)
    ) || e.status().is_some_and(|s| s >= 500);
    if ambiguous {
        FailedWrite::MayHaveApplied
    } else {
        FailedWrite::NotApplied
    }
}

/// A helpdesk the dashboard can read and steer.
#[async_trait]
pub trait Helpdesk: Send + Sync {
    /// What this backend can read and write.
    fn capabilities(&self) -> Capabilities;

    /// The rate-limit budget last reported.
    fn budget(&self) -> Budget;

    /// Reads everything the dashboard shows: workspace, inboxes, teammates, away reasons and
    /// every conversation not yet done. Caps and SLA estimates are left for
    /// [`crate::domain::Policy::apply`].
    async fn snapshot(&self) -> Result<Snapshot, BackendError>;

    /// One refresh for the sync task: the whole model with `policy` applied, and which
    /// conversations changed since the previous call ([`Refresh::delta`]), so the dashboard
    /// updates only those. The default reads a [`Helpdesk::snapshot`], applies the policy to
    /// all of it and says "anything may have changed" (`delta: None`); a backend that holds
    /// its model in [`cache::Cache`] answers with [`cache::Cache::refresh`] instead.
    async fn refresh(&self, policy: &Policy) -> Result<Refresh, BackendError> {
        let mut snapshot = self.snapshot().await?;
        policy.apply(&mut snapshot);
        Ok(Refresh {
            snapshot,
            delta: None,
        })
    }

    /// Re-reads one conversation.
    async fn conversation(&self, id: &ConversationId) -> Result<Conversation, BackendError>;

    /// Reads what the held model lacks about one conversation, on demand (the conversation
    /// view): its customer and latest parts as plain text. Never part of a refresh. The
    /// default says this backend cannot.
    async fn conversation_detail(
        &self,
        id: &ConversationId,
    ) -> Result<crate::domain::detail::ConversationDetail, BackendError> {
        Err(BackendError::Unsupported(format!(
            "this backend reads no conversation parts (asked for {id}); open it in the helpdesk"
        )))
    }

    /// The conversation's page in the helpdesk's own web app, when this backend knows how to
    /// build it (a vendor's URL scheme, built in its folder). `None`: no link.
    fn conversation_link(&self, id: &ConversationId) -> Option<String> {
        let _ = id;
        None
    }

    /// Re-reads one teammate.
    async fn teammate(&self, id: &TeammateId) -> Result<Teammate, BackendError>;

    /// Re-reads one inbox.
    async fn inbox(&self, id: &InboxId) -> Result<Inbox, BackendError>;

    /// Assigns (or unassigns) a conversation.
    async fn assign(&self, id: &ConversationId, target: &AssignTarget)
    -> Result<Ack, BackendError>;

    /// Sets a teammate's presence.
    async fn set_presence(
        &self,
        id: &TeammateId,
        change: &PresenceChange,
    ) -> Result<Ack, BackendError>;

    /// Changes one teammate's membership of one inbox. A backend whose API replaces the
    /// whole member list reads it fresh and changes only this teammate.
    async fn change_membership(
        &self,
        inbox: &InboxId,
        teammate: &TeammateId,
        change: MemberChange,
    ) -> Result<Ack, BackendError>;

    /// Reassigns several conversations in one call, on backends with bulk writes (at most
    /// [`Capabilities::assign_batch`] at once); each item's own result, in input order. The
    /// executor still re-reads, checks, confirms and audits every conversation.
    async fn assign_many(
        &self,
        items: &[(ConversationId, AssignTarget)],
    ) -> Result<Vec<Result<(), BackendError>>, BackendError> {
        Err(BackendError::Unsupported(format!(
            "this backend has no bulk reassignment ({} asked)",
            items.len()
        )))
    }

    /// Where a write job stands; only backends that answer writes with jobs have any.
    async fn job(&self, id: &JobId) -> Result<JobStatus, BackendError> {
        Err(BackendError::Unsupported(format!(
            "this backend has no write jobs (asked for {})",
            id.0
        )))
    }

    /// Whether a failed write may have applied (see [`FailedWrite`]).
    fn classify(&self, error: &BackendError) -> FailedWrite {
        classify_common(error)
    }

    /// Learns, without writing, what this workspace allows beyond the static capabilities
    /// (for `shiftlead check`).
    async fn probe(&self) -> Vec<Probe> {
        Vec::new()
    }

    /// Takes `held` (conversations as they were at `since`, e.g. the state a relay published)
    /// as its own, so the next snapshot reads only what changed since then instead of
    /// everything. `false`: this backend cannot, and its next snapshot is a full read.
    async fn resume(&self, held: &Snapshot, since: Timestamp) -> bool {
        let _ = (held, since);
        false
    }

    /// Notified when this backend's data changed without being asked (team mode: a watched
    /// bucket delivered a delta), so the sync task refreshes before its interval is up.
    /// `None`: only polling tells.
    fn changed(&self) -> Option<Arc<tokio::sync::Notify>> {
        None
    }

    /// Where this backend's writes run instead of locally: team mode hands each planned write
    /// to the relay, which runs the executor with the vendor token. `None`: run them here.
    fn write_relay(&self) -> Option<Arc<dyn WriteRelay>> {
        None
    }
}

/// Part of a write relay's refusal to start a block because the teammate has one running.
pub const BLOCK_RUNNING: &str = "has a block running already";

/// Runs a planned write elsewhere (team mode: at the relay, through the same executor) and
/// says how it ended; a write that could not be handed over is `NotApplied`, one whose answer
/// was lost is `Unknown`.
#[async_trait]
pub trait WriteRelay: Send + Sync {
    /// Runs `planned` (`undo` marks it as an undo in the audit log).
    async fn run(
        &self,
        planned: &crate::domain::actions::Planned,
        undo: bool,
    ) -> crate::domain::actions::Outcome;

    /// Before a plan of several reassignments runs: takes what it must hold meanwhile (team
    /// mode: the rebalance lease of every inbox it touches), given up when the returned guard
    /// drops. `Err`: refused, and why (who holds it); nothing is sent.
    async fn hold(
        &self,
        plan: &[crate::domain::actions::Planned],
    ) -> Result<Option<Box<dyn Send>>, String> {
        let _ = plan;
        Ok(None)
    }

    /// The off-queue blocks kept for the whole team, where something outside this dashboard
    /// ends them on time (team mode: the relay, from KV): who started each, time left.
    /// `None`: this dashboard keeps its own blocks (and ends them while it runs).
    fn blocks(&self) -> Option<Vec<crate::domain::blocks::Block>> {
        None
    }

    /// Starts a shared block (the away write already confirmed). `Err`: why it is not shared
    /// (the teammate stays away; the lead is told to set them back).
    async fn start_block(&self, block: crate::domain::blocks::Block) -> Result<(), String> {
        let _ = block;
        Err("this backend keeps no shared blocks".into())
    }

    /// Ends `teammate`'s shared block now, through the same compare-and-set as its timer (one
    /// winner, one back write); what happened, for the status line.
    async fn end_block(&self, teammate: &crate::domain::TeammateId) -> Result<String, String> {
        let _ = teammate;
        Err("this backend keeps no shared blocks".into())
    }
}

// ---- The backend registry ----
//
// Every vendor the configuration and the command line can name: `[backend]` (tagged on
// `kind`), the vendors the demo simulates, each vendor's `init` template and token default,
// and the clients they build. A new vendor is a variant of `Vendor` and of `BackendConfig`
// plus one arm in each match below.

use secrecy::SecretString;
use std::sync::Arc;

/// A helpdesk vendor: a `kind` of `[backend]`, and what the demo can simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Vendor {
    /// Intercom.
    #[default]
    Intercom,
    /// Zendesk Support.
    Zendesk,
}

impl Vendor {
    /// Every vendor, in the order help texts list them.
    pub const ALL: &'static [Vendor] = &[Vendor::Intercom, Vendor::Zendesk];

    /// The name in the config and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Vendor::Intercom => intercom::config::NAME,
            Vendor::Zendesk => zendesk::config::NAME,
        }
    }

    /// The vendor called `name` (any case); the error lists the known ones.
    pub fn by_name(name: &str) -> Result<Vendor, String> {
        Vendor::ALL
            .iter()
            .copied()
            .find(|v| v.name().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                format!(
                    "unknown vendor {name:?} (known: {})",
                    Vendor::names().join(", ")
                )
            })
    }

    /// The known vendor names.
    pub fn names() -> Vec<&'static str> {
        Vendor::ALL.iter().map(|v| v.name()).collect()
    }

    /// The keys of this vendor's `[backend]` section, besides `kind`.
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            Vendor::Intercom => intercom::config::KEYS,
            Vendor::Zendesk => zendesk::config::KEYS,
        }
    }

    /// The environment variable holding the token unless `token_env` says otherwise.
    pub fn token_env(self) -> &'static str {
        match self {
            Vendor::Intercom => intercom::config::TOKEN_ENV,
            Vendor::Zendesk => zendesk::config::TOKEN_ENV,
        }
    }

    /// How this vendor signs and shapes its webhooks.
    pub fn webhooks(self) -> &'static webhook::WebhookFormat {
        match self {
            Vendor::Intercom => &intercom::webhook::FORMAT,
            Vendor::Zendesk => &zendesk::webhook::FORMAT,
        }
    }

    /// The commented `[backend]` section `shiftlead init` writes for this vendor.
    pub fn init_template(self, region: &str) -> Result<String, BackendError> {
        match self {
            Vendor::Intercom => intercom::config::init_template(region),
            Vendor::Zendesk => zendesk::config::init_template(region),
        }
    }

    /// This vendor's client pointed at a simulator of it (the demo), labelled `demo`, on
    /// the simulator's clock.
    pub fn simulator_client(
        self,
        base_url: String,
        token: SecretString,
        timeout: Duration,
        clock: crate::clock::SharedClock,
    ) -> Result<Arc<dyn Helpdesk>, BackendError> {
        match self {
            Vendor::Intercom => {
                let mut s = intercom::IntercomSettings::new(base_url, token, "demo");
                s.timeout = timeout;
                Ok(Arc::new(intercom::IntercomClient::new(
                    s.with_clock(clock),
                )?))
            }
            Vendor::Zendesk => {
                let auth = transport::Auth::Bearer(token);
                let mut s = zendesk::ZendeskSettings::new(base_url, auth, "demo");
                s.timeout = timeout;
                Ok(Arc::new(zendesk::ZendeskClient::new(s.with_clock(clock))?))
            }
        }
    }
}

impl std::fmt::Display for Vendor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Vendor {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Vendor::by_name(s)
    }
}

impl<'de> serde::Deserialize<'de> for Vendor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Vendor::by_name(&s).map_err(serde::de::Error::custom)
    }
}

/// Where a vendor's API token comes from; resolving it is the same for every vendor.
#[derive(Debug, Clone, Copy)]
pub struct TokenSource<'a> {
    /// The environment variable tried first.
    pub env: &'a str,
    /// A shell command printing the token, tried when the variable is unset.
    pub command: Option<&'a str>,
    /// The token written in the config file.
    pub inline: Option<&'a SecretString>,
}

/// A secret string, wrapped at once so it never reaches a `Debug` or log; empty is none.
pub(crate) fn secret<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<SecretString>, D::Error> {
    let s = <String as serde::Deserialize>::deserialize(d)?;
    let s = s.trim();
    Ok((!s.is_empty()).then(|| SecretString::from(s.to_owned())))
}

/// `[backend]` with `kind = "demo"`: the embedded simulator of `vendor`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(default)]
pub struct DemoConfig {
    /// The vendor simulated.
    pub vendor: Vendor,
    /// Seed of the simulated workspace.
    pub seed: u64,
    /// Injected faults: `none`, `flaky`, `chaos` or a fault-profile file.
    pub faults: String,
    /// Per-request timeout.
    #[serde(deserialize_with = "crate::duration::positive")]
    pub timeout: Duration,
}

impl DemoConfig {
    /// The keys of the demo section, besides `kind`.
    pub const KEYS: &'static [&'static str] = &["vendor", "seed", "faults", "timeout"];

    /// The demo of `vendor` with the defaults.
    pub fn of(vendor: Vendor) -> DemoConfig {
        DemoConfig {
            vendor,
            ..DemoConfig::default()
        }
    }
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            vendor: Vendor::default(),
            seed: 42,
            faults: "none".into(),
            timeout: Duration::from_secs(10),
        }
    }
}

/// `[backend]`, tagged on `kind`: the demo, or one vendor's section.
#[derive(Debug, Clone)]
pub enum BackendConfig {
    /// `kind = "demo"` (also: no `[backend]` at all).
    Demo(DemoConfig),
    /// `kind = "intercom"`.
    Intercom(intercom::config::IntercomConfig),
    /// `kind = "zendesk"`.
    Zendesk(zendesk::config::ZendeskConfig),
    /// `kind = "team"`: the workspace as a relay publishes it on NATS.
    Team(team::TeamConfig),
}

impl Default for BackendConfig {
    fn default() -> Self {
        BackendConfig::Demo(DemoConfig::default())
    }
}

impl BackendConfig {
    /// The `kind` of the demo.
    pub const DEMO: &'static str = "demo";

    /// Every `kind`: the demo, then each vendor.
    pub fn kinds() -> Vec<&'static str> {
        std::iter::once(Self::DEMO)
            .chain(Vendor::names())
            .chain(std::iter::once(team::KIND))
            .collect()
    }

    /// The keys a `kind` accepts besides `kind` itself, or `None` for an unknown kind.
    pub fn keys_of(kind: &str) -> Option<&'static [&'static str]> {
        if kind == Self::DEMO {
            return Some(DemoConfig::KEYS);
        }
        if kind == team::KIND {
            return Some(team::TeamConfig::KEYS);
        }
        Vendor::ALL
            .iter()
            .find(|v| v.name() == kind)
            .map(|v| v.keys())
    }

    /// The section of `kind` read from `d`, a deserializer over the whole `[backend]` table
    /// (the `kind` key in it is left unread). The error of an unknown kind lists the known.
    pub fn deserialize_kind<'de, D: serde::Deserializer<'de>>(
        kind: &str,
        d: D,
    ) -> Result<Self, D::Error> {
        use serde::Deserialize;
        if kind == Self::DEMO {
            return DemoConfig::deserialize(d).map(BackendConfig::Demo);
        }
        if kind == team::KIND {
            return team::TeamConfig::deserialize(d).map(BackendConfig::Team);
        }
        match Vendor::by_name(kind) {
            Ok(Vendor::Intercom) => {
                intercom::config::IntercomConfig::deserialize(d).map(BackendConfig::Intercom)
            }
            Ok(Vendor::Zendesk) => {
                zendesk::config::ZendeskConfig::deserialize(d).map(BackendConfig::Zendesk)
            }
            Err(_) => Err(serde::de::Error::custom(format!(
                "unknown backend kind {kind:?} (known: {})",
                Self::kinds().join(", ")
            ))),
        }
    }

    /// `true` for a vendor's section (not the demo, not team mode).
    pub fn is_vendor(&self) -> bool {
        Vendor::names().contains(&self.kind())
    }

    /// This section's `kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            BackendConfig::Demo(_) => Self::DEMO,
            BackendConfig::Intercom(_) => Vendor::Intercom.name(),
            BackendConfig::Zendesk(_) => Vendor::Zendesk.name(),
            BackendConfig::Team(_) => team::KIND,
        }
    }

    /// The vendor: the one talked to, or the one the demo simulates.
    pub fn vendor(&self) -> Vendor {
        match self {
            BackendConfig::Demo(d) => d.vendor,
            BackendConfig::Intercom(_) => Vendor::Intercom,
            BackendConfig::Zendesk(_) => Vendor::Zendesk,
            // The relay's vendor; the dashboard learns it from the published capabilities.
            BackendConfig::Team(_) => Vendor::default(),
        }
    }

    /// The per-request timeout.
    pub fn timeout(&self) -> Duration {
        match self {
            BackendConfig::Demo(d) => d.timeout,
            BackendConfig::Intercom(c) => c.timeout,
            BackendConfig::Zendesk(c) => c.timeout,
            BackendConfig::Team(c) => c.timeout,
        }
    }

    /// The demo section, when this is the demo.
    pub fn demo(&self) -> Option<&DemoConfig> {
        match self {
            BackendConfig::Demo(d) => Some(d),
            _ => None,
        }
    }

    /// Where the API token comes from (`None` for the demo, which needs none).
    pub fn token_source(&self) -> Option<TokenSource<'_>> {
        match self {
            BackendConfig::Demo(_) | BackendConfig::Team(_) => None,
            BackendConfig::Intercom(c) => Some(c.token_source()),
            BackendConfig::Zendesk(c) => Some(c.token_source()),
        }
    }

    /// Where the backend is, for `check`.
    pub fn describe(&self) -> String {
        match self {
            BackendConfig::Demo(d) => format!("embedded demo simulator ({})", d.vendor),
            BackendConfig::Intercom(c) => c.describe(),
            BackendConfig::Zendesk(c) => c.describe(),
            BackendConfig::Team(c) => c.describe(),
        }
    }

    /// The client of a live workspace, with its token. The demo is connected by starting the
    /// simulator and calling [`Vendor::simulator_client`].
    pub fn connect(&self, token: SecretString) -> Result<Arc<dyn Helpdesk>, BackendError> {
        match self {
            BackendConfig::Demo(_) => Err(BackendError::Config(
                "the demo connects to its simulator (Vendor::simulator_client)".into(),
            )),
            BackendConfig::Team(_) => Err(BackendError::Config(
                "team mode connects to NATS (connect::connect), not to a helpdesk".into(),
            )),
            BackendConfig::Intercom(c) => Ok(Arc::new(c.client(token)?)),
            BackendConfig::Zendesk(c) => Ok(Arc::new(c.client(token)?)),
        }
    }

    /// The commented `[backend]` section `shiftlead init --backend KIND` writes.
    pub fn init_template(kind: &str, region: &str) -> Result<String, BackendError> {
        if kind == Self::DEMO {
            return Ok(DEMO_TEMPLATE.to_owned());
        }
        if kind == team::KIND {
            return Ok(team::TEMPLATE.to_owned());
        }
        Vendor::by_name(kind)
            .map_err(BackendError::Config)?
            .init_template(region)
    }
}

/// The commented demo section, as `config.example.toml` starts with it.
pub const DEMO_TEMPLATE: &str = r#"[backend]
# "demo" runs an embedded simulator of a helpdesk; other kinds talk to your workspace
# (`shiftlead init --backend KIND` writes that section).
kind = "demo"
# Which helpdesk the demo simulates.
vendor = "intercom"
# Seed of the demo workspace.
seed = 42
# Faults the demo simulator injects: "none", "flaky", "chaos", or a fault-profile TOML file
# (see RELIABILITY.md). Try "flaky" to watch the dashboard ride out a bad network.
faults = "none"
# Per-request timeout.
timeout = "10s"
"#;
