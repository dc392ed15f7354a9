//! What a round trip reports back per contact: the audit outcome and, for dry runs and
//! previews, the diff it would write.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::audit::Outcome;

/// One field's current value, the AI's proposal, and what the guard decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FieldChange {
    pub property: String,
    pub current: Option<String>,
    pub proposed: String,
    /// `write`, `unchanged`, `keep`, `never` or `blocked`.
    pub decision: String,
    /// For `blocked`: who wrote the value that wins.
    pub blocked_by: Option<String>,
}

/// The proposed change for one contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ContactDiff {
    #[ts(type = "number")]
    pub contact_id: u64,
    pub correlation_id: String,
    pub fields: Vec<FieldChange>,
}

/// The result of one contact's round trip.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemResult {
    /// Finished (whatever the outcome); the audit row is written.
    Done {
        outcome: Outcome,
        correlation_id: String,
        diff: Option<ContactDiff>,
        cost_micros: u64,
    },
    /// A transient failure (network, 5xx, LLM overload); audited, and the job should be retried.
    Retry { reason: String },
    /// Nothing was attempted for this contact because enrichment must pause (reconnect,
    /// budget, daily limit, LLM key); the job waits, without using up an attempt.
    Deferred { pause: Pause },
}

/// Why enrichment pauses as a whole. Shown in the app until resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Pause {
    /// HubSpot refused our credentials: the admin must reconnect.
    Reconnect { message: String },
    /// The portal's daily HubSpot API limit is used up.
    DailyLimit,
    /// The monthly LLM budget is used up.
    Budget,
    /// The LLM provider refused the key or the settings are wrong.
    LlmConfig { message: String },
}

impl Pause {
    /// What the admin reads in the app and the CLI.
    pub fn message(&self) -> String {
        match self {
            Self::Reconnect { message } => message.clone(),
            Self::DailyLimit => {
                "HubSpot's daily API limit is reached: enrichment resumes tomorrow".into()
            }
            Self::Budget => {
                "the monthly LLM budget is used up: raise it in Settings or wait for next month"
                    .into()
            }
            Self::LlmConfig { message } => message.clone(),
        }
    }
}

impl ItemResult {
    pub fn outcome(&self) -> Option<Outcome> {
        match self {
            Self::Done { outcome, .. } => Some(*outcome),
            Self::Retry { .. } | Self::Deferred { .. } => None,
        }
    }
}
