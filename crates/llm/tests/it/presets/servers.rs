//! Stand-ins for the preset servers: each serves only its real path, applies the server's auth
//! rule, reads Steward's structured-output request the way that server does, records what it
//! saw, and answers in the server's response shape.
//!
//! What they follow: OpenAI's strict Structured Outputs rules (every property required,
//! `additionalProperties: false`); Anthropic's `x-api-key` + `anthropic-version` headers and
//! forced tool; Ollama's and llama.cpp's reading of `response_format.json_schema.schema` (a
//! schema they cannot find means unconstrained prose); LM Studio's `json_schema`-only response
//! format; llama-server's optional `--api-key`.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use steward_llm::{Preset, TOOL_NAME};

pub(super) const KEY: &str = "sk-preset-test-key";
pub(super) const VALID: &str = r#"{"summary":"Asked for a 40-seat quote and is comparing vendors.","next_best_action":"Send the quote with the SOC 2 report.","next_best_action_confidence":0.8,"intent_signals":["pricing_interest","competitor_evaluation"],"score":82}"#;

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Flavor {
    OpenAi,
    Anthropic,
    Ollama,
    LmStudio,
    LlamaCpp,
}

/// What the model says when the server found a schema (servers without one say prose).
#[derive(Clone, Copy)]
pub(super) enum Content {
    Json,
    /// An old server that ignores `response_format` and wraps JSON in a Markdown fence.
    IgnoresSchemaFenced,
    /// An old server that ignores `response_format`; the model chats.
    IgnoresSchemaProse,
}

pub(super) struct Seen {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
}

struct Stand {
    flavor: Flavor,
    key: Option<&'static str>,
    content: Content,
    seen: Mutex<Vec<Seen>>,
}

pub(super) struct Server {
    pub base: String,
    stand: Arc<Stand>,
}

impl Server {
    pub fn last(&self) -> Seen {
        let mut seen = self.stand.seen.lock().unwrap();
        seen.pop().expect("the server saw no request")
    }

    pub fn hits(&self) -> usize {
        self.stand.seen.lock().unwrap().len()
    }
}

