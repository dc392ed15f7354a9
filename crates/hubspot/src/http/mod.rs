//! The one place requests are sent: pacing, bearer token, retries, error mapping, counters
//! and the tracing span. Every API module builds a [`Request`] and calls [`Http::execute`].
//!
//! Policy: 2xx (including 207) is returned; a short-term 429 waits (`Retry-After`, else the
//! limit's interval) and retries, pausing every caller of the same pacer; a daily 429 fails
//! at once; 5xx and transport errors retry with jittered exponential backoff, bounded; a 401
//! with OAuth renews the token once and retries; any other 4xx fails without retry.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use tracing::Instrument;
use tracing::field::Empty;
use url::Url;

use crate::error::{Error, is_daily};
use crate::error_body::ApiError;
use crate::pacer::{Pacer, RateHeaders};
use crate::retry::RetryPolicy;
use crate::stats::Counters;
use crate::token::TokenSource;

mod request;

pub(crate) use request::{Payload, Request, Response};

/// Wait after a 429 when neither `Retry-After` nor a known interval says how long.
const DEFAULT_429_WAIT: Duration = Duration::from_secs(1);

/// Bearer auth plus the portal's pacer, for CRM calls. OAuth endpoints send neither.
#[derive(Clone, Copy)]
pub(crate) struct Auth<'a> {
    pub(crate) tokens: &'a TokenSource,
    pub(crate) pacer: &'a Pacer,
}

/// Shared HTTP machinery.
#[derive(Debug)]
pub(crate) struct Http {
    pub(crate) client: reqwest::Client,
    pub(crate) base: Url,
    pub(crate) retry: RetryPolicy,
    pub(crate) counters: Arc<Counters>,
}

impl Http {
    pub(crate) fn new(
        base_url: &str,
        timeout: Duration,
        retry: RetryPolicy,
    ) -> Result<Self, Error> {
        let base = parse_base(base_url)?;
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("steward-hubspot/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("HTTP client could not be built: {e}")))?;
        Ok(Self {
            client,
            base,
            retry,
            counters: Arc::new(Counters::default()),
        })
    }

    fn url(&self, req: &Request) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(&req.segments);
        }
        if !req.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&req.query);
        }
        url
    }

    /// Sends `req` under the retry policy. Non-success answers that are not retried are turned
    /// into errors by `map_error` (normally [`Error::from_api`]).
    pub(crate) async fn execute(
        &self,
        req: &Request,
        auth: Option<Auth<'_>>,
        map_error: fn(ApiError) -> Error,
    ) -> Result<Response, Error> {
        let endpoint = req.endpoint();
        let span = tracing::info_span!(
            "hubspot.request",
            method = %req.method,
            path = %format!("/{}", req.segments.join("/")),
            status = Empty,
            correlation_id = Empty,
            attempts = Empty,
        );
        self.run(req, auth, map_error, endpoint)
            .instrument(span)
            .await
    }

    async fn run(
        &self,
        req: &Request,
        auth: Option<Auth<'_>>,
        map_error: fn(ApiError) -> Error,
        endpoint: String,
    ) -> Result<Response, Error> {
        let span = tracing::Span::current();
        let url = self.url(req);
        let mut backoff = self.retry.backoff();
        let mut attempts = 0u32;
        let mut rate_limit_retries = 0u32;
        let mut renewed_token = false;
        loop {
            attempts += 1;
            span.record("attempts", attempts);
            if attempts > 1 {
                self.counters.retry();
            }
            let mut builder = self.client.request(req.method.clone(), url.clone());
            let mut used_token = None;
            let mut slot = None;
            if let Some(auth) = auth {
                slot = Some(auth.pacer.acquire().await);
                let token = auth.tokens.access_token().await?;
                builder = builder.bearer_auth(token.expose());
                used_token = Some(token);
            }
            builder = match &req.payload {
                Payload::Empty => builder,
                Payload::Json(bytes) => builder
                    .header(CONTENT_TYPE, "application/json")
                    .body(bytes.clone()),
                Payload::Form(text) => builder
                    .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(text.clone()),
            };
            self.counters.request();
            let answer = send(builder).await;
            if let Some(slot) = slot {
                slot.answered();
            }
            let (status, headers, body) = match answer {
                Ok(answer) => answer,
                Err(source) => match backoff.next() {
                    Some(delay) if !source.is_builder() => {
                        tracing::warn!(error = %source, attempt = attempts, ?delay, "HubSpot unreachable; retrying");
                        tokio::time::sleep(delay).await;
                        continue;
                    }
                    _ => return Err(Error::Transport { source, attempts }),
                },
            };
            span.record("status", status);
            let rate = RateHeaders::from_headers(&headers);
            if let Some(auth) = auth {
                auth.pacer.observe(rate);
            }
            let header_correlation = header_str(&headers, "x-hubspot-correlation-id");
            if let Some(id) = &header_correlation {
                span.record("correlation_id", id.as_str());
            }
            if (200..300).contains(&status) {
                tracing::debug!(remaining = rate.remaining, "HubSpot answered");
                return Ok(Response { body, endpoint });
            }
            let mut api = ApiError::from_bytes(status, &body);
            if api.body.correlation_id.is_none() {
                api.body.correlation_id = header_correlation;
            }
            if let Some(id) = &api.body.correlation_id {
                span.record("correlation_id", id.as_str());
            }
            match status {
                429 => {
                    self.counters.rate_limited();
                    if is_daily(&api) {
                        tracing::warn!("HubSpot daily API limit reached");
                        return Err(Error::RateLimitedDaily(Box::new(api)));
                    }
                    let retry_after = retry_after(&headers);
                    if rate_limit_retries >= self.retry.max_rate_limit_retries {
                        return Err(Error::RateLimited {
                            api: Box::new(api),
                            attempts,
                            retry_after,
                        });
                    }
                    rate_limit_retries += 1;
                    let interval = auth.map(|a| a.pacer.interval()).or(rate.interval);
                    let wait = retry_after
                        .or(interval)
                        .unwrap_or(DEFAULT_429_WAIT)
                        .min(self.retry.max_rate_limit_wait);
                    tracing::info!(
                        ?wait,
                        policy = api.body.policy_name.as_deref(),
                        "HubSpot rate limit hit; waiting"
                    );
                    match auth {
                        Some(auth) => auth.pacer.pause_for(wait),
                        None => tokio::time::sleep(wait).await,
                    }
                }
                500..=599 => match backoff.next() {
                    Some(delay) => {
                        tracing::warn!(
                            status,
                            attempt = attempts,
                            ?delay,
                            "HubSpot server error; retrying"
                        );
                        tokio::time::sleep(delay).await;
                    }
                    None => {
                        return Err(Error::Server {
                            api: Box::new(api),
                            attempts,
                        });
                    }
                },
                401 if !renewed_token
                    && auth.is_some_and(|a| a.tokens.is_oauth())
                    && !api.body.has_category("MISSING_SCOPES") =>
                {
                    // Proactive renewal should prevent this; HubSpot may still revoke early.
                    renewed_token = true;
                    if let (Some(auth), Some(token)) = (auth, &used_token) {
                        auth.tokens.invalidate(token).await;
                    }
                    tracing::info!("HubSpot rejected the access token; renewing once");
                }
                _ => {
                    tracing::debug!(
                        category = api.body.category.as_deref(),
                        "HubSpot refused the request"
                    );
                    return Err(map_error(api));
                }
            }
        }
    }
}

