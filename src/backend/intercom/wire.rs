//! Intercom REST 2.16 wire types (plus the Preview team-membership write), as in the spec.
//!
//! The client parses these and the simulator serialises the same structs, so both agree with
//! each other; `tests/spec_conformance.rs` checks them against the published schemas.
//!
//! Parsing is lenient where the spec and its examples disagree: ids arrive as strings or
//! integers, "unassigned" as `0` or `null`, enums carry unknown values, optional fields go
//! missing. None of that is an error.

use serde::{Deserialize, Serialize};

/// The API version sent on every request.
pub const API_VERSION: &str = "2.16";
/// The version sent on Preview (managed availability) requests.
pub const PREVIEW_VERSION: &str = "Preview";

/// Lenient field decoders shared by the wire types.
pub mod lenient {
    pub use crate::backend::lenient::*;
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    /// A string or an integer, as text. `null` becomes an empty string.
    pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => String::new(),
        })
    }
}

/// `error.list`: the body of every failed request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorList {
    /// Always `error.list`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
    /// Request id, for support.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub request_id: Option<String>,
    /// One or more errors.
    #[serde(default, deserialize_with = "lenient::list")]
    pub errors: Vec<ErrorItem>,
}

/// One error of an [`ErrorList`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorItem {
    /// Machine-readable code, e.g. `admin_not_found`.
    #[serde(deserialize_with = "lenient::string")]
    pub code: String,
    /// Human-readable message.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub message: Option<String>,
    /// The field in error, when one is.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub field: Option<String>,
}

impl ErrorList {
    /// An error list with one error.
    pub fn one(code: &str, message: &str) -> Self {
        Self {
            kind: "error.list".into(),
            request_id: None,
            errors: vec![ErrorItem {
                code: code.into(),
                message: Some(message.into()),
                field: None,
            }],
        }
    }
}

/// `team_priority_level` on an admin.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TeamPriorityLevel {
    /// Teams where the admin is primary.
    #[serde(default, deserialize_with = "lenient::opt_int_list")]
    pub primary_team_ids: Option<Vec<i64>>,
    /// Teams where the admin is secondary.
    #[serde(default, deserialize_with = "lenient::opt_int_list")]
    pub secondary_team_ids: Option<Vec<i64>>,
}

/// `admin`: a teammate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Admin {
    /// Always `admin`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
    /// Admin id (a string on the admin object).
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    /// Name.
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    /// Email.
    #[serde(default, deserialize_with = "lenient::string")]
    pub email: String,
    /// Job title.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub job_title: Option<String>,
    /// Away mode on.
    #[serde(default, deserialize_with = "lenient::bool")]
    pub away_mode_enabled: bool,
    /// Reassign new replies while away.
    #[serde(default, deserialize_with = "lenient::bool")]
    pub away_mode_reassign: bool,
    /// Away reason id (integer in the schema, a string in one example).
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub away_status_reason_id: Option<i64>,
    /// Holds an inbox seat.
    #[serde(default, deserialize_with = "lenient::bool")]
    pub has_inbox_seat: bool,
    /// Teams the admin belongs to (integers).
    #[serde(default, deserialize_with = "lenient::int_list")]
    pub team_ids: Vec<i64>,
    /// Avatar URL.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub avatar: Option<String>,
    /// Primary / secondary teams.
    #[serde(
        default,
        deserialize_with = "lenient::opt_obj",
        skip_serializing_if = "Option::is_none"
    )]
    pub team_priority_level: Option<TeamPriorityLevel>,
}

/// `app`: the workspace, embedded in `GET /me`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct App {
    /// Always `app`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
    /// Workspace id code.
    #[serde(default, deserialize_with = "lenient::string")]
    pub id_code: String,
    /// Workspace name.
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    /// Region, e.g. `US`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub region: String,
    /// Workspace time zone.
    #[serde(default, deserialize_with = "lenient::string")]
    pub timezone: String,
    /// Created (Unix seconds).
    #[serde(default, deserialize_with = "lenient::int")]
    pub created_at: i64,
    /// Identity verification on.
    #[serde(default, deserialize_with = "lenient::bool")]
    pub identity_verification: bool,
}

