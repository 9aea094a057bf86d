//! Reads: a snapshot is consistent in itself, re-reads of one object agree with it, and
//! paging returns every live conversation exactly once.

use super::subject::Subject;
use shiftlead::domain::{InboxId, Level};
use std::collections::{BTreeSet, HashSet};

/// Every reference in a snapshot resolves: conversations' inboxes and assignees, inbox
/// members, `me`, away reasons; ids are unique; teammates' memberships mirror the members.
pub async fn snapshot_is_consistent(s: Subject) {
    let name = s.name;
    let snap = s.snapshot().await;
    assert!(
        !snap.inboxes.is_empty() && !snap.teammates.is_empty() && !snap.conversations.is_empty(),
        "{name}: the demo world has inboxes, teammates and conversations"
    );
    let unique = |ids: Vec<&str>, what: &str| {
        let set: HashSet<&str> = ids.iter().copied().collect();
        assert_eq!(set.len(), ids.len(), "{name}: {what} ids are unique");
    };
    unique(
        snap.inboxes.iter().map(|i| i.id.as_str()).collect(),
        "inbox",
    );
    unique(
        snap.teammates.iter().map(|t| t.id.as_str()).collect(),
        "teammate",
    );
    unique(
        snap.conversations.iter().map(|c| c.id.as_str()).collect(),
        "conversation",
    );
    for c in &snap.conversations {
        if let Some(i) = &c.inbox {
            assert!(
                snap.inbox(i).is_some(),
                "{name}: #{} is in unknown inbox {i}",
                c.id
            );
        }
        if let Some(t) = &c.assignee {
            assert!(
                snap.teammate(t).is_some(),
                "{name}: #{} is assigned to unknown teammate {t}",
                c.id
            );
        }
        assert!(!c.state.is_done(), "{name}: #{} is done but listed", c.id);
    }
    if let Some(me) = &snap.workspace.me {
        assert!(
            snap.teammate(me).is_some(),
            "{name}: `me` ({me}) is no teammate"
        );
    }
    for i in &snap.inboxes {
        let members: HashSet<&str> = i.members.iter().map(|m| m.teammate.as_str()).collect();
        assert_eq!(
            members.len(),
            i.members.len(),
            "{name}: {} lists a member twice",
            i.name
        );
        for m in &i.members {
            assert!(
                snap.teammate(&m.teammate).is_some(),
                "{name}: {} has unknown member {}",
                i.name,
                m.teammate
            );
        }
    }
    for t in &snap.teammates {
        let held: BTreeSet<(InboxId, Level)> = t.memberships.iter().cloned().collect();
        assert_eq!(
            held.len(),
            t.memberships.len(),
            "{name}: {} lists an inbox twice",
            t.name
        );
        let members_of: BTreeSet<(InboxId, Level)> = snap
            .inboxes
            .iter()
            .filter_map(|i| i.level_of(&t.id).map(|l| (i.id.clone(), l)))
            .collect();
        assert_eq!(
            held, members_of,
            "{name}: {}'s memberships mirror the inboxes' members",
            t.name
        );
        if let Some(d) = &t.default_inbox {
            assert!(
                snap.inbox(d).is_some(),
                "{name}: {}'s default inbox {d} is unknown",
                t.name
            );
        }
        if let Some(r) = &t.presence.reason {
            assert!(
                t.presence.is_away(),
                "{name}: {} has a reason but is online",
                t.name
            );
            assert!(
                snap.away_reasons.iter().any(|x| x.id == r.id),
                "{name}: {}'s away reason {} is not listed",
                t.name,
                r.id
            );
        }
    }
}

/// Re-reading each inbox, teammate and conversation gives exactly what the snapshot holds —
/// the first one, and a later one (which a backend may read incrementally) — once the
/// backend has settled (a backend whose reads lag is given the time it needs).
pub async fn re_reads_agree_with_the_snapshot(s: Subject) {
    s.snapshot().await;
    s.settle().await;
    agree(&s, &s.snapshot().await).await;
    s.clock.advance(jiff::SignedDuration::from_mins(3));
    s.snapshot().await;
    s.settle().await;
    agree(&s, &s.snapshot().await).await;
}

async fn agree(s: &Subject, snap: &shiftlead::domain::Snapshot) {
    let name = s.name;
    for i in &snap.inboxes {
        let again = s.backend.inbox(&i.id).await.unwrap();
        assert_eq!(&again, i, "{name}: inbox {} re-read", i.name);
    }
    for t in &snap.teammates {
        let again = s.backend.teammate(&t.id).await.unwrap();
        assert_eq!(&again, t, "{name}: teammate {} re-read", t.name);
    }
    for c in &snap.conversations {
        let again = s.backend.conversation(&c.id).await.unwrap();
        assert_eq!(&again, c, "{name}: conversation #{} re-read", c.id);
    }
}

/// A snapshot read over several pages holds every live conversation of the simulator's
/// world exactly once; so do later ones, as the world moves on (conversations arrive, are
/// answered, close) and is read incrementally — each compared once the backend has settled.
pub async fn paging_returns_every_conversation_once(s: Subject) {
    let pages = || {
        s.sim
            .stats()
            .requests
            .get(s.hooks.paged_read)
            .copied()
            .unwrap_or(0)
    };
    holds_the_world(&s).await;
    assert!(
        pages() >= 2,
        "{}: paging is exercised ({} page(s))",
        s.name,
        pages()
    );
    for _ in 0..4 {
        s.clock.advance(jiff::SignedDuration::from_mins(4));
        s.snapshot().await;
        holds_the_world(&s).await;
    }
}

async fn holds_the_world(s: &Subject) {
    let name = s.name;
    s.settle().await;
    let snap = s.snapshot().await;
    let ids: Vec<_> = snap.conversations.iter().map(|c| c.id.clone()).collect();
    let listed: BTreeSet<_> = ids.iter().cloned().collect();
    assert_eq!(
        listed.len(),
        ids.len(),
        "{name}: no conversation listed twice"
    );
    let world = s.sim.with_world(|w| (s.hooks.live_conversations)(w));
    let missing: Vec<_> = world.difference(&listed).collect();
    let extra: Vec<_> = listed.difference(&world).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{name}: the snapshot holds the world's live conversations: {} missing (e.g. {:?}), \
         {} extra (e.g. {:?})",
        missing.len(),
        &missing[..missing.len().min(5)],
        extra.len(),
        &extra[..extra.len().min(5)],
    );
    assert_eq!(ids.len(), s.sim.with_world(|w| w.open_count()), "{name}");
}
