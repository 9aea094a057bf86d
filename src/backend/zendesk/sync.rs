//! Zendesk as a [`ChangeSource`]: a cold start from `search/export`, then changes paced per
//! feed, for 2,000 agents / 300 groups / 100,000 unsolved tickets inside a 700 rpm plan.
//!
//! The dashboard asks for a snapshot every 5 s; each feed below is asked only when its
//! cadence is due, and between those the held model is returned unchanged. Costs at that
//! size (requests per minute, steady state):
//!
//! | feed | call | cadence | rpm |
//! |---|---|---|---|
//! | changed tickets (admin) | `incremental/tickets/cursor?include=slas` (≤ 3 pages a tick) | every `incremental_every` (15 s; the endpoint allows 10 rpm) | 4 |
//! | SLA of changed, near-breach and not-yet-read tickets | `tickets/show_many?include=slas` (100 ids) | ≤ [`SLA_CALLS`] per tick | ≤ 8 |
//! | memberships | `group_memberships` (≈ 5,000 rows = 50 pages) | [`MEMBERSHIPS_EVERY`] (5 min), and after a membership write | 10 |
//! | agents | `users?role[]=agent&role[]=admin` (20 pages) | [`USERS_EVERY`] (10 min) | 2 |
//! | presence and caps (omnichannel) | `agent_availabilities` (20 pages) | [`AVAILABILITY_EVERY`] (60 s), and after a status write | 20 |
//! | statuses, capacity rules | `agent_statuses`, `capacity/rules` | [`RULES_EVERY`] (10 min) | 0.2 |
//! | reconcile | `search/export?query=status<solved&filter[type]=ticket` (100 pages of 1,000) | [`FULL_EVERY`] (60 min) | 1.7 |
//!
//! ≈ 46 rpm in all, under the notes' 60–90 rpm plan and 7 % of 700. With an agent token the
//! incremental export is closed: each watched group is searched with `search/export` every
//! [`WATCH_EVERY`] or slower (≤ [`WATCH_RPM`] rpm of the export's 100), and the snapshot says
//! the data may lag.

use super::client::{CLASSIC, ZendeskClient};
use super::{mapping, wire};
use crate::backend::BackendError;
use crate::backend::cache::{ChangeSource, Changes, FixedChange, FullRead, Intake, Load};
use crate::domain::{CapSource, Conversation, Conversations, Snapshot, TeammateId, Workspace};
use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::Ordering;

/// How often a full read reconciles what is held (the incremental feed reports deletions,
/// so this is only a safety net; an export cursor lives an hour).
pub const FULL_EVERY: SignedDuration = SignedDuration::from_mins(60);
/// How far before the cold start the incremental export starts (search indexing lag).
pub const LOOKBACK: SignedDuration = SignedDuration::from_mins(5);
/// Pages of the incremental export read per tick at most (catching up after a gap).
pub const INCREMENTAL_PAGES: usize = 3;
/// `show_many?include=slas` calls per tick at most.
pub const SLA_CALLS: usize = 2;
/// A ticket whose breach is this close is re-read for its SLA every [`SLA_RECHECK`].
pub const HOT: SignedDuration = SignedDuration::from_hours(2);
/// How often a near-breach ticket's SLA is re-read.
pub const SLA_RECHECK: SignedDuration = SignedDuration::from_mins(5);
/// Memberships cadence.
pub const MEMBERSHIPS_EVERY: SignedDuration = SignedDuration::from_mins(5);
/// Agents cadence.
pub const USERS_EVERY: SignedDuration = SignedDuration::from_mins(10);
/// Agent availability cadence (omnichannel accounts).
pub const AVAILABILITY_EVERY: SignedDuration = SignedDuration::from_secs(60);
/// Unified statuses and capacity rules cadence.
pub const RULES_EVERY: SignedDuration = SignedDuration::from_mins(10);
/// Fastest round of watched-group searches (agent token).
pub const WATCH_EVERY: SignedDuration = SignedDuration::from_secs(60);
/// Export searches per minute an agent-token round may spend.
pub const WATCH_RPM: i64 = 60;
/// Most groups an agent token watches.
pub const WATCH_MAX_GROUPS: usize = 60;

