//! Connect through OAuth, the same way in the app and in the CLI:
//!
//! 1. [`start`]: a PKCE verifier and challenge (oauth2's [`PkceCodeChallenge`]); the relay's
//!    `/oauth/start` stores the challenge and answers the `state` ([`CsrfToken`]) and HubSpot's
//!    authorize URL; the flow is remembered in [`PendingFlows`] (keyring).
//! 2. The browser: HubSpot → relay `/oauth/callback` → `steward://oauth/callback?code&state`.
//! 3. [`finish_link`]: the link is parsed ([`crate::deep_link`]), its `state` must match a
//!    pending flow (taken out once), the code is exchanged through the relay with the verifier,
//!    the portal is confirmed with HubSpot, the refresh token goes to the OS keyring, and the
//!    connection (portal, domain, granted scopes) is saved. The access token is only ever held
//!    in memory. A refused link changes nothing.

use oauth2::{CsrfToken, PkceCodeChallenge};
use relay_client::{ClientError, RelayClient, Secret};
use secrecy::SecretString;
use serde::Serialize;
use ts_rs::TS;

use crate::connection::{AuthKind, Connection, ConnectionInfo};
use crate::deep_link::{self, CallbackOutcome, DeepLink, DeepLinkError, OAuthCallback};
use crate::oauth_pending::{PendingFlow, PendingFlows};
use crate::secrets::{self, SecretError, SecretKind};
use crate::settings::{self, Settings};
use crate::{EngineError, clock, scopes};

/// What the admin's browser must open, and for how long the flow stays valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AuthorizeStart {
    /// HubSpot's authorize page (with the relay's redirect URI, our scopes and the state).
    pub authorize_url: String,
    /// The state the deep link must carry back.
    pub state: String,
    #[ts(type = "number")]
    pub expires_in: u64,
}

/// What became of one deep link, as the Connect screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LinkOutcome {
    pub ok: bool,
    /// Connected: which portal; otherwise why the link was refused or failed.
    pub message: String,
    /// A refusal on purpose (unknown or reused state, malformed link, access denied), as
    /// opposed to something that broke.
    pub refused: bool,
    #[ts(type = "number | null")]
    pub portal_id: Option<u64>,
    #[ts(type = "number")]
    pub at_ms: i64,
}

impl LinkOutcome {
    pub fn of(result: &Result<ConnectionInfo, OAuthConnectError>, at_ms: i64) -> Self {
        match result {
            Ok(info) => Self {
                ok: true,
                message: format!(
                    "Connected to HubSpot portal {} ({})",
                    info.portal_id,
                    info.ui_domain.as_deref().unwrap_or("unknown domain")
                ),
                refused: false,
                portal_id: Some(info.portal_id),
                at_ms,
            },
            Err(e) => Self {
                ok: false,
                message: e.to_string(),
                refused: e.is_refusal(),
                portal_id: None,
                at_ms,
            },
        }
    }
}

/// Why Connect did not complete. Refusals ([`OAuthConnectError::is_refusal`]) changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum OAuthConnectError {
    #[error("this steward:// link was refused and nothing was changed: {0}")]
    BadLink(DeepLinkError),
    #[error(
        "this sign-in link does not match a Connect started on this computer, or it was already used or has expired (after 10 minutes); nothing was changed. Click Connect to start again"
    )]
    UnknownState,
    #[error("HubSpot did not grant access ({error}{}); nothing was changed. Click Connect to try again", .description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Denied {
        error: String,
        description: Option<String>,
    },
    #[error("could not start Connect through the relay: {0}")]
    Start(ClientError),
    #[error(
        "the relay could not finish the sign-in ({0}); nothing was changed. Click Connect to start again"
    )]
    Exchange(ClientError),
    #[error(
        "HubSpot's answer had no refresh token, so Steward cannot stay connected; nothing was changed. Click Connect to try again"
    )]
    NoRefreshToken,
    #[error("could not confirm the HubSpot portal with the new token ({0}); nothing was changed")]
    HubSpot(hubspot::Error),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

// Not `#[from]`: that would also make the inner error the `source`, and `{:#}` printing would
// repeat it after the message that already includes it.
impl From<DeepLinkError> for OAuthConnectError {
    fn from(e: DeepLinkError) -> Self {
        Self::BadLink(e)
    }
}

impl From<hubspot::Error> for OAuthConnectError {
    fn from(e: hubspot::Error) -> Self {
        Self::HubSpot(e)
    }
}

impl OAuthConnectError {
    /// A link or answer Steward refused on purpose (as opposed to something that broke).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Self::BadLink(_) | Self::UnknownState | Self::Denied { .. }
        )
    }
}

