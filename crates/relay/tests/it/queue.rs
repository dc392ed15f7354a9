//! The queue over HTTP: lease/ack/nack, visibility expiry, dead letters, redrive, long-poll
//! latency and shutdown.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::support::{FakeHubSpot, TestRelay, event, receipts};

const PORTAL: u64 = 62515;

async fn relay_with_hubspot(
    tweak: impl FnOnce(&mut steward_relay::RelayConfig),
) -> (TestRelay, FakeHubSpot, String) {
    let hubspot = FakeHubSpot::start().await;
    let base = hubspot.base.clone();
    let relay = TestRelay::start(|c| {
        c.api_base = url::Url::parse(&base).unwrap();
        tweak(c);
    })
    .await;
    let session = relay.session(&format!("token-for-{PORTAL}")).await;
    (relay, hubspot, session)
}

#[tokio::test]
async fn lease_ack_nack_over_http() {
    let (relay, _hs, session) = relay_with_hubspot(|_| {}).await;
    relay
        .send_events(&(1..=5).map(|i| event(PORTAL, i)).collect::<Vec<_>>())
        .await;
    let leased = relay.lease(&session, PORTAL, 3, 0, 60_000).await;
    assert_eq!(leased.len(), 3);
    let first = &leased[0];
    assert_eq!(first["receive_count"], 1);
    assert_eq!(first["event"]["portalId"], PORTAL);
    assert_eq!(
        first["event"]["changeFlag"], "NEW",
        "unknown fields survive"
    );
    let rest = relay.lease(&session, PORTAL, 10, 0, 60_000).await;
    assert_eq!(rest.len(), 2);
    assert!(
        relay
            .lease(&session, PORTAL, 10, 0, 60_000)
            .await
            .is_empty()
    );

    let path = |op: &str| format!("/v1/portals/{PORTAL}/events/{op}");
    let (status, body) = relay
        .call(
            Method::POST,
            &path("ack"),
            &session,
            Some(json!({"receipts": receipts(&leased)})),
        )
        .await;
    assert_eq!(
        (status, body["acked"].as_u64(), body["stale"].as_u64()),
        (200, Some(3), Some(0))
    );
    let (_, body) = relay
        .call(
            Method::POST,
            &path("nack"),
            &session,
            Some(json!({"receipts": receipts(&rest)})),
        )
        .await;
    assert_eq!(body["released"], 2);
    let again = relay.lease(&session, PORTAL, 10, 0, 60_000).await;
    assert_eq!(again.len(), 2);
    assert!(again.iter().all(|e| e["receive_count"] == 2));
    // Old receipts and garbage are stale, not errors.
    let (status, body) = relay
        .call(
            Method::POST,
            &path("ack"),
            &session,
            Some(json!({"receipts": [receipts(&rest)[0], "garbage"]})),
        )
        .await;
    assert_eq!(
        (status, body["acked"].as_u64(), body["stale"].as_u64()),
        (200, Some(0), Some(2))
    );
    // Bad lease parameters.
    for bad in [
        json!({"max_events": 0}),
        json!({"max_events": 101}),
        json!({"max_events": 1, "wait_ms": 20_001}),
        json!({"nope": 1}),
    ] {
        let (status, body) = relay
            .call(Method::POST, &path("lease"), &session, Some(bad.clone()))
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("bad_request")),
            "{bad}"
        );
    }
    relay.stop().await;
}

