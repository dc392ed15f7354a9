//! What the engine hands the LLM layer: one contact's data and the prompt to use.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// One enrichment job's input. Everything in `properties` and `activities` is untrusted
/// (anyone who can email a rep can put text in it), so it only ever reaches the model inside
/// the delimited, JSON-encoded data block built by [`crate::render_prompt`].
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrichmentRequest {
    /// The HubSpot contact id (for tracing and the prompt's data block).
    pub contact_id: u64,
    /// Input properties by internal name (e.g. `jobtitle`, `lifecyclestage`).
    pub properties: BTreeMap<String, String>,
    /// Recent activity, newest first as the engine selected it.
    pub activities: Vec<Activity>,
    /// The instructions and their version (the version is part of the input hash).
    pub prompt: PromptTemplate,
}

// Contact data must not reach logs through `{:?}`: show only the shape.
impl fmt::Debug for EnrichmentRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnrichmentRequest")
            .field("contact_id", &self.contact_id)
            .field("properties", &self.properties.keys().collect::<Vec<_>>())
            .field("activities", &self.activities.len())
            .field("prompt_version", &self.prompt.version)
            .finish()
    }
}

/// The kind of a HubSpot engagement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// A note a rep logged.
    Note,
    /// A logged or tracked email.
    Email,
    /// A logged call.
    Call,
    /// A meeting.
    Meeting,
}

/// One engagement from the contact's recent activity.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    /// Note, email, call or meeting.
    pub kind: ActivityKind,
    /// The HubSpot engagement id.
    pub id: String,
    /// When it happened (ISO 8601, as HubSpot returns `hs_timestamp`).
    pub timestamp: String,
    /// The text (note body, email text, call notes, meeting notes).
    pub body: String,
}

impl fmt::Debug for Activity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Activity")
            .field("kind", &self.kind)
            .field("id", &self.id)
            .field("timestamp", &self.timestamp)
            .field("body_chars", &self.body.chars().count())
            .finish()
    }
}

/// The instruction text given to the model, versioned: changing the text must change the
/// version so the input hash changes and contacts are re-enriched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptTemplate {
    /// Bumped whenever `instructions` change.
    pub version: u32,
    /// What to produce and how. The safety rules about the data block and the output
    /// limits are always appended by Steward and cannot be removed by editing this text.
    pub instructions: String,
}

/// Steward's built-in instructions, version 1.
pub const DEFAULT_INSTRUCTIONS: &str = "\
You are a revenue-operations assistant. You read one CRM contact's properties and recent \
activity (notes, emails, calls, meetings) and record an enrichment for the sales team.

- summary: two or three plain sentences on what happened recently and where the \
relationship stands. No greetings, no bullet points, no speculation beyond the data.
- next_best_action: one concrete next step for the rep (who to contact, about what, how).
- next_best_action_confidence: how well the data supports that step, from 0 (a guess) to \
1 (clearly asked for by the contact).
- intent_signals: only signals the data clearly supports; an empty list when there are none.
- score: likelihood that this contact buys or expands in the next 90 days, 0 to 100.

When there is little or no activity, say so in the summary, suggest a discovery step, and \
keep the confidence and the score low.";

impl PromptTemplate {
    /// The built-in prompt's version.
    pub const DEFAULT_VERSION: u32 = 1;
}

impl Default for PromptTemplate {
    fn default() -> Self {
        PromptTemplate {
            version: Self::DEFAULT_VERSION,
            instructions: DEFAULT_INSTRUCTIONS.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_contact_data() {
        let request = EnrichmentRequest {
            contact_id: 7,
            properties: BTreeMap::from([("email".to_owned(), "secret@example.com".to_owned())]),
            activities: vec![Activity {
                kind: ActivityKind::Note,
                id: "1".to_owned(),
                timestamp: "2025-01-01T00:00:00Z".to_owned(),
                body: "private note body".to_owned(),
            }],
            prompt: PromptTemplate::default(),
        };
        let debug = format!("{request:?} {:?}", request.activities[0]);
        assert!(!debug.contains("secret@example.com"), "{debug}");
        assert!(!debug.contains("private note body"), "{debug}");
        assert!(debug.contains("email") && debug.contains("contact_id: 7"));
    }

    #[test]
    fn default_prompt_is_version_one() {
        let p = PromptTemplate::default();
        assert_eq!(p.version, 1);
        assert!(p.instructions.contains("intent_signals"));
    }
}
