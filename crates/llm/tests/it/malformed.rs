//! The simulator's malformed-output modes become `InvalidOutput` with the right reason, and
//! still carry usage and cost (the call happened).

use serde_json::json;
use steward_llm::{InvalidReason, LlmClient};

use crate::support::{PROVIDERS, request, sim};

const MODES: [(&str, InvalidReason); 4] = [
    ("bad_json", InvalidReason::BadJson),
    ("schema_violation", InvalidReason::SchemaViolation),
    ("oversize", InvalidReason::TooLong),
    ("unknown_signal", InvalidReason::UnknownSignal),
];

#[tokio::test]
async fn every_malformed_mode_is_rejected_with_its_reason() {
    let sim = sim().await;
    for (mode, expected) in MODES {
        sim.llm_faults(json!({ "mode": mode })).await;
        for provider in PROVIDERS {
            let client = LlmClient::new(sim.config(provider)).unwrap();
            let response = client.enrich(&request()).await.unwrap();
            let invalid = response
                .output
                .expect_err(&format!("{provider} in {mode} mode must be rejected"));
            assert_eq!(invalid.reason, expected, "{provider} {mode}: {invalid}");
            assert!(invalid.detail.chars().count() <= 300);
            assert!(response.usage.input_tokens > 0, "{provider} {mode}");
            assert!(response.cost_micros > 0, "{provider} {mode}");
        }
    }
    // Rejections are not retried: one call per provider per mode.
    assert_eq!(sim.llm_calls().await, 8);
}

#[tokio::test]
async fn valid_again_after_the_fault_is_cleared() {
    let sim = sim().await;
    let client = LlmClient::new(sim.config(PROVIDERS[0])).unwrap();
    sim.llm_faults(json!({ "mode": "oversize" })).await;
    assert!(client.enrich(&request()).await.unwrap().output.is_err());
    sim.llm_faults(json!({ "mode": "valid" })).await;
    assert!(client.enrich(&request()).await.unwrap().output.is_ok());
}

#[tokio::test]
async fn test_connection_reports_an_unusable_model() {
    let sim = sim().await;
    sim.llm_faults(json!({ "mode": "bad_json" })).await;
    let client = LlmClient::new(sim.config(PROVIDERS[1])).unwrap();
    let err = client.test_connection().await.unwrap_err();
    assert!(
        matches!(err, steward_llm::LlmError::UnusableModel(_)),
        "{err:?}"
    );
    assert!(err.to_string().contains("structured output"), "{err}");
}
