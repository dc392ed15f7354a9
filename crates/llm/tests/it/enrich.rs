//! A valid enrichment from each provider family, with usage, cost and model.

use steward_llm::{LlmClient, Provider};

use crate::support::{PROVIDERS, request, sim};

#[tokio::test]
async fn valid_enrichment_from_both_providers() {
    let sim = sim().await;
    for provider in PROVIDERS {
        let client = LlmClient::new(sim.config(provider)).unwrap();
        let response = client.enrich(&request()).await.unwrap();
        let enrichment = response
            .output
            .unwrap_or_else(|invalid| panic!("{provider}: {invalid}"));
        assert!(enrichment.check().is_ok());
        assert!(!enrichment.summary.is_empty());
        assert!(enrichment.summary.chars().count() <= 600);
        assert!(enrichment.score <= 100);
        assert!(
            response.usage.input_tokens > 100,
            "{provider}: {:?}",
            response.usage
        );
        assert!(
            response.usage.output_tokens > 0,
            "{provider}: {:?}",
            response.usage
        );
        let price = client.config().price;
        assert_eq!(response.cost_micros, price.cost_micros(response.usage));
        assert!(response.cost_micros > 0);
        assert_eq!(response.model, "sim-model");
        assert!(response.latency.as_nanos() > 0);
    }
    assert_eq!(sim.llm_calls().await, 2);
}

#[tokio::test]
async fn answers_are_deterministic_for_the_same_input() {
    let sim = sim().await;
    let client = LlmClient::new(sim.config(Provider::OpenAiCompatible)).unwrap();
    let first = client.enrich(&request()).await.unwrap().output.unwrap();
    let second = client.enrich(&request()).await.unwrap().output.unwrap();
    assert_eq!(first, second);
}

#[tokio::test]
async fn test_connection_succeeds_against_both_providers() {
    let sim = sim().await;
    for provider in PROVIDERS {
        let client = LlmClient::new(sim.config(provider)).unwrap();
        client
            .test_connection()
            .await
            .unwrap_or_else(|e| panic!("{provider}: {e}"));
    }
    assert_eq!(sim.llm_calls().await, 2);
}

#[tokio::test]
async fn clones_share_one_client() {
    let sim = sim().await;
    let client = LlmClient::new(sim.config(Provider::Anthropic)).unwrap();
    let clone = client.clone();
    let request = request();
    let (a, b) = tokio::join!(client.enrich(&request), clone.enrich(&request));
    assert!(a.unwrap().output.is_ok());
    assert!(b.unwrap().output.is_ok());
}
