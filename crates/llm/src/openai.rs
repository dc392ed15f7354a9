//! OpenAI-compatible Chat Completions: `POST {base}/chat/completions` with a strict
//! `json_schema` response format.
//!
//! Deliberately sends no `temperature` or `max_tokens`: reasoning models reject both, and the
//! schema's length limits plus the request timeout already bound the answer.

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::LlmError;
use crate::prompt::RenderedPrompt;
use crate::provider::Answer;
use crate::schema::{SCHEMA_NAME, enrichment_schema};
use crate::usage::Usage;
use crate::validate::{InvalidOutput, InvalidReason, parse_output, truncate_chars};

/// The request body.
pub(crate) fn body(model: &str, prompt: &RenderedPrompt) -> Value {
    json!({
        "model": model,
        "messages": [
            { "role": "system", "content": prompt.system },
            { "role": "user", "content": prompt.user }
        ],
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": SCHEMA_NAME,
                "strict": true,
                "schema": enrichment_schema()
            }
        }
    })
}

/// `Authorization: Bearer KEY`, or Azure's `api-key: KEY` when `azure` is set. No header
/// without a key (Ollama, LM Studio and friends need none).
pub(crate) fn headers(key: Option<&SecretString>, azure: bool) -> Result<HeaderMap, LlmError> {
    let mut headers = HeaderMap::new();
    if let Some(key) = key {
        let (name, value) = if azure {
            (
                HeaderName::from_static("api-key"),
                key.expose_secret().to_owned(),
            )
        } else {
            (AUTHORIZATION, format!("Bearer {}", key.expose_secret()))
        };
        let mut value = HeaderValue::from_str(&value).map_err(|_| {
            LlmError::BadConfig(
                "the API key contains characters that cannot be sent in an HTTP header: paste it again in Settings → LLM"
                    .to_owned(),
            )
        })?;
        value.set_sensitive(true);
        headers.insert(name, value);
    }
    Ok(headers)
}

#[derive(Deserialize)]
struct Completion {
    model: Option<String>,
    choices: Vec<Choice>,
    usage: Option<CompletionUsage>,
}

