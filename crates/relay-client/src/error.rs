//! [`ClientError`]: everything that can go wrong talking to the relay.

use crate::wire::codes;

/// An error from [`crate::RelayClient`] or [`crate::Session`]. Messages never contain tokens.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The base URL given to [`crate::RelayClient::new`] is not an absolute http(s) URL.
    #[error("relay URL `{0}` is invalid: use an http(s) URL such as https://relay.example.com")]
    InvalidBaseUrl(String),
    /// The relay could not be reached (connection refused, reset, timeout) after retries.
    #[error("could not reach the relay: {0}; check the relay URL and the network")]
    Transport(#[source] reqwest::Error),
    /// The relay answered 5xx after retries.
    #[error("the relay failed (HTTP {status}, {code}): {message}; try again later")]
    Server {
        /// HTTP status.
        status: u16,
        /// Error code from the body (see [`crate::codes`]).
        code: String,
        /// Message from the body.
        message: String,
    },
    /// The relay refused the request (4xx); retrying the same request will not help.
    #[error("the relay refused the request (HTTP {status}, {code}): {message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// Error code from the body (see [`crate::codes`]).
        code: String,
        /// Message from the body.
        message: String,
    },
    /// The session expired and the session has no token source to open a new one.
    #[error("the relay session expired: open a new session with a fresh HubSpot access token")]
    SessionExpired,
    /// The callback that yields a fresh HubSpot access token failed.
    #[error("could not get a fresh HubSpot access token to reopen the relay session: {0}")]
    TokenSource(String),
    /// A reopened session is scoped to another portal than the original one.
    #[error(
        "the fresh access token belongs to portal {got}, not {expected}: reconnect the right HubSpot account"
    )]
    PortalChanged {
        /// The session's portal.
        expected: u64,
        /// The portal of the new token.
        got: u64,
    },
    /// The relay's answer could not be understood (version mismatch?).
    #[error("the relay sent an unexpected answer ({0}); check that relay and app versions match")]
    InvalidResponse(String),
}

impl ClientError {
    /// True for failures a later identical request may not hit: transport errors and 5xx.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport(_) | Self::Server { .. } => true,
            Self::InvalidResponse(_)
            | Self::InvalidBaseUrl(_)
            | Self::Rejected { .. }
            | Self::SessionExpired
            | Self::TokenSource(_)
            | Self::PortalChanged { .. } => false,
        }
    }

    /// The relay's error code, when the relay answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Server { code, .. } | Self::Rejected { code, .. } => Some(code),
            _ => None,
        }
    }

    /// True when the relay says the session token is expired or unusable (a new one may help).
    pub fn is_session_invalid(&self) -> bool {
        matches!(self, Self::Rejected { status: 401, code, .. }
            if code == codes::SESSION_EXPIRED || code == codes::UNAUTHORIZED)
            || matches!(self, Self::SessionExpired)
    }
}
