//! The admin's LLM choice as stored in settings, how an update (a preset and/or values) changes
//! it, how it becomes a client, and the presets (`steward_llm::PRESETS`) it can start from, as
//! the settings screen lists them. The API key is
//! not part of it: it comes from the OS keyring or `STEWARD_LLM_API_KEY`.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use steward_llm::{LlmConfig, Preset, Price, Provider, StructuredOutput};
use ts_rs::TS;

use crate::llm_setup::{LlmChoice, LlmSetupError, find_preset};

/// Provider, endpoint, model, limits and prices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LlmSettings {
    /// `openai_compatible` or `anthropic`.
    #[ts(type = "\"openai_compatible\" | \"anthropic\"")]
    pub provider: Provider,
    pub base_url: String,
    pub model: String,
    pub timeout_secs: u32,
    pub max_concurrency: u32,
    pub max_retries: u32,
    /// USD micro-dollars per million input tokens.
    #[ts(type = "number")]
    pub input_price_per_million_micros: u64,
    #[ts(type = "number")]
    pub output_price_per_million_micros: u64,
    /// The preset these settings started from (`openai`, `ollama` …), so Settings can show it;
    /// `None` when typed by hand. Only a label: the values above are what Steward uses. Kept
    /// while the provider and base URL are still the preset's (a changed model, limit or price
    /// keeps it). Absent in settings stored before presets, hence optional.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub preset: Option<String>,
}

impl Default for LlmSettings {
    fn default() -> Self {
        Self {
            provider: Provider::OpenAiCompatible,
            base_url: "https://api.openai.com/v1".into(),
            model: "gpt-4o-mini".into(),
            timeout_secs: 60,
            max_concurrency: 8,
            max_retries: 3,
            input_price_per_million_micros: 150_000,
            output_price_per_million_micros: 600_000,
            preset: None,
        }
    }
}

impl LlmSettings {
    /// A preset's provider, base URL, default model, prices, timeout and concurrency, with
    /// Steward's default retries. Nothing secret: the key stays in the keyring.
    pub fn from_preset(preset: &Preset) -> Self {
        Self {
            provider: preset.provider,
            base_url: preset.base_url.to_owned(),
            model: preset.default_model.to_owned(),
            timeout_secs: preset.timeout_secs,
            max_concurrency: preset.max_concurrency,
            input_price_per_million_micros: preset.price.input_per_million_micros,
            output_price_per_million_micros: preset.price.output_per_million_micros,
            preset: Some(preset.id.to_owned()),
            ..Self::default()
        }
    }

    /// The label stored in `ai_model`: model and prompt version.
    pub fn model_label(&self, prompt_version: u32) -> String {
        format!("{}@prompt-v{prompt_version}", self.model)
    }

    /// The client configuration: these settings plus the key (from the keyring or the
    /// environment; `None` for local servers).
    pub fn to_config(&self, api_key: Option<secrecy::SecretString>) -> LlmConfig {
        let mut config = LlmConfig::new(self.provider, self.base_url.clone(), self.model.clone());
        config.api_key = api_key;
        config.timeout = Duration::from_secs(u64::from(self.timeout_secs.max(1)));
        config.max_concurrency = self.max_concurrency.max(1) as usize;
        config.max_retries = self.max_retries;
        config.price = Price {
            input_per_million_micros: self.input_price_per_million_micros,
            output_per_million_micros: self.output_price_per_million_micros,
        };
        config
    }
}

/// A change to the LLM settings (Settings → LLM, `steward --llm-*`). With `preset`, the
/// settings start from that preset and the fields given override its values; without, the
/// fields given change the stored settings. Fields left out keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export, optional_fields)]
pub struct LlmUpdate {
    /// A preset id (`openai`, `anthropic`, `ollama`, `lm_studio`, `llama_cpp`; see
    /// [`crate::llm_settings::presets`]). An empty string: the settings no longer say they
    /// came from a preset.
    pub preset: Option<String>,
    #[ts(type = "\"openai_compatible\" | \"anthropic\"", optional)]
    pub provider: Option<Provider>,
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub max_concurrency: Option<u32>,
    pub timeout_secs: Option<u32>,
    #[ts(type = "number", optional)]
    pub input_price_per_million_micros: Option<u64>,
    #[ts(type = "number", optional)]
    pub output_price_per_million_micros: Option<u64>,
}

impl From<LlmChoice> for LlmUpdate {
    fn from(choice: LlmChoice) -> Self {
        Self {
            preset: choice.preset,
            provider: Some(choice.provider),
            base_url: Some(choice.base_url),
            model: Some(choice.model),
            ..Self::default()
        }
    }
}

