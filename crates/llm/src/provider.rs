//! Provider dispatch: endpoint URL, headers, request body and response parsing for the
//! configured API family.

use reqwest::header::HeaderMap;
use serde_json::Value;
use url::Url;

use crate::config::{LlmConfig, Provider};
use crate::enrichment::Enrichment;
use crate::error::LlmError;
use crate::prompt::RenderedPrompt;
use crate::usage::Usage;
use crate::validate::InvalidOutput;
use crate::{anthropic, openai};

/// What a provider's 2xx body said, in provider-neutral terms.
pub(crate) struct Answer {
    /// The validated enrichment, or why the answer was rejected.
    pub output: Result<Enrichment, InvalidOutput>,
    /// Token counts, when the server reported them.
    pub usage: Option<Usage>,
    /// The exact model that answered, when reported (e.g. a dated snapshot).
    pub model: Option<String>,
}

/// The validated, pre-built parts of every request.
pub(crate) struct Wire {
    pub provider: Provider,
    pub url: Url,
    pub headers: HeaderMap,
}

impl Wire {
    /// Checks the config and builds the endpoint and headers once.
    pub(crate) fn new(config: &LlmConfig) -> Result<Self, LlmError> {
        let base = parse_base(&config.base_url)?;
        let (path, headers) = match config.provider {
            Provider::OpenAiCompatible => (
                "chat/completions",
                openai::headers(config.api_key.as_ref(), is_azure(&base))?,
            ),
            Provider::Anthropic => ("messages", anthropic::headers(config.api_key.as_ref())?),
        };
        Ok(Wire {
            provider: config.provider,
            url: endpoint(&base, path),
            headers,
        })
    }

    pub(crate) fn body(&self, model: &str, prompt: &RenderedPrompt) -> Value {
        match self.provider {
            Provider::OpenAiCompatible => openai::body(model, prompt),
            Provider::Anthropic => anthropic::body(model, prompt),
        }
    }

    pub(crate) fn parse(&self, body: &[u8]) -> Result<Answer, LlmError> {
        match self.provider {
            Provider::OpenAiCompatible => openai::parse(body),
            Provider::Anthropic => anthropic::parse(body),
        }
    }
}

fn parse_base(base_url: &str) -> Result<Url, LlmError> {
    let url = Url::parse(base_url.trim()).map_err(|err| {
        LlmError::BadConfig(format!(
            "the base URL is not a valid URL ({err}): use e.g. https://api.openai.com/v1"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(LlmError::BadConfig(
            "the base URL must be an http:// or https:// URL with a host, e.g. https://api.openai.com/v1"
                .to_owned(),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(LlmError::BadConfig(
            "the base URL must not contain a user name or password: put the key in the API key field"
                .to_owned(),
        ));
    }
    Ok(url)
}

/// `{base}/{path}`, keeping the base's query (Azure's `api-version`) and dropping a fragment.
fn endpoint(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let joined = format!("{}/{path}", base.path().trim_end_matches('/'));
    url.set_path(&joined);
    url.set_fragment(None);
    url
}

/// Azure OpenAI hosts take the key in an `api-key` header instead of a bearer token.
fn is_azure(base: &Url) -> bool {
    base.host_str().is_some_and(|host| {
        let host = host.to_ascii_lowercase();
        host.ends_with(".openai.azure.com")
            || host.ends_with(".cognitiveservices.azure.com")
            || host.ends_with(".services.ai.azure.com")
    })
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    fn url(base: &str, path: &str) -> String {
        endpoint(&parse_base(base).unwrap(), path).to_string()
    }

    #[test]
    fn endpoints_join_paths_and_keep_queries() {
        assert_eq!(
            url("https://api.openai.com/v1", "chat/completions"),
            "https://api.openai.com/v1/chat/completions"
        );
        assert_eq!(
            url("http://127.0.0.1:11434/v1/", "chat/completions"),
            "http://127.0.0.1:11434/v1/chat/completions"
        );
        assert_eq!(
            url("https://api.anthropic.com/v1", "messages"),
            "https://api.anthropic.com/v1/messages"
        );
        assert_eq!(
            url(
                "https://res.openai.azure.com/openai/deployments/gpt4o?api-version=2024-10-21",
                "chat/completions"
            ),
            "https://res.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21"
        );
        assert_eq!(
            url("http://localhost:1234", "chat/completions"),
            "http://localhost:1234/chat/completions"
        );
    }

    #[test]
    fn bad_base_urls_are_bad_config() {
        for bad in [
            "",
            "api.openai.com/v1",
            "ftp://x/v1",
            "http://user:pw@host/v1",
            "file:///tmp",
        ] {
            assert!(
                matches!(parse_base(bad), Err(LlmError::BadConfig(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn azure_hosts_use_the_api_key_header() {
        let mut config = LlmConfig::new(
            Provider::OpenAiCompatible,
            "https://myres.openai.azure.com/openai/v1",
            "gpt-4o",
        );
        config.api_key = Some(SecretString::from("az-key"));
        let wire = Wire::new(&config).unwrap();
        assert_eq!(wire.headers["api-key"], "az-key");
        config.base_url = "https://api.openai.com/v1".to_owned();
        let wire = Wire::new(&config).unwrap();
        assert_eq!(wire.headers["authorization"], "Bearer az-key");
    }
}