/// Sends and reads the whole body (a failure while reading counts as a transport error).
async fn send(
    builder: reqwest::RequestBuilder,
) -> Result<(u16, HeaderMap, Vec<u8>), reqwest::Error> {
    let resp = builder.send().await?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.bytes().await?.to_vec();
    Ok((status, headers, body))
}

fn header_str(headers: &HeaderMap, name: &str) -> Option<String> {
    Some(headers.get(name)?.to_str().ok()?.trim().to_owned()).filter(|s| !s.is_empty())
}

/// `Retry-After` in seconds (HTTP dates are not used by HubSpot and are ignored).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let secs: f64 = header_str(headers, RETRY_AFTER.as_str())?.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

fn parse_base(base_url: &str) -> Result<Url, Error> {
    let url = Url::parse(base_url)
        .map_err(|e| Error::Config(format!("base URL {base_url:?} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(Error::Config(format!(
            "base URL {base_url:?} must be an http(s) URL"
        )));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_urls_with_escaped_segments() {
        let http = Http::new(
            "http://127.0.0.1:9/prefix/",
            Duration::from_secs(1),
            RetryPolicy::default(),
        )
        .unwrap();
        let req = Request::get(["crm", "v3", "objects", "contacts", "a/b c"])
            .query("properties", "email,firstname");
        assert_eq!(
            http.url(&req).as_str(),
            "http://127.0.0.1:9/prefix/crm/v3/objects/contacts/a%2Fb%20c?properties=email%2Cfirstname"
        );
    }

    #[test]
    fn rejects_bad_base_urls() {
        assert!(Http::new("ftp://x", Duration::from_secs(1), RetryPolicy::default()).is_err());
        assert!(Http::new("not a url", Duration::from_secs(1), RetryPolicy::default()).is_err());
        assert!(
            Http::new(
                "mailto:a@b.c",
                Duration::from_secs(1),
                RetryPolicy::default()
            )
            .is_err()
        );
    }

    #[test]
    fn parses_retry_after() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "2".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), None);
    }
}
