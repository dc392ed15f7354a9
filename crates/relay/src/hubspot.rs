//! The HubSpot calls the relay makes: code exchange, refresh, token introspection and
//! revocation (all `/oauth/v3/…`, form-encoded, with the app's client secret in the body).

use std::time::Duration;

use relay_client::{Secret, TokenSet};
use serde_json::Value;
use url::Url;

/// A failed HubSpot call. Messages never contain the client secret or a token.
#[derive(Debug, thiserror::Error)]
pub enum HubSpotError {
    /// HubSpot answered 4xx (bad code, revoked refresh token, …).
    #[error("HubSpot refused the request (HTTP {status}): {message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// HubSpot's `status`/`message`, secrets scrubbed.
        message: String,
    },
    /// HubSpot could not be reached or answered 5xx.
    #[error("HubSpot is unavailable: {0}")]
    Unavailable(String),
    /// HubSpot answered 200 with something unexpected.
    #[error("HubSpot sent an unexpected answer: {0}")]
    Invalid(String),
}

/// What introspection says about an access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Introspection {
    /// `active`.
    pub active: bool,
    /// `hub_id`: the portal.
    pub hub_id: Option<u64>,
    /// `app_id`.
    pub app_id: Option<u64>,
    /// `expires_in` seconds.
    pub expires_in: Option<u64>,
    /// `token_use` (`access_token` or `refresh_token`) when HubSpot says.
    pub token_use: Option<String>,
}

/// HubSpot's OAuth endpoints with the app's credentials.
#[derive(Clone)]
pub struct HubSpotOAuth {
    http: reqwest::Client,
    api_base: Url,
    client_id: String,
    client_secret: Secret,
    redirect_uri: String,
}

impl HubSpotOAuth {
    /// A client for `api_base` (HubSpot or the simulator).
    pub fn new(
        api_base: Url,
        client_id: String,
        client_secret: Secret,
        redirect_uri: String,
    ) -> Result<Self, HubSpotError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| HubSpotError::Unavailable(e.to_string()))?;
        Ok(Self {
            http,
            api_base,
            client_id,
            client_secret,
            redirect_uri,
        })
    }

    /// `grant_type=authorization_code`.
    pub async fn exchange_code(&self, code: &Secret) -> Result<TokenSet, HubSpotError> {
        let form = [
            ("grant_type", "authorization_code"),
            ("client_id", &self.client_id),
            ("client_secret", self.client_secret.expose()),
            ("redirect_uri", &self.redirect_uri),
            ("code", code.expose()),
        ];
        self.token_call(&form).await
    }

    /// `grant_type=refresh_token`.
    pub async fn refresh(&self, refresh_token: &Secret) -> Result<TokenSet, HubSpotError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", &self.client_id),
            ("client_secret", self.client_secret.expose()),
            ("redirect_uri", &self.redirect_uri),
            ("refresh_token", refresh_token.expose()),
        ];
        self.token_call(&form).await
    }

    /// `POST /oauth/v3/token/introspect`.
    pub async fn introspect(&self, access_token: &Secret) -> Result<Introspection, HubSpotError> {
        let form = [
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose()),
            ("token_type_hint", "access_token"),
            ("token", access_token.expose()),
        ];
        let v = self.post("oauth/v3/token/introspect", &form).await?;
        let active = v
            .get("active")
            .and_then(Value::as_bool)
            .ok_or_else(|| HubSpotError::Invalid("introspection without `active`".into()))?;
        Ok(Introspection {
            active,
            hub_id: number(&v, "hub_id"),
            app_id: number(&v, "app_id"),
            expires_in: number(&v, "expires_in"),
            token_use: v
                .get("token_use")
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    }

    /// `POST /oauth/v3/token/revoke` for a refresh token (HubSpot answers 200 also for a token
    /// it does not know, so revoking twice is fine).
    pub async fn revoke(&self, refresh_token: &Secret) -> Result<(), HubSpotError> {
        let form = [
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose()),
            ("token_type_hint", "refresh_token"),
            ("token", refresh_token.expose()),
        ];
        self.send("oauth/v3/token/revoke", &form).await.map(|_| ())
    }

    async fn token_call(&self, form: &[(&str, &str)]) -> Result<TokenSet, HubSpotError> {
        let v = self.post("oauth/v3/token", form).await?;
        serde_json::from_value(v).map_err(|_| {
            HubSpotError::Invalid("the token response lacks access_token or expires_in".into())
        })
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Result<Value, HubSpotError> {
        let body = self.send(path, form).await?;
        body.ok_or_else(|| HubSpotError::Invalid("the answer is not JSON".into()))
    }

    /// One form POST; `Ok(None)` for a 2xx whose body is not JSON (revoke answers empty).
    async fn send(&self, path: &str, form: &[(&str, &str)]) -> Result<Option<Value>, HubSpotError> {
        let url = self
            .api_base
            .join(path)
            .map_err(|e| HubSpotError::Invalid(e.to_string()))?;
        let resp = self
            .http
            .post(url)
            .form(form)
            .send()
            .await
            .map_err(|e| HubSpotError::Unavailable(self.scrub(&e.without_url().to_string())))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| HubSpotError::Unavailable(self.scrub(&e.without_url().to_string())))?;
        let body: Option<Value> = serde_json::from_slice(&bytes).ok();
        if status.is_success() {
            return Ok(body);
        }
        let message = body
            .as_ref()
            .map(|b| {
                let field = |k| b.get(k).and_then(Value::as_str).unwrap_or_default();
                format!("{} {}", field("status"), field("message"))
            })
            .unwrap_or_default();
        let message = self.scrub(message.trim());
        if status.is_server_error() || status.as_u16() == 429 {
            Err(HubSpotError::Unavailable(format!(
                "HTTP {}: {message}",
                status.as_u16()
            )))
        } else {
            Err(HubSpotError::Rejected {
                status: status.as_u16(),
                message,
            })
        }
    }

    /// Removes the client secret from text that may end up in a response or log, and caps it.
    fn scrub(&self, text: &str) -> String {
        let mut out = text.replace(self.client_secret.expose(), "[redacted]");
        if out.len() > 300 {
            let cut = (0..=300)
                .rev()
                .find(|i| out.is_char_boundary(*i))
                .unwrap_or(0);
            out.truncate(cut);
        }
        out
    }
}

fn number(v: &Value, key: &str) -> Option<u64> {
    match v.get(key)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}
