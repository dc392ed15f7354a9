//! The validated result of one enrichment and its mapping onto HubSpot properties.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::schema::{MAX_INTENT_SIGNALS, NEXT_BEST_ACTION_MAX_CHARS, SCORE_MAX, SUMMARY_MAX_CHARS};
use crate::signal::IntentSignal;
use crate::validate::{InvalidOutput, InvalidReason};

/// HubSpot property for [`Enrichment::summary`].
pub const PROP_SUMMARY: &str = "ai_summary";
/// HubSpot property for [`Enrichment::next_best_action`].
pub const PROP_NEXT_BEST_ACTION: &str = "ai_next_best_action";
/// HubSpot property for [`Enrichment::next_best_action_confidence`].
pub const PROP_NEXT_BEST_ACTION_CONFIDENCE: &str = "ai_next_best_action_confidence";
/// HubSpot property for [`Enrichment::intent_signals`] (a multi-checkbox).
pub const PROP_INTENT_SIGNALS: &str = "ai_intent_signals";
/// HubSpot property for [`Enrichment::score`].
pub const PROP_GENERATED_SCORE: &str = "ai_generated_score";

/// What the model concluded about a contact, after validation.
///
/// Values of this type that came out of [`crate::LlmClient::enrich`] have passed
/// [`Enrichment::check`]; one built by hand (a reviewer's edit) should be checked too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enrichment {
    /// 2–3 sentence rolling summary of recent activity (1–600 characters).
    pub summary: String,
    /// Recommended outreach (1–280 characters).
    pub next_best_action: String,
    /// Confidence in the next best action, 0.0–1.0.
    pub next_best_action_confidence: f64,
    /// Distinct buying signals, at most six.
    pub intent_signals: Vec<IntentSignal>,
    /// Likelihood to buy or expand soon, 0–100.
    pub score: u8,
}

impl Enrichment {
    /// Checks the lengths, ranges and signal rules (the type already guarantees the
    /// vocabulary). Lengths count characters, not bytes, as HubSpot does.
    pub fn check(&self) -> Result<(), InvalidOutput> {
        check_text("summary", &self.summary, SUMMARY_MAX_CHARS)?;
        check_text(
            "next_best_action",
            &self.next_best_action,
            NEXT_BEST_ACTION_MAX_CHARS,
        )?;
        let confidence = self.next_best_action_confidence;
        if !(0.0..=1.0).contains(&confidence) {
            return Err(InvalidOutput::new(
                InvalidReason::OutOfRange,
                format!("next_best_action_confidence {confidence} is outside 0–1"),
            ));
        }
        if self.score > SCORE_MAX {
            return Err(InvalidOutput::new(
                InvalidReason::OutOfRange,
                format!("score {} is outside 0–100", self.score),
            ));
        }
        if self.intent_signals.len() > MAX_INTENT_SIGNALS {
            return Err(InvalidOutput::new(
                InvalidReason::TooLong,
                format!(
                    "{} intent signals (at most {MAX_INTENT_SIGNALS})",
                    self.intent_signals.len()
                ),
            ));
        }
        let mut seen = BTreeSet::new();
        for signal in &self.intent_signals {
            if !seen.insert(*signal) {
                return Err(InvalidOutput::new(
                    InvalidReason::SchemaViolation,
                    format!("intent signal {signal} appears more than once"),
                ));
            }
        }
        Ok(())
    }

    /// The HubSpot property values this enrichment writes (the engine adds the bookkeeping
    /// fields). Signals use HubSpot's `;`-separated multi-checkbox format, in vocabulary
    /// order so equal sets always give equal strings.
    pub fn to_properties(&self) -> BTreeMap<&'static str, String> {
        let mut signals = self.intent_signals.clone();
        signals.sort_unstable();
        signals.dedup();
        let signals: Vec<&str> = signals.iter().map(|s| s.as_str()).collect();
        BTreeMap::from([
            (PROP_SUMMARY, self.summary.clone()),
            (PROP_NEXT_BEST_ACTION, self.next_best_action.clone()),
            (
                PROP_NEXT_BEST_ACTION_CONFIDENCE,
                self.next_best_action_confidence.to_string(),
            ),
            (PROP_INTENT_SIGNALS, signals.join(";")),
            (PROP_GENERATED_SCORE, self.score.to_string()),
        ])
    }
}

pub(crate) fn check_text(field: &str, value: &str, max: usize) -> Result<(), InvalidOutput> {
    if value.trim().is_empty() {
        return Err(InvalidOutput::new(
            InvalidReason::Empty,
            format!("{field} is empty"),
        ));
    }
    let chars = value.chars().count();
    if chars > max {
        return Err(InvalidOutput::new(
            InvalidReason::TooLong,
            format!("{field} is {chars} characters (at most {max})"),
        ));
    }
    Ok(())
}
