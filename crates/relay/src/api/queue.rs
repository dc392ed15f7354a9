//! `/v1/portals/{portalId}/…`: lease (long-poll), ack, nack, dead-letter list and redrive.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use relay_client::wire::{
    AckRequest, AckResponse, DEFAULT_VISIBILITY_MS, DeadLetterQuery, LeaseRequest,
    MAX_LEASE_EVENTS, MAX_LEASE_WAIT_MS, MAX_VISIBILITY_MS, NackRequest, NackResponse,
    RedriveRequest, RedriveResponse,
};
use serde::Serialize;
use serde_json::value::RawValue;
use tokio::time::Instant;

use super::{AppState, authorize, parse_json, read_body};
use crate::clock::{Millis, now_ms};
use crate::error::ApiError;
use crate::store::{LeaseParams, QueueStore, Receipt, StoreError};

/// Most receipts in one ack or nack.
const MAX_RECEIPTS: usize = 1000;
/// Shortest pause before re-checking when another lease holds the only visible events.
const MIN_RECHECK: Duration = Duration::from_millis(25);

/// A leased event on the wire; the event is the stored JSON text, sent as is.
#[derive(Serialize)]
pub(crate) struct LeasedOut {
    receipt: String,
    receive_count: u32,
    received_at: Millis,
    event: Box<RawValue>,
}

#[derive(Serialize)]
pub(crate) struct LeaseOut {
    events: Vec<LeasedOut>,
}

#[derive(Serialize)]
pub(crate) struct DeadOut {
    id: i64,
    receive_count: u32,
    received_at: Millis,
    dead_at: Millis,
    event: Box<RawValue>,
}

#[derive(Serialize)]
pub(crate) struct DeadListOut {
    events: Vec<DeadOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_after: Option<i64>,
}

fn raw(payload: String) -> Result<Box<RawValue>, ApiError> {
    RawValue::from_string(payload)
        .map_err(|e| ApiError::from(StoreError::Sqlite(format!("stored event is not JSON: {e}"))))
}

pub(crate) async fn lease(
    State(state): State<Arc<AppState>>,
    Path(portal): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<LeaseOut>, ApiError> {
    let portal_id = authorize(&state, &headers, &portal)?;
    let req = lease_body(&read_body(&headers, body).await?)?;
    let visibility = req.visibility_ms;
    let deadline = Instant::now() + Duration::from_millis(req.wait_ms);
    let notify = state.waiters.for_portal(portal_id);
    let mut dead_lettered = 0;
    loop {
        // Register interest before looking, so an event committed between the look and the
        // wait still wakes us.
        let notified = notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let outcome = state
            .store
            .lease(LeaseParams {
                portal_id,
                max: req.max_events,
                visibility_ms: Millis::try_from(visibility).unwrap_or(Millis::MAX),
                max_receives: state.config.max_receives,
                now: now_ms(),
            })
            .await?;
        dead_lettered += outcome.dead_lettered;
        let now = Instant::now();
        if !outcome.events.is_empty() || now >= deadline || state.cancel.is_cancelled() {
            let n = outcome.events.len() as u64;
            state.metrics.leased(portal_id, n, dead_lettered);
            let events = outcome
                .events
                .into_iter()
                .map(|e| {
                    Ok(LeasedOut {
                        receipt: e.receipt,
                        receive_count: e.receive_count,
                        received_at: e.received_at,
                        event: raw(e.payload)?,
                    })
                })
                .collect::<Result<_, ApiError>>()?;
            return Ok(Json(LeaseOut { events }));
        }
        let mut wake_at = deadline;
        if let Some(next) = outcome.next_visible_at {
            let wait = u64::try_from(next - now_ms()).unwrap_or(0);
            wake_at = wake_at.min(now + Duration::from_millis(wait).max(MIN_RECHECK));
        }
        tokio::select! {
            () = &mut notified => {}
            () = tokio::time::sleep_until(wake_at) => {}
            () = state.cancel.cancelled() => {}
        }
    }
}

/// A lease body within the limits, with the default visibility timeout applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseBody {
    /// 1..=[`MAX_LEASE_EVENTS`].
    pub max_events: u32,
    /// 0..=[`MAX_LEASE_WAIT_MS`].
    pub wait_ms: u64,
    /// 0..=[`MAX_VISIBILITY_MS`].
    pub visibility_ms: u64,
}

/// Parses and checks a lease body (pure, so the fuzz targets drive exactly this).
pub fn lease_body(bytes: &[u8]) -> Result<LeaseBody, ApiError> {
    let req: LeaseRequest = parse_json(bytes)?;
    if req.max_events == 0 || req.max_events > MAX_LEASE_EVENTS {
        return Err(ApiError::bad_request(format!(
            "max_events must be 1..={MAX_LEASE_EVENTS}"
        )));
    }
    if req.wait_ms > MAX_LEASE_WAIT_MS {
        return Err(ApiError::bad_request(format!(
            "wait_ms must be at most {MAX_LEASE_WAIT_MS}"
        )));
    }
    let visibility_ms = req.visibility_timeout_ms.unwrap_or(DEFAULT_VISIBILITY_MS);
    if visibility_ms > MAX_VISIBILITY_MS {
        return Err(ApiError::bad_request(format!(
            "visibility_timeout_ms must be at most {MAX_VISIBILITY_MS}"
        )));
    }
    Ok(LeaseBody {
        max_events: req.max_events,
        wait_ms: req.wait_ms,
        visibility_ms,
    })
}

