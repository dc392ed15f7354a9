//! Shared helpers: an in-process relay with its own temp dir, signed webhooks, event JSON,
//! PostgreSQL test schemas, and a HubSpot stand-in whose calls can be counted.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::routing::post;
use axum::{Form, Json, Router};
use serde_json::{Value, json};
use steward_relay::store::{PgStore, Store};
use steward_relay::{DatabaseUrl, Relay, RelayConfig, RelayHandle, Secret};
use tokio::net::TcpListener;

pub const CLIENT_ID: &str = "test-client-id";
pub const CLIENT_SECRET: &str = "test-client-secret-3f9a1c";
pub const APP_ID: u64 = 777;
pub const PUBLIC_URL: &str = "https://relay.example.test";

/// `STEWARD_TEST_POSTGRES_URL`, or a loud skip message and `None`.
pub fn postgres_url(test: &str) -> Option<String> {
    match std::env::var("STEWARD_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            // Straight to the process's stderr: libtest captures eprintln! of passing tests,
            // and a skip must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "\n!!!!! SKIPPED PostgreSQL test `{test}`: STEWARD_TEST_POSTGRES_URL is not set !!!!!"
            );
            None
        }
    }
}

/// A unique schema name for one test.
pub fn schema_name() -> String {
    format!("relay_t_{:016x}", rand::random::<u64>())
}

/// A PostgreSQL store in a fresh schema.
pub async fn pg_store(url: &str) -> PgStore {
    PgStore::connect_in_schema(url, &schema_name())
        .await
        .unwrap()
}

/// A PostgreSQL URL whose connections use `schema` (for relays configured by URL).
pub fn url_with_schema(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-c%20search_path%3D{schema}")
}

/// A HubSpot webhook event as JSON.
pub fn event(portal: u64, event_id: u64) -> Value {
    json!({
        "eventId": event_id,
        "subscriptionId": 1001,
        "portalId": portal,
        "appId": APP_ID,
        "occurredAt": 1_700_000_000_000u64 + event_id,
        "subscriptionType": "contact.propertyChange",
        "attemptNumber": 0,
        "objectId": 5000 + event_id,
        "propertyName": "email",
        "propertyValue": format!("user{event_id}@example.com"),
        "changeSource": "CRM_UI",
        "sourceId": "userId:42",
        "changeFlag": "NEW"
    })
}

pub fn now_ms() -> i64 {
    steward_relay::clock::now_ms()
}

/// Signs a webhook as HubSpot would for `uri`.
pub fn signature(secret: &str, uri: &str, body: &[u8], timestamp: i64) -> String {
    steward_relay::signature::sign(
        &Secret::new(secret),
        "POST",
        uri,
        body,
        &timestamp.to_string(),
    )
}

/// A running in-process relay with its own database.
pub struct TestRelay {
    pub handle: RelayHandle,
    pub base: String,
    pub http: reqwest::Client,
    _dir: Option<tempfile::TempDir>,
}

