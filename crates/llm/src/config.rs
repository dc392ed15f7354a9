//! Provider choice, endpoint, model, key, limits and price.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::usage::Usage;

/// The API family Steward speaks to the model server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Provider {
    /// OpenAI Chat Completions with a JSON-schema response format: OpenAI, Azure OpenAI,
    /// Ollama, vLLM, LM Studio, llama.cpp server.
    #[serde(
        rename = "openai_compatible",
        alias = "open_ai_compatible",
        alias = "openai"
    )]
    OpenAiCompatible,
    /// Anthropic Messages with a forced tool call for structure.
    #[serde(rename = "anthropic")]
    Anthropic,
}

impl Provider {
    /// The settings spelling (`openai_compatible`, `anthropic`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Provider::OpenAiCompatible => "openai_compatible",
            Provider::Anthropic => "anthropic",
        }
    }

    /// The provider's public API base, the Settings default.
    pub const fn default_base_url(self) -> &'static str {
        match self {
            Provider::OpenAiCompatible => "https://api.openai.com/v1",
            Provider::Anthropic => "https://api.anthropic.com/v1",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The provider name is not one Steward knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown LLM provider {0:?}: use \"openai_compatible\" (OpenAI, Azure, Ollama, vLLM, LM Studio, llama.cpp) or \"anthropic\""
)]
pub struct UnknownProvider(pub String);

impl FromStr for Provider {
    type Err = UnknownProvider;

    /// Accepts the settings spelling and the usual names of compatible servers.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let normal = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        match normal.as_str() {
            "openai_compatible" | "open_ai_compatible" | "openai" | "azure" | "azure_openai"
            | "ollama" | "vllm" | "lm_studio" | "lmstudio" | "llama.cpp" | "llama_cpp" => {
                Ok(Provider::OpenAiCompatible)
            }
            "anthropic" | "claude" => Ok(Provider::Anthropic),
            _ => Err(UnknownProvider(s.to_owned())),
        }
    }
}

/// Model prices in USD micro-dollars per million tokens (so $0.15 / 1M is `150_000`).
/// Integers keep cost sums exact across millions of calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Price {
    /// Price of one million input (prompt) tokens.
    pub input_per_million_micros: u64,
    /// Price of one million output (completion) tokens.
    pub output_per_million_micros: u64,
}

impl Price {
    /// The estimated cost of `usage` in micro-dollars, rounded down; computed in `u128` so
    /// no realistic count can overflow, saturating at `u64::MAX`.
    pub fn cost_micros(&self, usage: Usage) -> u64 {
        // Each product fits in u128 (u64 × u64); only their sum can overflow.
        let input = u128::from(usage.input_tokens) * u128::from(self.input_per_million_micros);
        let output = u128::from(usage.output_tokens) * u128::from(self.output_per_million_micros);
        let total = input.saturating_add(output);
        u64::try_from(total / 1_000_000).unwrap_or(u64::MAX)
    }
}

/// Everything [`crate::LlmClient`] needs. `Debug` is safe to log: the key prints as
/// `[REDACTED]`.
#[derive(Debug, Clone)]
pub struct LlmConfig {
    /// The API family.
    pub provider: Provider,
    /// The API base including the version path, e.g. `https://api.openai.com/v1`,
    /// `http://localhost:11434/v1`, `https://api.anthropic.com/v1`. A query string (Azure's
    /// `?api-version=…`) is kept on every request.
    pub base_url: String,
    /// The model (or Azure deployment) name.
    pub model: String,
    /// The API key; `None` for local servers that need none (required for Anthropic).
    /// Sent as `Authorization: Bearer`, as `api-key` for Azure hosts, or as `x-api-key`.
    pub api_key: Option<SecretString>,
    /// Limit for one HTTP attempt, from connect to the last body byte.
    pub timeout: Duration,
    /// Most requests in flight at once from this client.
    pub max_concurrency: usize,
    /// Extra attempts after a 429, a 5xx, a timeout or a connection failure.
    pub max_retries: u32,
    /// For cost estimates.
    pub price: Price,
}

impl LlmConfig {
    /// A config with Steward's defaults: 60 s timeout, 4 requests in flight, 3 retries,
    /// no price (cost 0) and no key.
    pub fn new(provider: Provider, base_url: impl Into<String>, model: impl Into<String>) -> Self {
        LlmConfig {
            provider,
            base_url: base_url.into(),
            model: model.into(),
            api_key: None,
            timeout: Duration::from_secs(60),
            max_concurrency: 4,
            max_retries: 3,
            price: Price::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_parses_common_names() {
        for name in [
            "openai_compatible",
            "OpenAI",
            "ollama",
            "vLLM",
            "lm-studio",
            "azure",
        ] {
            assert_eq!(
                name.parse::<Provider>().unwrap(),
                Provider::OpenAiCompatible,
                "{name}"
            );
        }
        assert_eq!(
            "anthropic".parse::<Provider>().unwrap(),
            Provider::Anthropic
        );
        assert_eq!("Claude".parse::<Provider>().unwrap(), Provider::Anthropic);
        let err = "gemini".parse::<Provider>().unwrap_err();
        assert!(err.to_string().contains("openai_compatible"));
    }

    #[test]
    fn provider_serde_is_snake_case_and_round_trips() {
        for p in [Provider::OpenAiCompatible, Provider::Anthropic] {
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.as_str()));
            assert_eq!(serde_json::from_str::<Provider>(&json).unwrap(), p);
            assert_eq!(p.to_string().parse::<Provider>().unwrap(), p);
        }
        let alias: Provider = serde_json::from_str("\"open_ai_compatible\"").unwrap();
        assert_eq!(alias, Provider::OpenAiCompatible);
    }

    #[test]
    fn cost_uses_per_million_prices() {
        let price = Price {
            input_per_million_micros: 150_000,  // $0.15 / 1M
            output_per_million_micros: 600_000, // $0.60 / 1M
        };
        let usage = Usage {
            input_tokens: 1_000,
            output_tokens: 200,
        };
        assert_eq!(price.cost_micros(usage), 150 + 120);
        assert_eq!(Price::default().cost_micros(usage), 0);
    }

    #[test]
    fn cost_never_overflows() {
        let price = Price {
            input_per_million_micros: u64::MAX,
            output_per_million_micros: u64::MAX,
        };
        let usage = Usage {
            input_tokens: u64::MAX,
            output_tokens: u64::MAX,
        };
        assert_eq!(price.cost_micros(usage), u64::MAX);
        let modest = Usage {
            input_tokens: 10_000_000_000,
            output_tokens: 0,
        };
        let p = Price {
            input_per_million_micros: 3_000_000,
            output_per_million_micros: 0,
        };
        assert_eq!(p.cost_micros(modest), 30_000_000_000);
    }

    #[test]
    fn debug_redacts_the_key() {
        let mut config = LlmConfig::new(Provider::Anthropic, "http://x", "m");
        config.api_key = Some(SecretString::from("sk-ant-supersecret-123"));
        let debug = format!("{config:?}");
        assert!(!debug.contains("supersecret"), "{debug}");
        assert!(debug.contains("REDACTED"), "{debug}");
    }
}
