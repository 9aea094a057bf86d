//! The command line: `shiftlead [--config FILE] [COMMAND]`.

use crate::backend::{BackendConfig, Vendor};
use crate::sim::SimVendor;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// A terminal dashboard for customer-support shift leads: queue depth per inbox, teammate
/// load versus cap, SLA countdowns and away status, live.
///
/// With no config it opens on an embedded demo workspace.
#[derive(Debug, Parser)]
#[command(name = "shiftlead", version, about, long_about)]
pub struct Cli {
    /// Config file (default: the platform config dir's shiftlead/config.toml, else the demo).
    #[arg(
        long,
        short = 'c',
        global = true,
        value_name = "FILE",
        env = "SHIFTLEAD_CONFIG"
    )]
    pub config: Option<PathBuf>,

    /// Open the embedded demo of this helpdesk vendor, ignoring any config file.
    #[arg(long, global = true, value_name = "VENDOR", value_parser = vendor_parser())]
    pub demo: Option<Vendor>,

    /// No writes: every write path is refused (keys show "read-only").
    #[arg(long, global = true)]
    pub read_only: bool,

    /// Poll interval, e.g. "10s" (overrides ui.refresh).
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_duration)]
    pub refresh: Option<std::time::Duration>,

    /// Hide conversation titles and customer details on screen (overrides ui.privacy).
    #[arg(long, global = true)]
    pub privacy: bool,

    /// What to do; without a command the dashboard opens.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Take one full snapshot and print it with the derived metrics.
    Snapshot {
        /// Print JSON (the only format for now).
        #[arg(long, required = true)]
        json: bool,
    },
    /// Assign a conversation to a teammate or an inbox, or unassign it.
    ///
    /// Like every write command: names match ignoring case and accents; what is already so
    /// is not written ("· nothing to do"); what the dashboard would ask about first is
    /// refused without --force.
    #[command(group(clap::ArgGroup::new("target").required(true).args(["to", "inbox", "unassign"])))]
    Assign {
        /// Conversation id.
        conversation: String,
        /// Teammate: id, email, or a unique prefix of the name or of a word in it.
        #[arg(long)]
        to: Option<String>,
        /// Inbox: id, name, or a unique prefix of the name or of a word in it.
        #[arg(long)]
        inbox: Option<String>,
        /// Remove the teammate assignee.
        #[arg(long)]
        unassign: bool,
        /// Write even what the dashboard would ask about first: an assignee away or over cap,
        /// an inbox left with no members, unassigning where the inbox hands work out again.
        #[arg(long)]
        force: bool,
    },
    /// Add a teammate to an inbox (primary unless --secondary), optionally leaving another.
    Move {
        /// Teammate: id, email, or a unique prefix of the name or of a word in it.
        teammate: String,
        /// Inbox to join (or change level in): id, name, or a unique prefix of the name or of
        /// a word in it.
        #[arg(long)]
        to: String,
        /// Join as a secondary member.
        #[arg(long)]
        secondary: bool,
        /// Inbox to leave: id, name, or a unique prefix of the name or of a word in it.
        #[arg(long)]
        from: Option<String>,
        /// Write even what the dashboard would ask about first: an assignee away or over cap,
        /// an inbox left with no members, unassigning where the inbox hands work out again.
        #[arg(long)]
        force: bool,
    },
    /// Set a teammate away.
    Away {
        /// Teammate: id, email, or a unique prefix of the name or of a word in it.
        teammate: String,
        /// Away reason (label, e.g. "On a break", or id).
        #[arg(long)]
        reason: Option<String>,
        /// Reassign new replies to their conversations while away.
        #[arg(long)]
        reassign: bool,
        /// Write even what the dashboard would ask about first: an assignee away or over cap,
        /// an inbox left with no members, unassigning where the inbox hands work out again.
        #[arg(long)]
        force: bool,
    },
    /// Set a teammate back from away.
    Back {
        /// Teammate: id, email, or a unique prefix of the name or of a word in it.
        teammate: String,
        /// Write even what the dashboard would ask about first: an assignee away or over cap,
        /// an inbox left with no members, unassigning where the inbox hands work out again.
        #[arg(long)]
        force: bool,
    },
    /// Write a commented config file to the platform config dir (mode 600).
    Init {
        /// Backend kind to configure: a vendor, or the demo.
        #[arg(long, value_parser = PossibleValuesParser::new(BackendConfig::kinds()),
              default_value = Vendor::default().name())]
        backend: String,
        /// Data region of the workspace, for vendors that have them: us, eu or au.
        #[arg(long, default_value = "us")]
        region: String,
        /// Write here instead of the platform config dir.
        #[arg(long, value_name = "FILE")]
        path: Option<std::path::PathBuf>,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Check connectivity, the token, the acting admin and what this workspace allows.
    Check,
    /// Write a Markdown summary of the shift for the next lead.
    Handoff {
        /// How far back the shift goes, e.g. "8h".
        #[arg(long, default_value = "8h", value_parser = parse_duration)]
        since: std::time::Duration,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Print a shell completion script.
    Completions {
        /// bash, zsh or fish.
        #[arg(value_parser = ["bash", "zsh", "fish"])]
        shell: String,
    },
    /// Print the man page (roff).
    Man,
    /// Team mode: poll the `[backend]` workspace and publish it on NATS for every dashboard
    /// with `kind = "team"` (see `[relay]`); serve their writes. Run two for failover.
    Relay {
        /// This relay's name in the lease and heartbeat (overrides relay.id).
        #[arg(long)]
        id: Option<String>,
    },
    /// Run the demo's helpdesk simulator as a server until Ctrl-C.
    Simulate {
        /// Address to listen on (loopback only: the simulator speaks plain HTTP).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Seed for the simulated workspace.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Scenario file (default: the built-in demo workspace).
        #[arg(long, value_name = "FILE")]
        scenario: Option<PathBuf>,
        /// API token clients must send (default: a random one, printed at start).
        #[arg(long, env = "SHIFTLEAD_SIM_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Whose API to speak (default: the first of the simulator's vendors).
        #[arg(long, value_name = "VENDOR", value_parser = sim_vendor_parser())]
        vendor: Option<SimVendor>,
        /// Requests allowed per rate-limit window, in the vendor's window (default: the
        /// vendor's demo limit).
        #[arg(long)]
        rate_limit: Option<u32>,
        /// Workspace size: demo (the built-in scenario), large (2,000 teammates, 300 inboxes,
        /// 100,000 open conversations) or xl (10,000 / 1,000 / 500,000).
        #[arg(long, default_value = "demo", conflicts_with = "scenario")]
        scale: String,
        /// Injected faults: none, flaky, chaos, or a fault-profile TOML file.
        #[arg(long, value_name = "PROFILE", default_value = "none")]
        faults: String,
        /// POST the vendor's signed webhooks for every change in the world to this URL
        /// (e.g. a relay's `[relay] webhook_listen`), as the vendor would.
        #[arg(long, value_name = "URL", requires = "webhook_secret")]
        webhook: Option<String>,
        /// The secret the webhooks are signed with (the relay's webhook secret).
        #[arg(
            long,
            value_name = "SECRET",
            env = "SHIFTLEAD_SIM_WEBHOOK_SECRET",
            hide_env_values = true
        )]
        webhook_secret: Option<String>,
    },
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    crate::duration::parse_at_least(s, std::time::Duration::from_secs(1)).map_err(|e| e.to_string())
}

