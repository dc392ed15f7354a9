//! Two relay instances on one PostgreSQL database.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use steward_relay::DatabaseUrl;

use crate::support::{
    FakeHubSpot, TestRelay, event, pg_store, postgres_url, test_config, url_with_schema,
};

const PORTAL: u64 = 62515;

async fn two_relays(
    url: &str,
) -> (
    TestRelay,
    TestRelay,
    FakeHubSpot,
    steward_relay::store::PgStore,
) {
    let store = pg_store(url).await; // creates the schema and tables
    let schema = store_schema(&store).await;
    let hubspot = FakeHubSpot::start().await;
    let mut relays = Vec::new();
    for _ in 0..2 {
        let mut config = test_config();
        config.api_base = url::Url::parse(&hubspot.base).unwrap();
        config.database =
            DatabaseUrl::Postgres(steward_relay::Secret::new(url_with_schema(url, &schema)));
        relays.push(TestRelay::with_config(config, None).await);
    }
    let b = relays.pop().unwrap();
    let a = relays.pop().unwrap();
    (a, b, hubspot, store)
}

async fn store_schema(store: &steward_relay::store::PgStore) -> String {
    store.schema().unwrap().to_owned()
}

#[tokio::test]
async fn two_instances_never_hand_the_same_event_to_two_leases() {
    let Some(url) =
        postgres_url("multi_instance::two_instances_never_hand_the_same_event_to_two_leases")
    else {
        return;
    };
    let (a, b, _hs, store) = two_relays(&url).await;
    const N: u64 = 600;
    for chunk in 0..(N / 100) {
        let events: Vec<_> = (chunk * 100..(chunk + 1) * 100)
            .map(|i| event(PORTAL, i))
            .collect();
        let relay = if chunk % 2 == 0 { &a } else { &b };
        assert_eq!(relay.send_events(&events).await, 200);
    }
    // A session from instance A is valid on instance B (same signing key).
    let session = a.session(&format!("token-for-{PORTAL}")).await;
    let a = Arc::new(a);
    let b = Arc::new(b);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let relay = if i % 2 == 0 {
            Arc::clone(&a)
        } else {
            Arc::clone(&b)
        };
        let session = session.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            let mut empty = 0;
            while empty < 3 {
                let events = relay.lease(&session, PORTAL, 10, 0, 120_000).await;
                if events.is_empty() {
                    empty += 1;
                }
                got.extend(
                    events
                        .iter()
                        .map(|e| e["event"]["eventId"].as_u64().unwrap()),
                );
            }
            got
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let unique: HashSet<_> = all.iter().copied().collect();
    assert_eq!(
        all.len(),
        unique.len(),
        "an event was handed to two leases at once"
    );
    assert_eq!(unique.len() as u64, N, "every event was leased");
    Arc::into_inner(a).unwrap().stop().await;
    Arc::into_inner(b).unwrap().stop().await;
    store.drop_schema().await.unwrap();
}

#[tokio::test]
async fn ingest_on_one_instance_wakes_a_long_poll_on_the_other() {
    let Some(url) =
        postgres_url("multi_instance::ingest_on_one_instance_wakes_a_long_poll_on_the_other")
    else {
        return;
    };
    let (a, b, _hs, store) = two_relays(&url).await;
    let session = b.session(&format!("token-for-{PORTAL}")).await;
    let b = Arc::new(b);
    let poller = Arc::clone(&b);
    let poll = tokio::spawn(async move {
        let events = poller.lease(&session, PORTAL, 10, 10_000, 60_000).await;
        (events, Instant::now())
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(a.send_events(&[event(PORTAL, 1)]).await, 200);
    let committed = Instant::now();
    let (events, returned) = poll.await.unwrap();
    assert_eq!(events.len(), 1);
    let latency = returned.saturating_duration_since(committed);
    assert!(
        latency < Duration::from_millis(500),
        "cross-instance wake took {latency:?}"
    );
    a.stop().await;
    Arc::into_inner(b).unwrap().stop().await;
    store.drop_schema().await.unwrap();
}
