//! HubSpot's error body and the HTTP status it came with.
//!
//! HubSpot documents `{status, message, correlationId, category, subCategory?, errors?[],
//! context?}` but real answers vary by endpoint (OAuth uses `error`/`error_description`, 429s
//! add `policyName`), so every field is optional and parsing never fails: a body that is not
//! JSON keeps a short prefix of its text as the message.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Longest prefix of a non-JSON body kept as the message (bodies can be whole HTML pages).
const MAX_TEXT: usize = 300;

/// One entry of `errors[]` in a HubSpot error body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    /// Human-readable message for this detail.
    #[serde(default)]
    pub message: Option<String>,
    /// Machine code, e.g. `INVALID_INTEGER`.
    #[serde(default)]
    pub code: Option<String>,
    /// Which input the detail is about (a property name, a field).
    #[serde(default, rename = "in")]
    pub in_: Option<String>,
    /// Finer category; HubSpot sends a string or an object here.
    #[serde(default)]
    pub sub_category: Option<Value>,
    /// Extra data, e.g. `{"requiredGranularScopes": [...]}` or `{"ids": [...]}`.
    #[serde(default)]
    pub context: Option<Value>,
}

/// HubSpot's JSON error body; every field is optional because HubSpot omits them freely.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Usually `"error"`; the OAuth endpoints put a code such as `BAD_REFRESH_TOKEN` here.
    #[serde(default)]
    pub status: Option<String>,
    /// What went wrong, in HubSpot's words.
    #[serde(default)]
    pub message: Option<String>,
    /// HubSpot's id for this failure: quote it to HubSpot support.
    #[serde(default)]
    pub correlation_id: Option<String>,
    /// e.g. `VALIDATION_ERROR`, `OBJECT_NOT_FOUND`, `MISSING_SCOPES`, `RATE_LIMITS`.
    #[serde(default)]
    pub category: Option<String>,
    /// Finer category; a string or an object depending on the endpoint.
    #[serde(default)]
    pub sub_category: Option<Value>,
    /// Per-input details.
    #[serde(default)]
    pub errors: Option<Vec<ErrorDetail>>,
    /// Extra data (`{"ids": [...]}`, `{"missingScopes": [...]}` …).
    #[serde(default)]
    pub context: Option<Value>,
    /// Rate-limit policy on 429s: `TEN_SECONDLY_ROLLING`, `SECONDLY`, `DAILY`.
    #[serde(default)]
    pub policy_name: Option<String>,
    /// e.g. `RATE_LIMIT` on 429s.
    #[serde(default)]
    pub error_type: Option<String>,
    /// OAuth-style error code (`invalid_grant`).
    #[serde(default)]
    pub error: Option<String>,
    /// OAuth-style description.
    #[serde(default, rename = "error_description", alias = "errorDescription")]
    pub error_description: Option<String>,
}

impl ErrorBody {
    /// Parses a response body; never fails. Non-JSON text becomes a truncated `message`.
    pub fn parse(bytes: &[u8]) -> Self {
        if let Ok(body) = serde_json::from_slice::<ErrorBody>(bytes) {
            return body;
        }
        let text = String::from_utf8_lossy(bytes);
        let text = text.trim();
        if text.is_empty() {
            return Self::default();
        }
        let cut: String = text.chars().take(MAX_TEXT).collect();
        Self {
            message: Some(cut),
            ..Self::default()
        }
    }

    /// The most helpful message available (`message`, else `error_description`, else the first
    /// detail's message).
    pub fn best_message(&self) -> Option<&str> {
        self.message
            .as_deref()
            .or(self.error_description.as_deref())
            .or_else(|| {
                self.errors
                    .as_ref()?
                    .iter()
                    .find_map(|e| e.message.as_deref())
            })
            .filter(|m| !m.trim().is_empty())
    }

    /// Scopes HubSpot says are missing, gathered from every `*Scopes` array in `context`
    /// and in `errors[].context` (HubSpot uses `requiredGranularScopes`, `requiredScopes`
    /// and `missingScopes`).
    pub fn scopes_in_context(&self) -> Vec<String> {
        let mut out = Vec::new();
        let details = self
            .errors
            .iter()
            .flatten()
            .filter_map(|e| e.context.as_ref());
        for ctx in self.context.iter().chain(details) {
            let Some(map) = ctx.as_object() else { continue };
            for (key, value) in map {
                if !key.to_ascii_lowercase().ends_with("scopes") {
                    continue;
                }
                for scope in value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    if !out.iter().any(|s| s == scope) {
                        out.push(scope.to_owned());
                    }
                }
            }
        }
        out
    }

    /// Whether `category` equals `name` (case-insensitive).
    pub fn has_category(&self, name: &str) -> bool {
        self.category
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case(name))
    }
}

