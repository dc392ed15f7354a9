//! Disconnect: revoke the OAuth refresh token at HubSpot (through the relay broker, which holds
//! the client secret HubSpot's `/oauth/v3/token/revoke` needs), then forget the tokens in the
//! keyring and the stored connection. A private-app token cannot be revoked through the API:
//! it is only forgotten, and the admin is told to rotate it in HubSpot.

use relay_client::{ClientError, RelayClient, Secret};
use secrecy::ExposeSecret;
use serde::Serialize;
use ts_rs::TS;

use crate::EngineError;
use crate::connection::{AuthKind, Connection};
use crate::secrets::{self, SecretError, SecretKind};
use crate::settings::Settings;

/// What to do when HubSpot cannot be told to revoke the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfRevokeFails {
    /// Keep everything and report the error (the default: a token nobody can revoke any more
    /// would stay valid at HubSpot).
    Keep,
    /// Forget the token locally anyway (`--force`, "Disconnect anyway").
    ForgetAnyway,
}

/// What Disconnect did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct DisconnectReport {
    #[ts(type = "number")]
    pub portal_id: u64,
    /// HubSpot confirmed the revocation.
    pub revoked: bool,
    /// What the admin may still want to do in HubSpot.
    pub note: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DisconnectError {
    #[error("Steward is not connected to HubSpot, so there is nothing to disconnect")]
    NotConnected,
    #[error(
        "could not revoke the token at HubSpot ({0}); nothing was deleted. Try again, or disconnect anyway (the token then stays valid until you uninstall the app in HubSpot → Settings → Integrations → Connected apps)"
    )]
    Revoke(String),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Deletes every token of `portal_id` from the keyring.
pub fn forget_secrets(portal_id: u64) -> Result<(), SecretError> {
    secrets::delete(&SecretKind::RefreshToken { portal_id })?;
    secrets::delete(&SecretKind::PrivateAppToken { portal_id })
}

/// Revokes (OAuth) and forgets the stored connection.
pub async fn disconnect(
    settings: &Settings,
    if_revoke_fails: IfRevokeFails,
) -> Result<DisconnectReport, DisconnectError> {
    let info = settings
        .get::<Connection>()?
        .ok_or(DisconnectError::NotConnected)?;
    let portal_id = info.portal_id;
    let (revoked, note) = match info.auth {
        AuthKind::Oauth => match revoke(info.relay_url.as_deref(), portal_id).await {
            Ok(()) => (true, None),
            Err(reason) if if_revoke_fails == IfRevokeFails::Keep => {
                return Err(DisconnectError::Revoke(reason));
            }
            Err(reason) => (
                false,
                Some(format!(
                    "the token could not be revoked ({reason}): uninstall the app in HubSpot → Settings → Integrations → Connected apps"
                )),
            ),
        },
        AuthKind::PrivateApp => (
            false,
            Some(
                "a private-app token cannot be revoked through the API: rotate or delete it in HubSpot → Settings → Integrations → Private apps".into(),
            ),
        ),
    };
    forget_secrets(portal_id)?;
    settings.set::<Connection>(&None)?;
    tracing::info!(portal_id, revoked, "disconnected from HubSpot");
    Ok(DisconnectReport {
        portal_id,
        revoked,
        note,
    })
}

async fn revoke(relay_url: Option<&str>, portal_id: u64) -> Result<(), String> {
    let token = secrets::get(&SecretKind::RefreshToken { portal_id })
        .map_err(|e| e.to_string())?
        // Nothing stored: nothing to revoke from this computer.
        .map(|t| Secret::new(t.expose_secret()));
    let Some(token) = token else { return Ok(()) };
    let relay = relay_url.ok_or("no relay URL is stored")?;
    let client = RelayClient::new(relay).map_err(|e: ClientError| e.to_string())?;
    client.oauth_revoke(&token).await.map_err(|e| e.to_string())
}
