//! [`RelayClient`]: the relay's base URL plus the calls that need no session (OAuth broker).

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, Url};

use crate::http::{Call, Http, RetryPolicy};
use crate::session::{AccessTokenSource, Session};
use crate::wire::{
    OAuthRefreshRequest, OAuthRevokeRequest, OAuthRevokeResponse, OAuthStartRequest,
    OAuthStartResponse, OAuthTokenRequest, TokenSet,
};
use crate::{ClientError, Secret};

/// Timeout of one call that is not a long-poll.
pub(crate) const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// A handle on one relay. Cheap to clone; clones share the connection pool.
#[derive(Debug, Clone)]
pub struct RelayClient {
    pub(crate) http: Http,
}

impl RelayClient {
    /// A client for the relay at `base_url` (for example `https://relay.example.com`).
    pub fn new(base_url: &str) -> Result<Self, ClientError> {
        let mut base =
            Url::parse(base_url).map_err(|_| ClientError::InvalidBaseUrl(base_url.to_owned()))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(ClientError::InvalidBaseUrl(base_url.to_owned()));
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(ClientError::Transport)?;
        Ok(Self {
            http: Http {
                client,
                base,
                retry: RetryPolicy::default(),
            },
        })
    }

    /// Replaces the backoff used on transport errors and 5xx (default: [`RetryPolicy::default`]).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.http.retry = retry;
        self
    }

    /// Uses a caller-built `reqwest::Client` (proxy settings, custom roots).
    pub fn with_http_client(mut self, client: reqwest::Client) -> Self {
        self.http.client = client;
        self
    }

    /// The relay's base URL.
    pub fn base_url(&self) -> &Url {
        &self.http.base
    }

    /// Opens a session for the portal of `access_token`. When the session expires, calls fail
    /// with [`ClientError::SessionExpired`]; use [`RelayClient::open_session_with`] to have
    /// the session reopen itself.
    pub async fn open_session(&self, access_token: &Secret) -> Result<Session, ClientError> {
        Session::open(self.http.clone(), access_token, None).await
    }

    /// Opens a session that reopens itself before and when it expires, asking `source` for a
    /// fresh HubSpot access token each time (the engine passes its token-refresh closure).
    pub async fn open_session_with(
        &self,
        source: impl AccessTokenSource + 'static,
    ) -> Result<Session, ClientError> {
        let source: Arc<dyn AccessTokenSource> = Arc::new(source);
        let token = source
            .access_token()
            .await
            .map_err(|e| ClientError::TokenSource(e.to_string()))?;
        Session::open(self.http.clone(), &token, Some(source)).await
    }

    /// Starts the OAuth flow: the broker stores `code_challenge` (S256) and returns the
    /// HubSpot authorize URL to open in the browser and the `state` to expect back.
    pub async fn oauth_start(
        &self,
        code_challenge: &str,
    ) -> Result<OAuthStartResponse, ClientError> {
        let body = OAuthStartRequest {
            code_challenge: code_challenge.to_owned(),
            code_challenge_method: "S256".to_owned(),
        };
        self.post("oauth/start", &body, self.http.retry).await
    }

    /// Finishes the OAuth flow. Never retried: `state` is single-use, so a failure means
    /// starting over with [`RelayClient::oauth_start`].
    pub async fn oauth_token(
        &self,
        code: &Secret,
        state: &str,
        code_verifier: &Secret,
    ) -> Result<TokenSet, ClientError> {
        let body = OAuthTokenRequest {
            code: code.clone(),
            state: state.to_owned(),
            code_verifier: code_verifier.clone(),
        };
        self.post("oauth/token", &body, RetryPolicy::NONE).await
    }

    /// Exchanges a refresh token for a new access token through the broker.
    pub async fn oauth_refresh(&self, refresh_token: &Secret) -> Result<TokenSet, ClientError> {
        let body = OAuthRefreshRequest {
            refresh_token: refresh_token.clone(),
        };
        self.post("oauth/refresh", &body, self.http.retry).await
    }

    /// Revokes a refresh token at HubSpot through the broker ("Disconnect"). Retried on
    /// transport errors and 5xx: revoking twice is harmless.
    pub async fn oauth_revoke(&self, refresh_token: &Secret) -> Result<(), ClientError> {
        let body = OAuthRevokeRequest {
            refresh_token: refresh_token.clone(),
        };
        let _: OAuthRevokeResponse = self.post("oauth/revoke", &body, self.http.retry).await?;
        Ok(())
    }

    /// `GET /healthz`: Ok when the relay is up and its storage answers.
    pub async fn health(&self) -> Result<(), ClientError> {
        let call: Call<'_, ()> = Call {
            method: Method::GET,
            path: "healthz",
            bearer: None,
            body: None,
            query: None,
            timeout: CALL_TIMEOUT,
        };
        let _: serde_json::Value = self.http.call(&call, self.http.retry).await?;
        Ok(())
    }

    async fn post<B, R>(&self, path: &str, body: &B, retry: RetryPolicy) -> Result<R, ClientError>
    where
        B: serde::Serialize + Sync,
        R: serde::de::DeserializeOwned,
    {
        let call = Call {
            method: Method::POST,
            path,
            bearer: None,
            body: Some(body),
            query: None,
            timeout: CALL_TIMEOUT,
        };
        self.http.call(&call, retry).await
    }
}
