//! Every preset against a stand-in for its server ([`servers`]): the request Steward sends is
//! accepted the way that server reads it (URL layout, auth, structured-output request), and the
//! answer parses into a valid enrichment with usage, model and cost.

mod servers;

use serde_json::{Value, json};
use steward_llm::{
    InvalidReason, LlmClient, LlmError, Preset, SCHEMA_NAME, SecretString, TOOL_NAME,
};

use crate::support::request;
use servers::{Content, Flavor, KEY, Seen, Server, serve};

fn client(preset: &Preset, server: &Server, key: Option<&str>) -> LlmClient {
    let mut config = preset.config();
    config.base_url = server.base.clone();
    config.api_key = key.map(SecretString::from);
    LlmClient::new(config).unwrap()
}

fn preset(id: &str) -> &'static Preset {
    Preset::by_id(id).unwrap()
}

/// Enrich once and run the Settings "Test" call; both must succeed and parse.
async fn round_trip(preset: &Preset, server: &Server, key: Option<&str>, model: &str) -> Seen {
    let client = client(preset, server, key);
    let response = client
        .enrich(&request())
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", preset.id));
    let enrichment = response
        .output
        .unwrap_or_else(|invalid| panic!("{}: {invalid}", preset.id));
    assert_eq!(enrichment.score, 82);
    assert_eq!(response.model, model);
    assert_eq!(
        response.cost_micros,
        preset.price.cost_micros(response.usage)
    );
    let seen = server.last();
    client
        .test_connection()
        .await
        .unwrap_or_else(|e| panic!("{} test: {e}", preset.id));
    assert_eq!(server.hits(), 1, "the test call reached the server too");
    let test = server.last();
    assert_eq!(test.path, seen.path);
    assert_eq!(seen.headers["content-type"], "application/json");
    assert_eq!(seen.body["model"], preset.default_model);
    seen
}

fn openai_shape(body: &Value) {
    assert_eq!(body["messages"][0]["role"], "system");
    assert_eq!(body["messages"][1]["role"], "user");
    assert_eq!(body["response_format"]["type"], "json_schema");
    assert_eq!(body["response_format"]["json_schema"]["name"], SCHEMA_NAME);
    assert_eq!(body["response_format"]["json_schema"]["strict"], true);
    assert!(body.get("temperature").is_none() && body.get("max_tokens").is_none());
}

#[tokio::test]
async fn openai_bearer_key_and_strict_json_schema() {
    let p = preset("openai");
    let server = serve(p, Flavor::OpenAi, Some(KEY), Content::Json).await;
    let seen = round_trip(p, &server, Some(KEY), "gpt-6-luna").await;
    assert_eq!(seen.path, "/v1/chat/completions");
    assert_eq!(seen.headers["authorization"], format!("Bearer {KEY}"));
    openai_shape(&seen.body);
    // $0.10 / $0.50 per 1M: 900 in + 95 out → 90 + 47.5 → 137 micro-dollars.
    let response = client(p, &server, Some(KEY))
        .enrich(&request())
        .await
        .unwrap();
    assert_eq!(response.cost_micros, 137);
    let err = client(p, &server, None)
        .enrich(&request())
        .await
        .unwrap_err();
    assert_eq!(err, LlmError::Unauthorized);
}

#[tokio::test]
async fn anthropic_api_key_header_version_and_forced_tool() {
    let p = preset("anthropic");
    let server = serve(p, Flavor::Anthropic, Some(KEY), Content::Json).await;
    let seen = round_trip(p, &server, Some(KEY), "claude-haiku-4-5-20251001").await;
    assert_eq!(seen.path, "/v1/messages");
    assert_eq!(seen.headers["x-api-key"], KEY);
    assert_eq!(seen.headers["anthropic-version"], "2023-06-01");
    assert!(seen.headers.get("authorization").is_none());
    assert_eq!(
        seen.body["tool_choice"],
        json!({"type": "tool", "name": TOOL_NAME})
    );
    assert_eq!(
        seen.body["tools"][0]["input_schema"]["additionalProperties"],
        false
    );
    // Anthropic refuses a client without a key before anything is sent.
    assert!(matches!(
        LlmClient::new(p.config()),
        Err(LlmError::BadConfig(_))
    ));
}

