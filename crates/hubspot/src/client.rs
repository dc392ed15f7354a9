//! [`HubSpotClient`]: the handle the engine holds per portal. Cheap to clone; clones share the
//! HTTP connection pool, the token cache, the pacer and the counters.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::Error;
use crate::http::{Auth, Http, Request, Response};
use crate::oauth::DEFAULT_BASE_URL;
use crate::pacer::{Pacer, RateLimit};
use crate::retry::RetryPolicy;
use crate::stats::RequestStats;
use crate::token::TokenSource;

/// Typed async HubSpot API client for one portal.
#[derive(Clone)]
pub struct HubSpotClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: Http,
    tokens: TokenSource,
    pacer: Pacer,
}

impl fmt::Debug for HubSpotClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HubSpotClient")
            .field("base_url", &self.inner.http.base.as_str())
            .field("tokens", &self.inner.tokens)
            .field("pacer", &self.inner.pacer)
            .finish()
    }
}

/// Options for [`HubSpotClient`]; start with [`HubSpotClient::builder`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    tokens: TokenSource,
    base_url: String,
    rate_limit: RateLimit,
    safety_margin: f64,
    pacer: Option<Pacer>,
    retry: RetryPolicy,
    timeout: Duration,
}

impl ClientBuilder {
    /// API base (default `https://api.hubapi.com`; tests use the simulator's URL).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The portal's assumed limit until HubSpot's headers say otherwise (default 110 / 10 s).
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = limit;
        self
    }

    /// Share of the limit the client uses (default 0.9), leaving room for other integrations.
    pub fn safety_margin(mut self, margin: f64) -> Self {
        self.safety_margin = margin;
        self
    }

    /// Shares an existing pacer (several clients for one portal must share one). Overrides
    /// `rate_limit` and `safety_margin`.
    pub fn pacer(mut self, pacer: Pacer) -> Self {
        self.pacer = Some(pacer);
        self
    }

    /// Retry policy for 5xx, timeouts and 429s.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Per-request timeout (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Builds the client. Fails only on a bad base URL.
    pub fn build(self) -> Result<HubSpotClient, Error> {
        let http = Http::new(&self.base_url, self.timeout, self.retry)?;
        let pacer = self
            .pacer
            .unwrap_or_else(|| Pacer::new(self.rate_limit, self.safety_margin));
        Ok(HubSpotClient {
            inner: Arc::new(Inner {
                http,
                tokens: self.tokens,
                pacer,
            }),
        })
    }
}

impl HubSpotClient {
    /// Starts configuring a client that authenticates with `tokens`.
    pub fn builder(tokens: TokenSource) -> ClientBuilder {
        ClientBuilder {
            tokens,
            base_url: DEFAULT_BASE_URL.to_owned(),
            rate_limit: RateLimit::default(),
            safety_margin: 0.9,
            pacer: None,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
        }
    }

    /// A client for `base_url` with default pacing and retries.
    pub fn new(base_url: &str, tokens: TokenSource) -> Result<Self, Error> {
        Self::builder(tokens).base_url(base_url).build()
    }

    /// Counters: requests sent, 429s received, retries, token refreshes.
    pub fn stats(&self) -> RequestStats {
        let mut stats = self.inner.http.counters.snapshot();
        stats.token_refreshes = self.inner.tokens.refresh_count();
        stats
    }

    /// The token source (to hook refresh-token storage or force a renewal).
    pub fn tokens(&self) -> &TokenSource {
        &self.inner.tokens
    }

    /// The portal's pacer (to share with another client of the same portal).
    pub fn pacer(&self) -> &Pacer {
        &self.inner.pacer
    }

    /// The API base URL.
    pub fn base_url(&self) -> &str {
        self.inner.http.base.as_str()
    }

    /// Sends an authenticated, paced request.
    pub(crate) async fn send(&self, req: &Request) -> Result<Response, Error> {
        let auth = Auth {
            tokens: &self.inner.tokens,
            pacer: &self.inner.pacer,
        };
        self.inner
            .http
            .execute(req, Some(auth), Error::from_api)
            .await
    }

    /// Sends and decodes JSON.
    pub(crate) async fn send_json<T: serde::de::DeserializeOwned>(
        &self,
        req: &Request,
    ) -> Result<T, Error> {
        self.send(req).await?.json()
    }
}
