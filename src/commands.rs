//! The scriptable write commands (`assign`, `move`, `away`, `back`): resolve names against a
//! fresh snapshot, plan, and run through the same executor as the dashboard's keys — with the
//! dashboard's care: what is already so is not written, and what the dashboard would ask
//! about first is refused unless `--force`.

use crate::backend::Helpdesk;
use crate::cli::Command;
use crate::domain::Capabilities;
use crate::domain::actions::{
    self, AssignTarget, MemberChange, Planned, PresenceChange, State, Write,
};
use crate::domain::{
    self, ConversationId, InboxId, Level, Policy, PresenceStatus, Snapshot, TeammateId,
};
use crate::writes::{Executor, Outcome};
use color_eyre::eyre::{Result, bail, eyre};

/// `s` lowercased with accents folded away, for matching names: "Zoë Müller" → "zoe muller".
/// Precomposed Latin letters map to their base letters (ß → ss, æ → ae, …) and combining
/// marks are dropped.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let base = match c {
            // Combining diacritical marks (a decomposed "e\u{301}").
            '\u{300}'..='\u{36f}' => continue,
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
            'æ' => "ae",
            'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
            'ď' | 'đ' | 'ð' => "d",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
            'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
            'ĥ' | 'ħ' => "h",
            'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
            'ĵ' => "j",
            'ķ' => "k",
            'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
            'ñ' | 'ń' | 'ņ' | 'ň' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
            'œ' => "oe",
            'ŕ' | 'ŗ' | 'ř' => "r",
            'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
            'ß' => "ss",
            'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
            'þ' => "th",
            'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
            'ŵ' => "w",
            'ý' | 'ÿ' | 'ŷ' => "y",
            'ź' | 'ż' | 'ž' => "z",
            other => {
                out.push(other);
                continue;
            }
        };
        out.push_str(base);
    }
    out
}

