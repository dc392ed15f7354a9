//! The setup steps an admin walks through once (and can redo from Settings): connect →
//! provision → choose the LLM → dry-run one contact. Each step's state is derived from what is
//! really there (the connection, the last provisioning report, the last LLM test made with the
//! current settings, the last dry run), so the wizard never claims a step it cannot show.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::connection::{self, ConnectError, Connection, ConnectionView};
use crate::jobs::Trigger;
use crate::llm_settings::{LlmPresetInfo, LlmSettings};
use crate::llm_setup::{self, KeySource};
use crate::oauth_pending::PendingFlows;
use crate::pipeline::{self, ContactDiff, DryRun, ItemResult, Mode, WorkItem};
use crate::provision::{self, ItemStatus, ProvisionError, ProvisionReport};
use crate::secrets::SecretError;
use crate::settings::{self, Setting, Settings};
use crate::{EngineError, Store, clock};

/// The result of a check (the LLM test), with the settings it was made with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CheckRecord {
    #[ts(type = "number")]
    pub at_ms: i64,
    pub ok: bool,
    pub message: String,
    /// Provider, base URL and model at the time ([`llm_setup::fingerprint`]).
    pub fingerprint: String,
}

/// The last real (not dry-run) provisioning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProvisionRecord {
    #[ts(type = "number")]
    pub at_ms: i64,
    #[ts(type = "number")]
    pub portal_id: u64,
    pub ready: bool,
    pub created: u32,
    pub already_correct: u32,
    pub conflicts: u32,
    pub failed: u32,
}

/// The last dry run of one contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DryRunRecord {
    #[ts(type = "number")]
    pub at_ms: i64,
    #[ts(type = "number")]
    pub portal_id: u64,
    #[ts(type = "number")]
    pub contact_id: u64,
    pub correlation_id: String,
    /// Fields the run would write.
    pub would_write: u32,
    pub fields: u32,
}

/// What the steps remember (no secrets: settings live in SQLite).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnboardingRecord {
    pub provision: Option<ProvisionRecord>,
    pub llm_test: Option<CheckRecord>,
    pub dry_run: Option<DryRunRecord>,
}

/// The `onboarding` setting.
#[derive(Debug, Clone, Copy)]
pub struct OnboardingSetting;
impl Setting for OnboardingSetting {
    const KEY: &'static str = "onboarding";
    type Value = OnboardingRecord;
    fn default_value() -> Self::Value {
        OnboardingRecord::default()
    }
}

/// One step's state in the wizard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum StepState {
    Todo,
    Done,
    /// Done with a problem the admin should look at (missing scope, conflict, failed test).
    Attention,
}

/// Everything the wizard renders.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Onboarding {
    pub connect: StepState,
    pub connection: Option<ConnectionView>,
    /// A Connect was started and its deep link has not arrived yet.
    pub connect_pending: bool,
    /// The relay URL last used (prefills the Connect form).
    pub relay_url: Option<String>,
    pub provision: StepState,
    pub last_provision: Option<ProvisionRecord>,
    pub llm: StepState,
    pub llm_settings: LlmSettings,
    /// What the LLM step offers under "Start from a preset" (the list Settings → LLM shows).
    pub llm_presets: Vec<LlmPresetInfo>,
    pub key_source: KeySource,
    pub last_llm_test: Option<CheckRecord>,
    pub dry_run: StepState,
    pub last_dry_run: Option<DryRunRecord>,
}

