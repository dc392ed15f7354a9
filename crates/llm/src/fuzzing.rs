//! Entry points for the fuzz targets in `fuzz/`: the exact functions [`crate::LlmClient`] runs
//! on a provider's 2xx body, without HTTP. Not a stable API.

use crate::{Enrichment, InvalidOutput, LlmError, Usage};

/// What a 2xx body parsed into: the validated output, the usage and the model, as the client
/// reports them in [`crate::LlmResponse`].
pub type Parsed = (
    Result<Enrichment, InvalidOutput>,
    Option<Usage>,
    Option<String>,
);

/// Parses an OpenAI-compatible Chat Completions body.
pub fn parse_openai(body: &[u8]) -> Result<Parsed, LlmError> {
    crate::openai::parse(body).map(|a| (a.output, a.usage, a.model))
}

/// Parses an Anthropic Messages body.
pub fn parse_anthropic(body: &[u8]) -> Result<Parsed, LlmError> {
    crate::anthropic::parse(body).map(|a| (a.output, a.usage, a.model))
}
