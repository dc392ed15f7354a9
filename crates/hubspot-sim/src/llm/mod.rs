//! The LLM simulator: OpenAI-compatible `POST /llm/v1/chat/completions` and
//! Anthropic-compatible `POST /llm/v1/messages`. Answers are deterministic for a given
//! request, fit the requested JSON schema (or tool input schema), and draw their content
//! from the prompt. Latency is slept asynchronously, so thousands of calls can wait at once.

mod anthropic;
mod facts;
mod modes;
mod openai;
mod schema;
mod text;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::config::{LlmFaults, LlmMode};
use crate::state::Sim;
use facts::Facts;
use schema::Generator;

/// LLM routes.
pub(crate) fn routes() -> Router<Arc<Sim>> {
    Router::new()
        .route("/llm/v1/chat/completions", post(openai::chat))
        .route("/llm/v1/messages", post(anthropic::messages))
        .route("/llm/v1/models", get(openai::models))
}

/// What the fault settings decided for one call.
pub(crate) enum Verdict {
    /// Answer, with these faults.
    Answer(LlmFaults),
    /// Fail with 429 (`true`) or 500 (`false`).
    Fail { rate_limited: bool },
}

/// Sleeps the configured latency, then decides whether this call fails.
pub(crate) async fn gate(sim: &Sim) -> Verdict {
    let faults = sim.faults();
    if !faults.llm_latency.is_zero() {
        tokio::time::sleep(faults.llm_latency).await;
    }
    if sim.chance(faults.llm.error_rate) {
        sim.stats.llm_call(true);
        return Verdict::Fail {
            rate_limited: sim.pick(2) == 0,
        };
    }
    sim.stats.llm_call(false);
    Verdict::Answer(faults.llm)
}

/// Text of a message `content`: a string, or the `text` of its text blocks.
pub(crate) fn content_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .filter_map(|b| b.get("text").and_then(Value::as_str).or_else(|| b.as_str()))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The user turns of a conversation (the data), and everything (for token counts).
pub(crate) fn conversation_text(messages: &[Value]) -> (String, String) {
    let mut user = Vec::new();
    let mut all = Vec::new();
    for m in messages {
        let text = content_text(m.get("content").unwrap_or(&Value::Null));
        if m.get("role").and_then(Value::as_str) == Some("user") {
            user.push(text.clone());
        }
        all.push(text);
    }
    (user.join("\n"), all.join("\n"))
}

/// A seed from the whole request, so the same request always gets the same answer.
pub(crate) fn seed_of(request: &Value) -> u64 {
    let digest = Sha256::digest(request.to_string().as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(bytes)
}

/// A rough token count (~4 characters per token), as usage reporting needs.
pub(crate) fn tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4).max(1)
}

/// A structured answer for `schema`: `Ok(object)`, or `Err(text)` when the faults ask for
/// output that is not JSON at all.
pub(crate) fn structured(
    sim: &Sim,
    faults: &LlmFaults,
    schema: &Value,
    data: &str,
    seed: u64,
) -> Result<Value, String> {
    let facts = Facts::read(data);
    let valid = Generator::new(schema, &facts, seed).generate();
    if faults.mode == LlmMode::BadJson || sim.chance(faults.malformed_rate) {
        return Err(modes::break_json(&valid.to_string()));
    }
    Ok(modes::corrupt(faults.mode, valid, schema))
}

/// A plain-text answer (no schema asked for): the activity summary.
pub(crate) fn plain(data: &str) -> String {
    Facts::read(data).summary()
}

/// The schema used for `response_format: {type: json_object}` without a schema.
pub(crate) fn default_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "summary": { "type": "string", "maxLength": 600 },
            "next_best_action": { "type": "string", "maxLength": 200 },
            "confidence": { "type": "number", "minimum": 0, "maximum": 1 },
            "score": { "type": "integer", "minimum": 0, "maximum": 100 }
        },
        "required": ["summary", "next_best_action", "confidence", "score"]
    })
}
