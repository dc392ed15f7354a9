//! OAuth v3 token endpoints with the app's client credentials (`/oauth/v3/token`,
//! `/oauth/v3/token/introspect`, `/oauth/v3/token/revoke`).
//!
//! v1 is sunset on 2027-02-16; v3 takes every parameter in a form-encoded body, so ids and
//! secrets never appear in URLs or access logs. The relay holds the only copy of the client
//! secret and uses [`OAuthApp`] for the broker and for consumer introspection; [`OAuthApp`]
//! is also the "direct" [`TokenRefresher`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use serde::Serialize;

use crate::error::Error;
use crate::error_body::ApiError;
use crate::http::{Http, Request};
use crate::model::{Introspection, TokenKind, TokenResponse};
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::stats::RequestStats;
use crate::token::TokenRefresher;

/// HubSpot's production API base.
pub const DEFAULT_BASE_URL: &str = "https://api.hubapi.com";

/// A HubSpot app's OAuth credentials plus an HTTP client for the token endpoints.
/// Cheap to clone.
#[derive(Clone)]
pub struct OAuthApp {
    inner: Arc<Inner>,
}

struct Inner {
    http: Http,
    client_id: String,
    client_secret: Secret,
}

impl fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthApp")
            .field("base_url", &self.inner.http.base.as_str())
            .field("client_id", &self.inner.client_id)
            .field("client_secret", &self.inner.client_secret)
            .finish()
    }
}

#[derive(Serialize)]
struct CodeGrant<'a> {
    grant_type: &'static str,
    client_id: &'a str,
    client_secret: &'a Secret,
    redirect_uri: &'a str,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    code_verifier: Option<&'a str>,
}

#[derive(Serialize)]
struct RefreshGrant<'a> {
    grant_type: &'static str,
    client_id: &'a str,
    client_secret: &'a Secret,
    refresh_token: &'a Secret,
}

#[derive(Serialize)]
struct TokenQuery<'a> {
    client_id: &'a str,
    client_secret: &'a Secret,
    token: &'a Secret,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_type_hint: Option<&'static str>,
}

impl OAuthApp {
    /// An app talking to `base_url` (use [`DEFAULT_BASE_URL`] in production, the simulator's
    /// URL in tests).
    pub fn new(
        base_url: &str,
        client_id: impl Into<String>,
        client_secret: Secret,
    ) -> Result<Self, Error> {
        Self::with_policy(
            base_url,
            client_id,
            client_secret,
            Duration::from_secs(30),
            RetryPolicy::default(),
        )
    }

    /// Like [`OAuthApp::new`] with an explicit timeout and retry policy.
    pub fn with_policy(
        base_url: &str,
        client_id: impl Into<String>,
        client_secret: Secret,
        timeout: Duration,
        retry: RetryPolicy,
    ) -> Result<Self, Error> {
        let http = Http::new(base_url, timeout, retry)?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                client_id: client_id.into(),
                client_secret,
            }),
        })
    }

    /// The app's client id (public; goes into the authorize URL).
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// Requests sent by this app object (token calls).
    pub fn stats(&self) -> RequestStats {
        self.inner.http.counters.snapshot()
    }

    /// Exchanges an authorization code (from the OAuth redirect) for tokens. `code_verifier`
    /// is the PKCE verifier when the authorize URL carried a challenge.
    pub async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &str,
        code_verifier: Option<&str>,
    ) -> Result<TokenResponse, Error> {
        let form = CodeGrant {
            grant_type: "authorization_code",
            client_id: &self.inner.client_id,
            client_secret: &self.inner.client_secret,
            redirect_uri,
            code,
            code_verifier,
        };
        let req = Request::post(["oauth", "v3", "token"]).form(&form)?;
        let resp = self.inner.http.execute(&req, None, token_error).await?;
        resp.json_secret()
    }

    /// Renews the access token. A revoked or unknown refresh token gives [`Error::Reconnect`].
    pub async fn refresh(&self, refresh_token: &Secret) -> Result<TokenResponse, Error> {
        let form = RefreshGrant {
            grant_type: "refresh_token",
            client_id: &self.inner.client_id,
            client_secret: &self.inner.client_secret,
            refresh_token,
        };
        let req = Request::post(["oauth", "v3", "token"]).form(&form)?;
        let resp = self.inner.http.execute(&req, None, refresh_error).await?;
        resp.json_secret()
    }

    /// Asks HubSpot whether a token is valid and whom it belongs to (the relay checks
    /// `app_id` and `hub_id` before trusting a desktop).
    pub async fn introspect(
        &self,
        token: &Secret,
        kind: Option<TokenKind>,
    ) -> Result<Introspection, Error> {
        let form = TokenQuery {
            client_id: &self.inner.client_id,
            client_secret: &self.inner.client_secret,
            token,
            token_type_hint: kind.map(TokenKind::hint),
        };
        let req = Request::post(["oauth", "v3", "token", "introspect"]).form(&form)?;
        let resp = self.inner.http.execute(&req, None, token_error).await?;
        resp.json_secret()
    }

    /// Revokes a token (disconnect). Revoking a refresh token ends the installation's access.
    pub async fn revoke(&self, token: &Secret, kind: Option<TokenKind>) -> Result<(), Error> {
        let form = TokenQuery {
            client_id: &self.inner.client_id,
            client_secret: &self.inner.client_secret,
            token,
            token_type_hint: kind.map(TokenKind::hint),
        };
        let req = Request::post(["oauth", "v3", "token", "revoke"]).form(&form)?;
        self.inner.http.execute(&req, None, token_error).await?;
        Ok(())
    }
}

