//! One JSON POST with a timeout, a concurrency bound and jittered retries.
//!
//! Retried: 429 (waiting for `Retry-After` / `retry-after-ms` when sent), 5xx, timeouts and
//! connection failures. Never retried: any other 4xx, which a second identical request would
//! only repeat. A permit of the client-wide semaphore is held for each attempt, not across
//! the backoff sleeps, so a waiting retry does not block other contacts.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;
use url::Url;

use crate::error::{LlmError, scrub};
use crate::validate::truncate_chars;

/// The longest `Retry-After` Steward honours; a longer one is cut to this so one call cannot
/// hang for minutes (the job layer retries later anyway).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// Largest response body read, in bytes: an enrichment answer is a few kilobytes.
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// The shared HTTP machinery of one [`crate::LlmClient`].
pub(crate) struct Transport {
    http: reqwest::Client,
    permits: Arc<Semaphore>,
    timeout: Duration,
    key: Option<SecretString>,
}

/// A successful (2xx) answer.
pub(crate) struct Reply {
    pub body: Vec<u8>,
    pub attempts: u32,
}

/// One failed attempt and how long the server asked us to wait.
struct Failure {
    error: LlmError,
    retry_after: Option<Duration>,
}

impl Transport {
    pub(crate) fn new(
        timeout: Duration,
        max_concurrency: usize,
        key: Option<SecretString>,
    ) -> Result<Self, LlmError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("steward/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|err| LlmError::BadConfig(format!("cannot build the HTTP client: {err}")))?;
        Ok(Transport {
            http,
            permits: Arc::new(Semaphore::new(max_concurrency)),
            timeout,
            key,
        })
    }

    /// POSTs `body` (JSON) to `url` with `headers`, retrying up to `max_retries` times.
    pub(crate) async fn post_json(
        &self,
        url: &Url,
        headers: &HeaderMap,
        body: &[u8],
        max_retries: u32,
    ) -> Result<Reply, LlmError> {
        let attempts = AtomicU32::new(0);
        let backoff = ExponentialBuilder::default()
            .with_jitter()
            .with_min_delay(FIRST_BACKOFF)
            .with_max_delay(MAX_BACKOFF)
            .with_max_times(usize::try_from(max_retries).unwrap_or(usize::MAX));
        let result = (|| async {
            attempts.fetch_add(1, Ordering::Relaxed);
            self.attempt(url, headers, body).await
        })
        .retry(backoff)
        .when(|failure: &Failure| failure.error.is_retryable())
        .adjust(|failure: &Failure, next: Option<Duration>| {
            next.map(|delay| {
                failure
                    .retry_after
                    .map_or(delay, |ra| ra.min(MAX_RETRY_AFTER))
            })
        })
        .notify(|failure: &Failure, delay: Duration| {
            tracing::warn!(
                error = %failure.error,
                retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "LLM attempt failed; retrying"
            );
        })
        .await;
        let attempts = attempts.load(Ordering::Relaxed);
        match result {
            Ok(body) => Ok(Reply { body, attempts }),
            Err(failure) => Err(with_attempts(failure.error, attempts)),
        }
    }

