//! Steward's typed async HubSpot client.
//!
//! One [`HubSpotClient`] per portal: OAuth v3 tokens renewed proactively and single-flight,
//! requests paced under the portal's rate limit, 5xx and timeouts retried with jittered
//! backoff, batches split to HubSpot's limits, and one [`Error`] type whose messages tell an
//! admin what to do. Tokens are [`Secret`]s and never reach logs or error strings.
//!
//! ```no_run
//! # async fn demo() -> Result<(), hubspot::Error> {
//! use hubspot::{HubSpotClient, ReadOptions, Secret, TokenSource};
//! let client = HubSpotClient::new("https://api.hubapi.com", TokenSource::private_app(Secret::new("pat-…")))?;
//! let opts = ReadOptions::properties(["email"]).with_history(["ai_summary"]);
//! let batch = client.batch_read_contacts(&["101", "102"], &opts).await?;
//! println!("{} contacts, {} errors, {} requests", batch.results.len(), batch.errors.len(), client.stats().requests);
//! # Ok(()) }
//! ```
//!
//! # Layout
//! - [`client`]: [`HubSpotClient`] and its builder (base URL, pacing, retries, timeout).
//! - `api/`: the calls, one file per area — `objects` (get, batch read/update, create),
//!   `properties` (definitions and groups), `lists` (search, memberships stream),
//!   `associations` (v4 single and batch), `account` (account details), `search` (CRM search).
//! - [`oauth`]: [`OAuthApp`], the v3 token endpoints with client credentials (exchange,
//!   refresh, introspect, revoke); the direct [`TokenRefresher`].
//! - [`token`]: [`TokenSource`] (private-app token or OAuth), proactive single-flight
//!   renewal, the [`TokenRefresher`] trait and the new-refresh-token hook (tests in
//!   `token/tests`).
//! - [`pacer`]: [`Pacer`], per-portal governor pacing learnt from HubSpot's rate headers;
//!   `pacer/limit` holds [`RateLimit`] and its `"110/10s"` parser.
//! - [`retry`]: [`RetryPolicy`] (backon exponential backoff with jitter, 429 waits).
//! - `http`: the single request executor (pacing, auth, retries, span, counters);
//!   `http/request` is the re-sendable request and the decoded answer.
//! - [`error`] / [`error_body`]: [`Error`] variants and HubSpot's optional-field error body.
//! - [`model`]: typed payloads (contacts with property history, properties, lists,
//!   associations, OAuth answers, 207 batch results).
//! - [`secret`]: [`Secret`], the redacting newtype shared with the engine and relay.
//! - [`stats`]: [`RequestStats`] counters (requests, 429s, retries, refreshes).
//! - `lenient`: serde helpers that accept HubSpot's string-or-number ids and timestamps.

mod api;
pub mod client;
pub mod error;
pub mod error_body;
mod http;
mod lenient;
pub mod model;
pub mod oauth;
pub mod pacer;
pub mod retry;
pub mod secret;
pub mod stats;
pub mod token;

pub use api::{
    ASSOCIATION_BATCH_READ_MAX, ASSOCIATION_PAGE_MAX, BATCH_READ_MAX, BATCH_READ_WITH_HISTORY_MAX,
    BATCH_UPDATE_MAX, MEMBERSHIPS_PAGE_MAX, PROPERTY_BATCH_CREATE_MAX,
};
pub use client::{ClientBuilder, HubSpotClient};
pub use error::Error;
pub use error_body::{ApiError, ErrorBody, ErrorDetail};
pub use model::*;
pub use oauth::{DEFAULT_BASE_URL, OAuthApp};
pub use pacer::{Pacer, RateLimit, RequestSlot};
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use stats::RequestStats;
pub use token::{RefreshTokenHook, TokenRefresher, TokenSource};

/// The OAuth scopes Steward requests (DESIGN §5).
pub const REQUIRED_SCOPES: [&str; 5] = [
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    "crm.schemas.contacts.write",
    "crm.lists.read",
    "oauth",
];
