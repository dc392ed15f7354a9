//! Extractors and helpers shared by the HubSpot handlers: HubSpot-shaped JSON rejections,
//! repeated/comma-separated query parameters, portal lookup and batch envelopes.

use std::sync::Arc;

use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::auth::AuthCtx;
use crate::error::{ApiError, ApiResult};
use crate::state::{PortalRef, Sim};
use crate::util::{iso, now_ms};

/// `axum::Json` whose rejection is HubSpot's 400 instead of axum's plain text.
pub(crate) struct HsJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for HsJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError::bad_json(&rejection.body_text())),
        }
    }
}

/// Parsed query string that keeps repeated keys (`properties=a&properties=b`).
#[derive(Debug, Default)]
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    pub(crate) fn parse(raw: Option<&str>) -> Self {
        Self(
            raw.and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
                .unwrap_or_default(),
        )
    }

    /// Every value of `key`, comma lists split, blanks dropped.
    pub(crate) fn list(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The first value of `key`.
    pub(crate) fn one(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The caller's portal.
pub(crate) fn portal_of(sim: &Arc<Sim>, ctx: &AuthCtx) -> ApiResult<PortalRef> {
    sim.portal(ctx.portal_id)
        .ok_or_else(|| ApiError::not_found(format!("Portal {} does not exist.", ctx.portal_id)))
}

/// HubSpot's batch envelope: 200 with `status: COMPLETE`, or 207 with `numErrors`
/// and `errors` when some inputs failed.
pub(crate) fn batch_response(results: Vec<Value>, errors: Vec<Value>, started_ms: i64) -> Response {
    batch_response_of(results, errors, started_ms)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BatchEnvelope<T: Serialize> {
    status: &'static str,
    results: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    num_errors: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<Value>,
    started_at: String,
    completed_at: String,
}

/// [`batch_response`] for results that serialise themselves (no `Value` tree built).
pub(crate) fn batch_response_of<T: Serialize>(
    results: Vec<T>,
    errors: Vec<Value>,
    started_ms: i64,
) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::MULTI_STATUS
    };
    let envelope = BatchEnvelope {
        status: "COMPLETE",
        results,
        num_errors: (!errors.is_empty()).then_some(errors.len()),
        errors,
        started_at: iso(started_ms),
        completed_at: iso(now_ms()),
    };
    match serde_json::to_vec(&envelope) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(e) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            e.to_string(),
        )
        .into_response(),
    }
}

/// The OBJECT_NOT_FOUND entry of a 207 for ids that do not exist.
pub(crate) fn not_found_error(object: &str, ids: &[String]) -> Value {
    json!({
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "message": format!(
            "Could not get some {object} objects, they may be deleted or not exist. Check that ids are valid."
        ),
        "context": { "ids": ids },
    })
}

/// Checks HubSpot's batch size limits: 100 inputs, 50 when property history is asked for.
pub(crate) fn check_batch_size(count: usize, with_history: bool) -> ApiResult<()> {
    if with_history && count > 50 {
        return Err(ApiError::validation(
            "The maximum number of inputs supported in a batch request for property histories is 50. \
             Please reduce the number of items and try again",
        ));
    }
    if count > 100 {
        return Err(ApiError::validation(format!(
            "Batch input size {count} exceeds the maximum of 100 inputs. Please reduce the number of items and try again"
        ))
        .with("context", json!({ "maxInputs": ["100"] })));
    }
    Ok(())
}
