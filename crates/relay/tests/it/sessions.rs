//! Consumer sessions: introspection, expiry, and portal scoping on every endpoint.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{FakeHubSpot, TestRelay, event};

const A: u64 = 62515;
const B: u64 = 70001;

async fn relay(tweak: impl FnOnce(&mut steward_relay::RelayConfig)) -> (TestRelay, FakeHubSpot) {
    let hubspot = FakeHubSpot::start().await;
    let base = hubspot.base.clone();
    let relay = TestRelay::start(|c| {
        c.api_base = url::Url::parse(&base).unwrap();
        tweak(c);
    })
    .await;
    (relay, hubspot)
}

fn endpoints(portal: u64) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (
            Method::POST,
            format!("/v1/portals/{portal}/events/lease"),
            Some(json!({"max_events": 10})),
        ),
        (
            Method::POST,
            format!("/v1/portals/{portal}/events/ack"),
            Some(json!({"receipts": ["1.abc"]})),
        ),
        (
            Method::POST,
            format!("/v1/portals/{portal}/events/nack"),
            Some(json!({"receipts": ["1.abc"]})),
        ),
        (Method::GET, format!("/v1/portals/{portal}/dlq"), None),
        (
            Method::POST,
            format!("/v1/portals/{portal}/dlq/redrive"),
            Some(json!({})),
        ),
    ]
}

#[tokio::test]
async fn a_session_for_portal_a_is_refused_on_every_endpoint_of_portal_b() {
    let (relay, _hs) = relay(|_| {}).await;
    relay.send_events(&[event(B, 1)]).await;
    let session_a = relay.session(&format!("token-for-{A}")).await;
    let mut bodies = Vec::new();
    for (method, path, body) in endpoints(B) {
        let (status, json) = relay.call(method.clone(), &path, &session_a, body).await;
        assert_eq!(status, 403, "{method} {path}: {json}");
        assert_eq!(json["error"], "forbidden");
        bodies.push(json);
    }
    // Identical answers whatever the endpoint: nothing about B leaks. Also for a portal
    // that does not exist and a non-numeric one.
    for path in [
        "/v1/portals/123456789/events/lease",
        "/v1/portals/not-a-number/events/lease",
    ] {
        let (status, json) = relay
            .call(
                Method::POST,
                path,
                &session_a,
                Some(json!({"max_events": 1})),
            )
            .await;
        assert_eq!(status, 403);
        bodies.push(json);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]));
    // B's event is untouched: B's own session still leases it on its first delivery.
    let session_b = relay.session(&format!("token-for-{B}")).await;
    let leased = relay.lease(&session_b, B, 10, 0, 60_000).await;
    assert_eq!(leased.len(), 1);
    assert_eq!(leased[0]["receive_count"], 1);
    // And A's own endpoints all work for A.
    for (method, path, body) in endpoints(A) {
        let (status, json) = relay.call(method.clone(), &path, &session_a, body).await;
        assert_eq!(status, 200, "{method} {path}: {json}");
    }
    relay.stop().await;
}

#[tokio::test]
async fn missing_forged_and_expired_sessions_are_401() {
    let (relay, _hs) = relay(|c| c.session_ttl = Duration::from_secs(1)).await;
    let path = format!("/v1/portals/{A}/events/lease");
    let resp = relay
        .http
        .post(relay.url(&path))
        .json(&json!({"max_events": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let (status, json) = relay
        .call(
            Method::POST,
            &path,
            "v1.62515.99999999999999.00.forged",
            Some(json!({"max_events": 1})),
        )
        .await;
    assert_eq!(
        (status, json["error"].as_str()),
        (401, Some("unauthorized"))
    );
    let session = relay.session(&format!("token-for-{A}")).await;
    assert_eq!(
        relay
            .call(
                Method::POST,
                &path,
                &session,
                Some(json!({"max_events": 1}))
            )
            .await
            .0,
        200
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, json) = relay
        .call(
            Method::POST,
            &path,
            &session,
            Some(json!({"max_events": 1})),
        )
        .await;
    assert_eq!(
        (status, json["error"].as_str()),
        (401, Some("session_expired"))
    );
    relay.stop().await;
}

#[tokio::test]
async fn sessions_need_an_active_token_of_this_app_and_introspection_is_cached() {
    let (relay, hs) = relay(|_| {}).await;
    let open = |token: &str| {
        relay
            .http
            .post(relay.url("/v1/sessions"))
            .json(&json!({"access_token": token}))
            .send()
    };
    for bad in ["revoked-token", "other-app-62515"] {
        let resp = open(bad).await.unwrap();
        assert_eq!(resp.status().as_u16(), 401, "{bad}");
        assert_eq!(
            resp.json::<Value>().await.unwrap()["error"],
            "invalid_token"
        );
    }
    let resp = open("").await.unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let calls_before = hs.calls.introspect();
    let first: Value = open(&format!("token-for-{A}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["portal_id"], A);
    assert_eq!(first["expires_in"], 3600);
    let second: Value = open(&format!("token-for-{A}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(first["session_token"], second["session_token"]);
    // (The stand-in only calls a token active when the app's client secret came with it.)
    assert_eq!(
        hs.calls.introspect(),
        calls_before + 1,
        "second session served from the cache"
    );
    relay.stop().await;
}

#[tokio::test]
async fn hubspot_unreachable_is_502_not_401() {
    let relay = TestRelay::start(|_| {}).await; // api_base points at a closed port
    let resp = relay
        .http
        .post(relay.url("/v1/sessions"))
        .json(&json!({"access_token": "token-for-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 502);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "hubspot_unavailable"
    );
    relay.stop().await;
}
