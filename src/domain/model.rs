//! Vendor-neutral types for what a shift lead sees: inboxes, teammates, conversations.
//!
//! Backends map their wire formats into these types; nothing here knows about HTTP or a vendor.

use compact_str::CompactString;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub CompactString);

        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(CompactString::from(s))
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(CompactString::from(s))
            }
        }

        impl From<CompactString> for $name {
            fn from(s: CompactString) -> Self {
                Self(s)
            }
        }
    };
}

id_type!(
    /// Identifies a team inbox (a vendor's team or group).
    InboxId
);
id_type!(
    /// Identifies a teammate (a vendor's admin or agent).
    TeammateId
);
id_type!(
    /// Identifies a conversation (or ticket).
    ConversationId
);
id_type!(
    /// Identifies an away-status reason.
    AwayReasonId
);

/// How strongly a teammate belongs to an inbox.
///
/// A secondary member only takes conversations from an inbox when their primary inboxes are empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// First in line for the inbox's conversations.
    Primary,
    /// Helps out when their primary inboxes are empty.
    Secondary,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Primary => "primary",
            Level::Secondary => "secondary",
        })
    }
}

/// One teammate's membership of one inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The teammate.
    pub teammate: TeammateId,
    /// Primary or secondary.
    pub level: Level,
}

/// How an inbox hands out conversations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Distribution {
    /// Round robin among available members.
    RoundRobin,
    /// To the member with the fewest open conversations, under a limit.
    LoadBalanced,
    /// Nobody is auto-assigned; teammates pick manually.
    Manual,
    /// A method this build does not know, kept verbatim.
    Other(String),
}

impl fmt::Display for Distribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Distribution::RoundRobin => f.write_str("round robin"),
            Distribution::LoadBalanced => f.write_str("load balanced"),
            Distribution::Manual => f.write_str("manual"),
            Distribution::Other(s) => f.write_str(s),
        }
    }
}

/// A team inbox and its members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inbox {
    /// Backend id.
    pub id: InboxId,
    /// Display name.
    pub name: String,
    /// Members, primary and secondary.
    pub members: Vec<Member>,
    /// The team's per-teammate assignment limit, when the backend exposes one.
    pub assignment_limit: Option<u32>,
    /// How conversations are distributed, when known.
    pub distribution: Option<Distribution>,
    /// Why this inbox takes no secondary members, when it takes none (set by the backend,
    /// shown wherever a level is offered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_unavailable: Option<String>,
}

impl Inbox {
    /// The level at which `teammate` belongs to this inbox, if they do.
    pub fn level_of(&self, teammate: &TeammateId) -> Option<Level> {
        self.members
            .iter()
            .find(|m| &m.teammate == teammate)
            .map(|m| m.level)
    }
}

/// A reason a teammate can give for being away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwayReason {
    /// Backend id.
    pub id: AwayReasonId,
    /// Display text, e.g. "On a break".
    pub label: String,
    /// Emoji shown with the label, when set.
    pub emoji: Option<String>,
    /// Soft-deleted reasons are kept for display but cannot be chosen.
    pub deleted: bool,
}

/// Whether a teammate is working, and how they take new work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PresenceStatus {
    /// At work and taking new conversations.
    #[default]
    Online,
    /// Away; their conversations stay with them.
    Away,
    /// Away, and new replies to their conversations go back to the inbox.
    AwayReassign,
    /// Takes only conversations handed over by a teammate, no new ones.
    TransfersOnly,
    /// Signed off.
    Offline,
}

impl PresenceStatus {
    /// Every status, in the order a picker lists them.
    pub const ALL: [PresenceStatus; 5] = [
        PresenceStatus::Online,
        PresenceStatus::Away,
        PresenceStatus::AwayReassign,
        PresenceStatus::TransfersOnly,
        PresenceStatus::Offline,
    ];

    /// `true` for every status but online.
    pub fn is_away(self) -> bool {
        self != PresenceStatus::Online
    }

    /// `true` when new conversations may be routed to them.
    pub fn takes_new_work(self) -> bool {
        self == PresenceStatus::Online
    }

    /// `true` when replies to their conversations are routed back to the inbox.
    pub fn reassigns(self) -> bool {
        self == PresenceStatus::AwayReassign
    }
}

