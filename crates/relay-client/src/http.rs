//! One JSON request to the relay, with jittered exponential backoff on transport errors and 5xx.

use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use reqwest::{Method, StatusCode, Url};
use serde::{Serialize, de::DeserializeOwned};

use crate::{ClientError, ErrorBody, Secret};

/// How the client backs off when the relay is unreachable or failing (5xx).
///
/// Why configurable: the engine's poll loop wants to retry for a while and then surface the
/// outage in the UI; tests want short delays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// First delay.
    pub min_delay: Duration,
    /// Ceiling for one delay.
    pub max_delay: Duration,
    /// Retries after the first attempt (0 = no retry).
    pub max_retries: usize,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            min_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(10),
            max_retries: 8,
        }
    }
}

impl RetryPolicy {
    /// No retries at all (for calls that must not be repeated, such as a code exchange).
    pub const NONE: Self = Self {
        min_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
        max_retries: 0,
    };

    fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_retries)
            .with_jitter()
    }
}

/// Shared HTTP plumbing of the client and its sessions.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    pub client: reqwest::Client,
    pub base: Url,
    pub retry: RetryPolicy,
}

/// A request without retries; [`Http::call`] wraps it.
pub(crate) struct Call<'a, B> {
    pub method: Method,
    pub path: &'a str,
    pub bearer: Option<&'a Secret>,
    pub body: Option<&'a B>,
    pub query: Option<&'a [(&'a str, String)]>,
    pub timeout: Duration,
}

impl Http {
    /// Sends `call`, retrying per `retry` while the error is retryable.
    pub async fn call<B, R>(&self, call: &Call<'_, B>, retry: RetryPolicy) -> Result<R, ClientError>
    where
        B: Serialize + Sync,
        R: DeserializeOwned,
    {
        let attempt = || self.once(call);
        attempt
            .retry(retry.backoff())
            .when(ClientError::is_retryable)
            .notify(|err, delay| {
                tracing::warn!(path = call.path, ?delay, error = %err, "relay call failed, retrying");
            })
            .await
    }

    async fn once<B, R>(&self, call: &Call<'_, B>) -> Result<R, ClientError>
    where
        B: Serialize + Sync,
        R: DeserializeOwned,
    {
        let url = self
            .base
            .join(call.path.trim_start_matches('/'))
            .map_err(|e| ClientError::InvalidBaseUrl(e.to_string()))?;
        let mut req = self
            .client
            .request(call.method.clone(), url)
            .timeout(call.timeout);
        if let Some(token) = call.bearer {
            req = req.bearer_auth(token.expose());
        }
        if let Some(query) = call.query {
            req = req.query(query);
        }
        if let Some(body) = call.body {
            req = req.json(body);
        }
        let resp = req.send().await.map_err(ClientError::Transport)?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(ClientError::Transport)?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map_err(|e| ClientError::InvalidResponse(e.to_string()));
        }
        Err(error_from(status, &bytes))
    }
}

fn error_from(status: StatusCode, bytes: &[u8]) -> ClientError {
    let (code, message) = match serde_json::from_slice::<ErrorBody>(bytes) {
        Ok(body) => (body.error, body.message),
        Err(_) => (
            "http_error".to_owned(),
            status.canonical_reason().unwrap_or("error").to_owned(),
        ),
    };
    let status = status.as_u16();
    if status >= 500 {
        ClientError::Server {
            status,
            code,
            message,
        }
    } else {
        ClientError::Rejected {
            status,
            code,
            message,
        }
    }
}
