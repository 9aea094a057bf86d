//! The scriptable write commands (`assign`, `move`, `away`, `back`): resolve names against a
//! fresh snapshot, plan, and run through the same executor as the dashboard's keys.

use crate::backend::Helpdesk;
use crate::cli::Command;
use crate::domain::actions::{self, AssignTarget, Planned, PresenceChange};
use crate::domain::{ConversationId, InboxId, Level, PresenceStatus, Snapshot, TeammateId};
use crate::writes::{Executor, Outcome};
use color_eyre::eyre::{Result, bail, eyre};

/// A teammate by id, email or unique name prefix (case-insensitive).
pub fn find_teammate(s: &Snapshot, key: &str) -> Result<TeammateId> {
    let k = key.trim().to_lowercase();
    if let Some(t) = s
        .teammates
        .iter()
        .find(|t| t.id.as_str() == key.trim() || t.email.to_lowercase() == k)
    {
        return Ok(t.id.clone());
    }
    let matches: Vec<_> = s
        .teammates
        .iter()
        .filter(|t| !k.is_empty() && t.name.to_lowercase().starts_with(&k))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => bail!("no teammate matches {key:?}"),
        many => bail!(
            "{key:?} matches {} teammates ({}); be more specific",
            many.len(),
            many.iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// An inbox by id or name (case-insensitive).
pub fn find_inbox(s: &Snapshot, key: &str) -> Result<InboxId> {
    s.inboxes
        .iter()
        .find(|i| i.id.as_str() == key.trim() || i.name.eq_ignore_ascii_case(key.trim()))
        .map(|i| i.id.clone())
        .ok_or_else(|| eyre!("no inbox matches {key:?}"))
}

/// Plans a write command against `s`.
pub fn plan(s: &Snapshot, command: &Command) -> Result<Vec<Planned>> {
    Ok(match command {
        Command::Assign {
            conversation,
            to,
            inbox,
            unassign,
        } => {
            let id = ConversationId(conversation.clone());
            if s.conversation(&id).is_none() {
                bail!("no open conversation {conversation}");
            }
            let target = match (to, inbox, unassign) {
                (Some(t), _, _) => AssignTarget::Teammate(find_teammate(s, t)?),
                (_, Some(i), _) => AssignTarget::Inbox(find_inbox(s, i)?),
                (_, _, true) => AssignTarget::UnassignTeammate,
                _ => bail!("say --to, --inbox or --unassign"),
            };
            actions::plan_assign(s, &[id], &target)
        }
        Command::Move {
            teammate,
            to,
            secondary,
            from,
        } => {
            let t = find_teammate(s, teammate)?;
            let to = find_inbox(s, to)?;
            let from = from.as_deref().map(|f| find_inbox(s, f)).transpose()?;
            let level = if *secondary {
                Level::Secondary
            } else {
                Level::Primary
            };
            let plan = actions::plan_move(s, &t, &to, level, from.as_ref())?;
            if plan.is_empty() {
                bail!("nothing to change: already a {level} member");
            }
            plan
        }
        Command::Away {
            teammate,
            reason,
            reassign,
        } => {
            let t = find_teammate(s, teammate)?;
            let reason = match reason {
                None => None,
                Some(r) => Some(
                    s.away_reasons
                        .iter()
                        .find(|x| {
                            !x.deleted && (x.id.as_str() == r || x.label.eq_ignore_ascii_case(r))
                        })
                        .map(|x| x.id.clone())
                        .ok_or_else(|| eyre!("no away reason {r:?}"))?,
                ),
            };
            let change = PresenceChange {
                status: if *reassign {
                    PresenceStatus::AwayReassign
                } else {
                    PresenceStatus::Away
                },
                reason,
            };
            actions::plan_presence(s, &t, change).into_iter().collect()
        }
        Command::Back { teammate } => {
            let t = find_teammate(s, teammate)?;
            let change = PresenceChange::online();
            actions::plan_presence(s, &t, change).into_iter().collect()
        }
        _ => bail!("not a write command"),
    })
}

/// Runs a write command: prints one line per write; errors unless every write applied.
pub async fn run(backend: &dyn Helpdesk, executor: &Executor, command: &Command) -> Result<()> {
    let snapshot = backend
        .snapshot()
        .await
        .map_err(|e| eyre!("reading the workspace: {e}"))?;
    let plan = plan(&snapshot, command)?;
    let reports = executor.run_all(plan, false).await;
    let mut failed = Vec::new();
    for r in &reports {
        crate::cli::out(&format!("{}\n", r.line()))?;
        if !matches!(r.outcome, Outcome::Applied { .. }) {
            failed.push(r.line());
        }
    }
    match failed.as_slice() {
        [] => Ok(()),
        [one] => bail!("{}", one.trim_start_matches(['✗', '⚠', '?', ' '])),
        many => bail!("{} of {} writes did not apply", many.len(), reports.len()),
    }
}