impl fmt::Display for PresenceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PresenceStatus::Online => "online",
            PresenceStatus::Away => "away",
            PresenceStatus::AwayReassign => "away-and-reassign",
            PresenceStatus::TransfersOnly => "transfers only",
            PresenceStatus::Offline => "offline",
        })
    }
}

/// A teammate's presence: status, the custom status (reason) they gave, and since when.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presence {
    /// The status.
    pub status: PresenceStatus,
    /// The custom status label (an away reason), when one is set and known.
    pub reason: Option<AwayReason>,
    /// When the status was set, when the backend tells.
    pub since: Option<Timestamp>,
}

impl Presence {
    /// `true` for every status but online.
    pub fn is_away(&self) -> bool {
        self.status.is_away()
    }

    /// `true` when new conversations may be routed to them.
    pub fn takes_new_work(&self) -> bool {
        self.status.takes_new_work()
    }

    /// `true` when replies to their conversations are routed back to the inbox.
    pub fn reassigns(&self) -> bool {
        self.status.reassigns()
    }
}

/// Where a teammate's cap came from, most specific first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapSource {
    /// A per-teammate override in the config file.
    Config,
    /// A step of a per-teammate ramp-up in the config file, in force until this date.
    Ramp {
        /// Last day of this step.
        until: jiff::civil::Date,
    },
    /// The assignment limit of one of the teammate's inboxes.
    TeamLimit,
    /// The backend's own capacity rule for this teammate.
    CapacityRule,
    /// The workspace default from the config file.
    WorkspaceDefault,
}

impl fmt::Display for CapSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CapSource::Config => f.write_str("config"),
            CapSource::Ramp { until } => write!(f, "ramp-up until {until}"),
            CapSource::TeamLimit => f.write_str("team limit"),
            CapSource::CapacityRule => f.write_str("capacity rule"),
            CapSource::WorkspaceDefault => f.write_str("workspace default"),
        }
    }
}

/// The most open conversations a teammate should hold, and where that number came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cap {
    /// The limit.
    pub value: u32,
    /// Its origin.
    pub source: CapSource,
}

/// A teammate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Teammate {
    /// Backend id.
    pub id: TeammateId,
    /// Display name.
    pub name: String,
    /// Email address (used to match config overrides).
    pub email: String,
    /// Presence: online, away (and why), transfers only, offline.
    pub presence: Presence,
    /// Inboxes this teammate belongs to, with the level.
    pub memberships: Vec<(InboxId, Level)>,
    /// Assignment cap; `None` until resolved from config and team limits.
    pub cap: Option<Cap>,
    /// IANA time zone name, when known (from config).
    pub time_zone: Option<String>,
    /// Whether they hold an inbox seat (can be assigned conversations).
    pub has_inbox_seat: bool,
    /// Their default inbox, where the backend has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_inbox: Option<InboxId>,
    /// The name of the backend's capacity rule their cap comes from, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_rule: Option<String>,
}

impl Teammate {
    /// Where their cap came from, in words: "capacity rule NAME" when the backend named the
    /// rule, else the source.
    pub fn cap_source(&self) -> Option<String> {
        let cap = self.cap?;
        Some(match (&cap.source, &self.cap_rule) {
            (CapSource::CapacityRule, Some(name)) => format!("capacity rule {name}"),
            (source, _) => source.to_string(),
        })
    }
}

/// Conversation lifecycle state, widened to cover every vendor's states (the vendor's raw
/// value is kept in [`Conversation::raw_state`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationState {
    /// Arrived and not yet touched.
    New,
    /// Needs attention.
    Open,
    /// Waiting on the customer.
    Pending,
    /// Waiting on a third party.
    OnHold,
    /// Snoozed until `snoozed_until`.
    Snoozed,
    /// Solved; may still reopen.
    Solved,
    /// Done.
    Closed,
}

impl ConversationState {
    /// `true` while the customer is waiting on us: these count in queues, loads and SLAs.
    pub fn waiting_on_us(self) -> bool {
        matches!(self, ConversationState::New | ConversationState::Open)
    }

    /// `true` once the conversation has left the queue for good (solved or closed).
    pub fn is_done(self) -> bool {
        matches!(self, ConversationState::Solved | ConversationState::Closed)
    }
}

