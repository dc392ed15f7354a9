//! [`Session`]: a relay session scoped to one portal — lease, ack, nack, dead letters.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde::{Serialize, de::DeserializeOwned};
use tokio::sync::Mutex;

use crate::client::CALL_TIMEOUT;
use crate::http::{Call, Http};
use crate::wire::{
    AckRequest, AckResponse, DeadLetterList, DeadLetterQuery, LeaseRequest, LeaseResponse,
    LeasedEvent, NackRequest, NackResponse, ReceiptHandle, RedriveRequest, RedriveResponse,
    SessionRequest, SessionResponse,
};
use crate::{ClientError, Secret};

/// Error type a token source may return.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The future an [`AccessTokenSource`] returns.
pub type TokenFuture = Pin<Box<dyn Future<Output = Result<Secret, BoxError>> + Send>>;

/// Yields a currently valid HubSpot access token for the session's portal.
///
/// Why a callback: relay sessions live about an hour, HubSpot access tokens 30 minutes, and
/// only the engine knows how to refresh them (single-flight, keyring). Any
/// `Fn() -> impl Future<Output = Result<Secret, BoxError>>` closure implements it.
pub trait AccessTokenSource: Send + Sync {
    /// A fresh (or still valid) access token.
    fn access_token(&self) -> TokenFuture;
}

impl<F, Fut> AccessTokenSource for F
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<Secret, BoxError>> + Send + 'static,
{
    fn access_token(&self) -> TokenFuture {
        Box::pin(self())
    }
}

/// Extra time a long-poll request gets on top of its `wait`.
const LONG_POLL_SLACK: Duration = Duration::from_secs(15);
/// Reopen this long before expiry at most (a quarter of the lifetime for short sessions).
const REOPEN_MARGIN: Duration = Duration::from_secs(60);

/// A relay session for one portal. Cheap to clone; clones share the token.
#[derive(Clone)]
pub struct Session {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("portal_id", &self.inner.portal_id)
            .field("reopens", &self.inner.source.is_some())
            .finish()
    }
}

struct Inner {
    http: Http,
    portal_id: u64,
    source: Option<Arc<dyn AccessTokenSource>>,
    current: Mutex<Current>,
}

struct Current {
    token: Secret,
    reopen_at: Instant,
    expires_at: Instant,
    generation: u64,
}

impl Current {
    fn from_response(resp: SessionResponse, generation: u64) -> Self {
        let now = Instant::now();
        let ttl = Duration::from_secs(resp.expires_in);
        let margin = REOPEN_MARGIN.min(ttl / 4);
        Self {
            token: resp.session_token,
            reopen_at: now + ttl - margin,
            expires_at: now + ttl,
            generation,
        }
    }
}

async fn create(http: &Http, access_token: &Secret) -> Result<SessionResponse, ClientError> {
    let body = SessionRequest {
        access_token: access_token.clone(),
    };
    let call = Call {
        method: Method::POST,
        path: "v1/sessions",
        bearer: None,
        body: Some(&body),
        query: None,
        timeout: CALL_TIMEOUT,
    };
    http.call(&call, http.retry).await
}