/// Starts Connect through the relay at `relay_url` (which is remembered in settings).
pub async fn start(
    settings: &Settings,
    flows: &PendingFlows,
    relay_url: &str,
) -> Result<AuthorizeStart, OAuthConnectError> {
    let relay_url = relay_url.trim().trim_end_matches('/').to_owned();
    let relay = RelayClient::new(&relay_url).map_err(OAuthConnectError::Start)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let answer = relay
        .oauth_start(challenge.as_str())
        .await
        .map_err(OAuthConnectError::Start)?;
    let state = CsrfToken::new(answer.state);
    let now = clock::now_ms();
    let ttl_ms = i64::try_from(answer.expires_in.saturating_mul(1000)).unwrap_or(i64::MAX);
    flows.add(
        PendingFlow {
            state: state.secret().clone(),
            verifier: verifier.secret().clone(),
            relay_url: relay_url.clone(),
            app_id: answer.app_id,
            expires_at_ms: now.saturating_add(ttl_ms),
        },
        now,
    )?;
    settings.set::<settings::RelayUrl>(&Some(relay_url))?;
    tracing::info!("OAuth connect started; waiting for the steward:// callback");
    Ok(AuthorizeStart {
        authorize_url: answer.authorize_url,
        state: state.secret().clone(),
        expires_in: answer.expires_in,
    })
}

/// Parses `raw` as a deep link and finishes the flow it belongs to.
pub async fn finish_link(
    settings: &Settings,
    flows: &PendingFlows,
    raw: &str,
) -> Result<ConnectionInfo, OAuthConnectError> {
    match deep_link::parse(raw) {
        Ok(DeepLink::OAuthCallback(callback)) => finish(settings, flows, callback).await,
        Err(e) => {
            tracing::warn!(reason = %e, "steward:// link refused");
            Err(e.into())
        }
    }
}

/// Finishes the flow `callback` belongs to: exchange, confirm the portal, keep the refresh
/// token in the keyring, save the connection.
pub async fn finish(
    settings: &Settings,
    flows: &PendingFlows,
    callback: OAuthCallback,
) -> Result<ConnectionInfo, OAuthConnectError> {
    let Some(pending) = flows.take(&callback.state, clock::now_ms())? else {
        tracing::warn!("OAuth callback with an unknown, used or expired state refused");
        return Err(OAuthConnectError::UnknownState);
    };
    let code = match callback.outcome {
        CallbackOutcome::Code(code) => code,
        CallbackOutcome::Denied { error, description } => {
            tracing::warn!(%error, "HubSpot did not grant access");
            return Err(OAuthConnectError::Denied { error, description });
        }
    };
    let relay = RelayClient::new(&pending.relay_url).map_err(OAuthConnectError::Exchange)?;
    let tokens = relay
        .oauth_token(
            &code,
            &pending.state,
            &Secret::new(pending.verifier.clone()),
        )
        .await
        .map_err(OAuthConnectError::Exchange)?;
    let refresh = tokens
        .refresh_token
        .clone()
        .ok_or(OAuthConnectError::NoRefreshToken)?;

    // Which portal this is, confirmed by HubSpot with the new access token (used once, here).
    let base = settings.get::<settings::HubspotApiBase>()?;
    let access = hubspot::Secret::new(tokens.access_token.expose());
    let client = hubspot::HubSpotClient::builder(hubspot::TokenSource::private_app(access))
        .base_url(base)
        .build()?;
    let account = client.account_details().await?;
    let portal_id: u64 = account.portal_id.parse().map_err(|_| {
        hubspot::Error::Config(format!(
            "HubSpot returned a portal id that is not a number: {}",
            account.portal_id
        ))
    })?;
    // HubSpot's token answer lists the granted scopes; required scopes are all-or-nothing at
    // install, so an answer without the field means the requested set.
    let granted = scopes::from_token_field(tokens.extra.get("scopes")).unwrap_or_else(|| {
        scopes::REQUIRED
            .iter()
            .map(|s| s.scope.to_owned())
            .collect()
    });

    let previous = settings.get::<Connection>()?;
    secrets::set(
        &SecretKind::RefreshToken { portal_id },
        &SecretString::from(refresh.expose().to_owned()),
    )?;
    if let Some(prev) = &previous {
        if prev.portal_id != portal_id {
            crate::disconnect::forget_secrets(prev.portal_id)?;
        } else if prev.auth == AuthKind::PrivateApp {
            secrets::delete(&SecretKind::PrivateAppToken { portal_id })?;
        }
    }
    let info = ConnectionInfo {
        portal_id,
        app_id: pending
            .app_id
            .or(previous.as_ref().map(|p| p.app_id))
            .unwrap_or(0),
        ui_domain: account.ui_domain.clone(),
        auth: AuthKind::Oauth,
        relay_url: Some(pending.relay_url.clone()),
        scopes: granted,
    };
    settings.set::<Connection>(&Some(info.clone()))?;
    tracing::info!(
        portal_id,
        missing_scopes = scopes::missing(&info.scopes).len(),
        "connected to HubSpot through OAuth"
    );
    Ok(info)
}