impl TestRelay {
    /// SQLite relay with `PUBLIC_URL`, HubSpot at `api_base` (default: an unused address).
    pub async fn start(tweak: impl FnOnce(&mut RelayConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = test_config();
        config.database = DatabaseUrl::Sqlite(dir.path().join("relay.db"));
        tweak(&mut config);
        Self::with_config(config, Some(dir)).await
    }

    pub async fn with_config(config: RelayConfig, dir: Option<tempfile::TempDir>) -> Self {
        let handle = Relay::start(config).await.unwrap();
        Self {
            base: handle.base_url(),
            handle,
            http: reqwest::Client::new(),
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// POSTs a correctly signed webhook body; returns the status.
    pub async fn send_events(&self, events: &[Value]) -> u16 {
        let body = serde_json::to_vec(events).unwrap();
        self.send_signed(&body, now_ms()).await
    }

    pub async fn send_signed(&self, body: &[u8], timestamp: i64) -> u16 {
        let sig = signature(
            CLIENT_SECRET,
            &format!("{PUBLIC_URL}/hubspot/webhooks"),
            body,
            timestamp,
        );
        self.http
            .post(self.url("/hubspot/webhooks"))
            .header("x-hubspot-signature-v3", sig)
            .header("x-hubspot-request-timestamp", timestamp.to_string())
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// Opens a session through the real endpoint (needs a HubSpot stand-in as api_base).
    pub async fn session(&self, access_token: &str) -> String {
        let resp: Value = self
            .http
            .post(self.url("/v1/sessions"))
            .json(&json!({ "access_token": access_token }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        resp["session_token"]
            .as_str()
            .unwrap_or_else(|| panic!("{resp}"))
            .to_owned()
    }

    /// POST with a bearer session; returns (status, JSON body).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        session: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, self.url(path))
            .bearer_auth(session);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn lease(
        &self,
        session: &str,
        portal: u64,
        max: u32,
        wait_ms: u64,
        visibility_ms: u64,
    ) -> Vec<Value> {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                &format!("/v1/portals/{portal}/events/lease"),
                session,
                Some(json!({ "max_events": max, "wait_ms": wait_ms, "visibility_timeout_ms": visibility_ms })),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["events"].as_array().unwrap().clone()
    }

    pub async fn metrics(&self) -> String {
        self.http
            .get(self.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn stop(self) {
        self.handle.shutdown().await.unwrap();
    }
}

pub fn test_config() -> RelayConfig {
    let mut config = RelayConfig::new(CLIENT_ID, Secret::new(CLIENT_SECRET), APP_ID);
    config.public_url = Some(url::Url::parse(PUBLIC_URL).unwrap());
    // Nothing listens here: tests that need HubSpot set a stand-in or the simulator.
    config.api_base = url::Url::parse("http://127.0.0.1:9/").unwrap();
    config
}

/// Receipts of leased events (wire JSON).
pub fn receipts(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["receipt"].as_str().unwrap().to_owned())
        .collect()
}

/// A HubSpot stand-in: `/oauth/v3/token` and `/oauth/v3/token/introspect` with request
/// counters. Access tokens `token-for-<portal>` introspect as active for that portal;
/// `other-app-<portal>` belong to another app; anything else is inactive.
pub struct FakeHubSpot {
    pub base: String,
    pub calls: Arc<Calls>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Default)]
pub struct Calls {
    pub token: AtomicUsize,
    pub introspect: AtomicUsize,
    /// Every form field value HubSpot received (to check the secret was sent).
    pub forms: Mutex<Vec<HashMap<String, String>>>,
}

impl Calls {
    pub fn token(&self) -> usize {
        self.token.load(Ordering::SeqCst)
    }
    pub fn introspect(&self) -> usize {
        self.introspect.load(Ordering::SeqCst)
    }
}

impl FakeHubSpot {
    pub async fn start() -> Self {
        let calls = Arc::new(Calls::default());
        let app = Router::new()
            .route("/oauth/v3/token", post(fake_token))
            .route("/oauth/v3/token/introspect", post(fake_introspect))
            .with_state(Arc::clone(&calls));
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let base = format!("http://{}/", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { base, calls, task }
    }
}

impl Drop for FakeHubSpot {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn fake_token(
    State(calls): State<Arc<Calls>>,
    Form(f): Form<HashMap<String, String>>,
) -> (axum::http::StatusCode, Json<Value>) {
    calls.token.fetch_add(1, Ordering::SeqCst);
    calls.forms.lock().unwrap().push(f.clone());
    if f.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET) {
        return (
            axum::http::StatusCode::BAD_REQUEST,
            Json(json!({"status": "BAD_CLIENT_SECRET", "message": "bad secret"})),
        );
    }
    let ok = match f.get("grant_type").map(String::as_str) {
        Some("authorization_code") => f.get("code").map(String::as_str) == Some("good-code"),
        Some("refresh_token") => f.get("refresh_token").map(String::as_str) == Some("good-refresh"),
        _ => false,
    };
    if !ok {
        return (
            axum::http::StatusCode::BAD_REQUEST,
            Json(json!({"status": "BAD_AUTH_CODE", "message": "missing or unknown auth code"})),
        );
    }
    (
        axum::http::StatusCode::OK,
        Json(
            json!({"token_type": "bearer", "access_token": "access-xyz-1", "refresh_token": "refresh-xyz-1", "expires_in": 1800, "hub_id": 62515}),
        ),
    )
}

async fn fake_introspect(
    State(calls): State<Arc<Calls>>,
    Form(f): Form<HashMap<String, String>>,
) -> Json<Value> {
    calls.introspect.fetch_add(1, Ordering::SeqCst);
    if f.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET) {
        return Json(json!({"active": false}));
    }
    let token = f.get("token").cloned().unwrap_or_default();
    if let Some(portal) = token
        .strip_prefix("token-for-")
        .and_then(|p| p.parse::<u64>().ok())
    {
        return Json(
            json!({"active": true, "token_use": "access_token", "hub_id": portal, "app_id": APP_ID, "expires_in": 1800}),
        );
    }
    if let Some(portal) = token
        .strip_prefix("other-app-")
        .and_then(|p| p.parse::<u64>().ok())
    {
        return Json(
            json!({"active": true, "token_use": "access_token", "hub_id": portal, "app_id": APP_ID + 1, "expires_in": 1800}),
        );
    }
    Json(json!({"active": false}))
}

/// Both backends for the storage suite: SQLite in a temp dir, and PostgreSQL when configured.
pub async fn sqlite_store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = steward_relay::store::SqliteStore::open(dir.path().join("q.db"))
        .await
        .unwrap();
    (Store::Sqlite(store), dir)
}
