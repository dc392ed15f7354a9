//! OpenAI-compatible chat completions, honouring `response_format: json_schema`,
//! `json_object`, and function tools.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Verdict, conversation_text, default_schema, gate, plain, seed_of, structured, tokens};
use crate::state::Sim;
use crate::util::{now_ms, random_token};

fn error(status: StatusCode, kind: &str, code: Option<&str>, message: &str) -> Response {
    let body =
        json!({ "error": { "message": message, "type": kind, "param": null, "code": code } });
    let mut r = (status, Json(body)).into_response();
    if status == StatusCode::TOO_MANY_REQUESTS {
        r.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    }
    r
}

fn has_key(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .is_some_and(|(s, t)| s.eq_ignore_ascii_case("bearer") && !t.trim().is_empty())
}

/// `GET /llm/v1/models`.
pub(crate) async fn models() -> Json<Value> {
    Json(
        json!({ "object": "list", "data": [{ "id": "sim-model", "object": "model", "created": 0, "owned_by": "hubspot-sim" }] }),
    )
}

/// `POST /llm/v1/chat/completions`.
pub(crate) async fn chat(State(sim): State<Arc<Sim>>, headers: HeaderMap, body: Bytes) -> Response {
    if !has_key(&headers) {
        return error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            Some("invalid_api_key"),
            "You didn't provide an API key. Send it as 'Authorization: Bearer KEY'.",
        );
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            None,
            "The request body is not valid JSON.",
        );
    };
    let Some(messages) = request.get("messages").and_then(Value::as_array) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            None,
            "'messages' is a required property.",
        );
    };
    if request.get("stream").and_then(Value::as_bool) == Some(true) {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            None,
            "hubspot-sim does not stream; set stream to false.",
        );
    }
    let faults = match gate(&sim).await {
        Verdict::Answer(f) => f,
        Verdict::Fail { rate_limited: true } => {
            return error(
                StatusCode::TOO_MANY_REQUESTS,
                "requests",
                Some("rate_limit_exceeded"),
                "Rate limit reached for requests (injected by hubspot-sim). Please try again in 1s.",
            );
        }
        Verdict::Fail {
            rate_limited: false,
        } => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                None,
                "The server had an error while processing your request (injected by hubspot-sim).",
            );
        }
    };
    let (data, all) = conversation_text(messages);
    let seed = seed_of(&request);
    let format = request.get("response_format");
    let format_type = format.and_then(|f| f.get("type")).and_then(Value::as_str);
    let tools = request
        .get("tools")
        .and_then(Value::as_array)
        .filter(|t| !t.is_empty());
    let tool_choice_none = request.get("tool_choice").and_then(Value::as_str) == Some("none");
    let (content, tool_calls, finish) = match (format_type, tools) {
        (Some("json_schema"), _) => {
            let schema = format
                .and_then(|f| f.get("json_schema"))
                .and_then(|s| s.get("schema"))
                .cloned()
                .unwrap_or_else(default_schema);
            let text = match structured(&sim, &faults, &schema, &data, seed) {
                Ok(v) => v.to_string(),
                Err(broken) => broken,
            };
            (Value::String(text), None, "stop")
        }
        (_, Some(tools)) if !tool_choice_none => {
            let wanted = request
                .get("tool_choice")
                .and_then(|c| c.get("function"))
                .and_then(|f| f.get("name"))
                .and_then(Value::as_str);
            let tool = tools
                .iter()
                .find(|t| wanted.is_none_or(|w| t["function"]["name"] == w))
                .unwrap_or(&tools[0]);
            let schema = tool["function"]
                .get("parameters")
                .cloned()
                .unwrap_or_else(default_schema);
            let arguments = match structured(&sim, &faults, &schema, &data, seed) {
                Ok(v) => v.to_string(),
                Err(broken) => broken,
            };
            let call = json!([{
                "id": format!("call_{}", random_token(24)),
                "type": "function",
                "function": { "name": tool["function"]["name"], "arguments": arguments },
            }]);
            (Value::Null, Some(call), "tool_calls")
        }
        (Some("json_object"), _) => {
            let text = match structured(&sim, &faults, &default_schema(), &data, seed) {
                Ok(v) => v.to_string(),
                Err(broken) => broken,
            };
            (Value::String(text), None, "stop")
        }
        _ => (Value::String(plain(&data)), None, "stop"),
    };
    let out_text = content.as_str().map_or_else(
        || {
            tool_calls
                .as_ref()
                .map(Value::to_string)
                .unwrap_or_default()
        },
        str::to_owned,
    );
    let (prompt_tokens, completion_tokens) = (tokens(&all), tokens(&out_text));
    let mut message = json!({ "role": "assistant", "content": content, "refusal": null });
    if let Some(calls) = tool_calls {
        message["tool_calls"] = calls;
    }
    Json(json!({
        "id": format!("chatcmpl-{}", random_token(24)),
        "object": "chat.completion",
        "created": now_ms() / 1000,
        "model": request.get("model").and_then(Value::as_str).unwrap_or("sim-model"),
        "system_fingerprint": "fp_hubspot_sim",
        "choices": [{ "index": 0, "message": message, "logprobs": null, "finish_reason": finish }],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }))
    .into_response()
}
