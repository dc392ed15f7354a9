//! The API key never appears in logs at any level; contact data never appears in logs at
//! info level.
//!
//! These tests have a binary of their own on purpose: they capture logs with thread-local
//! subscribers, and while exactly one dispatcher exists tracing-core computes a new callsite's
//! interest from the *registering thread's* default, so a parallel test without a subscriber
//! that reaches a callsite first caches "never" for every thread (the same race failed the
//! HubSpot client's redaction test in CI). Here every test sets its subscriber before it
//! touches the client.

// A failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "it/support.rs"]
#[allow(dead_code)]
mod support;

use hubspot_sim::log_capture::LogCapture;
use steward_llm::{LlmClient, Provider};

use support::{TEST_KEY, request, sim};

fn subscriber(
    capture: &LogCapture,
    level: tracing::Level,
) -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::fmt()
        .with_writer(capture.clone())
        .with_max_level(level)
        .with_ansi(false)
        .finish()
}

/// Valid calls, failed calls and retries, logged at every level: never the key.
#[tokio::test]
async fn logs_at_every_level_have_no_key() {
    let capture = LogCapture::default();
    let _guard = tracing::subscriber::set_default(subscriber(&capture, tracing::Level::TRACE));
    let sim = sim().await;
    for provider in [Provider::OpenAiCompatible, Provider::Anthropic] {
        let client = LlmClient::new(sim.config(provider)).unwrap();
        assert!(client.enrich(&request()).await.unwrap().output.is_ok());
    }
    sim.llm_faults(serde_json::json!({ "errorRate": 1.0 }))
        .await;
    let mut config = sim.config(Provider::Anthropic);
    config.max_retries = 1;
    let err = LlmClient::new(config)
        .unwrap()
        .enrich(&request())
        .await
        .unwrap_err();
    assert!(err.is_retryable());
    let logs = capture.text();
    assert!(logs.contains("LLM call finished"), "{logs}");
    assert!(logs.contains("retrying"), "{logs}");
    assert!(!logs.contains(TEST_KEY), "the key leaked into the logs");
    assert!(!format!("{err} {err:?}").contains(TEST_KEY));
}

#[tokio::test]
async fn info_logs_carry_metrics_but_no_contact_data() {
    let capture = LogCapture::default();
    let _guard = tracing::subscriber::set_default(subscriber(&capture, tracing::Level::INFO));
    let sim = sim().await;
    let client = LlmClient::new(sim.config(Provider::OpenAiCompatible)).unwrap();
    let response = client.enrich(&request()).await.unwrap();
    let enrichment = response.output.unwrap();
    let logs = capture.text();
    assert!(logs.contains("llm_call"), "{logs}");
    assert!(logs.contains("provider=openai_compatible"), "{logs}");
    assert!(logs.contains("model=sim-model"), "{logs}");
    assert!(logs.contains("input_tokens="), "{logs}");
    assert!(logs.contains("latency_ms="), "{logs}");
    for secret in [
        "Grace",
        "Hopper",
        "Cobol Systems",
        "quote for 40 seats",
        &enrichment.summary,
    ] {
        assert!(
            !logs.contains(secret),
            "{secret:?} leaked into info logs: {logs}"
        );
    }
}