/// The receipts of an ack or nack body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptsBody {
    /// The well-formed receipts.
    pub receipts: Vec<Receipt>,
    /// Receipts that are not `{id}.{token}`: answered as stale, never an error.
    pub unparsable: u64,
}

/// Parses and checks an ack body.
pub fn ack_body(bytes: &[u8]) -> Result<ReceiptsBody, ApiError> {
    let req: AckRequest = parse_json(bytes)?;
    parse_receipts(&req.receipts)
}

/// Parses and checks a nack body: the receipts and the delay in milliseconds.
pub fn nack_body(bytes: &[u8]) -> Result<(ReceiptsBody, u64), ApiError> {
    let req: NackRequest = parse_json(bytes)?;
    let delay = req.delay_ms.unwrap_or(0);
    if delay > MAX_VISIBILITY_MS {
        return Err(ApiError::bad_request(format!(
            "delay_ms must be at most {MAX_VISIBILITY_MS}"
        )));
    }
    Ok((parse_receipts(&req.receipts)?, delay))
}

/// Parses and checks a redrive body; an empty (or all-whitespace) body redrives everything.
pub fn redrive_body(bytes: &[u8]) -> Result<RedriveRequest, ApiError> {
    let req: RedriveRequest = if bytes.iter().all(u8::is_ascii_whitespace) {
        RedriveRequest::default()
    } else {
        parse_json(bytes)?
    };
    if req.ids.as_ref().is_some_and(|ids| ids.len() > MAX_RECEIPTS) {
        return Err(ApiError::bad_request(format!(
            "redrive at most {MAX_RECEIPTS} ids at once"
        )));
    }
    Ok(req)
}

fn parse_receipts(receipts: &[relay_client::ReceiptHandle]) -> Result<ReceiptsBody, ApiError> {
    if receipts.is_empty() || receipts.len() > MAX_RECEIPTS {
        return Err(ApiError::bad_request(format!(
            "send 1..={MAX_RECEIPTS} receipts"
        )));
    }
    let parsed: Vec<Receipt> = receipts
        .iter()
        .filter_map(|r| Receipt::parse(&r.0))
        .collect();
    let unparsable = (receipts.len() - parsed.len()) as u64;
    Ok(ReceiptsBody {
        receipts: parsed,
        unparsable,
    })
}

pub(crate) async fn ack(
    State(state): State<Arc<AppState>>,
    Path(portal): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<AckResponse>, ApiError> {
    let portal_id = authorize(&state, &headers, &portal)?;
    let ReceiptsBody {
        receipts,
        unparsable,
    } = ack_body(&read_body(&headers, body).await?)?;
    let out = state.store.ack(portal_id, receipts, now_ms()).await?;
    state.metrics.acked(portal_id, out.matched);
    Ok(Json(AckResponse {
        acked: out.matched,
        stale: out.stale + unparsable,
    }))
}

pub(crate) async fn nack(
    State(state): State<Arc<AppState>>,
    Path(portal): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<NackResponse>, ApiError> {
    let portal_id = authorize(&state, &headers, &portal)?;
    let (
        ReceiptsBody {
            receipts,
            unparsable,
        },
        delay,
    ) = nack_body(&read_body(&headers, body).await?)?;
    let visible_at = now_ms().saturating_add(Millis::try_from(delay).unwrap_or(Millis::MAX));
    let out = state.store.nack(portal_id, receipts, visible_at).await?;
    state.metrics.nacked(portal_id, out.matched);
    if out.matched > 0 && delay == 0 {
        state.waiters.wake(portal_id);
    }
    Ok(Json(NackResponse {
        released: out.matched,
        stale: out.stale + unparsable,
    }))
}

pub(crate) async fn dead_letters(
    State(state): State<Arc<AppState>>,
    Path(portal): Path<String>,
    headers: HeaderMap,
    query: Result<Query<DeadLetterQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<DeadListOut>, ApiError> {
    let portal_id = authorize(&state, &headers, &portal)?;
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = query.limit.unwrap_or(100);
    if limit == 0 || limit > 1000 {
        return Err(ApiError::bad_request("limit must be 1..=1000"));
    }
    let rows = state
        .store
        .dead_letters(portal_id, query.after.unwrap_or(0), limit)
        .await?;
    let next_after = (rows.len() == limit as usize)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    let events = rows
        .into_iter()
        .map(|r| {
            Ok(DeadOut {
                id: r.id,
                receive_count: r.receive_count,
                received_at: r.received_at,
                dead_at: r.dead_at,
                event: raw(r.payload)?,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(Json(DeadListOut { events, next_after }))
}

pub(crate) async fn redrive(
    State(state): State<Arc<AppState>>,
    Path(portal): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<RedriveResponse>, ApiError> {
    let portal_id = authorize(&state, &headers, &portal)?;
    let req = redrive_body(&read_body(&headers, body).await?)?;
    let redriven = state.store.redrive(portal_id, req.ids, now_ms()).await?;
    if redriven > 0 {
        state.waiters.wake(portal_id);
    }
    tracing::info!(portal_id, redriven, "dead letters redriven");
    Ok(Json(RedriveResponse { redriven }))
}
