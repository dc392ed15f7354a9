//! The output contract: limits and the strict JSON Schema sent to the provider.
//!
//! The same constants drive the schema (so a constrained decoder cannot exceed them), the
//! prompt (so the model is told), and the validator (so nothing unchecked is ever written to
//! HubSpot, whatever the provider claims to enforce).

use serde_json::{Value, json};

use crate::signal::IntentSignal;

/// Longest `ai_summary` in characters (Unicode scalar values).
pub const SUMMARY_MAX_CHARS: usize = 600;
/// Longest `ai_next_best_action` in characters.
pub const NEXT_BEST_ACTION_MAX_CHARS: usize = 280;
/// Most intent signals per contact; they must also be distinct.
pub const MAX_INTENT_SIGNALS: usize = 6;
/// Highest `ai_generated_score` (the lowest is 0).
pub const SCORE_MAX: u8 = 100;

/// The name of the structured output: the OpenAI `json_schema.name`.
pub const SCHEMA_NAME: &str = "steward_enrichment";
/// The Anthropic tool the model is forced to call with the enrichment as its input.
pub const TOOL_NAME: &str = "record_enrichment";

/// The strict JSON Schema of an enrichment.
///
/// It fits OpenAI's strict structured-output subset (every property required,
/// `additionalProperties: false`, only `enum`, `minLength`/`maxLength`, `minimum`/`maximum`
/// and `maxItems` as constraints), so the same value serves as the Chat Completions
/// `response_format` schema and the Anthropic tool `input_schema`. Distinct signals are
/// asked for in the description and enforced by the validator (`uniqueItems` is outside
/// the strict subset).
pub fn enrichment_schema() -> Value {
    let signals: Vec<&str> = IntentSignal::ALL.iter().map(|s| s.as_str()).collect();
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": [
            "summary",
            "next_best_action",
            "next_best_action_confidence",
            "intent_signals",
            "score"
        ],
        "properties": {
            "summary": {
                "type": "string",
                "minLength": 1,
                "maxLength": SUMMARY_MAX_CHARS,
                "description": "Two or three sentences summarising the contact's recent activity."
            },
            "next_best_action": {
                "type": "string",
                "minLength": 1,
                "maxLength": NEXT_BEST_ACTION_MAX_CHARS,
                "description": "The single most useful next outreach step for the sales rep."
            },
            "next_best_action_confidence": {
                "type": "number",
                "minimum": 0,
                "maximum": 1,
                "description": "Confidence in the next best action, from 0 to 1."
            },
            "intent_signals": {
                "type": "array",
                "maxItems": MAX_INTENT_SIGNALS,
                "items": { "type": "string", "enum": signals },
                "description": "Distinct buying signals supported by the data; empty when none."
            },
            "score": {
                "type": "integer",
                "minimum": 0,
                "maximum": SCORE_MAX,
                "description": "Likelihood to buy or expand soon, from 0 to 100."
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_strict_mode_compatible() {
        let schema = enrichment_schema();
        assert_eq!(schema["type"], "object");
        assert_eq!(schema["additionalProperties"], false);
        let properties = schema["properties"].as_object().unwrap();
        let required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(required.len(), properties.len());
        for key in properties.keys() {
            assert!(required.contains(&key.as_str()), "{key} must be required");
        }
    }

    #[test]
    fn schema_carries_the_limits_and_vocabulary() {
        let schema = enrichment_schema();
        let p = &schema["properties"];
        assert_eq!(p["summary"]["maxLength"], 600);
        assert_eq!(p["next_best_action"]["maxLength"], 280);
        assert_eq!(p["next_best_action_confidence"]["minimum"], 0);
        assert_eq!(p["next_best_action_confidence"]["maximum"], 1);
        assert_eq!(p["score"]["type"], "integer");
        assert_eq!(p["score"]["maximum"], 100);
        assert_eq!(p["intent_signals"]["maxItems"], 6);
        let allowed = p["intent_signals"]["items"]["enum"].as_array().unwrap();
        assert_eq!(allowed.len(), IntentSignal::ALL.len());
        assert!(allowed.contains(&json!("churn_risk")));
    }
}
