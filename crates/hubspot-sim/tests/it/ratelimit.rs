//! Per-portal rolling-window limit with HubSpot's 429 body and headers; faults on demand.

use std::time::Duration;

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn past_the_limit_answers_429_with_headers_and_body() {
    let sim = start(hubspot_sim::SimConfig {
        rate_limit: Some(hubspot_sim::RateLimit {
            max: 5,
            per: Duration::from_secs(60),
        }),
        ..config()
    })
    .await;
    for i in 0..5u32 {
        let a = sim.get(PAT, "/account-info/v3/details").await;
        assert_eq!(a.status, 200);
        assert_eq!(a.headers["x-hubspot-ratelimit-max"], "5");
        assert_eq!(
            a.headers["x-hubspot-ratelimit-remaining"],
            (4 - i).to_string().as_str()
        );
        assert_eq!(
            a.headers["x-hubspot-ratelimit-interval-milliseconds"],
            "60000"
        );
    }
    // Admin, OAuth and LLM paths are not counted.
    sim.stats().await;
    let a = sim.get(PAT, "/crm/v3/objects/contacts").await;
    assert_eq!(a.status, 429);
    assert_eq!(a.body["status"], "error");
    assert_eq!(a.body["policyName"], "TEN_SECONDLY_ROLLING");
    assert_eq!(a.body["category"], "RATE_LIMITS");
    assert_eq!(a.body["errorType"], "RATE_LIMIT");
    assert_eq!(
        a.body["message"],
        "You have reached your ten_secondly_rolling limit."
    );
    assert_eq!(a.headers["x-hubspot-ratelimit-remaining"], "0");
    assert_eq!(a.headers["x-hubspot-ratelimit-max"], "5");
    assert_eq!(sim.stats().await["rateLimited429"], 1);

    // Another portal has its own window.
    let other = sim.oauth_with(ALL_SCOPES, "&portal_id=4242").await;
    let a = sim
        .get(
            other["access_token"].as_str().unwrap(),
            "/account-info/v3/details",
        )
        .await;
    assert_eq!(a.status, 200);

    // Turning the limit off mid-run.
    sim.admin("/_sim/faults", json!({"rateLimit": null})).await;
    let a = sim.get(PAT, "/account-info/v3/details").await;
    assert_eq!(a.status, 200);
    assert!(a.headers.get("x-hubspot-ratelimit-max").is_none());
}

#[tokio::test]
async fn daily_limit_uses_the_daily_policy() {
    let sim = start(hubspot_sim::SimConfig {
        daily_limit: Some(1),
        ..config()
    })
    .await;
    assert_eq!(sim.get(PAT, "/account-info/v3/details").await.status, 200);
    let a = sim.get(PAT, "/account-info/v3/details").await;
    assert_eq!(a.status, 429);
    assert_eq!(a.body["policyName"], "DAILY");
    assert_eq!(a.headers["x-hubspot-ratelimit-daily-remaining"], "0");
}

#[tokio::test]
async fn injected_5xx_and_latency() {
    let sim = start(config()).await;
    sim.admin("/_sim/faults", json!({"fault5xx": 1.0})).await;
    let a = sim.get(PAT, "/account-info/v3/details").await;
    assert!(a.status.is_server_error(), "{}", a.status);
    assert_eq!(a.body["status"], "error");
    sim.admin(
        "/_sim/faults",
        json!({"fault5xx": 0.0, "faultLatencyMs": 150}),
    )
    .await;
    let started = std::time::Instant::now();
    assert_eq!(sim.get(PAT, "/account-info/v3/details").await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(sim.stats().await["faults5xx"], 1);
    let bad = sim
        .call(
            reqwest::Method::POST,
            None,
            "/_sim/faults",
            Some(json!({"fault5xx": 2})),
        )
        .await;
    assert_eq!(bad.status, 400);
}