/// Conversation priority, lowest first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// No priority set.
    #[default]
    None,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Urgent.
    Urgent,
}

impl Priority {
    /// Every priority, lowest first.
    pub const ALL: [Priority; 5] = [
        Priority::None,
        Priority::Low,
        Priority::Medium,
        Priority::High,
        Priority::Urgent,
    ];

    /// The lowercase name used on the wire and in config.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::None => "none",
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Status of the SLA applied to a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaStatus {
    /// Applied and not yet fulfilled.
    Active,
    /// Met.
    Hit,
    /// Missed (some backends set it only at the next teammate reply after expiry).
    Missed,
    /// Removed.
    Cancelled,
    /// Paused (e.g. while waiting on the customer); not counting down.
    Paused,
    /// A status this build does not know; counted as active, so it never silently leaves
    /// the SLA queue.
    Unknown,
}

impl SlaStatus {
    /// `true` while the SLA is counting down (active, or a status we do not know).
    pub fn is_running(self) -> bool {
        matches!(self, SlaStatus::Active | SlaStatus::Unknown)
    }
}

/// When an SLA target runs out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    /// The breach time.
    pub at: Timestamp,
    /// `true` when the backend gave it; `false` when estimated from config targets.
    pub exact: bool,
}

/// The SLA applied to a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sla {
    /// Policy name (inline up to 24 bytes: no allocation of its own for typical names).
    pub name: CompactString,
    /// Status as the backend reports it.
    pub status: SlaStatus,
    /// Next breach time, exact or estimated, when one can be known.
    pub deadline: Option<Deadline>,
}

/// A customer conversation (or ticket).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// Backend id.
    pub id: ConversationId,
    /// Title or subject, when set (inline up to 24 bytes).
    pub title: Option<CompactString>,
    /// Lifecycle state.
    pub state: ConversationState,
    /// The vendor's own name for the state, when it says more than [`ConversationState`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_state: Option<Box<str>>,
    /// Priority.
    pub priority: Priority,
    /// Team inbox it is assigned to; `None` when unassigned.
    pub inbox: Option<InboxId>,
    /// Teammate it is assigned to; `None` when unassigned.
    pub assignee: Option<TeammateId>,
    /// Created.
    pub created_at: Timestamp,
    /// Last updated.
    pub updated_at: Timestamp,
    /// When the customer started waiting for a reply; `None` when the last reply was ours.
    pub waiting_since: Option<Timestamp>,
    /// Snoozed until, when snoozed.
    pub snoozed_until: Option<Timestamp>,
    /// When a teammate first replied; `None` while the first response is still owed.
    pub first_reply_at: Option<Timestamp>,
    /// When a teammate last replied, if ever.
    pub last_reply_at: Option<Timestamp>,
    /// The SLA applied, when any.
    pub sla: Option<Sla>,
}

/// The workspace being watched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workspace {
    /// Workspace name.
    pub name: String,
    /// Backend label: the vendor's name, or "demo".
    pub backend: String,
    /// The acting teammate (owner of the token), when known.
    pub me: Option<TeammateId>,
}

/// Everything read from a backend at one moment, normalised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// When the read finished (injected clock).
    pub taken_at: Timestamp,
    /// The workspace.
    pub workspace: Workspace,
    /// Team inboxes (shared between refreshes that did not change them: O(1) to clone).
    pub inboxes: Shared<Vec<Inbox>>,
    /// Teammates (shared like the inboxes).
    pub teammates: Shared<Vec<Teammate>>,
    /// Conversations not yet done (open, snoozed, pending…), by id: a persistent map, so a
    /// snapshot is cloned in O(1) and a refresh changes only what it touched.
    pub conversations: Conversations,
    /// Away reasons the backend offers.
    pub away_reasons: Shared<Vec<AwayReason>>,
    /// Problems met while reading that degrade, but do not void, the snapshot.
    pub warnings: Vec<String>,
}

impl Snapshot {
    /// The inbox with this id (O(log n)).
    pub fn inbox(&self, id: &InboxId) -> Option<&Inbox> {
        self.inboxes.find(id)
    }

    /// The teammate with this id (O(log n)).
    pub fn teammate(&self, id: &TeammateId) -> Option<&Teammate> {
        self.teammates.find(id)
    }