/// A failed HubSpot response: the HTTP status and the parsed body.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// HubSpot's error body (fields may all be `None`).
    pub body: ErrorBody,
}

impl ApiError {
    /// Builds one from a status and raw body bytes.
    pub fn from_bytes(status: u16, bytes: &[u8]) -> Self {
        Self {
            status,
            body: ErrorBody::parse(bytes),
        }
    }

    /// Builds one from a status and a message, for errors raised outside an HTTP answer
    /// (e.g. a pluggable token refresher).
    pub fn with_message(status: u16, message: impl Into<String>) -> Self {
        let body = ErrorBody {
            message: Some(message.into()),
            ..ErrorBody::default()
        };
        Self { status, body }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.body.best_message() {
            Some(message) => write!(f, "{message} (HTTP {}", self.status)?,
            None => write!(f, "HTTP {}", self.status)?,
        }
        if let Some(category) = &self.body.category {
            write!(f, ", {category}")?;
        }
        if let Some(id) = &self.body.correlation_id {
            write!(f, ", correlationId {id}")?;
        }
        if self.body.best_message().is_some() {
            f.write_str(")")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_body() {
        let raw = br#"{"status":"error","message":"Property values were not valid","correlationId":"abc-1",
            "category":"VALIDATION_ERROR","subCategory":"x","errors":[{"message":"bad","code":"INVALID_INTEGER","in":"age",
            "context":{"propertyName":["age"]}}],"context":{"ids":["1"]}}"#;
        let body = ErrorBody::parse(raw);
        assert_eq!(body.category.as_deref(), Some("VALIDATION_ERROR"));
        assert_eq!(body.correlation_id.as_deref(), Some("abc-1"));
        let errors = body.errors.as_ref().unwrap();
        assert_eq!(errors[0].in_.as_deref(), Some("age"));
        assert_eq!(errors[0].code.as_deref(), Some("INVALID_INTEGER"));
        assert_eq!(body.best_message(), Some("Property values were not valid"));
    }

    #[test]
    fn every_field_may_be_missing() {
        let body = ErrorBody::parse(b"{}");
        assert_eq!(body, ErrorBody::default());
        assert_eq!(body.best_message(), None);
        let api = ApiError { status: 500, body };
        assert_eq!(api.to_string(), "HTTP 500");
    }

    #[test]
    fn non_json_and_empty_bodies_do_not_fail() {
        let body = ErrorBody::parse(b"<html>Bad gateway</html>");
        assert_eq!(body.message.as_deref(), Some("<html>Bad gateway</html>"));
        assert_eq!(ErrorBody::parse(b""), ErrorBody::default());
        let long = vec![b'x'; 5000];
        assert_eq!(ErrorBody::parse(&long).message.unwrap().len(), MAX_TEXT);
        // Wrong types for known fields fall back to text rather than failing.
        let odd = ErrorBody::parse(br#"{"message": 12}"#);
        assert!(odd.message.unwrap().contains("12"));
    }

    #[test]
    fn subcategory_may_be_an_object() {
        let body = ErrorBody::parse(br#"{"subCategory":{"k":"v"},"message":"m"}"#);
        assert!(body.sub_category.unwrap().is_object());
    }

    #[test]
    fn oauth_style_body() {
        let body = ErrorBody::parse(
            br#"{"error":"invalid_grant","error_description":"refresh token revoked"}"#,
        );
        assert_eq!(body.best_message(), Some("refresh token revoked"));
    }

    #[test]
    fn missing_scopes_are_collected() {
        let raw = br#"{"status":"error","message":"This app hasn't been granted all required scopes",
            "category":"MISSING_SCOPES","errors":[{"message":"One or more of the following scopes are required.",
            "context":{"requiredGranularScopes":["crm.schemas.contacts.write"]}}],"context":{"missingScopes":["crm.schemas.contacts.write","oauth"]}}"#;
        let body = ErrorBody::parse(raw);
        assert_eq!(
            body.scopes_in_context(),
            vec!["crm.schemas.contacts.write", "oauth"]
        );
        assert!(body.has_category("missing_scopes"));
    }

    #[test]
    fn display_includes_correlation_id() {
        let api = ApiError::from_bytes(404, br#"{"message":"Object not found","correlationId":"c-9","category":"OBJECT_NOT_FOUND"}"#);
        assert_eq!(
            api.to_string(),
            "Object not found (HTTP 404, OBJECT_NOT_FOUND, correlationId c-9)"
        );
    }
}
