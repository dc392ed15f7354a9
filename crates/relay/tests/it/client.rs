//! `relay-client` end to end against a real relay.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine as _;
use relay_client::{ClientError, DeadLetterQuery, RelayClient, RetryPolicy, Secret};
use sha2::{Digest, Sha256};

use crate::support::{FakeHubSpot, TestRelay, event};

const PORTAL: u64 = 62515;

async fn setup(
    tweak: impl FnOnce(&mut steward_relay::RelayConfig),
) -> (TestRelay, FakeHubSpot, RelayClient) {
    let hubspot = FakeHubSpot::start().await;
    let base = hubspot.base.clone();
    let relay = TestRelay::start(|c| {
        c.api_base = url::Url::parse(&base).unwrap();
        tweak(c);
    })
    .await;
    let client = RelayClient::new(&relay.base).unwrap();
    (relay, hubspot, client)
}

#[tokio::test]
async fn lease_ack_nack_dead_letters_and_redrive_through_the_client() {
    let (relay, _hs, client) = setup(|c| c.max_receives = 1).await;
    client.health().await.unwrap();
    let session = client
        .open_session(&Secret::new(format!("token-for-{PORTAL}")))
        .await
        .unwrap();
    assert_eq!(session.portal_id(), PORTAL);
    relay
        .send_events(&(1..=3).map(|i| event(PORTAL, i)).collect::<Vec<_>>())
        .await;
    let events = session
        .lease(10, Duration::from_secs(1), Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(events.len(), 3);
    let e = &events[0].event;
    assert_eq!(
        (e.portal_id, e.subscription_type.as_str()),
        (PORTAL, "contact.propertyChange")
    );
    assert_eq!(e.property_name.as_deref(), Some("email"));
    assert_eq!(e.extra["changeFlag"], "NEW");
    let acked = session.ack(&[events[0].receipt.clone()]).await.unwrap();
    assert_eq!((acked.acked, acked.stale), (1, 0));
    let nacked = session
        .nack(&[events[1].receipt.clone(), events[2].receipt.clone()])
        .await
        .unwrap();
    assert_eq!(nacked.released, 2);
    // max_receives = 1: the next lease attempt dead-letters both.
    assert!(
        session
            .lease(10, Duration::ZERO, Duration::from_secs(60))
            .await
            .unwrap()
            .is_empty()
    );
    let dead = session
        .dead_letters(DeadLetterQuery::default())
        .await
        .unwrap();
    assert_eq!(dead.events.len(), 2);
    assert_eq!(
        session
            .redrive(Some(vec![dead.events[0].id]))
            .await
            .unwrap(),
        1
    );
    assert_eq!(session.redrive(None).await.unwrap(), 1);
    assert_eq!(
        session
            .lease(10, Duration::ZERO, Duration::from_secs(60))
            .await
            .unwrap()
            .len(),
        2
    );
    relay.stop().await;
}

#[tokio::test]
async fn refused_token_is_a_rejection_not_a_retry() {
    let (relay, hs, client) = setup(|_| {}).await;
    let err = client
        .open_session(&Secret::new("revoked"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::Rejected { status: 401, code, .. } if code == "invalid_token"),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(hs.calls.introspect(), 1);
    relay.stop().await;
}

#[tokio::test]
async fn session_reopens_through_the_token_source_when_it_expires() {
    let (relay, _hs, client) = setup(|c| c.session_ttl = Duration::from_secs(1)).await;
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&asked);
    let session = client
        .open_session_with(move || {
            let counter = Arc::clone(&counter);
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                Ok::<_, relay_client::BoxError>(Secret::new(format!("token-for-{PORTAL}")))
            }
        })
        .await
        .unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    relay.send_events(&[event(PORTAL, 1)]).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    // The session is past its expiry: the client reopens it and the call succeeds.
    let events = session
        .lease(10, Duration::ZERO, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert!(asked.load(Ordering::SeqCst) >= 2);

    // Without a token source, an expired session is reported as such.
    let plain = client
        .open_session(&Secret::new(format!("token-for-{PORTAL}")))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let err = plain
        .ack(&events.iter().map(|e| e.receipt.clone()).collect::<Vec<_>>())
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::SessionExpired), "{err:?}");
    relay.stop().await;
}

#[tokio::test]
async fn reopen_refuses_a_token_of_another_portal() {
    let (relay, _hs, client) = setup(|c| c.session_ttl = Duration::from_secs(1)).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let c2 = Arc::clone(&calls);
    let session = client
        .open_session_with(move || {
            let n = c2.fetch_add(1, Ordering::SeqCst);
            async move {
                Ok::<_, relay_client::BoxError>(Secret::new(format!(
                    "token-for-{}",
                    PORTAL + n as u64
                )))
            }
        })
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let err = session
        .lease(1, Duration::ZERO, Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::PortalChanged { expected: PORTAL, got } if got == PORTAL + 1),
        "{err:?}"
    );
    relay.stop().await;
}

#[tokio::test]
async fn oauth_broker_through_the_client() {
    let (relay, hs, client) = setup(|_| {}).await;
    let verifier = Secret::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.expose().as_bytes()));
    let start = client.oauth_start(&challenge).await.unwrap();
    assert!(start.authorize_url.contains("client_id="));
    let tokens = client
        .oauth_token(&Secret::new("good-code"), &start.state, &verifier)
        .await
        .unwrap();
    assert_eq!(tokens.access_token.expose(), "access-xyz-1");
    assert_eq!(
        tokens.refresh_token.as_ref().map(Secret::expose),
        Some("refresh-xyz-1")
    );
    assert!(!format!("{tokens:?}").contains("xyz"));
    // State reuse is a rejection, and the client does not retry it.
    let err = client
        .oauth_token(&Secret::new("good-code"), &start.state, &verifier)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("invalid_state"));
    assert_eq!(hs.calls.token(), 1);
    let refreshed = client
        .oauth_refresh(&Secret::new("good-refresh"))
        .await
        .unwrap();
    assert_eq!(refreshed.expires_in, 1800);
    relay.stop().await;
}

#[tokio::test]
async fn transport_errors_are_retried_then_reported() {
    // Nothing listens on port 9 (discard): connection refused, retried quickly, then reported.
    let client = RelayClient::new("http://127.0.0.1:9")
        .unwrap()
        .with_retry(RetryPolicy {
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_retries: 2,
        });
    let err = client.health().await.unwrap_err();
    assert!(matches!(err, ClientError::Transport(_)), "{err:?}");
    assert!(err.is_retryable());
}
