//! `POST /hubspot/webhooks`: verify, split per portal, deduplicate, commit, then answer 200.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use relay_client::{Secret, WebhookEvent, codes};
use serde_json::value::RawValue;

use super::{AppState, read_body};
use crate::clock::{Millis, now_ms};
use crate::error::ApiError;
use crate::signature::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::store::{NewEvent, QueueStore};

/// Most events HubSpot puts in one request.
pub const MAX_EVENTS: usize = 100;

/// What a successful ingest reports back (HubSpot ignores it; it helps debugging).
#[derive(serde::Serialize)]
pub(crate) struct IngestAnswer {
    stored: u64,
    duplicates: u64,
}

pub(crate) async fn webhooks(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<IngestAnswer>, ApiError> {
    let result = ingest(&state, query.as_deref(), &headers, body).await;
    let status = match &result {
        Ok(_) => StatusCode::OK,
        Err(e) => e.status,
    };
    state.metrics.webhook_request(status.as_u16());
    result.map(Json)
}

async fn ingest(
    state: &AppState,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Body,
) -> Result<IngestAnswer, ApiError> {
    let body = read_body(headers, body).await?;
    let events = verified_batch(
        &state.config.client_secret,
        &state.public_base,
        query,
        headers,
        &body,
        now_ms(),
    )?;
    let report = state.store.ingest(events, now_ms()).await?;
    for (portal_id, n) in &report.inserted {
        state.metrics.ingested(*portal_id, *n);
        state.waiters.wake(*portal_id);
    }
    state.metrics.duplicates(report.duplicates);
    tracing::debug!(
        stored = report.inserted_total(),
        duplicates = report.duplicates,
        "webhook stored"
    );
    Ok(IngestAnswer {
        stored: report.inserted_total(),
        duplicates: report.duplicates,
    })
}

/// Everything ingest does to a request before the store: the signature over the configured
/// public URL (401 when it fails), then the batch (400). Pure, so the fuzz targets drive it.
pub fn verified_batch(
    secret: &Secret,
    public_base: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
    now: Millis,
) -> Result<Vec<NewEvent>, ApiError> {
    let uri = match query {
        Some(q) => format!("{public_base}/hubspot/webhooks?{q}"),
        None => format!("{public_base}/hubspot/webhooks"),
    };
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    signature::verify(
        secret,
        "POST",
        &uri,
        body,
        header(TIMESTAMP_HEADER),
        header(SIGNATURE_HEADER),
        now,
    )
    .map_err(|e| {
        tracing::warn!(reason = %e, "webhook refused");
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            codes::INVALID_SIGNATURE,
            e.to_string(),
        )
    })?;
    parse_batch(body)
}

/// Parses a HubSpot batch: a JSON array of at most [`MAX_EVENTS`] events, each a valid
/// [`WebhookEvent`]. Each event is stored as the exact JSON text HubSpot sent.
pub fn parse_batch(body: &[u8]) -> Result<Vec<NewEvent>, ApiError> {
    let raw: Vec<&RawValue> = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!("the body must be a JSON array of events: {e}"))
    })?;
    if raw.len() > MAX_EVENTS {
        return Err(ApiError::bad_request(format!(
            "{} events in one request; HubSpot sends at most {MAX_EVENTS}",
            raw.len()
        )));
    }
    raw.iter()
        .enumerate()
        .map(|(i, raw)| {
            let e: WebhookEvent = serde_json::from_str(raw.get()).map_err(|err| {
                ApiError::bad_request(format!("event {i} is not a HubSpot webhook event: {err}"))
            })?;
            let id = |v: u64, name: &str| {
                i64::try_from(v).map_err(|_| {
                    ApiError::bad_request(format!("event {i}: {name} is out of range"))
                })
            };
            Ok(NewEvent {
                portal_id: id(e.portal_id, "portalId")?,
                subscription_id: id(e.subscription_id, "subscriptionId")?,
                event_id: id(e.event_id, "eventId")?,
                occurred_at: e.occurred_at,
                payload: raw.get().to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(portal: u64, id: u64) -> String {
        format!(
            r#"{{"eventId":{id},"subscriptionId":1,"portalId":{portal},"appId":9,"occurredAt":5,
               "subscriptionType":"contact.creation","attemptNumber":0,"objectId":3}}"#
        )
    }

    #[test]
    fn parses_and_keeps_raw_text() {
        let body = format!("[{},{}]", event(1, 10), event(2, 11));
        let events = parse_batch(body.as_bytes()).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[1].portal_id, 2);
        assert_eq!(events[0].payload, event(1, 10));
    }

    #[test]
    fn refuses_malformed_batches() {
        for body in [
            "{}".to_owned(),
            "not json".to_owned(),
            "[{\"eventId\":1}]".to_owned(),
            format!("[{}]", event(u64::MAX, 1)),
            format!("[{}]", vec![event(1, 1); 101].join(",")),
        ] {
            let err = parse_batch(body.as_bytes()).unwrap_err();
            assert_eq!(err.status, StatusCode::BAD_REQUEST, "{body}");
        }
        assert!(parse_batch(b"[]").unwrap().is_empty());
    }
}