/// Serves `flavor` on 127.0.0.1:0 at the preset's path, and returns the preset's base URL with
/// only the host and port swapped.
pub(super) async fn serve(
    preset: &Preset,
    flavor: Flavor,
    key: Option<&'static str>,
    content: Content,
) -> Server {
    let stand = Arc::new(Stand {
        flavor,
        key,
        content,
        seen: Mutex::new(Vec::new()),
    });
    let mut base = url::Url::parse(preset.base_url).unwrap();
    let endpoint = match flavor {
        Flavor::Anthropic => "messages",
        _ => "chat/completions",
    };
    let path = format!("{}/{endpoint}", base.path().trim_end_matches('/'));
    let app = Router::new()
        .route(&path, post(handle))
        .fallback(|uri: Uri| async move {
            (
                StatusCode::NOT_FOUND,
                format!("no route for {}", uri.path()),
            )
        })
        .with_state(stand.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    base.set_scheme("http").unwrap();
    base.set_host(Some("127.0.0.1")).unwrap();
    base.set_port(Some(addr.port())).unwrap();
    Server {
        base: base.to_string().trim_end_matches('/').to_owned(),
        stand,
    }
}

async fn handle(
    State(stand): State<Arc<Stand>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    stand.seen.lock().unwrap().push(Seen {
        path: uri.path().to_owned(),
        headers: headers.clone(),
        body: body.clone(),
    });
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let bearer_ok = |key: &str| header("authorization") == Some(format!("Bearer {key}"));
    match stand.flavor {
        Flavor::Anthropic => {
            let key_ok = stand
                .key
                .is_some_and(|k| header("x-api-key").as_deref() == Some(k));
            if !key_ok || header("anthropic-version").as_deref() != Some("2023-06-01") {
                return reply(
                    401,
                    json!({"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}),
                );
            }
            if let Err(problem) = anthropic_request_ok(&body) {
                return reply(
                    400,
                    json!({"type": "error", "error": {"type": "invalid_request_error", "message": problem}}),
                );
            }
            let input: Value = serde_json::from_str(VALID).unwrap();
            reply(
                200,
                json!({
                    "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-haiku-4-5-20251001",
                    "content": [{"type": "tool_use", "id": "toolu_01", "name": TOOL_NAME, "input": input}],
                    "stop_reason": "tool_use", "stop_sequence": null,
                    "usage": {"input_tokens": 1200, "output_tokens": 140}
                }),
            )
        }
        Flavor::OpenAi => {
            if !stand.key.is_some_and(bearer_ok) {
                return reply(
                    401,
                    json!({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error", "code": "invalid_api_key"}}),
                );
            }
            if let Err(problem) = openai_strict_ok(&body["response_format"]) {
                return reply(
                    400,
                    json!({"error": {"message": problem, "type": "invalid_request_error"}}),
                );
            }
            reply(
                200,
                completion(&body, "gpt-6-luna", "fp_6f1c", VALID, json!({})),
            )
        }
        Flavor::Ollama | Flavor::LlamaCpp | Flavor::LmStudio => {
            if let Some(key) = stand.key
                && !bearer_ok(key)
            {
                return reply(
                    401,
                    json!({"error": {"code": 401, "message": "Invalid API Key", "type": "authentication_error"}}),
                );
            }
            if stand.flavor == Flavor::LmStudio && body["response_format"]["type"] != "json_schema"
            {
                return reply(
                    400,
                    json!({"error": "'response_format.type' must be 'json_schema'"}),
                );
            }
            // How Ollama (openai.FromChatRequest), llama.cpp (server-common) and LM Studio read
            // the schema: `response_format.json_schema.schema`; anything else finds none.
            let schema = match body["response_format"]["type"].as_str() {
                Some("json_schema") => body["response_format"]["json_schema"]["schema"].clone(),
                _ => Value::Null,
            };
            let constrained = schema
                .get("properties")
                .and_then(Value::as_object)
                .is_some_and(|p| {
                    [
                        "summary",
                        "next_best_action",
                        "next_best_action_confidence",
                        "intent_signals",
                        "score",
                    ]
                    .iter()
                    .all(|f| p.contains_key(*f))
                });
            let text = match (constrained, stand.content) {
                (true, Content::Json) => VALID.to_owned(),
                (_, Content::IgnoresSchemaFenced) => format!("```json\n{VALID}\n```"),
                _ => "Sure! Grace is clearly interested — I'd follow up with pricing soon."
                    .to_owned(),
            };
            let (model, fingerprint, extra) = match stand.flavor {
                Flavor::Ollama => ("llama3.1:8b", "fp_ollama", json!({})),
                Flavor::LmStudio => (
                    "qwen2.5-7b-instruct",
                    "qwen2.5-7b-instruct",
                    json!({"stats": {}}),
                ),
                _ => (
                    "local-model",
                    "b7000-0a1b2c3d",
                    json!({"timings": {"prompt_n": 900, "predicted_n": 95, "prompt_ms": 812.5, "predicted_ms": 2410.0}}),
                ),
            };
            reply(200, completion(&body, model, fingerprint, &text, extra))
        }
    }
}

fn reply(status: u16, body: Value) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// A Chat Completions answer in the common shape, plus server-specific extras.
fn completion(
    request: &Value,
    model: &str,
    fingerprint: &str,
    content: &str,
    extra: Value,
) -> Value {
    assert!(request["model"].is_string(), "the request names a model");
    let mut answer = json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1_790_000_000, "model": model,
        "system_fingerprint": fingerprint,
        "choices": [{"index": 0, "logprobs": null, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": content, "refusal": null}}],
        "usage": {"prompt_tokens": 900, "completion_tokens": 95, "total_tokens": 995}
    });
    if let (Some(target), Some(more)) = (answer.as_object_mut(), extra.as_object()) {
        target.extend(more.clone());
    }
    answer
}

/// OpenAI's strict Structured Outputs rules: a named schema, `strict: true`, and at every
/// object level every property required and `additionalProperties: false`.
fn openai_strict_ok(format: &Value) -> Result<(), String> {
    if format["type"] != "json_schema" || format["json_schema"]["strict"] != true {
        return Err("response_format must be a strict json_schema".into());
    }
    let name = format["json_schema"]["name"].as_str().unwrap_or_default();
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(format!("invalid schema name {name:?}"));
    }
    fn check(schema: &Value) -> Result<(), String> {
        if schema["type"] == "object" {
            let props = schema["properties"]
                .as_object()
                .ok_or("object without properties")?;
            let required: Vec<&str> = schema["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if schema["additionalProperties"] != false
                || props.keys().any(|k| !required.contains(&k.as_str()))
            {
                return Err(
                    "strict mode: every property required and additionalProperties false".into(),
                );
            }
            props.values().try_for_each(check)?;
        }
        if let Some(items) = schema.get("items") {
            check(items)?;
        }
        Ok(())
    }
    check(&format["json_schema"]["schema"])
}

/// Anthropic Messages: `max_tokens`, a system prompt, one user message, and a forced tool that
/// exists and has an object `input_schema`.
fn anthropic_request_ok(body: &Value) -> Result<(), String> {
    if body["max_tokens"].as_u64().unwrap_or(0) == 0 {
        return Err("max_tokens: field required".into());
    }
    if !body["system"].is_string() || body["messages"][0]["role"] != "user" {
        return Err("expected a system prompt and one user message".into());
    }
    let chosen = body["tool_choice"]["name"].as_str().unwrap_or_default();
    let tool = body["tools"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == chosen));
    match (body["tool_choice"]["type"].as_str(), tool) {
        (Some("tool"), Some(tool)) if tool["input_schema"]["type"] == "object" => Ok(()),
        _ => Err("tool_choice must force a defined tool with an object input_schema".into()),
    }
}
