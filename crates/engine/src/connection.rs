//! The HubSpot connection as stored (which portal, which app, how Steward authenticates) and
//! how it turns into working clients. Tokens live in the OS keyring ([`crate::secrets`]).

use std::sync::Arc;
use std::time::Duration;

use hubspot::{HubSpotClient, Secret, TokenSource};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use steward_llm::LlmClient;
use ts_rs::TS;

use crate::pipeline::PipelineContext;
use crate::secrets::{self, SecretError, SecretKind};
use crate::settings::{self, Setting, Settings};
use crate::{EngineError, Store};

/// How Steward authenticates to HubSpot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AuthKind {
    /// OAuth through the relay's broker; the refresh token is in the keyring.
    Oauth,
    /// A private-app token in the keyring.
    PrivateApp,
}

/// The connected portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ConnectionInfo {
    #[ts(type = "number")]
    pub portal_id: u64,
    /// Our HubSpot app's id: our integration's writes carry it as `sourceId`.
    #[ts(type = "number")]
    pub app_id: u64,
    pub ui_domain: Option<String>,
    pub auth: AuthKind,
    pub relay_url: Option<String>,
    pub scopes: Vec<String>,
}

impl ConnectionInfo {
    /// Required scopes this connection lacks (none known for a private-app token: HubSpot does
    /// not report them, and a missing one shows up as a clear error when used).
    pub fn missing_scopes(&self) -> Vec<crate::scopes::MissingScope> {
        match self.auth {
            AuthKind::Oauth => crate::scopes::missing(&self.scopes),
            AuthKind::PrivateApp => Vec::new(),
        }
    }

    /// What the Connect screen and `steward connect` show.
    pub fn view(&self) -> ConnectionView {
        let kind = match self.auth {
            AuthKind::Oauth => SecretKind::RefreshToken {
                portal_id: self.portal_id,
            },
            AuthKind::PrivateApp => SecretKind::PrivateAppToken {
                portal_id: self.portal_id,
            },
        };
        ConnectionView {
            missing_scopes: self.missing_scopes(),
            token_available: matches!(secrets::get(&kind), Ok(Some(_))),
            info: self.clone(),
        }
    }
}

/// The connection as the Connect screen shows it: the portal, what the granted scopes do not
/// cover, and whether the token is still where Steward keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ConnectionView {
    pub info: ConnectionInfo,
    pub missing_scopes: Vec<crate::scopes::MissingScope>,
    /// False when the keyring lost the token (reconnect).
    pub token_available: bool,
}

/// The stored connection (`None` until connected).
#[derive(Debug, Clone, Copy)]
pub struct Connection;
impl Setting for Connection {
    const KEY: &'static str = "connection";
    type Value = Option<ConnectionInfo>;
    fn default_value() -> Self::Value {
        None
    }
}

