//! Errors: [`SimError`] for starting the simulator, [`ApiError`] for HubSpot-shaped answers.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::util::uuid;

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The listen address is taken or not ours.
    #[error("cannot listen on {addr}: {source}; pick another address or port 0")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The `--record` file cannot be created.
    #[error(
        "cannot create the record file {path}: {source}; check the folder exists and is writable"
    )]
    Record {
        /// The file asked for.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The webhook target is not an absolute http(s) URL.
    #[error("the webhook target {0:?} is not an absolute http(s) URL")]
    WebhookTarget(String),
    /// The HTTP client for webhook delivery could not be built.
    #[error("cannot build the webhook HTTP client: {0}")]
    Client(String),
}

/// A HubSpot error answer: `{status:"error", message, correlationId, category, subCategory?,
/// errors?, context?, links?}` with the status code HubSpot uses.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    status: StatusCode,
    body: Map<String, Value>,
}

impl ApiError {
    /// The common shape with a fresh correlation id.
    pub(crate) fn new(status: StatusCode, category: &str, message: impl Into<String>) -> Self {
        let mut body = Map::new();
        body.insert("status".into(), json!("error"));
        body.insert("message".into(), json!(message.into()));
        body.insert("correlationId".into(), json!(uuid()));
        body.insert("category".into(), json!(category));
        Self { status, body }
    }

    /// Adds a field (subCategory, errors, context, links, policyName …).
    pub(crate) fn with(mut self, key: &str, value: Value) -> Self {
        self.body.insert(key.to_owned(), value);
        self
    }

    /// 400 VALIDATION_ERROR.
    pub(crate) fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message)
    }

    /// 404 OBJECT_NOT_FOUND.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND", message)
    }

    /// 409 CONFLICT.
    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "CONFLICT", message)
    }

    /// 400 for a body that is not the JSON the endpoint expects.
    pub(crate) fn bad_json(detail: &str) -> Self {
        Self::validation(format!("Invalid input JSON: {detail}"))
    }

    /// 403 MISSING_SCOPES naming the scope the token lacks.
    pub(crate) fn missing_scope(scope: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "MISSING_SCOPES",
            "This app hasn't been granted all required scopes to make this call. \
             Read more about required scopes here: https://developers.hubspot.com/scopes.",
        )
        .with(
            "errors",
            json!([{
                "message": "One or more of the following scopes are required.",
                "context": { "requiredGranularScopes": [scope] }
            }]),
        )
        .with(
            "links",
            json!({ "scopes": "https://developers.hubspot.com/scopes" }),
        )
    }

    /// The HTTP status of this answer.
    #[cfg(test)]
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    /// The JSON body.
    pub(crate) fn body(&self) -> Value {
        Value::Object(self.body.clone())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let correlation = self
            .body
            .get("correlationId")
            .and_then(Value::as_str)
            .and_then(|c| HeaderValue::from_str(c).ok());
        let mut response = (self.status, axum::Json(Value::Object(self.body))).into_response();
        if let Some(c) = correlation {
            response.headers_mut().insert("x-hubspot-correlation-id", c);
        }
        response
    }
}

/// Result of a HubSpot handler.
pub(crate) type ApiResult<T> = Result<T, ApiError>;
