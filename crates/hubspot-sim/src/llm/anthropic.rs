//! Anthropic Messages-compatible endpoint: `tools` + `tool_choice` answer a `tool_use`
//! block whose `input` fits the tool's `input_schema`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{
    Verdict, content_text, conversation_text, default_schema, gate, plain, seed_of, structured,
    tokens,
};
use crate::state::Sim;
use crate::util::random_token;

fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    let body = json!({ "type": "error", "error": { "type": kind, "message": message } });
    let mut r = (status, Json(body)).into_response();
    if status == StatusCode::TOO_MANY_REQUESTS {
        r.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    }
    r
}

fn has_key(headers: &HeaderMap) -> bool {
    let api_key = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|k| !k.trim().is_empty());
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .is_some_and(|(s, t)| s.eq_ignore_ascii_case("bearer") && !t.trim().is_empty());
    api_key || bearer
}

/// `POST /llm/v1/messages`.
pub(crate) async fn messages(
    State(sim): State<Arc<Sim>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !has_key(&headers) {
        return error(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "x-api-key header is required",
        );
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "The request body is not valid JSON.",
        );
    };
    let Some(messages) = request.get("messages").and_then(Value::as_array) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "messages: Field required",
        );
    };
    if request.get("max_tokens").and_then(Value::as_u64).is_none() {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "max_tokens: Field required",
        );
    }
    let faults = match gate(&sim).await {
        Verdict::Answer(f) => f,
        Verdict::Fail { rate_limited: true } => {
            return error(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limit_error",
                "Number of requests has exceeded your rate limit (injected by hubspot-sim).",
            );
        }
        Verdict::Fail {
            rate_limited: false,
        } => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "api_error",
                "Internal server error (injected by hubspot-sim).",
            );
        }
    };
    let (data, mut all) = conversation_text(messages);
    if let Some(system) = request.get("system") {
        all.push('\n');
        all.push_str(&content_text(system));
    }
    let seed = seed_of(&request);
    let tools = request
        .get("tools")
        .and_then(Value::as_array)
        .filter(|t| !t.is_empty());
    let choice = request.get("tool_choice");
    let choice_type = choice.and_then(|c| c.get("type")).and_then(Value::as_str);
    let (content, stop) = match tools {
        Some(tools) if choice_type != Some("none") => {
            let wanted = choice.and_then(|c| c.get("name")).and_then(Value::as_str);
            let tool = tools
                .iter()
                .find(|t| wanted.is_none_or(|w| t["name"] == w))
                .unwrap_or(&tools[0]);
            let schema = tool
                .get("input_schema")
                .cloned()
                .unwrap_or_else(default_schema);
            match structured(&sim, &faults, &schema, &data, seed) {
                Ok(input) => (
                    json!([{ "type": "tool_use", "id": format!("toolu_{}", random_token(24)), "name": tool["name"], "input": input }]),
                    "tool_use",
                ),
                // A model that "forgets" the tool and writes broken JSON as text.
                Err(broken) => (json!([{ "type": "text", "text": broken }]), "end_turn"),
            }
        }
        _ => (
            json!([{ "type": "text", "text": plain(&data) }]),
            "end_turn",
        ),
    };
    let (input_tokens, output_tokens) = (tokens(&all), tokens(&content.to_string()));
    Json(json!({
        "id": format!("msg_{}", random_token(24)),
        "type": "message",
        "role": "assistant",
        "model": request.get("model").and_then(Value::as_str).unwrap_or("sim-model"),
        "content": content,
        "stop_reason": stop,
        "stop_sequence": null,
        "usage": { "input_tokens": input_tokens, "output_tokens": output_tokens },
    }))
    .into_response()
}
