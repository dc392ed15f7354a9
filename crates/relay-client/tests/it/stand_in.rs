//! A stand-in relay whose answers a test scripts: 5xx streaks, expired sessions.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use relay_client::{ClientError, RelayClient, RetryPolicy, Secret};
use serde_json::{Value, json};

#[derive(Default)]
struct Script {
    /// Lease calls answer 503 while this is > 0 (decremented per call).
    fail_5xx: AtomicUsize,
    /// Lease calls answer 401 session_expired while the bearer is `session-1`.
    expire_first_session: AtomicUsize,
    leases: AtomicUsize,
    sessions: AtomicUsize,
}

async fn sessions(
    State(s): State<Arc<Script>>,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let n = s.sessions.fetch_add(1, Ordering::SeqCst) + 1;
    if body["access_token"] == "bad" {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_token", "message": "no"})),
        );
    }
    (
        StatusCode::OK,
        Json(json!({"session_token": format!("session-{n}"), "portal_id": 7, "expires_in": 3600})),
    )
}

async fn lease(State(s): State<Arc<Script>>, headers: HeaderMap) -> (StatusCode, Json<Value>) {
    s.leases.fetch_add(1, Ordering::SeqCst);
    if s.fail_5xx.load(Ordering::SeqCst) > 0 {
        s.fail_5xx.fetch_sub(1, Ordering::SeqCst);
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"error": "storage_error", "message": "try later"})),
        );
    }
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if s.expire_first_session.load(Ordering::SeqCst) > 0 && bearer == "Bearer session-1" {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "session_expired", "message": "reopen"})),
        );
    }
    (
        StatusCode::OK,
        Json(json!({"events": [{
            "receipt": "1.abc", "receive_count": 1, "received_at": 5,
            "event": {"eventId": 1, "subscriptionId": 2, "portalId": 7, "appId": 3, "occurredAt": 4,
                      "subscriptionType": "contact.creation", "attemptNumber": 0, "objectId": 9}
        }]})),
    )
}

async fn start(script: Arc<Script>) -> (RelayClient, tokio::task::JoinHandle<()>) {
    let app = Router::new()
        .route("/v1/sessions", post(sessions))
        .route("/v1/portals/7/events/lease", post(lease))
        .with_state(script);
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let client = RelayClient::new(&base).unwrap().with_retry(RetryPolicy {
        min_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(10),
        max_retries: 4,
    });
    (client, task)
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff() {
    let script = Arc::new(Script::default());
    script.fail_5xx.store(3, Ordering::SeqCst);
    let (client, task) = start(Arc::clone(&script)).await;
    let session = client.open_session(&Secret::new("ok")).await.unwrap();
    let events = session
        .lease(10, Duration::ZERO, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event.object_id, Some(9));
    assert_eq!(
        script.leases.load(Ordering::SeqCst),
        4,
        "three 503s, then success"
    );

    // More failures than retries: the 5xx is reported.
    script.fail_5xx.store(10, Ordering::SeqCst);
    let err = session
        .lease(10, Duration::ZERO, Duration::from_secs(60))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Server { status: 503, .. }),
        "{err:?}"
    );
    task.abort();
}

#[tokio::test]
async fn rejections_are_not_retried() {
    let script = Arc::new(Script::default());
    let (client, task) = start(Arc::clone(&script)).await;
    let err = client.open_session(&Secret::new("bad")).await.unwrap_err();
    assert_eq!(err.code(), Some("invalid_token"));
    assert_eq!(script.sessions.load(Ordering::SeqCst), 1);
    task.abort();
}

#[tokio::test]
async fn a_401_session_expired_reopens_once_and_retries() {
    let script = Arc::new(Script::default());
    script.expire_first_session.store(1, Ordering::SeqCst);
    let (client, task) = start(Arc::clone(&script)).await;
    let session = client
        .open_session_with(|| async { Ok::<_, relay_client::BoxError>(Secret::new("ok")) })
        .await
        .unwrap();
    let events = session
        .lease(10, Duration::ZERO, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        script.sessions.load(Ordering::SeqCst),
        2,
        "the session was reopened"
    );
    assert_eq!(script.leases.load(Ordering::SeqCst), 2);

    // Without a token source the expiry is surfaced.
    let plain_script = Arc::new(Script::default());
    plain_script.expire_first_session.store(1, Ordering::SeqCst);
    let (client, task2) = start(Arc::clone(&plain_script)).await;
    let plain = client.open_session(&Secret::new("ok")).await.unwrap();
    let err = plain
        .lease(10, Duration::ZERO, Duration::from_secs(60))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::SessionExpired));
    task.abort();
    task2.abort();
}

#[test]
fn base_url_must_be_http() {
    for bad in ["", "relay.example.com", "ftp://x", "mailto:a@b"] {
        assert!(
            matches!(RelayClient::new(bad), Err(ClientError::InvalidBaseUrl(_))),
            "{bad}"
        );
    }
    let c = RelayClient::new("https://relay.example.com/prefix").unwrap();
    assert_eq!(c.base_url().as_str(), "https://relay.example.com/prefix/");
}
