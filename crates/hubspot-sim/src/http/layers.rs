//! Middleware: request counting and the record file for every route; for HubSpot API
//! routes also bearer auth, per-portal rate limiting with HubSpot's headers, and faults.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::auth::AuthFailure;
use crate::error::ApiError;
use crate::ratelimit::Decision;
use crate::record::body_for_record;
use crate::state::Sim;
use crate::util::{iso, lock, now_ms, read};

/// Bodies larger than this are not buffered for the record file.
const RECORD_LIMIT: usize = 16 * 1024 * 1024;

fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Counts the request under its route template and, with `--record`, writes the line.
pub(crate) async fn observe(State(sim): State<Arc<Sim>>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
    sim.stats.request(format!("{method} {template}"));
    let Some(recorder) = sim.recorder.as_ref() else {
        return next.run(req).await;
    };
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, RECORD_LIMIT).await.unwrap_or_default();
    let request_body = body_for_record(content_type(&parts.headers).as_deref(), &bytes);
    let (path, query) = (
        parts.uri.path().to_owned(),
        parts.uri.query().map(str::to_owned),
    );
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (rparts, rbody) = response.into_parts();
    let rbytes = to_bytes(rbody, RECORD_LIMIT).await.unwrap_or_default();
    recorder.write(&json!({
        "at": iso(now_ms()),
        "method": method.as_str(),
        "path": path,
        "route": template,
        "query": query,
        "body": request_body,
        "status": rparts.status.as_u16(),
        "response": body_for_record(content_type(&rparts.headers).as_deref(), &rbytes),
        "durationMs": started.elapsed().as_secs_f64() * 1000.0,
    }));
    Response::from_parts(rparts, Body::from(rbytes))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

fn unauthenticated() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "INVALID_AUTHENTICATION",
        "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
    )
}

fn rate_limited(policy: &str) -> ApiError {
    let message = match policy {
        "DAILY" => "You have reached your daily limit.".to_owned(),
        other => format!(
            "You have reached your {} limit.",
            other.to_ascii_lowercase()
        ),
    };
    ApiError::new(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITS", message)
        .with("errorType", json!("RATE_LIMIT"))
        .with("policyName", json!(policy))
}

fn put_limit_headers(headers: &mut HeaderMap, d: &Decision) {
    let mut put = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    if let Some((max, remaining, interval)) = d.window {
        put("x-hubspot-ratelimit-max", max.to_string());
        put("x-hubspot-ratelimit-remaining", remaining.to_string());
        put(
            "x-hubspot-ratelimit-interval-milliseconds",
            interval.to_string(),
        );
    }
    if let Some((max, remaining)) = d.daily {
        put("x-hubspot-ratelimit-daily", max.to_string());
        put("x-hubspot-ratelimit-daily-remaining", remaining.to_string());
    }
}

/// Bearer auth, then the portal's limits, then injected latency and 5xx faults.
pub(crate) async fn hubspot_guard(
    State(sim): State<Arc<Sim>>,
    mut req: Request,
    next: Next,
) -> Response {
    let auth = match bearer(req.headers()) {
        None => Err(AuthFailure::Unknown),
        Some(token) => read(&sim.tokens).authenticate(token),
    };
    let ctx = match auth {
        Ok(ctx) => ctx,
        Err(AuthFailure::Unknown) => return unauthenticated().into_response(),
        Err(AuthFailure::Expired { seconds_ago }) => {
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "EXPIRED_AUTHENTICATION",
                format!(
                    "The OAuth token used to make this call expired {seconds_ago} second(s) ago."
                ),
            )
            .into_response();
        }
    };
    let faults = sim.faults();
    let decision = lock(&sim.limiter).check(ctx.portal_id, faults.rate_limit, faults.daily_limit);
    let mut response = if let Some(policy) = decision.refused_by {
        sim.stats.rate_limited();
        rate_limited(policy).into_response()
    } else {
        if !faults.fault_latency.is_zero() {
            tokio::time::sleep(faults.fault_latency).await;
        }
        if sim.chance(faults.fault_5xx) {
            sim.stats.fault_5xx();
            let status = [
                StatusCode::INTERNAL_SERVER_ERROR,
                StatusCode::BAD_GATEWAY,
                StatusCode::SERVICE_UNAVAILABLE,
            ][sim.pick(3)];
            ApiError::new(
                status,
                "INTERNAL_ERROR",
                "An internal error occurred (injected by hubspot-sim).",
            )
            .into_response()
        } else {
            req.extensions_mut().insert(ctx);
            next.run(req).await
        }
    };
    put_limit_headers(response.headers_mut(), &decision);
    response
}
