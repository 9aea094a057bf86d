//! The command line: `shiftlead [--config FILE] [COMMAND]`.

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

    /// No writes: every write path is refused (keys show "read-only").
    #[arg(long, global = true)]
    pub read_only: bool,

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
    #[command(group(clap::ArgGroup::new("target").required(true).args(["to", "inbox", "unassign"])))]
    Assign {
        /// Conversation id.
        conversation: String,
        /// Teammate: id, email or unique name prefix.
        #[arg(long)]
        to: Option<String>,
        /// Inbox: id or name.
        #[arg(long)]
        inbox: Option<String>,
        /// Remove the teammate assignee.
        #[arg(long)]
        unassign: bool,
    },
    /// Add a teammate to an inbox (primary unless --secondary), optionally leaving another.
    Move {
        /// Teammate: id, email or unique name prefix.
        teammate: String,
        /// Inbox to join (or change level in): id or name.
        #[arg(long)]
        to: String,
        /// Join as a secondary member.
        #[arg(long)]
        secondary: bool,
        /// Inbox to leave: id or name.
        #[arg(long)]
        from: Option<String>,
    },
    /// Set a teammate away.
    Away {
        /// Teammate: id, email or unique name prefix.
        teammate: String,
        /// Away reason (label, e.g. "On a break", or id).
        #[arg(long)]
        reason: Option<String>,
        /// Reassign new replies to their conversations while away.
        #[arg(long)]
        reassign: bool,
    },
    /// Set a teammate back from away.
    Back {
        /// Teammate: id, email or unique name prefix.
        teammate: String,
    },
    /// Run the Intercom-compatible simulator as a server until Ctrl-C.
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
        /// Bearer token clients must send (default: a random one, printed at start).
        #[arg(long, env = "SHIFTLEAD_SIM_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Requests allowed per 10-second window.
        #[arg(long, default_value_t = 1000)]
        rate_limit: u32,
    },
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
}
