//! Zendesk Support API wire types: the shapes of `shared/notes/zendesk.md` (OAS, docs and
//! real captures), read leniently.
//!
//! Unknown fields are ignored, `null` is accepted wherever Zendesk sends it, ids arrive as
//! numbers or strings, unknown enum values are kept as their raw text, and a junk list item
//! is dropped rather than failing its page. Nothing here panics on outside data.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Lenient field decoders.
pub mod lenient {
    pub use crate::backend::lenient::*;
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    /// An id as an integer; junk is 0.
    pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        Ok(as_int(&Value::deserialize(d)?).unwrap_or(0))
    }

    /// An id as text (capacity rules and job ids are strings, agent ids numbers).
    pub fn text_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            _ => String::new(),
        })
    }
}

/// Parses a body as JSON; an empty body (e.g. `204 No Content`) is `null`.
pub fn json(body: &[u8]) -> Result<Value, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(body).map_err(|e| e.to_string())
}

/// Cursor-pagination `meta` (`page[size]` requests, `search/export`, JSON:API lists).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CursorMeta {
    /// More pages follow.
    #[serde(default, deserialize_with = "lenient::bool")]
    pub has_more: bool,
    /// The cursor of the next page (`page[after]`).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub after_cursor: Option<String>,
    /// The cursor of the previous page.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub before_cursor: Option<String>,
}

/// Cursor-pagination `links`. On the last page `next` may still be a URL (real capture).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CursorLinks {
    /// The next page's URL.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub next: Option<String>,
    /// The previous page's URL.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub prev: Option<String>,
}

/// One page of a list, in either pagination mode.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items that decoded (junk items are dropped).
    pub items: Vec<T>,
    /// Cursor mode: `meta`.
    pub meta: Option<CursorMeta>,
    /// Cursor mode: `links`.
    pub links: Option<CursorLinks>,
    /// Offset mode: the next page's URL.
    pub next_page: Option<String>,
}

/// Where the next page of a list is, decided once for every endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Cursor mode: ask again with `page[after]=` this.
    After(String),
    /// Offset mode: this URL (its path and query are reused on our base URL).
    Url(String),
    /// The last page.
    Done,
}

impl<T> Page<T> {
    /// The next page. Cursor mode trusts `meta.has_more` (the last page carries a non-null
    /// `links.next` too) and wants an `after_cursor` (else the `page[after]` of `links.next`);
    /// offset mode follows `next_page`. An empty page ends the list either way.
    pub fn next(&self) -> Next {
        if let Some(meta) = &self.meta {
            if !meta.has_more || self.items.is_empty() {
                return Next::Done;
            }
            if let Some(c) = meta.after_cursor.as_ref().filter(|c| !c.is_empty()) {
                return Next::After(c.clone());
            }
            return match self
                .links
                .as_ref()
                .and_then(|l| l.next.as_deref())
                .and_then(query_param_after)
            {
                Some(c) => Next::After(c),
                None => Next::Done,
            };
        }
        match &self.next_page {
            Some(url) if !url.is_empty() && !self.items.is_empty() => Next::Url(url.clone()),
            _ => Next::Done,
        }
    }
}

/// The `page[after]` value of a URL, decoded.
pub fn query_param_after(url: &str) -> Option<String> {
    let parsed = reqwest::Url::parse(url).ok()?;
    parsed
        .query_pairs()
        .find(|(k, _)| k == "page[after]")
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
}

/// Decodes one page whose items sit under `key` (`tickets`, `groups`, `results`, `data`…).
/// The body must be a JSON object; a missing key is an empty page.
pub fn page<T: serde::de::DeserializeOwned>(body: &[u8], key: &str) -> Result<Page<T>, String> {
    let Value::Object(mut map) = json(body)? else {
        return Err("expected a JSON object".into());
    };
    let items = lenient::items(map.remove(key).unwrap_or(Value::Null));
    fn obj<T: serde::de::DeserializeOwned>(v: Option<Value>) -> Option<T> {
        v.and_then(|v| serde_json::from_value(v).ok())
    }
    Ok(Page {
        items,
        meta: obj(map.remove("meta")),
        links: obj(map.remove("links")),
        next_page: match map.remove("next_page") {
            Some(Value::String(s)) => Some(s),
            _ => None,
        },
    })
}

/// Decodes `{key: {...}}` (a single record: `ticket`, `user`, `group`, `job_status`…).
pub fn one<T: serde::de::DeserializeOwned>(body: &[u8], key: &str) -> Result<T, String> {
    let Value::Object(mut map) = json(body)? else {
        return Err("expected a JSON object".into());
    };
    let v = map
        .remove(key)
        .ok_or_else(|| format!("no {key:?} in the answer"))?;
    serde_json::from_value(v).map_err(|e| format!("{key}: {e}"))
}

/// `brand`: what the account calls itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Brand {
    /// Brand name: what the account calls itself.
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    /// The account's default brand.
    #[serde(default, deserialize_with = "lenient::bool")]
    pub default: bool,
}

