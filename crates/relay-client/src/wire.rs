//! Request and response bodies of every relay endpoint, shared by the server and the client.
//!
//! Durations on the wire are integers in milliseconds (`*_ms`) or seconds (`expires_in`,
//! OAuth's convention); timestamps are milliseconds since the Unix epoch.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Secret, WebhookEvent};

/// Largest `max_events` a lease may ask for.
pub const MAX_LEASE_EVENTS: u32 = 100;
/// Longest long-poll a lease may ask for, in milliseconds (SQS's 20 s).
pub const MAX_LEASE_WAIT_MS: u64 = 20_000;
/// Visibility timeout when a lease names none, in milliseconds (SQS's default).
pub const DEFAULT_VISIBILITY_MS: u64 = 60_000;
/// Longest visibility timeout a lease may ask for, in milliseconds (SQS's 12 h).
pub const MAX_VISIBILITY_MS: u64 = 12 * 60 * 60 * 1000;

/// The JSON body of every relay error response: `{error, message}`.
///
/// `error` is a stable machine code (see [`codes`]); `message` says what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A stable code from [`codes`].
    pub error: String,
    /// Human-readable explanation; never contains a secret.
    pub message: String,
}

/// Error codes the relay returns in [`ErrorBody::error`].
pub mod codes {
    /// The request body or parameters are invalid (400).
    pub const BAD_REQUEST: &str = "bad_request";
    /// The webhook signature is missing, wrong or outside the 5-minute window (401).
    pub const INVALID_SIGNATURE: &str = "invalid_signature";
    /// The webhook body exceeds 1 MiB (413).
    pub const PAYLOAD_TOO_LARGE: &str = "payload_too_large";
    /// No or an unreadable session token (401).
    pub const UNAUTHORIZED: &str = "unauthorized";
    /// The session token has expired: open a new session (401).
    pub const SESSION_EXPIRED: &str = "session_expired";
    /// The session is not allowed to touch this portal (403).
    pub const FORBIDDEN: &str = "forbidden";
    /// HubSpot says the access token is not active or belongs to another app (401).
    pub const INVALID_TOKEN: &str = "invalid_token";
    /// The OAuth `state` is unknown, already used, or older than 10 minutes (400).
    pub const INVALID_STATE: &str = "invalid_state";
    /// The PKCE `code_verifier` does not match the `code_challenge` (400).
    pub const INVALID_VERIFIER: &str = "invalid_verifier";
    /// HubSpot refused the code or refresh token (400).
    pub const HUBSPOT_REJECTED: &str = "hubspot_rejected";
    /// HubSpot could not be reached or failed (502).
    pub const HUBSPOT_UNAVAILABLE: &str = "hubspot_unavailable";
    /// The relay's storage failed (500 / 503).
    pub const STORAGE: &str = "storage_error";
    /// The relay is shutting down (503).
    pub const SHUTTING_DOWN: &str = "shutting_down";
    /// No such route (404).
    pub const NOT_FOUND: &str = "not_found";
}

/// `POST /v1/sessions`: trade a HubSpot access token for a relay session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionRequest {
    /// The portal's current HubSpot OAuth access token; the relay introspects it.
    pub access_token: Secret,
}

/// Answer to [`SessionRequest`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionResponse {
    /// Bearer token for `/v1/portals/{portal_id}/…`.
    pub session_token: Secret,
    /// The only portal this session may touch (HubSpot's `hub_id` of the access token).
    pub portal_id: u64,
    /// Seconds until the session expires.
    pub expires_in: u64,
}

/// `POST /v1/portals/{portalId}/events/lease`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseRequest {
    /// 1..=[`MAX_LEASE_EVENTS`].
    pub max_events: u32,
    /// Long-poll: how long to wait for the first event, 0..=[`MAX_LEASE_WAIT_MS`].
    #[serde(default)]
    pub wait_ms: u64,
    /// How long leased events stay invisible to other leases; default [`DEFAULT_VISIBILITY_MS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility_timeout_ms: Option<u64>,
}

/// Opaque proof of one lease of one event; `ack`/`nack` take it back.
///
/// A receipt becomes stale when the event is leased again after its visibility timeout.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReceiptHandle(pub String);

impl fmt::Debug for ReceiptHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReceiptHandle({})", self.0)
    }
}

/// One leased event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeasedEvent {
    /// Give this back to `ack` once the event is durable on the consumer's side.
    pub receipt: ReceiptHandle,
    /// How many times the event has been leased, this lease included (1 on first delivery).
    pub receive_count: u32,
    /// When the relay committed the event, in ms since the epoch.
    pub received_at: i64,
    /// The event exactly as HubSpot sent it.
    pub event: WebhookEvent,
}

/// Answer to [`LeaseRequest`]; empty when the long-poll timed out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LeaseResponse {
    /// Up to `max_events` events. Order is not guaranteed.
    pub events: Vec<LeasedEvent>,
}

/// `POST /v1/portals/{portalId}/events/ack`: delete events for good.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AckRequest {
    /// Receipts from a lease.
    pub receipts: Vec<ReceiptHandle>,
}

/// Answer to [`AckRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckResponse {
    /// Events deleted by this call.
    pub acked: u64,
    /// Receipts that no longer match a lease (already acked, or leased again since).
    pub stale: u64,
}