#[tokio::test]
async fn long_poll_returns_within_100ms_of_an_event_arriving() {
    let (relay, _hs, session) = relay_with_hubspot(|_| {}).await;
    let relay = std::sync::Arc::new(relay);
    for round in 0..3 {
        let r = std::sync::Arc::clone(&relay);
        let s = session.clone();
        let started = Instant::now();
        let poll = tokio::spawn(async move {
            let events = r.lease(&s, PORTAL, 10, 10_000, 60_000).await;
            (events, Instant::now())
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            !poll.is_finished(),
            "the long-poll waits while the queue is empty"
        );
        assert_eq!(relay.send_events(&[event(PORTAL, 100 + round)]).await, 200);
        let committed = Instant::now();
        let (events, returned) = poll.await.unwrap();
        assert_eq!(events.len(), 1);
        let latency = returned.saturating_duration_since(committed);
        assert!(
            latency < Duration::from_millis(100),
            "round {round}: long-poll answered {latency:?} after the event was committed"
        );
        assert!(returned - started >= Duration::from_millis(300));
    }
    // Events of another portal do not wake (or satisfy) this portal's long-poll.
    let r = std::sync::Arc::clone(&relay);
    let s = session.clone();
    let poll = tokio::spawn(async move { r.lease(&s, PORTAL, 10, 700, 60_000).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    relay.send_events(&[event(PORTAL + 1, 1)]).await;
    assert!(poll.await.unwrap().is_empty());
    std::sync::Arc::into_inner(relay).unwrap().stop().await;
}

#[tokio::test]
async fn visibility_expiry_redelivers_during_a_long_poll() {
    let (relay, _hs, session) = relay_with_hubspot(|_| {}).await;
    relay.send_events(&[event(PORTAL, 1)]).await;
    let first = relay.lease(&session, PORTAL, 10, 0, 300).await;
    assert_eq!(first.len(), 1);
    // A long-poll started now gets the event back once its 300 ms visibility runs out.
    let started = Instant::now();
    let again = relay.lease(&session, PORTAL, 10, 5_000, 60_000).await;
    let waited = started.elapsed();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0]["receive_count"], 2);
    assert!(
        waited >= Duration::from_millis(150) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
    relay.stop().await;
}

#[tokio::test]
async fn dead_letters_after_max_receives_then_redrive() {
    let (relay, _hs, session) = relay_with_hubspot(|c| c.max_receives = 2).await;
    relay
        .send_events(&[event(PORTAL, 1), event(PORTAL, 2)])
        .await;
    assert_eq!(relay.lease(&session, PORTAL, 10, 0, 50).await.len(), 2);
    assert_eq!(
        relay.lease(&session, PORTAL, 10, 2_000, 50).await.len(),
        2,
        "redelivered after 50 ms"
    );
    // Third delivery would exceed max_receives = 2: both go to the dead-letter list.
    assert!(relay.lease(&session, PORTAL, 10, 500, 50).await.is_empty());
    let (status, dlq) = relay
        .call(
            Method::GET,
            &format!("/v1/portals/{PORTAL}/dlq"),
            &session,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let dead = dlq["events"].as_array().unwrap();
    assert_eq!(dead.len(), 2);
    assert_eq!(dead[0]["receive_count"], 2);
    assert_eq!(dead[0]["event"]["portalId"], PORTAL);
    let (_, page) = relay
        .call(
            Method::GET,
            &format!("/v1/portals/{PORTAL}/dlq?limit=1"),
            &session,
            None,
        )
        .await;
    assert_eq!(page["events"].as_array().unwrap().len(), 1);
    assert_eq!(page["next_after"], dead[0]["id"]);
    let metrics = relay.metrics().await;
    assert!(
        metrics.contains(&format!(
            "steward_relay_dead_letter_events{{portal=\"{PORTAL}\"}} 2"
        )),
        "{metrics}"
    );
    assert!(metrics.contains(&format!(
        "steward_relay_events_dead_lettered_total{{portal=\"{PORTAL}\"}} 2"
    )));

    let first_id = dead[0]["id"].as_i64().unwrap();
    let (_, r) = relay
        .call(
            Method::POST,
            &format!("/v1/portals/{PORTAL}/dlq/redrive"),
            &session,
            Some(json!({"ids": [first_id]})),
        )
        .await;
    assert_eq!(r["redriven"], 1);
    let back = relay.lease(&session, PORTAL, 10, 0, 60_000).await;
    assert_eq!(back.len(), 1);
    assert_eq!(back[0]["receive_count"], 1);
    // Redrive the rest with an empty body.
    let resp = relay
        .http
        .post(relay.url(&format!("/v1/portals/{PORTAL}/dlq/redrive")))
        .bearer_auth(&session)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.json::<serde_json::Value>().await.unwrap()["redriven"],
        1
    );
    relay.stop().await;
}

#[tokio::test]
async fn shutdown_ends_long_polls_and_finishes_quickly() {
    let (relay, _hs, session) = relay_with_hubspot(|_| {}).await;
    let url = relay.url(&format!("/v1/portals/{PORTAL}/events/lease"));
    let http = relay.http.clone();
    let polls: Vec<_> = (0..5)
        .map(|_| {
            let (http, url, session) = (http.clone(), url.clone(), session.clone());
            tokio::spawn(async move {
                http.post(url)
                    .bearer_auth(session)
                    .json(&json!({"max_events": 10, "wait_ms": 20_000}))
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    relay.stop().await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "shutdown took {:?}",
        started.elapsed()
    );
    for p in polls {
        assert_eq!(
            p.await.unwrap().unwrap(),
            200,
            "long-polls get an (empty) answer, not a reset"
        );
    }
}