/// `group`: an inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    /// Group id.
    #[serde(deserialize_with = "lenient::id")]
    pub id: i64,
    /// Name.
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    /// The account's default group.
    #[serde(default, deserialize_with = "lenient::bool")]
    pub default: bool,
    /// Soft-deleted.
    #[serde(default, deserialize_with = "lenient::bool")]
    pub deleted: bool,
}

/// `group_membership`: one agent in one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupMembership {
    /// Membership id (not a group id).
    #[serde(deserialize_with = "lenient::id")]
    pub id: i64,
    /// The agent.
    #[serde(default, deserialize_with = "lenient::id")]
    pub user_id: i64,
    /// The group.
    #[serde(default, deserialize_with = "lenient::id")]
    pub group_id: i64,
    /// The agent's default group.
    #[serde(default, deserialize_with = "lenient::bool")]
    pub default: bool,
}

/// `user`: an agent or admin (end users are filtered out by role).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// User id.
    #[serde(deserialize_with = "lenient::id")]
    pub id: i64,
    /// Name.
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    /// Email.
    #[serde(default, deserialize_with = "lenient::string")]
    pub email: String,
    /// `end-user`, `agent` or `admin` (kept raw).
    #[serde(default, deserialize_with = "lenient::string")]
    pub role: String,
    /// 0 custom, 1 light, 2 chat, 4 admin… (`null` for plain agents).
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub role_type: Option<i64>,
    /// Default group.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub default_group_id: Option<i64>,
    /// Active (not deleted). Absent counts as active.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub active: Option<bool>,
    /// Suspended.
    #[serde(default, deserialize_with = "lenient::bool")]
    pub suspended: bool,
    /// IANA time zone.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub iana_time_zone: Option<String>,
}

impl User {
    /// An agent or admin (light agents included: they can hold tickets).
    pub fn is_agent(&self) -> bool {
        matches!(self.role.as_str(), "agent" | "admin")
    }

    /// An admin.
    pub fn is_admin(&self) -> bool {
        self.role == "admin"
    }
}

/// One metric of a ticket's `slas` sideload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyMetric {
    /// When the target breaches; `null` while paused.
    #[serde(default, deserialize_with = "lenient::opt_time")]
    pub breach_at: Option<Timestamp>,
    /// `active`, `achieved`, `paused` (others kept raw).
    #[serde(default, deserialize_with = "lenient::string")]
    pub stage: String,
    /// `first_reply_time`, `next_reply_time`, `periodic_update_time`…
    #[serde(default, deserialize_with = "lenient::string")]
    pub metric: String,
    /// Signed time to breach, when given in minutes.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub minutes: Option<i64>,
    /// … in hours.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub hours: Option<i64>,
    /// … in days.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub days: Option<i64>,
}

impl PolicyMetric {
    /// The signed time to breach in minutes, from whichever unit was given.
    pub fn relative_minutes(&self) -> Option<i64> {
        self.minutes
            .or(self.hours.map(|h| h.saturating_mul(60)))
            .or(self.days.map(|d| d.saturating_mul(1440)))
    }
}

/// A ticket's `slas` sideload.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Slas {
    /// The metrics of the policy that matched (empty: no policy).
    #[serde(default, deserialize_with = "lenient::list")]
    pub policy_metrics: Vec<PolicyMetric>,
}

/// `ticket`: a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// Ticket id.
    #[serde(deserialize_with = "lenient::id")]
    pub id: i64,
    /// `new|open|pending|hold|solved|closed` (and `deleted` in exports), kept raw.
    #[serde(default, deserialize_with = "lenient::string")]
    pub status: String,
    /// The custom status, on accounts that have them.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub custom_status_id: Option<i64>,
    /// `urgent|high|normal|low`, or `null`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub priority: Option<String>,
    /// Group.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub group_id: Option<i64>,
    /// The end user who asked (the customer).
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub requester_id: Option<i64>,
    /// Assignee.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub assignee_id: Option<i64>,
    /// Subject.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub subject: Option<String>,
    /// Created.
    #[serde(default, deserialize_with = "lenient::opt_time")]
    pub created_at: Option<Timestamp>,
    /// `updated_at` exactly as sent: the `updated_stamp` of a safe update echoes it.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub updated_at: Option<String>,
    /// Unix seconds, bumped by every update (system ones too).
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub generated_timestamp: Option<i64>,
    /// The `slas` sideload, when asked for and available.
    #[serde(default, deserialize_with = "lenient::opt_obj")]
    pub slas: Option<Slas>,
    /// `ticket` on search results (other types are skipped).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub result_type: Option<String>,
}

impl Ticket {
    /// `updated_at` parsed.
    pub fn updated(&self) -> Option<Timestamp> {
        self.updated_at
            .as_deref()
            .and_then(|s| s.trim().parse().ok())
    }
}

/// `GET /incremental/tickets/cursor`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IncrementalTickets {
    /// Tickets changed since the cursor (deleted ones too).
    #[serde(default, deserialize_with = "lenient::list")]
    pub tickets: Vec<Ticket>,
    /// Where the next call starts.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub after_cursor: Option<String>,
    /// `true` once caught up.
    #[serde(default, deserialize_with = "lenient::bool")]
    pub end_of_stream: bool,
}

