//! Client side of the Steward relay: the wire protocol and the async client the desktop engine
//! uses to lease HubSpot webhook events and to run OAuth through the relay's token broker.
//!
//! ```no_run
//! # async fn demo() -> Result<(), relay_client::ClientError> {
//! use std::time::Duration;
//! use relay_client::{RelayClient, Secret};
//! let client = RelayClient::new("https://relay.example.com")?;
//! let session = client.open_session(&Secret::new("hubspot-access-token")).await?;
//! let events = session.lease(100, Duration::from_secs(20), Duration::from_secs(60)).await?;
//! // … store the events durably, then:
//! let receipts: Vec<_> = events.iter().map(|e| e.receipt.clone()).collect();
//! session.ack(&receipts).await?;
//! # Ok(()) }
//! ```
//!
//! # Layout
//! - [`secret`] — [`Secret`], a credential whose `Debug`/`Display` print `[redacted]`.
//! - [`event`] — [`WebhookEvent`], HubSpot's webhook event with unknown fields kept.
//! - [`wire`] — request/response bodies of every relay endpoint (shared with the server).
//! - [`error`] — [`ClientError`].
//! - `http` — one JSON call with jittered exponential backoff ([`RetryPolicy`]).
//! - `client` — [`RelayClient`] and the OAuth broker calls.
//! - `session` — [`Session`] (lease/ack/nack/dead letters) that reopens itself through an
//!   [`AccessTokenSource`] when it expires.

mod client;
pub mod error;
pub mod event;
mod http;
pub mod secret;
mod session;
pub mod wire;

pub use client::RelayClient;
pub use error::ClientError;
pub use event::{EventKey, WebhookEvent};
pub use http::RetryPolicy;
pub use secret::Secret;
pub use session::{AccessTokenSource, BoxError, Session, TokenFuture};
pub use wire::{
    AckResponse, DeadLetter, DeadLetterList, DeadLetterQuery, ErrorBody, LeasedEvent, NackResponse,
    OAuthRevokeResponse, OAuthStartResponse, ReceiptHandle, TokenSet, codes,
};
