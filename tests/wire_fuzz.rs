//! Arbitrary and mutated JSON fed to every Intercom wire decoder and to the mapping into the
//! domain: nothing may panic, and well-formed-but-odd bodies must still decode.

use proptest::prelude::*;
use serde_json::{Value, json};
use shiftlead::backend::intercom::{mapping, wire};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        "[a-z0-9_]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::hash_map(
                prop_oneof![
                    Just("id".to_owned()),
                    Just("type".to_owned()),
                    Just("admins".to_owned()),
                    Just("teams".to_owned()),
                    Just("conversations".to_owned()),
                    Just("admin_ids".to_owned()),
                    Just("team_ids".to_owned()),
                    Just("state".to_owned()),
                    Just("pages".to_owned()),
                    Just("next".to_owned()),
                    Just("sla_applied".to_owned()),
                    Just("waiting_since".to_owned()),
                    Just("admin_assignee_id".to_owned()),
                    Just("admin_priority_level".to_owned()),
                    "[a-z_]{1,10}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A realistic body of each kind, to mutate.
fn samples() -> Vec<Value> {
    vec![
        json!({"type":"admin.list","admins":[{"type":"admin","id":"991267466","name":"Ciaran7 Lee",
            "email":"admin7@email.com","away_mode_enabled":false,"away_mode_reassign":false,
            "has_inbox_seat":true,"team_ids":[814865],"away_status_reason_id":"12",
            "team_priority_level":{"primary_team_ids":[814865],"secondary_team_ids":null}}]}),
        json!({"type":"team.list","teams":[{"type":"team","id":"991267902","name":"team 1",
            "admin_ids":[1,2],"assignment_limit":10,"distribution_method":"load_balanced",
            "admin_priority_level":{"primary_admin_ids":[1],"secondary_admin_ids":[2]}}]}),
        json!({"type":"conversation.list","total_count":1,"pages":{"type":"pages","page":1,
            "per_page":150,"total_pages":2,"next":{"per_page":150,"starting_after":"abc"}},
            "conversations":[{"type":"conversation","id":"1","title":"Refund","created_at":1663597223,
            "updated_at":1663597260,"waiting_since":1663597260,"snoozed_until":null,"open":true,
            "state":"open","read":false,"priority":"urgent","admin_assignee_id":0,
            "team_assignee_id":5017691,"sla_applied":{"type":"conversation_sla_summary",
            "sla_name":"Gold","sla_status":"active"},
            "statistics":{"type":"conversation_statistics","first_admin_reply_at":1663597300}}]}),
        json!({"type":"list","data":[{"type":"away_status_reason","id":"1","label":"On a break",
            "emoji":"☕","order":1,"deleted":false,"created_at":1,"updated_at":2}]}),
        json!({"type":"error.list","request_id":"x","errors":[{"code":"not_found","message":"gone"}]}),
        json!({"type":"admin","id":"1","name":"Me","email":"me@x.io","app":{"type":"app",
            "id_code":"abc","name":"ACME","region":"US","timezone":"UTC","created_at":1,
            "identity_verification":false}}),
    ]
}

/// Replaces the value at a pseudo-random path with `replacement`.
fn mutate(value: &mut Value, mut choice: usize, replacement: Value) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = &keys[choice % keys.len()];
            choice /= keys.len().max(1);
            if choice.is_multiple_of(3) {
                map.insert(key.clone(), replacement);
            } else if choice % 3 == 1 {
                map.remove(key);
            } else if let Some(v) = map.get_mut(key) {
                mutate(v, choice / 3, replacement);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let len = items.len();
            mutate(&mut items[choice % len], choice / len, replacement);
        }
        other => *other = replacement,
    }
}