/// `job_status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobStatus {
    /// Job id (hex string).
    #[serde(deserialize_with = "lenient::text_id")]
    pub id: String,
    /// `queued|working|completed|failed` (others kept raw).
    #[serde(default, deserialize_with = "lenient::string")]
    pub status: String,
    /// Why it failed, when it did.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub message: Option<String>,
    /// Per-item results once done.
    #[serde(default, deserialize_with = "lenient::list")]
    pub results: Vec<JobResult>,
}

/// One item of a job's `results`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobResult {
    /// The ticket (or membership) id.
    #[serde(default, deserialize_with = "lenient::id")]
    pub id: i64,
    /// `update`…
    #[serde(default, deserialize_with = "lenient::string")]
    pub action: String,
    /// `Updated`…
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub status: Option<String>,
    /// `false` for a failed item (absent: succeeded unless `error` is set).
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub success: Option<bool>,
    /// The item's error.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub error: Option<String>,
    /// More about it (text, or any JSON shown as text).
    #[serde(default)]
    pub details: Option<Value>,
}

impl JobResult {
    /// Whether this item was applied.
    pub fn ok(&self) -> bool {
        self.success.unwrap_or(self.error.is_none())
    }

    /// The item's failure in words.
    pub fn why(&self) -> String {
        let details = match &self.details {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(v) => v.to_string(),
        };
        match (self.error.as_deref(), details.is_empty()) {
            (Some(e), true) => e.to_owned(),
            (Some(e), false) => format!("{e}: {details}"),
            (None, false) => details,
            (None, true) => "failed".into(),
        }
    }
}

/// `agent_status` inside an agent availability.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentStatus {
    /// Status id (default: offline 2, online 3, away 4, transfers only 5; custom otherwise).
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub id: Option<i64>,
    /// `online`, `away`, … or a custom name.
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    /// Why it was set (`AGENT_STATUS_SWITCHER`, `PUBLIC_API`…), kept raw.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub reason: Option<String>,
    /// When it was set.
    #[serde(default, deserialize_with = "lenient::opt_time")]
    pub updated_at: Option<Timestamp>,
}

/// The attributes of an `agent_availabilities` resource.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AvailabilityAttributes {
    /// The agent.
    #[serde(default, deserialize_with = "lenient::id")]
    pub agent_id: i64,
    /// Unified status (omnichannel contact center only).
    #[serde(default, deserialize_with = "lenient::opt_obj")]
    pub agent_status: Option<AgentStatus>,
    /// The agent's groups.
    #[serde(default, deserialize_with = "lenient::int_list")]
    pub group_ids: Vec<i64>,
}

/// A JSON:API relationship list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Relationship {
    /// The linked resources.
    #[serde(default, deserialize_with = "lenient::list")]
    pub data: Vec<ResourceRef>,
}

/// A JSON:API resource identifier.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceRef {
    /// `channels`…
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
    /// `agent_availabilities|10011|channels|messaging`…
    #[serde(default, deserialize_with = "lenient::text_id")]
    pub id: String,
}

/// An agent availability's relationships.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AvailabilityRelationships {
    /// The agent's channels.
    #[serde(default, deserialize_with = "lenient::opt_obj")]
    pub channels: Option<Relationship>,
}

/// One item of `data` in `GET /agent_availabilities`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Availability {
    /// `agent_availabilities`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
    /// `agent_availabilities|10011`.
    #[serde(default, deserialize_with = "lenient::text_id")]
    pub id: String,
    /// The attributes.
    #[serde(default, deserialize_with = "lenient::opt_obj")]
    pub attributes: Option<AvailabilityAttributes>,
    /// The channels.
    #[serde(default, deserialize_with = "lenient::opt_obj")]
    pub relationships: Option<AvailabilityRelationships>,
}

/// The attributes of an `included` channel.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChannelAttributes {
    /// `messaging`, `support`, `talk`…
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    /// `online`, `away`, `offline`…
    #[serde(default, deserialize_with = "lenient::string")]
    pub status: String,
    /// The cap the capacity rule gives on this channel.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub max_capacity: Option<i64>,
    /// Work items the routing counts.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub work_item_count: Option<i64>,
}

/// One item of `included` (channels; other types are ignored).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Included {
    /// `channels`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
    /// Its id, as referenced from `relationships`.
    #[serde(default, deserialize_with = "lenient::text_id")]
    pub id: String,
    /// The attributes.
    #[serde(default, deserialize_with = "lenient::opt_obj")]
    pub attributes: Option<ChannelAttributes>,
}

/// A JSON:API page of agent availabilities, with its `included` channels.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AvailabilityPage {
    /// The agents.
    #[serde(default, deserialize_with = "lenient::list")]
    pub data: Vec<Availability>,
    /// Their channels.
    #[serde(default, deserialize_with = "lenient::list")]
    pub included: Vec<Included>,
    /// Cursor meta.
    #[serde(default, deserialize_with = "lenient::opt_obj")]
    pub meta: Option<CursorMeta>,
    /// Cursor links.
    #[serde(default, deserialize_with = "lenient::opt_obj")]
    pub links: Option<CursorLinks>,
}