/// The settings after an update, checked (URL, limits) but not stored. The preset label is
/// kept while the provider and base URL are still the preset's: pointed elsewhere, the
/// settings no longer describe that server.
pub fn resolve(current: &LlmSettings, update: &LlmUpdate) -> Result<LlmSettings, LlmSetupError> {
    let mut llm = match update.preset.as_deref().map(str::trim) {
        None => current.clone(),
        Some("") => LlmSettings {
            preset: None,
            ..current.clone()
        },
        Some(id) => LlmSettings {
            // Retries are not a property of the server.
            max_retries: current.max_retries,
            ..LlmSettings::from_preset(find_preset(id)?)
        },
    };
    if let Some(provider) = update.provider {
        llm.provider = provider;
    }
    if let Some(base_url) = &update.base_url {
        llm.base_url.clone_from(base_url);
    }
    if let Some(model) = &update.model {
        llm.model.clone_from(model);
    }
    if let Some(n) = update.max_concurrency {
        llm.max_concurrency = n;
    }
    if let Some(secs) = update.timeout_secs {
        llm.timeout_secs = secs;
    }
    if let Some(price) = update.input_price_per_million_micros {
        llm.input_price_per_million_micros = price;
    }
    if let Some(price) = update.output_price_per_million_micros {
        llm.output_price_per_million_micros = price;
    }
    llm.base_url = clean_base_url(&llm.base_url)?;
    llm.model = llm.model.trim().to_owned();
    check_limits(&llm)?;
    if let Some(id) = &llm.preset
        && Preset::by_id(id)
            .is_none_or(|p| p.provider != llm.provider || p.base_url != llm.base_url)
    {
        llm.preset = None;
    }
    Ok(llm)
}

fn clean_base_url(raw: &str) -> Result<String, LlmSetupError> {
    let base_url = raw.trim().trim_end_matches('/').to_owned();
    match url::Url::parse(&base_url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => Ok(base_url),
        _ => Err(LlmSetupError::BadBaseUrl(base_url)),
    }
}

fn check_limits(llm: &LlmSettings) -> Result<(), LlmSetupError> {
    if !(1..=64).contains(&llm.max_concurrency) {
        return Err(LlmSetupError::OutOfRange(
            "LLM concurrency must be between 1 and 64 parallel calls",
        ));
    }
    if !(5..=600).contains(&llm.timeout_secs) {
        return Err(LlmSetupError::OutOfRange(
            "the LLM timeout must be between 5 and 600 seconds",
        ));
    }
    const PRICE_MAX: u64 = 1_000_000_000; // $1,000 per million tokens
    if llm.input_price_per_million_micros > PRICE_MAX
        || llm.output_price_per_million_micros > PRICE_MAX
    {
        return Err(LlmSetupError::OutOfRange(
            "a token price above $1,000 per million tokens is surely a typo",
        ));
    }
    Ok(())
}

/// One preset as Settings → LLM offers it ("Start from a preset"): picking it fills the form
/// with these values, which the admin can still edit before saving. Field names match
/// [`LlmSettings`] so the form can copy them over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LlmPresetInfo {
    /// What `preset` takes in an update and `--llm-preset` on the command line.
    pub id: String,
    pub label: String,
    #[ts(type = "\"openai_compatible\" | \"anthropic\"")]
    pub provider: Provider,
    pub base_url: String,
    pub default_model: String,
    /// Whether the server refuses requests without an API key (saving such a preset without
    /// a key is refused with the message that says where to set it).
    pub needs_key: bool,
    #[ts(type = "number")]
    pub input_price_per_million_micros: u64,
    #[ts(type = "number")]
    pub output_price_per_million_micros: u64,
    /// How the server is made to answer in Steward's format (shown as a hint).
    #[ts(type = "\"strict_json_schema\" | \"forced_tool\" | \"grammar\"")]
    pub structured_output: StructuredOutput,
    pub timeout_secs: u32,
    pub max_concurrency: u32,
}

impl From<&Preset> for LlmPresetInfo {
    fn from(p: &Preset) -> Self {
        Self {
            id: p.id.to_owned(),
            label: p.label.to_owned(),
            provider: p.provider,
            base_url: p.base_url.to_owned(),
            default_model: p.default_model.to_owned(),
            needs_key: p.needs_key,
            input_price_per_million_micros: p.price.input_per_million_micros,
            output_price_per_million_micros: p.price.output_per_million_micros,
            structured_output: p.structured_output,
            timeout_secs: p.timeout_secs,
            max_concurrency: p.max_concurrency,
        }
    }
}

/// Every preset, in the order Settings lists them.
pub fn presets() -> Vec<LlmPresetInfo> {
    Preset::all().iter().map(LlmPresetInfo::from).collect()
}

