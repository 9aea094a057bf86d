//! Bulk ticket updates as background jobs: `update_many` queues one, and each poll of
//! `job_statuses/{id}` moves it on: the first poll finds it `working`, the second (or any poll
//! five seconds of sim time after it was queued) runs it and finds it `completed` with a
//! result per ticket. Bulk updates are always safe: a ticket changed after the job was queued
//! (or after its own `updated_stamp`) fails with a conflict.

use super::errors;
use super::projection::ts;
use super::writes::{self, Change, Failure, Stamp};
use crate::sim::world::World;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

/// A job runs by this much sim time after it is queued, polled or not.
pub const RUNS_AFTER: SignedDuration = SignedDuration::from_secs(5);

/// One ticket of a job.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Ticket id.
    pub id: u64,
    /// What to change.
    pub change: Change,
    /// The safe-update guard.
    pub stamp: Stamp,
}

/// A queued bulk update.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// 32 hex digits.
    pub id: String,
    /// When it was queued.
    pub queued_at: Timestamp,
    /// Its tickets.
    pub items: Vec<Item>,
    /// Polls so far.
    pub polls: u32,
    /// Per-ticket results, once it ran.
    pub results: Option<Vec<Value>>,
    /// When it ran.
    pub ran_at: Option<Timestamp>,
}

/// The id of the `n`th job: 32 hex digits derived from `n` (deterministic).
pub fn job_id(n: u64) -> String {
    let h = |seed: u64| {
        n.to_le_bytes().iter().fold(seed, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    format!(
        "{:016x}{:016x}",
        h(0xcbf2_9ce4_8422_2325),
        h(0x8422_2325_cbf2_9ce4)
    )
}

impl Job {
    /// Its status now.
    pub fn status(&self) -> &'static str {
        match (&self.results, self.polls) {
            (Some(_), _) => "completed",
            (None, 0) => "queued",
            (None, _) => "working",
        }
    }

    /// Moves it on for one poll at `now`, running it against `w` when due.
    pub fn poll(&mut self, w: &mut World, now: Timestamp) {
        self.polls += 1;
        let due = self.polls >= 2 || now.duration_since(self.queued_at) >= RUNS_AFTER;
        if self.results.is_none() && due {
            self.run(w);
            self.ran_at = Some(now);
        }
    }

    fn run(&mut self, w: &mut World) {
        let results = self
            .items
            .iter()
            .map(|item| match writes::apply(w, item.id, &item.change, item.stamp) {
                Ok(_) => json!({"id": item.id, "action": "update", "status": "Updated", "success": true}),
                Err(f) => {
                    let (error, details) = match f {
                        Failure::NotFound => ("RecordNotFound".to_owned(), "Not found".to_owned()),
                        Failure::Conflict => {
                            ("UpdateConflict".to_owned(), errors::UPDATE_CONFLICT.to_owned())
                        }
                        Failure::Invalid(d) => ("RecordInvalid".to_owned(), describe(&d)),
                    };
                    json!({"id": item.id, "action": "update", "status": "Failed", "success": false, "error": error, "details": details})
                }
            })
            .collect();
        self.results = Some(results);
    }

    /// The `job_status` object.
    pub fn json(&self, base: &str) -> Value {
        let total = self.items.len();
        let done = self.results.is_some();
        json!({
            "id": self.id,
            "url": format!("{base}/api/v2/job_statuses/{}.json", self.id),
            "job_type": "bulk_update",
            "status": self.status(),
            "total": total,
            "progress": if done { Some(total) } else if self.polls > 0 { Some(0) } else { None },
            "message": self.ran_at.map(|t| format!("Completed at {}", ts(t))),
            "results": self.results,
        })
    }
}

/// The descriptions of a `details` object, joined.
fn describe(details: &Value) -> String {
    details
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|d| d.get("description").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_ids_are_32_hex_digits_and_distinct() {
        let (a, b) = (job_id(1), job_id(2));
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert_eq!(a, job_id(1));
    }
}
