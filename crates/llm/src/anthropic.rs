//! Anthropic Messages: `POST {base}/messages` with one forced tool, `record_enrichment`,
//! whose `input_schema` is the enrichment schema; the enrichment is the `tool_use` input.

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::LlmError;
use crate::prompt::RenderedPrompt;
use crate::provider::Answer;
use crate::schema::{TOOL_NAME, enrichment_schema};
use crate::usage::Usage;
use crate::validate::{InvalidOutput, InvalidReason, parse_output, truncate_chars, validate_value};

/// The API version header value Steward is written against.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";
/// Output cap: a full enrichment is ~300 tokens, so this only stops a runaway answer.
pub const MAX_TOKENS: u32 = 1_024;

/// The request body.
pub(crate) fn body(model: &str, prompt: &RenderedPrompt) -> Value {
    json!({
        "model": model,
        "max_tokens": MAX_TOKENS,
        "system": prompt.system,
        "messages": [{ "role": "user", "content": prompt.user }],
        "tools": [{
            "name": TOOL_NAME,
            "description": "Record the enrichment of the contact. Call this exactly once.",
            "input_schema": enrichment_schema()
        }],
        "tool_choice": { "type": "tool", "name": TOOL_NAME }
    })
}

/// `x-api-key` and `anthropic-version`.
pub(crate) fn headers(key: Option<&SecretString>) -> Result<HeaderMap, LlmError> {
    let key = key.ok_or_else(|| {
        LlmError::BadConfig("Anthropic needs an API key: set it in Settings → LLM".to_owned())
    })?;
    let mut value = HeaderValue::from_str(key.expose_secret()).map_err(|_| {
        LlmError::BadConfig(
            "the API key contains characters that cannot be sent in an HTTP header: paste it again in Settings → LLM"
                .to_owned(),
        )
    })?;
    value.set_sensitive(true);
    let mut headers = HeaderMap::new();
    headers.insert(HeaderName::from_static("x-api-key"), value);
    headers.insert(
        HeaderName::from_static("anthropic-version"),
        HeaderValue::from_static(ANTHROPIC_VERSION),
    );
    Ok(headers)
}

#[derive(Deserialize)]
struct MessageResponse {
    model: Option<String>,
    content: Vec<Value>,
    stop_reason: Option<String>,
    usage: Option<MessageUsage>,
}

#[derive(Deserialize)]
struct MessageUsage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
}

/// Reads a 2xx body. `Err` only when it is not a Messages response at all.
pub(crate) fn parse(body: &[u8]) -> Result<Answer, LlmError> {
    let message: MessageResponse =
        serde_json::from_slice(body).map_err(|err| LlmError::Protocol {
            provider: "Anthropic Messages",
            detail: truncate_chars(&err.to_string(), 200),
        })?;
    let usage = message.usage.map(|u| Usage {
        input_tokens: u.input_tokens,
        output_tokens: u.output_tokens,
    });
    Ok(Answer {
        output: output(message.content, message.stop_reason.as_deref()),
        usage,
        model: message.model,
    })
}