/// Why the engine cannot start working.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("Steward is not connected to HubSpot: run `steward connect` or use Connect in the app")]
    NotConnected,
    #[error("no HubSpot token for portal {0} in the keyring: reconnect (`steward connect`)")]
    MissingToken(u64),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("HubSpot refused the connection: {0}")]
    HubSpot(#[from] hubspot::Error),
    #[error("the LLM settings are not usable: {0}")]
    Llm(#[from] steward_llm::LlmError),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

fn to_hubspot_secret(s: &SecretString) -> Secret {
    Secret::new(s.expose_secret())
}

/// Connects with a private-app token: checks it against HubSpot (account details), stores it in
/// the keyring (unless it came from `STEWARD_HUBSPOT_PRIVATE_APP_TOKEN`) and saves the connection.
pub async fn connect_private_app(
    settings: &Settings,
    token: SecretString,
    app_id: u64,
) -> Result<ConnectionInfo, ConnectError> {
    let base = settings.get::<settings::HubspotApiBase>()?;
    let client = HubSpotClient::builder(TokenSource::private_app(to_hubspot_secret(&token)))
        .base_url(base)
        .build()?;
    let account = client.account_details().await?;
    let portal_id: u64 = account.portal_id.parse().map_err(|_| {
        hubspot::Error::Config(format!(
            "HubSpot returned a portal id that is not a number: {}",
            account.portal_id
        ))
    })?;
    let from_env = std::env::var("STEWARD_HUBSPOT_PRIVATE_APP_TOKEN")
        .is_ok_and(|v| v == token.expose_secret());
    if !from_env {
        secrets::set(&SecretKind::PrivateAppToken { portal_id }, &token)?;
    }
    if let Some(prev) = settings.get::<Connection>()? {
        if prev.portal_id != portal_id {
            crate::disconnect::forget_secrets(prev.portal_id)?;
        } else if prev.auth == AuthKind::Oauth {
            secrets::delete(&SecretKind::RefreshToken { portal_id })?;
        }
    }
    let info = ConnectionInfo {
        portal_id,
        app_id,
        ui_domain: account.ui_domain.clone(),
        auth: AuthKind::PrivateApp,
        relay_url: settings.get::<settings::RelayUrl>()?,
        scopes: Vec::new(),
    };
    settings.set::<Connection>(&Some(info.clone()))?;
    Ok(info)
}

/// The HubSpot client for the stored connection.
pub fn hubspot_client(
    settings: &Settings,
    info: &ConnectionInfo,
) -> Result<HubSpotClient, ConnectError> {
    let base = settings.get::<settings::HubspotApiBase>()?;
    let tokens = match info.auth {
        AuthKind::PrivateApp => {
            let token = secrets::get(&SecretKind::PrivateAppToken {
                portal_id: info.portal_id,
            })?
            .ok_or(ConnectError::MissingToken(info.portal_id))?;
            TokenSource::private_app(to_hubspot_secret(&token))
        }
        AuthKind::Oauth => {
            let refresh = secrets::get(&SecretKind::RefreshToken {
                portal_id: info.portal_id,
            })?
            .ok_or(ConnectError::MissingToken(info.portal_id))?;
            let relay = info.relay_url.clone().ok_or(ConnectError::NotConnected)?;
            let refresher = crate::relay_refresher::RelayRefresher::new(&relay)?;
            let source = TokenSource::oauth(to_hubspot_secret(&refresh), Arc::new(refresher));
            let portal_id = info.portal_id;
            source.on_new_refresh_token(move |t| {
                let value = SecretString::from(t.expose().to_owned());
                if let Err(e) = secrets::set(&SecretKind::RefreshToken { portal_id }, &value) {
                    tracing::error!(error = %e, "could not store the renewed refresh token");
                }
            });
            source
        }
    };
    Ok(HubSpotClient::builder(tokens).base_url(base).build()?)
}

/// Everything the pipeline needs, from settings, the keyring and the stored connection.
pub fn pipeline_context(store: &Store) -> Result<PipelineContext, ConnectError> {
    let settings = Settings::new(store.clone());
    let info = settings
        .get::<Connection>()?
        .ok_or(ConnectError::NotConnected)?;
    let hubspot = hubspot_client(&settings, &info)?;
    let llm_settings = settings.get::<settings::Llm>()?;
    let key = secrets::get(&SecretKind::LlmApiKey)?;
    let llm = LlmClient::new(llm_settings.to_config(key))?;
    let prompt = settings.get::<settings::Prompt>()?;
    Ok(PipelineContext {
        portal_id: info.portal_id,
        app_id: info.app_id,
        hubspot,
        llm: Arc::new(llm),
        store: store.clone(),
        input_properties: settings.get::<settings::InputProperties>()?,
        policies: settings.get::<settings::FieldPolicies>()?,
        prompt,
        model: llm_settings.model.clone(),
        max_activities: settings.get::<settings::MaxActivities>()?,
        monthly_budget_micros: settings.get::<settings::MonthlyBudgetMicros>()?,
    })
}

/// How long a relay session's access-token callback may take.
pub const TOKEN_TIMEOUT: Duration = Duration::from_secs(30);
