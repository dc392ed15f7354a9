//! Settings: one view, one validated update, the LLM key in the keyring, and a prompt preview.

use secrecy::SecretString;
use steward_engine::contact_actions::{self, DryRunResult};
use steward_engine::context_cache::ContextCache;
use steward_engine::llm_setup;
use steward_engine::onboarding::CheckRecord;
use steward_engine::secrets::{self, SecretKind};
use steward_engine::settings::{self as stored, Settings};
use steward_engine::settings_api::{self, SettingsSaved, SettingsUpdate, SettingsView};
use tauri::{AppHandle, State};

use crate::error::{CommandError, ErrorCode};
use crate::{AppState, live};

#[tauri::command]
pub async fn settings_view(state: State<'_, AppState>) -> Result<SettingsView, CommandError> {
    Ok(settings_api::view(&state.store())?)
}

/// Stores the changed parts; the engine restarts with them when any changed.
#[tauri::command]
pub async fn update_settings(
    app: AppHandle,
    state: State<'_, AppState>,
    update: SettingsUpdate,
) -> Result<SettingsSaved, CommandError> {
    let saved = settings_api::update(&state.store(), &update)?;
    if !saved.changed.is_empty() {
        live::settings_changed(&app).await;
    }
    Ok(saved)
}

/// Puts the LLM API key into the OS keyring (never into settings or logs).
#[tauri::command]
pub async fn save_llm_key(
    app: AppHandle,
    state: State<'_, AppState>,
    key: String,
) -> Result<SettingsView, CommandError> {
    let key = SecretString::from(key.trim().to_owned());
    if secrecy::ExposeSecret::expose_secret(&key).is_empty() {
        return Err(CommandError::new(
            ErrorCode::Invalid,
            "the API key is empty",
        ));
    }
    secrets::set(&SecretKind::LlmApiKey, &key)?;
    live::settings_changed(&app).await;
    Ok(settings_api::view(&state.store())?)
}

/// Removes the LLM API key from the keyring.
#[tauri::command]
pub async fn clear_llm_key(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<SettingsView, CommandError> {
    secrets::delete(&SecretKind::LlmApiKey)?;
    live::settings_changed(&app).await;
    Ok(settings_api::view(&state.store())?)
}

/// One real call with the stored LLM settings and key.
#[tauri::command]
pub async fn test_llm(state: State<'_, AppState>) -> Result<CheckRecord, CommandError> {
    llm_setup::test(&Settings::new(state.store()))
        .await
        .map_err(|e| CommandError::new(ErrorCode::Unavailable, e))
}

/// What the AI would write for a contact with the edited (unsaved) prompt.
#[tauri::command]
pub async fn preview_prompt(
    state: State<'_, AppState>,
    contexts: State<'_, ContextCache>,
    instructions: String,
    contact_id: u64,
) -> Result<DryRunResult, CommandError> {
    let current = Settings::new(state.store()).get::<stored::Prompt>()?;
    let prompt = settings_api::next_prompt(&current, &instructions)?;
    let ctx = contexts.get()?;
    Ok(contact_actions::dry_run(&ctx, contact_id, Some(prompt)).await?)
}