/// Where the next change read starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    /// The incremental ticket export (admin token): its cursor once one was given, else the
    /// start time (Unix seconds, at least a minute in the past).
    Incremental {
        /// The last `after_cursor`.
        after: Option<String>,
        /// Where the first call starts.
        start: i64,
    },
    /// Watched groups searched per round (agent token).
    Watch,
}

/// What Zendesk keeps between refreshes besides tickets.
pub struct Fixed {
    workspace: Workspace,
    admin: bool,
    omnichannel: bool,
    groups: Vec<wire::Group>,
    memberships: Vec<wire::GroupMembership>,
    users: Vec<wire::User>,
    availability: HashMap<i64, wire::AgentAvailability>,
    statuses: wire::StatusList,
    caps: mapping::Caps,
    last: Last,
    /// Tickets waiting on us whose SLA has not been read yet.
    sla_queue: VecDeque<i64>,
    /// Near-breach tickets: breach time and when last read.
    hot: Hot,
    /// Agent token: the watched groups and the ticket ids the last round found.
    watched: Vec<i64>,
    watch_ids: HashSet<i64>,
    /// Said on every snapshot (e.g. the agent token's lag).
    standing: Vec<String>,
}

#[derive(Clone, Copy)]
struct Last {
    tickets: Timestamp,
    memberships: Timestamp,
    users: Timestamp,
    availability: Timestamp,
    rules: Timestamp,
}

fn due(last: Timestamp, every: SignedDuration, now: Timestamp) -> bool {
    now.duration_since(last) >= every
}

/// A held ticket that left the watched searches: a closed stand-in, so the merge drops it.
fn gone(id: i64, at: Timestamp) -> Conversation {
    let t = wire::Ticket {
        id,
        status: "closed".into(),
        custom_status_id: None,
        priority: None,
        group_id: None,
        requester_id: None,
        assignee_id: None,
        subject: None,
        created_at: Some(at),
        updated_at: None,
        generated_timestamp: None,
        slas: None,
        result_type: None,
    };
    mapping::conversation(&t)
}

/// Whether a ticket still waits for its SLA to be read: every unsolved one (a pending or
/// on-hold ticket's SLA is paused, which only its sideload says).
fn needs_sla(t: &wire::Ticket) -> bool {
    t.slas.is_none() && !matches!(t.status.as_str(), "solved" | "closed" | "deleted")
}

/// The order the SLA backlog is read in: new tickets, then open, then the rest (paused).
fn sla_rank(t: &wire::Ticket) -> u8 {
    match t.status.as_str() {
        "new" => 0,
        "open" => 1,
        _ => 2,
    }
}

