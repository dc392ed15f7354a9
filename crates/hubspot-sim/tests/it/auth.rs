//! Bearer tokens: unknown → 401 INVALID_AUTHENTICATION, expired → 401 EXPIRED_AUTHENTICATION.

use std::time::Duration;

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn unknown_and_missing_tokens_are_401() {
    let sim = start(config()).await;
    let a = sim.get("not-a-token", "/crm/v3/objects/contacts").await;
    assert_eq!(a.status, 401);
    assert_eq!(a.body["status"], "error");
    assert_eq!(a.body["category"], "INVALID_AUTHENTICATION");
    assert!(a.body["correlationId"].is_string());
    let a = sim
        .call(reqwest::Method::GET, None, "/account-info/v3/details", None)
        .await;
    assert_eq!(a.status, 401);
    // 401s do not count against the portal's rate limit, nor reach stats as 429s.
    assert_eq!(sim.stats().await["rateLimited429"], 0);
}

#[tokio::test]
async fn access_tokens_expire_and_refresh() {
    let sim = start(hubspot_sim::SimConfig {
        access_token_ttl: Duration::from_millis(1),
        ..config()
    })
    .await;
    let t = sim.oauth(ALL_SCOPES).await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    let a = sim
        .get(
            t["access_token"].as_str().unwrap(),
            "/account-info/v3/details",
        )
        .await;
    assert_eq!(a.status, 401);
    assert_eq!(a.body["category"], "EXPIRED_AUTHENTICATION");
    assert!(a.body["message"].as_str().unwrap().contains("expired"));

    let resp = sim
        .http
        .post(format!("{}/oauth/v3/token", sim.base))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", "sim-client-id"),
            ("client_secret", "sim-client-secret"),
            ("refresh_token", t["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let fresh: serde_json::Value = resp.json().await.unwrap();
    assert_ne!(fresh["access_token"], t["access_token"]);
    assert_eq!(fresh["refresh_token"], t["refresh_token"]);
    assert_eq!(fresh["token_type"], "bearer");
    assert_eq!(sim.stats().await["tokenRefreshes"], 1);
}

#[tokio::test]
async fn tokens_are_bound_to_their_portal() {
    let sim = start(hubspot_sim::SimConfig {
        contacts: 2,
        ..config()
    })
    .await;
    let other = sim.oauth_with(ALL_SCOPES, "&portal_id=777").await;
    assert_eq!(other["hub_id"], 777);
    let token = other["access_token"].as_str().unwrap();
    let a = sim.get(token, "/account-info/v3/details").await;
    assert_eq!(a.body["portalId"], 777);
    let created = sim
        .post(
            token,
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "only@777.io"}}),
        )
        .await;
    assert_eq!(created.status, 201);
    let id = created.body["id"].as_str().unwrap();
    // The default portal's private-app token cannot see portal 777's contact by email.
    let a = sim
        .get(PAT, "/crm/v3/objects/contacts/only@777.io?idProperty=email")
        .await;
    assert_eq!(a.status, 404);
    let a = sim
        .get(token, &format!("/crm/v3/objects/contacts/{id}"))
        .await;
    assert_eq!(a.status, 200);
    let home = sim.get(PAT, "/account-info/v3/details").await;
    assert_eq!(home.body["portalId"], 62515);
    assert_eq!(home.body["uiDomain"], "app.hubspot.com");
}