    /// The conversation with this id (O(log n)).
    pub fn conversation(&self, id: &ConversationId) -> Option<&Conversation> {
        self.conversations.get(id)
    }
}

/// A value shared between snapshots until one changes it: cloned in O(1) (a reference
/// count), copied on the first change through `DerefMut` (copy-on-write). Refreshes that
/// re-read the same people hand out the same `Shared`, so [`Shared::ptr_eq`] says "unchanged"
/// in O(1). A list of [`Keyed`] items is also found by key in O(log n) ([`Shared::find`]):
/// the order by key is built on the first lookup and dropped by any change. Serialised as
/// the value itself.
#[derive(Default)]
pub struct Shared<T>(std::sync::Arc<Held<T>>);

/// A shared value and, for a list, its positions in key order (built lazily).
#[derive(Default)]
struct Held<T> {
    value: T,
    by_key: std::sync::OnceLock<Vec<u32>>,
}

impl<T: Clone> Clone for Held<T> {
    fn clone(&self) -> Self {
        Self {
            value: self.value.clone(),
            by_key: std::sync::OnceLock::new(),
        }
    }
}

/// An item of a list found by its key (a teammate by id, an inbox by id).
pub trait Keyed {
    /// The key's type.
    type Key: Ord;
    /// Its key.
    fn key(&self) -> &Self::Key;
}

impl Keyed for Teammate {
    type Key = TeammateId;
    fn key(&self) -> &TeammateId {
        &self.id
    }
}

impl Keyed for Inbox {
    type Key = InboxId;
    fn key(&self) -> &InboxId {
        &self.id
    }
}

impl<T> Shared<T> {
    /// Shares `value`.
    pub fn new(value: T) -> Self {
        Self(std::sync::Arc::new(Held {
            value,
            by_key: std::sync::OnceLock::new(),
        }))
    }

    /// `true` when both share the very same value (so it is unchanged): O(1).
    pub fn ptr_eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl<X: Keyed> Shared<Vec<X>> {
    /// The first item with this key: O(log n) after one O(n log n) sort per version of the
    /// list (a scan per lookup made per-row lookups O(rows × people)).
    pub fn find(&self, key: &X::Key) -> Option<&X> {
        let items = &self.0.value;
        let order = self.0.by_key.get_or_init(|| {
            let mut order: Vec<u32> = (0..items.len() as u32).collect();
            // Stable: among equal keys the first in the list comes first.
            order.sort_by(|&a, &b| items[a as usize].key().cmp(items[b as usize].key()));
            order
        });
        let at = order.partition_point(|&i| items[i as usize].key() < key);
        let item = &items[*order.get(at)? as usize];
        (item.key() == key).then_some(item)
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0.value
    }
}

impl<T: Clone> std::ops::DerefMut for Shared<T> {
    fn deref_mut(&mut self) -> &mut T {
        let held = std::sync::Arc::make_mut(&mut self.0);
        // Whatever the caller changes, the order by key is rebuilt on the next lookup.
        held.by_key.take();
        &mut held.value
    }
}

impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        self.ptr_eq(other) || self.0.value == other.0.value
    }
}

impl<T: Eq> Eq for Shared<T> {}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.value.fmt(f)
    }
}

impl<T> From<T> for Shared<T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<X> FromIterator<X> for Shared<Vec<X>> {
    fn from_iter<I: IntoIterator<Item = X>>(iter: I) -> Self {
        Self::new(iter.into_iter().collect())
    }
}

impl<'a, X> IntoIterator for &'a Shared<Vec<X>> {
    type Item = &'a X;
    type IntoIter = std::slice::Iter<'a, X>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.value.iter()
    }
}

impl<'a, X: Clone> IntoIterator for &'a mut Shared<Vec<X>> {
    type Item = &'a mut X;
    type IntoIter = std::slice::IterMut<'a, X>;
    fn into_iter(self) -> Self::IntoIter {
        std::ops::DerefMut::deref_mut(self).iter_mut()
    }
}

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.value.serialize(s)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Shared<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Self::new)
    }
}

