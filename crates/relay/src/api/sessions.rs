//! `POST /v1/sessions`: a HubSpot access token in, a portal-scoped relay session out.
//!
//! The token is introspected at HubSpot with the app secret (is it active, is it *our* app's,
//! which portal); the answer is cached by the token's SHA-256 until the token expires, so a
//! desktop reopening its session does not cost a HubSpot call each time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use relay_client::wire::{SessionRequest, SessionResponse};
use relay_client::{Secret, codes};
use sha2::{Digest, Sha256};

use super::{AppState, parse_json, read_body};
use crate::clock::{ms, now_ms};
use crate::error::ApiError;
use crate::hubspot::{HubSpotError, HubSpotOAuth};

/// Cap on cached introspections (expired ones are pruned first).
const CACHE_CAP: usize = 10_000;
/// Longest an introspection result is trusted, whatever HubSpot says.
const CACHE_MAX: Duration = Duration::from_secs(30 * 60);
/// Longest access token accepted (HubSpot's are up to 300 characters).
const MAX_TOKEN_LEN: usize = 4096;

/// Introspection results by token hash. Holds no token.
#[derive(Default)]
pub(crate) struct IntrospectionCache {
    entries: Mutex<HashMap<[u8; 32], (i64, Instant)>>,
}

impl IntrospectionCache {
    /// The portal of a valid access token of our app.
    async fn portal_of(
        &self,
        hubspot: &HubSpotOAuth,
        token: &Secret,
        app_id: u64,
    ) -> Result<i64, ApiError> {
        let key: [u8; 32] = Sha256::digest(token.expose().as_bytes()).into();
        let now = Instant::now();
        let cached = self.entries.lock().ok().and_then(|m| m.get(&key).copied());
        if let Some((portal, until)) = cached
            && until > now
        {
            return Ok(portal);
        }
        let refused =
            |message: &str| ApiError::new(StatusCode::UNAUTHORIZED, codes::INVALID_TOKEN, message);
        let info = hubspot.introspect(token).await.map_err(|e| {
            if matches!(e, HubSpotError::Rejected { .. }) {
                // HubSpot answers `active: false` for bad tokens; a 4xx means it refused the
                // relay itself.
                tracing::error!(error = %e, "HubSpot refused token introspection: check HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET");
            } else {
                tracing::warn!(error = %e, "token introspection failed");
            }
            ApiError::new(
                StatusCode::BAD_GATEWAY,
                codes::HUBSPOT_UNAVAILABLE,
                "HubSpot could not check the access token; retry shortly",
            )
        })?;
        if !info.active
            || info
                .token_use
                .as_deref()
                .is_some_and(|u| u != "access_token")
        {
            return Err(refused(
                "the access token is not active; refresh it and try again",
            ));
        }
        if info.app_id != Some(app_id) {
            return Err(refused("the access token belongs to another HubSpot app"));
        }
        let portal = info
            .hub_id
            .and_then(|h| i64::try_from(h).ok())
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    codes::HUBSPOT_UNAVAILABLE,
                    "HubSpot's introspection named no portal",
                )
            })?;
        let ttl = Duration::from_secs(info.expires_in.unwrap_or(0)).min(CACHE_MAX);
        if !ttl.is_zero()
            && let Ok(mut map) = self.entries.lock()
        {
            if map.len() >= CACHE_CAP {
                map.retain(|_, (_, until)| *until > now);
                if map.len() >= CACHE_CAP {
                    map.clear();
                }
            }
            map.insert(key, (portal, now + ttl));
        }
        Ok(portal)
    }
}

/// Parses and checks a session body (pure, so the fuzz targets drive exactly this).
pub fn session_body(bytes: &[u8]) -> Result<SessionRequest, ApiError> {
    let req: SessionRequest = parse_json(bytes)?;
    let token = &req.access_token;
    if token.is_empty() || token.expose().len() > MAX_TOKEN_LEN {
        return Err(ApiError::bad_request(
            "access_token must be a HubSpot access token",
        ));
    }
    Ok(req)
}

pub(crate) async fn create(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<SessionResponse>, ApiError> {
    let req = session_body(&read_body(&headers, body).await?)?;
    let token = &req.access_token;
    let portal = state
        .introspection
        .portal_of(&state.hubspot, token, state.config.app_id)
        .await
        .inspect_err(|e| {
            state
                .metrics
                .session(if e.status == StatusCode::UNAUTHORIZED {
                    "refused"
                } else {
                    "error"
                });
        })?;
    let ttl = state.config.session_ttl;
    let session_token = state.sessions.issue(portal, now_ms() + ms(ttl));
    state.metrics.session("issued");
    tracing::info!(portal_id = portal, "relay session issued");
    Ok(Json(SessionResponse {
        session_token,
        portal_id: u64::try_from(portal).unwrap_or_default(),
        expires_in: ttl.as_secs(),
    }))
}