/// Decodes `v` with every decoder and maps what decodes; returns how many decoded.
fn decode_all(v: &Value) -> usize {
    let bytes = serde_json::to_vec(v).unwrap_or_default();
    let mut ok = 0;
    if let Ok(list) = wire::from_body::<wire::AdminList>(&bytes) {
        let reasons = [];
        for a in &list.admins {
            let _ = mapping::teammate(a, &reasons, &[]);
        }
        ok += 1;
    }
    if let Ok(list) = wire::from_body::<wire::TeamList>(&bytes) {
        let inboxes: Vec<_> = list.teams.iter().map(mapping::inbox).collect();
        let _ = inboxes.len();
        ok += 1;
    }
    if let Ok(list) = wire::from_body::<wire::ConversationList>(&bytes) {
        for c in &list.conversations {
            let _ = mapping::conversation(c);
        }
        ok += 1;
    }
    if let Ok(list) = wire::from_body::<wire::AwayStatusReasonList>(&bytes) {
        for r in &list.data {
            let _ = mapping::away_reason(r);
        }
        ok += 1;
    }
    ok += usize::from(wire::from_body::<wire::Me>(&bytes).is_ok());
    ok += usize::from(wire::from_body::<wire::Admin>(&bytes).is_ok());
    ok += usize::from(wire::from_body::<wire::Team>(&bytes).is_ok());
    ok += usize::from(wire::from_body::<wire::Conversation>(&bytes).is_ok());
    if let Ok(c) = wire::from_body::<wire::ConversationWithParts>(&bytes) {
        // The conversation view's mapping takes whatever decoded.
        let _ = shiftlead::backend::intercom::mapping::conversation_detail(&c);
        ok += 1;
    }
    ok += usize::from(wire::from_body::<wire::SearchRequest>(&bytes).is_ok());
    ok += usize::from(wire::from_body::<wire::AssignRequest>(&bytes).is_ok());
    ok += usize::from(wire::from_body::<wire::AwayRequest>(&bytes).is_ok());
    ok += usize::from(wire::from_body::<wire::UpdateTeamMembersRequest>(&bytes).is_ok());
    ok += usize::from(wire::parse_error(&bytes).is_some());
    ok
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_json_never_panics_a_decoder(v in arb_json()) {
        decode_all(&v);
    }

    #[test]
    fn arbitrary_bytes_never_panic_a_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = wire::from_body::<wire::ConversationList>(&bytes);
        let _ = wire::from_body::<wire::AdminList>(&bytes);
        let _ = wire::parse_error(&bytes);
    }

    #[test]
    fn mutated_real_bodies_never_panic(
        sample in 0usize..6,
        choice in any::<usize>(),
        replacement in arb_json(),
    ) {
        let mut v = samples()[sample].clone();
        mutate(&mut v, choice, replacement);
        decode_all(&v);
    }

    #[test]
    fn truncated_real_bodies_never_panic(sample in 0usize..6, cut in 0usize..400) {
        let bytes = serde_json::to_vec(&samples()[sample]).unwrap_or_default();
        let cut = cut.min(bytes.len());
        let _ = decode_all(&serde_json::from_slice(&bytes[..cut]).unwrap_or(Value::Null));
        let _ = wire::from_body::<wire::ConversationList>(&bytes[..cut]);
    }
}

#[test]
fn every_sample_decodes_as_its_own_kind() {
    let s = samples();
    let admins: wire::AdminList = serde_json::from_value(s[0].clone()).unwrap();
    assert_eq!(admins.admins[0].away_status_reason_id, Some(12));
    let teams: wire::TeamList = serde_json::from_value(s[1].clone()).unwrap();
    assert_eq!(teams.teams[0].admin_ids, [1, 2]);
    let convs: wire::ConversationList = serde_json::from_value(s[2].clone()).unwrap();
    assert_eq!(
        convs
            .pages
            .and_then(|p| p.next)
            .and_then(|n| n.starting_after),
        Some("abc".to_owned())
    );
    let c = mapping::conversation(&convs.conversations[0]);
    assert_eq!(c.priority, shiftlead::domain::Priority::Urgent);
    assert!(c.first_reply_at.is_some());
    let reasons: wire::AwayStatusReasonList = serde_json::from_value(s[3].clone()).unwrap();
    assert_eq!(reasons.data[0].emoji, "☕");
    assert_eq!(
        wire::parse_error(s[4].to_string().as_bytes())
            .unwrap()
            .errors[0]
            .code,
        "not_found"
    );
    let me: wire::Me = serde_json::from_value(s[5].clone()).unwrap();
    assert_eq!(me.app.unwrap().name, "ACME");
}

#[test]
fn a_junk_item_in_a_list_is_dropped_not_fatal() {
    let body =
        json!({"type":"team.list","teams":[{"id":"1","name":"ok"}, "junk", {"no_id": true}]});
    let teams: wire::TeamList = serde_json::from_value(body).unwrap();
    assert_eq!(teams.teams.len(), 1);
}
