//! The projection's own server state, kept in the shared plumbing's vendor slot: queued bulk
//! jobs, the per-endpoint rate-limit windows, and the unified statuses the world has no word
//! for (transfers only), with when each agent's status last changed.

use super::jobs::Job;
use crate::sim::server::{Shared, lock};
use jiff::Timestamp;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{LazyLock, Mutex, MutexGuard};

/// An endpoint limit: its header name (if it sends one), requests per minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointLimit {
    /// Key of the window.
    pub name: &'static str,
    /// `Zendesk-RateLimit-…` header sent on every answer, if any.
    pub header: Option<&'static str>,
    /// Requests per minute.
    pub per_minute: u32,
}

/// Update Ticket: 100 a minute per account.
pub const TICKETS_UPDATE: EndpointLimit = EndpointLimit {
    name: "tickets-update",
    header: Some("zendesk-ratelimit-tickets-update"),
    per_minute: 100,
};
/// Incremental exports: 10 a minute.
pub const INCREMENTAL: EndpointLimit = EndpointLimit {
    name: "incremental-exports",
    header: None,
    per_minute: 10,
};
/// Search export: 100 a minute.
pub const SEARCH_EXPORT: EndpointLimit = EndpointLimit {
    name: "search-export",
    header: None,
    per_minute: 100,
};

/// The mutable part.
#[derive(Debug, Default)]
pub struct Inner {
    /// Bulk jobs by id, in the order queued.
    pub jobs: BTreeMap<String, Job>,
    /// Jobs queued so far (names the next).
    pub jobs_queued: u64,
    /// Endpoint windows: name → (minute start, requests).
    windows: HashMap<&'static str, (i64, u32)>,
    /// Agents whose unified status is "transfers only" (the world counts them online).
    pub transfers_only: BTreeSet<i64>,
    /// When an agent's status was last set through the API.
    pub status_set_at: HashMap<i64, Timestamp>,
    /// Audits written (names the next).
    pub audits: u64,
}

/// The projection's state.
#[derive(Debug, Default)]
pub struct ZendeskState {
    inner: Mutex<Inner>,
}

static FALLBACK: LazyLock<ZendeskState> = LazyLock::new(ZendeskState::default);

impl ZendeskState {
    /// The state in `s`'s vendor slot.
    pub fn of(s: &Shared) -> &ZendeskState {
        s.vendor.downcast_ref().unwrap_or(&FALLBACK)
    }

    /// Locks it.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        lock(&self.inner)
    }
}

/// The outcome of counting a request against an endpoint limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Taken {
    /// Allowed.
    pub ok: bool,
    /// Left in the window.
    pub remaining: u32,
    /// Seconds until the window resets.
    pub resets: i64,
}

impl Inner {
    /// Counts one request against `limit` at `now` (unix seconds).
    pub fn take(&mut self, limit: EndpointLimit, now: i64) -> Taken {
        let start = now - now.rem_euclid(60);
        let resets = (start + 60 - now).max(1);
        let w = self.windows.entry(limit.name).or_insert((start, 0));
        if w.0 != start {
            *w = (start, 0);
        }
        if w.1 >= limit.per_minute {
            return Taken {
                ok: false,
                remaining: 0,
                resets,
            };
        }
        w.1 += 1;
        Taken {
            ok: true,
            remaining: limit.per_minute - w.1,
            resets,
        }
    }
}
