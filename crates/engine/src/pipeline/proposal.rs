//! What the AI proposes for one contact, reduced to the write allowlist: whatever the model
//! says, only `ai_*` content fields can come out of here.

use std::collections::BTreeMap;

use steward_llm::Enrichment;

use crate::fields::{self, FieldRole};

/// Proposed values of the AI content fields, by property name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Proposal {
    pub values: BTreeMap<String, String>,
}

impl Proposal {
    pub fn from_enrichment(enrichment: &Enrichment) -> Self {
        let values = enrichment
            .to_properties()
            .into_iter()
            .filter(|(name, _)| {
                fields::ai_field(name).is_some_and(|f| f.role == FieldRole::Content)
            })
            .map(|(name, value)| (name.to_owned(), value))
            .collect();
        Self { values }
    }

    /// The proposal as JSON for the audit row.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.values).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use steward_llm::IntentSignal;

    #[test]
    fn only_ai_content_fields_come_out() {
        let e = Enrichment {
            summary: "Asked for pricing.".into(),
            next_best_action: "Send the pricing sheet.".into(),
            next_best_action_confidence: 0.8,
            intent_signals: vec![IntentSignal::PricingInterest],
            score: 70,
        };
        let p = Proposal::from_enrichment(&e);
        assert_eq!(p.values.len(), 5);
        assert!(p.values.keys().all(|k| fields::is_ai_field(k)));
        assert_eq!(p.values["ai_generated_score"], "70");
        assert_eq!(p.values["ai_intent_signals"], "pricing_interest");
    }
}