/// One agent's availability, with its channels resolved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AgentAvailability {
    /// The agent.
    pub agent_id: i64,
    /// Unified status, when the account has it.
    pub status: Option<AgentStatus>,
    /// Channels (name, status, cap, work items).
    pub channels: Vec<ChannelAttributes>,
}

impl AvailabilityPage {
    /// The agents with their channels joined from `included`.
    pub fn agents(&self) -> Vec<AgentAvailability> {
        self.data
            .iter()
            .filter_map(|a| {
                let attrs = a.attributes.as_ref()?;
                let refs = a
                    .relationships
                    .as_ref()
                    .and_then(|r| r.channels.as_ref())
                    .map(|c| c.data.as_slice())
                    .unwrap_or(&[]);
                let channels = self
                    .included
                    .iter()
                    .filter(|i| i.kind == "channels" && refs.iter().any(|r| r.id == i.id))
                    .filter_map(|i| i.attributes.clone())
                    .collect();
                let agent_id = if attrs.agent_id > 0 {
                    attrs.agent_id
                } else {
                    a.id.rsplit('|').next()?.parse().ok()?
                };
                Some(AgentAvailability {
                    agent_id,
                    status: attrs.agent_status.clone(),
                    channels,
                })
            })
            .collect()
    }

    /// The next page (cursor only).
    pub fn next(&self) -> Next {
        Page {
            items: self.data.clone(),
            meta: self.meta.clone(),
            links: self.links.clone(),
            next_page: None,
        }
        .next()
    }
}

/// `GET /agent_availabilities/{id}`: `data` is one object (tolerated as a list too).
pub fn availability_one(body: &[u8]) -> Result<AvailabilityPage, String> {
    let mut v = json(body)?;
    if let Some(d) = v.get_mut("data")
        && d.is_object()
    {
        *d = Value::Array(vec![d.take()]);
    }
    serde_json::from_value(v).map_err(|e| e.to_string())
}

/// The attributes of a unified agent status.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatusAttributes {
    /// `online`, `away`… or the custom name.
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    /// Description.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub description: Option<String>,
    /// Custom statuses: the state per channel (`{"messaging":"away","support":"online"}`).
    #[serde(default)]
    pub channels: Option<serde_json::Map<String, Value>>,
}

/// One unified agent status (default or custom).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UnifiedStatus {
    /// Status id.
    #[serde(default, deserialize_with = "lenient::id")]
    pub id: i64,
    /// The attributes.
    #[serde(default, deserialize_with = "lenient::opt_obj")]
    pub attributes: Option<StatusAttributes>,
}

impl UnifiedStatus {
    /// Its name.
    pub fn name(&self) -> &str {
        self.attributes.as_ref().map_or("", |a| a.name.as_str())
    }
}

/// `GET /agent_availabilities/agent_statuses`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatusList {
    /// Offline, online, away, transfers only.
    #[serde(default, deserialize_with = "lenient::list")]
    pub default: Vec<UnifiedStatus>,
    /// The account's own statuses.
    #[serde(default, deserialize_with = "lenient::list")]
    pub custom: Vec<UnifiedStatus>,
    /// Cursor meta.
    #[serde(default, deserialize_with = "lenient::opt_obj")]
    pub meta: Option<CursorMeta>,
    /// Cursor links.
    #[serde(default, deserialize_with = "lenient::opt_obj")]
    pub links: Option<CursorLinks>,
}

/// The unified status PUT body. Unverified on a live account (see the notes, §2.3); the
/// simulator accepts this form and the JSON:API one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetStatus {
    /// The status id.
    pub id: i64,
}

/// Per-channel capacities of a capacity rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Capacities {
    /// Email (support tickets).
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub email: Option<i64>,
    /// Messaging.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub messaging: Option<i64>,
    /// Voice.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub voice: Option<i64>,
}

/// An agent in a capacity rule's sample.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleAgent {
    /// Agent id.
    #[serde(default, deserialize_with = "lenient::id")]
    pub id: i64,
    /// Name.
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
}

/// A capacity rule's assignees.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleAssignees {
    /// A sample of the agents (not necessarily all).
    #[serde(default, deserialize_with = "lenient::list")]
    pub agents_sample: Vec<RuleAgent>,
    /// How many agents the rule has.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub count: Option<i64>,
}

/// One capacity rule (`GET /capacity/rules` answers a bare array of these).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CapacityRule {
    /// 26-character id.
    #[serde(default, deserialize_with = "lenient::text_id")]
    pub id: String,
    /// Name.
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    /// The account's default rule (agents in no other rule).
    #[serde(default, deserialize_with = "lenient::bool")]
    pub default: bool,
    /// Per-channel caps.
    #[serde(default, deserialize_with = "lenient::opt_obj")]
    pub capacities: Option<Capacities>,
    /// Its agents.
    #[serde(default, deserialize_with = "lenient::opt_obj")]
    pub assignees: Option<RuleAssignees>,
}