/// `admin_with_app`: the body of `GET /me`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    /// Always `admin`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
    /// Admin id.
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    /// Name.
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    /// Email.
    #[serde(default, deserialize_with = "lenient::string")]
    pub email: String,
    /// Away mode on.
    #[serde(default, deserialize_with = "lenient::bool")]
    pub away_mode_enabled: bool,
    /// Reassign while away.
    #[serde(default, deserialize_with = "lenient::bool")]
    pub away_mode_reassign: bool,
    /// Holds an inbox seat.
    #[serde(default, deserialize_with = "lenient::bool")]
    pub has_inbox_seat: bool,
    /// Teams.
    #[serde(default, deserialize_with = "lenient::int_list")]
    pub team_ids: Vec<i64>,
    /// The workspace.
    #[serde(
        default,
        deserialize_with = "lenient::opt_obj",
        skip_serializing_if = "Option::is_none"
    )]
    pub app: Option<App>,
}

/// `admin.list`: the body of `GET /admins` (not paginated).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminList {
    /// Always `admin.list`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
    /// The admins; items that do not parse are dropped.
    #[serde(default, deserialize_with = "lenient::list")]
    pub admins: Vec<Admin>,
}

/// `admin_priority_level` on a team (and in the Preview update request).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AdminPriorityLevel {
    /// Primary members.
    #[serde(default, deserialize_with = "lenient::opt_int_list")]
    pub primary_admin_ids: Option<Vec<i64>>,
    /// Secondary members.
    #[serde(default, deserialize_with = "lenient::opt_int_list")]
    pub secondary_admin_ids: Option<Vec<i64>>,
}

/// `team`: a team inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Team {
    /// Always `team`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
    /// Team id (a string on the team object).
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    /// Name.
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    /// Members (integers).
    #[serde(default, deserialize_with = "lenient::int_list")]
    pub admin_ids: Vec<i64>,
    /// Member levels (load-balanced teams report them).
    #[serde(
        default,
        deserialize_with = "lenient::opt_obj",
        skip_serializing_if = "Option::is_none"
    )]
    pub admin_priority_level: Option<AdminPriorityLevel>,
    /// Per-teammate limit; only present on load-balanced teams.
    #[serde(
        default,
        deserialize_with = "lenient::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub assignment_limit: Option<i64>,
    /// `round_robin`, `load_balanced`, … (unknown values kept).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub distribution_method: Option<String>,
}

/// `team.list`: the body of `GET /teams` (not paginated).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamList {
    /// Always `team.list`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
    /// The teams; items that do not parse are dropped.
    #[serde(default, deserialize_with = "lenient::list")]
    pub teams: Vec<Team>,
}

/// `away_status_reason`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AwayStatusReason {
    /// Always `away_status_reason`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
    /// Reason id (a string here, an integer on the admin).
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    /// Display text.
    #[serde(default, deserialize_with = "lenient::string")]
    pub label: String,
    /// Emoji.
    #[serde(default, deserialize_with = "lenient::string")]
    pub emoji: String,
    /// Display order.
    #[serde(default, deserialize_with = "lenient::int")]
    pub order: i64,
    /// Soft-deleted.
    #[serde(default, deserialize_with = "lenient::bool")]
    pub deleted: bool,
    /// Created (Unix seconds).
    #[serde(default, deserialize_with = "lenient::int")]
    pub created_at: i64,
    /// Updated (Unix seconds).
    #[serde(default, deserialize_with = "lenient::int")]
    pub updated_at: i64,
}

/// The body of `GET /away_status_reasons`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AwayStatusReasonList {
    /// Always `list`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
    /// The reasons, deleted ones included.
    #[serde(default, deserialize_with = "lenient::list")]
    pub data: Vec<AwayStatusReason>,
}

