//! Connect and onboarding: OAuth start (the deep link finishes it, see `deep_link`), a
//! private-app token, Disconnect, provisioning, the LLM step and the dry run of one contact.
//! Glue only: every rule is in `steward_engine::{oauth_connect, disconnect, onboarding,
//! llm_setup}`. Errors are mapped with functions (not `From`) so `error.rs` stays free for the
//! shared conversions.

use secrecy::SecretString;
use steward_engine::Settings;
use steward_engine::connection::{self, ConnectionInfo};
use steward_engine::disconnect::{self, DisconnectError, DisconnectReport, IfRevokeFails};
use steward_engine::host::{EngineHost, EngineStatus};
use steward_engine::llm_settings::LlmSettings;
use steward_engine::llm_setup::{self, LlmChoice, LlmSetupError};
use steward_engine::oauth_connect::{self, AuthorizeStart, LinkOutcome, OAuthConnectError};
use steward_engine::oauth_pending::PendingFlows;
use steward_engine::onboarding::{self, CheckRecord, Onboarding, OnboardingError};
use steward_engine::pipeline::{ContactDiff, DryRun};
use steward_engine::provision::{ProvisionError, ProvisionReport};
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

use crate::deep_link::LinkState;
use crate::error::{CommandError, ErrorCode};
use crate::{AppState, live};

/// Every step of the setup wizard with its state.
#[tauri::command]
pub async fn onboarding_state(state: State<'_, AppState>) -> Result<Onboarding, CommandError> {
    onboarding::read(&state.real_store()).map_err(onboarding_error)
}

/// What became of the last `steward://` link (the screen may open after it arrived).
#[tauri::command]
pub async fn last_link_outcome(
    links: State<'_, LinkState>,
) -> Result<Option<LinkOutcome>, CommandError> {
    Ok(links.last.lock().map(|l| l.clone()).unwrap_or(None))
}

/// The running engine: polling, pause, problems.
#[tauri::command]
pub async fn engine_status(host: State<'_, EngineHost>) -> Result<EngineStatus, CommandError> {
    Ok(host.status().await)
}

/// Starts OAuth through the relay and opens HubSpot's authorize page in the browser
/// (`STEWARD_NO_BROWSER` set: only returned, for tests and for admins who copy it).
#[tauri::command]
pub async fn connect_start(
    app: AppHandle,
    state: State<'_, AppState>,
    relay_url: String,
) -> Result<AuthorizeStart, CommandError> {
    let settings = Settings::new(state.real_store());
    let flows = PendingFlows::for_store(&state.real_store());
    let start = oauth_connect::start(&settings, &flows, &relay_url)
        .await
        .map_err(oauth_error)?;
    if std::env::var_os("STEWARD_NO_BROWSER").is_none()
        && let Err(e) = app.opener().open_url(&start.authorize_url, None::<&str>)
    {
        tracing::warn!(error = %e, "could not open the browser; the URL is shown in the app");
    }
    Ok(start)
}

/// Forgets the started, unfinished Connect flows (their links are then refused).
#[tauri::command]
pub async fn connect_cancel(state: State<'_, AppState>) -> Result<(), CommandError> {
    Ok(PendingFlows::for_store(&state.real_store()).clear()?)
}

/// Connects with a private-app token (kept in the keyring).
#[tauri::command]
pub async fn connect_private_app(
    app: AppHandle,
    state: State<'_, AppState>,
    token: String,
    app_id: u64,
) -> Result<ConnectionInfo, CommandError> {
    let settings = Settings::new(state.real_store());
    let token = SecretString::from(token.trim().to_owned());
    let info = connection::connect_private_app(&settings, token, app_id).await?;
    live::settings_changed(&app).await;
    Ok(info)
}

/// Revokes (through the relay) and forgets the connection; `force`: forget even when
/// HubSpot cannot be reached.
#[tauri::command]
pub async fn disconnect(
    app: AppHandle,
    state: State<'_, AppState>,
    force: bool,
) -> Result<DisconnectReport, CommandError> {
    let settings = Settings::new(state.real_store());
    let mode = if force {
        IfRevokeFails::ForgetAnyway
    } else {
        IfRevokeFails::Keep
    };
    let report = disconnect::disconnect(&settings, mode)
        .await
        .map_err(|e| match e {
            DisconnectError::NotConnected => CommandError::new(ErrorCode::NotConnected, e),
            DisconnectError::Engine(_) => CommandError::new(ErrorCode::Internal, e),
            DisconnectError::Revoke(_) | DisconnectError::Secret(_) => {
                CommandError::new(ErrorCode::Unavailable, e)
            }
        })?;
    live::settings_changed(&app).await;
    Ok(report)
}

/// Creates the `ai_enrichment` group and `ai_*` properties (`dry_run`: reports only).
#[tauri::command]
pub async fn onboarding_provision(
    state: State<'_, AppState>,
    dry_run: bool,
) -> Result<ProvisionReport, CommandError> {
    let mode = if dry_run { DryRun::Yes } else { DryRun::No };
    onboarding::provision(&state.real_store(), mode)
        .await
        .map_err(onboarding_error)
}

/// Saves provider, base URL and model, and the API key into the keyring when given.
#[tauri::command]
pub async fn onboarding_save_llm(
    app: AppHandle,
    state: State<'_, AppState>,
    choice: LlmChoice,
    api_key: Option<String>,
) -> Result<LlmSettings, CommandError> {
    let settings = Settings::new(state.real_store());
    let saved = llm_setup::save(&settings, choice, api_key.map(SecretString::from)).map_err(
        |e| match e {
            LlmSetupError::BadBaseUrl(_)
            | LlmSetupError::UnknownPreset(_)
            | LlmSetupError::OutOfRange(_)
            | LlmSetupError::Invalid(_) => CommandError::new(ErrorCode::Invalid, e),
            LlmSetupError::Secret(_) => CommandError::new(ErrorCode::Unavailable, e),
            LlmSetupError::Engine(_) => CommandError::new(ErrorCode::Internal, e),
        },
    )?;
    live::settings_changed(&app).await;
    Ok(saved)
}

/// One real LLM call with the stored settings ("Test").
#[tauri::command]
pub async fn onboarding_test_llm(state: State<'_, AppState>) -> Result<CheckRecord, CommandError> {
    llm_setup::test(&Settings::new(state.real_store()))
        .await
        .map_err(|e| CommandError::new(ErrorCode::Unavailable, e))
}

/// The diff a run would write for one contact, writing nothing.
#[tauri::command]
pub async fn onboarding_dry_run(
    state: State<'_, AppState>,
    contact_id: u64,
) -> Result<ContactDiff, CommandError> {
    onboarding::dry_run_contact(&state.real_store(), contact_id)
        .await
        .map_err(onboarding_error)
}

fn oauth_error(e: OAuthConnectError) -> CommandError {
    let code = if e.is_refusal() {
        ErrorCode::Invalid
    } else {
        match e {
            OAuthConnectError::Engine(_) => ErrorCode::Internal,
            _ => ErrorCode::Unavailable,
        }
    };
    CommandError::new(code, e)
}

fn onboarding_error(e: OnboardingError) -> CommandError {
    match e {
        OnboardingError::Connect(e) => e.into(),
        OnboardingError::Provision(ProvisionError::MissingScope(_)) => {
            CommandError::new(ErrorCode::Invalid, e)
        }
        OnboardingError::Engine(_) => CommandError::new(ErrorCode::Internal, e),
        OnboardingError::Provision(_)
        | OnboardingError::DryRun { .. }
        | OnboardingError::Secret(_) => CommandError::new(ErrorCode::Unavailable, e),
    }
}