#[derive(Debug, thiserror::Error)]
pub enum OnboardingError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Provision(#[from] ProvisionError),
    #[error("the dry run of contact {contact_id} could not finish: {reason}")]
    DryRun { contact_id: u64, reason: String },
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Changes the remembered step results.
pub fn update(
    settings: &Settings,
    change: impl FnOnce(&mut OnboardingRecord),
) -> Result<(), EngineError> {
    let mut record = settings.get::<OnboardingSetting>()?;
    change(&mut record);
    settings.set::<OnboardingSetting>(&record)
}

/// The state of every step.
pub fn read(store: &Store) -> Result<Onboarding, OnboardingError> {
    let settings = Settings::new(store.clone());
    let record = settings.get::<OnboardingSetting>()?;
    let info = settings.get::<Connection>()?;
    let portal = info.as_ref().map(|i| i.portal_id);
    let connection = info.as_ref().map(|i| i.view());
    let connect = match &connection {
        None => StepState::Todo,
        Some(v) if !v.missing_scopes.is_empty() || !v.token_available => StepState::Attention,
        Some(_) => StepState::Done,
    };
    let last_provision = record.provision.filter(|p| Some(p.portal_id) == portal);
    let provision = match &last_provision {
        None => StepState::Todo,
        Some(p) if p.ready => StepState::Done,
        Some(_) => StepState::Attention,
    };
    let llm_settings = settings.get::<settings::Llm>()?;
    let current = llm_setup::fingerprint(&llm_settings);
    let last_llm_test = record.llm_test.filter(|t| t.fingerprint == current);
    let llm = match &last_llm_test {
        None => StepState::Todo,
        Some(t) if t.ok => StepState::Done,
        Some(_) => StepState::Attention,
    };
    let last_dry_run = record.dry_run.filter(|d| Some(d.portal_id) == portal);
    let dry_run = if last_dry_run.is_some() {
        StepState::Done
    } else {
        StepState::Todo
    };
    Ok(Onboarding {
        connect,
        connection,
        connect_pending: PendingFlows::for_store(store).count(clock::now_ms())? > 0,
        relay_url: settings.get::<settings::RelayUrl>()?,
        provision,
        last_provision,
        llm,
        llm_settings,
        llm_presets: crate::llm_settings::presets(),
        key_source: llm_setup::key_source()?,
        last_llm_test,
        dry_run,
        last_dry_run,
    })
}

/// Provisions the connected portal (`DryRun::Yes`: report only) and remembers a real run.
pub async fn provision(store: &Store, dry_run: DryRun) -> Result<ProvisionReport, OnboardingError> {
    let settings = Settings::new(store.clone());
    let info = settings
        .get::<Connection>()?
        .ok_or(ConnectError::NotConnected)?;
    let client = connection::hubspot_client(&settings, &info)?;
    let report = provision::provision(&client, dry_run == DryRun::Yes).await?;
    if dry_run == DryRun::No {
        let count = |f: fn(&ItemStatus) -> bool| report.count(f) as u32;
        let record = ProvisionRecord {
            at_ms: clock::now_ms(),
            portal_id: info.portal_id,
            ready: report.is_ready(),
            created: count(|s| matches!(s, ItemStatus::Created)),
            already_correct: count(|s| matches!(s, ItemStatus::AlreadyCorrect)),
            conflicts: count(|s| matches!(s, ItemStatus::Conflict { .. })),
            failed: count(|s| matches!(s, ItemStatus::Failed { .. })),
        };
        update(&settings, |r| r.provision = Some(record))?;
    }
    Ok(report)
}

/// Runs the whole round trip for one contact without writing anything (force: the input hash
/// is ignored, so an already enriched contact still shows what the model proposes now).
pub async fn dry_run_contact(
    store: &Store,
    contact_id: u64,
) -> Result<ContactDiff, OnboardingError> {
    let ctx = connection::pipeline_context(store)?;
    let item = WorkItem {
        contact_id,
        trigger: Trigger::Manual,
        trigger_ref: Some("onboarding dry run".into()),
        run_id: None,
        mode: Mode {
            dry_run: DryRun::Yes,
            force: true,
        },
    };
    let results = pipeline::process_chunk(&ctx, vec![item])
        .await
        .map_err(|e| OnboardingError::DryRun {
            contact_id,
            reason: e.to_string(),
        })?;
    let failure = |reason: String| OnboardingError::DryRun { contact_id, reason };
    let Some((_, result)) = results.into_iter().next() else {
        return Err(failure("the pipeline returned no result".into()));
    };
    let diff = match result {
        ItemResult::Done {
            diff: Some(diff), ..
        } => diff,
        ItemResult::Done {
            correlation_id,
            outcome,
            ..
        } => {
            let reason = audit_reason(store, &correlation_id)?
                .unwrap_or_else(|| format!("it ended as {}", outcome.as_str()));
            return Err(failure(reason));
        }
        ItemResult::Retry { reason } => return Err(failure(reason)),
        ItemResult::Deferred { pause } => return Err(failure(pause.message())),
    };
    let record = DryRunRecord {
        at_ms: clock::now_ms(),
        portal_id: ctx.portal_id,
        contact_id,
        correlation_id: diff.correlation_id.clone(),
        would_write: diff.fields.iter().filter(|f| f.decision == "write").count() as u32,
        fields: diff.fields.len() as u32,
    };
    update(&Settings::new(store.clone()), |r| r.dry_run = Some(record))?;
    Ok(diff)
}

fn audit_reason(store: &Store, correlation_id: &str) -> Result<Option<String>, EngineError> {
    Ok(store
        .conn()
        .query_row(
            "SELECT reason FROM audit WHERE correlation_id = ?1 ORDER BY id DESC LIMIT 1",
            params![correlation_id],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten())
}
