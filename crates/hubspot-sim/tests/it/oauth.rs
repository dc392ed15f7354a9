//! OAuth v3: token errors, introspection, revocation.

use serde_json::{Value, json};

use crate::common::*;

async fn form(sim: &Sim, path: &str, pairs: &[(&str, &str)]) -> (u16, Value) {
    let resp = sim
        .http
        .post(format!("{}{path}", sim.base))
        .form(pairs)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn token_endpoint_refuses_bad_requests() {
    let sim = start(config()).await;
    let (s, b) = form(
        &sim,
        "/oauth/v3/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "sim-client-id"),
            ("client_secret", "wrong"),
            ("code", "x"),
        ],
    )
    .await;
    assert_eq!((s, b["status"].as_str()), (400, Some("BAD_CLIENT_SECRET")));
    let (s, b) = form(
        &sim,
        "/oauth/v3/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "sim-client-id"),
            ("client_secret", "sim-client-secret"),
            ("code", "unknown"),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!((s, b["status"].as_str()), (400, Some("BAD_AUTH_CODE")));
    let (s, b) = form(
        &sim,
        "/oauth/v3/token",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "sim-client-id"),
            ("client_secret", "sim-client-secret"),
            ("refresh_token", "na1-nope"),
        ],
    )
    .await;
    assert_eq!((s, b["status"].as_str()), (400, Some("BAD_REFRESH_TOKEN")));
    let resp = sim
        .http
        .get(format!(
            "{}/oauth/authorize?client_id=other&redirect_uri={}",
            sim.base,
            urlencode(REDIRECT)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn introspect_revoke_and_revoke_all() {
    let sim = start(config()).await;
    let t = sim.oauth(ALL_SCOPES).await;
    let access = t["access_token"].as_str().unwrap().to_owned();
    let refresh = t["refresh_token"].as_str().unwrap().to_owned();
    let creds = [
        ("client_id", "sim-client-id"),
        ("client_secret", "sim-client-secret"),
    ];

    let (s, b) = form(
        &sim,
        "/oauth/v3/token/introspect",
        &[
            creds[0],
            creds[1],
            ("token", &access),
            ("token_type_hint", "access_token"),
        ],
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(b["active"], true);
    assert_eq!(b["hub_id"], 62515);
    assert_eq!(b["app_id"], 1_234_567);
    assert_eq!(b["token_use"], "access_token");
    assert!(b["expires_in"].as_u64().unwrap() > 1700);
    assert!(
        b["scopes"]
            .as_array()
            .unwrap()
            .contains(&json!("crm.lists.read"))
    );
    let (_, b) = form(
        &sim,
        "/oauth/v3/token/introspect",
        &[creds[0], creds[1], ("token", "garbage")],
    )
    .await;
    assert_eq!(b, json!({"active": false}));
    let (s, _) = form(
        &sim,
        "/oauth/v3/token/introspect",
        &[
            ("client_id", "sim-client-id"),
            ("client_secret", "bad"),
            ("token", &access),
        ],
    )
    .await;
    assert_eq!(s, 400);

    let (s, _) = form(
        &sim,
        "/oauth/v3/token/revoke",
        &[creds[0], creds[1], ("token", &refresh)],
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        sim.get(&access, "/account-info/v3/details").await.status,
        401
    );
    let (_, b) = form(
        &sim,
        "/oauth/v3/token/introspect",
        &[creds[0], creds[1], ("token", &refresh)],
    )
    .await;
    assert_eq!(b["active"], false);

    let t = sim.oauth(ALL_SCOPES).await;
    let access = t["access_token"].as_str().unwrap();
    assert_eq!(
        sim.get(access, "/account-info/v3/details").await.status,
        200
    );
    let v = sim.admin("/_sim/oauth/revoke-all", json!({})).await;
    assert!(v["revoked"].as_u64().unwrap() >= 2);
    assert_eq!(
        sim.get(access, "/account-info/v3/details").await.status,
        401
    );
    // The private-app token is not an OAuth grant and keeps working.
    assert_eq!(sim.get(PAT, "/account-info/v3/details").await.status, 200);
}