/// Capacity rules: a bare array (documented), or tolerated under `capacity_rules`/`data`.
pub fn capacity_rules(body: &[u8]) -> Result<Vec<CapacityRule>, String> {
    match json(body)? {
        v @ Value::Array(_) => Ok(lenient::items(v)),
        Value::Object(mut m) => Ok(lenient::items(
            m.remove("capacity_rules")
                .or_else(|| m.remove("data"))
                .unwrap_or(Value::Null),
        )),
        _ => Err("expected a list of capacity rules".into()),
    }
}

/// `PUT /tickets/{id}` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketUpdate {
    /// The change.
    pub ticket: TicketChange,
}

/// The fields of a reassignment. `Some(None)` sends `null` (unassign); `None` leaves it out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TicketChange {
    /// The ticket (batch `update_many` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// New assignee, or `null`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub assignee_id: Option<Option<i64>>,
    /// New group, or `null`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub group_id: Option<Option<i64>>,
    /// Protect against collisions (with `updated_stamp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safe_update: Option<bool>,
    /// The ticket's `updated_at` as last read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_stamp: Option<String>,
}

/// Serialises `Option<Option<T>>` as absent / `null` / value.
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, T: Serialize>(
        v: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Ok(Some(Option::deserialize(d)?))
    }
}

/// `PUT /tickets/update_many` batch body (≤ 100 tickets, each with its own stamp).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketBatch {
    /// One change per ticket.
    pub tickets: Vec<TicketChange>,
}

/// `POST /group_memberships` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewMembership {
    /// The membership.
    pub group_membership: NewMembershipFields,
}

/// The fields of a new membership.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewMembershipFields {
    /// The agent.
    pub user_id: i64,
    /// The group.
    pub group_id: i64,
}

/// A Zendesk error body, in any of its shapes (see [`ErrorBody::parse`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorBody {
    /// A machine code (`RecordNotFound`, `invalid_token`, `Forbidden`…).
    pub code: Option<String>,
    /// The message, one line.
    pub message: Option<String>,
}

impl ErrorBody {
    /// Reads `{"error":CODE,"description":…,"details":{field:[{description}]}}`,
    /// `{"error":"Couldn't authenticate you"}`, `{"error":{"title","message"}}`,
    /// `{"error":"invalid_token","error_description":…}`, `{"errors":[{code,title,detail}]}`;
    /// anything else (a `text/plain` 429, HTML) is its first line of text.
    pub fn parse(body: &[u8]) -> ErrorBody {
        let mut e = Self::parse_raw(body);
        e.message = e
            .message
            .map(|m| m.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|m| !m.is_empty());
        e
    }