/// One of `items` by name, as `kind` ("teammate", "inbox"): an exact name wins (case and
/// accents ignored), else the one whose name, or a word of it, starts with `key`. Several
/// matches are an error that lists them.
fn by_name<'a, T>(
    kind: &str,
    key: &str,
    items: &'a [T],
    name: impl Fn(&T) -> &str,
) -> Result<&'a T> {
    let k = fold(key.trim());
    if k.is_empty() {
        bail!("no {kind} matches {key:?}");
    }
    let exact: Vec<&T> = items.iter().filter(|x| fold(name(x)) == k).collect();
    let found = match exact.as_slice() {
        [one] => return Ok(one),
        [] => items
            .iter()
            .filter(|x| {
                let n = fold(name(x));
                n.starts_with(&k) || n.split_whitespace().any(|w| w.starts_with(&k))
            })
            .collect(),
        _ => exact,
    };
    match found.as_slice() {
        [one] => Ok(one),
        [] => bail!("no {kind} matches {key:?}"),
        many => bail!(
            "{key:?} matches {} {kind}s ({}); be more specific",
            many.len(),
            many.iter().map(|x| name(x)).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A teammate by id, email, or name: exact, else a unique prefix of the name or of a word in
/// it ("kai", "muller" for Kai Müller), case and accents ignored.
pub fn find_teammate(s: &Snapshot, key: &str) -> Result<TeammateId> {
    let k = key.trim();
    if let Some(t) = s
        .teammates
        .iter()
        .find(|t| t.id.as_str() == k || t.email.eq_ignore_ascii_case(k))
    {
        return Ok(t.id.clone());
    }
    by_name("teammate", key, &s.teammates, |t| &t.name).map(|t| t.id.clone())
}

/// An inbox by id, or name: exact, else a unique prefix of the name or of a word in it
/// ("esc" for Escalations), case and accents ignored.
pub fn find_inbox(s: &Snapshot, key: &str) -> Result<InboxId> {
    if let Some(i) = s.inboxes.iter().find(|i| i.id.as_str() == key.trim()) {
        return Ok(i.id.clone());
    }
    by_name("inbox", key, &s.inboxes, |i| &i.name).map(|i| i.id.clone())
}

/// Plans a write command against `s`, under the backend's rules (`caps`). Writes that would
/// change nothing stay in the plan ([`already`] tells them); a membership already in place
/// plans nothing at all.
pub fn plan(s: &Snapshot, command: &Command, caps: &Capabilities) -> Result<Vec<Planned>> {
    Ok(match command {
        Command::Assign {
            conversation,
            to,
            inbox,
            unassign,
            ..
        } => {
            let id = ConversationId::from(conversation.clone());
            if s.conversation(&id).is_none() {
                bail!("no open conversation {conversation}");
            }
            let target = match (to, inbox, unassign) {
                (Some(t), _, _) => AssignTarget::Teammate(find_teammate(s, t)?),
                (_, Some(i), _) => AssignTarget::Inbox(find_inbox(s, i)?),
                (_, _, true) => AssignTarget::UnassignTeammate,
                _ => bail!("say --to, --inbox or --unassign"),
            };
            actions::plan_assign_in(s, &[id], &target, caps)
        }
        Command::Move {
            teammate,
            to,
            secondary,
            from,
            ..
        } => {
            let t = find_teammate(s, teammate)?;
            let to = find_inbox(s, to)?;
            let from = from.as_deref().map(|f| find_inbox(s, f)).transpose()?;
            actions::plan_move(s, &t, &to, level(*secondary), from.as_ref())?
        }
        Command::Away {
            teammate,
            reason,
            reassign,
            ..
        } => {
            let t = find_teammate(s, teammate)?;
            let reason = match reason {
                None => None,
                Some(r) => Some(
                    s.away_reasons
                        .iter()
                        .find(|x| !x.deleted && (x.id.as_str() == r || fold(&x.label) == fold(r)))
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
        Command::Back { teammate, .. } => {
            let t = find_teammate(s, teammate)?;
            actions::plan_presence(s, &t, PresenceChange::online())
                .into_iter()
                .collect()
        }
        _ => bail!("not a write command"),
    })
}

fn level(secondary: bool) -> Level {
    if secondary {
        Level::Secondary
    } else {
        Level::Primary
    }
}

/// `true` when the write command says `--force`.
fn forced(command: &Command) -> bool {
    matches!(
        command,
        Command::Assign { force: true, .. }
            | Command::Move { force: true, .. }
            | Command::Away { force: true, .. }
            | Command::Back { force: true, .. }
    )
}

/// What is already so when `p` would change nothing ("Dana Kim is already back"), else `None`.
pub fn already(s: &Snapshot, p: &Planned) -> Option<String> {
    if p.write.expected(&p.before) != p.before {
        return None;
    }
    let mate = |t: &TeammateId| {
        s.teammate(t)
            .map_or_else(|| t.to_string(), |t| t.name.clone())
    };
    let inbox = |i: &InboxId| s.inbox(i).map_or_else(|| i.to_string(), |i| i.name.clone());
    Some(match &p.write {
        Write::Assign {
            conversation,
            target,
        } => match target {
            AssignTarget::Teammate(t) => {
                format!("#{conversation} is already assigned to {}", mate(t))
            }
            AssignTarget::Inbox(i) => format!("#{conversation} is already in {}", inbox(i)),
            AssignTarget::UnassignTeammate => format!("#{conversation} already has no teammate"),
            AssignTarget::UnassignInbox => format!("#{conversation} already has no inbox"),
            AssignTarget::Both { teammate, inbox: i } => format!(
                "#{conversation} is already with {} in {}",
                teammate
                    .as_ref()
                    .map_or_else(|| "no teammate".to_owned(), mate),
                i.as_ref().map_or_else(|| "no inbox".to_owned(), inbox)
            ),
        },
        Write::SetPresence { teammate, change } => match change.status {
            PresenceStatus::Online => format!("{} is already back", mate(teammate)),
            status => {
                let reason = match &p.before {
                    State::Presence {
                        reason: Some(r), ..
                    } => s
                        .away_reasons
                        .iter()
                        .find(|x| &x.id == r)
                        .map(|x| format!(" ({})", x.label))
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                format!("{} is already {status}{reason}", mate(teammate))
            }
        },
        Write::Membership {
            inbox: i,
            teammate,
            change,
        } => match change {
            MemberChange::Set(level) => {
                format!("{} is already {level} in {}", mate(teammate), inbox(i))
            }
            MemberChange::Remove => format!("{} is not in {}", mate(teammate), inbox(i)),
            MemberChange::MakeDefault => {
                format!("{} is already {}'s default inbox", inbox(i), mate(teammate))
            }
        },
        Write::Move { .. } => format!("{}: already so", p.label),
    })
}

/// Why a command planned no write at all (a membership already in place).
fn nothing_planned(s: &Snapshot, command: &Command) -> String {
    if let Command::Move {
        teammate,
        to,
        secondary,
        ..
    } = command
        && let (Ok(t), Ok(i)) = (find_teammate(s, teammate), find_inbox(s, to))
    {
        let name = s
            .teammate(&t)
            .map_or(teammate.as_str(), |t| t.name.as_str());
        let inbox = s.inbox(&i).map_or(to.as_str(), |i| i.name.as_str());
        return format!("{name} is already {} in {inbox}", level(*secondary));
    }
    "it is already so".into()
}

/// Runs a write command on a fresh snapshot (with `policy` applied, figures as of `now`).
///
/// Stdout gets one line per write applied (`✓ …`) and per write left out because it would
/// change nothing (`· nothing to do: …`). A plan the dashboard would ask about first is
/// refused unless `--force`, and nothing is written. Each write that did not apply (`✗`, `⚠`,
/// `?`) is told once, on stderr (the last one as the error), and the command fails.
pub async fn run(
    backend: &dyn Helpdesk,
    executor: &Executor,
    command: &Command,
    policy: &Policy,
    now: jiff::Timestamp,
) -> Result<()> {
    let mut snapshot = backend
        .snapshot()
        .await
        .map_err(|e| eyre!("reading the workspace: {e}"))?;
    policy.apply(&mut snapshot);
    let mut idle = Vec::new();
    let mut writes = Vec::new();
    for p in plan(&snapshot, command, &backend.capabilities())? {
        match already(&snapshot, &p) {
            Some(line) => idle.push(line),
            None => writes.push(p),
        }
    }
    if writes.is_empty() && idle.is_empty() {
        idle.push(nothing_planned(&snapshot, command));
    }
    if !writes.is_empty() && !forced(command) {
        let metrics = domain::derive(&snapshot, policy, now);
        let warnings = actions::warnings_for(&snapshot, &metrics, &backend.capabilities(), &writes);
        if !warnings.is_empty() {
            bail!(
                "not written: {}; add --force to do it anyway",
                warnings.join("; ")
            );
        }
    }
    for line in &idle {
        crate::cli::out(&format!("· nothing to do: {line}\n"))?;
    }
    let total = writes.len();
    let reports = executor.run_all(writes, false).await;
    let mut failed = Vec::new();
    for r in &reports {
        if matches!(r.outcome, Outcome::Applied { .. }) {
            crate::cli::out(&format!("{}\n", r.line()))?;
        } else {
            failed.push(r.line());
        }
    }
    let Some(last) = failed.pop() else {
        return Ok(());
    };
    if failed.is_empty() {
        bail!("{last}");
    }
    for line in &failed {
        crate::say!("shiftlead: {line}");
    }
    bail!(
        "{last} ({} of {total} writes did not apply)",
        failed.len() + 1
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixture;

    #[test]
    fn fold_lowercases_and_strips_accents() {
        assert_eq!(fold("Zoë"), "zoe");
        assert_eq!(fold("Kai Müller"), "kai muller");
        assert_eq!(fold("Rosa JIMÉNEZ"), "rosa jimenez");
        assert_eq!(fold("Tomás Dvořák"), "tomas dvorak");
        assert_eq!(
            fold("Straße Œuvre Æsir Łukasz"),
            "strasse oeuvre aesir lukasz"
        );
        // Decomposed: a letter and a combining mark.
        assert_eq!(fold("Zoe\u{308} Rene\u{301}"), "zoe rene");
        assert_eq!(fold("李 Ana"), "李 ana");
    }

    fn snapshot() -> Snapshot {
        let t0 = fixture::t0();
        let mate = |id: &str, name: &str| domain::Teammate {
            name: name.into(),
            email: format!("{id}@example.com"),
            ..fixture::teammate(id)
        };
        Snapshot {
            inboxes: vec![
                fixture::inbox("i1", "Escalations"),
                fixture::inbox("i2", "Billing"),
                fixture::inbox("i3", "Billing EU"),
                fixture::inbox("i4", "Technical"),
                fixture::inbox("i5", "Tech Debt"),
            ]
            .into(),
            teammates: vec![
                mate("z", "Zoë Adams"),
                mate("k", "Kai Müller"),
                mate("c", "Chidi Okafor"),
                mate("l1", "Lena Fischer"),
                mate("l2", "Lea Rossi"),
                mate("j", "Jo"),
                mate("j2", "Jo Adeyemi"),
            ]
            .into(),
            ..fixture::snapshot(t0)
        }
    }

    #[test]
    fn teammates_by_folded_name_or_word_prefix() {
        let s = snapshot();
        let id = |k: &str| find_teammate(&s, k).map(|t| t.0).map_err(|e| e.to_string());
        assert_eq!(id("chidi").as_deref(), Ok("c"));
        assert_eq!(id("zoe").as_deref(), Ok("z"));
        assert_eq!(id("ZOË").as_deref(), Ok("z"));
        assert_eq!(id("muller").as_deref(), Ok("k"));
        assert_eq!(id("kai mü").as_deref(), Ok("k"));
        assert_eq!(id("K@EXAMPLE.COM").as_deref(), Ok("k"));
        // An exact name wins over the prefix it also is.
        assert_eq!(id("jo").as_deref(), Ok("j"));
        let err = id("le").unwrap_err();
        assert!(
            err.contains("Lena Fischer, Lea Rossi") && err.contains("be more specific"),
            "{err}"
        );
        assert!(id("nobody").unwrap_err().contains("no teammate matches"));
        assert!(id("  ").is_err());
    }

    #[test]
    fn inboxes_by_folded_name_or_prefix() {
        let s = snapshot();
        let id = |k: &str| find_inbox(&s, k).map(|i| i.0).map_err(|e| e.to_string());
        assert_eq!(id("esc").as_deref(), Ok("i1"));
        assert_eq!(id("i4").as_deref(), Ok("i4"));
        assert_eq!(id("billing").as_deref(), Ok("i2"), "exact beats prefix");
        assert_eq!(id("eu").as_deref(), Ok("i3"));
        let err = id("tech").unwrap_err();
        assert!(err.contains("Technical, Tech Debt"), "{err}");
        assert!(id("nowhere").unwrap_err().contains("no inbox matches"));
    }

    #[test]
    fn a_write_that_changes_nothing_says_what_is_already_so() {
        let s = snapshot();
        let k = TeammateId("k".into());
        let back = actions::plan_presence(&s, &k, PresenceChange::online()).unwrap();
        assert_eq!(
            already(&s, &back).as_deref(),
            Some("Kai Müller is already back")
        );
        let away = PresenceChange {
            status: PresenceStatus::Away,
            reason: None,
        };
        let away = actions::plan_presence(&s, &k, away).unwrap();
        assert_eq!(already(&s, &away), None);
    }
}