/// The ids `preset` accepts, for error messages and `--help`: `openai, anthropic, …`.
pub fn preset_ids() -> String {
    Preset::all()
        .iter()
        .map(|p| p.id)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_preset_matches_the_presets_own_config() {
        for preset in Preset::all() {
            let settings = LlmSettings::from_preset(preset);
            let ours = settings.to_config(None);
            let theirs = preset.config();
            assert_eq!(ours.provider, theirs.provider, "{}", preset.id);
            assert_eq!(ours.base_url, theirs.base_url, "{}", preset.id);
            assert_eq!(ours.model, theirs.model, "{}", preset.id);
            assert_eq!(ours.price, theirs.price, "{}", preset.id);
            assert_eq!(ours.timeout, theirs.timeout, "{}", preset.id);
            assert_eq!(
                ours.max_concurrency, theirs.max_concurrency,
                "{}",
                preset.id
            );
            assert!(ours.api_key.is_none());
            assert_eq!(settings.preset.as_deref(), Some(preset.id));
            assert_eq!(settings.max_retries, LlmSettings::default().max_retries);
        }
    }

    #[test]
    fn settings_stored_before_presets_still_read() {
        let old = r#"{"provider":"anthropic","base_url":"https://api.anthropic.com/v1",
            "model":"claude-haiku-4-5","timeout_secs":60,"max_concurrency":8,"max_retries":3,
            "input_price_per_million_micros":1000000,"output_price_per_million_micros":5000000}"#;
        let read: LlmSettings = serde_json::from_str(old).unwrap();
        assert_eq!(read.preset, None);
        assert_eq!(read.provider, Provider::Anthropic);
        let ollama = LlmSettings::from_preset(Preset::by_id("ollama").unwrap());
        let json = serde_json::to_string(&ollama).unwrap();
        assert_eq!(serde_json::from_str::<LlmSettings>(&json).unwrap(), ollama);
    }

    #[test]
    fn the_list_for_the_settings_screen_has_every_preset_in_order() {
        let list = presets();
        assert_eq!(
            list.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
            ["openai", "anthropic", "ollama", "lm_studio", "llama_cpp"]
        );
        assert_eq!(
            preset_ids(),
            "openai, anthropic, ollama, lm_studio, llama_cpp"
        );
        let json = serde_json::to_value(&list[1]).unwrap();
        assert_eq!(json["provider"], "anthropic");
        assert_eq!(json["needs_key"], true);
        assert_eq!(json["structured_output"], "forced_tool");
        assert_eq!(json["output_price_per_million_micros"], 5_000_000);
        let ollama = &list[2];
        assert!(!ollama.needs_key);
        assert_eq!(ollama.base_url, "http://localhost:11434/v1");
        assert_eq!(ollama.default_model, "llama3.1:8b");
    }

    #[test]
    fn fields_given_with_a_preset_override_it() {
        let current = LlmSettings {
            max_retries: 5,
            ..LlmSettings::default()
        };
        let llm = resolve(
            &current,
            &LlmUpdate {
                preset: Some("LM Studio".into()),
                model: Some(" mistral-7b ".into()),
                timeout_secs: Some(300),
                ..LlmUpdate::default()
            },
        )
        .unwrap();
        assert_eq!(llm.base_url, "http://localhost:1234/v1");
        assert_eq!(llm.model, "mistral-7b");
        assert_eq!(llm.timeout_secs, 300);
        assert_eq!(llm.max_concurrency, 2);
        assert_eq!(llm.max_retries, 5, "retries are not the preset's");
        assert_eq!(llm.preset.as_deref(), Some("lm_studio"));
        // Without a preset, only the fields given change; the label stays while the provider
        // and base URL are still the preset's …
        let tuned = resolve(
            &llm,
            &LlmUpdate {
                base_url: Some("http://localhost:1234/v1/".into()),
                max_concurrency: Some(1),
                ..LlmUpdate::default()
            },
        )
        .unwrap();
        assert_eq!(tuned.preset.as_deref(), Some("lm_studio"));
        assert_eq!((tuned.max_concurrency, tuned.timeout_secs), (1, 300));
        // … and another base URL is another server: the label goes, the values stay.
        let moved = resolve(
            &tuned,
            &LlmUpdate {
                base_url: Some("http://gpu-box:1234/v1/".into()),
                ..LlmUpdate::default()
            },
        )
        .unwrap();
        assert_eq!(moved.base_url, "http://gpu-box:1234/v1");
        assert_eq!(moved.model, "mistral-7b");
        assert_eq!(moved.preset, None);
    }
}
