//! The client's one error type, with messages an admin can act on.
//!
//! Every variant that comes from a HubSpot answer carries the [`ApiError`] (HTTP status plus
//! HubSpot's body, including its `correlationId`). The engine matches on the variant; the UI
//! shows the `Display` text, which says what to do next. No variant ever contains a token.

use std::time::Duration;

use crate::error_body::ApiError;

/// Everything that can go wrong talking to HubSpot.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// HubSpot rejected the access token (invalid or for another app).
    #[error("HubSpot refused the token: reconnect in Settings → Connection ({0})")]
    Unauthorized(Box<ApiError>),

    /// HubSpot says the access token expired and renewing it did not help.
    #[error(
        "the HubSpot access token expired and could not be renewed: reconnect in Settings → Connection if this persists ({0})"
    )]
    Expired(Box<ApiError>),

    /// The refresh token was revoked, expired or the app was uninstalled: only a new OAuth
    /// connection helps. The engine shows "Reconnect" and stops polling this portal.
    #[error(
        "HubSpot no longer accepts Steward's authorization (revoked or uninstalled): reconnect in Settings → Connection ({0})"
    )]
    Reconnect(Box<ApiError>),

    /// The token lacks one or more scopes.
    #[error("{}: reconnect and grant {} ({api})", missing_scopes_text(scopes), if scopes.len() <= 1 { "it" } else { "them" })]
    MissingScopes {
        /// The scopes HubSpot named (may be empty when HubSpot did not say which).
        scopes: Vec<String>,
        /// HubSpot's answer.
        api: Box<ApiError>,
    },

    /// Any other 403: the user or app may not do this.
    #[error(
        "HubSpot denied access: ask a HubSpot super admin to check the app's permissions ({0})"
    )]
    Forbidden(Box<ApiError>),

    /// The portal's daily API quota is used up; retrying today is pointless.
    #[error(
        "HubSpot's daily API limit for this portal is used up: work resumes after midnight in the portal's time zone ({0})"
    )]
    RateLimitedDaily(Box<ApiError>),

    /// HubSpot kept answering 429 (short-term limit) even after waiting and retrying, usually
    /// because another integration uses the same portal's budget.
    #[error(
        "HubSpot kept rate-limiting requests after {attempts} attempts: another integration may be using this portal's API budget; try again in a minute ({api})"
    )]
    RateLimited {
        /// HubSpot's last 429 answer.
        api: Box<ApiError>,
        /// Requests made, including the first.
        attempts: u32,
        /// How long HubSpot asked to wait, if it said.
        retry_after: Option<Duration>,
    },

    /// 400 (or 422): the request was invalid, e.g. a wrong property value or too many inputs.
    #[error("HubSpot rejected the request as invalid: {0}")]
    Validation(Box<ApiError>),

    /// 409: e.g. a property with that name already exists.
    #[error("HubSpot reports a conflict with existing data: {0}")]
    Conflict(Box<ApiError>),

    /// 404: the object, property, list or portal does not exist (or was deleted).
    #[error("not found in HubSpot: {0}")]
    NotFound(Box<ApiError>),

    /// 5xx after the bounded retries.
    #[error("HubSpot had server errors after {attempts} attempts; try again later ({api})")]
    Server {
        /// HubSpot's last answer.
        api: Box<ApiError>,
        /// Requests made, including the first.
        attempts: u32,
    },

    /// Network failure or timeout after the bounded retries. (reqwest's message names the
    /// URL, which never carries a token.)
    #[error(
        "could not reach HubSpot after {attempts} attempts: {source}; check the network connection"
    )]
    Transport {
        /// The last transport error.
        #[source]
        source: reqwest::Error,
        /// Requests made, including the first.
        attempts: u32,
    },

    /// HubSpot answered 2xx but the body did not have the expected shape.
    #[error(
        "HubSpot's answer from {endpoint} could not be read ({detail}); Steward may need an update"
    )]
    Decode {
        /// `METHOD path` of the request.
        endpoint: String,
        /// What did not fit (never includes token values).
        detail: String,
    },

    /// A status the client has no specific handling for (3xx, 405, 413 …).
    #[error("unexpected answer from HubSpot: {0}")]
    Unexpected(Box<ApiError>),

    /// A pluggable token refresher (e.g. the relay broker) failed for a reason of its own.
    #[error("could not renew the HubSpot token: {0}; check the connection to the Steward relay")]
    RefreshFailed(String),

    /// The client was configured wrongly (bad base URL …).
    #[error("invalid HubSpot client configuration: {0}")]
    Config(String),
}

fn missing_scopes_text(scopes: &[String]) -> String {
    match scopes {
        [] => "the HubSpot connection is missing a required scope".to_owned(),
        [one] => format!("missing scope {one}"),
        many => format!("missing scopes {}", many.join(", ")),
    }
}