/// Whether HubSpot rejected the app's own credentials (client id or secret).
fn bad_client(api: &ApiError) -> bool {
    let status = api.body.status.as_deref().unwrap_or_default();
    let error = api.body.error.as_deref().unwrap_or_default();
    status.eq_ignore_ascii_case("BAD_CLIENT_ID")
        || status.eq_ignore_ascii_case("BAD_CLIENT_SECRET")
        || error.eq_ignore_ascii_case("invalid_client")
}

fn client_error(api: ApiError) -> Error {
    Error::Config(format!(
        "HubSpot rejected the app's client id or secret: check HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET ({api})"
    ))
}

/// Token endpoints other than refresh: bad app credentials are a configuration error.
fn token_error(api: ApiError) -> Error {
    if bad_client(&api) {
        client_error(api)
    } else {
        Error::from_api(api)
    }
}

/// On the refresh grant, any other 400/401/403 means the refresh token (or the
/// installation) is no longer valid: only reconnecting helps.
fn refresh_error(api: ApiError) -> Error {
    match api.status {
        _ if bad_client(&api) => client_error(api),
        400 | 401 | 403 => Error::Reconnect(Box::new(api)),
        _ => Error::from_api(api),
    }
}

impl TokenRefresher for OAuthApp {
    fn refresh<'a>(
        &'a self,
        refresh_token: &'a Secret,
    ) -> BoxFuture<'a, Result<TokenResponse, Error>> {
        Box::pin(OAuthApp::refresh(self, refresh_token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secret() {
        let app = OAuthApp::new(
            "http://127.0.0.1:1",
            "cid",
            Secret::new("very-secret-value"),
        )
        .unwrap();
        let text = format!("{app:?}");
        assert!(text.contains("cid"));
        assert!(!text.contains("very-secret-value"));
    }

    #[test]
    fn refresh_rejections_mean_reconnect() {
        let api = ApiError::from_bytes(
            400,
            br#"{"status":"BAD_REFRESH_TOKEN","message":"missing or invalid refresh token"}"#,
        );
        let err = refresh_error(api);
        assert!(matches!(err, Error::Reconnect(_)));
        assert!(
            err.to_string()
                .contains("reconnect in Settings → Connection")
        );
        assert!(matches!(
            refresh_error(ApiError::from_bytes(503, b"")),
            Error::Server { .. }
        ));
        let bad_secret = ApiError::from_bytes(
            400,
            br#"{"status":"BAD_CLIENT_SECRET","message":"missing or invalid client secret"}"#,
        );
        let err = refresh_error(bad_secret);
        assert!(matches!(err, Error::Config(_)));
        assert!(err.to_string().contains("HUBSPOT_CLIENT_SECRET"));
    }
}
