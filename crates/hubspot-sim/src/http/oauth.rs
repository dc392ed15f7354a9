//! OAuth: the authorize page (approves at once) and HubSpot's v3 token, introspect and
//! revoke endpoints (form-encoded bodies, client credentials in the body).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::support::Query;
use crate::auth::{OAuthError, TokenPair};
use crate::state::Sim;
use crate::util::{read, uuid, write};

/// The user id that "approves" the install unless the test names one (`user_id=`).
pub(crate) const INSTALLING_USER: u64 = 9_001;

fn oauth_error(e: &OAuthError) -> Response {
    let body = json!({ "status": e.status, "message": e.message, "correlationId": uuid() });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

fn page(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.to_owned(),
    )
        .into_response()
}

/// `GET /oauth/authorize?client_id&redirect_uri&scope&optional_scope&state` — approves at
/// once with a 302 to `redirect_uri?code=…&state=…`. Simulator extras: `portal_id`
/// (install into another portal, created on first use) and `user_id`.
pub(crate) async fn authorize(State(sim): State<Arc<Sim>>, RawQuery(q): RawQuery) -> Response {
    let q = Query::parse(q.as_deref());
    if q.one("client_id") != Some(sim.client_id.as_str()) {
        return page(
            StatusCode::BAD_REQUEST,
            "Authorization failed: unknown or missing client_id.",
        );
    }
    let Some(redirect) = q.one("redirect_uri").and_then(|r| url::Url::parse(r).ok()) else {
        return page(
            StatusCode::BAD_REQUEST,
            "Authorization failed: redirect_uri must be an absolute URL.",
        );
    };
    let scopes: Vec<String> = ["scope", "optional_scope"]
        .iter()
        .flat_map(|k| q.list(k))
        .flat_map(|s| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    let portal_id = q
        .one("portal_id")
        .and_then(|p| p.parse().ok())
        .unwrap_or(sim.portal_id);
    let user_id = q
        .one("user_id")
        .and_then(|u| u.parse().ok())
        .unwrap_or(INSTALLING_USER);
    sim.ensure_portal(portal_id);
    let raw_redirect = q.one("redirect_uri").unwrap_or_default();
    let code = write(&sim.tokens).issue_code(portal_id, scopes, raw_redirect, user_id);
    let mut location = redirect;
    location.query_pairs_mut().append_pair("code", &code);
    if let Some(state) = q.one("state") {
        location.query_pairs_mut().append_pair("state", state);
    }
    (
        StatusCode::FOUND,
        [(header::LOCATION, location.to_string())],
    )
        .into_response()
}

fn form(body: &Bytes) -> HashMap<String, String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .map(|pairs| pairs.into_iter().collect())
        .unwrap_or_default()
}

fn check_client(sim: &Sim, f: &HashMap<String, String>) -> Result<(), OAuthError> {
    if f.get("client_id").map(String::as_str) != Some(sim.client_id.as_str()) {
        return Err(OAuthError {
            status: "BAD_CLIENT_ID",
            message: "missing or unknown client id",
        });
    }
    if !f
        .get("client_secret")
        .is_some_and(|s| sim.client_secret.matches(s))
    {
        return Err(OAuthError {
            status: "BAD_CLIENT_SECRET",
            message: "missing or invalid client secret",
        });
    }
    Ok(())
}

fn token_json(pair: TokenPair) -> Response {
    Json(json!({
        "token_type": "bearer",
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "expires_in": pair.expires_in,
        "hub_id": pair.portal_id,
        "user_id": pair.user_id,
        "scopes": *pair.scopes,
    }))
    .into_response()
}

/// `POST /oauth/v3/token` with `grant_type=authorization_code` or `refresh_token`.
pub(crate) async fn token(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    let f = form(&body);
    let result =
        check_client(&sim, &f).and_then(|()| match f.get("grant_type").map(String::as_str) {
            Some("authorization_code") => {
                let code = f.get("code").map(String::as_str).unwrap_or_default();
                write(&sim.tokens).exchange_code(code, f.get("redirect_uri").map(String::as_str))
            }
            Some("refresh_token") => {
                let token = f
                    .get("refresh_token")
                    .map(String::as_str)
                    .unwrap_or_default();
                let pair = write(&sim.tokens).refresh(token);
                if pair.is_ok() {
                    sim.stats.token_refresh();
                }
                pair
            }
            _ => Err(OAuthError {
                status: "BAD_GRANT_TYPE",
                message: "grant_type must be authorization_code or refresh_token",
            }),
        });
    match result {
        Ok(pair) => token_json(pair),
        Err(e) => oauth_error(&e),
    }
}

/// `POST /oauth/v3/token/introspect`: token metadata, or `{active:false}`.
pub(crate) async fn introspect(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    let f = form(&body);
    if let Err(e) = check_client(&sim, &f) {
        return oauth_error(&e);
    }
    let token = f.get("token").map(String::as_str).unwrap_or_default();
    Json(read(&sim.tokens).introspect(token, &sim.client_id, sim.app_id)).into_response()
}

/// `POST /oauth/v3/token/revoke`: 200 whether or not the token was known (RFC 7009).
pub(crate) async fn revoke(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    let f = form(&body);
    if let Err(e) = check_client(&sim, &f) {
        return oauth_error(&e);
    }
    let token = f.get("token").map(String::as_str).unwrap_or_default();
    write(&sim.tokens).revoke(token);
    StatusCode::OK.into_response()
}