impl ZendeskClient {
    /// What the omnichannel probe found: availabilities, or why presence is off.
    async fn read_presence(
        &self,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<wire::AgentAvailability>, String> {
        match self.availabilities().await {
            Ok(a) => Ok(a),
            Err(e) => {
                let why = match e.status() {
                    Some(403) if !self.learned().admin() => format!(
                        "reading unified agent status needs an admin token (agent_availabilities: {e})"
                    ),
                    Some(400 | 403 | 404 | 422) => format!("{CLASSIC} (agent_availabilities: {e})"),
                    _ => {
                        warnings.push(format!("agent availability unreadable: {e}"));
                        format!("agent availability unreadable: {e}")
                    }
                };
                Err(why)
            }
        }
    }

    async fn read_rules(&self) -> (mapping::Caps, Result<usize, String>) {
        match self.capacity_rules().await {
            Ok(r) => (mapping::Caps::new(&r), Ok(r.len())),
            Err(e) => {
                let why = match e.status() {
                    Some(403) if !self.learned().admin() => {
                        format!("capacity rules need an admin token ({e})")
                    }
                    Some(400 | 403 | 404 | 422) => {
                        format!("this account has no capacity rules API ({e})")
                    }
                    _ => e.to_string(),
                };
                (mapping::Caps::default(), Err(why))
            }
        }
    }

    /// The groups an agent token watches: configured, else the agent's own.
    fn watched(&self, me: i64, memberships: &[wire::GroupMembership]) -> Vec<i64> {
        let mut g: Vec<i64> = if self.watch_groups.is_empty() {
            memberships
                .iter()
                .filter(|m| m.user_id == me)
                .map(|m| m.group_id)
                .collect()
        } else {
            self.watch_groups.clone()
        };
        g.sort_unstable();
        g.dedup();
        g
    }

    /// One round of watched-group searches.
    async fn watch_round(
        &self,
        groups: &[i64],
    ) -> Result<(Vec<wire::Ticket>, Vec<String>), BackendError> {
        let mut out = Vec::new();
        let mut warnings = Vec::new();
        for g in groups.iter().take(WATCH_MAX_GROUPS) {
            let (t, w) = self.export(&format!("status<solved group:{g}")).await?;
            out.extend(t);
            warnings.extend(w);
        }
        Ok((out, warnings))
    }

    /// SLA re-reads due this tick: changed tickets first, then near-breach ones, then the
    /// backlog never read; at most [`SLA_CALLS`] calls.
    async fn sla_tick(
        &self,
        fixed: &mut Fixed,
        changed: &[i64],
        now: Timestamp,
        warnings: &mut Vec<String>,
    ) -> Vec<wire::Ticket> {
        let cap = SLA_CALLS * super::client::BATCH;
        let mut ids: Vec<i64> = Vec::new();
        let mut seen = HashSet::new();
        let mut push = |id: i64, ids: &mut Vec<i64>| {
            if ids.len() < cap && seen.insert(id) {
                ids.push(id);
            }
        };
        for id in changed {
            push(*id, &mut ids);
        }
        let mut hot: Vec<(i64, Timestamp)> = fixed
            .hot
            .iter()
            .filter(|(_, (_, read))| due(*read, SLA_RECHECK, now))
            .map(|(id, (breach, _))| (*id, *breach))
            .collect();
        hot.sort_by_key(|(_, b)| *b);
        for (id, _) in hot {
            push(id, &mut ids);
        }
        while ids.len() < cap {
            let Some(id) = fixed.sla_queue.pop_front() else {
                break;
            };
            push(id, &mut ids);
        }
        if ids.is_empty() {
            return Vec::new();
        }
        match self.show_many(&ids).await {
            Ok(t) => t,
            Err(e) => {
                warnings.push(format!("SLA refresh failed (retried next tick): {e}"));
                Vec::new()
            }
        }
    }
}

/// After a resume from held conversations: the near-breach ones are hot (due for a re-read
/// now), the rest with no exact deadline queue for their SLA, new before open before the
/// rest, oldest first — the order a full read gives.
type Hot = BTreeMap<i64, (Timestamp, Timestamp)>;

fn seed_slas(held: &Conversations, now: Timestamp) -> (Hot, VecDeque<i64>) {
    let due_now = now.checked_sub(SLA_RECHECK).unwrap_or(now);
    let mut hot = Hot::new();
    let mut backlog = Vec::new();
    for c in held.iter() {
        let Ok(id) = c.id.as_str().parse::<i64>() else {
            continue;
        };
        match c.sla.as_ref().and_then(|s| s.deadline) {
            Some(d) if d.exact => {
                if d.at.duration_since(now) < HOT {
                    hot.insert(id, (d.at, due_now));
                }
            }
            _ => {
                let rank = match c.state {
                    crate::domain::ConversationState::New => 0,
                    crate::domain::ConversationState::Open => 1,
                    _ => 2,
                };
                backlog.push((rank, c.created_at, id));
            }
        }
    }
    backlog.sort_unstable();
    (hot, backlog.into_iter().map(|(.., id)| id).collect())
}

/// Tracks near-breach tickets from fresh reads.
fn note_hot(fixed: &mut Fixed, tickets: &[wire::Ticket], now: Timestamp) {
    for t in tickets {
        let sla = t.slas.as_ref().map(|s| mapping::sla(Some(s)));
        match sla.and_then(|s| s.deadline) {
            Some(d) if d.exact && d.at.duration_since(now) < HOT => {
                fixed.hot.insert(t.id, (d.at, now));
            }
            _ => {
                fixed.hot.remove(&t.id);
            }
        }
        if matches!(t.status.as_str(), "solved" | "closed" | "deleted") {
            fixed.hot.remove(&t.id);
        }
    }
}

/// Tickets → conversations, the last read of each id winning.
fn conversations(tickets: &[wire::Ticket]) -> Vec<Conversation> {
    tickets.iter().map(mapping::conversation).collect()
}

impl ZendeskClient {
    /// Everything a full read keeps besides tickets: the account, groups, memberships, agents,
    /// presence, statuses and capacity rules (with their warnings, the standing ones included).
    async fn read_people(&self, started: Timestamp) -> Result<(Fixed, Vec<String>), BackendError> {
        let (me, groups, memberships, users, account) = tokio::join!(
            self.me(),
            self.groups(),
            self.memberships(),
            self.users(),
            self.account_name()
        );
        let me = me?;
        let (groups, mut warnings) = groups?;
        let (memberships, w) = memberships?;
        warnings.extend(w);
        let (users, w) = users?;
        warnings.extend(w);
        let admin = me.is_admin();
        let presence = self.read_presence(&mut warnings).await;
        let omnichannel = presence.is_ok();
        let statuses = if omnichannel {
            self.statuses().await.unwrap_or_else(|e| {
                warnings.push(format!("unified statuses unreadable: {e}"));
                wire::StatusList::default()
            })
        } else {
            wire::StatusList::default()
        };
        let (caps, rules) = self.read_rules().await;
        {
            let mut l = self.learned();
            l.omnichannel = Some(presence.as_ref().map(|_| ()).map_err(Clone::clone));
            l.capacity_rules = Some(rules);
            l.caps = caps.clone();
        }
        let mut standing = Vec::new();
        let watched = self.watched(me.id, &memberships);
        if !admin {
            if watched.len() > WATCH_MAX_GROUPS {
                standing.push(format!(
                    "watching the first {WATCH_MAX_GROUPS} of {} groups (set [backend] groups)",
                    watched.len()
                ));
            }
            standing.push(format!(
                "agent token: the incremental export needs an admin, so {} watched group(s) are searched every {}s; the data may lag by a few minutes",
                watched.len().min(WATCH_MAX_GROUPS),
                watch_every(watched.len()).as_secs()
            ));
        }
        warnings.extend(standing.iter().cloned());
        let fixed = Fixed {
            workspace: Workspace {
                name: account.unwrap_or_else(|| self.label().to_owned()),
                backend: self.label().to_owned(),
                me: Some(TeammateId::from(me.id.to_string())),
            },
            admin,
            omnichannel,
            groups,
            memberships,
            users,
            availability: presence
                .unwrap_or_default()
                .into_iter()
                .map(|a| (a.agent_id, a))
                .collect(),
            statuses,
            caps,
            last: Last {
                tickets: started,
                memberships: started,
                users: started,
                availability: started,
                rules: started,
            },
            sla_queue: VecDeque::new(),
            hot: BTreeMap::new(),
            watch_ids: HashSet::new(),
            watched,
            standing,
        };
        Ok((fixed, warnings))
    }
}

#[async_trait]
impl ChangeSource for ZendeskClient {
    type Fixed = Fixed;
    type Cursor = Cursor;