    async fn attempt(
        &self,
        url: &Url,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Vec<u8>, Failure> {
        let _permit = self.permits.acquire().await.map_err(|_| Failure {
            error: LlmError::Transport {
                detail: "the LLM client is shutting down".to_owned(),
            },
            retry_after: None,
        })?;
        let response = self
            .http
            .post(url.clone())
            .headers(headers.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .timeout(self.timeout)
            .body(body.to_vec())
            .send()
            .await
            .map_err(|err| self.transport_failure(err))?;
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let bytes = read_capped(response)
            .await
            .map_err(|err| self.transport_failure(err))?;
        if status.is_success() {
            return Ok(bytes);
        }
        Err(Failure {
            error: self.status_error(status, &bytes, retry_after),
            retry_after,
        })
    }

    fn status_error(
        &self,
        status: StatusCode,
        body: &[u8],
        retry_after: Option<Duration>,
    ) -> LlmError {
        match status.as_u16() {
            401 | 403 => LlmError::Unauthorized,
            429 => LlmError::RateLimited {
                attempts: 0,
                retry_after,
            },
            code @ 500..=599 => LlmError::Server {
                status: code,
                attempts: 0,
            },
            code => LlmError::Http {
                status: code,
                body: self.scrub(&error_message(body)),
            },
        }
    }

    fn transport_failure(&self, err: reqwest::Error) -> Failure {
        let error = if err.is_timeout() {
            LlmError::Timeout {
                after: self.timeout,
                attempts: 0,
            }
        } else {
            LlmError::Transport {
                detail: self.scrub(&describe(&err.without_url())),
            }
        };
        Failure {
            error,
            retry_after: None,
        }
    }

    pub(crate) fn scrub(&self, text: &str) -> String {
        scrub(text, self.key.as_ref().map(|k| k.expose_secret()))
    }
}

/// The error and its causes on one line (reqwest's top-level message alone is vague).
fn describe(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = MAX_RESPONSE_BYTES.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if room <= chunk.len() {
            break;
        }
    }
    Ok(body)
}

/// The provider's `error.message` when the body is the usual JSON error (OpenAI and
/// Anthropic both use it), else the body as text.
fn error_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let parsed: Option<serde_json::Value> = serde_json::from_str(&text).ok();
    let message = parsed.as_ref().and_then(|v| {
        v.pointer("/error/message")
            .or_else(|| v.get("message"))
            .or_else(|| v.get("error"))
            .and_then(|m| m.as_str())
            .map(str::to_owned)
    });
    truncate_chars(message.as_deref().unwrap_or(&text), 2_000)
}

/// `retry-after-ms` (OpenAI), then `Retry-After` as seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds = |secs: f64| {
        // Clamp before converting: `from_secs_f64` panics on huge values.
        (secs.is_finite() && secs >= 0.0)
            .then(|| Duration::from_secs_f64(secs.min(MAX_RETRY_AFTER.as_secs_f64())))
    };
    if let Some(wait) = header_str(headers, "retry-after-ms")
        .and_then(|v| v.parse::<f64>().ok())
        .and_then(|ms| seconds(ms / 1_000.0))
    {
        return Some(wait);
    }
    let value = header_str(headers, RETRY_AFTER.as_str())?;
    if let Ok(secs) = value.parse::<f64>() {
        return seconds(secs);
    }
    let date =
        time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    let wait = date - time::OffsetDateTime::now_utc();
    Some(
        Duration::try_from(wait)
            .unwrap_or(Duration::ZERO)
            .min(MAX_RETRY_AFTER),
    )
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

fn with_attempts(error: LlmError, attempts: u32) -> LlmError {
    match error {
        LlmError::RateLimited { retry_after, .. } => LlmError::RateLimited {
            attempts,
            retry_after,
        },
        LlmError::Server { status, .. } => LlmError::Server { status, attempts },
        LlmError::Timeout { after, .. } => LlmError::Timeout { after, attempts },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn retry_after_seconds_ms_and_dates() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", "2")])),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after-ms", "150"), ("retry-after", "9")])),
            Some(Duration::from_millis(150))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "3600")])),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(retry_after(&headers(&[])), None);
        assert_eq!(
            retry_after(&headers(&[("retry-after", "1e300")])),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after-ms", "1e308")])),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "-5")])), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "NaN")])), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
        // A date in the past means "now".
        assert_eq!(
            retry_after(&headers(&[(
                "retry-after",
                "Sun, 06 Nov 1994 08:49:37 GMT"
            )])),
            Some(Duration::ZERO)
        );
        let future = time::OffsetDateTime::now_utc() + time::Duration::seconds(30);
        let formatted = future
            .format(&time::format_description::well_known::Rfc2822)
            .unwrap();
        let wait = retry_after(&headers(&[("retry-after", &formatted)])).unwrap();
        assert!(
            wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
    }

    #[test]
    fn error_message_prefers_the_json_message() {
        let body = br#"{"error":{"message":"model 'x' not found","type":"invalid_request_error"}}"#;
        assert_eq!(error_message(body), "model 'x' not found");
        let anthropic =
            br#"{"type":"error","error":{"type":"not_found_error","message":"model: x"}}"#;
        assert_eq!(error_message(anthropic), "model: x");
        assert_eq!(error_message(b"plain text"), "plain text");
    }
}
