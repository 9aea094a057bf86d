//! The simulator's response bodies, and the client's request bodies, checked against the
//! schemas of the vendor's published OpenAPI spec (`../shared/specs`). Skips with a message
//! when the specs are absent — and fails instead under CI (the `CI` environment variable set).

mod support;

use jiff::Timestamp;
use serde_json::{Value, json};
use shiftlead::backend::intercom::wire;
use shiftlead::clock::ManualClock;
use shiftlead::sim::{self, SimConfig, SimHandle, TeamConflict};
use std::sync::Arc;
use support::spec::Spec;

async fn start() -> SimHandle {
    let clock = ManualClock::new("2026-11-24T10:00:00Z".parse::<Timestamp>().unwrap());
    let mut cfg = SimConfig::demo(Arc::new(clock));
    cfg.token = "spec-token".into();
    sim::start(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// Sends a request to the simulator; returns (status, body).
async fn call(sim: &SimHandle, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let client = reqwest::Client::new();
    let url = format!("{}{path}", sim.base_url());
    let mut req = client
        .request(method.parse().unwrap(), url)
        .bearer_auth("spec-token")
        .header("Intercom-Version", "2.16");
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let body = resp.json::<Value>().await.unwrap_or(Value::Null);
    (status, body)
}

fn assert_valid(spec: &Spec, method: &str, template: &str, status: u16, body: &Value) {
    if let Err(errors) = spec.validate_response(method, template, status, body) {
        panic!(
            "{method} {template} {status} does not match the spec:\n  {}\nbody: {}",
            errors.join("\n  "),
            serde_json::to_string_pretty(body).unwrap_or_default()
        );
    }
}

#[test]
fn the_validator_accepts_the_specs_own_examples_and_rejects_broken_bodies() {
    let Some(spec) = Spec::load_intercom() else {
        return;
    };
    let mut checked = 0;
    let mut disagreements = Vec::new();
    for (method, path) in [
        ("GET", "/me"),
        ("GET", "/admins"),
        ("GET", "/admins/{admin_id}"),
        ("PUT", "/admins/{admin_id}/away"),
        ("GET", "/teams"),
        ("GET", "/teams/{team_id}"),
        ("POST", "/conversations/search"),
        ("GET", "/conversations/{conversation_id}"),
        ("POST", "/conversations/{conversation_id}/parts"),
    ] {
        for example in spec.response_examples(method, path, 200) {
            // The away example sends `away_status_reason_id` as a string where the schema
            // says integer — one of the spec/example disagreements the client tolerates.
            if path.ends_with("/away") {
                continue;
            }
            // Some examples carry integer ids where the schema says string (conversation
            // parts); those are the spec's own disagreements, which the client tolerates.
            // Anything else must validate.
            if let Err(errors) = spec.validate_response(method, path, 200, &example) {
                let known = errors
                    .iter()
                    .all(|e| e.contains(".id: expected string, got "));
                assert!(known, "{method} {path}: {errors:?}");
                disagreements.push(format!("{method} {path}"));
            }
            checked += 1;
        }
    }
    assert!(checked >= 5, "examples checked: {checked}");
    assert!(
        disagreements.len() < checked,
        "most examples validate: {disagreements:?}"
    );
    let broken = [
        json!({"type":"admin.list","admins":[{"id": 5, "away_mode_enabled": "yes"}]}),
        json!({"type":"team.list","teams":"none"}),
    ];
    assert!(
        spec.validate_response("GET", "/admins", 200, &broken[0])
            .is_err()
    );
    assert!(
        spec.validate_response("GET", "/teams", 200, &broken[1])
            .is_err()
    );
    let bad_enum = json!({"type":"conversation.list","conversations":[{"state":"pending"}]});
    assert!(
        spec.validate_response("POST", "/conversations/search", 200, &bad_enum)
            .is_err()
    );
    let missing_required = json!({"type":"error.list"});
    assert!(
        spec.validate_response("GET", "/admins/{admin_id}", 404, &missing_required)
            .is_err()
    );
    // `request_id` is `format: uuid` in the spec: an error body with another id is refused.
    let not_a_uuid = json!({"type":"error.list","request_id":"sim-1234abcd",
        "errors":[{"code":"admin_not_found","message":"Admin not found"}]});
    let errors = spec
        .validate_response("GET", "/admins/{admin_id}", 404, &not_a_uuid)
        .unwrap_err();
    assert!(errors.iter().any(|e| e.contains("uuid")), "{errors:?}");
    assert!(support::spec::is_uuid(
        "e097e446-9ae6-44a8-8e13-2bf3008b87ef"
    ));
    assert!(!support::spec::is_uuid(
        "e097e446-9ae6-44a8-8e13-2bf3008b87e"
    ));
}

#[tokio::test]
async fn every_simulator_read_matches_the_spec() {
    let Some(spec) = Spec::load_intercom() else {
        return;
    };
    let sim = start().await;
    let (admin_id, team_id, conv_id, answered) = sim.with_world(|w| {
        (
            w.admins[0].id,
            w.teams[0].id,
            *w.conversations.keys().next().unwrap(),
            // One with teammate replies: its parts list is not empty.
            w.conversations
                .values()
                .find(|c| c.last_admin_reply_at.is_some())
                .map(|c| c.id)
                .unwrap(),
        )
    });
    let cases: Vec<(&str, String, &str, u16)> = vec![
        ("GET", "/me".into(), "/me", 200),
        ("GET", "/admins".into(), "/admins", 200),
        (
            "GET",
            format!("/admins/{admin_id}"),
            "/admins/{admin_id}",
            200,
        ),
        ("GET", "/admins/1".into(), "/admins/{admin_id}", 404),
        ("GET", "/teams".into(), "/teams", 200),
        ("GET", format!("/teams/{team_id}"), "/teams/{team_id}", 200),
        ("GET", "/teams/1".into(), "/teams/{team_id}", 404),
        (
            "GET",
            "/away_status_reasons".into(),
            "/away_status_reasons",
            200,
        ),
        (
            "GET",
            "/conversations?per_page=5".into(),
            "/conversations",
            200,
        ),
        (
            "GET",
            format!("/conversations/{conv_id}"),
            "/conversations/{conversation_id}",
            200,
        ),
        (
            "GET",
            "/conversations/1".into(),
            "/conversations/{conversation_id}",
            404,
        ),
        (
            "GET",
            format!("/conversations/{answered}"),
            "/conversations/{conversation_id}",
            200,
        ),
    ];
    for (method, path, template, status) in cases {
        let (got, body) = call(&sim, method, &path, None).await;
        assert_eq!(got, status, "{method} {path}: {body}");
        assert_valid(&spec, method, template, status, &body);
    }
    // Search: a nested query, several pages.
    let query = json!({"query":{"operator":"AND","value":[
        {"field":"open","operator":"=","value":true},
        {"operator":"OR","value":[
            {"field":"priority","operator":"IN","value":["none","low","medium","high","urgent"]},
            {"field":"admin_assignee_id","operator":"=","value":0}]}]},
        "pagination":{"per_page":10}});
    let (status, body) = call(&sim, "POST", "/conversations/search", Some(query)).await;
    assert_eq!(status, 200);
    assert_valid(&spec, "POST", "/conversations/search", 200, &body);
    assert!(
        body["pages"]["next"]["starting_after"].is_string(),
        "{}",
        body["pages"]
    );
    // 401 without the token.
    let resp = reqwest::get(format!("{}/admins", sim.base_url()))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert!(resp.headers().get("x-ratelimit-limit").is_none());
    let body: Value = resp.json().await.unwrap();
    assert_valid(&spec, "GET", "/admins", 401, &body);
}

#[tokio::test]
async fn every_simulator_write_matches_the_spec() {
    let (Some(spec), Some(preview)) = (Spec::load_intercom(), Spec::load_preview()) else {
        return;
    };
    let sim = start().await;
    let (me, admin_id, reason, deleted, conv_id, balanced) = sim.with_world(|w| {
        (
            w.me,
            w.admins[1].id,
            w.reasons.iter().find(|r| !r.deleted).unwrap().id,
            w.reasons.iter().find(|r| r.deleted).unwrap().id,
            *w.conversations.keys().next().unwrap(),
            w.teams
                .iter()
                .find(|t| t.distribution == "load_balanced")
                .unwrap()
                .clone(),
        )
    });
    let away = format!("/admins/{admin_id}/away");
    let tpl = "/admins/{admin_id}/away";
    for (body, status) in [
        (
            json!({"away_mode_enabled":true,"away_mode_reassign":true,"away_status_reason_id":reason}),
            200,
        ),
        (
            json!({"away_mode_enabled":false,"away_mode_reassign":false}),
            200,
        ),
    ] {
        spec.validate_request("PUT", tpl, &body).unwrap();
        let (got, resp) = call(&sim, "PUT", &away, Some(body)).await;
        assert_eq!(got, status, "{resp}");
        assert_valid(&spec, "PUT", tpl, status, &resp);
    }
    let (got, resp) = call(
        &sim,
        "PUT",
        "/admins/1/away",
        Some(json!({"away_mode_enabled":true,"away_mode_reassign":false})),
    )
    .await;
    assert_eq!(
        (got, resp["errors"][0]["code"].as_str()),
        (404, Some("admin_not_found"))
    );
    assert_valid(&spec, "PUT", tpl, 404, &resp);
    let (got, resp) = call(&sim, "PUT", &away, Some(json!({"away_mode_enabled":true,"away_mode_reassign":false,"away_status_reason_id":deleted}))).await;
    assert_eq!(
        (got, resp["errors"][0]["message"].as_str()),
        (400, Some("Away status reason is deleted"))
    );

    let parts = format!("/conversations/{conv_id}/parts");
    let ptpl = "/conversations/{conversation_id}/parts";
    for body in [
        json!({"message_type":"assignment","type":"admin","admin_id":me.to_string(),"assignee_id":admin_id.to_string()}),
        json!({"message_type":"assignment","type":"team","admin_id":me.to_string(),"assignee_id":"0"}),
        json!({"message_type":"snoozed","admin_id":me.to_string(),"snoozed_until":1_900_000_000}),
        json!({"message_type":"open","admin_id":me.to_string()}),
        json!({"message_type":"close","type":"admin","admin_id":me.to_string()}),
    ] {
        spec.validate_request("POST", ptpl, &body).unwrap();
        let (got, resp) = call(&sim, "POST", &parts, Some(body.clone())).await;
        assert_eq!(got, 200, "{body} → {resp}");
        assert_valid(&spec, "POST", ptpl, 200, &resp);
    }
    let (got, resp) = call(
        &sim,
        "POST",
        "/conversations/1/parts",
        Some(json!({"message_type":"open","admin_id":me.to_string()})),
    )
    .await;
    assert_eq!(got, 404);
    assert_valid(&spec, "POST", ptpl, 404, &resp);

    // Preview: PUT /teams/{id}.
    let team = format!("/teams/{}", balanced.id);
    let ttpl = "/teams/{id}";
    let ids: Vec<i64> = balanced.members.iter().map(|(id, _)| *id).collect();
    let body = json!({"admin_ids": ids, "admin_priority_level": {"primary_admin_ids": [ids[0]], "secondary_admin_ids": []}});
    preview.validate_request("PUT", ttpl, &body).unwrap();
    let (got, resp) = call(&sim, "PUT", &team, Some(body.clone())).await;
    assert_eq!(got, 200, "{resp}");
    assert_valid(&preview, "PUT", ttpl, 200, &resp);
    for (setup, status) in [(Some(TeamConflict::Declined), 409), (None, 400)] {
        let body = match setup {
            Some(how) => {
                sim.fail_next_team_update(how);
                body.clone()
            }
            None => json!({"admin_ids": ids, "name": "Renamed"}),
        };
        let (got, resp) = call(&sim, "PUT", &team, Some(body)).await;
        assert_eq!(got, status, "{resp}");
        assert_valid(&preview, "PUT", ttpl, status, &resp);
    }
    let (got, resp) = call(&sim, "PUT", "/teams/1", Some(body.clone())).await;
    assert_eq!(got, 404);
    assert_valid(&preview, "PUT", ttpl, 404, &resp);
    sim.set_preview_enabled(false);
    let (got, resp) = call(&sim, "PUT", &team, Some(body)).await;
    assert_eq!(
        (got, resp["errors"][0]["code"].as_str()),
        (403, Some("api_plan_restricted"))
    );
    assert_valid(&preview, "PUT", ttpl, 403, &resp);
}

#[test]
fn the_clients_request_bodies_match_the_spec() {
    let (Some(spec), Some(preview)) = (Spec::load_intercom(), Spec::load_preview()) else {
        return;
    };
    let search = wire::SearchRequest {
        // The schema's groups hold either only filters or only groups (real Intercom accepts
        // a mix; the simulator does too).
        query: wire::Query::and(vec![
            wire::Query::or(vec![wire::Query::filter("open", "=", true)]),
            wire::Query::or(vec![
                wire::Query::filter("admin_assignee_id", "=", 0),
                wire::Query::filter("team_assignee_id", "IN", vec![1, 2]),
            ]),
        ]),
        pagination: Some(wire::StartingAfterPaging {
            per_page: Some(150),
            starting_after: Some("abc".into()),
        }),
    };
    let away = wire::AwayRequest {
        away_mode_enabled: true,
        away_mode_reassign: false,
        away_status_reason_id: Some(3),
    };
    let assign = wire::AssignRequest {
        message_type: "assignment".into(),
        kind: "admin".into(),
        admin_id: "1".into(),
        assignee_id: "0".into(),
        body: None,
    };
    let members = wire::UpdateTeamMembersRequest {
        admin_ids: vec![1, 2],
        admin_priority_level: Some(wire::AdminPriorityLevel {
            primary_admin_ids: Some(vec![1]),
            secondary_admin_ids: Some(vec![2]),
        }),
    };
    let v = |x: &dyn erased_serialize::Ser| x.value();
    spec.validate_request("POST", "/conversations/search", &v(&search))
        .unwrap();
    let the_clients_own = wire::SearchRequest {
        query: wire::Query::filter("open", "=", true),
        pagination: Some(wire::StartingAfterPaging {
            per_page: Some(150),
            starting_after: None,
        }),
    };
    spec.validate_request("POST", "/conversations/search", &v(&the_clients_own))
        .unwrap();
    spec.validate_request("PUT", "/admins/{admin_id}/away", &v(&away))
        .unwrap();
    spec.validate_request(
        "POST",
        "/conversations/{conversation_id}/parts",
        &v(&assign),
    )
    .unwrap();
    preview
        .validate_request("PUT", "/teams/{id}", &v(&members))
        .unwrap();
}

mod erased_serialize {
    /// Serialises to a JSON value behind a trait object.
    pub trait Ser {
        fn value(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn value(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap()
        }
    }
}

/// The Zendesk simulator, started at the same moment, and a basic-auth GET/PUT/POST helper.
mod zendesk {
    use super::*;
    use shiftlead::sim::SimVendor;
    use shiftlead::sim::world::SimState;

    /// The Zendesk demo at 10:00 UTC.
    pub async fn start() -> SimHandle {
        let clock = ManualClock::new("2026-11-24T10:00:00Z".parse::<Timestamp>().unwrap());
        let mut cfg = SimConfig::demo_of(SimVendor::Zendesk, Arc::new(clock));
        cfg.token = "spec-token".into();
        sim::start(cfg, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap()
    }

    /// Sends a request as the owner (basic auth); returns (status, body).
    pub async fn call(
        sim: &SimHandle,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = format!("{}{path}", sim.base_url());
        let mut req = reqwest::Client::new()
            .request(method.parse().unwrap(), url)
            .basic_auth(format!("{}/token", sim.email), Some("spec-token"));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json::<Value>().await.unwrap_or(Value::Null))
    }

    /// The spec, with `nullable` added where Zendesk sends nulls the spec forgot: an
    /// unassigned or ungrouped ticket, a ticket without priority or type, a job's results
    /// before it ran.
    pub fn spec() -> Option<Spec> {
        let mut spec = Spec::load_zendesk()?;
        spec.allow_null(
            "TicketObject",
            &["assignee_id", "group_id", "priority", "type"],
        );
        spec.allow_null(
            "UserForAdmin",
            &[
                "default_group_id",
                "custom_role_id",
                "role_type",
                "ticket_restriction",
            ],
        );
        Some(spec)
    }

    /// An open, assigned ticket and its group.
    pub fn open_ticket(sim: &SimHandle) -> (u64, i64) {
        let w = sim.world();
        let c = w
            .conversations
            .values()
            .find(|c| c.state == SimState::Open && c.admin != 0)
            .unwrap();
        (c.id, c.team)
    }
}

#[test]
fn the_zendesk_spec_loads_and_its_examples_pass_the_validator() {
    let Some(spec) = zendesk::spec() else {
        return;
    };
    let mut checked = 0;
    for (method, path, status) in [
        ("GET", "/api/v2/groups", 200),
        ("GET", "/api/v2/group_memberships", 200),
        ("GET", "/api/v2/tickets/{ticket_id}", 200),
        ("GET", "/api/v2/search", 200),
        ("GET", "/api/v2/job_statuses/{job_status_id}", 200),
    ] {
        for example in spec.response_examples(method, path, status) {
            assert_valid(&spec, method, path, status, &example);
            checked += 1;
        }
    }
    assert!(checked >= 4, "only {checked} examples found");
    let broken = json!({"groups": [{"id": "not a number", "name": "x"}]});
    assert!(
        spec.validate_response("GET", "/api/v2/groups", 200, &broken)
            .is_err()
    );
    let broken = json!({"tickets": [{"id": 1, "requester_id": 2, "status": "snoozed"}]});
    assert!(
        spec.validate_response("GET", "/api/v2/tickets", 200, &broken)
            .is_err()
    );
}

#[tokio::test]
async fn every_zendesk_simulator_read_matches_the_spec() {
    let Some(spec) = zendesk::spec() else {
        return;
    };
    let sim = zendesk::start().await;
    let (ticket, group) = zendesk::open_ticket(&sim);
    let me = sim.world().me;
    let mid = {
        let (_, body) = zendesk::call(
            &sim,
            "GET",
            &format!("/api/v2/users/{me}/group_memberships.json"),
            None,
        )
        .await;
        body["group_memberships"][0]["id"].as_i64().unwrap()
    };
    let requester = {
        let (_, body) =
            zendesk::call(&sim, "GET", &format!("/api/v2/tickets/{ticket}.json"), None).await;
        format!(
            "/api/v2/users/{}.json",
            body["ticket"]["requester_id"].as_i64().unwrap()
        )
    };
    let reads = [
        ("/api/v2/groups.json?page[size]=2", "/api/v2/groups"),
        ("/api/v2/groups.json", "/api/v2/groups"),
        (
            &format!("/api/v2/groups/{group}.json") as &str,
            "/api/v2/groups/{group_id}",
        ),
        (
            "/api/v2/group_memberships.json?page[size]=3",
            "/api/v2/group_memberships",
        ),
        (
            "/api/v2/group_memberships.json?per_page=3",
            "/api/v2/group_memberships",
        ),
        (
            &format!("/api/v2/group_memberships/{mid}.json"),
            "/api/v2/group_memberships/{group_membership_id}",
        ),
        (
            "/api/v2/users.json?role[]=agent&role[]=admin",
            "/api/v2/users",
        ),
        (
            &format!("/api/v2/users/{me}.json"),
            "/api/v2/users/{user_id}",
        ),
        (
            &format!("/api/v2/users/show_many.json?ids={me}"),
            "/api/v2/users/show_many",
        ),
        (
            "/api/v2/tickets.json?page[size]=20&include=slas",
            "/api/v2/tickets",
        ),
        (
            &format!("/api/v2/tickets/{ticket}.json?include=slas"),
            "/api/v2/tickets/{ticket_id}",
        ),
        (
            &format!("/api/v2/tickets/show_many.json?ids={ticket}&include=slas"),
            "/api/v2/tickets/show_many",
        ),
        (
            "/api/v2/search.json?query=type%3Aticket%20status%3Csolved&include=tickets(slas)",
            "/api/v2/search",
        ),
        (
            "/api/v2/search/count.json?query=status%3Aopen",
            "/api/v2/search/count",
        ),
        (
            "/api/v2/search/export.json?query=status%3Copen&filter[type]=ticket&page[size]=50",
            "/api/v2/search/export",
        ),
        (
            "/api/v2/incremental/tickets/cursor.json?start_time=0",
            "/api/v2/incremental/tickets/cursor",
        ),
        ("/api/v2/slas/policies.json", "/api/v2/slas/policies"),
        ("/api/v2/brands.json", "/api/v2/brands"),
        // The conversation view: comments (both paging modes, the users sideload) and the
        // requester as a user.
        (
            &format!(
                "/api/v2/tickets/{ticket}/comments.json?include=users&page[size]=2&sort=-created_at"
            ),
            "/api/v2/tickets/{ticket_id}/comments",
        ),
        (
            &format!("/api/v2/tickets/{ticket}/comments.json"),
            "/api/v2/tickets/{ticket_id}/comments",
        ),
        (&requester, "/api/v2/users/{user_id}"),
    ];
    for (url, template) in reads {
        let (status, body) = zendesk::call(&sim, "GET", url, None).await;
        assert_eq!(status, 200, "{url}: {body}");
        assert_valid(&spec, "GET", template, 200, &body);
    }
    // The spec says nothing of /users/me's schema beyond a wrapper; it is a user.
    let (status, me) = zendesk::call(&sim, "GET", "/api/v2/users/me.json", None).await;
    assert_eq!(status, 200);
    assert_valid(&spec, "GET", "/api/v2/users/{user_id}", 200, &me);
}

#[tokio::test]
async fn every_zendesk_simulator_write_matches_the_spec() {
    let Some(spec) = zendesk::spec() else {
        return;
    };
    let sim = zendesk::start().await;
    let (ticket, _) = zendesk::open_ticket(&sim);
    let assignee = sim.world().conversations[&ticket].admin;
    let put = json!({"ticket": {"assignee_id": assignee, "status": "pending"}});
    spec.validate_request("PUT", "/api/v2/tickets/{ticket_id}", &put)
        .unwrap_or_else(|e| panic!("request body: {e:?}"));
    let (status, body) = zendesk::call(
        &sim,
        "PUT",
        &format!("/api/v2/tickets/{ticket}.json"),
        Some(put),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_valid(&spec, "PUT", "/api/v2/tickets/{ticket_id}", 200, &body);
    let (status, body) = zendesk::call(
        &sim,
        "PUT",
        &format!("/api/v2/tickets/update_many.json?ids={ticket}"),
        Some(json!({"ticket": {"status": "open"}})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_valid(&spec, "PUT", "/api/v2/tickets/update_many", 200, &body);
    let url = body["job_status"]["url"]
        .as_str()
        .unwrap()
        .replace(&sim.base_url(), "");
    for _ in 0..2 {
        let (status, body) = zendesk::call(&sim, "GET", &url, None).await;
        assert_eq!(status, 200);
        assert_valid(
            &spec,
            "GET",
            "/api/v2/job_statuses/{job_status_id}",
            200,
            &body,
        );
    }
    // Memberships: create (201), make default, delete (204, no body).
    let (user, group) = {
        let w = sim.world();
        let t = &w.teams[0];
        let a = w
            .admins
            .iter()
            .find(|a| !t.members.iter().any(|(m, _)| *m == a.id))
            .unwrap();
        (a.id, t.id)
    };
    let (status, body) = zendesk::call(
        &sim,
        "POST",
        "/api/v2/group_memberships.json",
        Some(json!({"group_membership": {"user_id": user, "group_id": group}})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_valid(&spec, "POST", "/api/v2/group_memberships", 201, &body);
    let mid = body["group_membership"]["id"].as_i64().unwrap();
    let (status, body) = zendesk::call(
        &sim,
        "PUT",
        &format!("/api/v2/users/{user}/group_memberships/{mid}/make_default.json"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 200);
    assert_valid(
        &spec,
        "PUT",
        "/api/v2/users/{user_id}/group_memberships/{group_membership_id}/make_default",
        200,
        &body,
    );
    let (status, _) = zendesk::call(
        &sim,
        "DELETE",
        &format!("/api/v2/group_memberships/{mid}.json"),
        None,
    )
    .await;
    assert_eq!(status, 204);
}
