//! Webhook delivery to a real receiver: v3 signatures, HubSpot's event JSON, batching,
//! retries on errors and on slow answers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hubspot_sim::webhook::sign_v3;
use serde_json::{Value, json};

use crate::common::*;

#[derive(Clone, Default)]
struct Receiver {
    hits: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    fail_first: usize,
    slow_first: Option<Duration>,
    count: Arc<AtomicUsize>,
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let n = r.count.fetch_add(1, Ordering::SeqCst) + 1;
    r.hits.lock().unwrap().push((headers, body));
    if n == 1
        && let Some(d) = r.slow_first
    {
        tokio::time::sleep(d).await;
    }
    if n <= r.fail_first {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    }
}

/// Starts a receiver; returns its URL.
async fn receiver(r: Receiver) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/hubspot/webhooks", post(receive))
        .with_state(r);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/hubspot/webhooks")
}

fn events(hits: &[(HeaderMap, Bytes)]) -> Vec<Value> {
    hits.iter()
        .flat_map(|(_, b)| serde_json::from_slice::<Vec<Value>>(b).unwrap())
        .collect()
}

async fn sent(sim: &Sim, n: u64) -> bool {
    eventually(|| async { sim.stats().await["webhooksSent"].as_u64().unwrap() >= n }).await
}

#[tokio::test]
async fn live_delivery_is_signed_and_shaped_like_hubspot() {
    let r = Receiver::default();
    let url = receiver(r.clone()).await;
    let sim = start(hubspot_sim::SimConfig {
        webhook_target: Some(url.clone()),
        ..config()
    })
    .await;
    let id = sim.human_contact("hooked@example.com").await; // creation + email + firstname
    assert!(sent(&sim, 3).await, "{}", sim.stats().await);
    sim.admin(
        "/_sim/human-edit",
        json!({"contactId": id, "property": "city", "value": "Oslo", "userId": 12}),
    )
    .await;
    assert!(sent(&sim, 4).await);
    sim.patch(
        PAT,
        &format!("/crm/v3/objects/contacts/{id}"),
        json!({"properties": {"city": "Bergen"}}),
    )
    .await;
    assert!(sent(&sim, 5).await, "{}", sim.stats().await);

    let hits = r.hits.lock().unwrap().clone();
    for (headers, body) in &hits {
        let ts: u64 = headers["x-hubspot-request-timestamp"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let expected = sign_v3("sim-client-secret", "POST", &url, body, ts);
        assert_eq!(
            headers["x-hubspot-signature-v3"].to_str().unwrap(),
            expected
        );
        assert_eq!(headers["content-type"], "application/json");
    }
    // The creation and its two property changes were raised together: one batch.
    let first: Vec<Value> = serde_json::from_slice(&hits[0].1).unwrap();
    assert_eq!(first.len(), 3, "{first:?}");
    let all = events(&hits);
    let creation = all
        .iter()
        .find(|e| e["subscriptionType"] == "contact.creation")
        .unwrap();
    assert_eq!(creation["objectId"].to_string(), id);
    assert_eq!(creation["portalId"], 62515);
    assert_eq!(creation["appId"], 1_234_567);
    assert_eq!(creation["attemptNumber"], 0);
    assert_eq!(creation["changeSource"], "CRM_UI");
    for key in ["eventId", "subscriptionId", "occurredAt"] {
        assert!(creation[key].is_u64(), "{key}");
    }
    let city: Vec<&Value> = all.iter().filter(|e| e["propertyName"] == "city").collect();
    assert_eq!(city.len(), 2);
    assert_eq!(city[0]["subscriptionType"], "contact.propertyChange");
    assert_eq!(city[0]["propertyValue"], "Oslo");
    assert_eq!(city[0]["changeSource"], "CRM_UI");
    assert_eq!(city[0]["sourceId"], "userId:12");
    assert_eq!(city[1]["propertyValue"], "Bergen");
    assert_eq!(city[1]["changeSource"], "INTEGRATION");
    assert_eq!(city[1]["sourceId"], "1234567");
}

#[tokio::test]
async fn failing_receiver_gets_retries() {
    let r = Receiver {
        fail_first: 2,
        ..Receiver::default()
    };
    let url = receiver(r.clone()).await;
    let sim = start(hubspot_sim::SimConfig {
        webhook_target: Some(url),
        webhook_retry_base: Duration::from_millis(20),
        contacts: 1,
        ..config()
    })
    .await;
    sim.admin(
        "/_sim/human-edit",
        json!({"contactId": "101", "property": "city", "value": "Rome", "userId": 3}),
    )
    .await;
    assert!(sent(&sim, 1).await);
    let hits = r.hits.lock().unwrap().clone();
    assert_eq!(hits.len(), 3);
    let attempts: Vec<Value> = events(&hits)
        .iter()
        .map(|e| e["attemptNumber"].clone())
        .collect();
    assert_eq!(attempts, vec![json!(0), json!(1), json!(2)]);
    let ids: Vec<Value> = events(&hits).iter().map(|e| e["eventId"].clone()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] == w[1]),
        "a retry resends the same event"
    );
    let stats = sim.stats().await;
    assert_eq!(stats["webhookDeliveries"], 3);
    assert_eq!(stats["webhookFailures"], 2);
}

#[tokio::test]
async fn slow_receiver_counts_as_failure() {
    let r = Receiver {
        slow_first: Some(Duration::from_secs(2)),
        ..Receiver::default()
    };
    let url = receiver(r.clone()).await;
    let sim = start(hubspot_sim::SimConfig {
        webhook_target: Some(url),
        webhook_retry_base: Duration::from_millis(10),
        webhook_timeout: Duration::from_millis(200),
        contacts: 1,
        ..config()
    })
    .await;
    sim.admin(
        "/_sim/human-edit",
        json!({"contactId": "101", "property": "city", "value": "Lima", "userId": 3}),
    )
    .await;
    assert!(sent(&sim, 1).await);
    assert_eq!(sim.stats().await["webhookFailures"], 1);
    assert_eq!(r.count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn batches_hold_at_most_100_events() {
    let r = Receiver::default();
    let url = receiver(r.clone()).await;
    let sim = start(hubspot_sim::SimConfig {
        webhook_target: Some(url),
        contacts: 100,
        ..config()
    })
    .await;
    let inputs: Vec<Value> = (101..201)
        .map(
            |i| json!({"id": i.to_string(), "properties": {"city": "Quito", "state": "Pichincha"}}),
        )
        .collect();
    let a = sim
        .post(
            PAT,
            "/crm/v3/objects/contacts/batch/update",
            json!({"inputs": inputs}),
        )
        .await;
    assert_eq!(a.status, 200);
    assert!(sent(&sim, 200).await);
    let hits = r.hits.lock().unwrap().clone();
    assert!(hits.len() >= 2);
    assert!(
        hits.iter()
            .all(|(_, b)| serde_json::from_slice::<Vec<Value>>(b).unwrap().len() <= 100)
    );
    assert_eq!(events(&hits).len(), 200);
}
