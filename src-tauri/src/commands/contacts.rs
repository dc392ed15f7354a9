//! Contacts: search, one contact's provenance page, re-enrich now, dry run, open in HubSpot.

use steward_engine::connection::{ConnectError, Connection, ConnectionInfo};
use steward_engine::contact_actions::{self, DryRunResult};
use steward_engine::contact_search::{self, ContactSearch};
use steward_engine::contact_view::{self, ContactDetail};
use steward_engine::context_cache::ContextCache;
use steward_engine::settings::Settings;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

use crate::error::{CommandError, ErrorCode};
use crate::{AppState, live};

fn connection(state: &AppState) -> Result<ConnectionInfo, CommandError> {
    Ok(Settings::new(state.store())
        .get::<Connection>()?
        .ok_or(ConnectError::NotConnected)?)
}

/// Contacts by name, email, company or id; an empty query lists recent ones.
#[tauri::command]
pub async fn search_contacts(
    contexts: State<'_, ContextCache>,
    query: String,
) -> Result<ContactSearch, CommandError> {
    let ctx = contexts.get()?;
    Ok(contact_search::search(&ctx, &query).await?)
}

/// One contact's AI fields, writers and merged timeline.
#[tauri::command]
pub async fn contact_detail(
    state: State<'_, AppState>,
    contexts: State<'_, ContextCache>,
    contact_id: u64,
) -> Result<ContactDetail, CommandError> {
    let domain = connection(&state)?.ui_domain;
    let ctx = contexts.get()?;
    Ok(contact_view::contact_detail(&ctx, domain.as_deref(), contact_id).await?)
}

/// Queues a fresh enrichment of the contact and wakes the engine.
#[tauri::command]
pub async fn reenrich_contact(
    app: AppHandle,
    contexts: State<'_, ContextCache>,
    contact_id: u64,
) -> Result<(), CommandError> {
    let ctx = contexts.get()?;
    contact_actions::reenrich(&ctx.store.conn(), ctx.portal_id, contact_id)?;
    live::wake_engine(&app).await;
    Ok(())
}

/// What the AI would write for the contact now; nothing is written.
#[tauri::command]
pub async fn dry_run_contact(
    contexts: State<'_, ContextCache>,
    contact_id: u64,
) -> Result<DryRunResult, CommandError> {
    let ctx = contexts.get()?;
    Ok(contact_actions::dry_run(&ctx, contact_id, None).await?)
}

/// Opens the contact's record in HubSpot in the default browser; returns the URL.
#[tauri::command]
pub async fn open_in_hubspot(
    app: AppHandle,
    state: State<'_, AppState>,
    contact_id: u64,
) -> Result<String, CommandError> {
    let info = connection(&state)?;
    let url = contact_view::hubspot_url(info.ui_domain.as_deref(), info.portal_id, contact_id);
    app.opener()
        .open_url(url.clone(), None::<&str>)
        .map_err(|e| {
            CommandError::new(
                ErrorCode::Unavailable,
                format!("could not open the browser: {e}"),
            )
        })?;
    Ok(url)
}
