//! Steward's LLM layer: turns one contact's data into a validated [`Enrichment`] over HTTP.
//!
//! Two API families are spoken: OpenAI-compatible Chat Completions with a strict JSON-schema
//! response format (OpenAI, Azure OpenAI, Ollama, vLLM, LM Studio, llama.cpp) and Anthropic
//! Messages with one forced tool call. Contact data is treated as untrusted input (delimited
//! and JSON-encoded in the prompt) and model output as untrusted output (strictly validated).
//! A rejected answer is a normal [`LlmResponse`] whose `output` is an [`InvalidOutput`], with
//! usage and cost, because the call still happened.
//!
//! ```no_run
//! # async fn demo() -> Result<(), steward_llm::LlmError> {
//! use steward_llm::{EnrichmentRequest, LlmClient, LlmConfig, PromptTemplate, Provider};
//! let client = LlmClient::new(LlmConfig::new(
//!     Provider::OpenAiCompatible,
//!     "http://127.0.0.1:11434/v1",
//!     "llama3.1",
//! ))?;
//! let request = EnrichmentRequest {
//!     contact_id: 1,
//!     properties: Default::default(),
//!     activities: vec![],
//!     prompt: PromptTemplate::default(),
//! };
//! let response = client.enrich(&request).await?;
//! match response.output {
//!     Ok(enrichment) => println!("score {}", enrichment.score),
//!     Err(invalid) => println!("rejected: {invalid}"),
//! }
//! # Ok(()) }
//! ```
//!
//! # Layout
//!
//! - `config` — [`Provider`], [`LlmConfig`] (key as `SecretString`), [`Price`] and cost math.
//! - `presets` — [`Preset`]: OpenAI, Anthropic, Ollama, LM Studio and llama.cpp defaults
//!   (base URL, model, key, limits, prices, [`StructuredOutput`] mechanism).
//! - `request` — [`EnrichmentRequest`], [`Activity`], [`PromptTemplate`] and the built-in
//!   prompt; `Debug` never prints contact data.
//! - `prompt` — renders the system message and the delimited `<contact_data>` block.
//! - `schema` — the output limits and [`enrichment_schema`].
//! - `signal` — the fixed [`IntentSignal`] vocabulary.
//! - `enrichment` — [`Enrichment`], its rule check and its HubSpot property mapping.
//! - `validate` — parsing model output into an `Enrichment` or an [`InvalidOutput`].
//! - `usage` — [`Usage`] and [`estimate_tokens`] for cost previews.
//! - `error` — [`LlmError`] and scrubbing of provider error bodies.
//! - `transport` — the POST with timeout, concurrency bound and jittered retries.
//! - `provider` — endpoint, headers and dispatch per API family.
//! - `openai` / `anthropic` — each family's request body and response parsing.
//! - `client` — [`LlmClient`] and [`LlmResponse`], with a tracing span per call.
//! - `fuzzing` — the response parsers, exposed for the fuzz targets in `fuzz/`.

mod anthropic;
mod client;
mod config;
mod enrichment;
mod error;
#[doc(hidden)]
pub mod fuzzing;
mod openai;
mod presets;
mod prompt;
mod provider;
mod request;
mod schema;
mod signal;
mod transport;
mod usage;
mod validate;

pub use anthropic::ANTHROPIC_VERSION;
pub use client::{LlmClient, LlmResponse};
pub use config::{LlmConfig, Price, Provider, UnknownProvider};
pub use enrichment::{
    Enrichment, PROP_GENERATED_SCORE, PROP_INTENT_SIGNALS, PROP_NEXT_BEST_ACTION,
    PROP_NEXT_BEST_ACTION_CONFIDENCE, PROP_SUMMARY,
};
pub use error::{ERROR_BODY_MAX_CHARS, LlmError};
pub use presets::{PRESETS, Preset, StructuredOutput};
pub use prompt::{
    DATA_CLOSE, DATA_OPEN, MAX_ACTIVITY_BODY_CHARS, MAX_PROPERTY_VALUE_CHARS, RenderedPrompt,
    render_prompt,
};
pub use request::{
    Activity, ActivityKind, DEFAULT_INSTRUCTIONS, EnrichmentRequest, PromptTemplate,
};
pub use schema::{
    MAX_INTENT_SIGNALS, NEXT_BEST_ACTION_MAX_CHARS, SCHEMA_NAME, SCORE_MAX, SUMMARY_MAX_CHARS,
    TOOL_NAME, enrichment_schema,
};
pub use secrecy::SecretString;
pub use signal::{IntentSignal, UnknownSignal};
pub use transport::{MAX_RESPONSE_BYTES, MAX_RETRY_AFTER};
pub use usage::{ESTIMATED_OUTPUT_TOKENS, Usage, estimate_tokens};
pub use validate::{DETAIL_MAX_CHARS, InvalidOutput, InvalidReason, parse_output, validate_value};
