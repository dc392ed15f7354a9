//! The sandbox banner and its "simulate a person" panel: what a newcomer clicks to watch the
//! engine, the guard and the queue work on the simulated portal.

use serde::Deserialize;
use steward_engine::provision::ProvisionReport;
use steward_sandbox::{Sandbox, SandboxError, SandboxStatus};
use tauri::State;

use crate::error::{CommandError, ErrorCode};
use crate::sandbox_mode::SandboxHost;

/// The user id the panel's simulated person edits as (HubSpot shows it as the writer).
const SIMULATED_USER_ID: u64 = 7_001;

fn sandbox_error(e: SandboxError) -> CommandError {
    let code = match e {
        SandboxError::Admin(_) => ErrorCode::Invalid,
        _ => ErrorCode::Unavailable,
    };
    CommandError::new(code, e)
}

fn not_running() -> CommandError {
    CommandError::new(
        ErrorCode::Invalid,
        "the sandbox is not running: a real HubSpot account is connected",
    )
}

async fn on_sandbox<T>(
    host: &SandboxHost,
    f: impl AsyncFnOnce(&Sandbox) -> Result<T, SandboxError>,
) -> Result<T, CommandError> {
    host.with(f)
        .await
        .ok_or_else(not_running)?
        .map_err(sandbox_error)
}

/// Whether the screens show the sandbox, and where its pieces listen.
#[tauri::command]
pub async fn sandbox_status(host: State<'_, SandboxHost>) -> Result<SandboxStatus, CommandError> {
    Ok(host.status())
}

/// Creates the `ai_*` properties in the simulated portal, as Connect does in a real one.
#[tauri::command]
pub async fn sandbox_provision(
    host: State<'_, SandboxHost>,
) -> Result<ProvisionReport, CommandError> {
    on_sandbox(&host, async |s| s.provision().await).await
}

/// A person changes a property of a contact in the simulated CRM (HubSpot's UI as the
/// source): an input property starts an enrichment, an `ai_*` one is a human edit the guard
/// protects.
#[tauri::command]
pub async fn sandbox_edit(
    host: State<'_, SandboxHost>,
    contact_id: u64,
    property: String,
    value: String,
) -> Result<(), CommandError> {
    let property = property.trim().to_owned();
    if property.is_empty() {
        return Err(CommandError::new(
            ErrorCode::Invalid,
            "choose the property the person edits",
        ));
    }
    on_sandbox(&host, async |s| {
        s.human_edit(contact_id, &property, &value, SIMULATED_USER_ID)
            .await
    })
    .await
}

/// A new contact as a person would create it in the simulated CRM.
#[derive(Debug, Deserialize)]
pub struct NewContact {
    pub firstname: String,
    pub lastname: String,
    pub email: String,
    pub company: String,
    pub jobtitle: String,
}

/// Creates a contact in the simulated CRM (fires `contact.creation`); returns its id.
#[tauri::command]
pub async fn sandbox_create_contact(
    host: State<'_, SandboxHost>,
    contact: NewContact,
) -> Result<u64, CommandError> {
    if !contact.email.contains('@') {
        return Err(CommandError::new(
            ErrorCode::Invalid,
            "enter an email address such as ada@example.com",
        ));
    }
    let properties = serde_json::json!({
        "firstname": contact.firstname.trim(),
        "lastname": contact.lastname.trim(),
        "email": contact.email.trim(),
        "company": contact.company.trim(),
        "jobtitle": contact.jobtitle.trim(),
    });
    on_sandbox(&host, async |s| s.create_contact(properties).await).await
}