    fn parse_raw(body: &[u8]) -> ErrorBody {
        let text = String::from_utf8_lossy(body);
        let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(body) else {
            let line = text.lines().map(str::trim).find(|l| !l.is_empty());
            return ErrorBody {
                code: None,
                message: line
                    .filter(|l| !l.starts_with('<'))
                    .map(|l| l.chars().take(200).collect()),
            };
        };
        let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        if let Some(Value::Array(errors)) = m.get("errors")
            && let Some(Value::Object(first)) = errors.first()
        {
            let title = s(first.get("title"));
            let detail = s(first.get("detail"));
            return ErrorBody {
                code: s(first.get("code")),
                message: match (title, detail) {
                    (Some(t), Some(d)) => Some(format!("{t}: {d}")),
                    (t, d) => t.or(d),
                },
            };
        }
        let (code, mut message) = match m.get("error") {
            Some(Value::Object(e)) => (s(e.get("title")), s(e.get("message"))),
            Some(Value::String(e)) if e.contains(' ') => (None, Some(e.clone())),
            Some(Value::String(e)) => (
                Some(e.clone()),
                s(m.get("description")).or_else(|| s(m.get("error_description"))),
            ),
            _ => (None, s(m.get("description"))),
        };
        if let Some(Value::Object(details)) = m.get("details") {
            let items: Vec<String> = details
                .iter()
                .flat_map(|(field, v)| match v {
                    Value::Array(list) => list
                        .iter()
                        .map(|d| {
                            d.get("description")
                                .and_then(Value::as_str)
                                .map_or_else(|| format!("{field}: {d}"), str::to_owned)
                        })
                        .collect::<Vec<_>>(),
                    other => vec![format!("{field}: {other}")],
                })
                .collect();
            if !items.is_empty() {
                let head = message.take().unwrap_or_else(|| "invalid".into());
                message = Some(format!("{head}: {}", items.join("; ")));
            }
        }
        ErrorBody { code, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cursor_last_page_with_a_non_null_next_link_ends_the_list() {
        let body = br#"{"tickets":[{"id":1,"status":"open"}],
            "meta":{"has_more":false,"after_cursor":"eyJvIjoibmljZV9pZCIsInYiOiJhUUlBQUFBQUFBQUEifQ==","before_cursor":"x"},
            "links":{"next":"https://x.zendesk.com/api/v2/tickets.json?page%5Bsize%5D=100&page%5Bafter%5D=eyJv","prev":"https://x"}}"#;
        let p: Page<Ticket> = page(body, "tickets").unwrap();
        assert_eq!(p.items.len(), 1);
        assert_eq!(p.next(), Next::Done);
        let more = br#"{"tickets":[{"id":1}],"meta":{"has_more":true,"after_cursor":"abc"},
            "links":{"next":"https://x/api/v2/tickets.json?page[after]=abc"}}"#;
        let p: Page<Ticket> = page(more, "tickets").unwrap();
        assert_eq!(p.next(), Next::After("abc".into()));
        // No after_cursor: the link's page[after] is used.
        let link_only = br#"{"tickets":[{"id":1}],"meta":{"has_more":true,"after_cursor":null},
            "links":{"next":"https://x/api/v2/tickets.json?page%5Bsize%5D=2&page%5Bafter%5D=q%3D%3D"}}"#;
        let p: Page<Ticket> = page(link_only, "tickets").unwrap();
        assert_eq!(p.next(), Next::After("q==".into()));
        // The final empty page (total a multiple of the size).
        let empty = br#"{"tickets":[],"meta":{"has_more":true,"after_cursor":"z"}}"#;
        let p: Page<Ticket> = page(empty, "tickets").unwrap();
        assert_eq!(p.next(), Next::Done);
    }

    #[test]
    fn offset_pages_follow_next_page() {
        let body = br#"{"groups":[{"id":3432,"name":"First Level Support","default":true,
            "deleted":false,"is_public":true,"created_at":"2009-07-20T22:55:29Z"}],
            "next_page":"https://x.zendesk.com/api/v2/groups.json?page=2","previous_page":null,"count":150}"#;
        let p: Page<Group> = page(body, "groups").unwrap();
        assert_eq!(p.items[0].name, "First Level Support");
        assert!(p.items[0].default);
        assert_eq!(
            p.next(),
            Next::Url("https://x.zendesk.com/api/v2/groups.json?page=2".into())
        );
        let last = br#"{"groups":[{"id":1}],"next_page":null}"#;
        assert_eq!(page::<Group>(last, "groups").unwrap().next(), Next::Done);
    }

    #[test]
    fn search_export_page_decodes() {
        let body = br#"{"results":[{"id":35436,"status":"open","result_type":"ticket","priority":null,
            "group_id":12,"assignee_id":null,"updated_at":"2026-05-01T10:00:00Z"}],"facets":null,
            "meta":{"has_more":true,"after_cursor":"MTU3","before_cursor":null},
            "links":{"next":"https://x/api/v2/search/export.json?page%5Bafter%5D=MTU3","prev":null}}"#;
        let p: Page<Ticket> = page(body, "results").unwrap();
        let t = &p.items[0];
        assert_eq!((t.id, t.group_id, t.assignee_id), (35436, Some(12), None));
        assert_eq!(t.priority, None);
        assert_eq!(t.updated_at.as_deref(), Some("2026-05-01T10:00:00Z"));
        assert_eq!(p.next(), Next::After("MTU3".into()));
    }

    #[test]
    fn incremental_cursor_end_of_stream() {
        let body = br#"{"tickets":[{"id":1,"status":"deleted"}],"after_cursor":"MTU3NjYxMzUzOS4wfHw0Njd8",
            "after_url":"https://x/api/v2/incremental/tickets/cursor.json?cursor=MTU3NjYxMzUzOS4wfHw0Njd8",
            "before_cursor":null,"before_url":null,"end_of_stream":true}"#;
        let i: IncrementalTickets = serde_json::from_slice(body).unwrap();
        assert!(i.end_of_stream);
        assert_eq!(i.after_cursor.as_deref(), Some("MTU3NjYxMzUzOS4wfHw0Njd8"));
        assert_eq!(i.tickets[0].status, "deleted");
    }

    #[test]
    fn slas_policy_metrics_with_minutes_hours_days() {
        let body = br#"{"id":5,"status":"open","slas":{"policy_metrics":[
            {"breach_at":"2026-05-08T14:29:34Z","stage":"active","metric":"next_reply_time","hours":21},
            {"breach_at":"2025-12-18T03:07:32Z","stage":"achieved","metric":"first_reply_time","days":-141},
            {"breach_at":null,"stage":"paused","metric":"periodic_update_time","minutes":7}]}}"#;
        let t: Ticket = serde_json::from_slice(body).unwrap();
        let m = &t.slas.unwrap().policy_metrics;
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].relative_minutes(), Some(21 * 60));
        assert_eq!(m[1].relative_minutes(), Some(-141 * 1440));
        assert_eq!((m[2].breach_at, m[2].relative_minutes()), (None, Some(7)));
        assert_eq!(
            m[0].breach_at,
            Some("2026-05-08T14:29:34Z".parse().unwrap())
        );
    }

    #[test]
    fn agent_availabilities_json_api_joins_channels() {
        let body = br#"{"data":[{"type":"agent_availabilities","id":"agent_availabilities|10011",
             "attributes":{"agent_id":10011,
                "agent_status":{"id":1,"name":"online","reason":"UNKNOWN","updated_at":"2022-06-21T10:23:25.583732Z"},
                "group_ids":[1],"skills":[{"id":"1ae11c11-9993-49f8-9850-c2dc096badd1"}],"version":236},
             "links":{"self":"https://example.zendesk.com/api/v2/agent_availabilities/10011"},
             "relationships":{"channels":{"data":[{"id":"agent_availabilities|10011|channels|messaging","type":"channels"}]}}}],
           "included":[{"type":"channels","id":"agent_availabilities|10011|channels|messaging",
             "attributes":{"name":"messaging","status":"online","max_capacity":1,"work_item_count":5,
                           "updated_at":"2022-06-21T10:23:25.583732Z"},
             "relationships":{"work_items":{"data":[{"id":"x","type":"work_items"}],"meta":{"has_more":true}}}}],
           "meta":{"has_more":false,"after_cursor":null}}"#;
        let p: AvailabilityPage = serde_json::from_slice(body).unwrap();
        let a = p.agents();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].agent_id, 10011);
        let status = a[0].status.as_ref().unwrap();
        assert_eq!((status.id, status.name.as_str()), (Some(1), "online"));
        assert!(status.updated_at.is_some());
        assert_eq!(a[0].channels[0].max_capacity, Some(1));
        assert_eq!(a[0].channels[0].work_item_count, Some(5));
        assert_eq!(p.next(), Next::Done);
    }

    #[test]
    fn unified_statuses_default_and_custom() {
        let body = br#"{"default":[{"id":3,"type":"agent_status","attributes":{"name":"online","description":"Can receive work"}},
            {"id":4,"type":"agent_status","attributes":{"name":"away"}}],
           "custom":[{"id":123,"type":"agent_status","attributes":{"name":"In a meeting",
              "channels":{"messaging":"away","support":"online","talk":"away"},"group_ids":[1]},"updated_at":"2024-01-01T00:00:00Z"}],
           "links":{"next":null},"meta":{"has_more":false}}"#;
        let l: StatusList = serde_json::from_slice(body).unwrap();
        assert_eq!(l.default[0].name(), "online");
        assert_eq!(l.custom[0].id, 123);
        assert_eq!(l.custom[0].name(), "In a meeting");
    }

    #[test]
    fn capacity_rules_are_a_bare_array() {
        let body = br#"[{"id":"12345678901234567890123456","name":"Example capacity rule","description":"x","default":false,
            "capacities":{"email":1,"messaging":0,"voice":0},"assignees":{"agents_sample":[{"id":123,"name":"Ann"}],"count":2},
            "created_at":"2022-01-01T00:00:00.000Z","last_updated_at":"2023-01-01T00:00:00.000Z"}]"#;
        let r = capacity_rules(body).unwrap();
        assert_eq!(r[0].id, "12345678901234567890123456");
        assert_eq!(r[0].capacities.as_ref().unwrap().email, Some(1));
        assert_eq!(r[0].assignees.as_ref().unwrap().agents_sample[0].id, 123);
        assert!(capacity_rules(b"\"nope\"").is_err());
    }

    #[test]
    fn job_status_results_per_item() {
        let body = br#"{"job_status":{"id":"82de0b044094f0c67893ac9fe64f1a99","status":"completed","progress":2,
            "total":2,"message":"Completed at 2026-05-01","results":[{"id":244,"action":"update","status":"Updated","success":true},
            {"id":245,"action":"update","success":false,"error":"TicketUpdateFailed","details":"Safe Update prevented the update"}],
            "url":"https://x/api/v2/job_statuses/82de.json","job_type":"ThrottleJob"}}"#;
        let j: JobStatus = one(body, "job_status").unwrap();
        assert_eq!(j.status, "completed");
        assert!(j.results[0].ok() && !j.results[1].ok());
        assert!(j.results[1].why().contains("Safe Update"));
    }

    #[test]
    fn every_error_shape_reads_as_one_line() {
        let cases: [(&[u8], Option<&str>, &str); 9] = [
            (
                br#"{"error":"RecordNotFound","description":"Not found"}"#,
                Some("RecordNotFound"),
                "Not found",
            ),
            (
                br#"{"error":"RecordInvalid","description":"Record validation errors",
                "details":{"assignee":[{"description":"Assignee: is invalid","error":"InvalidValue"},
                {"description":"Assignee: is not a member of the group"}]}}"#,
                Some("RecordInvalid"),
                "Record validation errors: Assignee: is invalid; Assignee: is not a member of the group",
            ),
            (
                br#"{"error":"Couldn't authenticate you"}"#,
                None,
                "Couldn't authenticate you",
            ),
            (
                br#"{"error":"invalid_token","error_description":"The access token provided is expired, revoked, malformed or invalid for other reasons."}"#,
                Some("invalid_token"),
                "The access token provided is expired",
            ),
            (
                br#"{"error":{"title":"Forbidden","message":"You do not have access to this page. Please contact the account owner of this help desk for further help."}}"#,
                Some("Forbidden"),
                "You do not have access",
            ),
            (
                br#"{"error":"Forbidden","description":"You are missing the following required scopes: read"}"#,
                Some("Forbidden"),
                "missing the following required scopes",
            ),
            (
                br#"{"errors":[{"code":"InvalidPaginationParameter","title":"page[after] is not valid"}]}"#,
                Some("InvalidPaginationParameter"),
                "page[after] is not valid",
            ),
            (
                br#"{"error":"UpdateConflict","description":"Safe Update prevented the update due to outdated ticket data"}"#,
                Some("UpdateConflict"),
                "Safe Update prevented",
            ),
            (
                b"Number of allowed API requests per minute exceeded",
                None,
                "Number of allowed API requests per minute exceeded",
            ),
        ];
        for (body, code, says) in cases {
            let e = ErrorBody::parse(body);
            assert_eq!(e.code.as_deref(), code, "{e:?}");
            let m = e.message.unwrap_or_default();
            assert!(m.contains(says), "{m:?} lacks {says:?}");
            assert!(!m.contains('\n'), "{m:?}");
        }
        assert_eq!(ErrorBody::parse(b"<html>oops</html>").message, None);
    }

    #[test]
    fn a_reassignment_body_says_null_to_unassign_and_omits_what_stays() {
        let body = TicketUpdate {
            ticket: TicketChange {
                assignee_id: Some(None),
                safe_update: Some(true),
                updated_stamp: Some("2026-05-01T10:00:00Z".into()),
                ..TicketChange::default()
            },
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"ticket":{"assignee_id":null,"safe_update":true,"updated_stamp":"2026-05-01T10:00:00Z"}}"#
        );
        let to = TicketChange {
            group_id: Some(Some(7)),
            ..TicketChange::default()
        };
        assert_eq!(serde_json::to_string(&to).unwrap(), r#"{"group_id":7}"#);
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "[a-z0-9:=|_ -]{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 40, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map(
                    prop_oneof![
                        Just("id".to_owned()),
                        Just("tickets".to_owned()),
                        Just("meta".to_owned()),
                        Just("links".to_owned()),
                        Just("has_more".to_owned()),
                        Just("after_cursor".to_owned()),
                        Just("next".to_owned()),
                        Just("next_page".to_owned()),
                        Just("data".to_owned()),
                        Just("attributes".to_owned()),
                        Just("slas".to_owned()),
                        Just("policy_metrics".to_owned()),
                        Just("error".to_owned()),
                        Just("errors".to_owned()),
                        Just("details".to_owned()),
                        "[a-z_]{1,8}",
                    ],
                    inner,
                    0..5
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Arbitrary JSON never panics a decoder, and a cursor page never says "more" with
        /// no items or an empty cursor (so paging always ends).
        #[test]
        fn decoders_never_panic_and_paging_ends(v in arb_json()) {
            let bytes = serde_json::to_vec(&v).unwrap();
            if let Ok(p) = page::<Ticket>(&bytes, "tickets") {
                match p.next() {
                    Next::After(c) => prop_assert!(!c.is_empty() && !p.items.is_empty()),
                    Next::Url(u) => prop_assert!(!u.is_empty() && !p.items.is_empty()),
                    Next::Done => {}
                }
            }
            let _ = page::<Group>(&bytes, "data");
            let _ = one::<JobStatus>(&bytes, "job_status");
            let _ = serde_json::from_slice::<IncrementalTickets>(&bytes);
            let _ = serde_json::from_slice::<AvailabilityPage>(&bytes).map(|p| p.agents());
            let _ = serde_json::from_slice::<StatusList>(&bytes);
            let _ = capacity_rules(&bytes);
            let _ = ErrorBody::parse(&bytes);
            if let Ok(c) = serde_json::from_slice::<CommentPage>(&bytes) {
                let d = super::super::mapping::conversation_detail(c.users.first(), &c);
                prop_assert!(d.parts.len() <= crate::domain::detail::LAST_PARTS);
            }
        }

        /// Arbitrary bytes never panic the error parser and give at most one line.
        #[test]
        fn error_parser_takes_any_bytes(b in proptest::collection::vec(any::<u8>(), 0..200)) {
            let e = ErrorBody::parse(&b);
            prop_assert!(e.message.is_none_or(|m| !m.contains('\n')));
        }
    }
}

/// `GET /api/v2/tickets/{id}/comments`: one page of comments, with the authors when
/// `include=users` was asked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CommentPage {
    /// The comments.
    #[serde(default, deserialize_with = "lenient::list")]
    pub comments: Vec<Comment>,
    /// The sideloaded users.
    #[serde(default, deserialize_with = "lenient::list")]
    pub users: Vec<User>,
    /// Cursor paging: whether more pages follow.
    #[serde(default, deserialize_with = "lenient::opt_obj")]
    pub meta: Option<CursorMeta>,
}

/// A ticket comment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    /// Comment id.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub id: Option<i64>,
    /// Author (a user id; `-1` for the system).
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub author_id: Option<i64>,
    /// Plain text as Zendesk presents it.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub plain_body: Option<String>,
    /// The comment as HTML.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub html_body: Option<String>,
    /// The comment string.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub body: Option<String>,
    /// `false` for an internal note. Absent counts as public.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub public: Option<bool>,
    /// Created.
    #[serde(default, deserialize_with = "lenient::opt_time")]
    pub created_at: Option<Timestamp>,
}
