//! OAuth grants and bearer-token checks: codes, refresh tokens, expiring access tokens,
//! the static private-app token, scopes, revocation and introspection.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::error::ApiError;
use crate::secret::Secret;
use crate::util::{random_token, uuid};

/// Who is calling the HubSpot API, put on the request by the auth layer.
#[derive(Clone, Debug)]
pub(crate) struct AuthCtx {
    pub portal_id: u64,
    scopes: Arc<Vec<String>>,
    private_app: bool,
}

impl AuthCtx {
    /// 403 MISSING_SCOPES unless the token was granted `scope`.
    pub(crate) fn require(&self, scope: &str) -> Result<(), ApiError> {
        if self.private_app || self.scopes.iter().any(|s| s == scope) {
            Ok(())
        } else {
            Err(ApiError::missing_scope(scope))
        }
    }
}

/// Why a bearer token was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AuthFailure {
    /// Never issued, revoked, or malformed.
    Unknown,
    /// Issued but past its lifetime.
    Expired { seconds_ago: u64 },
}

/// A refused OAuth token-endpoint call: HubSpot's `{status: "BAD_…", message}`.
#[derive(Debug)]
pub(crate) struct OAuthError {
    pub status: &'static str,
    pub message: &'static str,
}

const fn oauth_err(status: &'static str, message: &'static str) -> OAuthError {
    OAuthError { status, message }
}

/// A freshly issued access/refresh pair.
#[derive(Debug)]
pub(crate) struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
    pub portal_id: u64,
    pub scopes: Arc<Vec<String>>,
    pub user_id: u64,
}

#[derive(Debug)]
struct CodeGrant {
    portal_id: u64,
    scopes: Vec<String>,
    redirect_uri: String,
    user_id: u64,
    issued: Instant,
}

#[derive(Debug)]
struct RefreshGrant {
    portal_id: u64,
    scopes: Arc<Vec<String>>,
    user_id: u64,
}

#[derive(Debug)]
struct AccessGrant {
    portal_id: u64,
    scopes: Arc<Vec<String>>,
    user_id: u64,
    expires: Instant,
    refresh_token: String,
}

/// Every grant the simulator issued.
#[derive(Debug)]
pub(crate) struct Tokens {
    ttl: Duration,
    codes: HashMap<String, CodeGrant>,
    refresh: HashMap<String, RefreshGrant>,
    access: HashMap<String, AccessGrant>,
    private_app: Option<(Secret, u64)>,
}

const CODE_LIFETIME: Duration = Duration::from_secs(600);

impl Tokens {
    pub(crate) fn new(ttl: Duration, private_app: Option<(Secret, u64)>) -> Self {
        Self {
            ttl,
            codes: HashMap::new(),
            refresh: HashMap::new(),
            access: HashMap::new(),
            private_app,
        }
    }

    /// Records an approved authorization and returns the one-time code.
    pub(crate) fn issue_code(
        &mut self,
        portal_id: u64,
        scopes: Vec<String>,
        redirect_uri: &str,
        user_id: u64,
    ) -> String {
        let code = uuid();
        self.codes.insert(
            code.clone(),
            CodeGrant {
                portal_id,
                scopes,
                redirect_uri: redirect_uri.to_owned(),
                user_id,
                issued: Instant::now(),
            },
        );
        code
    }

    fn issue_access(
        &mut self,
        refresh_token: &str,
        portal_id: u64,
        scopes: Arc<Vec<String>>,
        user_id: u64,
    ) -> TokenPair {
        let now = Instant::now();
        // Forget long-dead tokens so a long sandbox run does not grow without bound.
        self.access
            .retain(|_, g| now.saturating_duration_since(g.expires) < Duration::from_secs(86_400));
        let access_token = format!("CN{}", random_token(150));
        self.access.insert(
            access_token.clone(),
            AccessGrant {
                portal_id,
                scopes: scopes.clone(),
                user_id,
                expires: now + self.ttl,
                refresh_token: refresh_token.to_owned(),
            },
        );
        TokenPair {
            access_token,
            refresh_token: refresh_token.to_owned(),
            expires_in: self.ttl.as_secs(),
            portal_id,
            scopes,
            user_id,
        }
    }

    /// `grant_type=authorization_code`: a code is good once, for the redirect URI it was issued to.
    pub(crate) fn exchange_code(
        &mut self,
        code: &str,
        redirect_uri: Option<&str>,
    ) -> Result<TokenPair, OAuthError> {
        let grant = self
            .codes
            .remove(code)
            .filter(|g| g.issued.elapsed() < CODE_LIFETIME)
            .ok_or(oauth_err("BAD_AUTH_CODE", "missing or unknown auth code"))?;
        if redirect_uri != Some(grant.redirect_uri.as_str()) {
            return Err(oauth_err(
                "BAD_REDIRECT_URI",
                "redirect_uri does not match initial auth redirect_uri",
            ));
        }
        let refresh_token = format!("na1-{}", uuid());
        let scopes = Arc::new(grant.scopes);
        self.refresh.insert(
            refresh_token.clone(),
            RefreshGrant {
                portal_id: grant.portal_id,
                scopes: scopes.clone(),
                user_id: grant.user_id,
            },
        );
        Ok(self.issue_access(&refresh_token, grant.portal_id, scopes, grant.user_id))
    }

