//! The Zendesk projection of the simulator over raw HTTP: paths with and without `.json`,
//! both paging modes to the end, search and its limits, exports, the incremental cursor,
//! SLA sideloads, ticket updates and bulk jobs, membership writes and their side effects,
//! auth and role refusals, rate limits, and omnichannel routing on and off.

mod support;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use shiftlead::clock::{Clock, ManualClock};
use shiftlead::sim::world::SimState;
use shiftlead::sim::{self, SimConfig, SimHandle, SimVendor};
use std::collections::BTreeSet;
use std::sync::Arc;

const TOKEN: &str = "zd-token";

struct Sim {
    sim: SimHandle,
    clock: ManualClock,
    http: reqwest::Client,
}

fn basic(email: &str) -> String {
    use std::io::Write as _;
    // base64 via the simulator's own helper would prove nothing; a tiny encoder here.
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let raw = format!("{email}/token:{TOKEN}");
    let mut out = Vec::new();
    for chunk in raw.as_bytes().chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize]);
            } else {
                out.push(b'=');
            }
        }
    }
    let mut s = Vec::new();
    write!(s, "Basic {}", String::from_utf8(out).unwrap()).unwrap();
    String::from_utf8(s).unwrap()
}

async fn start_with(f: impl FnOnce(&mut SimConfig)) -> Sim {
    let clock = ManualClock::new("2026-11-24T10:00:00Z".parse::<Timestamp>().unwrap());
    let mut cfg = SimConfig::demo_of(SimVendor::Zendesk, Arc::new(clock.clone()));
    cfg.token = TOKEN.into();
    f(&mut cfg);
    let sim = sim::start(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    Sim {
        sim,
        clock,
        http: reqwest::Client::new(),
    }
}

async fn start() -> Sim {
    start_with(|_| {}).await
}

impl Sim {
    fn owner(&self) -> String {
        self.sim.email.clone()
    }

    /// An agent's (not admin's) email.
    fn agent(&self) -> String {
        self.agent_id_email().1
    }

    fn agent_id_email(&self) -> (i64, String) {
        let (_, body) = self.get_blocking_users();
        let u = body["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["role"] == "agent")
            .unwrap()
            .clone();
        (
            u["id"].as_i64().unwrap(),
            u["email"].as_str().unwrap().into(),
        )
    }

    fn get_blocking_users(&self) -> (u16, Value) {
        let w = self.sim.world();
        // Mirrors the projection's rule: index % 8 == 1 or the owner are admins.
        let users: Vec<Value> = w
            .admins
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let admin = a.id == w.me || i % 8 == 1;
                json!({"id": a.id, "email": a.email, "role": if admin {"admin"} else {"agent"}})
            })
            .collect();
        (200, json!({ "users": users }))
    }

    async fn send(
        &self,
        method: &str,
        url: &str,
        auth: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::Response {
        let url = if url.starts_with("http") {
            url.to_owned()
        } else {
            format!("{}{url}", self.sim.base_url())
        };
        let mut req = self.http.request(method.parse().unwrap(), url);
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap()
    }

    async fn call_as(
        &self,
        email: &str,
        method: &str,
        url: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let resp = self.send(method, url, Some(&basic(email)), body).await;
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn call(&self, method: &str, url: &str, body: Option<Value>) -> (u16, Value) {
        self.call_as(&self.owner(), method, url, body).await
    }

    async fn get(&self, url: &str) -> Value {
        let (status, body) = self.call("GET", url, None).await;
        assert_eq!(status, 200, "GET {url}: {body}");
        body
    }

    fn advance(&self, d: SignedDuration) {
        self.clock.advance(d);
    }
}

/// Pages `url` (cursor mode) to the end following `has_more` (or `links.next`), collecting
/// the ids under `key`.
async fn cursor_all(s: &Sim, url: &str, key: &str, by_links: bool) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut next = url.to_owned();
    for _ in 0..10_000 {
        let body = s.get(&next).await;
        ids.extend(
            body[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["id"].as_i64().unwrap()),
        );
        if by_links {
            match body["links"]["next"].as_str() {
                Some(n) => next = n.to_owned(),
                None => {
                    assert!(body["meta"]["after_cursor"].is_null());
                    return ids;
                }
            }
        } else if body["meta"]["has_more"] == true {
            next = body["links"]["next"].as_str().unwrap().to_owned();
        } else {
            return ids;
        }
    }
    panic!("paging {url} never ended");
}

#[tokio::test]
async fn paths_answer_with_and_without_the_json_suffix() {
    let s = start().await;
    let a = s.get("/api/v2/groups.json").await;
    let b = s.get("/api/v2/groups").await;
    assert_eq!(a, b);
    assert_eq!(
        a["groups"].as_array().unwrap().len(),
        s.sim.world().teams.len()
    );
    let id = a["groups"][0]["id"].as_i64().unwrap();
    assert_eq!(
        s.get(&format!("/api/v2/groups/{id}.json")).await["group"]["id"],
        id
    );
    let (status, body) = s.call("GET", "/api/v2/nothing/here.json", None).await;
    assert_eq!(
        (status, body),
        (
            404,
            json!({"error": "InvalidEndpoint", "description": "Not found"})
        )
    );
    let (status, body) = s.call("GET", "/api/v2/groups/1.json", None).await;
    assert_eq!(
        (status, body),
        (
            404,
            json!({"error": "RecordNotFound", "description": "Not found"})
        )
    );
    // Stats name the canonical path.
    assert!(s.sim.stats().requests.contains_key("GET /api/v2/groups"));
}

#[tokio::test]
async fn cursor_paging_ends_by_has_more_and_by_links_next() {
    let s = start().await;
    let (tickets, users, memberships): (Vec<i64>, Vec<i64>, usize) = {
        let w = s.sim.world();
        (
            w.conversations.keys().map(|k| *k as i64).collect(),
            w.admins.iter().map(|a| a.id).collect(),
            w.teams.iter().map(|t| t.members.len()).sum(),
        )
    };
    for by_links in [false, true] {
        let got = cursor_all(&s, "/api/v2/tickets.json?page[size]=7", "tickets", by_links).await;
        assert_eq!(got, tickets, "tickets by_links={by_links}");
        let mut got = cursor_all(&s, "/api/v2/users.json?page[size]=4", "users", by_links).await;
        got.sort_unstable();
        let mut want = users.clone();
        want.sort_unstable();
        assert_eq!(got, want);
        let got = cursor_all(
            &s,
            "/api/v2/group_memberships.json?page[size]=5",
            "group_memberships",
            by_links,
        )
        .await;
        assert_eq!(got.len(), memberships);
        assert_eq!(
            got.iter().collect::<BTreeSet<_>>().len(),
            memberships,
            "no repeats"
        );
    }
    // The last page says has_more false but still links on; that page is empty and ends it.
    let n = s.sim.world().teams.len();
    let body = s.get(&format!("/api/v2/groups.json?page[size]={n}")).await;
    assert_eq!(body["meta"]["has_more"], false);
    let next = body["links"]["next"].as_str().unwrap().to_owned();
    let empty = s.get(&next).await;
    assert_eq!(empty["groups"], json!([]));
    assert_eq!(
        empty["meta"],
        json!({"has_more": false, "after_cursor": null, "before_cursor": null})
    );
    assert!(empty["links"]["next"].is_null());
    // Backwards from the second page is the first page.
    let first = s.get("/api/v2/tickets.json?page[size]=3").await;
    let second = s.get(first["links"]["next"].as_str().unwrap()).await;
    let back = s.get(second["links"]["prev"].as_str().unwrap()).await;
    assert_eq!(back["tickets"], first["tickets"]);
    // A cursor that is not one.
    let (status, body) = s
        .call(
            "GET",
            "/api/v2/tickets.json?page[size]=3&page[after]=bm9wZQ",
            None,
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"errors": [{"code": "InvalidPaginationParameter", "title": "page[after] is not valid"}]})
    );
}

