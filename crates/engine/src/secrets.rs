//! Secrets in the OS keyring (Secret Service on Linux, Keychain on macOS, Credential Manager on
//! Windows) — never in SQLite, settings or logs. Environment variables override the keyring for
//! headless use (CI, scripts): `STEWARD_LLM_API_KEY`, `STEWARD_HUBSPOT_PRIVATE_APP_TOKEN`.
//!
//! Every entry uses the service [`SERVICE`] and the account [`SecretKind::account`], so an admin
//! (or a test) can inspect one with `secret-tool lookup service dev.steward.desktop username ACCOUNT`.

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
    /// OAuth flows started but not finished (PKCE verifiers), per data directory: see
    /// [`crate::oauth_pending`].
    PendingOAuth { namespace: String },
}

/// The keyring service of every Steward entry (the app identifier).
pub const SERVICE: &str = APP_IDENTIFIER;

impl SecretKind {
    /// The keyring account (user name) of this entry.
    pub fn account(&self) -> String {
        match self {
            Self::RefreshToken { portal_id } => format!("hubspot-refresh-token-{portal_id}"),
            Self::PrivateAppToken { portal_id } => format!("hubspot-private-app-token-{portal_id}"),
            Self::LlmApiKey => "llm-api-key".into(),
            Self::PendingOAuth { namespace } => format!("oauth-pending-{namespace}"),
        }
    }

    fn env_override(&self) -> Option<&'static str> {
        match self {
            Self::LlmApiKey => Some("STEWARD_LLM_API_KEY"),
            Self::PrivateAppToken { .. } => Some("STEWARD_HUBSPOT_PRIVATE_APP_TOKEN"),
            Self::RefreshToken { .. } | Self::PendingOAuth { .. } => None,
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
    keyring::Entry::new(SERVICE, &kind.account())
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

/// Stores the secret in the keyring (the environment override, if any, still wins on read).
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

/// Whether the secret is stored in the keyring itself (not counting an environment override):
/// Settings shows "stored in the keyring" versus "from STEWARD_LLM_API_KEY".
pub fn in_keyring(kind: &SecretKind) -> Result<bool, SecretError> {
    match entry(kind)?.get_password() {
        Ok(_) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(map(e)),
    }
}

/// Whether the secret comes from its environment variable.
pub fn from_env(kind: &SecretKind) -> bool {
    kind.env_override()
        .and_then(|var| std::env::var(var).ok())
        .is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    // These talk to the real Secret Service: scripts/test.sh runs every test inside a D-Bus
    // session with an unlocked gnome-keyring. Each test uses its own portal id.
    fn portal() -> u64 {
        9_000_000_000 + u64::from(rand_suffix())
    }

    fn rand_suffix() -> u32 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        nanos ^ std::process::id()
    }

    #[test]
    fn set_get_delete_round_trip_in_the_os_keyring() {
        let kind = SecretKind::RefreshToken {
            portal_id: portal(),
        };
        assert!(get(&kind).unwrap().is_none());
        set(&kind, &SecretString::from("rt-round-trip")).unwrap();
        assert_eq!(
            get(&kind).unwrap().map(|s| s.expose_secret().to_owned()),
            Some("rt-round-trip".to_owned())
        );
        assert!(in_keyring(&kind).unwrap());
        delete(&kind).unwrap();
        assert!(get(&kind).unwrap().is_none());
        delete(&kind).unwrap();
    }

    #[test]
    fn accounts_are_stable_names_an_admin_can_look_up() {
        assert_eq!(
            SecretKind::RefreshToken { portal_id: 7 }.account(),
            "hubspot-refresh-token-7"
        );
        assert_eq!(
            SecretKind::PendingOAuth {
                namespace: "ab".into()
            }
            .account(),
            "oauth-pending-ab"
        );
        assert_eq!(SERVICE, "dev.steward.desktop");
    }
}