    async fn read_all(
        &self,
        started: Timestamp,
        intake: &Intake<'_>,
    ) -> Result<FullRead<Fixed, Cursor>, BackendError> {
        let (mut fixed, mut warnings) = self.read_people(started).await?;
        let (tickets, cursor) = if fixed.admin {
            let (t, w) = self.export("status<solved").await?;
            warnings.extend(w);
            let start = started.checked_sub(LOOKBACK).unwrap_or(started).as_second();
            (t, Cursor::Incremental { after: None, start })
        } else {
            let (t, w) = self.watch_round(&fixed.watched).await?;
            warnings.extend(w);
            (t, Cursor::Watch)
        };
        fixed.watch_ids = tickets.iter().map(|t| t.id).collect();
        // New tickets first, then open, then pending and on hold, oldest first: their SLA is
        // read soonest.
        let mut backlog: Vec<&wire::Ticket> = tickets.iter().filter(|t| needs_sla(t)).collect();
        backlog.sort_by_key(|t| (sla_rank(t), t.created_at));
        fixed.sla_queue = backlog.iter().map(|t| t.id).collect();
        note_hot(&mut fixed, &tickets, started);
        // The most urgent backlog's SLAs come with the first snapshot already.
        let slas = self.sla_tick(&mut fixed, &[], started, &mut warnings).await;
        note_hot(&mut fixed, &slas, started);
        // The SLA reads replace the export's copies (they carry the deadlines).
        let with_sla: HashSet<_> = slas.iter().map(|t| t.id).collect();
        let mut conversations = Conversations::new();
        for c in tickets
            .iter()
            .filter(|t| !with_sla.contains(&t.id))
            .map(mapping::conversation)
        {
            intake.file(&mut conversations, c);
        }
        drop(tickets);
        for c in slas.iter().map(mapping::conversation) {
            intake.file(&mut conversations, c);
        }
        Ok(FullRead {
            fixed,
            conversations,
            cursor,
            warnings,
        })
    }

