//! OAuth v3 token and introspection answers.

use serde::{Deserialize, Serialize};

use crate::lenient;
use crate::secret::Secret;

/// Answer of `POST /oauth/v3/token` (code exchange or refresh).
///
/// The relay's broker forwards this shape to the desktop, so it serialises with HubSpot's
/// snake_case names. Tokens are [`Secret`]s: `Debug` never shows them. Reading accepts
/// snake_case or camelCase and `scopes` (array) or `scope` (space-separated).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawToken")]
pub struct TokenResponse {
    /// Bearer token for API calls (lives ~30 minutes).
    pub access_token: Secret,
    /// Refresh token; HubSpot usually returns the same one, but a new one must be stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    /// Seconds until `access_token` expires.
    pub expires_in: u64,
    /// `bearer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// Portal the token is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hub_id: Option<u64>,
    /// Installing user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u64>,
    /// Granted scopes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
}

/// Every spelling HubSpot (v1, v3, dated versions) uses for the token answer.
#[derive(Deserialize)]
struct RawToken {
    access_token: Option<Secret>,
    #[serde(rename = "accessToken")]
    access_token_camel: Option<Secret>,
    refresh_token: Option<Secret>,
    #[serde(rename = "refreshToken")]
    refresh_token_camel: Option<Secret>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    expires_in: Option<u64>,
    #[serde(default, rename = "expiresIn", deserialize_with = "lenient::opt_u64")]
    expires_in_camel: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    token_type: Option<String>,
    #[serde(
        default,
        rename = "tokenType",
        deserialize_with = "lenient::opt_string"
    )]
    token_type_camel: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    hub_id: Option<u64>,
    #[serde(default, rename = "hubId", deserialize_with = "lenient::opt_u64")]
    hub_id_camel: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    user_id: Option<u64>,
    #[serde(default, rename = "userId", deserialize_with = "lenient::opt_u64")]
    user_id_camel: Option<u64>,
    #[serde(default, deserialize_with = "lenient::string_list")]
    scopes: Vec<String>,
    #[serde(default, deserialize_with = "lenient::string_list")]
    scope: Vec<String>,
}

impl TryFrom<RawToken> for TokenResponse {
    type Error = &'static str;

    fn try_from(r: RawToken) -> Result<Self, Self::Error> {
        Ok(TokenResponse {
            access_token: r
                .access_token
                .or(r.access_token_camel)
                .ok_or("access_token missing")?,
            refresh_token: r.refresh_token.or(r.refresh_token_camel),
            expires_in: r
                .expires_in
                .or(r.expires_in_camel)
                .ok_or("expires_in missing or not a number")?,
            token_type: r.token_type.or(r.token_type_camel),
            hub_id: r.hub_id.or(r.hub_id_camel),
            user_id: r.user_id.or(r.user_id_camel),
            scopes: if r.scopes.is_empty() {
                r.scope
            } else {
                r.scopes
            },
        })
    }
}

/// `token_type_hint` for introspect and revoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// An access token.
    Access,
    /// A refresh token.
    Refresh,
}

impl TokenKind {
    pub(crate) fn hint(self) -> &'static str {
        match self {
            TokenKind::Access => "access_token",
            TokenKind::Refresh => "refresh_token",
        }
    }
}

/// Answer of `POST /oauth/v3/token/introspect`. Only `active` is guaranteed; the relay
/// checks `app_id` and `hub_id` before issuing a session for a portal. Reading accepts
/// snake_case or camelCase and `scopes` or `scope`; the token itself is not kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "RawIntrospection")]
pub struct Introspection {
    /// Whether the token is valid now.
    pub active: bool,
    /// The app the token was issued to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_id: Option<u64>,
    /// The portal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hub_id: Option<u64>,
    /// The client id the token belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Installing user id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u64>,
    /// Installing user's email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Portal domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hub_domain: Option<String>,
    /// What the token is: `access_token` or `refresh_token` (HubSpot's `token_use`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_use: Option<String>,
    /// `bearer`, when sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// Granted scopes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Seconds left, when sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    /// Expiry as Unix seconds, when sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<u64>,
}