#[tokio::test]
async fn ollama_needs_no_key_and_finds_the_schema() {
    let p = preset("ollama");
    let server = serve(p, Flavor::Ollama, None, Content::Json).await;
    let seen = round_trip(p, &server, None, "llama3.1:8b").await;
    assert_eq!(seen.path, "/v1/chat/completions");
    assert!(seen.headers.get("authorization").is_none());
    openai_shape(&seen.body);
}

#[tokio::test]
async fn lm_studio_gets_the_json_schema_format_it_requires() {
    let p = preset("lm_studio");
    let server = serve(p, Flavor::LmStudio, None, Content::Json).await;
    let seen = round_trip(p, &server, None, "qwen2.5-7b-instruct").await;
    assert_eq!(seen.path, "/v1/chat/completions");
    assert!(seen.headers.get("authorization").is_none());
    openai_shape(&seen.body);
}

#[tokio::test]
async fn llama_cpp_reads_the_nested_schema_and_honours_its_api_key() {
    let p = preset("llama_cpp");
    let open = serve(p, Flavor::LlamaCpp, None, Content::Json).await;
    let seen = round_trip(p, &open, None, "local-model").await;
    assert_eq!(seen.path, "/v1/chat/completions");
    assert!(seen.body["response_format"]["json_schema"]["schema"]["properties"].is_object());
    // llama-server started with --api-key: the key goes out as a bearer token.
    let locked = serve(p, Flavor::LlamaCpp, Some(KEY), Content::Json).await;
    let err = client(p, &locked, None)
        .enrich(&request())
        .await
        .unwrap_err();
    assert_eq!(err, LlmError::Unauthorized);
    assert_eq!(locked.hits(), 1, "a 401 is not retried");
    assert!(locked.last().headers.get("authorization").is_none());
    let seen = round_trip(p, &locked, Some(KEY), "local-model").await;
    assert_eq!(seen.headers["authorization"], format!("Bearer {KEY}"));
}

#[tokio::test]
async fn a_server_that_ignores_the_schema_is_caught_by_validation() {
    let p = preset("ollama");
    // Fenced but valid JSON still passes every rule.
    let fenced = serve(p, Flavor::Ollama, None, Content::IgnoresSchemaFenced).await;
    let response = client(p, &fenced, None).enrich(&request()).await.unwrap();
    assert!(response.output.is_ok(), "{:?}", response.output);
    // Prose is rejected: the Settings test says the model is unusable, and nothing is written.
    let prose = serve(p, Flavor::Ollama, None, Content::IgnoresSchemaProse).await;
    let c = client(p, &prose, None);
    let invalid = c.enrich(&request()).await.unwrap().output.unwrap_err();
    assert_eq!(invalid.reason, InvalidReason::BadJson);
    match c.test_connection().await {
        Err(LlmError::UnusableModel(invalid)) => assert_eq!(invalid.reason, InvalidReason::BadJson),
        other => panic!("expected UnusableModel, got {other:?}"),
    }
}

#[tokio::test]
async fn a_wrong_base_path_is_a_clear_404() {
    let p = preset("lm_studio");
    let server = serve(p, Flavor::LmStudio, None, Content::Json).await;
    let mut config = p.config();
    // The base without `/v1`, a common mistake.
    config.base_url = server.base.trim_end_matches("/v1").to_owned();
    let err = LlmClient::new(config)
        .unwrap()
        .enrich(&request())
        .await
        .unwrap_err();
    match err {
        LlmError::Http { status: 404, body } => {
            assert!(body.contains("/chat/completions"), "{body}")
        }
        other => panic!("expected a 404, got {other:?}"),
    }
}
