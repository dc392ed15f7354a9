//! Operations: `/healthz`, `/metrics`, the 404 fallback and the request log.

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use relay_client::codes;

use super::AppState;
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::store::QueueStore;

/// `GET /healthz`: 200 when storage answers, 503 otherwise.
pub(crate) async fn healthz(
    State(state): State<Arc<AppState>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    if state.cancel.is_cancelled() {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::SHUTTING_DOWN,
            "the relay is shutting down",
        ));
    }
    state.store.health().await?;
    Ok(Json(serde_json::json!({ "status": "ok" })))
}

/// `GET /metrics`: Prometheus text format.
pub(crate) async fn metrics(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let now = now_ms();
    let stats = state.store.stats(now).await?;
    let text = state.metrics.render(&stats, now);
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

pub(crate) async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        codes::NOT_FOUND,
        "no such endpoint; see docs/relay.md",
    )
}

/// Logs one line per request: method, path (never the query, which may carry an OAuth code),
/// status and latency. Successes at debug level so ingest under load does not flood the log.
pub(crate) async fn log_requests(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match status {
        500.. => tracing::error!(%method, %path, status, ms, "request failed"),
        400..=499 => tracing::info!(%method, %path, status, ms, "request refused"),
        _ => tracing::debug!(%method, %path, status, ms, "request"),
    }
    resp
}