/// `sla_applied` (`conversation_sla_summary`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaApplied {
    /// Always `conversation_sla_summary`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
    /// Policy name.
    #[serde(default, deserialize_with = "lenient::string")]
    pub sla_name: String,
    /// `hit`, `missed`, `cancelled`, `active`; `null` once cancelled events exist.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub sla_status: Option<String>,
}

/// The parts of `conversation_statistics` shiftlead reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Statistics {
    /// Always `conversation_statistics`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
    /// First admin reply (Unix seconds).
    #[serde(
        default,
        deserialize_with = "lenient::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub first_admin_reply_at: Option<i64>,
    /// Last assignment (Unix seconds).
    #[serde(
        default,
        deserialize_with = "lenient::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_assignment_at: Option<i64>,
    /// Last admin reply (Unix seconds).
    #[serde(
        default,
        deserialize_with = "lenient::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_admin_reply_at: Option<i64>,
    /// Last contact reply (Unix seconds).
    #[serde(
        default,
        deserialize_with = "lenient::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_contact_reply_at: Option<i64>,
}

/// `conversation` / `conversation_list_item`: the fields shiftlead reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// Always `conversation`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
    /// Conversation id.
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    /// Title.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub title: Option<String>,
    /// Created (Unix seconds).
    #[serde(default, deserialize_with = "lenient::int")]
    pub created_at: i64,
    /// Updated (Unix seconds).
    #[serde(default, deserialize_with = "lenient::int")]
    pub updated_at: i64,
    /// Customer waiting since (Unix seconds); `null` when the last reply is an admin's.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub waiting_since: Option<i64>,
    /// Snoozed until (Unix seconds).
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub snoozed_until: Option<i64>,
    /// Open (not closed).
    #[serde(default, deserialize_with = "lenient::bool")]
    pub open: bool,
    /// `open`, `closed`, `snoozed` (unknown values kept).
    #[serde(default, deserialize_with = "lenient::string")]
    pub state: String,
    /// Read.
    #[serde(default, deserialize_with = "lenient::bool")]
    pub read: bool,
    /// `none`, `low`, `medium`, `high`, `urgent` (unknown values kept).
    #[serde(default, deserialize_with = "lenient::string")]
    pub priority: String,
    /// Assigned admin; `0` (or `null`) when none.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub admin_assignee_id: Option<i64>,
    /// Assigned team; `0` (or `null`) when none.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub team_assignee_id: Option<i64>,
    /// Applied SLA.
    #[serde(default, deserialize_with = "lenient::opt_obj")]
    pub sla_applied: Option<SlaApplied>,
    /// Reporting timestamps.
    #[serde(
        default,
        deserialize_with = "lenient::opt_obj",
        skip_serializing_if = "Option::is_none"
    )]
    pub statistics: Option<Statistics>,
}

/// `starting_after_paging`: a cursor, in requests and in `pages.next`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StartingAfterPaging {
    /// Page size (≤ 150).
    #[serde(
        default,
        deserialize_with = "lenient::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub per_page: Option<i64>,
    /// Cursor from the previous page.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub starting_after: Option<String>,
}

/// `cursor_pages`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CursorPages {
    /// Always `pages`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
    /// Current page, from 1.
    #[serde(default, deserialize_with = "lenient::int")]
    pub page: i64,
    /// Cursor for the next page; absent on the last page.
    #[serde(
        default,
        deserialize_with = "lenient::opt_obj",
        skip_serializing_if = "Option::is_none"
    )]
    pub next: Option<StartingAfterPaging>,
    /// Page size.
    #[serde(default, deserialize_with = "lenient::int")]
    pub per_page: i64,
    /// Number of pages.
    #[serde(default, deserialize_with = "lenient::int")]
    pub total_pages: i64,
}

/// `conversation.list`: the body of a search or list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationList {
    /// Always `conversation.list`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
    /// This page's conversations; items that do not parse are dropped.
    #[serde(default, deserialize_with = "lenient::list")]
    pub conversations: Vec<Conversation>,
    /// Matches across all pages.
    #[serde(default, deserialize_with = "lenient::int")]
    pub total_count: i64,
    /// Paging.
    #[serde(default, deserialize_with = "lenient::opt_obj")]
    pub pages: Option<CursorPages>,
}

