//! [`LlmClient`]: one configured provider, shared by all enrichment workers.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::Instrument;

use crate::config::LlmConfig;
use crate::enrichment::Enrichment;
use crate::error::LlmError;
use crate::prompt::render_prompt;
use crate::provider::Wire;
use crate::request::{Activity, ActivityKind, EnrichmentRequest, PromptTemplate};
use crate::transport::Transport;
use crate::usage::{ESTIMATED_OUTPUT_TOKENS, Usage, chars_to_tokens};
use crate::validate::InvalidOutput;

/// The outcome of one call that reached the model.
///
/// An invalid answer is still a response: the call happened and was billed, so usage and
/// cost are always here and the engine audits the rejection.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmResponse {
    /// The validated enrichment, or why the answer was rejected.
    pub output: Result<Enrichment, InvalidOutput>,
    /// Tokens as reported by the provider (estimated when a local server reports none).
    pub usage: Usage,
    /// Estimated cost in USD micro-dollars, from [`crate::Price`].
    pub cost_micros: u64,
    /// Wall time of the call, including retries and waiting for a concurrency slot.
    pub latency: Duration,
    /// The model that answered as the provider names it (e.g. a dated snapshot), else the
    /// configured model.
    pub model: String,
}

/// A client for the configured LLM. Cheap to clone; clones share the HTTP connection pool and
/// the concurrency limit.
#[derive(Clone)]
pub struct LlmClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: LlmConfig,
    wire: Wire,
    transport: Transport,
}

impl std::fmt::Debug for LlmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmClient")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl LlmClient {
    /// Checks the configuration and prepares the HTTP client. Sends nothing.
    pub fn new(config: LlmConfig) -> Result<Self, LlmError> {
        if config.model.trim().is_empty() {
            return Err(LlmError::BadConfig(
                "set a model name in Settings → LLM".to_owned(),
            ));
        }
        if config.max_concurrency == 0 {
            return Err(LlmError::BadConfig(
                "the concurrency must be at least 1".to_owned(),
            ));
        }
        if config.timeout.is_zero() {
            return Err(LlmError::BadConfig(
                "the timeout must be longer than 0 s".to_owned(),
            ));
        }
        let wire = Wire::new(&config)?;
        let transport = Transport::new(
            config.timeout,
            config.max_concurrency,
            config.api_key.clone(),
        )?;
        Ok(LlmClient {
            inner: Arc::new(Inner {
                config,
                wire,
                transport,
            }),
        })
    }

    /// The configuration this client was built from (the key stays redacted in `Debug`).
    pub fn config(&self) -> &LlmConfig {
        &self.inner.config
    }

    /// Asks the model to enrich one contact and validates the answer.
    ///
    /// `Err` means no usable HTTP answer (after retries); `Ok` with `output: Err(..)` means
    /// the model answered but the answer was rejected.
    pub async fn enrich(&self, request: &EnrichmentRequest) -> Result<LlmResponse, LlmError> {
        self.call(request, self.inner.config.max_retries).await
    }

    /// Sends one small enrichment of a made-up contact, without retries, for the Settings
    /// "Test" button. Succeeds only when the key works, the model exists and it can produce
    /// Steward's structured output.
    pub async fn test_connection(&self) -> Result<(), LlmError> {
        let response = self.call(&test_request(), 0).await?;
        response.output.map(|_| ()).map_err(LlmError::UnusableModel)
    }

    async fn call(
        &self,
        request: &EnrichmentRequest,
        max_retries: u32,
    ) -> Result<LlmResponse, LlmError> {
        let inner = &self.inner;
        let span = tracing::info_span!(
            "llm_call",
            provider = %inner.config.provider,
            model = %inner.config.model,
            contact_id = request.contact_id,
            prompt_version = request.prompt.version,
            attempts = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
            input_tokens = tracing::field::Empty,
            output_tokens = tracing::field::Empty,
            outcome = tracing::field::Empty,
        );
        async move {
            let started = Instant::now();
            let result = self.round_trip(request, max_retries).await;
            let latency = started.elapsed();
            let span = tracing::Span::current();
            span.record(
                "latency_ms",
                u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
            );
            match result {
                Ok((answer, attempts, prompt_chars)) => {
                    let usage = answer.usage.unwrap_or_else(|| {
                        tracing::debug!("the server reported no token usage; estimating");
                        Usage {
                            input_tokens: chars_to_tokens(prompt_chars),
                            output_tokens: ESTIMATED_OUTPUT_TOKENS,
                        }
                    });
                    let outcome = match &answer.output {
                        Ok(_) => "valid",
                        Err(invalid) => invalid.reason.as_str(),
                    };
                    span.record("attempts", attempts);
                    span.record("input_tokens", usage.input_tokens);
                    span.record("output_tokens", usage.output_tokens);
                    span.record("outcome", outcome);
                    tracing::info!(
                        outcome,
                        attempts,
                        latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
                        input_tokens = usage.input_tokens,
                        output_tokens = usage.output_tokens,
                        "LLM call finished"
                    );
                    Ok(LlmResponse {
                        output: answer.output,
                        cost_micros: inner.config.price.cost_micros(usage),
                        usage,
                        latency,
                        model: answer.model.unwrap_or_else(|| inner.config.model.clone()),
                    })
                }
                Err(error) => {
                    span.record("outcome", "error");
                    tracing::warn!(%error, "LLM call failed");
                    Err(error)
                }
            }
        }
        .instrument(span)
        .await
    }

    /// Renders, sends and parses; returns the answer, the attempts made and the prompt size.
    async fn round_trip(
        &self,
        request: &EnrichmentRequest,
        max_retries: u32,
    ) -> Result<(crate::provider::Answer, u32, usize), LlmError> {
        let inner = &self.inner;
        let prompt = render_prompt(request);
        let prompt_chars = prompt.system.chars().count() + prompt.user.chars().count();
        let body = inner.wire.body(&inner.config.model, &prompt);
        let bytes = serde_json::to_vec(&body)
            .map_err(|err| LlmError::BadConfig(format!("cannot encode the request: {err}")))?;
        let reply = inner
            .transport
            .post_json(&inner.wire.url, &inner.wire.headers, &bytes, max_retries)
            .await?;
        let answer = inner.wire.parse(&reply.body)?;
        Ok((answer, reply.attempts, prompt_chars))
    }
}

/// A small, made-up contact for [`LlmClient::test_connection`].
fn test_request() -> EnrichmentRequest {
    EnrichmentRequest {
        contact_id: 0,
        properties: BTreeMap::from([
            ("jobtitle".to_owned(), "Head of Operations".to_owned()),
            ("lifecyclestage".to_owned(), "opportunity".to_owned()),
        ]),
        activities: vec![Activity {
            kind: ActivityKind::Email,
            id: "test".to_owned(),
            timestamp: "2025-01-06T09:00:00Z".to_owned(),
            body: "Could you send pricing for 20 seats? We want to decide this month.".to_owned(),
        }],
        prompt: PromptTemplate::default(),
    }
}
