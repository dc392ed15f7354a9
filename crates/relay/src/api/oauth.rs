//! The OAuth broker: HubSpot needs the client secret for every token call and an https
//! redirect URI, neither of which a desktop app can have. PKCE (S256) is enforced here:
//! `/oauth/token` only exchanges a code for whoever holds the verifier of the challenge
//! registered at `/oauth/start`. The broker stores no access or refresh token.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use relay_client::wire::{
    OAuthRefreshRequest, OAuthRevokeRequest, OAuthRevokeResponse, OAuthStartRequest,
    OAuthStartResponse, OAuthTokenRequest, TokenSet,
};
use relay_client::{Secret, codes};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{AppState, callback_page, parse_json, read_body};
use crate::clock::{ms, now_ms};
use crate::config::SCOPES;
use crate::error::ApiError;
use crate::hubspot::HubSpotError;
use crate::store::QueueStore;

fn state_hash(state: &str) -> [u8; 32] {
    Sha256::digest(state.as_bytes()).into()
}

/// RFC 7636: 43..=128 characters of `[A-Za-z0-9-._~]`.
fn is_pkce_string(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// Whether `verifier` is a PKCE verifier whose S256 challenge is `challenge` (constant time).
pub fn verifier_matches(verifier: &str, challenge: &str) -> bool {
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    is_pkce_string(verifier) && bool::from(computed.as_bytes().ct_eq(challenge.as_bytes()))
}

/// Parses and checks an `/oauth/start` body (pure, so the fuzz targets drive exactly this).
pub fn start_body(bytes: &[u8]) -> Result<OAuthStartRequest, ApiError> {
    let req: OAuthStartRequest = parse_json(bytes)?;
    if req.code_challenge_method != "S256" {
        return Err(ApiError::bad_request("code_challenge_method must be S256"));
    }
    // base64url(sha256(verifier)) without padding is exactly 43 characters.
    let valid = req.code_challenge.len() == 43
        && URL_SAFE_NO_PAD
            .decode(&req.code_challenge)
            .is_ok_and(|d| d.len() == 32);
    if !valid {
        return Err(ApiError::bad_request(
            "code_challenge must be base64url(sha256(code_verifier)) without padding (43 characters)",
        ));
    }
    Ok(req)
}

/// Parses an `/oauth/token` body (the state and verifier are checked against the store).
pub fn token_body(bytes: &[u8]) -> Result<OAuthTokenRequest, ApiError> {
    parse_json(bytes)
}

/// Parses and checks an `/oauth/refresh` body.
pub fn refresh_body(bytes: &[u8]) -> Result<OAuthRefreshRequest, ApiError> {
    let req: OAuthRefreshRequest = parse_json(bytes)?;
    check_refresh_token(&req.refresh_token)?;
    Ok(req)
}

/// Parses and checks an `/oauth/revoke` body.
pub fn revoke_body(bytes: &[u8]) -> Result<OAuthRevokeRequest, ApiError> {
    let req: OAuthRevokeRequest = parse_json(bytes)?;
    check_refresh_token(&req.refresh_token)?;
    Ok(req)
}

fn check_refresh_token(token: &Secret) -> Result<(), ApiError> {
    if token.is_empty() || token.expose().len() > 4096 {
        return Err(ApiError::bad_request(
            "refresh_token must be a HubSpot refresh token",
        ));
    }
    Ok(())
}

pub(crate) async fn start(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<OAuthStartResponse>, ApiError> {
    let req = start_body(&read_body(&headers, body).await?)?;
    let oauth_state = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    state
        .store
        .put_oauth_state(
            state_hash(&oauth_state),
            req.code_challenge,
            now_ms() + ms(state.config.oauth_state_ttl),
        )
        .await?;
    let authorize_url = authorize_url(
        &state.config.authorize_url,
        &[
            ("client_id", &state.config.client_id),
            (
                "redirect_uri",
                &AppState::redirect_uri_of(&state.public_base),
            ),
            ("scope", &SCOPES.join(" ")),
            ("state", &oauth_state),
        ],
    );
    state.metrics.oauth("start", "ok");
    Ok(Json(OAuthStartResponse {
        state: oauth_state,
        authorize_url,
        expires_in: state.config.oauth_state_ttl.as_secs(),
        app_id: Some(state.config.app_id),
    }))
}

/// Appends `params` to HubSpot's authorize URL, spaces as `%20` (HubSpot's documented form;
/// `+` is only a space in form bodies).
fn authorize_url(base: &url::Url, params: &[(&str, &str)]) -> String {
    let mut out = base.to_string();
    for (i, (k, v)) in params.iter().enumerate() {
        let sep = if i == 0 && base.query().is_none() {
            '?'
        } else {
            '&'
        };
        // byte_serialize turns a literal '+' into %2B, so every '+' it emits was a space.
        let v: String = url::form_urlencoded::byte_serialize(v.as_bytes()).collect();
        out.push_str(&format!("{sep}{k}={}", v.replace('+', "%20")));
    }
    out
}

/// Where `GET /oauth/callback` bounces HubSpot's redirect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackLink {
    /// `{scheme}://oauth/callback?…` with the code or error and the state.
    pub deep_link: String,
    /// The link carries an error: HubSpot sent one (the admin declined, the install failed)
    /// or sent no code at all. The page then says so instead of "connected".
    pub denied: bool,
}

/// `GET /oauth/callback`: bounce HubSpot's redirect to the desktop app's deep link.
pub(crate) async fn callback(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Response {
    let CallbackLink { deep_link, denied } =
        callback_link(&state.config.deep_link_scheme, query.as_deref());
    let html = callback_page::render(&deep_link, denied);
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, deep_link),
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::REFERRER_POLICY, "no-referrer".to_owned()),
        ],
        html,
    )
        .into_response()
}