#[tokio::test]
async fn offset_paging_counts_and_stops_at_page_100() {
    let s = start().await;
    let total = s.sim.world().conversations.len();
    let mut ids = Vec::new();
    let mut next = Some("/api/v2/tickets.json?per_page=9".to_owned());
    while let Some(url) = next {
        let body = s.get(&url).await;
        assert_eq!(body["count"], total);
        ids.extend(
            body["tickets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_i64().unwrap()),
        );
        next = body["next_page"].as_str().map(str::to_owned);
    }
    assert_eq!(ids.len(), total);
    let (status, body) = s.call("GET", "/api/v2/tickets.json?page=101", None).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["code"], "InvalidPaginationParameter");
    let (status, _) = s.call("GET", "/api/v2/tickets.json?page=100", None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn users_filter_by_role_and_role_brackets() {
    let s = start().await;
    let agents = s.get("/api/v2/users.json?role=agent").await;
    let admins = s.get("/api/v2/users.json?role[]=admin").await;
    let both = s
        .get("/api/v2/users.json?role%5B%5D=agent&role%5B%5D=admin")
        .await;
    let n = |v: &Value| v["users"].as_array().unwrap().len();
    assert!(n(&admins) >= 2 && n(&agents) > n(&admins));
    assert_eq!(n(&agents) + n(&admins), n(&both));
    assert!(
        agents["users"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["role"] == "agent")
    );
    let me = s.get("/api/v2/users/me.json").await;
    assert_eq!(me["user"]["email"], s.owner().as_str());
    assert_eq!(me["user"]["role"], "admin");
    let id = me["user"]["id"].as_i64().unwrap();
    let many = s
        .get(&format!("/api/v2/users/show_many.json?ids={id},1"))
        .await;
    assert_eq!(many["users"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn search_counts_caps_and_sideloads() {
    let s = start().await;
    let (open, group) = {
        let w = s.sim.world();
        let g = w.teams[0].id;
        let n = w
            .conversations
            .values()
            .filter(|c| {
                c.state != SimState::Closed
                    || w.now.duration_since(c.updated_at) <= SignedDuration::from_hours(1)
            })
            .filter(|c| c.state != SimState::Closed && c.team == g)
            .count();
        (n, g)
    };
    let q = format!("type:ticket status<solved group:{group}");
    let count = s
        .get(&format!("/api/v2/search/count.json?query={}", enc(&q)))
        .await;
    assert_eq!(count, json!({"count": open}));
    let page = s
        .get(&format!(
            "/api/v2/search.json?query={}&include=tickets(slas)",
            enc(&q)
        ))
        .await;
    assert_eq!(page["count"], open);
    let results = page["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .all(|r| r["result_type"] == "ticket" && r["group_id"] == group)
    );
    assert!(
        results
            .iter()
            .all(|r| r["slas"]["policy_metrics"].is_array())
    );
    let unassigned = s
        .get(&format!(
            "/api/v2/search/count.json?query={}",
            enc("type:ticket assignee:none status<solved")
        ))
        .await;
    let want = s
        .sim
        .world()
        .conversations
        .values()
        .filter(|c| c.admin == 0 && c.state != SimState::Closed)
        .count();
    assert_eq!(unassigned["count"], want);
    // 1,000 results at most.
    let (status, body) = s
        .call(
            "GET",
            "/api/v2/search.json?query=type:ticket&page=11&per_page=100",
            None,
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"error": "invalid", "description": "Invalid search: Requested response size was greater than Search Response Limits"})
    );
    let (status, _) = s
        .call(
            "GET",
            "/api/v2/search.json?query=type:ticket&page=10&per_page=100",
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = s
        .call("GET", "/api/v2/search.json?query=status:bogus", None)
        .await;
    assert_eq!(status, 400);
}

fn enc(q: &str) -> String {
    q.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn search_export_pages_by_cursor_in_creation_order() {
    let s = start().await;
    let want: Vec<i64> = {
        let w = s.sim.world();
        let mut v: Vec<_> = w
            .conversations
            .values()
            .filter(|c| c.state != SimState::Closed)
            .map(|c| (c.created_at.as_second(), c.id as i64))
            .collect();
        v.sort_unstable();
        v.into_iter().map(|(_, id)| id).collect()
    };
    let url = format!(
        "/api/v2/search/export.json?query={}&filter[type]=ticket&page[size]=10",
        enc("type:ticket status<solved")
    );
    for by_links in [false, true] {
        let got = cursor_all(&s, &url, "results", by_links).await;
        assert_eq!(got, want, "by_links={by_links}");
    }
    let (status, _) = s
        .call("GET", "/api/v2/search/export.json?query=status:open", None)
        .await;
    assert_eq!(status, 400, "filter[type] is required");
    let (status, _) = s
        .call(
            "GET",
            "/api/v2/search/export.json?query=type:user&filter[type]=ticket",
            None,
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn incremental_cursor_is_for_admins_and_follows_changes() {
    let s = start().await;
    let now = s.clock.now().as_second();
    let (status, body) = s
        .call(
            "GET",
            &format!(
                "/api/v2/incremental/tickets/cursor.json?start_time={}",
                now - 30
            ),
            None,
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "InvalidValue");
    let (status, body) = s
        .call_as(
            &s.agent(),
            "GET",
            "/api/v2/incremental/tickets/cursor.json?start_time=0",
            None,
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(body["error"]["title"], "Forbidden");
    // Read to the end.
    // Small pages, at most ten requests a minute.
    let mut url =
        "/api/v2/incremental/tickets/cursor.json?start_time=0&per_page=100&include=slas".to_owned();
    let mut seen = Vec::new();
    let last = loop {
        let body = s.get(&url).await;
        let tickets = body["tickets"].as_array().unwrap();
        seen.extend(tickets.iter().map(|t| {
            (
                t["generated_timestamp"].as_i64().unwrap(),
                t["id"].as_i64().unwrap(),
            )
        }));
        assert!(body["before_cursor"].is_null());
        assert!(
            tickets.iter().all(|t| t["slas"].is_object()),
            "include=slas is honoured"
        );
        url = body["after_url"].as_str().unwrap().to_owned();
        if body["end_of_stream"] == true {
            break body["after_cursor"].as_str().unwrap().to_owned();
        }
    };
    assert!(
        seen.windows(2).all(|p| p[0] < p[1]),
        "ordered by update, no repeats"
    );
    let seen = seen.len();
    let until = now - 60;
    let want = s
        .sim
        .world()
        .conversations
        .values()
        .filter(|c| c.updated_at.as_second() < until)
        .count();
    assert_eq!(seen, want, "everything but the last minute");
    // A change shows up once it is a minute old.
    let id = s
        .sim
        .world()
        .conversations
        .values()
        .find(|c| c.state == SimState::Open)
        .unwrap()
        .id;
    let (status, _) = s
        .call(
            "PUT",
            &format!("/api/v2/tickets/{id}.json"),
            Some(json!({"ticket": {"assignee_id": null}})),
        )
        .await;
    assert_eq!(status, 200);
    s.advance(SignedDuration::from_secs(180));
    let body = s
        .get(&format!(
            "/api/v2/incremental/tickets/cursor.json?cursor={last}"
        ))
        .await;
    assert!(
        body["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == id),
        "{body}"
    );
    assert_eq!(body["end_of_stream"], true);
}

#[tokio::test]
async fn incremental_cursor_has_a_ten_a_minute_limit() {
    let s = start().await;
    let mut statuses = Vec::new();
    for _ in 0..11 {
        let resp = s
            .send(
                "GET",
                "/api/v2/incremental/tickets/cursor.json?start_time=0",
                Some(&basic(&s.owner())),
                None,
            )
            .await;
        statuses.push(resp.status().as_u16());
        if resp.status() == 429 {
            assert!(resp.headers().get("retry-after").is_some());
        }
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 10);
    assert_eq!(statuses[10], 429);
}

#[tokio::test]
async fn sla_sideload_on_show_show_many_and_list() {
    let s = start().await;
    let (active, paused) = {
        let w = s.sim.world();
        let active = w
            .conversations
            .values()
            .find(|c| {
                c.state == SimState::Open && c.sla.as_ref().is_some_and(|x| x.deadline.is_some())
            })
            .map(|c| c.id);
        let paused = w
            .conversations
            .values()
            .find(|c| c.state == SimState::Snoozed && c.sla.is_some())
            .map(|c| c.id);
        (active.unwrap(), paused)
    };
    let show = s
        .get(&format!("/api/v2/tickets/{active}.json?include=slas"))
        .await;
    let m = &show["ticket"]["slas"]["policy_metrics"][0];
    assert_eq!(m["stage"], "active");
    assert!(m["breach_at"].is_string());
    let units = ["minutes", "hours", "days"]
        .iter()
        .filter(|u| m.get(**u).is_some())
        .count();
    assert_eq!(units, 1, "{m}");
    assert!(["first_reply_time", "next_reply_time"].contains(&m["metric"].as_str().unwrap()));
    let plain = s.get(&format!("/api/v2/tickets/{active}.json")).await;
    assert!(plain["ticket"].get("slas").is_none());
    let many = s
        .get(&format!(
            "/api/v2/tickets/show_many.json?ids={active}&include=slas"
        ))
        .await;
    assert_eq!(many["tickets"][0]["slas"], show["ticket"]["slas"]);
    let list = s
        .get("/api/v2/tickets.json?page[size]=5&include=slas")
        .await;
    assert!(
        list["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["slas"].is_object())
    );
    if let Some(p) = paused {
        let t = s
            .get(&format!("/api/v2/tickets/{p}.json?include=slas"))
            .await;
        let m = &t["ticket"]["slas"]["policy_metrics"][0];
        assert_eq!(
            (m["stage"].as_str(), m["breach_at"].is_null()),
            (Some("paused"), true)
        );
    }
    let policies = s.get("/api/v2/slas/policies.json").await;
    assert_eq!(
        policies["sla_policies"].as_array().unwrap().len(),
        s.sim.world().slas.len()
    );
}

/// An open ticket and a teammate in its group who is not its assignee, and one outside it.
fn assignable(s: &Sim) -> (u64, i64, i64, i64) {
    let w = s.sim.world();
    for c in w
        .conversations
        .values()
        .filter(|c| c.state == SimState::Open)
    {
        let team = w.teams.iter().find(|t| t.id == c.team).unwrap();
        let inside = team.members.iter().map(|(m, _)| *m).find(|m| *m != c.admin);
        let outside = w
            .admins
            .iter()
            .map(|a| a.id)
            .find(|a| !team.members.iter().any(|(m, _)| m == a));
        if let (Some(i), Some(o)) = (inside, outside) {
            return (c.id, c.team, i, o);
        }
    }
    panic!("no assignable ticket");
}

#[tokio::test]
async fn ticket_update_safe_update_conflicts_and_validation() {
    let s = start().await;
    let (id, group, inside, outside) = assignable(&s);
    let url = format!("/api/v2/tickets/{id}.json");
    let t = s.get(&url).await;
    let stamp = t["ticket"]["updated_at"].as_str().unwrap().to_owned();
    s.advance(SignedDuration::from_secs(5));
    let resp = s.send("PUT", &url, Some(&basic(&s.owner())), Some(json!({"ticket": {"assignee_id": inside, "group_id": group, "safe_update": true, "updated_stamp": stamp}}))).await;
    assert_eq!(resp.status(), 200);
    let limit = resp
        .headers()
        .get("zendesk-ratelimit-tickets-update")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        limit.starts_with("total=100; remaining=99; resets="),
        "{limit}"
    );
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["ticket"]["assignee_id"], inside);
    assert_eq!(body["audit"]["events"][0]["field_name"], "assignee_id");
    assert_ne!(
        body["ticket"]["updated_at"].as_str().unwrap(),
        stamp,
        "updated_at bumps"
    );
    assert!(body["ticket"]["generated_timestamp"].as_i64().unwrap() > 0);
    // The old stamp is stale now.
    let (status, body) = s.call("PUT", &url, Some(json!({"ticket": {"assignee_id": null, "safe_update": true, "updated_stamp": stamp}}))).await;
    assert_eq!(status, 409);
    assert_eq!(
        body,
        json!({"error": "UpdateConflict", "description": "Safe Update prevented the update due to outdated ticket data. Please fetch the latest ticket data and try again."})
    );
    // Without safe_update the same stamp is ignored.
    let (status, body) = s
        .call(
            "PUT",
            &url,
            Some(json!({"ticket": {"assignee_id": null, "updated_stamp": stamp}})),
        )
        .await;
    assert_eq!(status, 200);
    assert!(body["ticket"]["assignee_id"].is_null(), "null unassigns");
    // Assignee outside the group, with the group named: 422 with details.
    let (status, body) = s
        .call(
            "PUT",
            &url,
            Some(json!({"ticket": {"assignee_id": outside, "group_id": group}})),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"], "RecordInvalid");
    assert_eq!(
        body["details"]["assignee"][0]["description"],
        "Assignee: is not a member of the group"
    );
    // Without a group the ticket follows the assignee to their default group.
    let default = s
        .sim
        .world()
        .admins
        .iter()
        .find(|a| a.id == outside)
        .unwrap()
        .default_team;
    let (status, body) = s
        .call(
            "PUT",
            &url,
            Some(json!({"ticket": {"assignee_id": outside}})),
        )
        .await;
    if let Some(d) = default {
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            (
                body["ticket"]["assignee_id"].as_i64(),
                body["ticket"]["group_id"].as_i64()
            ),
            (Some(outside), Some(d))
        );
    } else {
        assert_eq!(status, 422);
    }
    let (status, body) = s
        .call("PUT", &url, Some(json!({"ticket": {"assignee_id": 1}})))
        .await;
    assert_eq!(
        (
            status,
            body["details"]["assignee"][0]["description"].as_str()
        ),
        (422, Some("Assignee: is invalid"))
    );
    let (status, body) = s
        .call(
            "PUT",
            "/api/v2/tickets/1.json",
            Some(json!({"ticket": {"assignee_id": null}})),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            404,
            json!({"error": "RecordNotFound", "description": "Not found"})
        )
    );
    // A closed ticket refuses updates.
    let closed = {
        let w = s.sim.world();
        w.conversations
            .values()
            .find(|c| {
                c.state == SimState::Closed
                    && w.now.duration_since(c.updated_at) > SignedDuration::from_hours(1)
            })
            .map(|c| c.id)
    };
    if let Some(c) = closed {
        let (status, body) = s
            .call(
                "PUT",
                &format!("/api/v2/tickets/{c}"),
                Some(json!({"ticket": {"assignee_id": null}})),
            )
            .await;
        assert_eq!(status, 422);
        assert!(body["details"]["status"].is_array());
    }
    assert!(
        s.sim
            .applied()
            .iter()
            .any(|a| a.endpoint == "PUT /api/v2/tickets/{id}" && a.target == id.to_string())
    );
}

#[tokio::test]
async fn update_many_runs_as_a_job_with_results_per_ticket() {
    let s = start().await;
    let (id, _, _, _) = assignable(&s);
    let other = s
        .sim
        .world()
        .conversations
        .values()
        .find(|c| c.id != id && c.state == SimState::Open)
        .unwrap()
        .id;
    let (status, body) = s
        .call(
            "PUT",
            &format!("/api/v2/tickets/update_many.json?ids={id},{other},1"),
            Some(json!({"ticket": {"assignee_id": null}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let job = &body["job_status"];
    assert_eq!(job["status"], "queued");
    assert_eq!(job["id"].as_str().unwrap().len(), 32);
    let url = job["url"].as_str().unwrap().to_owned();
    let polled = s.get(&url).await;
    assert_eq!(polled["job_status"]["status"], "working");
    let done = s.get(&url).await;
    assert_eq!(done["job_status"]["status"], "completed");
    let results = done["job_status"]["results"].as_array().unwrap();
    assert_eq!(
        results[0],
        json!({"id": id, "action": "update", "status": "Updated", "success": true})
    );
    assert_eq!(results[2]["success"], false);
    assert_eq!(results[2]["error"], "RecordNotFound");
    assert_eq!(s.sim.world().conversations[&id].admin, 0);
    // Batch form, with one ticket changed after the job was queued: a conflict.
    // (A pending ticket, which nothing else touches meanwhile, for the one that lands.)
    let (id, group, inside) = {
        let w = s.sim.world();
        w.conversations
            .values()
            .filter(|c| c.state == SimState::Snoozed && c.id != other)
            .find_map(|c| {
                let team = w.teams.iter().find(|t| t.id == c.team)?;
                let m = team
                    .members
                    .iter()
                    .map(|(m, _)| *m)
                    .find(|m| *m != c.admin)?;
                Some((c.id, c.team, m))
            })
            .unwrap()
    };
    let (_, body) = s.call("PUT", "/api/v2/tickets/update_many.json", Some(json!({"tickets": [{"id": id, "assignee_id": inside, "group_id": group}, {"id": other, "assignee_id": null}]}))).await;
    let url = body["job_status"]["url"].as_str().unwrap().to_owned();
    s.advance(SignedDuration::from_secs(10));
    let (status, _) = s
        .call(
            "PUT",
            &format!("/api/v2/tickets/{other}"),
            Some(json!({"ticket": {"status": "pending"}})),
        )
        .await;
    assert_eq!(status, 200);
    let done = s.get(&url).await;
    assert_eq!(
        done["job_status"]["status"], "completed",
        "a job runs 5 s after it is queued"
    );
    let results = done["job_status"]["results"].as_array().unwrap();
    assert_eq!(results[0]["success"], true, "{results:?}");
    assert_eq!(
        (
            results[1]["success"].as_bool(),
            results[1]["error"].as_str()
        ),
        (Some(false), Some("UpdateConflict"))
    );
    let (status, _) = s
        .call(
            "PUT",
            "/api/v2/tickets/update_many.json",
            Some(json!({"tickets": (0..101).map(|n| json!({"id": n})).collect::<Vec<_>>()})),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = s.call("GET", "/api/v2/job_statuses/nope.json", None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn memberships_create_delete_with_side_effects_and_make_default() {
    let s = start().await;
    // A teammate with working tickets in a group.
    let (user, group, working): (i64, i64, Vec<u64>) = {
        let w = s.sim.world();
        let c = w
            .conversations
            .values()
            .find(|c| c.state == SimState::Open && c.admin != 0)
            .unwrap();
        let working = w
            .conversations
            .values()
            .filter(|x| x.admin == c.admin && x.team == c.team && x.state != SimState::Closed)
            .map(|x| x.id)
            .collect();
        (c.admin, c.team, working)
    };
    let list = s
        .get(&format!("/api/v2/users/{user}/group_memberships.json"))
        .await;
    let mine = list["group_memberships"].as_array().unwrap().clone();
    assert_eq!(
        mine.iter().filter(|m| m["default"] == true).count(),
        1,
        "exactly one default"
    );
    let user_obj = s.get(&format!("/api/v2/users/{user}.json")).await;
    let default_group = mine.iter().find(|m| m["default"] == true).unwrap()["group_id"].clone();
    assert_eq!(user_obj["user"]["default_group_id"], default_group);
    let by_group = s
        .get(&format!("/api/v2/groups/{group}/memberships.json"))
        .await;
    let m = by_group["group_memberships"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user_id"] == user)
        .unwrap()
        .clone();
    let mid = m["id"].as_i64().unwrap();
    assert_eq!(
        s.get(&format!("/api/v2/group_memberships/{mid}.json"))
            .await["group_membership"],
        m
    );
    // An agent may not delete it.
    let (status, body) = s
        .call_as(
            &s.agent(),
            "DELETE",
            &format!("/api/v2/group_memberships/{mid}.json"),
            None,
        )
        .await;
    assert_eq!(status, 403, "{body}");
    let resp = s
        .send(
            "DELETE",
            &format!("/api/v2/group_memberships/{mid}.json"),
            Some(&basic(&s.owner())),
            None,
        )
        .await;
    assert_eq!(resp.status(), 204);
    {
        let w = s.sim.world();
        for id in &working {
            assert_eq!(
                w.conversations[id].admin, 0,
                "working tickets are unassigned"
            );
        }
        assert!(
            !w.teams
                .iter()
                .find(|t| t.id == group)
                .unwrap()
                .members
                .iter()
                .any(|(m, _)| *m == user)
        );
    }
    let (status, _) = s
        .call(
            "GET",
            &format!("/api/v2/group_memberships/{mid}.json"),
            None,
        )
        .await;
    assert_eq!(status, 404);
    // Back in, as the default.
    let (status, body) = s
        .call(
            "POST",
            "/api/v2/group_memberships.json",
            Some(
                json!({"group_membership": {"user_id": user, "group_id": group, "default": true}}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["group_membership"]["default"], true);
    let (status, body) = s
        .call(
            "POST",
            "/api/v2/group_memberships.json",
            Some(json!({"group_membership": {"user_id": user, "group_id": group}})),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("RecordInvalid"))
    );
    let user_obj = s.get(&format!("/api/v2/users/{user}.json")).await;
    assert_eq!(user_obj["user"]["default_group_id"], group);
    // make_default with no body, `{}`, and a JSON content type with an empty body.
    let others: Vec<Value> = s
        .get(&format!("/api/v2/users/{user}/group_memberships.json"))
        .await["group_memberships"]
        .as_array()
        .unwrap()
        .clone();
    for (n, m) in others.iter().enumerate() {
        let url = format!(
            "{}/api/v2/users/{user}/group_memberships/{}/make_default.json",
            s.sim.base_url(),
            m["id"]
        );
        let mut req = s.http.put(&url).header("authorization", basic(&s.owner()));
        req = match n % 3 {
            0 => req,
            1 => req.json(&json!({})),
            _ => req.header("content-type", "application/json"),
        };
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.unwrap();
        let list = body["group_memberships"].as_array().unwrap();
        assert_eq!(list.len(), others.len());
        let defaults: Vec<&Value> = list.iter().filter(|x| x["default"] == true).collect();
        assert_eq!(defaults.len(), 1);
        assert_eq!(defaults[0]["id"], m["id"]);
        let u = s.get(&format!("/api/v2/users/{user}.json")).await;
        assert_eq!(u["user"]["default_group_id"], m["group_id"]);
    }
}

#[tokio::test]
async fn deleting_a_membership_hands_solved_tickets_on_and_leaves_closed_ones() {
    let s = start().await;
    // Find a solved ticket (closed within the hour) with an assignee.
    let solved = {
        let w = s.sim.world();
        w.conversations
            .values()
            .find(|c| {
                c.state == SimState::Closed
                    && c.admin != 0
                    && w.now.duration_since(c.updated_at) <= SignedDuration::from_hours(1)
            })
            .map(|c| (c.id, c.admin, c.team))
    };
    let Some((tid, user, group)) = solved else {
        panic!("the demo has a solved ticket");
    };
    let t = s.get(&format!("/api/v2/tickets/{tid}.json")).await;
    assert_eq!(t["ticket"]["status"], "solved");
    let ms = s
        .get(&format!("/api/v2/groups/{group}/memberships.json"))
        .await;
    let Some(m) = ms["group_memberships"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user_id"] == user)
    else {
        return; // the assignee left the group already
    };
    let owner_in_group = ms["group_memberships"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["user_id"] == s.sim.world().me);
    let resp = s
        .send(
            "DELETE",
            &format!("/api/v2/users/{user}/group_memberships/{}.json", m["id"]),
            Some(&basic(&s.owner())),
            None,
        )
        .await;
    assert_eq!(resp.status(), 204);
    let w = s.sim.world();
    let heir = w.conversations[&tid].admin;
    assert_ne!(heir, user);
    let members: Vec<i64> = w
        .teams
        .iter()
        .find(|t| t.id == group)
        .unwrap()
        .members
        .iter()
        .map(|(m, _)| *m)
        .collect();
    if owner_in_group {
        assert_eq!(heir, w.me, "the remover, who is in the group");
    } else {
        assert_eq!(Some(heir), members.iter().min().copied().or(Some(w.me)));
    }
}

#[tokio::test]
async fn auth_failures_and_role_refusals_read_as_zendesk_writes_them() {
    let s = start().await;
    for auth in [
        None,
        Some(basic("nobody@example.com")),
        Some("Basic bm9wZQ==".to_owned()),
    ] {
        let resp = s
            .send("GET", "/api/v2/groups.json", auth.as_deref(), None)
            .await;
        assert_eq!(resp.status(), 401);
        assert_eq!(
            resp.headers()["www-authenticate"],
            "Basic realm=\"Web Password\""
        );
        assert_eq!(
            resp.json::<Value>().await.unwrap(),
            json!({"error": "Couldn't authenticate you"})
        );
    }
    let resp = s
        .send(
            "GET",
            "/api/v2/groups.json",
            Some(&format!("Bearer {TOKEN}")),
            None,
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("x-rate-limit").is_some());
    let resp = s
        .send("GET", "/api/v2/groups.json", Some("Bearer wrong"), None)
        .await;
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_token"
    );
    // Any agent can sign in and read; an agent may not write memberships.
    let agent = s.agent();
    let (status, me) = s
        .call_as(&agent, "GET", "/api/v2/users/me.json", None)
        .await;
    assert_eq!((status, me["user"]["role"].as_str()), (200, Some("agent")));
    let (status, body) = s
        .call_as(
            &agent,
            "POST",
            "/api/v2/group_memberships.json",
            Some(json!({"group_membership": {"user_id": 1, "group_id": 1}})),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        json!({"error": {"title": "Forbidden", "message": "You do not have access to this page. Please contact the account owner of this help desk for further help."}})
    );
}

#[tokio::test]
async fn rate_limits_are_per_minute_with_text_plain_429s() {
    let s = start_with(|c| c.rate_limit_per_window = 3).await;
    let auth = basic(&s.owner());
    for left in [2, 1, 0] {
        let resp = s
            .send("GET", "/api/v2/groups.json", Some(&auth), None)
            .await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["x-rate-limit"], "3");
        assert_eq!(
            resp.headers()["x-rate-limit-remaining"],
            left.to_string().as_str()
        );
    }
    let resp = s
        .send("GET", "/api/v2/groups.json", Some(&auth), None)
        .await;
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["content-type"], "text/plain");
    let wait: i64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(
        resp.text().await.unwrap(),
        "Number of allowed API requests per minute exceeded"
    );
    s.advance(SignedDuration::from_secs(wait));
    let resp = s
        .send("GET", "/api/v2/groups.json", Some(&auth), None)
        .await;
    assert_eq!(resp.status(), 200, "the window resets after Retry-After");
}

#[tokio::test]
async fn faults_hit_zendesk_writes_too() {
    let s = start().await;
    s.sim.set_endpoint_down("GET /api/v2/groups", true);
    let (status, _) = s.call("GET", "/api/v2/groups.json", None).await;
    assert_eq!(status, 503);
    s.sim.set_endpoint_down("GET /api/v2/groups", false);
    let (id, _, _, _) = assignable(&s);
    s.sim
        .fault_next_write(shiftlead::sim::faults::Fault::LostBadGateway);
    let (status, _) = s
        .call(
            "PUT",
            &format!("/api/v2/tickets/{id}.json"),
            Some(json!({"ticket": {"assignee_id": null}})),
        )
        .await;
    assert_eq!(status, 502);
    assert_eq!(
        s.sim.world().conversations[&id].admin,
        0,
        "applied, then the answer was lost"
    );
    assert_eq!(s.sim.applied().last().unwrap().fault, Some("lost_response"));
}

#[tokio::test]
async fn omnichannel_routing_on_and_off() {
    let s = start().await;
    let mut url = "/api/v2/agent_availabilities.json?page[size]=6".to_owned();
    let mut seen = 0;
    loop {
        let body = s.get(&url).await;
        seen += body["data"].as_array().unwrap().len();
        match body["links"]["next"].as_str() {
            Some(n) => url = n.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, s.sim.world().admins.len());
    let body = s
        .get("/api/v2/agent_availabilities.json?filter[channel_status]=support:online")
        .await;
    let data = body["data"].as_array().unwrap();
    assert!(!data.is_empty() && data[0]["type"] == "agent_availabilities");
    assert_eq!(body["included"][0]["type"], "channels");
    let statuses = s
        .get("/api/v2/agent_availabilities/agent_statuses.json")
        .await;
    let defaults: Vec<i64> = statuses["default"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    assert_eq!(defaults, vec![2, 3, 4, 5]);
    let custom = statuses["custom"][0]["id"].as_i64().unwrap();
    let agent = s.agent_id_email().0;
    let url = format!("/api/v2/agent_availabilities/agent_statuses/agents/{agent}.json");
    let (status, body) = s.call("PUT", &url, Some(json!({"id": 4}))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["attributes"]["agent_status"]["id"], 4);
    assert!(
        s.sim
            .world()
            .admins
            .iter()
            .find(|a| a.id == agent)
            .unwrap()
            .away
    );
    let (status, body) = s
        .call(
            "PUT",
            &url,
            Some(json!({"data": {"type": "agent_status", "attributes": {"agent_status_id": "3"}}})),
        )
        .await;
    assert_eq!(
        (status, body["attributes"]["agent_status"]["id"].as_i64()),
        (200, Some(3))
    );
    assert!(
        !s.sim
            .world()
            .admins
            .iter()
            .find(|a| a.id == agent)
            .unwrap()
            .away
    );
    let (status, _) = s.call("PUT", &url, Some(json!({"data": {"type": "agent_status", "attributes": {"agent_status_id": custom.to_string()}}}))).await;
    assert_eq!(status, 200);
    let one = s
        .get(&format!("/api/v2/agent_availabilities/{agent}.json"))
        .await;
    assert_eq!(one["data"]["attributes"]["agent_status"]["id"], custom);
    for bad in [
        json!({"status": "away"}),
        json!({"id": 999}),
        json!({"data": {"type": "x", "attributes": {"agent_status_id": "3"}}}),
    ] {
        let (status, _) = s.call("PUT", &url, Some(bad.clone())).await;
        assert_eq!(status, 422, "{bad}");
    }
    let rules = s.get("/api/v2/capacity/rules.json").await;
    let rules = rules.as_array().expect("a bare array");
    assert!(rules.iter().all(|r| r["id"].as_str().unwrap().len() == 26));
    let assigned: u64 = rules
        .iter()
        .map(|r| r["assignees"]["count"].as_u64().unwrap())
        .sum();
    assert_eq!(assigned as usize, s.sim.world().admins.len());
    let assignees = s.get("/api/v2/capacity/rules/assignees.json").await;
    assert_eq!(assignees["assignees"].as_array().unwrap().len(), 20);
    s.sim.set_routing_enabled(false);
    for path in [
        "/api/v2/agent_availabilities.json",
        "/api/v2/agent_availabilities/agent_statuses.json",
        "/api/v2/capacity/rules.json",
    ] {
        let (status, body) = s.call("GET", path, None).await;
        assert_eq!(
            (status, body),
            (
                404,
                json!({"error": "InvalidEndpoint", "description": "Not found"})
            ),
            "{path}"
        );
    }
    let (status, _) = s.call("PUT", &url, Some(json!({"id": 3}))).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_large_preset_pages_the_export_fast_enough() {
    let s = start_with(|c| {
        c.scenario = shiftlead::sim::Scenario::scaled(
            shiftlead::sim::scenario::Scale::preset("large")
                .unwrap()
                .unwrap(),
        );
        c.rate_limit_per_window = 100_000;
    })
    .await;
    let t = std::time::Instant::now();
    let body = s
        .get("/api/v2/search/export.json?query=status%3Csolved&filter[type]=ticket&page[size]=1000")
        .await;
    let mut pages = 1;
    let mut next = body["links"]["next"].as_str().map(str::to_owned);
    while let (Some(url), true) = (next.clone(), pages < 20) {
        let body = s.get(&url).await;
        pages += 1;
        next = body["links"]["next"].as_str().map(str::to_owned);
    }
    let per_page = t.elapsed() / pages;
    assert!(
        per_page < std::time::Duration::from_secs(2),
        "{per_page:?} a page"
    );
}
