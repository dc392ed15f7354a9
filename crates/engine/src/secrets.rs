//! Secrets in the OS keyring (Secret Service on Linux, Keychain on macOS, Credential Manager on
//! Windows) — never in SQLite, settings or logs. Environment variables override the keyring for
//! headless use (CI, scripts): `STEWARD_LLM_API_KEY`, `STEWARD_HUBSPOT_PRIVATE_APP_TOKEN`.

use secrecy::{ExposeSecret, SecretString};

use crate::paths::APP_IDENTIFIER;

/// The secrets Steward keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretKind {
    /// The HubSpot OAuth refresh token of a portal.
    RefreshToken { portal_id: u64 },
    /// A HubSpot private-app token of a portal.
    PrivateAppToken { portal_id: u64 },
    /// The LLM provider's API key.
    LlmApiKey,
}

impl SecretKind {
    fn account(&self) -> String {
        match self {
            Self::RefreshToken { portal_id } => format!("hubspot-refresh-token-{portal_id}"),
            Self::PrivateAppToken { portal_id } => format!("hubspot-private-app-token-{portal_id}"),
            Self::LlmApiKey => "llm-api-key".into(),
        }
    }

    fn env_override(&self) -> Option<&'static str> {
        match self {
            Self::LlmApiKey => Some("STEWARD_LLM_API_KEY"),
            Self::PrivateAppToken { .. } => Some("STEWARD_HUBSPOT_PRIVATE_APP_TOKEN"),
            Self::RefreshToken { .. } => None,
        }
    }
}

/// Why the keyring could not be used. Never contains a secret.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "the OS keyring is not available ({0}); on Linux start a Secret Service such as gnome-keyring, or set the environment variable instead"
    )]
    Unavailable(String),
    #[error("the OS keyring refused access ({0}); unlock the keyring and try again")]
    Refused(String),
}

fn entry(kind: &SecretKind) -> Result<keyring::Entry, SecretError> {
    keyring::Entry::new(APP_IDENTIFIER, &kind.account())
        .map_err(|e| SecretError::Unavailable(e.to_string()))
}

fn map(e: keyring::Error) -> SecretError {
    match e {
        keyring::Error::NoStorageAccess(inner) => SecretError::Refused(inner.to_string()),
        other => SecretError::Unavailable(other.to_string()),
    }
}

/// The secret, from its environment override or the keyring; `None` when it was never stored.
pub fn get(kind: &SecretKind) -> Result<Option<SecretString>, SecretError> {
    if let Some(var) = kind.env_override()
        && let Ok(value) = std::env::var(var)
        && !value.is_empty()
    {
        return Ok(Some(SecretString::from(value)));
    }
    match entry(kind)?.get_password() {
        Ok(v) => Ok(Some(SecretString::from(v))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(map(e)),
    }
}

pub fn set(kind: &SecretKind, value: &SecretString) -> Result<(), SecretError> {
    entry(kind)?
        .set_password(value.expose_secret())
        .map_err(map)
}

/// Deletes the secret; deleting a missing one is not an error.
pub fn delete(kind: &SecretKind) -> Result<(), SecretError> {
    match entry(kind)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(map(e)),
    }
}
