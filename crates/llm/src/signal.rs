//! The fixed intent-signal vocabulary.
//!
//! Provisioning creates exactly these values as the options of the HubSpot checkbox property
//! `ai_intent_signals`, so the model may only pick from this list: a value outside it could
//! not be written (HubSpot rejects unknown checkbox options) and would mean the model is
//! inventing categories.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A buying signal the model detected in a contact's recent activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntentSignal {
    /// The contact asked about prices, plans or quotes.
    PricingInterest,
    /// The contact asked for a demo.
    DemoRequest,
    /// The contact started or asked for a trial.
    TrialSignup,
    /// The contact is comparing us with a competitor.
    CompetitorEvaluation,
    /// Budget for the purchase is confirmed.
    BudgetConfirmed,
    /// The contact needs a solution soon.
    TimelineUrgent,
    /// Someone who can sign is involved.
    DecisionMakerEngaged,
    /// An existing customer wants more (seats, products).
    ExpansionInterest,
    /// The renewal is being discussed.
    RenewalDiscussion,
    /// Signs that the customer may leave.
    ChurnRisk,
    /// Security reviews, integration or API questions.
    TechnicalEvaluation,
    /// Purchasing, legal or vendor onboarding has started.
    ProcurementStarted,
}

impl IntentSignal {
    /// Every signal, in the order provisioning creates the checkbox options.
    pub const ALL: &'static [IntentSignal] = &[
        IntentSignal::PricingInterest,
        IntentSignal::DemoRequest,
        IntentSignal::TrialSignup,
        IntentSignal::CompetitorEvaluation,
        IntentSignal::BudgetConfirmed,
        IntentSignal::TimelineUrgent,
        IntentSignal::DecisionMakerEngaged,
        IntentSignal::ExpansionInterest,
        IntentSignal::RenewalDiscussion,
        IntentSignal::ChurnRisk,
        IntentSignal::TechnicalEvaluation,
        IntentSignal::ProcurementStarted,
    ];

    /// The wire value: the JSON string in model output and the HubSpot option value.
    pub const fn as_str(self) -> &'static str {
        match self {
            IntentSignal::PricingInterest => "pricing_interest",
            IntentSignal::DemoRequest => "demo_request",
            IntentSignal::TrialSignup => "trial_signup",
            IntentSignal::CompetitorEvaluation => "competitor_evaluation",
            IntentSignal::BudgetConfirmed => "budget_confirmed",
            IntentSignal::TimelineUrgent => "timeline_urgent",
            IntentSignal::DecisionMakerEngaged => "decision_maker_engaged",
            IntentSignal::ExpansionInterest => "expansion_interest",
            IntentSignal::RenewalDiscussion => "renewal_discussion",
            IntentSignal::ChurnRisk => "churn_risk",
            IntentSignal::TechnicalEvaluation => "technical_evaluation",
            IntentSignal::ProcurementStarted => "procurement_started",
        }
    }

    /// A human label for the HubSpot checkbox option ("Pricing interest").
    pub fn label(self) -> String {
        let text = self.as_str().replace('_', " ");
        let mut chars = text.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => String::new(),
        }
    }
}

impl fmt::Display for IntentSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value is not in Steward's intent-signal vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown intent signal {0:?}: allowed values are Steward's fixed vocabulary")]
pub struct UnknownSignal(pub String);

impl FromStr for IntentSignal {
    type Err = UnknownSignal;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IntentSignal::ALL
            .iter()
            .copied()
            .find(|signal| signal.as_str() == s)
            .ok_or_else(|| UnknownSignal(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_value_once_and_round_trips() {
        assert_eq!(IntentSignal::ALL.len(), 12);
        for signal in IntentSignal::ALL {
            let json = serde_json::to_string(signal).unwrap();
            assert_eq!(json, format!("\"{}\"", signal.as_str()));
            let back: IntentSignal = serde_json::from_str(&json).unwrap();
            assert_eq!(back, *signal);
            assert_eq!(signal.as_str().parse::<IntentSignal>().unwrap(), *signal);
        }
        let mut values: Vec<_> = IntentSignal::ALL.iter().map(|s| s.as_str()).collect();
        values.dedup();
        values.sort_unstable();
        values.dedup();
        assert_eq!(values.len(), 12);
    }

    #[test]
    fn vocabulary_is_exactly_the_provisioned_options() {
        let expected = [
            "pricing_interest",
            "demo_request",
            "trial_signup",
            "competitor_evaluation",
            "budget_confirmed",
            "timeline_urgent",
            "decision_maker_engaged",
            "expansion_interest",
            "renewal_discussion",
            "churn_risk",
            "technical_evaluation",
            "procurement_started",
        ];
        let actual: Vec<_> = IntentSignal::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(actual, expected);
    }

    #[test]
    fn unknown_values_are_rejected() {
        assert!("buying_now".parse::<IntentSignal>().is_err());
        assert!("Pricing_Interest".parse::<IntentSignal>().is_err());
        assert!(serde_json::from_str::<IntentSignal>("\"buying_now\"").is_err());
    }

    #[test]
    fn label_is_sentence_case() {
        assert_eq!(IntentSignal::PricingInterest.label(), "Pricing interest");
        assert_eq!(IntentSignal::ChurnRisk.label(), "Churn risk");
    }
}