/// The deep link for HubSpot's callback query (pure, so the fuzz targets drive exactly this).
pub fn callback_link(scheme: &str, query: Option<&str>) -> CallbackLink {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.unwrap_or("")).unwrap_or_default();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let mut link = url::form_urlencoded::Serializer::new(String::new());
    match (get("code"), get("error")) {
        (_, Some(error)) => {
            link.append_pair("error", error);
            if let Some(d) = get("error_description") {
                link.append_pair("error_description", d);
            }
        }
        (Some(code), None) => {
            link.append_pair("code", code);
        }
        (None, None) => {
            link.append_pair("error", "invalid_request");
            link.append_pair(
                "error_description",
                "HubSpot sent neither a code nor an error",
            );
        }
    }
    if let Some(s) = get("state") {
        link.append_pair("state", s);
    }
    CallbackLink {
        deep_link: format!("{scheme}://oauth/callback?{}", link.finish()),
        denied: get("error").is_some() || get("code").is_none(),
    }
}

pub(crate) async fn token(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<TokenSet>, ApiError> {
    let req = token_body(&read_body(&headers, body).await?)?;
    let result = exchange(&state, req).await;
    state
        .metrics
        .oauth("token", if result.is_ok() { "ok" } else { "refused" });
    result.map(Json)
}

async fn exchange(state: &AppState, req: OAuthTokenRequest) -> Result<TokenSet, ApiError> {
    let invalid_state = || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::INVALID_STATE,
            "the OAuth state is unknown, already used or expired; start the connection again",
        )
    };
    if req.state.is_empty() || req.state.len() > 256 {
        return Err(invalid_state());
    }
    // Single use: taken before anything else, so a wrong verifier also burns it.
    let challenge = state
        .store
        .take_oauth_state(state_hash(&req.state), now_ms())
        .await?
        .ok_or_else(invalid_state)?;
    if !verifier_matches(req.code_verifier.expose(), &challenge) {
        tracing::warn!("OAuth token request with a wrong PKCE verifier refused");
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::INVALID_VERIFIER,
            "code_verifier does not match the code_challenge sent to /oauth/start; start the connection again",
        ));
    }
    if req.code.is_empty() {
        return Err(ApiError::bad_request("code is empty"));
    }
    state
        .hubspot
        .exchange_code(&req.code)
        .await
        .map_err(hubspot_error)
}

pub(crate) async fn refresh(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<TokenSet>, ApiError> {
    let req = refresh_body(&read_body(&headers, body).await?)?;
    let token: &Secret = &req.refresh_token;
    let result = state.hubspot.refresh(token).await.map_err(hubspot_error);
    state
        .metrics
        .oauth("refresh", if result.is_ok() { "ok" } else { "refused" });
    result.map(Json)
}

/// `POST /oauth/revoke`: the desktop's "Disconnect". HubSpot's `/oauth/v3/token/revoke` needs
/// the client secret, so the broker adds it; it stores and logs nothing of the token.
pub(crate) async fn revoke(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<OAuthRevokeResponse>, ApiError> {
    let req = revoke_body(&read_body(&headers, body).await?)?;
    let token: &Secret = &req.refresh_token;
    let result = state.hubspot.revoke(token).await.map_err(hubspot_error);
    state
        .metrics
        .oauth("revoke", if result.is_ok() { "ok" } else { "refused" });
    result.map(|()| Json(OAuthRevokeResponse { revoked: true }))
}

fn hubspot_error(e: HubSpotError) -> ApiError {
    tracing::warn!(error = %e, "HubSpot token call failed");
    match e {
        HubSpotError::Rejected { message, .. } => ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::HUBSPOT_REJECTED,
            format!("HubSpot refused the grant ({message}); reconnect to HubSpot"),
        ),
        HubSpotError::Unavailable(_) | HubSpotError::Invalid(_) => ApiError::new(
            StatusCode::BAD_GATEWAY,
            codes::HUBSPOT_UNAVAILABLE,
            "HubSpot could not be reached or answered unexpectedly; retry shortly",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_strings() {
        assert!(is_pkce_string(&"a".repeat(43)));
        assert!(is_pkce_string(&"a-._~9Z".repeat(10)));
        assert!(!is_pkce_string(&"a".repeat(42)));
        assert!(!is_pkce_string(&"a".repeat(129)));
        assert!(!is_pkce_string(&format!("{}+", "a".repeat(43))));
    }

    #[test]
    fn authorize_url_encodes_spaces_as_percent_20() {
        let base = url::Url::parse("https://app.hubspot.com/oauth/authorize").unwrap();
        let url = authorize_url(&base, &[("scope", "a b+c"), ("state", "s")]);
        assert_eq!(
            url,
            "https://app.hubspot.com/oauth/authorize?scope=a%20b%2Bc&state=s"
        );
    }

    #[test]
    fn a_callback_without_code_or_error_is_a_denial() {
        // Found by the `deep_link` fuzz target: the link said `error=invalid_request` while
        // the page said "HubSpot is connected".
        let link = callback_link("steward", Some("state=abc"));
        assert!(link.denied, "{link:?}");
        assert!(link.deep_link.contains("error=invalid_request"), "{link:?}");
        assert!(callback_link("steward", None).denied);
        let granted = callback_link("steward", Some("code=c&state=abc"));
        assert!(!granted.denied, "{granted:?}");
        let declined = callback_link("steward", Some("error=access_denied&code=c&state=abc"));
        assert!(declined.denied, "{declined:?}");
    }

    #[test]
    fn rfc7636_appendix_b_vector() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        assert_eq!(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }
}