/// The conversations of a snapshot by id, in id order: a persistent (structurally shared)
/// map, so the sync task and the UI hold one copy, a clone is O(1) and an insert or removal
/// copies only the path to it. The key is the id itself (inline, no allocation of its own);
/// each conversation is one `Arc`. Serialised as a list, in id order.
#[derive(Clone, Default, PartialEq)]
pub struct Conversations(imbl::OrdMap<ConversationId, std::sync::Arc<Conversation>>);

impl Conversations {
    /// No conversations.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// `true` when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The conversation with this id.
    pub fn get(&self, id: &ConversationId) -> Option<&Conversation> {
        self.0.get(id).map(|c| &**c)
    }

    /// The conversation with this id and its id as the map holds it.
    pub fn get_keyed(&self, id: &ConversationId) -> Option<(&ConversationId, &Conversation)> {
        self.0.get_key_value(id).map(|(k, c)| (k, &**c))
    }

    /// Every conversation with its id as the map holds it, in id order.
    pub fn iter_keyed(
        &self,
    ) -> impl DoubleEndedIterator<Item = (&ConversationId, &Conversation)> + '_ {
        self.0.iter().map(|(k, c)| (k, &**c))
    }

    /// The conversation with this id, to change (copying it only if it is shared).
    pub fn get_mut(&mut self, id: &ConversationId) -> Option<&mut Conversation> {
        self.0.get_mut(id).map(std::sync::Arc::make_mut)
    }

    /// `true` when both are the very same map (not merely equal): O(1).
    pub fn ptr_eq(&self, other: &Conversations) -> bool {
        self.0.ptr_eq(&other.0)
    }

    /// `true` when a conversation has this id.
    pub fn contains(&self, id: &ConversationId) -> bool {
        self.0.contains_key(id)
    }

    /// Inserts or replaces a conversation; returns the one replaced.
    pub fn insert(&mut self, c: Conversation) -> Option<Conversation> {
        self.0
            .insert(c.id.clone(), std::sync::Arc::new(c))
            .map(std::sync::Arc::unwrap_or_clone)
    }

    /// Inserts `c`, or — when `base` holds an equal conversation under its id — `base`'s own
    /// copy, shared (a re-read of unchanged conversations then costs no second copy).
    pub fn insert_sharing(&mut self, c: Conversation, base: &Conversations) {
        let value = match base.0.get(&c.id) {
            Some(held) if **held == c => held.clone(),
            _ => std::sync::Arc::new(c),
        };
        self.0.insert(value.id.clone(), value);
    }

    /// `true` when both hold the very same copy of conversation `id` (shared, not equal).
    pub fn shares(&self, other: &Conversations, id: &ConversationId) -> bool {
        match (self.0.get(id), other.0.get(id)) {
            (Some(a), Some(b)) => std::sync::Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// Removes a conversation; returns it.
    pub fn remove(&mut self, id: &ConversationId) -> Option<Conversation> {
        self.0.remove(id).map(std::sync::Arc::unwrap_or_clone)
    }

    /// Every conversation, in id order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Conversation> + '_ {
        self.0.values().map(|c| &**c)
    }

    /// The conversations that are not the very copy `base` holds under their id (see
    /// [`Conversations::insert_sharing`]), owned, in id order: what a re-read changed.
    pub fn into_unshared(self, base: &Conversations) -> Vec<Conversation> {
        self.0
            .into_iter()
            .filter(|(id, c)| !base.0.get(id).is_some_and(|b| std::sync::Arc::ptr_eq(b, c)))
            .map(|(_, c)| std::sync::Arc::unwrap_or_clone(c))
            .collect()
    }

    /// Every id, in order.
    pub fn ids(&self) -> impl DoubleEndedIterator<Item = &ConversationId> + '_ {
        self.0.keys()
    }

    /// Changes every conversation with `f` (O(n log n); copies only what is shared).
    pub fn update_all(&mut self, mut f: impl FnMut(&mut Conversation)) {
        let ids: Vec<ConversationId> = self.0.keys().cloned().collect();
        for id in ids {
            if let Some(c) = self.0.get_mut(&id) {
                f(std::sync::Arc::make_mut(c));
            }
        }
    }

    /// Keeps the conversations `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&Conversation) -> bool) {
        let gone: Vec<ConversationId> = self
            .iter()
            .filter(|c| !keep(c))
            .map(|c| c.id.clone())
            .collect();
        for id in gone {
            self.0.remove(&id);
        }
    }

    /// The ids whose conversation differs between `self` and `other` (in either, or changed),
    /// skipping shared subtrees.
    pub fn diff_ids(&self, other: &Conversations) -> Vec<ConversationId> {
        self.0
            .diff(&other.0)
            .map(|d| match d {
                imbl::ordmap::DiffItem::Add(k, _)
                | imbl::ordmap::DiffItem::Update { new: (k, _), .. }
                | imbl::ordmap::DiffItem::Remove(k, _) => k.clone(),
            })
            .collect()
    }
}