#[derive(Deserialize)]
struct RawIntrospection {
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    active: bool,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    app_id: Option<u64>,
    #[serde(default, rename = "appId", deserialize_with = "lenient::opt_u64")]
    app_id_camel: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    hub_id: Option<u64>,
    #[serde(default, rename = "hubId", deserialize_with = "lenient::opt_u64")]
    hub_id_camel: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    client_id: Option<String>,
    #[serde(default, rename = "clientId", deserialize_with = "lenient::opt_string")]
    client_id_camel: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    user_id: Option<u64>,
    #[serde(default, rename = "userId", deserialize_with = "lenient::opt_u64")]
    user_id_camel: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    user: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    hub_domain: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    token_use: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    token_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_list")]
    scopes: Vec<String>,
    #[serde(default, deserialize_with = "lenient::string_list")]
    scope: Vec<String>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    expires_in: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    exp: Option<u64>,
}

impl From<RawIntrospection> for Introspection {
    fn from(r: RawIntrospection) -> Self {
        Introspection {
            active: r.active,
            app_id: r.app_id.or(r.app_id_camel),
            hub_id: r.hub_id.or(r.hub_id_camel),
            client_id: r.client_id.or(r.client_id_camel),
            user_id: r.user_id.or(r.user_id_camel),
            user: r.user,
            hub_domain: r.hub_domain,
            token_use: r.token_use,
            token_type: r.token_type,
            scopes: if r.scopes.is_empty() {
                r.scope
            } else {
                r.scopes
            },
            expires_in: r.expires_in,
            exp: r.exp,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_response_snake_and_camel() {
        let snake = r#"{"token_type":"bearer","refresh_token":"r1","hub_id":62515,"scopes":["oauth","crm.lists.read"],
            "access_token":"a1","expires_in":1800}"#;
        let t: TokenResponse = serde_json::from_str(snake).unwrap();
        assert_eq!(t.access_token.expose(), "a1");
        assert_eq!(t.hub_id, Some(62515));
        assert_eq!(t.scopes.len(), 2);
        let camel =
            r#"{"accessToken":"a2","expiresIn":"1800","hubId":1,"scope":"oauth crm.lists.read"}"#;
        let t: TokenResponse = serde_json::from_str(camel).unwrap();
        assert_eq!(t.expires_in, 1800);
        assert_eq!(t.scopes, vec!["oauth", "crm.lists.read"]);
        assert!(t.refresh_token.is_none());
        assert!(!format!("{t:?}").contains("a2"));
        // Serialises back with snake_case names (the relay forwards it) and reads again.
        let back: TokenResponse =
            serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
        assert_eq!(back, t);
        assert!(serde_json::from_str::<TokenResponse>(r#"{"expires_in":5}"#).is_err());
    }

    #[test]
    fn introspection_minimal_and_full() {
        let t: Introspection = serde_json::from_str(r#"{"active":false}"#).unwrap();
        assert!(!t.active);
        let t: Introspection = serde_json::from_str(
            r#"{"active":true,"app_id":1234567,"hub_id":62515,"client_id":"cid","token_use":"access_token","scope":"oauth crm.lists.read","exp":1900000000}"#,
        )
        .unwrap();
        assert_eq!(t.app_id, Some(1234567));
        assert_eq!(t.token_use.as_deref(), Some("access_token"));
        // HubSpot sends token_use and token_type side by side.
        let both: Introspection = serde_json::from_str(
            r#"{"active":true,"token_use":"refresh_token","token_type":"bearer","scopes":["oauth"],"token":"x"}"#,
        )
        .unwrap();
        assert_eq!(both.token_use.as_deref(), Some("refresh_token"));
        assert_eq!(both.token_type.as_deref(), Some("bearer"));
        assert_eq!(both.scopes, vec!["oauth"]);
        assert_eq!(t.scopes.len(), 2);
    }
}
