//! Team mode against a real nats-server (JetStream): one started per test on a free loopback
//! port with a temporary store (see `support::nats`).

mod support;

use shiftlead::team::bus::{Buckets, Bus, BusSettings};
use std::time::Duration;
use support::nats::NatsServer;

fn settings(url: &str, ws: &str) -> BusSettings {
    BusSettings {
        url: url.to_owned(),
        workspace: ws.to_owned(),
        user: None,
        password: None,
        credentials: None,
        name: "test".into(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn connects_to_a_real_server_and_creates_the_workspace_buckets() {
    let Some(server) = NatsServer::start() else {
        return;
    };
    let bus = Bus::connect(&settings(&server.url, "acme")).await.unwrap();
    assert!(bus.is_connected());
    // A dashboard finds nothing before a relay has published.
    let missing = Buckets::open(&bus, false, Duration::from_secs(10)).await;
    let Err(e) = missing else {
        panic!("opened buckets nobody created")
    };
    assert!(e.to_string().contains("no relay has published"), "{e}");
    let b = Buckets::open(&bus, true, Duration::from_secs(10))
        .await
        .unwrap();
    b.meta.put("k", b"v".to_vec().into()).await.unwrap();
    // Opening again (a second relay, or a dashboard) finds the same buckets.
    let again = Buckets::open(&bus, false, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(again.meta.get("k").await.unwrap().unwrap().as_ref(), b"v");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_server_is_a_clear_error() {
    let e = Bus::connect(&settings("nats://127.0.0.1:1", "acme"))
        .await
        .err()
        .unwrap();
    assert!(
        e.to_string()
            .contains("cannot connect to the NATS server at nats://127.0.0.1:1"),
        "{e}"
    );
}
