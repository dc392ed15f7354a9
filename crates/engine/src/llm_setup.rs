//! The LLM step of onboarding (and of Settings → LLM): save the provider, base URL and model,
//! put the API key into the OS keyring, and test the whole chain with one real call
//! ([`steward_llm::LlmClient::test_connection`]). The key never reaches settings or SQLite.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use steward_llm::{LlmClient, Provider};
use ts_rs::TS;

use crate::llm_settings::LlmSettings;
use crate::onboarding::{self, CheckRecord};
use crate::secrets::{self, SecretError, SecretKind};
use crate::settings::{self, Settings};
use crate::{EngineError, clock};

/// What the admin picks in the LLM step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LlmChoice {
    #[ts(type = "\"openai_compatible\" | \"anthropic\"")]
    pub provider: Provider,
    pub base_url: String,
    pub model: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LlmSetupError {
    #[error("the LLM base URL `{0}` is not an http(s) URL such as https://api.openai.com/v1")]
    BadBaseUrl(String),
    #[error("these LLM settings cannot work: {0}")]
    Invalid(#[from] steward_llm::LlmError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Stores the choice (keeping limits and prices) and, when given and not blank, the API key in
/// the keyring. Returns the stored settings.
pub fn save(
    settings: &Settings,
    choice: LlmChoice,
    api_key: Option<SecretString>,
) -> Result<LlmSettings, LlmSetupError> {
    let base_url = choice.base_url.trim().trim_end_matches('/').to_owned();
    let parsed =
        url::Url::parse(&base_url).map_err(|_| LlmSetupError::BadBaseUrl(base_url.clone()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(LlmSetupError::BadBaseUrl(base_url));
    }
    let mut llm = settings.get::<settings::Llm>()?;
    llm.provider = choice.provider;
    llm.base_url = base_url;
    llm.model = choice.model.trim().to_owned();
    // Validates the model name and limits before anything is stored.
    LlmClient::new(llm.to_config(None))?;
    let key = api_key.filter(|k| !k.expose_secret().trim().is_empty());
    if let Some(key) = key {
        secrets::set(
            &SecretKind::LlmApiKey,
            &SecretString::from(key.expose_secret().trim().to_owned()),
        )?;
        // A new key makes the last test say nothing about what is stored now.
        onboarding::update(settings, |r| r.llm_test = None)?;
    }
    settings.set::<settings::Llm>(&llm)?;
    Ok(llm)
}

/// Where the API key comes from, for the step's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum KeySource {
    /// `STEWARD_LLM_API_KEY` is set (it wins over the keyring).
    Environment,
    Keyring,
    /// No key: fine for local servers (Ollama, LM Studio) that need none.
    None,
}

pub fn key_source() -> Result<KeySource, SecretError> {
    if secrets::from_env(&SecretKind::LlmApiKey) {
        return Ok(KeySource::Environment);
    }
    Ok(if secrets::in_keyring(&SecretKind::LlmApiKey)? {
        KeySource::Keyring
    } else {
        KeySource::None
    })
}

/// One real call with the stored settings and key; the result is remembered for the step's
/// state (with the settings it was made with, so a later change makes it stale).
pub async fn test(settings: &Settings) -> Result<CheckRecord, LlmSetupError> {
    let llm = settings.get::<settings::Llm>()?;
    let key = secrets::get(&SecretKind::LlmApiKey)?;
    let result = match LlmClient::new(llm.to_config(key)) {
        Ok(client) => client.test_connection().await,
        Err(e) => Err(e),
    };
    let record = CheckRecord {
        at_ms: clock::now_ms(),
        ok: result.is_ok(),
        message: match &result {
            Ok(()) => format!("{} answered with valid structured output", llm.model),
            Err(e) => e.to_string(),
        },
        fingerprint: fingerprint(&llm),
    };
    onboarding::update(settings, |r| r.llm_test = Some(record.clone()))?;
    Ok(record)
}

/// Identifies the settings a test was made with.
pub fn fingerprint(llm: &LlmSettings) -> String {
    format!("{}|{}|{}", llm.provider.as_str(), llm.base_url, llm.model)
}
