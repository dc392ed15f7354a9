//! Durability: every event answered 200 survives SIGKILL of the real binary.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::binary::RelayProcess;
use crate::support::{CLIENT_SECRET, FakeHubSpot, PUBLIC_URL, event, now_ms, signature};

const PORTAL: u64 = 62515;

#[tokio::test]
async fn every_event_answered_200_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("relay.db").display());
    let hubspot = FakeHubSpot::start().await;
    let env = vec![
        ("RELAY_DATABASE_URL", db.clone()),
        ("HUBSPOT_API_BASE", hubspot.base.clone()),
    ];
    let relay = RelayProcess::spawn(&env).await;

    let acknowledged: Arc<Mutex<HashSet<u64>>> = Arc::default();
    let mut senders = Vec::new();
    for sender in 0..4u64 {
        let base = relay.base.clone();
        let acked = Arc::clone(&acknowledged);
        senders.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            for batch in 0u64.. {
                let first = sender * 1_000_000 + batch * 50;
                let events: Vec<Value> = (first..first + 50).map(|i| event(PORTAL, i)).collect();
                let body = serde_json::to_vec(&events).unwrap();
                let ts = now_ms();
                let sig = signature(
                    CLIENT_SECRET,
                    &format!("{PUBLIC_URL}/hubspot/webhooks"),
                    &body,
                    ts,
                );
                let sent = http
                    .post(format!("{base}/hubspot/webhooks"))
                    .header("x-hubspot-signature-v3", sig)
                    .header("x-hubspot-request-timestamp", ts.to_string())
                    .body(body)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().as_u16() == 200 => {
                        acked.lock().unwrap().extend(first..first + 50);
                    }
                    _ => return,
                }
            }
        }));
    }
    // Let traffic flow, then pull the plug mid-stream.
    tokio::time::timeout(Duration::from_secs(20), async {
        while acknowledged.lock().unwrap().len() < 2_000 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("events flowed");
    relay.kill9().await;
    for s in senders {
        s.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();

    let relay = RelayProcess::spawn(&env).await;
    let http = reqwest::Client::new();
    let session: Value = http
        .post(format!("{}/v1/sessions", relay.base))
        .json(&json!({"access_token": format!("token-for-{PORTAL}")}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["session_token"].as_str().unwrap();
    let mut leased = HashSet::new();
    loop {
        let body: Value = http
            .post(format!("{}/v1/portals/{PORTAL}/events/lease", relay.base))
            .bearer_auth(token)
            .json(&json!({"max_events": 100, "wait_ms": 0}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let events = body["events"].as_array().unwrap();
        if events.is_empty() {
            break;
        }
        leased.extend(
            events
                .iter()
                .map(|e| e["event"]["eventId"].as_u64().unwrap()),
        );
    }
    let lost: Vec<_> = acknowledged.difference(&leased).take(5).collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged events lost, e.g. {lost:?}",
        acknowledged.difference(&leased).count(),
        acknowledged.len()
    );
    assert!(leased.len() >= acknowledged.len());
    relay.kill9().await;
}