impl Session {
    pub(crate) async fn open(
        http: Http,
        access_token: &Secret,
        source: Option<Arc<dyn AccessTokenSource>>,
    ) -> Result<Self, ClientError> {
        let resp = create(&http, access_token).await?;
        let portal_id = resp.portal_id;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                portal_id,
                source,
                current: Mutex::new(Current::from_response(resp, 0)),
            }),
        })
    }

    /// The portal (HubSpot `hub_id`) this session is scoped to.
    pub fn portal_id(&self) -> u64 {
        self.inner.portal_id
    }

    /// Leases up to `max` events (≤ 100), long-polling up to `wait` (≤ 20 s) for the first
    /// one; they stay invisible to other leases for `visibility`. Ack each event once it is
    /// durable on your side, or it is delivered again after `visibility`.
    pub async fn lease(
        &self,
        max: u32,
        wait: Duration,
        visibility: Duration,
    ) -> Result<Vec<LeasedEvent>, ClientError> {
        let body = LeaseRequest {
            max_events: max,
            wait_ms: millis(wait),
            visibility_timeout_ms: Some(millis(visibility)),
        };
        let resp: LeaseResponse = self
            .authorized(
                Method::POST,
                "events/lease",
                Some(&body),
                None,
                wait + LONG_POLL_SLACK,
            )
            .await?;
        Ok(resp.events)
    }

    /// Deletes the leased events for good.
    pub async fn ack(&self, receipts: &[ReceiptHandle]) -> Result<AckResponse, ClientError> {
        let body = AckRequest {
            receipts: receipts.to_vec(),
        };
        self.authorized(Method::POST, "events/ack", Some(&body), None, CALL_TIMEOUT)
            .await
    }

    /// Makes the leased events visible again at once (their receive count stays).
    pub async fn nack(&self, receipts: &[ReceiptHandle]) -> Result<NackResponse, ClientError> {
        self.nack_with_delay(receipts, Duration::ZERO).await
    }

    /// Makes the leased events visible again after `delay`.
    pub async fn nack_with_delay(
        &self,
        receipts: &[ReceiptHandle],
        delay: Duration,
    ) -> Result<NackResponse, ClientError> {
        let body = NackRequest {
            receipts: receipts.to_vec(),
            delay_ms: Some(millis(delay)),
        };
        self.authorized(Method::POST, "events/nack", Some(&body), None, CALL_TIMEOUT)
            .await
    }

    /// One page of the portal's dead letters, oldest first.
    pub async fn dead_letters(
        &self,
        query: DeadLetterQuery,
    ) -> Result<DeadLetterList, ClientError> {
        let mut params = Vec::new();
        if let Some(limit) = query.limit {
            params.push(("limit", limit.to_string()));
        }
        if let Some(after) = query.after {
            params.push(("after", after.to_string()));
        }
        self.authorized::<(), _>(Method::GET, "dlq", None, Some(&params), CALL_TIMEOUT)
            .await
    }

    /// Puts dead letters back in the queue (`None`: all of them); returns how many moved.
    pub async fn redrive(&self, ids: Option<Vec<i64>>) -> Result<u64, ClientError> {
        let body = RedriveRequest { ids };
        let resp: RedriveResponse = self
            .authorized(Method::POST, "dlq/redrive", Some(&body), None, CALL_TIMEOUT)
            .await?;
        Ok(resp.redriven)
    }

    /// Sends one portal-scoped call; reopens the session once if the relay says it expired.
    async fn authorized<B, R>(
        &self,
        method: Method,
        suffix: &str,
        body: Option<&B>,
        query: Option<&[(&str, String)]>,
        timeout: Duration,
    ) -> Result<R, ClientError>
    where
        B: Serialize + Sync,
        R: DeserializeOwned,
    {
        let path = format!("v1/portals/{}/{suffix}", self.inner.portal_id);
        let (token, generation) = self.token().await?;
        let mut call = Call {
            method,
            path: &path,
            bearer: Some(&token),
            body,
            query,
            timeout,
        };
        match self.inner.http.call(&call, self.inner.http.retry).await {
            Err(err) if err.is_session_invalid() => {
                if self.inner.source.is_none() {
                    return Err(ClientError::SessionExpired);
                }
                tracing::info!(
                    portal_id = self.inner.portal_id,
                    "relay session expired, reopening"
                );
                self.reopen_if_current(generation).await?;
                let (token, _) = self.token().await?;
                call.bearer = Some(&token);
                self.inner.http.call(&call, self.inner.http.retry).await
            }
            other => other,
        }
    }

    /// The current session token, reopened first when it is about to expire.
    async fn token(&self) -> Result<(Secret, u64), ClientError> {
        let mut current = self.inner.current.lock().await;
        let now = Instant::now();
        if now >= current.reopen_at {
            if self.inner.source.is_some() {
                self.reopen(&mut current).await?;
            } else if now >= current.expires_at {
                return Err(ClientError::SessionExpired);
            }
        }
        Ok((current.token.clone(), current.generation))
    }

    /// Reopens unless another task already did since `generation` was read.
    async fn reopen_if_current(&self, generation: u64) -> Result<(), ClientError> {
        let mut current = self.inner.current.lock().await;
        if current.generation == generation {
            self.reopen(&mut current).await?;
        }
        Ok(())
    }

    async fn reopen(&self, current: &mut Current) -> Result<(), ClientError> {
        let Some(source) = &self.inner.source else {
            return Err(ClientError::SessionExpired);
        };
        let access = source
            .access_token()
            .await
            .map_err(|e| ClientError::TokenSource(e.to_string()))?;
        let resp = create(&self.inner.http, &access).await?;
        if resp.portal_id != self.inner.portal_id {
            return Err(ClientError::PortalChanged {
                expected: self.inner.portal_id,
                got: resp.portal_id,
            });
        }
        *current = Current::from_response(resp, current.generation + 1);
        Ok(())
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
