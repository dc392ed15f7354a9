//! A scripted axum stand-in for what the simulator cannot produce on demand: exact status
//! sequences with `Retry-After`, in-flight counting, echoed keys, refusals, missing usage
//! and non-LLM bodies.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use steward_llm::{InvalidReason, LlmClient, LlmError, Provider};

use crate::support::{TEST_KEY, config, request};

/// One scripted answer: status, extra headers, body.
#[derive(Clone)]
struct Reply(u16, Vec<(&'static str, &'static str)>, String);

#[derive(Default)]
struct Seen {
    hits: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    last: Mutex<Option<(String, HeaderMap, Value)>>,
}

struct Script {
    replies: Vec<Reply>,
    delay: Duration,
    seen: Arc<Seen>,
}

struct StandIn {
    base: String,
    seen: Arc<Seen>,
}

/// Serves `replies` in order (the last one repeats), each after `delay`.
async fn standin(replies: Vec<Reply>, delay: Duration) -> StandIn {
    let seen = Arc::new(Seen::default());
    let script = Arc::new(Script {
        replies,
        delay,
        seen: seen.clone(),
    });
    let app = Router::new().fallback(handle).with_state(script);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    StandIn {
        base: format!("http://{addr}/v1"),
        seen,
    }
}

async fn handle(
    State(script): State<Arc<Script>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let seen = &script.seen;
    let n = seen.hits.fetch_add(1, Ordering::SeqCst);
    let now = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    seen.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    *seen.last.lock().unwrap() = Some((uri.path().to_owned(), headers, body));
    tokio::time::sleep(script.delay).await;
    seen.in_flight.fetch_sub(1, Ordering::SeqCst);
    let Reply(status, extra, body) = script.replies[n.min(script.replies.len() - 1)].clone();
    let mut response = (StatusCode::from_u16(status).unwrap(), body).into_response();
    response
        .headers_mut()
        .insert("content-type", "application/json".parse().unwrap());
    for (name, value) in extra {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

fn hits(s: &StandIn) -> usize {
    s.seen.hits.load(Ordering::SeqCst)
}

const VALID: &str = r#"{"summary":"Asked for a quote.","next_best_action":"Send it.","next_best_action_confidence":0.9,"intent_signals":["pricing_interest"],"score":80}"#;

fn completion(message: Value, usage: Option<Value>) -> String {
    let mut body = json!({
        "id": "chatcmpl-x",
        "object": "chat.completion",
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{ "index": 0, "message": message, "finish_reason": "stop" }]
    });
    if let Some(usage) = usage {
        body["usage"] = usage;
    }
    body.to_string()
}

fn ok_completion() -> Reply {
    Reply(
        200,
        vec![],
        completion(
            json!({"role": "assistant", "content": VALID, "refusal": null}),
            Some(json!({"prompt_tokens": 1000, "completion_tokens": 100})),
        ),
    )
}

fn openai_client(s: &StandIn, max_retries: u32) -> LlmClient {
    let mut config = config(Provider::OpenAiCompatible, &s.base);
    config.max_retries = max_retries;
    LlmClient::new(config).unwrap()
}

#[tokio::test]
async fn bad_request_is_not_retried_and_an_echoed_key_is_scrubbed() {
    let body = format!(r#"{{"error":{{"message":"Invalid key {TEST_KEY} for this model"}}}}"#);
    let s = standin(vec![Reply(400, vec![], body)], Duration::ZERO).await;
    let err = openai_client(&s, 5).enrich(&request()).await.unwrap_err();
    assert!(matches!(err, LlmError::Http { status: 400, .. }), "{err:?}");
    assert_eq!(hits(&s), 1, "a 400 is never retried");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(TEST_KEY), "{shown}");
    assert!(!shown.contains("DO-NOT-LEAK"), "{shown}");
    assert!(shown.contains("for this model"), "{shown}");
}

#[tokio::test]
async fn forbidden_is_unauthorized() {
    let s = standin(vec![Reply(403, vec![], "{}".to_owned())], Duration::ZERO).await;
    let err = openai_client(&s, 5).enrich(&request()).await.unwrap_err();
    assert_eq!(err, LlmError::Unauthorized);
    assert_eq!(hits(&s), 1);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let s = standin(
        vec![
            Reply(
                429,
                vec![("retry-after", "1")],
                r#"{"error":{"message":"slow down"}}"#.to_owned(),
            ),
            ok_completion(),
        ],
        Duration::ZERO,
    )
    .await;
    let started = Instant::now();
    let response = openai_client(&s, 3).enrich(&request()).await.unwrap();
    assert!(response.output.is_ok());
    assert_eq!(hits(&s), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn server_errors_are_retried_until_success() {
    let s = standin(
        vec![
            Reply(503, vec![], "unavailable".to_owned()),
            Reply(502, vec![], "bad gateway".to_owned()),
            ok_completion(),
        ],
        Duration::ZERO,
    )
    .await;
    let response = openai_client(&s, 3).enrich(&request()).await.unwrap();
    assert!(response.output.is_ok());
    assert_eq!(hits(&s), 3);
    assert_eq!(response.usage.input_tokens, 1000);
    assert_eq!(response.model, "gpt-4o-mini-2024-07-18");
}

#[tokio::test]
async fn anthropic_overloaded_529_is_retried() {
    let overloaded =
        r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
    let ok = json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-x",
        "content": [{"type": "tool_use", "id": "toolu_1", "name": "record_enrichment",
                     "input": serde_json::from_str::<Value>(VALID).unwrap()}],
        "stop_reason": "tool_use",
        "usage": {"input_tokens": 900, "output_tokens": 80}
    });
    let s = standin(
        vec![
            Reply(529, vec![], overloaded.to_owned()),
            Reply(200, vec![], ok.to_string()),
        ],
        Duration::ZERO,
    )
    .await;
    let client = LlmClient::new(config(Provider::Anthropic, &s.base)).unwrap();
    let response = client.enrich(&request()).await.unwrap();
    assert_eq!(response.output.unwrap().score, 80);
    assert_eq!(response.usage.output_tokens, 80);
    assert_eq!(hits(&s), 2);
}

#[tokio::test]
async fn requests_carry_the_documented_headers_and_bodies() {
    let s = standin(vec![ok_completion()], Duration::ZERO).await;
    openai_client(&s, 0).enrich(&request()).await.unwrap();
    let (path, headers, body) = s.seen.last.lock().unwrap().take().unwrap();
    assert_eq!(path, "/v1/chat/completions");
    assert_eq!(
        headers["authorization"],
        format!("Bearer {TEST_KEY}").as_str()
    );
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(body["response_format"]["json_schema"]["strict"], true);
    assert_eq!(
        body["response_format"]["json_schema"]["name"],
        "steward_enrichment"
    );

    let a = standin(vec![Reply(200, vec![], "{}".to_owned())], Duration::ZERO).await;
    let client = LlmClient::new(config(Provider::Anthropic, &a.base)).unwrap();
    let _ = client.enrich(&request()).await;
    let (path, headers, body) = a.seen.last.lock().unwrap().take().unwrap();
    assert_eq!(path, "/v1/messages");
    assert_eq!(headers["x-api-key"], TEST_KEY);
    assert_eq!(headers["anthropic-version"], "2023-06-01");
    assert!(headers.get("authorization").is_none());
    assert_eq!(
        body["tool_choice"],
        json!({"type": "tool", "name": "record_enrichment"})
    );
    assert!(
        body["system"]
            .as_str()
            .unwrap()
            .contains("never an instruction")
    );
}

#[tokio::test]
async fn no_key_sends_no_authorization_header() {
    let s = standin(vec![ok_completion()], Duration::ZERO).await;
    let mut config = config(Provider::OpenAiCompatible, &s.base);
    config.api_key = None;
    LlmClient::new(config)
        .unwrap()
        .enrich(&request())
        .await
        .unwrap();
    let (_, headers, _) = s.seen.last.lock().unwrap().take().unwrap();
    assert!(headers.get("authorization").is_none());
}

#[tokio::test]
async fn in_flight_requests_never_exceed_max_concurrency() {
    let s = standin(vec![ok_completion()], Duration::from_millis(100)).await;
    let mut config = config(Provider::OpenAiCompatible, &s.base);
    config.max_concurrency = 4;
    let client = LlmClient::new(config).unwrap();
    let calls: Vec<_> = (0..16)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.enrich(&request()).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(hits(&s), 16);
    let max = s.seen.max_in_flight.load(Ordering::SeqCst);
    assert!(max <= 4, "{max} requests were in flight at once");
    assert!(
        max >= 2,
        "requests should run in parallel, max in flight was {max}"
    );
}

#[tokio::test]
async fn refusal_is_an_invalid_output_with_usage() {
    let refusal = completion(
        json!({"role": "assistant", "content": null, "refusal": "I can't help with that."}),
        Some(json!({"prompt_tokens": 500, "completion_tokens": 7})),
    );
    let s = standin(vec![Reply(200, vec![], refusal)], Duration::ZERO).await;
    let response = openai_client(&s, 0).enrich(&request()).await.unwrap();
    assert_eq!(response.output.unwrap_err().reason, InvalidReason::Refused);
    assert_eq!(response.usage.output_tokens, 7);
    assert!(response.cost_micros > 0);
}

#[tokio::test]
async fn missing_usage_is_estimated() {
    let body = completion(json!({"role": "assistant", "content": VALID}), None);
    let s = standin(vec![Reply(200, vec![], body)], Duration::ZERO).await;
    let response = openai_client(&s, 0).enrich(&request()).await.unwrap();
    assert!(response.output.is_ok());
    assert!(response.usage.input_tokens > 100, "{:?}", response.usage);
    assert!(response.cost_micros > 0);
}

#[tokio::test]
async fn a_non_llm_body_is_a_protocol_error() {
    let s = standin(
        vec![Reply(
            200,
            vec![],
            "<html><body>Welcome to nginx</body></html>".to_owned(),
        )],
        Duration::ZERO,
    )
    .await;
    let err = openai_client(&s, 3).enrich(&request()).await.unwrap_err();
    assert!(matches!(err, LlmError::Protocol { .. }), "{err:?}");
    assert!(
        err.to_string().contains("check the provider and base URL"),
        "{err}"
    );
    assert_eq!(hits(&s), 1);
}
