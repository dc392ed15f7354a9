//! The LLM step of onboarding (and of Settings → LLM and the CLI's `--llm-*` flags): start
//! from a preset or from what is stored, apply the values given, validate, put the API key into
//! the OS keyring, and test the whole chain with one real call
//! ([`steward_llm::LlmClient::test_connection`]). The key never reaches settings or SQLite.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use steward_llm::{LlmClient, LlmError, Preset, Provider};
use ts_rs::TS;

use crate::llm_settings::{LlmSettings, LlmUpdate, preset_ids, resolve};
use crate::onboarding::{self, CheckRecord};
use crate::secrets::{self, SecretError, SecretKind};
use crate::settings::{self, Settings};
use crate::{EngineError, clock};

/// What the admin picks in the LLM step. Saved like an [`LlmUpdate`]: with `preset`, the
/// settings start from that preset (its limits and prices too) and the fields below override
/// it; without, they change the stored settings and keep their limits and prices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LlmChoice {
    /// The preset picked in "Start from a preset" (`openai`, `ollama` …; see
    /// [`crate::llm_settings::presets`]); an empty string: typed by hand, forget the stored
    /// preset's name. Absent when the admin did not touch the picker (older front ends never
    /// send it), hence optional.
    #[serde(default)]
    #[ts(optional)]
    pub preset: Option<String>,
    #[ts(type = "\"openai_compatible\" | \"anthropic\"")]
    pub provider: Provider,
    pub base_url: String,
    pub model: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LlmSetupError {
    #[error("the LLM base URL `{0}` is not an http(s) URL such as https://api.openai.com/v1")]
    BadBaseUrl(String),
    #[error("there is no LLM preset `{0}`: choose one of {ids}", ids = preset_ids())]
    UnknownPreset(String),
    /// A limit or price out of range; the message names the range.
    #[error("{0}")]
    OutOfRange(&'static str),
    #[error("these LLM settings cannot work: {0}")]
    Invalid(#[from] LlmError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// The preset with this id (the usual spellings such as `LM Studio` work too).
pub fn find_preset(id: &str) -> Result<&'static Preset, LlmSetupError> {
    Preset::by_id(id).ok_or_else(|| LlmSetupError::UnknownPreset(id.trim().to_owned()))
}

/// Stores the choice (through the same checks as [`update`]: an unknown preset is
/// [`LlmSetupError::UnknownPreset`], a server that needs a key is refused without one) and,
/// when given and not blank, the API key in the keyring. Returns the stored settings.
pub fn save(
    settings: &Settings,
    choice: LlmChoice,
    api_key: Option<SecretString>,
) -> Result<LlmSettings, LlmSetupError> {
    apply(settings, &choice.into(), api_key, stored_key)
}

/// Validates the update and stores it; nothing is stored when it is refused. A provider or
/// preset that needs a key is refused while none is set (environment or keyring), with the
/// message saying where to set it. Returns the stored settings.
pub fn update(settings: &Settings, update: &LlmUpdate) -> Result<LlmSettings, LlmSetupError> {
    apply(settings, update, None, stored_key)
}

fn stored_key() -> Result<Option<SecretString>, SecretError> {
    secrets::get(&SecretKind::LlmApiKey)
}

/// [`save`] and [`update`], with the stored key's lookup injected (tests run without a
/// keyring).
fn apply(
    settings: &Settings,
    update: &LlmUpdate,
    api_key: Option<SecretString>,
    stored_key: impl FnOnce() -> Result<Option<SecretString>, SecretError>,
) -> Result<LlmSettings, LlmSetupError> {
    let llm = resolve(&settings.get::<settings::Llm>()?, update)?;
    let given = api_key
        .map(|k| k.expose_secret().trim().to_owned())
        .filter(|k| !k.is_empty())
        .map(SecretString::from);
    let key = match (&given, key_needed_by(&llm)) {
        (Some(key), _) => Some(key.clone()),
        (None, Some(who)) => Some(stored_key()?.ok_or_else(|| missing_key(who))?),
        (None, None) => None,
    };
    // Checks the model name, the URL's details and the key's characters; sends nothing.
    LlmClient::new(llm.to_config(key))?;
    if let Some(key) = given {
        secrets::set(&SecretKind::LlmApiKey, &key)?;
        // A new key makes the last test say nothing about what is stored now.
        onboarding::update(settings, |r| r.llm_test = None)?;
    }
    settings.set::<settings::Llm>(&llm)?;
    Ok(llm)
}

/// Who refuses requests without a key: Anthropic always, and a preset's server that needs one
/// (OpenAI). `None`: a key is optional (local and other OpenAI-compatible servers).
fn key_needed_by(llm: &LlmSettings) -> Option<&'static str> {
    if llm.provider == Provider::Anthropic {
        return Some("Anthropic");
    }
    llm.preset
        .as_deref()
        .and_then(Preset::by_id)
        .filter(|p| p.needs_key)
        .map(|p| p.label)
}

/// The error the LLM client gives Anthropic without a key, for every server that needs one.
fn missing_key(who: &str) -> LlmSetupError {
    LlmSetupError::Invalid(LlmError::BadConfig(format!(
        "{who} needs an API key: set it in Settings → LLM"
    )))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    fn settings() -> (tempfile::TempDir, Settings) {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("db")).unwrap();
        (tmp, Settings::new(store))
    }

    fn no_key() -> Result<Option<SecretString>, SecretError> {
        Ok(None)
    }

    fn a_key() -> Result<Option<SecretString>, SecretError> {
        Ok(Some(SecretString::from("sk-stored")))
    }

    fn preset(id: &str) -> LlmUpdate {
        LlmUpdate {
            preset: Some(id.into()),
            ..LlmUpdate::default()
        }
    }

    /// What the LLM step sends after "Start from a preset": the preset and the fields it filled
    /// (as the admin left them).
    fn choice(preset: Option<&str>, base_url: &str, model: &str) -> LlmChoice {
        LlmChoice {
            preset: preset.map(Into::into),
            provider: Provider::OpenAiCompatible,
            base_url: base_url.into(),
            model: model.into(),
        }
    }

    #[test]
    fn saving_a_choice_with_the_ollama_preset_stores_its_values_and_needs_no_key() {
        let (_tmp, s) = settings();
        let picked = choice(Some("ollama"), "http://localhost:11434/v1", "llama3.1:8b");
        let stored = apply(&s, &picked.into(), None, || {
            panic!("Ollama needs no key lookup")
        })
        .unwrap();
        assert_eq!(stored.base_url, "http://localhost:11434/v1");
        assert_eq!(stored.model, "llama3.1:8b");
        // Only the preset could have set these: the choice has no limits or prices.
        assert_eq!((stored.timeout_secs, stored.max_concurrency), (180, 2));
        assert_eq!(stored.input_price_per_million_micros, 0);
        assert_eq!(stored.output_price_per_million_micros, 0);
        assert_eq!(stored.preset.as_deref(), Some("ollama"));
        assert_eq!(s.get::<settings::Llm>().unwrap(), stored);
    }

    #[test]
    fn a_choice_overrides_its_preset_and_goes_through_the_same_checks_as_an_update() {
        let (_tmp, s) = settings();
        // The model is the admin's; the server is still LM Studio's, so the label stays.
        let stored = apply(
            &s,
            &choice(Some("lm_studio"), "http://localhost:1234/v1/", "mistral-7b").into(),
            None,
            no_key,
        )
        .unwrap();
        assert_eq!(stored.model, "mistral-7b");
        assert_eq!(stored.timeout_secs, 180);
        assert_eq!(stored.preset.as_deref(), Some("lm_studio"));
        // An unknown preset and a keyless OpenAI are refused, and nothing is stored.
        let err = apply(
            &s,
            &choice(Some("gemini"), "http://localhost:1234/v1", "m").into(),
            None,
            no_key,
        )
        .unwrap_err();
        assert!(matches!(err, LlmSetupError::UnknownPreset(ref id) if id == "gemini"));
        let err = apply(
            &s,
            &choice(Some("openai"), "https://api.openai.com/v1", "gpt-6-luna").into(),
            None,
            no_key,
        )
        .unwrap_err();
        assert!(err.to_string().contains("OpenAI needs an API key"), "{err}");
        assert_eq!(s.get::<settings::Llm>().unwrap(), stored);
        // Without a preset (as front ends before presets send it), the limits stay.
        let json =
            r#"{"provider":"openai_compatible","base_url":"http://gpu-box:1234/v1","model":"m"}"#;
        let typed: LlmChoice = serde_json::from_str(json).unwrap();
        assert_eq!(typed.preset, None);
        let stored = apply(&s, &typed.into(), None, no_key).unwrap();
        assert_eq!((stored.timeout_secs, stored.max_concurrency), (180, 2));
        assert_eq!(stored.preset, None, "another server is not LM Studio");
    }

    #[test]
    fn a_local_preset_fills_every_value_and_needs_no_key() {
        let (_tmp, s) = settings();
        let stored = apply(&s, &preset("ollama"), None, || {
            panic!("a local server needs no key lookup")
        })
        .unwrap();
        assert_eq!(stored.base_url, "http://localhost:11434/v1");
        assert_eq!(stored.model, "llama3.1:8b");
        assert_eq!(stored.timeout_secs, 180);
        assert_eq!(stored.max_concurrency, 2);
        assert_eq!(stored.input_price_per_million_micros, 0);
        assert_eq!(stored.output_price_per_million_micros, 0);
        assert_eq!(stored.preset.as_deref(), Some("ollama"));
        assert_eq!(s.get::<settings::Llm>().unwrap(), stored);
    }

    #[test]
    fn an_unknown_preset_names_the_valid_ones_and_stores_nothing() {
        let (_tmp, s) = settings();
        let err = apply(&s, &preset("gemini"), None, a_key).unwrap_err();
        assert!(matches!(err, LlmSetupError::UnknownPreset(ref id) if id == "gemini"));
        assert_eq!(
            err.to_string(),
            "there is no LLM preset `gemini`: choose one of openai, anthropic, ollama, lm_studio, llama_cpp"
        );
        assert_eq!(s.get::<settings::Llm>().unwrap(), LlmSettings::default());
    }

    #[test]
    fn a_preset_that_needs_a_key_is_refused_without_one() {
        let (_tmp, s) = settings();
        for (id, who) in [("openai", "OpenAI"), ("anthropic", "Anthropic")] {
            let err = apply(&s, &preset(id), None, no_key).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "these LLM settings cannot work: the LLM settings are invalid: {who} needs an API key: set it in Settings → LLM"
                )
            );
            assert_eq!(s.get::<settings::Llm>().unwrap(), LlmSettings::default());
        }
        // The wording is the LLM client's own for Anthropic without a key.
        let client = LlmClient::new(
            LlmSettings::from_preset(find_preset("claude").unwrap()).to_config(None),
        );
        assert_eq!(
            LlmSetupError::from(client.unwrap_err()).to_string(),
            missing_key("Anthropic").to_string()
        );
        let stored = apply(&s, &preset("anthropic"), None, a_key).unwrap();
        assert_eq!(stored.provider, Provider::Anthropic);
        assert_eq!(stored.model, "claude-haiku-4-5");
        assert_eq!(stored.output_price_per_million_micros, 5_000_000);
    }

    #[test]
    fn empty_preset_forgets_the_label_and_limits_are_checked() {
        let (_tmp, s) = settings();
        apply(&s, &preset("openai"), None, a_key).unwrap();
        let custom = apply(&s, &preset(" "), None, no_key).unwrap();
        assert_eq!(custom.preset, None);
        assert_eq!(custom.base_url, "https://api.openai.com/v1");
        assert_eq!(custom.model, "gpt-6-luna");
        for (bad, says) in [
            (
                LlmUpdate {
                    max_concurrency: Some(0),
                    ..LlmUpdate::default()
                },
                "concurrency",
            ),
            (
                LlmUpdate {
                    timeout_secs: Some(601),
                    ..LlmUpdate::default()
                },
                "timeout",
            ),
            (
                LlmUpdate {
                    base_url: Some("ftp://x".into()),
                    ..LlmUpdate::default()
                },
                "not an http(s) URL",
            ),
            (
                LlmUpdate {
                    model: Some("  ".into()),
                    ..LlmUpdate::default()
                },
                "model name",
            ),
        ] {
            let err = apply(&s, &bad, None, no_key).unwrap_err();
            assert!(err.to_string().contains(says), "{err}");
        }
        assert_eq!(s.get::<settings::Llm>().unwrap(), custom);
    }
}
