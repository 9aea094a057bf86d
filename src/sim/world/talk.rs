//! Customers and what was said: each conversation's customer and its parts, derived on
//! demand from the conversation's own record (its id, subject and reply times), so they cost
//! no memory, draw nothing from the world's RNG (the seeded dynamics are unchanged) and are
//! the same for every read of the same state. Vendor-neutral: a projection renders them as
//! a vendor's conversation parts or ticket comments.

use super::{SimConversation, World};
use jiff::Timestamp;

/// How many customers the world has; conversation `id` belongs to customer `id % CUSTOMERS`.
pub const CUSTOMERS: u64 = 5_000;

/// A customer (a vendor's contact or end user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimCustomer {
    /// Position among the world's customers (`0..CUSTOMERS`).
    pub index: u64,
    /// Full name.
    pub name: String,
    /// Email.
    pub email: String,
}

/// Who wrote a part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimAuthor {
    /// The conversation's customer.
    Customer,
    /// A teammate (admin id).
    Admin(i64),
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimPart {
    /// Position in the conversation (0 is the opening message).
    pub n: u32,
    /// When it was written.
    pub at: Timestamp,
    /// Who wrote it.
    pub author: SimAuthor,
    /// The body as the helpdesk stores it (simple HTML).
    pub html: String,
}

const FIRST: &[&str] = &[
    "Ada", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi",
    "Luca", "Maya", "Nils", "Olu", "Priya", "Quentin", "Rosa", "Sven", "Tariq",
];
const LAST: &[&str] = &[
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Costa",
    "Nowak",
    "Haddad",
    "Schmidt",
    "Reyes",
    "Kowalczyk",
    "Byrne",
    "Sato",
    "Ferreira",
    "Novak",
    "Adeyemi",
    "Rossi",
    "Iversen",
];
const OPENERS: &[&str] = &[
    "<p>Hi,</p><p>{s}. I tried again this morning and it is still the same. Could someone look into it?</p>",
    "<p>Hello support team,</p><p>{s} &mdash; this is blocking our month-end close, so a quick answer would help a lot.</p>",
    "<p>{s}.</p><p>Steps I took:</p><ul><li>signed out and back in</li><li>cleared the cache</li></ul><p>Nothing changed.</p>",
];
const REPLIES: &[&str] = &[
    "<p>Thanks for reaching out! I'm looking into this now and will get back to you shortly.</p>",
    "<p>Sorry about the trouble. Could you send me the exact time it happened and a screenshot? That helps us trace it in the logs.</p>",
    "<p>I've passed this to our engineers with the details you sent. I'll update you here as soon as I hear back.</p>",
];
const FOLLOW_UPS: &[&str] = &[
    "<p>Thanks &ndash; here is the screenshot. It happened around 9:40 our time.</p>",
    "<p>Any news on this? We still can't get past it.</p>",
    "<p>Great, that worked for one of us but not for the others.</p>",
];

/// A small, stable mix of `a` and `b` (no RNG: the same inputs always pick the same text).
fn pick(a: u64, b: u64, len: usize) -> usize {
    let mut x = a ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 33;
    x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    x ^= x >> 33;
    (x % len as u64) as usize
}

impl World {
    /// The customer of conversation `c`.
    pub fn customer(&self, c: &SimConversation) -> SimCustomer {
        customer(c.id % CUSTOMERS)
    }

    /// The parts of conversation `c`, oldest first: the customer's opening message, then
    /// the teammates' replies and the customer's follow-ups its reply times record.
    pub fn parts(&self, c: &SimConversation) -> Vec<SimPart> {
        let admin = if c.admin != 0 { c.admin } else { self.me };
        let mut said: Vec<(Timestamp, SimAuthor)> = vec![(c.created_at, SimAuthor::Customer)];
        if let Some(t) = c.first_admin_reply_at {
            said.push((t, SimAuthor::Admin(admin)));
        }
        if let Some(t) = c.last_contact_reply_at.filter(|&t| t > c.created_at) {
            said.push((t, SimAuthor::Customer));
        }
        if let Some(t) = c
            .last_admin_reply_at
            .filter(|&t| Some(t) != c.first_admin_reply_at)
        {
            said.push((t, SimAuthor::Admin(admin)));
        }
        said.sort_by_key(|(t, _)| *t);
        said.into_iter()
            .enumerate()
            .map(|(n, (at, author))| {
                let texts = match (n, author) {
                    (0, _) => OPENERS,
                    (_, SimAuthor::Customer) => FOLLOW_UPS,
                    (_, SimAuthor::Admin(_)) => REPLIES,
                };
                let html = texts[pick(c.id, n as u64, texts.len())].replace("{s}", &c.title);
                SimPart {
                    n: n as u32,
                    at,
                    author,
                    html,
                }
            })
            .collect()
    }
}

/// Customer number `index`.
pub fn customer(index: u64) -> SimCustomer {
    let first = FIRST[pick(index, 1, FIRST.len())];
    let last = LAST[pick(index, 2, LAST.len())];
    SimCustomer {
        index,
        name: format!("{first} {last}"),
        email: format!(
            "{}.{}{}@example.com",
            first.to_lowercase(),
            last.to_lowercase(),
            index
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::scenario::Scenario;

    fn world() -> World {
        let start: Timestamp = "2026-11-24T08:00:00Z".parse().unwrap();
        let mut w = World::new(&Scenario::default_demo(), 42, start);
        w.advance_to(start + jiff::SignedDuration::from_hours(2));
        w
    }

    #[test]
    fn every_conversation_opens_with_its_customer_and_replies_follow_in_time() {
        let w = world();
        let mut answered = 0;
        for c in w.conversations.values() {
            let parts = w.parts(c);
            assert_eq!(parts[0].author, SimAuthor::Customer);
            assert!(parts[0].html.contains(&c.title));
            assert!(parts.windows(2).all(|p| p[0].at <= p[1].at));
            assert!(parts.len() <= 4);
            if c.first_admin_reply_at.is_some() {
                answered += 1;
                assert!(
                    parts
                        .iter()
                        .any(|p| matches!(p.author, SimAuthor::Admin(_)))
                );
            }
        }
        assert!(
            answered > 0,
            "some conversations were answered in two hours"
        );
    }

    #[test]
    fn the_same_state_gives_the_same_customer_and_parts() {
        let (a, b) = (world(), world());
        let c = a.conversations.values().next().unwrap();
        assert_eq!(a.customer(c), b.customer(c));
        assert_eq!(a.parts(c), b.parts(&b.conversations[&c.id]));
        assert!(a.customer(c).email.ends_with("@example.com"));
    }
}