impl fmt::Debug for Conversations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl FromIterator<Conversation> for Conversations {
    fn from_iter<I: IntoIterator<Item = Conversation>>(iter: I) -> Self {
        Self(
            iter.into_iter()
                .map(|c| (c.id.clone(), std::sync::Arc::new(c)))
                .collect(),
        )
    }
}

impl From<Vec<Conversation>> for Conversations {
    fn from(v: Vec<Conversation>) -> Self {
        v.into_iter().collect()
    }
}

impl<'a> IntoIterator for &'a Conversations {
    type Item = &'a Conversation;
    type IntoIter = Box<dyn Iterator<Item = &'a Conversation> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl Serialize for Conversations {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Conversations {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<Conversation>::deserialize(d).map(Conversations::from)
    }
}

/// Which conversations changed between two snapshots of one held model: what a refresh (an
/// incremental read, a reconcile, a KV watch) sends, so the receiver updates only those.
/// Inboxes, teammates and away reasons are always sent whole (every vendor re-reads them on
/// each refresh; they are O(teammates), not O(conversations)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delta {
    /// Conversations inserted or replaced since the previous refresh.
    pub changed: Vec<ConversationId>,
    /// Conversations that left (done, deleted, or gone from a reconciling full read).
    pub removed: Vec<ConversationId>,
}

impl Delta {
    /// No conversation changed.
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.removed.is_empty()
    }

    /// Every id the delta touches.
    pub fn ids(&self) -> impl Iterator<Item = &ConversationId> {
        self.changed.iter().chain(&self.removed)
    }
}

/// One refresh: the whole model after it (conversations shared with the sender, O(1) to
/// send), and what changed since the previous refresh from the same source; `None` when
/// anything may have changed (a first read, a backend without a held model).
#[derive(Debug, Clone, PartialEq)]
pub struct Refresh {
    /// The model after the refresh (policy applied).
    pub snapshot: Snapshot,
    /// What changed since the previous refresh; `None`: derive everything afresh.
    pub delta: Option<Delta>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn inbox(id: u8, name: usize) -> Inbox {
        Inbox {
            id: InboxId::from(id.to_string().as_str()),
            name: name.to_string(),
            members: Vec::new(),
            assignment_limit: None,
            distribution: None,
            secondary_unavailable: None,
        }
    }

    proptest! {
        /// `find` answers what a scan from the front answers (the first of equal keys), also
        /// after changes through `DerefMut` on a shared and on an unshared list.
        #[test]
        fn find_is_the_first_match_of_a_scan(
            ids in proptest::collection::vec(0u8..12, 0..30),
            changes in proptest::collection::vec((0usize..30, 0u8..12, any::<bool>()), 0..8),
        ) {
            let mut list: Shared<Vec<Inbox>> =
                ids.iter().enumerate().map(|(n, &id)| inbox(id, n)).collect();
            let check = |list: &Shared<Vec<Inbox>>| {
                for id in 0u8..13 {
                    let key = InboxId::from(id.to_string().as_str());
                    let scan = list.iter().find(|i| i.id == key).map(|i| &i.name);
                    prop_assert_eq!(list.find(&key).map(|i| &i.name), scan);
                }
                Ok(())
            };
            check(&list)?;
            for (at, id, keep_a_copy) in changes {
                let before = keep_a_copy.then(|| list.clone());
                let n = list.len();
                if n > 0 {
                    list[at % n].id = InboxId::from(id.to_string().as_str());
                } else {
                    list.push(inbox(id, 99));
                }
                check(&list)?;
                if let Some(before) = before {
                    check(&before)?;
                }
            }
        }
    }
}