impl Error {
    /// HubSpot's answer behind this error, when there was one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Unauthorized(api)
            | Error::Expired(api)
            | Error::Reconnect(api)
            | Error::Forbidden(api)
            | Error::RateLimitedDaily(api)
            | Error::Validation(api)
            | Error::Conflict(api)
            | Error::NotFound(api)
            | Error::Unexpected(api)
            | Error::MissingScopes { api, .. }
            | Error::RateLimited { api, .. }
            | Error::Server { api, .. } => Some(api),
            Error::Transport { .. }
            | Error::Decode { .. }
            | Error::RefreshFailed(_)
            | Error::Config(_) => None,
        }
    }

    /// HTTP status of HubSpot's answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.api().map(|a| a.status)
    }

    /// HubSpot's `correlationId`, for support tickets and the audit log.
    pub fn correlation_id(&self) -> Option<&str> {
        self.api()?.body.correlation_id.as_deref()
    }

    /// Whether only a new OAuth connection can fix this (show "Reconnect").
    pub fn needs_reconnect(&self) -> bool {
        matches!(
            self,
            Error::Reconnect(_)
                | Error::Unauthorized(_)
                | Error::Expired(_)
                | Error::MissingScopes { .. }
        )
    }

    /// Whether trying the same call later may succeed (the job queue's retry decision).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::RateLimited { .. }
                | Error::Server { .. }
                | Error::Transport { .. }
                | Error::RefreshFailed(_)
        )
    }

    /// Maps a non-success answer of an ordinary API call to its variant.
    pub(crate) fn from_api(api: ApiError) -> Self {
        let api = Box::new(api);
        match api.status {
            401 if api.body.has_category("EXPIRED_AUTHENTICATION") => Error::Expired(api),
            401 => Error::Unauthorized(api),
            403 if api.body.has_category("MISSING_SCOPES") => Error::MissingScopes {
                scopes: api.body.scopes_in_context(),
                api,
            },
            403 => Error::Forbidden(api),
            404 => Error::NotFound(api),
            409 => Error::Conflict(api),
            400 | 422 => Error::Validation(api),
            429 if is_daily(&api) => Error::RateLimitedDaily(api),
            429 => Error::RateLimited {
                api,
                attempts: 1,
                retry_after: None,
            },
            500..=599 => Error::Server { api, attempts: 1 },
            _ => Error::Unexpected(api),
        }
    }
}

/// Whether a 429 is the daily quota (`policyName: DAILY`).
pub(crate) fn is_daily(api: &ApiError) -> bool {
    api.body
        .policy_name
        .as_deref()
        .is_some_and(|p| p.eq_ignore_ascii_case("DAILY"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, raw: &str) -> ApiError {
        ApiError::from_bytes(status, raw.as_bytes())
    }

    #[test]
    fn maps_statuses_to_variants() {
        assert!(matches!(
            Error::from_api(api(401, "{}")),
            Error::Unauthorized(_)
        ));
        assert!(matches!(
            Error::from_api(api(401, r#"{"category":"EXPIRED_AUTHENTICATION"}"#)),
            Error::Expired(_)
        ));
        assert!(matches!(Error::from_api(api(403, "")), Error::Forbidden(_)));
        assert!(matches!(
            Error::from_api(api(404, "{}")),
            Error::NotFound(_)
        ));
        assert!(matches!(
            Error::from_api(api(409, "{}")),
            Error::Conflict(_)
        ));
        assert!(matches!(
            Error::from_api(api(400, "{}")),
            Error::Validation(_)
        ));
        assert!(matches!(
            Error::from_api(api(503, "oops")),
            Error::Server { .. }
        ));
        assert!(matches!(
            Error::from_api(api(418, "{}")),
            Error::Unexpected(_)
        ));
        assert!(matches!(
            Error::from_api(api(429, r#"{"policyName":"DAILY"}"#)),
            Error::RateLimitedDaily(_)
        ));
        assert!(matches!(
            Error::from_api(api(429, r#"{"policyName":"TEN_SECONDLY_ROLLING"}"#)),
            Error::RateLimited { .. }
        ));
    }

    #[test]
    fn missing_scope_message_is_actionable() {
        let err = Error::from_api(api(
            403,
            r#"{"category":"MISSING_SCOPES","errors":[{"context":{"requiredGranularScopes":["crm.schemas.contacts.write"]}}]}"#,
        ));
        let text = err.to_string();
        assert!(
            text.starts_with("missing scope crm.schemas.contacts.write: reconnect and grant it"),
            "{text}"
        );
        assert!(err.needs_reconnect());
        let Error::MissingScopes { scopes, .. } = err else {
            panic!("variant")
        };
        assert_eq!(scopes, vec!["crm.schemas.contacts.write"]);
    }

    #[test]
    fn missing_scopes_without_names_still_reads_well() {
        let err = Error::from_api(api(403, r#"{"category":"MISSING_SCOPES"}"#));
        assert!(err.to_string().starts_with(
            "the HubSpot connection is missing a required scope: reconnect and grant it"
        ));
    }

    #[test]
    fn unauthorized_message_says_reconnect() {
        let err = Error::from_api(api(
            401,
            r#"{"message":"Authentication credentials not found","correlationId":"c1"}"#,
        ));
        let text = err.to_string();
        assert!(
            text.contains("HubSpot refused the token: reconnect in Settings → Connection"),
            "{text}"
        );
        assert!(text.contains("correlationId c1"));
        assert_eq!(err.correlation_id(), Some("c1"));
        assert_eq!(err.status(), Some(401));
    }

    #[test]
    fn transient_classification() {
        assert!(Error::from_api(api(502, "")).is_transient());
        assert!(!Error::from_api(api(400, "")).is_transient());
        assert!(!Error::from_api(api(429, r#"{"policyName":"DAILY"}"#)).is_transient());
    }
}
