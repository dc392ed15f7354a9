//! The API key never appears in Debug output or errors (the logs: tests/log_capture.rs).

use steward_llm::{LlmClient, LlmError, Provider};

use crate::support::{TEST_KEY, request, sim};

#[test]
fn debug_output_has_no_key() {
    for provider in [Provider::OpenAiCompatible, Provider::Anthropic] {
        let config = crate::support::config(provider, "http://127.0.0.1:9/v1");
        let shown = format!("{config:?}");
        assert!(!shown.contains(TEST_KEY), "{shown}");
        assert!(shown.contains("REDACTED"), "{shown}");
        let client = LlmClient::new(config).unwrap();
        let shown = format!("{client:?}");
        assert!(!shown.contains(TEST_KEY), "{shown}");
    }
}

#[tokio::test]
async fn blank_key_is_unauthorized() {
    let sim = sim().await;
    let mut config = sim.config(Provider::OpenAiCompatible);
    config.base_url = format!("{}/llm/v1", sim.server.base_url());
    config.api_key = Some(steward_llm::SecretString::from(" "));
    let err = LlmClient::new(config)
        .unwrap()
        .enrich(&request())
        .await
        .unwrap_err();
    assert_eq!(err, LlmError::Unauthorized);
}
