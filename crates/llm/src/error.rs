//! Failures of the LLM call itself (as opposed to invalid output, which is a normal result).
//!
//! Every message says what the admin can do. None contains the API key: provider bodies are
//! scrubbed and truncated before they are stored here, and transport errors drop the URL.

use std::time::Duration;

use crate::validate::{InvalidOutput, truncate_chars};

/// Longest provider error body kept in [`LlmError::Http`], in characters.
pub const ERROR_BODY_MAX_CHARS: usize = 500;

/// Why an LLM call produced no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LlmError {
    /// HTTP 401 or 403.
    #[error("the LLM provider refused the API key: set a valid key in Settings → LLM")]
    Unauthorized,
    /// HTTP 429 on every attempt.
    #[error(
        "the LLM provider is rate-limiting Steward (HTTP 429 after {attempts} attempts): lower the concurrency in Settings → LLM or raise the provider's limits"
    )]
    RateLimited {
        /// Attempts made, including the first.
        attempts: u32,
        /// The provider's last `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    /// HTTP 5xx on every attempt.
    #[error(
        "the LLM provider had a server error (HTTP {status} after {attempts} attempts): try again later or check the provider's status page"
    )]
    Server {
        /// The last status.
        status: u16,
        /// Attempts made, including the first.
        attempts: u32,
    },
    /// No complete answer within the timeout, on every attempt.
    #[error(
        "the LLM provider did not answer within {}s ({attempts} attempts): raise the timeout in Settings → LLM or pick a faster model",
        after.as_secs_f64()
    )]
    Timeout {
        /// The per-attempt timeout.
        after: Duration,
        /// Attempts made, including the first.
        attempts: u32,
    },
    /// The server could not be reached (DNS, refused connection, TLS, reset).
    #[error(
        "could not reach the LLM server ({detail}): check the base URL in Settings → LLM and that the server is running"
    )]
    Transport {
        /// What failed, without the URL.
        detail: String,
    },
    /// The configuration cannot work; nothing was sent.
    #[error("the LLM settings are invalid: {0}")]
    BadConfig(String),
    /// Any other non-success status (400, 404, 422, …). Not retried.
    #[error(
        "the LLM provider rejected the request (HTTP {status}): {body} — check the model name and base URL in Settings → LLM"
    )]
    Http {
        /// The HTTP status.
        status: u16,
        /// The provider's body, truncated and scrubbed of anything key-like.
        body: String,
    },
    /// A 2xx answer that is not a Chat Completions / Messages response at all, which usually
    /// means the base URL or provider points at the wrong kind of server.
    #[error(
        "the LLM server's answer is not a valid {provider} response ({detail}): check the provider and base URL in Settings → LLM"
    )]
    Protocol {
        /// The provider family we expected.
        provider: &'static str,
        /// What was wrong, truncated.
        detail: String,
    },
    /// The connection test reached the model but its answer did not fit Steward's schema.
    #[error(
        "the model answered, but not in Steward's format ({0}): pick a model that supports structured output (JSON schema or tool use)"
    )]
    UnusableModel(InvalidOutput),
}

impl LlmError {
    /// Whether another attempt may succeed (429, 5xx, timeout, connection failure).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            LlmError::RateLimited { .. }
                | LlmError::Server { .. }
                | LlmError::Timeout { .. }
                | LlmError::Transport { .. }
        )
    }
}

/// Truncates a provider body and removes the key and anything that looks like an API key
/// (`sk-…`, `sk-ant-…`, long opaque tokens), because some providers echo part of the key.
pub(crate) fn scrub(body: &str, key: Option<&str>) -> String {
    let mut text = body.to_owned();
    if let Some(key) = key.filter(|k| !k.is_empty()) {
        text = text.replace(key, "[redacted]");
    }
    let scrubbed: Vec<String> = text
        .split(' ')
        .map(|word| {
            if looks_like_key(word) {
                "[redacted]".to_owned()
            } else {
                word.to_owned()
            }
        })
        .collect();
    truncate_chars(scrubbed.join(" ").trim(), ERROR_BODY_MAX_CHARS)
}

fn looks_like_key(word: &str) -> bool {
    let word = word.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_');
    if word.starts_with("sk-") || word.starts_with("sk_") {
        return true;
    }
    // A long run of key characters with both letters and digits: an opaque token.
    word.len() >= 32
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && word.chars().any(|c| c.is_ascii_digit())
        && word.chars().any(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_the_key_and_key_like_words() {
        let body = r#"{"error":{"message":"Incorrect API key provided: sk-proj-abc123. You can find your key at ..."}}"#;
        let out = scrub(body, Some("hunter2-the-real-key"));
        assert!(!out.contains("sk-proj-abc123"), "{out}");
        let out = scrub(
            "your key hunter2-the-real-key is wrong",
            Some("hunter2-the-real-key"),
        );
        assert!(!out.contains("hunter2"), "{out}");
        let out = scrub("token a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6 bad", None);
        assert!(!out.contains("a1b2c3d4"), "{out}");
        // Ordinary words survive.
        assert_eq!(scrub("model not found", None), "model not found");
    }

    #[test]
    fn scrub_truncates() {
        let out = scrub(&"word ".repeat(1_000), None);
        assert!(out.chars().count() <= ERROR_BODY_MAX_CHARS);
    }

    #[test]
    fn unauthorized_message_tells_what_to_do() {
        assert_eq!(
            LlmError::Unauthorized.to_string(),
            "the LLM provider refused the API key: set a valid key in Settings → LLM"
        );
    }

    #[test]
    fn retryable_classification() {
        assert!(
            LlmError::Server {
                status: 500,
                attempts: 1
            }
            .is_retryable()
        );
        assert!(
            LlmError::RateLimited {
                attempts: 1,
                retry_after: None
            }
            .is_retryable()
        );
        assert!(!LlmError::Unauthorized.is_retryable());
        assert!(
            !LlmError::Http {
                status: 400,
                body: String::new()
            }
            .is_retryable()
        );
    }
}
