//! Token counts, and the rough estimate used for batch cost previews.

use serde::{Deserialize, Serialize};

use crate::prompt::render_prompt;
use crate::request::EnrichmentRequest;
use crate::schema::enrichment_schema;

/// Tokens billed for one call, as the provider reported them (or as estimated when a local
/// server reports none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Usage {
    /// Prompt tokens (OpenAI `prompt_tokens`, Anthropic `input_tokens`).
    pub input_tokens: u64,
    /// Completion tokens (OpenAI `completion_tokens`, Anthropic `output_tokens`).
    pub output_tokens: u64,
}

/// Typical size of a full enrichment answer: ~600 + ~280 characters of text plus JSON
/// punctuation and a few signals, at ~4 characters per token, rounded up generously.
pub const ESTIMATED_OUTPUT_TOKENS: u64 = 300;

/// A rough token estimate (characters / 4, rounded up) for previewing a batch's cost before
/// any call is made. It counts the rendered messages and the schema, which providers bill as
/// input too. Real tokenizers differ by ±30 %; never use this for anything but a preview.
pub fn estimate_tokens(request: &EnrichmentRequest) -> Usage {
    let prompt = render_prompt(request);
    let schema_chars = enrichment_schema().to_string().chars().count();
    let chars = prompt.system.chars().count() + prompt.user.chars().count() + schema_chars;
    Usage {
        input_tokens: chars_to_tokens(chars),
        output_tokens: ESTIMATED_OUTPUT_TOKENS,
    }
}

/// Characters / 4, rounded up.
pub(crate) fn chars_to_tokens(chars: usize) -> u64 {
    u64::try_from(chars.div_ceil(4)).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::request::{Activity, ActivityKind, PromptTemplate};

    fn request(body_chars: usize) -> EnrichmentRequest {
        EnrichmentRequest {
            contact_id: 1,
            properties: BTreeMap::from([("jobtitle".to_owned(), "CTO".to_owned())]),
            activities: vec![Activity {
                kind: ActivityKind::Email,
                id: "e1".to_owned(),
                timestamp: "2025-01-01T00:00:00Z".to_owned(),
                body: "b".repeat(body_chars),
            }],
            prompt: PromptTemplate::default(),
        }
    }

    #[test]
    fn estimate_grows_with_the_input_at_about_four_chars_per_token() {
        let small = estimate_tokens(&request(0));
        let large = estimate_tokens(&request(4_000));
        assert_eq!(large.input_tokens - small.input_tokens, 1_000);
        assert_eq!(small.output_tokens, ESTIMATED_OUTPUT_TOKENS);
        // The fixed part (instructions + schema) is a few hundred tokens, not zero.
        assert!(small.input_tokens > 200, "{small:?}");
        assert!(small.input_tokens < 2_000, "{small:?}");
    }

    #[test]
    fn rounding_is_up() {
        assert_eq!(chars_to_tokens(0), 0);
        assert_eq!(chars_to_tokens(1), 1);
        assert_eq!(chars_to_tokens(4), 1);
        assert_eq!(chars_to_tokens(5), 2);
    }
}