/// `--demo VENDOR`: the registry's vendors (clap lists them on a mistake).
fn vendor_parser() -> impl TypedValueParser<Value = Vendor> {
    PossibleValuesParser::new(Vendor::names()).try_map(|name| Vendor::by_name(&name))
}

/// `simulate --vendor VENDOR`: the simulator's vendors.
fn sim_vendor_parser() -> impl TypedValueParser<Value = SimVendor> {
    let names: Vec<&'static str> = SimVendor::ALL.iter().map(|v| v.name()).collect();
    PossibleValuesParser::new(names).try_map(|name| name.parse::<SimVendor>())
}

/// Writes the completion script for `shell` (bash, zsh or fish).
/// Writes to standard output, flushed. A closed pipe (`shiftlead snapshot --json | head -1`)
/// comes back as an `io::Error` of kind `BrokenPipe`, never a panic; `main` then ends quietly.
pub fn out(text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

/// The conventional exit status of a process whose output pipe closed (128 + SIGPIPE).
pub const BROKEN_PIPE_STATUS: u8 = 141;

/// `true` when `e` (or anything in its chain) is a closed output pipe.
pub fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(err) = next {
        if err
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        {
            return true;
        }
        next = err.source();
    }
    false
}

pub fn completions(shell: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    use clap::CommandFactory;
    use clap_complete::Shell;
    let shell = match shell {
        "bash" => Shell::Bash,
        "zsh" => Shell::Zsh,
        "fish" => Shell::Fish,
        other => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("unsupported shell {other:?}"),
            ));
        }
    };
    // clap_complete panics on a failed write, so it writes to memory first.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "shiftlead", &mut script);
    out.write_all(&script)?;
    out.flush()
}

/// Writes the man page (roff) generated from the CLI definition.
pub fn man(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    use clap::CommandFactory;
    clap_mangen::Man::new(Cli::command()).render(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn config_is_accepted_before_or_after_the_subcommand() {
        let a = Cli::parse_from(["shiftlead", "--config", "a.toml", "snapshot", "--json"]);
        let b = Cli::parse_from(["shiftlead", "snapshot", "--json", "--config", "a.toml"]);
        assert_eq!(a.config, b.config);
        assert!(matches!(b.command, Some(Command::Snapshot { json: true })));
    }

    #[test]
    fn completions_and_man_page_are_generated_from_the_definition() {
        for shell in ["bash", "zsh", "fish"] {
            let mut out = Vec::new();
            completions(shell, &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            assert!(
                text.contains("shiftlead") && text.contains("snapshot"),
                "{shell}"
            );
        }
        assert!(completions("tcsh", &mut Vec::new()).is_err());
        let mut out = Vec::new();
        man(&mut out).unwrap();
        let roff = String::from_utf8(out).unwrap();
        assert!(
            roff.contains(".TH shiftlead") && roff.contains("simulate"),
            "{roff}"
        );
    }

    #[test]
    fn demo_takes_a_vendor_from_the_registry() {
        for name in Vendor::names() {
            let c = Cli::parse_from(["shiftlead", "--demo", name, "snapshot", "--json"]);
            assert_eq!(c.demo.map(Vendor::name), Some(name));
        }
        let e = Cli::try_parse_from(["shiftlead", "--demo", "nope"]).unwrap_err();
        let text = e.to_string();
        for name in Vendor::names() {
            assert!(text.contains(name), "{text}");
        }
        let c = Cli::parse_from(["shiftlead", "init"]);
        let Some(Command::Init { backend, .. }) = c.command else {
            panic!()
        };
        assert_eq!(backend, Vendor::default().name());
        assert!(Cli::try_parse_from(["shiftlead", "init", "--backend", "nope"]).is_err());
    }

    #[test]
    fn refresh_flag_is_validated() {
        let c = Cli::parse_from(["shiftlead", "--refresh", "10s"]);
        assert_eq!(c.refresh, Some(std::time::Duration::from_secs(10)));
        assert!(Cli::try_parse_from(["shiftlead", "--refresh", "10ms"]).is_err());
    }
}
