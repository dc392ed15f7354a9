//! Activity: the audit log in keyset pages, its total, per-day charts and exports.

use steward_engine::audit::{self, AuditFilter, AuditRecord};
use steward_engine::audit_export::{self, ExportFormat, ExportSummary};
use steward_engine::clock::now_ms;
use steward_engine::insights::{self, Insights, InsightsQuery};
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

use crate::AppState;
use crate::error::{CommandError, ErrorCode};

/// One page of audit rows, newest first (`before_id` continues after the last row seen).
#[tauri::command]
pub async fn audit_page(
    state: State<'_, AppState>,
    filter: AuditFilter,
) -> Result<Vec<AuditRecord>, CommandError> {
    Ok(audit::list(&state.store().conn(), &filter)?)
}

/// How many rows match the filter.
#[tauri::command]
pub async fn audit_count(
    state: State<'_, AppState>,
    filter: AuditFilter,
) -> Result<u64, CommandError> {
    Ok(audit::count(&state.store().conn(), &filter)?)
}

/// Per-day enrichments, tokens, cost and outcomes.
#[tauri::command]
pub async fn audit_insights(
    state: State<'_, AppState>,
    query: InsightsQuery,
) -> Result<Insights, CommandError> {
    Ok(insights::daily(&state.store().conn(), &query, now_ms())?)
}

/// Writes the matching rows to a new file in the data dir's `exports/` folder, on a blocking
/// thread with its own read-only connection.
#[tauri::command]
pub async fn export_audit(
    state: State<'_, AppState>,
    filter: AuditFilter,
    format: ExportFormat,
) -> Result<ExportSummary, CommandError> {
    let database = state.data_dir.database();
    let dir = state.data_dir.root().join("exports");
    tauri::async_runtime::spawn_blocking(move || {
        audit_export::export(&database, &filter, format, &dir)
    })
    .await
    .map_err(|e| CommandError::new(ErrorCode::Internal, format!("the export stopped: {e}")))?
    .map_err(CommandError::from)
}

/// Shows an export in the file manager.
#[tauri::command]
pub async fn reveal_export(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
) -> Result<(), CommandError> {
    let exports = state.data_dir.root().join("exports");
    let path = std::path::PathBuf::from(path);
    // Only files Steward wrote: the command must not become a general "open any path".
    if path.parent() != Some(exports.as_path()) {
        return Err(CommandError::new(
            ErrorCode::Invalid,
            "only exports in Steward's exports folder can be shown",
        ));
    }
    app.opener().reveal_item_in_dir(&path).map_err(|e| {
        CommandError::new(
            ErrorCode::Unavailable,
            format!("could not open the file manager: {e}"),
        )
    })
}