    /// `grant_type=refresh_token`: a new access token; HubSpot keeps the refresh token.
    pub(crate) fn refresh(&mut self, refresh_token: &str) -> Result<TokenPair, OAuthError> {
        let grant = self.refresh.get(refresh_token).ok_or(oauth_err(
            "BAD_REFRESH_TOKEN",
            "missing or unknown refresh token",
        ))?;
        let (portal_id, scopes, user_id) = (grant.portal_id, grant.scopes.clone(), grant.user_id);
        Ok(self.issue_access(refresh_token, portal_id, scopes, user_id))
    }

    /// Checks a bearer token.
    pub(crate) fn authenticate(&self, token: &str) -> Result<AuthCtx, AuthFailure> {
        if let Some((secret, portal_id)) = &self.private_app
            && secret.matches(token)
        {
            return Ok(AuthCtx {
                portal_id: *portal_id,
                scopes: Arc::new(Vec::new()),
                private_app: true,
            });
        }
        let grant = self.access.get(token).ok_or(AuthFailure::Unknown)?;
        let now = Instant::now();
        if now >= grant.expires {
            return Err(AuthFailure::Expired {
                seconds_ago: now.duration_since(grant.expires).as_secs(),
            });
        }
        Ok(AuthCtx {
            portal_id: grant.portal_id,
            scopes: grant.scopes.clone(),
            private_app: false,
        })
    }

    /// The `/oauth/v3/token/introspect` answer for a token (`{active:false}` when dead).
    pub(crate) fn introspect(&self, token: &str, client_id: &str, app_id: u64) -> Value {
        let body = |use_: &str, portal: u64, scopes: &[String], user: u64, expires_in: u64| {
            json!({
                "token_use": use_,
                "active": true,
                "token": token,
                "hub_id": portal,
                "user_id": user,
                "client_id": client_id,
                "app_id": app_id,
                "scopes": scopes,
                "expires_in": expires_in,
                "is_private_distribution": true,
                "token_type": "bearer",
                "user": format!("user{user}@sim.example"),
                "hub_domain": format!("portal-{portal}.sim.example"),
                "signed_access_token": {
                    "appId": app_id, "hubId": portal, "userId": user,
                    "installingUserId": user, "hublet": "na1",
                    "isPrivateDistribution": true, "isServiceAccount": false, "isUserLevel": false,
                    "scopes": scopes.join(" "),
                },
            })
        };
        if let Some(g) = self.access.get(token) {
            let left = g.expires.saturating_duration_since(Instant::now());
            if !left.is_zero() {
                return body(
                    "access_token",
                    g.portal_id,
                    &g.scopes,
                    g.user_id,
                    left.as_secs(),
                );
            }
        }
        if let Some(g) = self.refresh.get(token) {
            return body("refresh_token", g.portal_id, &g.scopes, g.user_id, 0);
        }
        json!({ "active": false })
    }

    /// Revokes one token: a refresh token takes its access tokens with it.
    pub(crate) fn revoke(&mut self, token: &str) -> bool {
        if self.refresh.remove(token).is_some() {
            self.access.retain(|_, g| g.refresh_token != token);
            return true;
        }
        self.access.remove(token).is_some()
    }

    /// Revokes every OAuth token issued so far (of one portal, or of all).
    pub(crate) fn revoke_all(&mut self, portal_id: Option<u64>) -> usize {
        let keep = |p: u64| portal_id.is_some_and(|want| want != p);
        let before = self.refresh.len() + self.access.len();
        self.refresh.retain(|_, g| keep(g.portal_id));
        self.access.retain(|_, g| keep(g.portal_id));
        self.codes.retain(|_, g| keep(g.portal_id));
        before - self.refresh.len() - self.access.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_flow_refresh_and_revoke() {
        let mut t = Tokens::new(Duration::from_secs(60), None);
        let code = t.issue_code(7, vec!["oauth".into()], "http://x/cb", 1);
        assert!(
            t.exchange_code(&code, Some("http://y/cb")).is_err(),
            "wrong redirect"
        );
        let code = t.issue_code(7, vec!["oauth".into()], "http://x/cb", 1);
        let pair = t.exchange_code(&code, Some("http://x/cb")).unwrap();
        assert!(
            t.exchange_code(&code, Some("http://x/cb")).is_err(),
            "code reused"
        );
        let ctx = t.authenticate(&pair.access_token).unwrap();
        assert_eq!(ctx.portal_id, 7);
        assert!(ctx.require("oauth").is_ok());
        assert!(ctx.require("crm.schemas.contacts.write").is_err());
        let again = t.refresh(&pair.refresh_token).unwrap();
        assert_eq!(again.refresh_token, pair.refresh_token);
        assert!(t.revoke(&pair.refresh_token));
        assert_eq!(
            t.authenticate(&again.access_token).unwrap_err(),
            AuthFailure::Unknown
        );
        assert_eq!(t.introspect(&pair.refresh_token, "c", 1)["active"], false);
    }

    #[test]
    fn tokens_expire() {
        let mut t = Tokens::new(Duration::ZERO, None);
        let code = t.issue_code(7, vec![], "u", 1);
        let pair = t.exchange_code(&code, Some("u")).unwrap();
        assert!(matches!(
            t.authenticate(&pair.access_token),
            Err(AuthFailure::Expired { .. })
        ));
    }
}
