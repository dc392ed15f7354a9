//! Tokens never reach logs, `Debug` output or error text.
//!
//! This test has a binary of its own on purpose. It captures logs with a thread-local
//! subscriber, and while exactly one dispatcher exists tracing-core computes a new callsite's
//! interest from the *registering thread's* default: a parallel test hitting
//! "HubSpot answered" first, on its own thread with no subscriber, cached "never" for every
//! thread, and CI once lost the status=200 line that way. Alone in its process, the test's
//! own thread is the only one that reaches the client's callsites.

// A failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "it/support.rs"]
#[allow(dead_code)]
mod support;

use std::sync::Arc;

use hubspot::{HubSpotClient, Secret, TokenSource};
use hubspot_sim::log_capture::LogCapture;
use tracing_subscriber::layer::SubscriberExt;

use support::{PAT, Sim, unlimited};

/// Runs OAuth, refresh, API calls and failures with TRACE logging of this crate captured,
/// then checks that no token or secret appears in the logs, in `Debug` or in error text.
#[tokio::test]
async fn tokens_never_reach_logs_debug_or_errors() {
    let capture = LogCapture::default();
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(capture.clone())
        .with_ansi(false);
    let filter = tracing_subscriber::filter::filter_fn(|m| {
        m.target() == "hubspot" || m.target().starts_with("hubspot::")
    });
    let subscriber =
        tracing_subscriber::registry().with(tracing_subscriber::Layer::with_filter(layer, filter));
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = Sim::start(unlimited()).await;
    let app = sim.app();
    let answer = sim.install().await;
    let access = answer.access_token.expose().to_owned();
    let refresh = answer.refresh_token.clone().unwrap();
    let tokens = TokenSource::oauth(refresh.clone(), Arc::new(app.clone()));
    let client = HubSpotClient::new(&sim.base, tokens).unwrap();
    client.account_details().await.unwrap();
    let renewed = client.tokens().access_token().await.unwrap();

    let bad = HubSpotClient::new(
        &sim.base,
        TokenSource::private_app(Secret::new("pat-bad-0000")),
    )
    .unwrap();
    let err = bad.account_details().await.unwrap_err();
    app.revoke(&refresh, None).await.unwrap();
    let revoked = app.refresh(&refresh).await.unwrap_err();

    let texts = [
        capture.text(),
        format!("{client:?} {app:?} {answer:?} {err:?} {err} {revoked:?} {revoked}"),
    ];
    let secrets = [
        access.as_str(),
        refresh.expose(),
        renewed.expose(),
        PAT,
        "pat-bad-0000",
        sim.config.client_secret.as_str(),
    ];
    for text in &texts {
        for secret in secrets {
            assert!(!text.contains(secret), "a secret leaked into: {text}");
        }
    }
    let logs = &texts[0];
    assert!(
        logs.contains("hubspot.request"),
        "request spans were captured: {logs}"
    );
    assert!(
        logs.contains("status=200") && logs.contains("status=401"),
        "{logs}"
    );
    assert!(logs.contains("path=/account-info/v3/details"), "{logs}");
    sim.shutdown().await;
}