    /// Resuming needs the incremental export, which only an admin token may read: an agent
    /// token's watched searches hold no cursor to start from, so it declines with the reason.
    /// The SLA backlog and the near-breach set are seeded from `held`, as a full read would.
    async fn read_fixed(
        &self,
        started: Timestamp,
        held: &Conversations,
    ) -> Option<Result<(Fixed, Vec<String>), BackendError>> {
        Some(
            self.read_people(started)
                .await
                .and_then(|(mut fixed, warnings)| {
                    if fixed.admin {
                        (fixed.hot, fixed.sla_queue) = seed_slas(held, started);
                        Ok((fixed, warnings))
                    } else {
                        Err(BackendError::Unsupported(
                            "resuming needs the incremental export (an admin token)".into(),
                        ))
                    }
                }),
        )
    }

    /// The incremental export from [`LOOKBACK`] before `at` (search indexing lag), so a change
    /// made just before the held state was taken is read again rather than missed.
    fn cursor_since(&self, at: Timestamp) -> Option<Cursor> {
        let start = at.checked_sub(LOOKBACK).unwrap_or(at).as_second();
        Some(Cursor::Incremental { after: None, start })
    }

    async fn read_changes(
        &self,
        fixed: &mut Fixed,
        cursor: &Cursor,
        started: Timestamp,
    ) -> Result<Changes<Cursor>, BackendError> {
        let mut warnings = fixed.standing.clone();
        let mut cursor = cursor.clone();
        let mut out: Vec<Conversation> = Vec::new();
        let every = if fixed.admin {
            self.incremental_every
        } else {
            watch_every(fixed.watched.len())
        };
        if due(fixed.last.tickets, every, started) {
            fixed.last.tickets = started;
            let mut changed: Vec<wire::Ticket> = Vec::new();
            if fixed.admin {
                for _ in 0..INCREMENTAL_PAGES {
                    if let Cursor::Incremental { after: None, start } = &mut cursor {
                        // The export refuses a start within the last minute.
                        *start = (*start).min(started.as_second() - 61);
                    }
                    match self.incremental(&cursor).await {
                        Ok(page) => {
                            changed.extend(page.tickets);
                            if let Some(c) = page.after_cursor.filter(|c| !c.is_empty())
                                && let Cursor::Incremental { after, .. } = &mut cursor
                            {
                                *after = Some(c);
                            }
                            if page.end_of_stream {
                                break;
                            }
                        }
                        Err(e) => {
                            warnings.push(format!(
                                "changed tickets unreadable (the dashboard shows what it holds): {e}"
                            ));
                            break;
                        }
                    }
                }
            } else {
                match self.watch_round(&fixed.watched).await {
                    Ok((t, w)) => {
                        warnings.extend(w);
                        let now_ids: HashSet<i64> = t.iter().map(|t| t.id).collect();
                        out.extend(
                            fixed
                                .watch_ids
                                .difference(&now_ids)
                                .map(|id| gone(*id, started)),
                        );
                        fixed.watch_ids = now_ids;
                        changed = t;
                    }
                    Err(e) => warnings.push(format!("watched groups unreadable: {e}")),
                }
            }
            let want: Vec<i64> = changed
                .iter()
                .filter(|t| needs_sla(t))
                .map(|t| t.id)
                .collect();
            note_hot(fixed, &changed, started);
            out.extend(conversations(&changed));
            let slas = self.sla_tick(fixed, &want, started, &mut warnings).await;
            note_hot(fixed, &slas, started);
            out.extend(conversations(&slas));
        }
        // Whether the people's sources changed: re-read on their own cadences, most refreshes
        // leave them as they were (then the cache hands out the previous people, shared).
        let mut people_changed = false;
        let dirty_members = self.dirty.memberships.swap(false, Ordering::SeqCst);
        if dirty_members || due(fixed.last.memberships, MEMBERSHIPS_EVERY, started) {
            fixed.last.memberships = started;
            match self.memberships().await {
                Ok((m, w)) => {
                    people_changed |= m != fixed.memberships;
                    fixed.memberships = m;
                    warnings.extend(w);
                }
                Err(e) => warnings.push(format!("memberships unreadable (kept): {e}")),
            }
        }
        if due(fixed.last.users, USERS_EVERY, started) {
            fixed.last.users = started;
            match self.users().await {
                Ok((u, w)) => {
                    people_changed |= u != fixed.users;
                    fixed.users = u;
                    warnings.extend(w);
                }
                Err(e) => warnings.push(format!("agents unreadable (kept): {e}")),
            }
        }
        let dirty_presence = self.dirty.presence.swap(false, Ordering::SeqCst);
        if fixed.omnichannel
            && (dirty_presence || due(fixed.last.availability, AVAILABILITY_EVERY, started))
        {
            fixed.last.availability = started;
            match self.availabilities().await {
                Ok(a) => {
                    let a: HashMap<i64, wire::AgentAvailability> =
                        a.into_iter().map(|a| (a.agent_id, a)).collect();
                    people_changed |= a != fixed.availability;
                    fixed.availability = a;
                }
                Err(e) => warnings.push(format!("agent availability unreadable (kept): {e}")),
            }
        }
        if due(fixed.last.rules, RULES_EVERY, started) {
            fixed.last.rules = started;
            if fixed.omnichannel
                && let Ok(s) = self.statuses().await
            {
                people_changed |= s != fixed.statuses;
                fixed.statuses = s;
            }
            let (caps, rules) = self.read_rules().await;
            people_changed |= caps != fixed.caps;
            fixed.caps = caps.clone();
            let mut l = self.learned();
            l.caps = caps;
            l.capacity_rules = Some(rules);
        }
        Ok(Changes {
            conversations: out,
            cursor,
            warnings,
            fixed: if people_changed {
                FixedChange::All
            } else {
                FixedChange::Unchanged
            },
        })
    }