/// A search query: one filter, or `AND`/`OR` over nested queries (at most two levels deep).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Query {
    /// `{field, operator, value}`.
    Filter {
        /// Field name, e.g. `state` or `statistics.last_assignment_at`.
        field: String,
        /// `=`, `!=`, `IN`, `NIN`, `<`, `<=`, `>`, `>=`, `~`, `!~`, `^`, `$`.
        operator: String,
        /// String, integer, boolean, array or null.
        #[serde(default)]
        value: serde_json::Value,
    },
    /// `{operator: AND|OR, value: [queries]}`.
    Group {
        /// `AND` or `OR`.
        operator: String,
        /// The nested queries.
        value: Vec<Query>,
    },
}

impl Query {
    /// A single filter.
    pub fn filter(field: &str, operator: &str, value: impl Into<serde_json::Value>) -> Self {
        Query::Filter {
            field: field.into(),
            operator: operator.into(),
            value: value.into(),
        }
    }

    /// `AND` over `parts`.
    pub fn and(parts: Vec<Query>) -> Self {
        Query::Group {
            operator: "AND".into(),
            value: parts,
        }
    }

    /// `OR` over `parts`.
    pub fn or(parts: Vec<Query>) -> Self {
        Query::Group {
            operator: "OR".into(),
            value: parts,
        }
    }
}

/// `search_request`: the body of `POST /conversations/search`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchRequest {
    /// The query.
    pub query: Query,
    /// Paging.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<StartingAfterPaging>,
}

/// The body of `PUT /admins/{id}/away`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AwayRequest {
    /// Away on or off.
    pub away_mode_enabled: bool,
    /// Reassign new replies while away.
    pub away_mode_reassign: bool,
    /// Reason id; only with away on.
    #[serde(
        default,
        deserialize_with = "lenient::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub away_status_reason_id: Option<i64>,
}

/// `assign_conversation_request`: the assignment body of `POST /conversations/{id}/parts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignRequest {
    /// Always `assignment`.
    pub message_type: String,
    /// `admin` or `team`: the kind of assignee.
    #[serde(rename = "type")]
    pub kind: String,
    /// The admin performing the action.
    #[serde(deserialize_with = "lenient::id")]
    pub admin_id: String,
    /// The admin or team to assign to; `"0"` unassigns.
    #[serde(deserialize_with = "lenient::id")]
    pub assignee_id: String,
    /// Optional note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// `update_team_members_request` (Preview): the body of `PUT /teams/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdateTeamMembersRequest {
    /// The complete membership after the request.
    pub admin_ids: Vec<i64>,
    /// Levels to set, naming only the admins whose level changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_priority_level: Option<AdminPriorityLevel>,
}

/// Parses a body that may be an [`ErrorList`]; used for error responses of any status.
pub fn parse_error(body: &[u8]) -> Option<ErrorList> {
    let list: ErrorList = serde_json::from_slice(body).ok()?;
    (!list.errors.is_empty()).then_some(list)
}

/// Deserialises `T` from a JSON body, for callers that want serde's error text.
pub fn from_body<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = T::deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// `GET /conversations/{id}`: a conversation with what only the single read carries (its
/// `source`, `contacts` and `conversation_parts`). The list and search items are plain
/// [`Conversation`]s. Written flattened; read by hand ([`Deserialize`] below).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversationWithParts {
    /// The fields every conversation has.
    #[serde(flatten)]
    pub conversation: Conversation,
    /// The message that started it.
    pub source: Option<Source>,
    /// The contacts (customers) in it.
    pub contacts: Option<ContactList>,
    /// Its parts after the source, oldest first (at most 500).
    pub conversation_parts: Option<PartList>,
}

