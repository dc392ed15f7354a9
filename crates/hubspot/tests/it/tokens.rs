use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::future::join_all;
use hubspot::{Error, HubSpotClient, RateLimit, ReadOptions, TokenSource};
use hubspot_sim::SimConfig;
use serde_json::json;

use crate::support::{Sim, create_contacts, fast_retry, unlimited};

fn oauth_client(sim: &Sim, tokens: TokenSource) -> HubSpotClient {
    HubSpotClient::builder(tokens)
        .base_url(&sim.base)
        .rate_limit(RateLimit {
            max: 10_000,
            per: Duration::from_secs(1),
        })
        .retry(fast_retry())
        .build()
        .unwrap()
}

#[tokio::test]
async fn proactive_refresh_keeps_a_long_run_going() {
    let sim = Sim::start(SimConfig {
        access_token_ttl: Duration::from_secs(2),
        ..unlimited()
    })
    .await;
    let answer = sim.install().await;
    let tokens = TokenSource::from_token_response(answer, Arc::new(sim.app())).unwrap();
    let client = oauth_client(&sim, tokens);
    sim.reset_stats().await;

    let started = Instant::now();
    let mut calls = 0;
    while started.elapsed() < Duration::from_millis(4500) {
        client
            .account_details()
            .await
            .expect("every call succeeds across token expiries");
        calls += 1;
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    assert!(calls > 50);
    let refreshes = sim.stats().await["tokenRefreshes"].as_u64().unwrap();
    assert!(
        refreshes >= 2,
        "tokens were renewed during the run ({refreshes})"
    );
    assert_eq!(client.stats().token_refreshes, refreshes);
    assert_eq!(
        client.stats().retries,
        0,
        "renewal happened before expiry: no 401 was ever received"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn fifty_concurrent_callers_cause_exactly_one_refresh() {
    let sim = Sim::start(unlimited()).await;
    let ids = create_contacts(&sim.private_client(), 1).await;
    let answer = sim.install().await;
    let refresh = answer.refresh_token.unwrap();
    // Start-up state: only the refresh token (from the keyring), no access token.
    let tokens = TokenSource::oauth(refresh, Arc::new(sim.app()));
    let client = oauth_client(&sim, tokens);
    sim.reset_stats().await;

    let opts = ReadOptions::properties(["email"]);
    let results = join_all((0..50).map(|_| client.get_contact(&ids[0], &opts))).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(sim.stats().await["tokenRefreshes"].as_u64(), Some(1));
    assert_eq!(sim.count("POST /oauth/v3/token").await, 1);
    assert_eq!(client.stats().token_refreshes, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn revoked_authorization_asks_to_reconnect_once() {
    let sim = Sim::start(unlimited()).await;
    let answer = sim.install().await;
    let tokens = TokenSource::from_token_response(answer, Arc::new(sim.app())).unwrap();
    let hook_calls = Arc::new(AtomicUsize::new(0));
    let seen = hook_calls.clone();
    tokens.on_new_refresh_token(move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
    });
    let client = oauth_client(&sim, tokens);
    client.account_details().await.unwrap();

    sim.admin("oauth/revoke-all", json!({})).await;
    let err = client.account_details().await.unwrap_err();
    assert!(matches!(err, Error::Reconnect(_)), "{err:?}");
    assert!(err.needs_reconnect());
    assert!(
        err.to_string()
            .contains("reconnect in Settings → Connection"),
        "{err}"
    );

    // Later calls fail fast: no further token requests.
    let token_calls = sim.count("POST /oauth/v3/token").await;
    let again = client.account_details().await.unwrap_err();
    assert!(matches!(again, Error::Reconnect(_)));
    assert_eq!(sim.count("POST /oauth/v3/token").await, token_calls);
    assert_eq!(
        hook_calls.load(Ordering::SeqCst),
        0,
        "HubSpot kept the same refresh token"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn an_unexpected_401_renews_once_and_succeeds() {
    let sim = Sim::start(SimConfig {
        access_token_ttl: Duration::from_secs(1),
        ..unlimited()
    })
    .await;
    let answer = sim.install().await;
    // Pretend the token lives an hour, so proactive renewal does not kick in.
    let tokens = TokenSource::oauth_with_access(
        answer.refresh_token.unwrap(),
        answer.access_token,
        Duration::from_secs(3600),
        Arc::new(sim.app()),
    );
    let client = oauth_client(&sim, tokens);
    tokio::time::sleep(Duration::from_millis(1300)).await;
    client.account_details().await.unwrap();
    let stats = client.stats();
    assert_eq!(stats.requests, 2, "one 401 (expired), then the retry");
    assert_eq!(stats.token_refreshes, 1);
    sim.shutdown().await;
}
