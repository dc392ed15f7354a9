//! Ready-made settings for the LLM servers Steward is documented and tested against (see
//! `docs/llm-providers.md`): OpenAI, Anthropic, and three local OpenAI-compatible servers —
//! Ollama, LM Studio and llama.cpp's `llama-server`.
//!
//! A preset only fills in defaults (API family, base URL, a model that does structured output
//! well, whether a key is needed, limits and list prices); the admin can change every value
//! afterwards. Why they live here: the URL layout, the key header and the structured-output
//! mechanism are properties of the wire protocol this crate speaks, and the integration tests
//! (`tests/it/presets/`) check each preset against a server with that exact layout.

use std::time::Duration;

use serde::Serialize;

use crate::config::{LlmConfig, Price, Provider};

/// How a preset's server turns Steward's schema into structured output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StructuredOutput {
    /// OpenAI Structured Outputs: `response_format` `json_schema` with `strict: true`; the
    /// server guarantees the whole schema.
    StrictJsonSchema,
    /// Anthropic Messages: one forced tool whose `input_schema` is the schema.
    ForcedTool,
    /// The server reads `response_format.json_schema.schema` and samples under a grammar built
    /// from it (llama.cpp's JSON-schema-to-grammar, also inside Ollama and LM Studio). `name`
    /// and `strict` are ignored and schema keywords the converter does not support are not
    /// enforced while sampling; Steward's validator still checks every rule afterwards.
    Grammar,
}

/// One documented server: what Steward's LLM settings start from when the admin picks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Preset {
    /// Stable id: `openai`, `anthropic`, `ollama`, `lm_studio`, `llama_cpp`.
    pub id: &'static str,
    /// What the settings screen shows.
    pub label: &'static str,
    /// The API family Steward speaks to it.
    pub provider: Provider,
    /// The API base, including the version path; Steward appends `/chat/completions` or
    /// `/messages`.
    pub base_url: &'static str,
    /// A model that produces Steward's structured output reliably; any other name works.
    pub default_model: &'static str,
    /// Whether the server refuses requests without an API key (local servers need none unless
    /// they were started with one).
    pub needs_key: bool,
    /// Default prices for cost estimates and the budget (list prices when the preset was
    /// written; local servers cost nothing per token).
    pub price: Price,
    /// How structured output is produced.
    pub structured_output: StructuredOutput,
    /// Per-attempt timeout: local models on a laptop answer much more slowly than hosted ones.
    pub timeout_secs: u32,
    /// Requests in flight at once: a local server with few parallel slots only queues the rest
    /// (and may time them out).
    pub max_concurrency: u32,
}

/// Every preset, in the order the settings screen lists them.
pub const PRESETS: [Preset; 5] = [
    Preset {
        id: "openai",
        label: "OpenAI",
        provider: Provider::OpenAiCompatible,
        base_url: "https://api.openai.com/v1",
        default_model: "gpt-6-luna",
        needs_key: true,
        // $0.10 / $0.50 per 1M tokens.
        price: Price {
            input_per_million_micros: 100_000,
            output_per_million_micros: 500_000,
        },
        structured_output: StructuredOutput::StrictJsonSchema,
        timeout_secs: 60,
        max_concurrency: 8,
    },
    Preset {
        id: "anthropic",
        label: "Anthropic",
        provider: Provider::Anthropic,
        base_url: "https://api.anthropic.com/v1",
        default_model: "claude-haiku-4-5",
        needs_key: true,
        // $1 / $5 per 1M tokens.
        price: Price {
            input_per_million_micros: 1_000_000,
            output_per_million_micros: 5_000_000,
        },
        structured_output: StructuredOutput::ForcedTool,
        timeout_secs: 60,
        max_concurrency: 8,
    },
    Preset::local_server(
        "ollama",
        "Ollama (local)",
        "http://localhost:11434/v1",
        "llama3.1:8b",
    ),
    Preset::local_server(
        "lm_studio",
        "LM Studio (local)",
        "http://localhost:1234/v1",
        "qwen2.5-7b-instruct",
    ),
    // llama-server answers with whatever model it was started with; the name only matters in
    // its router mode (several models), where it picks the model.
    Preset::local_server(
        "llama_cpp",
        "llama.cpp server (local)",
        "http://localhost:8080/v1",
        "local-model",
    ),
];

impl Preset {
    /// A local OpenAI-compatible server: no key, no price, grammar-constrained output, and
    /// the slow-laptop limits (180 s per attempt, 2 requests in flight). The three local
    /// presets differ only in where they listen and which model they suggest.
    const fn local_server(
        id: &'static str,
        label: &'static str,
        base_url: &'static str,
        default_model: &'static str,
    ) -> Preset {
        Preset {
            id,
            label,
            provider: Provider::OpenAiCompatible,
            base_url,
            default_model,
            needs_key: false,
            price: Price {
                input_per_million_micros: 0,
                output_per_million_micros: 0,
            },
            structured_output: StructuredOutput::Grammar,
            timeout_secs: 180,
            max_concurrency: 2,
        }
    }

