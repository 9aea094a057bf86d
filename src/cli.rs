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

/// Writes the man page (roff) generated from the CLI definition, the keymap's defaults, the
/// program's own path functions and the environment it reads. One page: the subcommands are
/// described on it (no `shiftlead-COMMAND(1)` pages are referred to, since none is made).
pub fn man(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    use clap::CommandFactory;
    let cmd = Cli::command();
    let page = clap_mangen::Man::new(cmd.clone());
    page.render_title(out)?;
    page.render_name_section(out)?;
    page.render_synopsis_section(out)?;
    page.render_description_section(out)?;
    page.render_options_section(out)?;
    let mut text = String::from(".SH COMMANDS\n");
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let about = sub
            .get_long_about()
            .or(sub.get_about())
            .map(|a| a.to_string())
            .unwrap_or_default();
        text.push_str(&format!(
            ".TP\n\\fBshiftlead {}\\fR\n{}\n",
            roff(sub.get_name()),
            roff_text(&about)
        ));
        let args: Vec<&clap::Arg> = sub
            .get_arguments()
            .filter(|a| !a.is_hide_set() && !a.is_global_set())
            .filter(|a| !matches!(a.get_id().as_str(), "help" | "version"))
            .collect();
        if args.is_empty() {
            continue;
        }
        text.push_str(".RS\n");
        for a in args {
            let value = a
                .get_value_names()
                .and_then(|v| v.first())
                .filter(|_| a.get_action().takes_values())
                .map(|v| format!(" \\fI{}\\fR", roff(v)))
                .unwrap_or_default();
            let name = match (a.get_long(), a.get_short()) {
                (Some(l), _) => format!("\\-\\-{}\\fR{value}\\fB", roff(l)),
                (None, Some(c)) => format!("\\-{c}\\fR{value}\\fB"),
                (None, None) => format!(
                    "\\fI{}\\fR",
                    roff(
                        &a.get_value_names()
                            .and_then(|v| v.first())
                            .map_or_else(|| a.get_id().as_str().to_uppercase(), |v| v.to_string())
                    )
                ),
            };
            let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
            text.push_str(&format!(".TP\n\\fB{name}\\fR\n{}\n", roff_text(&help)));
        }
        text.push_str(".RE\n");
    }
    text.push_str(&man_keys());
    text.push_str(&man_files());
    text.push_str(&man_environment());
    out.write_all(text.as_bytes())?;
    page.render_version_section(out)
}

/// Text escaped for roff: backslashes and hyphens.
fn roff(text: &str) -> String {
    text.replace('\\', "\\e").replace('-', "\\-")
}

/// A paragraph escaped for roff, no line starting with a control character.
fn roff_text(text: &str) -> String {
    text.lines()
        .map(|l| {
            let l = roff(l.trim_end());
            if l.starts_with(['.', '\'']) {
                format!("\\&{l}")
            } else if l.is_empty() {
                ".sp".to_owned()
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// KEYS: every action of the keymap with its default keys and its `[keys]` name.
fn man_keys() -> String {
    use crate::app::keymap::{Action, KeySpec};
    let mut text = String::from(
        ".SH KEYS\nThe dashboard's default keys; rebind any in the config's \\fB[keys]\\fR \
         table under the name given. Ctrl\\-c always quits.\n",
    );
    for (_, name, what, keys) in Action::ALL {
        let keys: Vec<String> = keys
            .iter()
            .map(|k| KeySpec::parse(k).map_or_else(|_| (*k).to_owned(), |s| s.to_string()))
            .map(|k| format!("\\fB{}\\fR", roff(&k)))
            .collect();
        text.push_str(&format!(
            ".TP\n{}\n{} (\\fI{}\\fR)\n",
            keys.join(", "),
            roff_text(what),
            roff(name)
        ));
    }
    text
}

/// FILES: where the program reads and writes, from its own path functions.
fn man_files() -> String {
    let shown = |p: Option<std::path::PathBuf>| {
        p.map_or_else(
            || "(none on this platform)".to_owned(),
            |p| p.display().to_string(),
        )
    };
    let files = [
        (
            shown(crate::config::default_path()),
            "the config file, unless \\-\\-config or SHIFTLEAD_CONFIG names another; \
             without one the demo runs",
        ),
        (
            shown(crate::audit::Audit::default_path()),
            "the audit log: JSON lines, an intent before each write and its outcome after",
        ),
        (
            shown(crate::state::blocks_path()),
            "off\\-queue blocks in progress, kept across restarts",
        ),
        (
            shown(crate::logging::log_dir().map(|d| d.join("shiftlead.log"))),
            "the log (the terminal belongs to the dashboard); panic reports are written beside it",
        ),
        (
            shown(crate::state::data_dir()),
            "the data dir: the audit log, blocks, handoffs (handoff\\-YYYYMMDD\\-HHMM.md)",
        ),
    ];
    let mut text = String::from(".SH FILES\n");
    for (path, what) in files {
        text.push_str(&format!(".TP\n\\fI{}\\fR\n{what}\n", roff(&path)));
    }
    text
}

/// Every environment variable the program reads, with what for: (name, description).
pub fn environment() -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = Vendor::names()
        .into_iter()
        .filter_map(|n| Vendor::by_name(n).ok())
        .map(|v| {
            (
                v.token_env().to_owned(),
                format!("the {} API token (the default of token_env)", v.name()),
            )
        })
        .collect();
    vars.extend(
        [
            ("SHIFTLEAD_CONFIG", "the config file (as \\-\\-config)"),
            (
                "NO_COLOR",
                "set and not empty: no colour (meaning stays in text)",
            ),
            (
                "SHIFTLEAD_LOG",
                "the log filter, e.g. debug or shiftlead=trace (default info)",
            ),
            (
                "SHIFTLEAD_DEMO_AT",
                "a timestamp: the demo runs on a clock stopped there (the same workspace on \
                 every run)",
            ),
            (
                crate::backend::team::PASSWORD_ENV,
                "team mode: the lead's NATS password (the default of password_env)",
            ),
            (
                crate::backend::team::TOKEN_ENV,
                "team mode: the lead's NATS token (the default of token_env)",
            ),
            (
                crate::backend::team::WEBHOOK_SECRET_ENV,
                "team mode: the relay's webhook secret (the default of webhook_secret_env)",
            ),
            (
                "SHIFTLEAD_SIM_TOKEN",
                "simulate: the API token clients must send",
            ),
            (
                "SHIFTLEAD_SIM_WEBHOOK_SECRET",
                "simulate: the secret webhooks are signed with",
            ),
        ]
        .map(|(n, d)| (n.to_owned(), d.to_owned())),
    );
    vars
}

/// ENVIRONMENT: [`environment`] as roff.
fn man_environment() -> String {
    let mut text = String::from(".SH ENVIRONMENT\n");
    for (name, what) in environment() {
        text.push_str(&format!(".TP\n\\fB{}\\fR\n{what}\n", roff(&name)));
    }
    text
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
