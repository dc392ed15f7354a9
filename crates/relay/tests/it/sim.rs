//! Live against the HubSpot simulator: authorize → callback → token exchange, introspection,
//! and signed webhook delivery from the simulator into the relay's queue.

use std::time::Duration;

use base64::Engine as _;
use hubspot_sim::SimConfig;
use relay_client::{RelayClient, Secret};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use steward_relay::{DatabaseUrl, Relay, RelayConfig};

const SECRET: &str = "sim-secret-for-relay-tests";
const APP: u64 = 4242;
const PORTAL: u64 = 62515;

struct Live {
    sim: hubspot_sim::SimServer,
    relay: steward_relay::RelayHandle,
    _dir: tempfile::TempDir,
}

/// Relay bound first (so the simulator can target it), then the simulator, then the relay
/// serving with HubSpot = the simulator.
async fn live() -> Live {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let relay_base = format!("http://{}", listener.local_addr().unwrap());
    let sim = hubspot_sim::spawn(SimConfig {
        app_id: APP,
        client_id: "relay-client".into(),
        client_secret: SECRET.into(),
        webhook_target: Some(format!("{relay_base}/hubspot/webhooks")),
        webhook_batch_window: Duration::from_millis(20),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = RelayConfig::new("relay-client", Secret::new(SECRET), APP);
    config.database = DatabaseUrl::Sqlite(dir.path().join("relay.db"));
    config.api_base = url::Url::parse(&sim.base_url()).unwrap();
    config.authorize_url = url::Url::parse(&format!("{}/oauth/authorize", sim.base_url())).unwrap();
    // public_url None: http://<bound address>, which is what the simulator calls and signs.
    let relay = Relay::serve(listener, config).await.unwrap();
    Live {
        sim,
        relay,
        _dir: dir,
    }
}

async fn sim_stats(sim: &hubspot_sim::SimServer) -> Value {
    reqwest::get(format!("{}/_sim/stats", sim.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn token_calls(stats: &Value) -> u64 {
    stats["requests"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| {
            k.contains("/oauth/v3/token") && !k.contains("introspect") && !k.contains("revoke")
        })
        .map(|(_, v)| v.as_u64().unwrap())
        .sum()
}

/// Runs the browser part of the flow: authorize page → relay callback → deep link.
async fn authorize(authorize_url: &str) -> url::Url {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let to_relay = browser.get(authorize_url).send().await.unwrap();
    assert_eq!(to_relay.status().as_u16(), 302);
    let callback = to_relay.headers()["location"].to_str().unwrap().to_owned();
    let to_app = browser.get(&callback).send().await.unwrap();
    assert_eq!(to_app.status().as_u16(), 302);
    url::Url::parse(to_app.headers()["location"].to_str().unwrap()).unwrap()
}

#[tokio::test]
async fn oauth_then_session_then_live_webhooks() {
    let live = live().await;
    let client = RelayClient::new(&live.relay.base_url()).unwrap();
    let verifier = Secret::new("a".repeat(20) + &"b".repeat(30));
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.expose().as_bytes()));

    // Wrong verifier first: 400, and the simulator's token endpoint is never called.
    let start = client.oauth_start(&challenge).await.unwrap();
    let deep_link = authorize(&start.authorize_url).await;
    assert_eq!(deep_link.scheme(), "steward");
    let q: std::collections::HashMap<_, _> = deep_link.query_pairs().into_owned().collect();
    assert_eq!(q["state"], start.state);
    let err = client
        .oauth_token(
            &Secret::new(q["code"].clone()),
            &start.state,
            &Secret::new("z".repeat(50)),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("invalid_verifier"));
    assert_eq!(token_calls(&sim_stats(&live.sim).await), 0);

    // The real flow.
    let start = client.oauth_start(&challenge).await.unwrap();
    let deep_link = authorize(&start.authorize_url).await;
    let q: std::collections::HashMap<_, _> = deep_link.query_pairs().into_owned().collect();
    let tokens = client
        .oauth_token(&Secret::new(q["code"].clone()), &q["state"], &verifier)
        .await
        .unwrap();
    assert_eq!(token_calls(&sim_stats(&live.sim).await), 1);
    let refreshed = client
        .oauth_refresh(tokens.refresh_token.as_ref().unwrap())
        .await
        .unwrap();
    assert!(refreshed.expires_in > 0);
    assert_eq!(
        start.app_id,
        Some(APP),
        "the desktop learns the app id at start"
    );

    // A session from the (refreshed) access token: introspected at the simulator.
    let session = client.open_session(&refreshed.access_token).await.unwrap();
    assert_eq!(session.portal_id(), PORTAL);

    // A human creates a contact and edits it; the simulator delivers signed webhooks.
    let http = reqwest::Client::new();
    let created: Value = http
        .post(format!("{}/_sim/contacts", live.sim.base_url()))
        .json(&json!({"portalId": PORTAL, "properties": {"email": "ada@example.com", "firstname": "Ada"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let contact_id: u64 = created["id"].as_str().unwrap().parse().unwrap();
    let edit = http
        .post(format!("{}/_sim/human-edit", live.sim.base_url()))
        .json(&json!({"portalId": PORTAL, "contactId": contact_id, "property": "firstname", "value": "Augusta", "userId": 7}))
        .send()
        .await
        .unwrap();
    assert!(edit.status().is_success(), "{:?}", edit.text().await);

    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while tokio::time::Instant::now() < deadline {
        let batch = session
            .lease(100, Duration::from_secs(2), Duration::from_secs(60))
            .await
            .unwrap();
        let receipts: Vec<_> = batch.iter().map(|e| e.receipt.clone()).collect();
        if !receipts.is_empty() {
            assert_eq!(
                session.ack(&receipts).await.unwrap().acked,
                receipts.len() as u64
            );
        }
        got.extend(batch.into_iter().map(|e| e.event));
        if got.iter().any(|e| {
            e.property_name.as_deref() == Some("firstname")
                && e.property_value.as_deref() == Some("Augusta")
        }) {
            break;
        }
    }
    assert!(
        got.iter()
            .all(|e| e.portal_id == PORTAL && e.app_id == APP && e.object_id == Some(contact_id))
    );
    let edit_event = got
        .iter()
        .find(|e| {
            e.property_name.as_deref() == Some("firstname")
                && e.property_value.as_deref() == Some("Augusta")
        })
        .unwrap_or_else(|| panic!("no firstname change among {got:?}"));
    assert_eq!(edit_event.change_source.as_deref(), Some("CRM_UI"));
    let stats = sim_stats(&live.sim).await;
    assert!(
        stats["webhookDeliveries"].as_u64().unwrap_or(0) >= 1
            || stats["webhooksSent"].as_u64().unwrap_or(0) >= 1,
        "{stats}"
    );
    live.relay.shutdown().await.unwrap();
    live.sim.shutdown().await;
}

/// "Disconnect": the broker revokes the refresh token at HubSpot with the client secret; the
/// token is dead afterwards, and revoking it again is still fine.
#[tokio::test]
async fn revoke_through_the_broker_kills_the_refresh_token() {
    let live = live().await;
    let client = RelayClient::new(&live.relay.base_url()).unwrap();
    let verifier = Secret::new("r".repeat(64));
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.expose().as_bytes()));
    let start = client.oauth_start(&challenge).await.unwrap();
    let deep_link = authorize(&start.authorize_url).await;
    let q: std::collections::HashMap<_, _> = deep_link.query_pairs().into_owned().collect();
    let tokens = client
        .oauth_token(&Secret::new(q["code"].clone()), &q["state"], &verifier)
        .await
        .unwrap();
    let refresh = tokens.refresh_token.unwrap();
    client.oauth_refresh(&refresh).await.unwrap();

    client.oauth_revoke(&refresh).await.unwrap();
    let err = client.oauth_refresh(&refresh).await.unwrap_err();
    assert_eq!(err.code(), Some("hubspot_rejected"), "{err}");
    client.oauth_revoke(&refresh).await.unwrap();
    let stats = sim_stats(&live.sim).await;
    let revokes: u64 = stats["requests"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.contains("/oauth/v3/token/revoke"))
        .map(|(_, v)| v.as_u64().unwrap())
        .sum();
    assert_eq!(revokes, 2, "{stats}");
    live.relay.shutdown().await.unwrap();
    live.sim.shutdown().await;
}
