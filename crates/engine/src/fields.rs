//! The AI fields Steward owns in HubSpot (DESIGN §4). One catalog feeds provisioning, the
//! write allowlist, the guard's policies and the UI, so they cannot disagree.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The HubSpot property group every AI field lives in.
pub const GROUP_NAME: &str = "ai_enrichment";
pub const GROUP_LABEL: &str = "AI enrichment (Steward)";

/// How a field is stored in HubSpot (`type` / `fieldType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FieldKind {
    Textarea,
    Text,
    Number,
    Checkbox,
    Datetime,
}

impl FieldKind {
    /// HubSpot's `(type, fieldType)` pair.
    pub fn hubspot_types(self) -> (&'static str, &'static str) {
        match self {
            Self::Textarea => ("string", "textarea"),
            Self::Text => ("string", "text"),
            Self::Number => ("number", "number"),
            Self::Checkbox => ("enumeration", "checkbox"),
            Self::Datetime => ("datetime", "date"),
        }
    }
}

/// Whether the LLM produces the value (guarded, reviewable) or Steward writes it as bookkeeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FieldRole {
    Content,
    Bookkeeping,
}

/// Per-field write policy, chosen by the admin in Settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FieldPolicy {
    /// Write unless a value not written by Steward is newer than Steward's last write; such a
    /// value blocks the write and becomes a review item. The default for every `ai_*` field.
    #[default]
    AiOwned,
    /// Write only while the field is empty (or still holds Steward's own value); a value someone
    /// else wrote is kept quietly, without a review.
    FillEmpty,
    /// Never write this field.
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AiField {
    pub name: &'static str,
    pub label: &'static str,
    pub description: &'static str,
    pub kind: FieldKind,
    pub role: FieldRole,
}

const fn field(
    name: &'static str,
    label: &'static str,
    description: &'static str,
    kind: FieldKind,
    role: FieldRole,
) -> AiField {
    AiField {
        name,
        label,
        description,
        kind,
        role,
    }
}

pub const AI_SUMMARY: &str = "ai_summary";
pub const AI_NEXT_BEST_ACTION: &str = "ai_next_best_action";
pub const AI_NEXT_BEST_ACTION_CONFIDENCE: &str = "ai_next_best_action_confidence";
pub const AI_INTENT_SIGNALS: &str = "ai_intent_signals";
pub const AI_GENERATED_SCORE: &str = "ai_generated_score";
pub const AI_LAST_RUN_AT: &str = "ai_last_run_at";
pub const AI_LAST_UPDATED_AT: &str = "ai_last_updated_at";
pub const AI_INPUT_HASH: &str = "ai_input_hash";
pub const AI_CORRELATION_ID: &str = "ai_correlation_id";
pub const AI_MODEL: &str = "ai_model";

use FieldKind::*;
use FieldRole::*;

/// Every property Steward may ever write. Nothing outside this list is ever sent to HubSpot.
pub const AI_FIELDS: [AiField; 10] = [
    field(
        AI_SUMMARY,
        "AI summary",
        "2–3 sentence rolling summary of recent activity, written by Steward.",
        Textarea,
        Content,
    ),
    field(
        AI_NEXT_BEST_ACTION,
        "AI next best action",
        "Recommended outreach, written by Steward.",
        Text,
        Content,
    ),
    field(
        AI_NEXT_BEST_ACTION_CONFIDENCE,
        "AI next best action confidence",
        "Confidence in the next best action, 0–1.",
        Number,
        Content,
    ),
    field(
        AI_INTENT_SIGNALS,
        "AI intent signals",
        "Buying signals detected by Steward, from a fixed vocabulary.",
        Checkbox,
        Content,
    ),
    field(
        AI_GENERATED_SCORE,
        "AI score",
        "Steward's 0–100 score.",
        Number,
        Content,
    ),
    field(
        AI_LAST_RUN_AT,
        "AI last run at",
        "Last time Steward evaluated this contact.",
        Datetime,
        Bookkeeping,
    ),
    field(
        AI_LAST_UPDATED_AT,
        "AI last updated at",
        "Last time an AI value actually changed.",
        Datetime,
        Bookkeeping,
    ),
    field(
        AI_INPUT_HASH,
        "AI input hash",
        "Hash of the inputs of Steward's last write; unchanged inputs skip the LLM.",
        Text,
        Bookkeeping,
    ),
    field(
        AI_CORRELATION_ID,
        "AI correlation ID",
        "Correlation ID of Steward's last write; find it in Steward's Activity.",
        Text,
        Bookkeeping,
    ),
    field(
        AI_MODEL,
        "AI model",
        "Model and prompt version of Steward's last write.",
        Text,
        Bookkeeping,
    ),
];

/// The field named `name`, if Steward owns it.
pub fn ai_field(name: &str) -> Option<&'static AiField> {
    AI_FIELDS.iter().find(|f| f.name == name)
}

/// Whether Steward may write `name` at all (the write allowlist).
pub fn is_ai_field(name: &str) -> bool {
    ai_field(name).is_some()
}

/// The fields the LLM fills, in a stable order.
pub fn content_fields() -> impl Iterator<Item = &'static AiField> {
    AI_FIELDS.iter().filter(|f| f.role == Content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_prefixed_and_unique() {
        let mut names: Vec<_> = AI_FIELDS.iter().map(|f| f.name).collect();
        assert!(names.iter().all(|n| n.starts_with("ai_")));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), AI_FIELDS.len());
    }

    #[test]
    fn the_allowlist_refuses_anything_else() {
        assert!(is_ai_field("ai_summary"));
        assert!(!is_ai_field("email"));
        assert!(!is_ai_field("ai_summary "));
        assert!(!is_ai_field("AI_SUMMARY"));
        assert_eq!(content_fields().count(), 5);
    }
}
