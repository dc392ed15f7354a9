//! Strict validation of model output.
//!
//! Model output is untrusted: it is parsed with serde (`deny_unknown_fields`), then checked
//! against the limits in [`crate::schema`]. The result is either a checked [`Enrichment`] or
//! an [`InvalidOutput`] naming the rule that failed; raw text never escapes this module.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::enrichment::{Enrichment, check_text};
use crate::schema::{NEXT_BEST_ACTION_MAX_CHARS, SUMMARY_MAX_CHARS};
use crate::signal::IntentSignal;

/// Longest `InvalidOutput::detail`, in characters: enough to debug, too short to carry a
/// whole answer (which may echo contact data) into logs or the audit table.
pub const DETAIL_MAX_CHARS: usize = 300;

/// Why a model answer was rejected. Stable snake_case names: the audit table stores them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvalidReason {
    /// The answer is not JSON at all (or was cut off mid-document).
    BadJson,
    /// JSON of the wrong shape: a missing or extra field, a wrong type, a fractional score,
    /// or duplicate intent signals.
    SchemaViolation,
    /// A text is longer than its limit, there are too many intent signals, or the model
    /// stopped at its output-token limit.
    TooLong,
    /// An intent signal outside the fixed vocabulary.
    UnknownSignal,
    /// The confidence is outside 0–1 or the score outside 0–100.
    OutOfRange,
    /// The answer, the summary or the next best action is empty.
    Empty,
    /// The provider reported a refusal or a content filter.
    Refused,
}

impl InvalidReason {
    /// The stable snake_case name (as serialised).
    pub const fn as_str(self) -> &'static str {
        match self {
            InvalidReason::BadJson => "bad_json",
            InvalidReason::SchemaViolation => "schema_violation",
            InvalidReason::TooLong => "too_long",
            InvalidReason::UnknownSignal => "unknown_signal",
            InvalidReason::OutOfRange => "out_of_range",
            InvalidReason::Empty => "empty",
            InvalidReason::Refused => "refused",
        }
    }
}

impl fmt::Display for InvalidReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rejected model answer: audited, never written to HubSpot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("the model's answer was rejected ({reason}): {detail}")]
pub struct InvalidOutput {
    /// Which rule failed.
    pub reason: InvalidReason,
    /// What exactly failed, at most [`DETAIL_MAX_CHARS`] characters, never a secret and
    /// never the whole answer.
    pub detail: String,
}

impl InvalidOutput {
    /// Builds an `InvalidOutput`, truncating the detail.
    pub fn new(reason: InvalidReason, detail: impl Into<String>) -> Self {
        InvalidOutput {
            reason,
            detail: truncate_chars(&detail.into(), DETAIL_MAX_CHARS),
        }
    }
}

/// Cuts `text` to at most `max` characters, marking the cut with `…`.
pub(crate) fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some(_) => {
            let kept: String = text.chars().take(max.saturating_sub(1)).collect();
            format!("{kept}…")
        }
    }
}

/// The wire shape, before the vocabulary and range checks.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnrichment {
    summary: String,
    next_best_action: String,
    next_best_action_confidence: f64,
    intent_signals: Vec<String>,
    score: serde_json::Number,
}

/// Parses and validates a model's text answer (the Chat Completions message content).
///
/// Accepts one surrounding Markdown code fence, which local models often add even when
/// asked for bare JSON; everything inside is validated exactly like bare JSON.
pub fn parse_output(text: &str) -> Result<Enrichment, InvalidOutput> {
    let trimmed = strip_code_fence(text.trim());
    if trimmed.is_empty() {
        return Err(InvalidOutput::new(
            InvalidReason::Empty,
            "the model returned no content",
        ));
    }
    let value: Value = serde_json::from_str(trimmed).map_err(|err| {
        InvalidOutput::new(
            InvalidReason::BadJson,
            format!("the answer is not valid JSON: {err}"),
        )
    })?;
    validate_value(value)
}

/// Validates an already-parsed JSON answer (the Anthropic `tool_use` input).
pub fn validate_value(value: Value) -> Result<Enrichment, InvalidOutput> {
    if !value.is_object() {
        return Err(InvalidOutput::new(
            InvalidReason::SchemaViolation,
            format!("expected a JSON object, got {}", json_kind(&value)),
        ));
    }
    let raw: RawEnrichment = serde_json::from_value(value)
        .map_err(|err| InvalidOutput::new(InvalidReason::SchemaViolation, err.to_string()))?;

    // Texts first: an oversized answer is "too long" even if it also mangled the signals.
    check_text("summary", raw.summary.trim(), SUMMARY_MAX_CHARS)?;
    check_text(
        "next_best_action",
        raw.next_best_action.trim(),
        NEXT_BEST_ACTION_MAX_CHARS,
    )?;
    let mut intent_signals = Vec::with_capacity(raw.intent_signals.len());
    for value in &raw.intent_signals {
        match value.parse::<IntentSignal>() {
            Ok(signal) => intent_signals.push(signal),
            Err(_) => {
                return Err(InvalidOutput::new(
                    InvalidReason::UnknownSignal,
                    format!(
                        "intent signal {:?} is not in the vocabulary",
                        truncate_chars(value, 60)
                    ),
                ));
            }
        }
    }
    let score = parse_score(&raw.score)?;
    let enrichment = Enrichment {
        summary: raw.summary.trim().to_owned(),
        next_best_action: raw.next_best_action.trim().to_owned(),
        next_best_action_confidence: raw.next_best_action_confidence,
        intent_signals,
        score,
    };
    enrichment.check()?;
    Ok(enrichment)
}

/// The score must be a JSON integer (an integral float such as `72.0` counts, as in JSON
/// Schema) within 0–100.
fn parse_score(number: &serde_json::Number) -> Result<u8, InvalidOutput> {
    let out_of_range = || {
        InvalidOutput::new(
            InvalidReason::OutOfRange,
            format!("score {number} is outside 0–100"),
        )
    };
    if let Some(value) = number.as_u64() {
        return u8::try_from(value)
            .ok()
            .filter(|v| *v <= crate::schema::SCORE_MAX)
            .ok_or_else(out_of_range);
    }
    if number.as_i64().is_some() {
        return Err(out_of_range());
    }
    let value = number.as_f64().unwrap_or(f64::NAN);
    if value.fract() != 0.0 {
        return Err(InvalidOutput::new(
            InvalidReason::SchemaViolation,
            format!("score {number} is not an integer"),
        ));
    }
    if !(0.0..=f64::from(crate::schema::SCORE_MAX)).contains(&value) {
        return Err(out_of_range());
    }
    // In range and integral: the conversion is exact.
    Ok(value as u8)
}

fn strip_code_fence(text: &str) -> &str {
    let Some(rest) = text.strip_prefix("```") else {
        return text;
    };
    let Some(body) = rest.strip_suffix("```") else {
        return text;
    };
    // Drop an info string such as `json` on the opening line.
    match body.split_once('\n') {
        Some((info, inner)) if !info.contains('{') => inner.trim(),
        _ => body.trim(),
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