/// `POST /v1/portals/{portalId}/events/nack`: give events back before their timeout.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NackRequest {
    /// Receipts from a lease.
    pub receipts: Vec<ReceiptHandle>,
    /// Keep the events invisible this long before redelivery (default 0: at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
}

/// Answer to [`NackRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NackResponse {
    /// Events made visible again (their receive count stays).
    pub released: u64,
    /// Receipts that no longer match a lease.
    pub stale: u64,
}

/// One event in a portal's dead-letter list (`GET /v1/portals/{portalId}/dlq`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// The relay's id of the event; pass it to redrive.
    pub id: i64,
    /// How many leases it survived without an ack.
    pub receive_count: u32,
    /// When the relay committed it (ms).
    pub received_at: i64,
    /// When it was dead-lettered (ms).
    pub dead_at: i64,
    /// The event exactly as HubSpot sent it.
    pub event: WebhookEvent,
}

/// Query of `GET /v1/portals/{portalId}/dlq`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct DeadLetterQuery {
    /// Page size, 1..=1000 (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Only ids greater than this (from [`DeadLetterList::next_after`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<i64>,
}

/// Answer of `GET /v1/portals/{portalId}/dlq`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeadLetterList {
    /// Oldest first.
    pub events: Vec<DeadLetter>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<i64>,
}

/// `POST /v1/portals/{portalId}/dlq/redrive`: put dead letters back in the queue.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RedriveRequest {
    /// Which dead letters; absent means all of the portal's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<i64>>,
}

/// Answer to [`RedriveRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedriveResponse {
    /// Events moved back to the queue with a receive count of 0.
    pub redriven: u64,
}

/// `POST /oauth/start`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OAuthStartRequest {
    /// base64url(sha256(code_verifier)), no padding (RFC 7636).
    pub code_challenge: String,
    /// Must be `S256` (the only method the broker accepts).
    #[serde(default = "s256")]
    pub code_challenge_method: String,
}

fn s256() -> String {
    "S256".to_owned()
}

/// Answer to [`OAuthStartRequest`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OAuthStartResponse {
    /// Single-use, valid for `expires_in` seconds; comes back on the deep link.
    pub state: String,
    /// Open this in the user's browser.
    pub authorize_url: String,
    /// Seconds until `state` expires (600).
    pub expires_in: u64,
    /// The HubSpot app id the relay brokers for: the desktop records it as the `sourceId` of
    /// its own writes. Absent from relays older than this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<u64>,
}

/// `POST /oauth/token`: finish the authorization-code flow.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OAuthTokenRequest {
    /// The `code` from the deep link.
    pub code: Secret,
    /// The `state` from the deep link.
    pub state: String,
    /// The PKCE verifier whose challenge went to `/oauth/start`.
    pub code_verifier: Secret,
}

/// `POST /oauth/refresh`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OAuthRefreshRequest {
    /// The portal's refresh token (from the OS keyring).
    pub refresh_token: Secret,
}

/// `POST /oauth/revoke`: "Disconnect" — HubSpot's revoke call needs the client secret, so the
/// broker adds it, like for every other token call.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OAuthRevokeRequest {
    /// The refresh token to revoke (HubSpot then refuses it and its access tokens).
    pub refresh_token: Secret,
}

/// Answer to [`OAuthRevokeRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthRevokeResponse {
    /// Always true: HubSpot accepted the revocation (an unknown token counts as revoked).
    pub revoked: bool,
}

/// HubSpot's token response, passed through by the broker (which stores none of it).
#[derive(Clone, Serialize, Deserialize)]
pub struct TokenSet {
    /// Bearer token for HubSpot's API (30 minutes).
    pub access_token: Secret,
    /// Long-lived; HubSpot returns one on every grant, kept optional to be safe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    /// Seconds until `access_token` expires.
    pub expires_in: u64,
    /// `bearer`.
    #[serde(default)]
    pub token_type: String,
    /// Anything else HubSpot returned (for example `hub_id`, `id_token`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &self.access_token)
            .field("refresh_token", &self.refresh_token)
            .field("expires_in", &self.expires_in)
            .field("token_type", &self.token_type)
            .field("extra_fields", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_request_defaults() {
        let r: LeaseRequest = serde_json::from_str(r#"{"max_events":10}"#).unwrap();
        assert_eq!(r.wait_ms, 0);
        assert_eq!(r.visibility_timeout_ms, None);
    }

    #[test]
    fn oauth_start_defaults_to_s256() {
        let r: OAuthStartRequest = serde_json::from_str(r#"{"code_challenge":"x"}"#).unwrap();
        assert_eq!(r.code_challenge_method, "S256");
    }

    #[test]
    fn token_set_debug_hides_tokens_and_extra_values() {
        let t: TokenSet = serde_json::from_str(
            r#"{"access_token":"at-xyz","refresh_token":"rt-xyz","expires_in":1800,
                "token_type":"bearer","id_token":"idt-xyz"}"#,
        )
        .unwrap();
        let dbg = format!("{t:?}");
        assert!(!dbg.contains("-xyz"), "{dbg}");
        assert!(dbg.contains("id_token"));
        assert_eq!(t.extra.get("id_token"), Some(&Value::from("idt-xyz")));
    }
}