#[derive(Deserialize)]
struct Choice {
    message: Option<Message>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Message {
    content: Option<Value>,
    refusal: Option<String>,
}

#[derive(Deserialize)]
struct CompletionUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

/// Reads a 2xx body. `Err` only when it is not a Chat Completions response at all.
pub(crate) fn parse(body: &[u8]) -> Result<Answer, LlmError> {
    let completion: Completion =
        serde_json::from_slice(body).map_err(|err| LlmError::Protocol {
            provider: "OpenAI-compatible Chat Completions",
            detail: truncate_chars(&err.to_string(), 200),
        })?;
    let usage = completion.usage.map(|u| Usage {
        input_tokens: u.prompt_tokens,
        output_tokens: u.completion_tokens,
    });
    Ok(Answer {
        output: choice_output(completion.choices.into_iter().next()),
        usage,
        model: completion.model,
    })
}

fn choice_output(choice: Option<Choice>) -> Result<crate::Enrichment, InvalidOutput> {
    let Some(choice) = choice else {
        return Err(InvalidOutput::new(
            InvalidReason::Empty,
            "the response has no choices",
        ));
    };
    let message = choice.message.unwrap_or(Message {
        content: None,
        refusal: None,
    });
    if let Some(refusal) = message.refusal.filter(|r| !r.trim().is_empty()) {
        return Err(InvalidOutput::new(
            InvalidReason::Refused,
            format!("the model refused: {refusal}"),
        ));
    }
    match choice.finish_reason.as_deref() {
        Some("content_filter") => {
            return Err(InvalidOutput::new(
                InvalidReason::Refused,
                "the provider's content filter stopped the answer",
            ));
        }
        Some("length") => {
            return Err(InvalidOutput::new(
                InvalidReason::TooLong,
                "the model stopped at its output-token limit before finishing the JSON",
            ));
        }
        _ => {}
    }
    parse_output(&content_text(message.content))
}

/// The content as text: a string, or the text parts of a content-part array.
fn content_text(content: Option<Value>) -> String {
    match content {
        Some(Value::String(text)) => text,
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|part| part.get("text").and_then(Value::as_str))
            .collect(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn completion(message: Value, finish: &str) -> Vec<u8> {
        json!({
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{ "index": 0, "message": message, "finish_reason": finish }],
            "usage": { "prompt_tokens": 812, "completion_tokens": 95, "total_tokens": 907 }
        })
        .to_string()
        .into_bytes()
    }

    const VALID: &str = r#"{"summary":"S.","next_best_action":"N.","next_best_action_confidence":0.5,"intent_signals":[],"score":10}"#;

    #[test]
    fn valid_answer_with_usage_and_model() {
        let answer = parse(&completion(
            json!({"role": "assistant", "content": VALID, "refusal": null}),
            "stop",
        ))
        .unwrap();
        assert_eq!(answer.output.unwrap().score, 10);
        assert_eq!(
            answer.usage,
            Some(Usage {
                input_tokens: 812,
                output_tokens: 95
            })
        );
        assert_eq!(answer.model.as_deref(), Some("gpt-4o-mini-2024-07-18"));
    }

    #[test]
    fn refusal_and_content_filter_are_refused() {
        let refused = parse(&completion(
            json!({"role": "assistant", "content": null, "refusal": "I can't help with that."}),
            "stop",
        ))
        .unwrap();
        assert_eq!(refused.output.unwrap_err().reason, InvalidReason::Refused);
        let filtered = parse(&completion(
            json!({"role": "assistant", "content": ""}),
            "content_filter",
        ))
        .unwrap();
        assert_eq!(filtered.output.unwrap_err().reason, InvalidReason::Refused);
    }

    #[test]
    fn truncated_by_length_is_too_long() {
        let answer = parse(&completion(
            json!({"content": "{\"summary\":\"aaa"}),
            "length",
        ))
        .unwrap();
        assert_eq!(answer.output.unwrap_err().reason, InvalidReason::TooLong);
    }

    #[test]
    fn empty_content_and_no_choices_are_empty() {
        let answer = parse(&completion(json!({"content": null}), "stop")).unwrap();
        assert_eq!(answer.output.unwrap_err().reason, InvalidReason::Empty);
        let none = parse(br#"{"choices": []}"#).unwrap();
        assert_eq!(none.output.unwrap_err().reason, InvalidReason::Empty);
        assert!(none.usage.is_none());
    }

    #[test]
    fn content_parts_are_joined() {
        let answer = parse(&completion(
            json!({"content": [{"type": "text", "text": VALID}]}),
            "stop",
        ))
        .unwrap();
        assert!(answer.output.is_ok());
    }

    #[test]
    fn non_completion_bodies_are_protocol_errors() {
        for body in [
            &b"<html>hi</html>"[..],
            br#"{"type":"message","content":[]}"#,
        ] {
            assert!(matches!(parse(body), Err(LlmError::Protocol { .. })));
        }
    }

    #[test]
    fn request_uses_strict_json_schema() {
        let prompt = RenderedPrompt {
            system: "sys".to_owned(),
            user: "usr".to_owned(),
        };
        let body = body("gpt-4o-mini", &prompt);
        assert_eq!(body["model"], "gpt-4o-mini");
        assert_eq!(body["messages"][0]["role"], "system");
        assert_eq!(body["messages"][1]["content"], "usr");
        let format = &body["response_format"];
        assert_eq!(format["type"], "json_schema");
        assert_eq!(format["json_schema"]["name"], "steward_enrichment");
        assert_eq!(format["json_schema"]["strict"], true);
        assert_eq!(format["json_schema"]["schema"], enrichment_schema());
    }

    #[test]
    fn auth_headers() {
        let key = SecretString::from("k-123");
        let bearer = headers(Some(&key), false).unwrap();
        assert_eq!(bearer[AUTHORIZATION], "Bearer k-123");
        assert!(bearer[AUTHORIZATION].is_sensitive());
        let azure = headers(Some(&key), true).unwrap();
        assert_eq!(azure["api-key"], "k-123");
        assert!(azure.get(AUTHORIZATION).is_none());
        assert!(headers(None, false).unwrap().is_empty());
        let bad = SecretString::from("bad\nkey");
        assert!(matches!(
            headers(Some(&bad), false),
            Err(LlmError::BadConfig(_))
        ));
    }
}
