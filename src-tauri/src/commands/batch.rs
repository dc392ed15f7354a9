//! Batch runs: pick a HubSpot list (type-ahead), see the estimate, start a run, steer and follow
//! it; the run history and a dry run's per-contact diffs. Glue over `steward_engine::batch`:
//! HubSpot calls go through the cached context, rows through the store the screens show.

use steward_engine::batch::{
    self, Estimate, ListSummary, RunDiff, RunOptions, RunProgress, RunSummary,
};
use steward_engine::context_cache::ContextCache;
use steward_engine::host::EngineHost;
use tauri::{AppHandle, Manager, State};

use crate::AppState;
use crate::error::CommandError;

/// Contact lists whose name contains `query` (one HubSpot call per keystroke pause).
#[tauri::command]
pub async fn search_lists(
    contexts: State<'_, ContextCache>,
    query: String,
) -> Result<Vec<ListSummary>, CommandError> {
    let ctx = contexts.get()?;
    Ok(batch::search_lists(&ctx.hubspot, &query).await?)
}

/// Contacts, LLM tokens and cost of a run over the list, for the admin to confirm.
#[tauri::command]
pub async fn estimate_run(
    contexts: State<'_, ContextCache>,
    list_id: String,
) -> Result<Estimate, CommandError> {
    let ctx = contexts.get()?;
    let list = batch::resolve_list(&ctx.hubspot, &list_id).await?;
    Ok(batch::estimate(&ctx, &list).await?)
}

/// Starts a run over the list and wakes the engine's feeder. `estimate` is the one the admin
/// confirmed (recorded with the run); without it the list is read from HubSpot.
#[tauri::command]
pub async fn start_run(
    app: AppHandle,
    state: State<'_, AppState>,
    contexts: State<'_, ContextCache>,
    list_id: String,
    dry_run: bool,
    force: bool,
    estimate: Option<Estimate>,
) -> Result<RunSummary, CommandError> {
    let ctx = contexts.get()?;
    let estimate = estimate.filter(|e| e.list.list_id == list_id);
    let list = match &estimate {
        Some(e) => e.list.clone(),
        None => batch::resolve_list(&ctx.hubspot, &list_id).await?,
    };
    let store = state.store();
    let options = RunOptions { dry_run, force };
    let id = batch::start_run(&store, ctx.portal_id, &list, options, estimate.as_ref())?;
    wake_runs(&app).await;
    Ok(batch::summary(&store, id)?)
}

/// Pauses a running run: its queued contacts wait, live work goes on.
#[tauri::command]
pub async fn pause_run(
    state: State<'_, AppState>,
    run_id: i64,
) -> Result<RunSummary, CommandError> {
    let store = state.store();
    batch::pause(&store, run_id)?;
    Ok(batch::summary(&store, run_id)?)
}

/// Resumes a paused run where it stopped, and wakes the engine.
#[tauri::command]
pub async fn resume_run(
    app: AppHandle,
    state: State<'_, AppState>,
    run_id: i64,
) -> Result<RunSummary, CommandError> {
    let store = state.store();
    batch::resume(&store, run_id)?;
    wake_runs(&app).await;
    Ok(batch::summary(&store, run_id)?)
}

/// Cancels a run: nothing more of it starts; contacts in flight finish and are counted.
#[tauri::command]
pub async fn cancel_run(
    state: State<'_, AppState>,
    run_id: i64,
) -> Result<RunSummary, CommandError> {
    let store = state.store();
    batch::cancel(&store, run_id)?;
    Ok(batch::summary(&store, run_id)?)
}

/// A run's totals, rate and ETA (the screen asks about once a second while it runs).
#[tauri::command]
pub async fn run_progress(
    state: State<'_, AppState>,
    run_id: i64,
) -> Result<RunProgress, CommandError> {
    Ok(batch::progress(&state.store(), run_id)?)
}

/// Runs, newest first.
#[tauri::command]
pub async fn run_history(
    state: State<'_, AppState>,
    limit: u32,
) -> Result<Vec<RunSummary>, CommandError> {
    Ok(batch::history(&state.store(), limit)?)
}

/// A dry run's per-contact diffs in contact-id order, after `after_contact` (keyset paging:
/// pass the last contact id shown).
#[tauri::command]
pub async fn run_diffs(
    state: State<'_, AppState>,
    run_id: i64,
    after_contact: Option<u64>,
    limit: u32,
) -> Result<Vec<RunDiff>, CommandError> {
    Ok(batch::diffs(&state.store(), run_id, after_contact, limit)?)
}

/// Wakes the running engine's feeder and worker so a started or resumed run begins at once
/// (without it the feeder notices within a second).
async fn wake_runs(app: &AppHandle) {
    if let Some(host) = app.try_state::<EngineHost>()
        && let Some(signals) = host.signals().await
    {
        signals.wake_runs();
    }
}
