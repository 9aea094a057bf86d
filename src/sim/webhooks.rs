//! The simulator's webhooks, vendor-neutral: a task watches the world (every
//! [`SCAN_EVERY`], and at once after a write through the API), turns what changed into
//! [`Change`]s, has the vendor's projection shape and sign each one as its vendor would, and
//! POSTs them to one URL in order (`simulate --webhook URL --webhook-secret S`). Deliveries are
//! fire-and-forget like the vendors' own (no retry here); `/_sim/stats` counts them.

use super::server::{Shared, lock};
use super::world::{SimState, World};
use jiff::Timestamp;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// How often the world is looked at for changes when nothing was written.
pub const SCAN_EVERY: Duration = Duration::from_millis(250);

/// How long a delivery may take (the vendors allow about 5 s).
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// Where to send webhooks and the secret to sign them with.
#[derive(Clone)]
pub struct WebhookTarget {
    /// The receiver's URL.
    pub url: String,
    /// The shared signing secret.
    pub secret: String,
}

impl std::fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookTarget")
            .field("url", &self.url)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// Something that happened in the world, as a webhook reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A conversation arrived.
    Created(u64),
    /// Its assignee changed (from the previous one; 0 = none).
    Assigned {
        /// Conversation.
        id: u64,
        /// The assignee before.
        previous: i64,
    },
    /// Its inbox changed (from the previous one; 0 = none).
    Moved {
        /// Conversation.
        id: u64,
        /// The inbox before.
        previous: i64,
    },
    /// Its state changed.
    State {
        /// Conversation.
        id: u64,
        /// The state before.
        previous: SimState,
    },
    /// Its priority changed.
    Priority {
        /// Conversation.
        id: u64,
        /// The priority before.
        previous: usize,
    },
    /// Someone replied (a teammate, else the customer).
    Replied {
        /// Conversation.
        id: u64,
        /// A teammate replied.
        by_teammate: bool,
    },
    /// A teammate's away status changed.
    Away(i64),
}

/// What a delivery is stamped with.
pub struct Outgoing<'a> {
    /// The signing secret.
    pub secret: &'a [u8],
    /// Sim time of sending.
    pub now: Timestamp,
    /// A fresh unique id for the delivery.
    pub id: String,
}

/// One signed delivery, as the vendor sends it.
pub struct Delivery {
    /// Headers (the signature among them).
    pub headers: Vec<(&'static str, String)>,
    /// The raw body.
    pub body: Vec<u8>,
}

/// A projection's webhook shaper: the delivery of `change`, or `None` when the vendor sends
/// nothing for it.
pub type Shape = fn(&World, &Change, &Outgoing<'_>) -> Option<Delivery>;

#[derive(Clone, Copy, PartialEq, Eq)]
struct ConvSeen {
    admin: i64,
    team: i64,
    state: SimState,
    priority: usize,
    admin_reply: Option<Timestamp>,
    contact_reply: Option<Timestamp>,
}

/// What the emitter saw last.
#[derive(Default)]
pub struct Seen {
    convs: HashMap<u64, ConvSeen>,
    away: HashMap<i64, (bool, Option<i64>)>,
}

impl Seen {
    /// The changes from what was seen to `w` (and `w` remembered as seen).
    pub fn diff(&mut self, w: &World) -> Vec<Change> {
        let mut out = Vec::new();
        for c in w.conversations.values() {
            let now = ConvSeen {
                admin: c.admin,
                team: c.team,
                state: c.state,
                priority: c.priority,
                admin_reply: c.last_admin_reply_at,
                contact_reply: c.last_contact_reply_at,
            };
            match self.convs.insert(c.id, now) {
                None => {
                    if c.state != SimState::Closed {
                        out.push(Change::Created(c.id));
                    }
                }
                Some(was) if was == now => {}
                Some(was) => {
                    let id = c.id;
                    if was.admin != now.admin {
                        out.push(Change::Assigned {
                            id,
                            previous: was.admin,
                        });
                    }
                    if was.team != now.team {
                        out.push(Change::Moved {
                            id,
                            previous: was.team,
                        });
                    }
                    if was.state != now.state {
                        out.push(Change::State {
                            id,
                            previous: was.state,
                        });
                    }
                    if was.priority != now.priority {
                        out.push(Change::Priority {
                            id,
                            previous: was.priority,
                        });
                    }
                    if was.admin_reply != now.admin_reply {
                        out.push(Change::Replied {
                            id,
                            by_teammate: true,
                        });
                    } else if was.contact_reply != now.contact_reply {
                        out.push(Change::Replied {
                            id,
                            by_teammate: false,
                        });
                    }
                }
            }
        }
        for a in &w.admins {
            let now = (a.away, a.reason);
            if self.away.insert(a.id, now).is_some_and(|was| was != now) {
                out.push(Change::Away(a.id));
            }
        }
        out
    }
}

/// Runs until aborted: watches `shared`'s world and sends what `shape` makes of each change.
pub async fn run(shared: Arc<Shared>, target: WebhookTarget, shape: Shape) {
    let client = match reqwest::Client::builder().timeout(TIMEOUT).build() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "simulator webhooks: no HTTP client");
            return;
        }
    };
    let mut seen = Seen::default();
    seen.diff(&shared.world_now());
    let mut n: u64 = 0;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(SCAN_EVERY) => {}
            _ = shared.written.notified() => {}
        }
        let deliveries: Vec<Delivery> = {
            let w = shared.world_now();
            let changes = seen.diff(&w);
            changes
                .iter()
                .filter_map(|c| {
                    n += 1;
                    let out = Outgoing {
                        secret: target.secret.as_bytes(),
                        now: w.now,
                        id: format!("{:08x}-{n:016x}", rand::random::<u32>()),
                    };
                    shape(&w, c, &out)
                })
                .collect()
        };
        for d in deliveries {
            let mut req = client
                .post(&target.url)
                .header("content-type", "application/json");
            for (k, v) in &d.headers {
                req = req.header(*k, v);
            }
            let outcome = match req.body(d.body).send().await {
                Ok(r) => r.status().as_u16().to_string(),
                Err(e) => {
                    tracing::debug!(error = %e, "simulator webhook not delivered");
                    "failed".to_owned()
                }
            };
            *lock(&shared.stats).webhooks.entry(outcome).or_default() += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Scenario;

    #[test]
    fn a_write_and_time_passing_become_changes() {
        let start = Timestamp::from_second(1_800_000_000).unwrap();
        let mut w = World::new(&Scenario::default_demo(), 7, start);
        w.advance_to(
            start
                .checked_add(jiff::SignedDuration::from_hours(2))
                .unwrap(),
        );
        w.quiet = true;
        let mut seen = Seen::default();
        assert!(
            !seen.diff(&w).is_empty(),
            "the first look sees every open conversation"
        );
        assert!(seen.diff(&w).is_empty(), "nothing changed since");
        let (&id, c) = w
            .conversations
            .iter_mut()
            .find(|(_, c)| c.state == SimState::Open)
            .unwrap();
        let previous = c.admin;
        c.admin = if previous == 0 { 1 } else { 0 };
        assert_eq!(seen.diff(&w), vec![Change::Assigned { id, previous }]);
        w.admins[0].away = !w.admins[0].away;
        let id0 = w.admins[0].id;
        assert_eq!(seen.diff(&w), vec![Change::Away(id0)]);
    }
}
