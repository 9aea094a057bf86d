//! Intercom as a [`ChangeSource`]: a full read (me, teams, admins, away reasons, a search for
//! open conversations), then refreshes of the admins plus a search on `updated_at` since the
//! last refresh minus [`SYNC_SKEW`].

use super::client::{Fingerprint, IntercomClient};
use super::{mapping, wire};
use crate::backend::BackendError;
use crate::backend::cache::{ChangeSource, Changes, FixedChange, FullRead, Intake};
use crate::domain::{AwayReason, Conversations, Inbox, Snapshot, Teammate, TeammateId, Workspace};
use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};

/// How far before the last refresh an incremental search reaches back, for clock skew
/// between the backend and us and for changes landing while a refresh runs.
pub const SYNC_SKEW: SignedDuration = SignedDuration::from_secs(60);

/// How often a full read reconciles the held snapshot.
pub const FULL_EVERY: SignedDuration = SignedDuration::from_mins(10);

/// What Intercom keeps between refreshes besides conversations.
pub struct Fixed {
    /// Teams as last read in full (names, distribution, limits); members are rebuilt from
    /// the admins on every refresh.
    teams: Vec<wire::Team>,
    /// Admins as last read.
    admins: Vec<wire::Admin>,
    /// The fingerprint of the admins' body an incremental read last decoded (`None` after a
    /// full read).
    admins_body: Option<Fingerprint>,
    /// Away reasons as last read in full.
    reasons: Vec<AwayReason>,
    /// Why the last read of away reasons failed; retried on every refresh until it works.
    reasons_failed: Option<String>,
    /// The workspace.
    workspace: Workspace,
    /// The teams' members have been rebuilt from the admins (after the first incremental
    /// read; until then they are the teams' own lists).
    members_from_admins: bool,
}

/// Teams and admins as domain inboxes, with levels reconciled.
pub fn inboxes(teams: &[wire::Team], admins: &[wire::Admin]) -> Vec<Inbox> {
    let mut inboxes: Vec<Inbox> = teams.iter().map(mapping::inbox).collect();
    mapping::apply_admin_levels(&mut inboxes, teams, admins);
    inboxes
}

/// What a re-read of the admins changed: nothing, some admins but not their teams or levels
/// (the teams' members, built from the admins, stay as they are), or anything (an admin
/// came, went or moved, or changed teams).
fn admins_change(held: &[wire::Admin], read: &[wire::Admin]) -> FixedChange {
    if held.len() != read.len() {
        return FixedChange::All;
    }
    let mut changed = Vec::new();
    for (old, new) in held.iter().zip(read) {
        if old == new {
            continue;
        }
        if old.id != new.id
            || old.team_ids != new.team_ids
            || old.team_priority_level != new.team_priority_level
        {
            return FixedChange::All;
        }
        changed.push(TeammateId::from(new.id.clone()));
    }
    if changed.is_empty() {
        FixedChange::Unchanged
    } else {
        FixedChange::Teammates(changed)
    }
}

#[async_trait]
impl ChangeSource for IntercomClient {
    type Fixed = Fixed;
    /// When the last refresh started.
    type Cursor = Timestamp;

    async fn read_all(
        &self,
        started: Timestamp,
        intake: &Intake<'_>,
    ) -> Result<FullRead<Fixed, Timestamp>, BackendError> {
        let open = wire::Query::filter("open", "=", true);
        let (me, teams, admins, reasons, found) = tokio::join!(
            self.me(),
            self.teams(),
            self.admins(),
            self.reasons(),
            self.search_map(open, intake)
        );
        let mut warnings = Vec::new();
        let me = me?;
        let admins = admins?;
        let teams = teams?;
        let (reasons, reasons_failed) = match reasons {
            Ok(r) => (r, None),
            Err(e) => {
                let why = format!("away reasons unavailable (retried on each refresh): {e}");
                warnings.push(why.clone());
                (Vec::new(), Some(why))
            }
        };
        let (conversations, paging_warnings) = found?;
        warnings.extend(paging_warnings);
        let workspace = Workspace {
            name: me.app.map(|a| a.name).unwrap_or_default(),
            backend: self.label().to_owned(),
            me: Some(TeammateId::from(me.id)),
        };
        Ok(FullRead {
            fixed: Fixed {
                teams,
                admins,
                reasons,
                reasons_failed,
                workspace,
                members_from_admins: false,
                admins_body: None,
            },
            conversations,
            cursor: started,
            warnings,
        })
    }

