//! Configuration mistakes and non-retryable answers fail fast with an actionable message.

use std::time::Duration;

use steward_llm::{LlmClient, LlmError, Provider};

use crate::support::{config, request, sim};

#[tokio::test]
async fn missing_key_is_unauthorized_and_not_retried() {
    let sim = sim().await;
    let mut config = sim.config(Provider::OpenAiCompatible);
    config.api_key = None;
    let client = LlmClient::new(config).unwrap();
    let err = client.enrich(&request()).await.unwrap_err();
    assert_eq!(err, LlmError::Unauthorized);
    assert_eq!(
        err.to_string(),
        "the LLM provider refused the API key: set a valid key in Settings → LLM"
    );
    let stats = sim.stats().await;
    let hits = stats["requests"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(route, _)| route.contains("/llm/v1/chat/completions"))
        .map(|(_, n)| n.as_u64().unwrap())
        .sum::<u64>();
    assert_eq!(hits, 1, "{stats}");
}

#[tokio::test]
async fn wrong_path_is_an_http_error_without_retries() {
    let sim = sim().await;
    // The HubSpot root instead of `{base}/llm/v1`.
    let client = LlmClient::new(config(Provider::Anthropic, &sim.server.base_url())).unwrap();
    let err = client.enrich(&request()).await.unwrap_err();
    match &err {
        LlmError::Http { status, body } => {
            assert_eq!(*status, 404);
            assert!(body.contains("no route"), "{body}");
        }
        other => panic!("expected Http 404, got {other:?}"),
    }
    assert!(
        err.to_string()
            .contains("check the model name and base URL"),
        "{err}"
    );
    assert_eq!(sim.llm_calls().await, 0);
}

#[tokio::test]
async fn unreachable_server_is_a_transport_error() {
    // Bind and drop, so nothing listens on the port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = config(
        Provider::OpenAiCompatible,
        &format!("http://127.0.0.1:{port}/v1"),
    );
    config.max_retries = 1;
    let client = LlmClient::new(config).unwrap();
    let err = client.enrich(&request()).await.unwrap_err();
    assert!(matches!(err, LlmError::Transport { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("check the base URL"), "{message}");
    assert!(!message.contains(crate::support::TEST_KEY));
}

#[test]
fn bad_configs_are_rejected_before_any_request() {
    let good = config(Provider::OpenAiCompatible, "http://127.0.0.1:9/v1");
    type Mutation = Box<dyn Fn(&mut steward_llm::LlmConfig)>;
    let cases: Vec<(&str, Mutation)> = vec![
        ("empty model", Box::new(|c| c.model = " ".to_owned())),
        (
            "no scheme",
            Box::new(|c| c.base_url = "api.openai.com/v1".to_owned()),
        ),
        ("zero concurrency", Box::new(|c| c.max_concurrency = 0)),
        ("zero timeout", Box::new(|c| c.timeout = Duration::ZERO)),
        (
            "anthropic without key",
            Box::new(|c| {
                c.provider = Provider::Anthropic;
                c.api_key = None;
            }),
        ),
    ];
    for (name, mutate) in cases {
        let mut config = good.clone();
        mutate(&mut config);
        let err = LlmClient::new(config).unwrap_err();
        assert!(matches!(err, LlmError::BadConfig(_)), "{name}: {err:?}");
        assert!(
            err.to_string().starts_with("the LLM settings are invalid"),
            "{name}"
        );
    }
    assert!(LlmClient::new(good).is_ok());
}
