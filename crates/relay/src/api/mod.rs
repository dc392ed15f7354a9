//! The HTTP surface (DESIGN §7): router, shared state, request helpers.
//!
//! Layout: `ingest` (HubSpot webhooks), `queue` (lease/ack/nack/dlq), `sessions` (consumer
//! auth), `oauth` (+ `callback_page`) (token broker), `ops` (health, metrics, request log).

mod callback_page;
mod ingest;
mod oauth;
mod ops;
mod queue;
mod sessions;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use futures::StreamExt;
use relay_client::codes;
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

use crate::config::RelayConfig;
use crate::error::ApiError;
use crate::hubspot::HubSpotOAuth;
use crate::metrics::Metrics;
use crate::session_token::{SessionError, SessionKey};
use crate::store::Store;
use crate::waiters::Waiters;

pub(crate) use sessions::IntrospectionCache;

/// The pure request parsing every handler runs, for the fuzz targets in `fuzz/` (no server,
/// no store). Not a stable API.
#[doc(hidden)]
pub mod fuzzing {
    pub use super::ingest::{MAX_EVENTS, parse_batch, verified_batch};
    pub use super::oauth::{
        CallbackLink, callback_link, refresh_body, revoke_body, start_body, token_body,
        verifier_matches,
    };
    pub use super::queue::{
        LeaseBody, ReceiptsBody, ack_body, lease_body, nack_body, redrive_body,
    };
    pub use super::sessions::session_body;
}

/// Largest request body (HubSpot's webhook batches are far smaller).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Everything a handler needs.
pub(crate) struct AppState {
    pub config: RelayConfig,
    /// `RELAY_PUBLIC_URL` without a trailing slash.
    pub public_base: String,
    pub store: Store,
    pub waiters: Arc<Waiters>,
    pub metrics: Arc<Metrics>,
    pub sessions: SessionKey,
    pub hubspot: HubSpotOAuth,
    pub introspection: IntrospectionCache,
    pub cancel: CancellationToken,
}

impl AppState {
    /// The OAuth redirect URI: `RELAY_PUBLIC_URL` + `/oauth/callback`.
    pub fn redirect_uri_of(public_base: &str) -> String {
        format!("{public_base}/oauth/callback")
    }
}

/// The relay's routes.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/hubspot/webhooks", post(ingest::webhooks))
        .route("/oauth/start", post(oauth::start))
        .route("/oauth/callback", get(oauth::callback))
        .route("/oauth/token", post(oauth::token))
        .route("/oauth/refresh", post(oauth::refresh))
        .route("/oauth/revoke", post(oauth::revoke))
        .route("/v1/sessions", post(sessions::create))
        .route("/v1/portals/{portal_id}/events/lease", post(queue::lease))
        .route("/v1/portals/{portal_id}/events/ack", post(queue::ack))
        .route("/v1/portals/{portal_id}/events/nack", post(queue::nack))
        .route("/v1/portals/{portal_id}/dlq", get(queue::dead_letters))
        .route("/v1/portals/{portal_id}/dlq/redrive", post(queue::redrive))
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .fallback(ops::not_found)
        .layer(axum::middleware::from_fn(ops::log_requests))
        .with_state(state)
}

/// Reads at most [`MAX_BODY_BYTES`]; larger bodies are 413.
pub(crate) async fn read_body(
    headers: &HeaderMap,
    body: Body,
) -> Result<axum::body::Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::PAYLOAD_TOO_LARGE,
            "the request body exceeds 1 MiB",
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    let mut stream = body.into_data_stream();
    let mut buf = Vec::with_capacity(declared.unwrap_or(0));
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|_| ApiError::bad_request("the request body could not be read"))?;
        if buf.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(too_large());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(axum::body::Bytes::from(buf))
}

/// Parses a JSON body read by [`read_body`] (400 with serde's reason when it does not fit).
/// Handlers parse in pure functions over the bytes, which the fuzz targets drive.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))
}

/// Checks the bearer session against the portal in the path. Runs before the body is read,
/// so a foreign session learns nothing about another portal.
pub(crate) fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    path_portal: &str,
) -> Result<i64, ApiError> {
    let unauthorized = |code, message: &str| ApiError::new(StatusCode::UNAUTHORIZED, code, message);
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .ok_or_else(|| {
            unauthorized(
                codes::UNAUTHORIZED,
                "send `Authorization: Bearer <session token>` from POST /v1/sessions",
            )
        })?;
    let portal = state
        .sessions
        .verify(token.trim(), crate::clock::now_ms())
        .map_err(|e| match e {
            SessionError::Expired => unauthorized(
                codes::SESSION_EXPIRED,
                "the session expired; open a new one with POST /v1/sessions",
            ),
            SessionError::Invalid => unauthorized(
                codes::UNAUTHORIZED,
                "the session token is not valid; open a new one with POST /v1/sessions",
            ),
        })?;
    if path_portal != portal.to_string() {
        return Err(ApiError::forbidden());
    }
    Ok(portal)
}