    async fn read_fixed(
        &self,
        _started: Timestamp,
        _held: &Conversations,
    ) -> Option<Result<(Fixed, Vec<String>), BackendError>> {
        let (me, teams, admins, reasons) =
            tokio::join!(self.me(), self.teams(), self.admins(), self.reasons());
        let read = || -> Result<(Fixed, Vec<String>), BackendError> {
            let (me, teams, admins) = (me?, teams?, admins?);
            let mut warnings = Vec::new();
            let (reasons, reasons_failed) = match reasons {
                Ok(r) => (r, None),
                Err(e) => {
                    let why = format!("away reasons unavailable (retried on each refresh): {e}");
                    warnings.push(why.clone());
                    (Vec::new(), Some(why))
                }
            };
            let workspace = Workspace {
                name: me.app.map(|a| a.name).unwrap_or_default(),
                backend: self.label().to_owned(),
                me: Some(TeammateId::from(me.id)),
            };
            let fixed = Fixed {
                teams,
                admins,
                reasons,
                reasons_failed,
                workspace,
                members_from_admins: false,
                admins_body: None,
            };
            Ok((fixed, warnings))
        };
        Some(read())
    }

    fn cursor_since(&self, at: Timestamp) -> Option<Timestamp> {
        Some(at)
    }

    async fn read_changes(
        &self,
        fixed: &mut Fixed,
        cursor: &Timestamp,
        started: Timestamp,
    ) -> Result<Changes<Timestamp>, BackendError> {
        let since = cursor.checked_sub(SYNC_SKEW).unwrap_or(*cursor).as_second();
        let changed = wire::Query::filter("updated_at", ">", since);
        let (admins, found) = tokio::join!(
            self.admins_unless(fixed.admins_body),
            self.search_all(changed)
        );
        let (admins, body) = admins?;
        let (conversations, mut warnings) = found?;
        fixed.admins_body = Some(body);
        // An optional read that failed is tried again, and said missing while it fails.
        let reasons_retried = fixed.reasons_failed.is_some();
        if reasons_retried {
            match self.reasons().await {
                Ok(r) => {
                    fixed.reasons = r;
                    fixed.reasons_failed = None;
                }
                Err(e) => {
                    let why = format!("away reasons unavailable (retried on each refresh): {e}");
                    fixed.reasons_failed = Some(why);
                }
            }
        }
        warnings.extend(fixed.reasons_failed.clone());
        // Re-read in full on every refresh (Intercom has no "admins changed since"), but most
        // refreshes see them unchanged: then the teams stay as they are and the cache hands
        // out the previous people, shared; when only some admins changed, and not their
        // teams, the cache patches those teammates in.
        let change = if reasons_retried || !fixed.members_from_admins {
            FixedChange::All
        } else {
            match &admins {
                // The same body as last time: the same admins.
                None => FixedChange::Unchanged,
                Some(admins) => admins_change(&fixed.admins, admins),
            }
        };
        if let FixedChange::Teammates(_) = change {
            if let Some(admins) = admins {
                fixed.admins = admins;
            }
        } else if change == FixedChange::All {
            let admins = admins.unwrap_or_else(|| fixed.admins.clone());
            // Memberships and levels come from the admins; the teams' own lists may be stale.
            let mut members: std::collections::HashMap<i64, Vec<i64>> =
                std::collections::HashMap::new();
            for a in &admins {
                if let Ok(id) = a.id.parse::<i64>() {
                    for t in &a.team_ids {
                        members.entry(*t).or_default().push(id);
                    }
                }
            }
            for t in &mut fixed.teams {
                t.admin_ids =
                    t.id.parse::<i64>()
                        .ok()
                        .and_then(|id| members.remove(&id))
                        .unwrap_or_default();
                t.admin_priority_level = None;
            }
            fixed.admins = admins;
            fixed.members_from_admins = true;
        }
        Ok(Changes {
            conversations,
            cursor: started,
            warnings,
            fixed: change,
        })
    }

    fn now(&self) -> Timestamp {
        IntercomClient::now(self)
    }

    fn teammate(&self, fixed: &Fixed, old: &Teammate) -> Option<Teammate> {
        let admin = fixed.admins.iter().find(|a| a.id == old.id.0)?;
        Some(mapping::teammate_with(
            admin,
            &fixed.reasons,
            old.memberships.clone(),
        ))
    }

    fn assemble(
        &self,
        fixed: &Fixed,
        conversations: Conversations,
        warnings: Vec<String>,
    ) -> Snapshot {
        let inboxes = inboxes(&fixed.teams, &fixed.admins);
        let memberships = mapping::Memberships::of(&inboxes);
        let teammates = fixed
            .admins
            .iter()
            .map(|a| mapping::teammate_in(a, &fixed.reasons, &memberships))
            .collect();
        Snapshot {
            taken_at: self.now(),
            workspace: fixed.workspace.clone(),
            inboxes: inboxes.into(),
            teammates,
            conversations,
            away_reasons: fixed.reasons.clone().into(),
            warnings,
        }
    }
}
