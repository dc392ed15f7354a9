//! Status: what the frame and the empty states render from.

use steward_engine::AppStatus;
use tauri::State;

use crate::{AppState, error::CommandError};

/// Everything the frame and the empty states render from.
#[tauri::command]
pub async fn app_status(state: State<'_, AppState>) -> Result<AppStatus, CommandError> {
    Ok(AppStatus::read(&state.data_dir, &state.store())?)
}
