//! The hosted Steward relay (DESIGN §3): HubSpot webhooks in, per-portal durable queues out,
//! plus the OAuth token broker that keeps the client secret off the desktop.
//!
//! ```no_run
//! # async fn demo() -> Result<(), steward_relay::RelayError> {
//! use steward_relay::{Relay, RelayConfig, Secret};
//! let config = RelayConfig::new("client-id", Secret::new("client-secret"), 1234567);
//! let relay = Relay::start(config).await?;
//! println!("relay at {}", relay.base_url());
//! relay.shutdown().await?;
//! # Ok(()) }
//! ```
//!
//! # Layout
//! - `server` — [`Relay`] / [`RelayHandle`] — start, background tasks, graceful shutdown.
//! - [`config`] — [`RelayConfig`] from environment and TOML.
//! - `api` — the HTTP routes — ingest, queue, sessions, OAuth broker, ops; `fuzzing`
//!   re-exports their pure body parsing for the fuzz targets.
//! - [`signature`] — HubSpot v3 webhook signatures.
//! - [`store`] — the [`store::QueueStore`] trait with SQLite and PostgreSQL backends.
//! - [`waiters`] — per-portal wake-ups for long-polls.
//! - [`session_token`] — HMAC-signed, portal-scoped session tokens.
//! - [`hubspot`] — the three HubSpot OAuth calls (exchange, refresh, introspect).
//! - [`metrics`] — Prometheus counters and gauges.
//! - [`clock`] — millisecond timestamps.
//! - [`error`] — [`ApiError`](error::ApiError) and [`RelayError`].

mod api;
pub mod clock;
pub mod config;
pub mod error;
pub mod hubspot;
pub mod metrics;
mod server;
pub mod session_token;
pub mod signature;
pub mod store;
pub mod waiters;

#[doc(hidden)]
pub use api::fuzzing;
pub use config::{ConfigError, DatabaseUrl, RelayConfig};
pub use error::RelayError;
pub use relay_client::Secret;
pub use server::{Relay, RelayHandle};