/// Reads one `Value` twice, as the conversation and as its parts, rather than through
/// `#[serde(flatten)]`: serde's buffered content cannot give the lenient decoders the raw
/// JSON they read sub-objects from (one read per opened conversation: the cost is nothing).
impl<'de> Deserialize<'de> for ConversationWithParts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Parts {
            #[serde(default, deserialize_with = "lenient::opt_obj")]
            source: Option<Source>,
            #[serde(default, deserialize_with = "lenient::opt_obj")]
            contacts: Option<ContactList>,
            #[serde(default, deserialize_with = "lenient::opt_obj")]
            conversation_parts: Option<PartList>,
        }
        use serde::de::Error as _;
        let v = serde_json::Value::deserialize(d)?;
        let conversation = Conversation::deserialize(&v).map_err(D::Error::custom)?;
        let parts = Parts::deserialize(&v).map_err(D::Error::custom)?;
        Ok(Self {
            conversation,
            source: parts.source,
            contacts: parts.contacts,
            conversation_parts: parts.conversation_parts,
        })
    }
}

/// `conversation_source`: the message that started a conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// The channel, e.g. `conversation`, `email`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
    /// Id of the source message.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    /// How it was started, e.g. `customer_initiated`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub delivered_as: String,
    /// Subject (may be empty).
    #[serde(default, deserialize_with = "lenient::string")]
    pub subject: String,
    /// Body, which may contain HTML.
    #[serde(default, deserialize_with = "lenient::string")]
    pub body: String,
    /// Who started it.
    #[serde(default, deserialize_with = "lenient::opt_obj")]
    pub author: Option<Author>,
    /// Attachments (not read; sent empty by the simulator).
    #[serde(default, deserialize_with = "lenient::list")]
    pub attachments: Vec<serde_json::Value>,
    /// A URL the conversation started on.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
    /// Whether the source was redacted.
    #[serde(default, deserialize_with = "lenient::bool")]
    pub redacted: bool,
}

/// `conversation_source_author` / `conversation_part_author`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Author {
    /// `user`, `lead`, `contact`, `admin`, `bot`, `team`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
    /// Id.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    /// Name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// Email.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub email: Option<String>,
}

/// `conversation_contacts`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContactList {
    /// Always `contact.list`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
    /// The contacts.
    #[serde(default, deserialize_with = "lenient::list")]
    pub contacts: Vec<ContactRef>,
}

/// `contact_reference`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContactRef {
    /// Always `contact`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
    /// Intercom's id.
    #[serde(default, deserialize_with = "lenient::id")]
    pub id: String,
    /// The workspace's own id for them.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub external_id: Option<String>,
}

/// `conversation_parts`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PartList {
    /// Always `conversation_part.list`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
    /// The parts, oldest first.
    #[serde(default, deserialize_with = "lenient::list")]
    pub conversation_parts: Vec<Part>,
    /// How many parts there are.
    #[serde(default, deserialize_with = "lenient::int")]
    pub total_count: i64,
}

/// `conversation_part`: a message, note or event in a conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Part {
    /// Always `conversation_part`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
    /// Id.
    #[serde(default, deserialize_with = "lenient::id")]
    pub id: String,
    /// `comment`, `note`, `assignment`, `close`, …
    #[serde(default, deserialize_with = "lenient::string")]
    pub part_type: String,
    /// Body, which may contain HTML; `null` for events.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub body: Option<String>,
    /// Created (Unix seconds).
    #[serde(default, deserialize_with = "lenient::int")]
    pub created_at: i64,
    /// Updated (Unix seconds).
    #[serde(default, deserialize_with = "lenient::int")]
    pub updated_at: i64,
    /// Who wrote it.
    #[serde(default, deserialize_with = "lenient::opt_obj")]
    pub author: Option<Author>,
    /// Attachments (not read; sent empty by the simulator).
    #[serde(default, deserialize_with = "lenient::list")]
    pub attachments: Vec<serde_json::Value>,
    /// Whether it was redacted.
    #[serde(default, deserialize_with = "lenient::bool")]
    pub redacted: bool,
}
