//! The admin's LLM choice as stored in settings, and how it becomes a client. The API key is
//! not part of it: it comes from the OS keyring or `STEWARD_LLM_API_KEY`.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use steward_llm::{LlmConfig, Price, Provider};
use ts_rs::TS;

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
        }
    }
}

impl LlmSettings {
    /// The label stored in `ai_model`: model and prompt version.
    pub fn model_label(&self, prompt_version: u32) -> String {
        format!("{}@prompt-v{prompt_version}", self.model)
    }

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