fn output(
    content: Vec<Value>,
    stop_reason: Option<&str>,
) -> Result<crate::Enrichment, InvalidOutput> {
    match stop_reason {
        Some("refusal") => {
            return Err(InvalidOutput::new(
                InvalidReason::Refused,
                "the model refused to answer",
            ));
        }
        Some("max_tokens") => {
            return Err(InvalidOutput::new(
                InvalidReason::TooLong,
                "the model stopped at its output-token limit before finishing the tool call",
            ));
        }
        _ => {}
    }
    let is_tool_use = |block: &Value| block.get("type").and_then(Value::as_str) == Some("tool_use");
    let named = |block: &Value| block.get("name").and_then(Value::as_str) == Some(TOOL_NAME);
    let tool_use = content
        .iter()
        .find(|b| is_tool_use(b) && named(b))
        .or_else(|| content.iter().find(|b| is_tool_use(b)));
    if let Some(block) = tool_use {
        return match block.get("input") {
            Some(input) => validate_value(input.clone()),
            None => Err(InvalidOutput::new(
                InvalidReason::SchemaViolation,
                "the tool_use block has no input",
            )),
        };
    }
    // The model ignored the forced tool and wrote text. Validate the text exactly as a
    // Chat Completions answer: JSON that passes every rule is as good as a tool call.
    let text: String = content
        .iter()
        .filter(|block| block.get("type").and_then(Value::as_str) == Some("text"))
        .filter_map(|block| block.get("text").and_then(Value::as_str))
        .collect();
    if text.trim().is_empty() {
        return Err(InvalidOutput::new(
            InvalidReason::Empty,
            "the response has no content",
        ));
    }
    parse_output(&text).map_err(|invalid| {
        InvalidOutput::new(
            invalid.reason,
            format!(
                "answered in text instead of calling {TOOL_NAME}: {}",
                invalid.detail
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(content: Value, stop: &str) -> Vec<u8> {
        json!({
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5",
            "content": content,
            "stop_reason": stop,
            "usage": { "input_tokens": 1200, "output_tokens": 140 }
        })
        .to_string()
        .into_bytes()
    }

    fn valid_input() -> Value {
        json!({
            "summary": "Evaluating us against a competitor.",
            "next_best_action": "Send the comparison sheet.",
            "next_best_action_confidence": 0.7,
            "intent_signals": ["competitor_evaluation"],
            "score": 55
        })
    }

    #[test]
    fn tool_use_input_is_the_enrichment() {
        let body = message(
            json!([{"type": "tool_use", "id": "toolu_1", "name": TOOL_NAME, "input": valid_input()}]),
            "tool_use",
        );
        let answer = parse(&body).unwrap();
        assert_eq!(answer.output.unwrap().score, 55);
        assert_eq!(
            answer.usage,
            Some(Usage {
                input_tokens: 1200,
                output_tokens: 140
            })
        );
        assert_eq!(answer.model.as_deref(), Some("claude-sonnet-4-5"));
    }

    #[test]
    fn invalid_tool_input_is_validated() {
        let mut input = valid_input();
        input["intent_signals"] = json!(["mind_reading"]);
        let body = message(
            json!([{"type": "tool_use", "id": "t", "name": TOOL_NAME, "input": input}]),
            "tool_use",
        );
        assert_eq!(
            parse(&body).unwrap().output.unwrap_err().reason,
            InvalidReason::UnknownSignal
        );
    }

    #[test]
    fn text_instead_of_tool_refusal_truncation_and_empty() {
        let text = message(
            json!([{"type": "text", "text": "Sure! Here it is: {\"summ"}]),
            "end_turn",
        );
        let invalid = parse(&text).unwrap().output.unwrap_err();
        assert_eq!(invalid.reason, InvalidReason::BadJson);
        assert!(
            invalid.detail.contains("instead of calling"),
            "{}",
            invalid.detail
        );
        // Valid JSON written as text still passes the same validation.
        let json_text = message(
            json!([{"type": "text", "text": valid_input().to_string()}]),
            "end_turn",
        );
        assert_eq!(parse(&json_text).unwrap().output.unwrap().score, 55);
        let refusal = message(json!([]), "refusal");
        assert_eq!(
            parse(&refusal).unwrap().output.unwrap_err().reason,
            InvalidReason::Refused
        );
        let cut = message(
            json!([{"type": "tool_use", "name": TOOL_NAME, "input": {}}]),
            "max_tokens",
        );
        assert_eq!(
            parse(&cut).unwrap().output.unwrap_err().reason,
            InvalidReason::TooLong
        );
        let empty = message(json!([]), "end_turn");
        assert_eq!(
            parse(&empty).unwrap().output.unwrap_err().reason,
            InvalidReason::Empty
        );
    }

    #[test]
    fn non_messages_bodies_are_protocol_errors() {
        assert!(matches!(
            parse(b"{\"choices\": []}"),
            Err(LlmError::Protocol { .. })
        ));
        assert!(matches!(parse(b"nope"), Err(LlmError::Protocol { .. })));
    }

    #[test]
    fn request_forces_the_tool() {
        let prompt = RenderedPrompt {
            system: "sys".to_owned(),
            user: "usr".to_owned(),
        };
        let body = body("claude-x", &prompt);
        assert_eq!(body["system"], "sys");
        assert_eq!(body["messages"][0]["role"], "user");
        assert_eq!(body["messages"][0]["content"], "usr");
        assert_eq!(body["max_tokens"], MAX_TOKENS);
        assert_eq!(body["tools"][0]["name"], TOOL_NAME);
        assert_eq!(body["tools"][0]["input_schema"], enrichment_schema());
        assert_eq!(
            body["tool_choice"],
            json!({"type": "tool", "name": TOOL_NAME})
        );
    }

    #[test]
    fn headers_need_a_key() {
        assert!(matches!(headers(None), Err(LlmError::BadConfig(_))));
        let key = SecretString::from("sk-ant-1");
        let h = headers(Some(&key)).unwrap();
        assert_eq!(h["x-api-key"], "sk-ant-1");
        assert!(h["x-api-key"].is_sensitive());
        assert_eq!(h["anthropic-version"], "2023-06-01");
    }
}
