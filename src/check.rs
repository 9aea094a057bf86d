//! `shiftlead check`: can we reach the workspace, is the token good, who are we acting as,
//! and what does this workspace allow — each with its reason.

use crate::backend::Helpdesk;
use crate::domain::capabilities::{Capabilities, Read, Write};
use color_eyre::eyre::{Result, eyre};

/// Runs the checks; returns the report lines. Errors when the workspace cannot be read.
///
/// It never writes: what the static capabilities cannot tell, the backend's read-only
/// [`Helpdesk::probe`] finds out.
pub async fn run(backend: &dyn Helpdesk, where_: &str, read_only: bool) -> Result<Vec<String>> {
    let mut out = vec![format!("· backend: {where_}")];
    let snapshot = backend
        .snapshot()
        .await
        .map_err(|e| eyre!("cannot read the workspace at {where_}: {e}"))?;
    out.push("✓ reached the API and the token was accepted".into());
    let me = snapshot
        .workspace
        .me
        .as_ref()
        .and_then(|id| snapshot.teammate(id))
        .map_or_else(|| "unknown".into(), |t| format!("{} <{}>", t.name, t.email));
    out.push(format!(
        "✓ acting as {me} in \"{}\"",
        snapshot.workspace.name
    ));
    out.push(format!(
        "✓ read {} inboxes, {} teammates, {} open conversations, {} away reasons",
        snapshot.inboxes.len(),
        snapshot.teammates.len(),
        snapshot.conversations.len(),
        snapshot.away_reasons.len()
    ));
    for w in &snapshot.warnings {
        out.push(format!("⚠ {w}"));
    }
    // Probes read only: `check` never writes to the workspace.
    for probe in backend.probe().await {
        let mark = if probe.ok { "✓" } else { "·" };
        out.push(format!("{mark} {}: {}", probe.what, probe.detail));
    }
    out.push("capabilities:".into());
    out.extend(capability_lines(&backend.capabilities(), read_only));
    Ok(out)
}

/// One line per capability: name, level, reason.
pub fn capability_lines(c: &Capabilities, read_only: bool) -> Vec<String> {
    let read = |name: &str, r: &Read| match r {
        Read::Exact => format!("  {name:<16} exact"),
        Read::Estimated(why) => format!("  {name:<16} estimated — {why}"),
        Read::Unavailable(why) => format!("  {name:<16} unavailable — {why}"),
    };
    let write = |name: &str, w: &Write| match (w, read_only) {
        (_, true) => format!("  {name:<16} off — read-only mode"),
        (Write::Available, _) => format!("  {name:<16} available"),
        (Write::Unavailable(why), _) => format!("  {name:<16} unavailable — {why}"),
    };
    vec![
        read("inboxes", &c.inboxes),
        read("member levels", &c.member_levels),
        read("load", &c.load),
        read("caps", &c.caps),
        read("SLA deadlines", &c.sla_deadlines),
        read("away", &c.away),
        read("away since", &c.away_since),
        write("reassign", &c.assign),
        write("set away", &c.set_away),
        write("membership", &c.membership),
        write("default inbox", &c.default_inbox),
        format!(
            "  {:<16} {}",
            "presence",
            if c.presence.is_empty() {
                "none can be set".to_owned()
            } else {
                c.presence
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ),
    ]
}