    /// Every preset.
    pub fn all() -> &'static [Preset] {
        &PRESETS
    }

    /// The preset with this id; also accepts the usual spellings (`LM Studio`, `lmstudio`,
    /// `llama.cpp`, `llama-cpp`, `claude`).
    pub fn by_id(id: &str) -> Option<&'static Preset> {
        let normal = id.trim().to_ascii_lowercase().replace(['-', ' ', '.'], "_");
        let canonical = match normal.as_str() {
            "lmstudio" => "lm_studio",
            "llamacpp" | "llama_server" => "llama_cpp",
            "claude" => "anthropic",
            other => other,
        };
        PRESETS.iter().find(|p| p.id == canonical)
    }

    /// A client configuration with this preset's defaults and no key (the caller adds the key
    /// when [`Preset::needs_key`] says so, or when a local server was started with one).
    pub fn config(&self) -> LlmConfig {
        let mut config = LlmConfig::new(self.provider, self.base_url, self.default_model);
        config.price = self.price;
        config.timeout = Duration::from_secs(u64::from(self.timeout_secs));
        config.max_concurrency = self.max_concurrency as usize;
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_found_by_their_spellings() {
        for (i, preset) in PRESETS.iter().enumerate() {
            assert!(
                PRESETS[i + 1..].iter().all(|p| p.id != preset.id),
                "{}",
                preset.id
            );
            assert_eq!(Preset::by_id(preset.id), Some(preset));
        }
        for (spelling, id) in [
            ("LM Studio", "lm_studio"),
            ("lmstudio", "lm_studio"),
            ("llama.cpp", "llama_cpp"),
            ("llama-cpp", "llama_cpp"),
            ("OpenAI", "openai"),
            ("Claude", "anthropic"),
            (" ollama ", "ollama"),
        ] {
            assert_eq!(
                Preset::by_id(spelling).map(|p| p.id),
                Some(id),
                "{spelling}"
            );
        }
        assert!(Preset::by_id("gemini").is_none());
    }

    #[test]
    fn hosted_presets_need_a_key_and_local_ones_cost_nothing() {
        for preset in Preset::all() {
            let local = preset.base_url.starts_with("http://localhost:");
            assert_eq!(preset.needs_key, !local, "{}", preset.id);
            if local {
                assert_eq!(preset.price, Price::default(), "{}", preset.id);
                assert_eq!(preset.structured_output, StructuredOutput::Grammar);
                assert_eq!(preset.provider, Provider::OpenAiCompatible);
            } else {
                assert!(preset.base_url.starts_with("https://"), "{}", preset.id);
                assert!(preset.price.output_per_million_micros > 0, "{}", preset.id);
            }
            assert!(preset.base_url.ends_with("/v1"), "{}", preset.id);
        }
    }

    #[test]
    fn local_servers_keep_their_documented_values() {
        // Spelled out in full: the shared constructor must not drift from docs/llm-providers.md.
        for (id, label, base_url, default_model) in [
            (
                "ollama",
                "Ollama (local)",
                "http://localhost:11434/v1",
                "llama3.1:8b",
            ),
            (
                "lm_studio",
                "LM Studio (local)",
                "http://localhost:1234/v1",
                "qwen2.5-7b-instruct",
            ),
            (
                "llama_cpp",
                "llama.cpp server (local)",
                "http://localhost:8080/v1",
                "local-model",
            ),
        ] {
            let expected = Preset {
                id,
                label,
                provider: Provider::OpenAiCompatible,
                base_url,
                default_model,
                needs_key: false,
                price: Price {
                    input_per_million_micros: 0,
                    output_per_million_micros: 0,
                },
                structured_output: StructuredOutput::Grammar,
                timeout_secs: 180,
                max_concurrency: 2,
            };
            assert_eq!(Preset::by_id(id), Some(&expected));
        }
        let order: Vec<_> = PRESETS.iter().map(|p| p.id).collect();
        assert_eq!(
            order,
            ["openai", "anthropic", "ollama", "lm_studio", "llama_cpp"]
        );
    }

    #[test]
    fn config_carries_the_defaults() {
        let ollama = Preset::by_id("ollama").unwrap().config();
        assert_eq!(ollama.provider, Provider::OpenAiCompatible);
        assert_eq!(ollama.base_url, "http://localhost:11434/v1");
        assert_eq!(ollama.model, "llama3.1:8b");
        assert_eq!(ollama.timeout, Duration::from_secs(180));
        assert_eq!(ollama.max_concurrency, 2);
        assert!(ollama.api_key.is_none());
        let anthropic = Preset::by_id("anthropic").unwrap().config();
        assert_eq!(anthropic.price.output_per_million_micros, 5_000_000);
    }

    #[test]
    fn serializes_for_the_settings_screen() {
        let json = serde_json::to_value(Preset::by_id("lm_studio").unwrap()).unwrap();
        assert_eq!(json["provider"], "openai_compatible");
        assert_eq!(json["structured_output"], "grammar");
        assert_eq!(json["price"]["input_per_million_micros"], 0);
        assert_eq!(json["needs_key"], false);
    }
}
