//! 429 and 5xx answers are retried with backoff (honouring `Retry-After`) until they
//! succeed, and surface a clear error when they never do.

use std::time::Duration;

use serde_json::json;
use steward_llm::{LlmClient, LlmError, Provider};

use crate::support::{Sim, request, sim};

/// Fails every call until at least two have failed, then heals the simulator mid-run: the
/// same `enrich` call must come back valid, after exactly one successful attempt.
async fn recovers_mid_run(provider: Provider) {
    let sim = sim().await;
    sim.llm_faults(json!({ "errorRate": 1.0 })).await;
    let mut config = sim.config(provider);
    config.max_retries = 8;
    let client = LlmClient::new(config).unwrap();
    let call = tokio::spawn(async move { client.enrich(&request()).await });
    wait_for_errors(&sim, 2).await;
    sim.llm_faults(json!({ "errorRate": 0.0 })).await;
    let response = call.await.unwrap().unwrap();
    assert!(response.output.is_ok(), "{provider}: {:?}", response.output);
    let stats = sim.stats().await;
    let errors = stats["llmErrors"].as_u64().unwrap();
    assert!(errors >= 2, "{stats}");
    assert_eq!(stats["llmCalls"].as_u64().unwrap(), errors + 1, "{stats}");
}

async fn wait_for_errors(sim: &Sim, at_least: u64) {
    for _ in 0..400 {
        if sim.stats().await["llmErrors"].as_u64().unwrap_or(0) >= at_least {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the simulator never saw {at_least} failed LLM calls");
}

#[tokio::test]
async fn openai_retries_until_the_provider_recovers() {
    recovers_mid_run(Provider::OpenAiCompatible).await;
}

#[tokio::test]
async fn anthropic_retries_until_the_provider_recovers() {
    recovers_mid_run(Provider::Anthropic).await;
}

#[tokio::test]
async fn always_failing_provider_surfaces_a_clear_error() {
    let sim = sim().await;
    sim.llm_faults(json!({ "errorRate": 1.0 })).await;
    let mut config = sim.config(Provider::OpenAiCompatible);
    config.max_retries = 2;
    let client = LlmClient::new(config).unwrap();
    let err = client.enrich(&request()).await.unwrap_err();
    match &err {
        LlmError::RateLimited { attempts, .. } | LlmError::Server { attempts, .. } => {
            assert_eq!(*attempts, 3, "{err:?}");
        }
        other => panic!("expected a rate-limit or server error, got {other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains("after 3 attempts"), "{message}");
    assert_eq!(
        sim.llm_calls().await,
        3,
        "one first attempt and two retries"
    );
}

#[tokio::test]
async fn slow_provider_times_out_after_the_retries() {
    let sim = sim().await;
    sim.llm_faults(json!({ "latencyMs": 5_000 })).await;
    let mut config = sim.config(Provider::Anthropic);
    config.timeout = Duration::from_millis(300);
    config.max_retries = 1;
    let client = LlmClient::new(config).unwrap();
    let started = std::time::Instant::now();
    let err = client.enrich(&request()).await.unwrap_err();
    assert_eq!(
        err,
        LlmError::Timeout {
            after: Duration::from_millis(300),
            attempts: 2
        }
    );
    assert!(err.to_string().contains("raise the timeout"), "{err}");
    // Two 300 ms attempts and one short backoff, far below the 5 s the server would take.
    assert!(
        started.elapsed() < Duration::from_millis(4_500),
        "{:?}",
        started.elapsed()
    );
}
