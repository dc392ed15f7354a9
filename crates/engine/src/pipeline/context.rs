//! What a round trip needs to know: clients, store, the admin's choices, and per-item options.

use std::collections::BTreeMap;
use std::sync::Arc;

use hubspot::HubSpotClient;
use steward_llm::{LlmClient, PromptTemplate};

use crate::Store;
use crate::fields::FieldPolicy;
use crate::jobs::Trigger;

/// Whether a round trip may write to HubSpot. An enum, not a bool, so a call site always says
/// which it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DryRun {
    /// Compute everything, write nothing (not to HubSpot, not to the ledger).
    Yes,
    No,
}

/// Per-item options: dry run, and force (ignore the input hash; the guard still applies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    pub dry_run: DryRun,
    pub force: bool,
}

impl Mode {
    pub const LIVE: Mode = Mode {
        dry_run: DryRun::No,
        force: false,
    };
}

/// One contact to process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkItem {
    pub contact_id: u64,
    pub trigger: Trigger,
    pub trigger_ref: Option<String>,
    pub run_id: Option<i64>,
    pub mode: Mode,
}

/// Everything shared by the round trips of one portal.
#[derive(Clone)]
pub struct PipelineContext {
    pub portal_id: u64,
    /// Our HubSpot app id: writes by our integration carry it as `sourceId`.
    pub app_id: u64,
    pub hubspot: HubSpotClient,
    pub llm: Arc<LlmClient>,
    pub store: Store,
    pub input_properties: Vec<String>,
    pub policies: BTreeMap<String, FieldPolicy>,
    pub prompt: PromptTemplate,
    /// The model name (part of the input hash).
    pub model: String,
    pub max_activities: usize,
    /// Monthly LLM budget in micro-dollars.
    pub monthly_budget_micros: Option<u64>,
}

impl PipelineContext {
    pub fn policy(&self, field: &str) -> FieldPolicy {
        self.policies.get(field).copied().unwrap_or_default()
    }

    /// What `ai_model` records: model and prompt version.
    pub fn model_label(&self) -> String {
        format!("{}@prompt-v{}", self.model, self.prompt.version)
    }
}
