//! The OAuth broker: start, callback bounce, PKCE-checked token exchange, refresh.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::{CLIENT_ID, CLIENT_SECRET, FakeHubSpot, PUBLIC_URL, TestRelay};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

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

async fn post(relay: &TestRelay, path: &str, body: Value) -> (u16, Value) {
    let resp = relay
        .http
        .post(relay.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

async fn start(relay: &TestRelay) -> Value {
    let (status, body) = post(
        relay,
        "/oauth/start",
        json!({"code_challenge": challenge(VERIFIER), "code_challenge_method": "S256"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn start_builds_the_authorize_url() {
    let (relay, _hs) =
        relay(|c| c.authorize_url = url::Url::parse("http://127.0.0.1:1/oauth/authorize").unwrap())
            .await;
    let body = start(&relay).await;
    let state = body["state"].as_str().unwrap();
    assert!(state.len() >= 43);
    assert_eq!(body["expires_in"], 600);
    let url = url::Url::parse(body["authorize_url"].as_str().unwrap()).unwrap();
    assert_eq!(
        url.as_str().split('?').next(),
        Some("http://127.0.0.1:1/oauth/authorize")
    );
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(q["redirect_uri"], format!("{PUBLIC_URL}/oauth/callback"));
    assert_eq!(
        q["scope"],
        "crm.objects.contacts.read crm.objects.contacts.write crm.schemas.contacts.write crm.lists.read oauth"
    );
    assert_eq!(q["state"], state);
    assert!(
        body["authorize_url"]
            .as_str()
            .unwrap()
            .contains("scope=crm.objects.contacts.read%20")
    );
    // Bad challenges.
    for bad in [
        json!({"code_challenge": "short"}),
        json!({"code_challenge": challenge(VERIFIER), "code_challenge_method": "plain"}),
        json!({}),
    ] {
        let (status, body) = post(&relay, "/oauth/start", bad.clone()).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    relay.stop().await;
}

#[tokio::test]
async fn callback_bounces_to_the_deep_link_with_escaped_html() {
    let (relay, _hs) = relay(|c| c.deep_link_scheme = "steward-dev".into()).await;
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = no_redirect
        .get(relay.url("/oauth/callback?code=abc%22%3E%3Cscript%3E&state=s%26t"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        location,
        "steward-dev://oauth/callback?code=abc%22%3E%3Cscript%3E&state=s%26t"
    );
    let parsed = url::Url::parse(&location).unwrap();
    let q: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
    assert_eq!(
        (q["code"].as_str(), q["state"].as_str()),
        ("abc\"><script>", "s&t")
    );
    let html = resp.text().await.unwrap();
    assert!(html.contains("Open Steward"));
    assert!(
        html.contains(
            "href=\"steward-dev://oauth/callback?code=abc%22%3E%3Cscript%3E&amp;state=s%26t\""
        ),
        "{html}"
    );
    assert!(!html.contains("<script>"));

    // HubSpot's error parameters are forwarded too.
    let resp = no_redirect
        .get(relay.url(
            "/oauth/callback?error=access_denied&error_description=User+said+%3Cno%3E&state=xyz",
        ))
        .send()
        .await
        .unwrap();
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let q: std::collections::HashMap<_, _> = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["error_description"], "User said <no>");
    assert_eq!(q["state"], "xyz");
    assert!(!q.contains_key("code"));
    let html = resp.text().await.unwrap();
    assert!(!html.contains("<no>"));
    relay.stop().await;
}

#[tokio::test]
async fn wrong_verifier_is_400_without_calling_hubspot_and_burns_the_state() {
    let (relay, hs) = relay(|_| {}).await;
    let state = start(&relay).await["state"].as_str().unwrap().to_owned();
    let wrong = "x".repeat(43);
    let (status, body) = post(
        &relay,
        "/oauth/token",
        json!({"code": "good-code", "state": state, "code_verifier": wrong}),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_verifier")),
        "{body}"
    );
    assert_eq!(hs.calls.token(), 0, "HubSpot was not called");
    // The state was single-use: the right verifier now fails too.
    let (status, body) = post(
        &relay,
        "/oauth/token",
        json!({"code": "good-code", "state": state, "code_verifier": VERIFIER}),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_state"))
    );
    assert_eq!(hs.calls.token(), 0);
    // An unknown state, likewise.
    let (status, _) = post(
        &relay,
        "/oauth/token",
        json!({"code": "good-code", "state": "nope", "code_verifier": VERIFIER}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(hs.calls.token(), 0);
    relay.stop().await;
}

#[tokio::test]
async fn token_exchange_and_refresh_pass_through_and_state_is_single_use() {
    let (relay, hs) = relay(|_| {}).await;
    let state = start(&relay).await["state"].as_str().unwrap().to_owned();
    let (status, tokens) = post(
        &relay,
        "/oauth/token",
        json!({"code": "good-code", "state": state, "code_verifier": VERIFIER}),
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["access_token"], "access-xyz-1");
    assert_eq!(tokens["refresh_token"], "refresh-xyz-1");
    assert_eq!(tokens["expires_in"], 1800);
    assert_eq!(tokens["hub_id"], 62515, "extra fields pass through");
    assert_eq!(hs.calls.token(), 1);
    {
        let forms = hs.calls.forms.lock().unwrap();
        let f = &forms[0];
        assert_eq!(f["grant_type"], "authorization_code");
        assert_eq!(f["client_id"], CLIENT_ID);
        assert_eq!(f["client_secret"], CLIENT_SECRET);
        assert_eq!(f["redirect_uri"], format!("{PUBLIC_URL}/oauth/callback"));
    }
    // Reusing the state: 400, no second HubSpot call.
    let (status, body) = post(
        &relay,
        "/oauth/token",
        json!({"code": "good-code", "state": state, "code_verifier": VERIFIER}),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_state"))
    );
    assert_eq!(hs.calls.token(), 1);
    // A code HubSpot refuses.
    let state = start(&relay).await["state"].as_str().unwrap().to_owned();
    let (status, body) = post(
        &relay,
        "/oauth/token",
        json!({"code": "bad-code", "state": state, "code_verifier": VERIFIER}),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("hubspot_rejected")),
        "{body}"
    );
    // Refresh.
    let (status, body) = post(
        &relay,
        "/oauth/refresh",
        json!({"refresh_token": "good-refresh"}),
    )
    .await;
    assert_eq!(
        (status, body["access_token"].as_str()),
        (200, Some("access-xyz-1"))
    );
    let (status, body) = post(
        &relay,
        "/oauth/refresh",
        json!({"refresh_token": "revoked"}),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("hubspot_rejected"))
    );
    assert_eq!(
        hs.calls.forms.lock().unwrap().last().unwrap()["grant_type"],
        "refresh_token"
    );
    relay.stop().await;
}

#[tokio::test]
async fn expired_state_is_400() {
    let (relay, hs) = relay(|c| c.oauth_state_ttl = Duration::from_millis(300)).await;
    let state = start(&relay).await["state"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (status, body) = post(
        &relay,
        "/oauth/token",
        json!({"code": "good-code", "state": state, "code_verifier": VERIFIER}),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_state"))
    );
    assert_eq!(hs.calls.token(), 0);
    relay.stop().await;
}