    fn now(&self) -> Timestamp {
        ZendeskClient::now(self)
    }

    /// Zendesk's routing never assigns past a capacity rule: load above it came from a
    /// manual assignment (or a reopened ticket). Say so, from the held load (O(teammates)).
    fn people_warnings(&self, _fixed: &Fixed, people: &Snapshot, load: &Load) -> Vec<String> {
        let over: Vec<&str> = people
            .teammates
            .iter()
            .filter(|t| {
                t.cap.is_some_and(|c| {
                    c.source == CapSource::CapacityRule && load.of_teammate(&t.id) > c.value
                })
            })
            .map(|t| t.name.as_str())
            .collect();
        if over.is_empty() {
            return Vec::new();
        }
        vec![format!(
            "{} over their capacity rule by manual assignment (Zendesk routing stops at the cap): {}",
            over.len(),
            over.join(", ")
        )]
    }

    fn assemble(
        &self,
        fixed: &Fixed,
        conversations: Conversations,
        warnings: Vec<String>,
    ) -> Snapshot {
        let inboxes = fixed
            .groups
            .iter()
            .map(|g| mapping::inbox(g, &fixed.memberships))
            .collect();
        let teammates: Vec<_> = fixed
            .users
            .iter()
            .map(|u| {
                mapping::teammate(
                    u,
                    &fixed.memberships,
                    fixed.availability.get(&u.id),
                    &fixed.statuses,
                    &fixed.caps,
                )
            })
            .collect();
        Snapshot {
            taken_at: self.now(),
            workspace: fixed.workspace.clone(),
            inboxes,
            teammates: teammates.into(),
            conversations,
            away_reasons: mapping::away_reasons(&fixed.statuses).into(),
            warnings,
        }
    }
}

/// How often an agent token's round of searches runs for `groups` groups: at least
/// [`WATCH_EVERY`], slower when the groups would spend more than [`WATCH_RPM`].
pub fn watch_every(groups: usize) -> SignedDuration {
    let groups = i64::try_from(groups.clamp(1, WATCH_MAX_GROUPS)).unwrap_or(1);
    let secs = (groups * 60)
        .div_euclid(WATCH_RPM)
        .max(WATCH_EVERY.as_secs());
    SignedDuration::from_secs(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resume_seeds_the_near_breach_set_and_the_sla_backlog_from_held_tickets() {
        use crate::domain::{ConversationState, Deadline, Sla, SlaStatus, fixture};
        let now = fixture::t0();
        let at = |mins: i64| now + SignedDuration::from_mins(mins);
        let with = |id: &str, state, created: i64, deadline: Option<Deadline>| {
            let mut c = fixture::conversation(id, at(created));
            c.state = state;
            c.sla = Some(Sla {
                name: "x".into(),
                status: SlaStatus::Active,
                deadline,
            });
            c
        };
        let exact = |mins| {
            Some(Deadline {
                at: at(mins),
                exact: true,
            })
        };
        let held: Conversations = vec![
            with("1", ConversationState::Open, -50, exact(30)),
            with("2", ConversationState::Open, -40, exact(600)),
            with("3", ConversationState::Pending, -90, None),
            with("4", ConversationState::Open, -30, None),
            with("5", ConversationState::New, -20, None),
            with(
                "6",
                ConversationState::New,
                -60,
                Some(Deadline {
                    at: at(5),
                    exact: false,
                }),
            ),
            with("x7", ConversationState::New, -60, None),
        ]
        .into();
        let (hot, queue) = seed_slas(&held, now);
        // Near breach: due for a re-read at once.
        assert_eq!(hot.keys().copied().collect::<Vec<_>>(), vec![1]);
        assert!(due(hot[&1].1, SLA_RECHECK, now));
        assert_eq!(hot[&1].0, at(30));
        // No exact deadline: new, then open, then the rest, oldest first; an exact one far
        // off is neither; an id that is not a ticket number is skipped.
        assert_eq!(Vec::from(queue), vec![6, 5, 4, 3]);
    }

    #[test]
    fn agent_rounds_slow_down_with_more_groups() {
        assert_eq!(watch_every(1), WATCH_EVERY);
        assert_eq!(watch_every(60), SignedDuration::from_secs(60));
        assert_eq!(watch_every(0), WATCH_EVERY);
        assert!(watch_every(10_000) <= SignedDuration::from_secs(60));
    }

    #[test]
    fn the_steady_state_fits_the_budget_at_the_large_preset() {
        // 2,000 agents, ≈ 5,000 memberships, 100,000 unsolved tickets, 15 s ticks.
        let per_min = |calls: f64, every: SignedDuration| calls * 60.0 / every.as_secs_f64();
        let tick = SignedDuration::from_secs(15);
        let rpm = per_min(1.0, tick)
            + per_min(SLA_CALLS as f64, tick)
            + per_min(50.0, MEMBERSHIPS_EVERY)
            + per_min(20.0, USERS_EVERY)
            + per_min(20.0, AVAILABILITY_EVERY)
            + per_min(2.0, RULES_EVERY)
            + per_min(100.0, FULL_EVERY);
        assert!(rpm <= 90.0, "{rpm}");
        assert!(
            per_min(1.0, tick) <= 10.0,
            "the incremental export allows 10 rpm"
        );
    }
}
