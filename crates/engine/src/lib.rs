//! Steward's headless core. Everything the desktop shell and the CLI do goes through here, so the
//! rules of DESIGN.md live in one place that builds and tests without a display.
//!
//! # Layout
//! - [`paths`]: where the database and logs live (the OS data dir shared by the app and the CLI).
//! - [`store`]: the single SQLite file — connection pragmas and versioned migrations.
//! - [`settings`]: typed access to the `settings` table.
//! - [`logging`]: tracing to the console and to a rotating log file in the data dir.
//! - [`status`]: the snapshot each screen of the app renders its empty or full state from.
//! - [`fields`]: the catalog of `ai_*` properties Steward owns, and the write allowlist.
//! - [`hashing`]: the input hash and the deterministic correlation ID.
//! - [`writer`]: who wrote a property version (Steward, a person, another source).
//! - [`guard`]: whether an AI value may replace what a field holds.
//! - [`provenance`]: per contact and AI field: current value, writer, and merged history.
//! - [`provision`]: creates the `ai_enrichment` group and `ai_*` properties, idempotently.
//! - [`poller`]: relay lease → intake → ack, never ack first.
//! - [`intake`]: webhook events → durable inbox → coalesced jobs, with the echo filter.
//! - [`jobs`]: the durable per-contact job queue (coalescing, priority, retries).
//! - [`pipeline`]: one guarded, idempotent round trip for a chunk of contacts.
//! - [`runtime`]: the poller and the worker of one portal under one shutdown token.
//! - [`worker`]: claims jobs in chunks and settles each (done, retry, paused).
//! - [`runs`]: batch runs' modes and progress counters.
//! - [`audit`]: one row per round trip under its correlation ID.
//! - [`ledger`]: our own writes (value hashes), for the guard and the echo filter.
//! - [`review_actions`]: approve, edit-and-approve, reject — with a re-check before writing.
//! - [`reviews`]: proposals held back for the admin.
//! - [`clock`]: milliseconds since the epoch, the time unit of every table.
//! - [`connection`]: the stored HubSpot connection and the clients built from it.
//! - [`secrets`]: tokens and keys in the OS keyring (env overrides for headless use).
//! - [`relay_refresher`]: OAuth token renewal through the relay broker.
//! - [`error`]: the engine's error type.

pub mod audit;
pub mod clock;
pub mod connection;
pub mod error;
pub mod fields;
pub mod guard;
pub mod hashing;
pub mod intake;
pub mod jobs;
pub mod ledger;
pub mod llm_settings;
pub mod logging;
pub mod paths;
pub mod pipeline;
pub mod poller;
pub mod provenance;
pub mod provision;
pub mod relay_refresher;
pub mod review_actions;
pub mod reviews;
pub mod runs;
pub mod runtime;
pub mod secrets;
pub mod settings;
pub mod status;
pub mod store;
pub mod worker;
pub mod writer;

pub use error::EngineError;
pub use paths::DataDir;
pub use settings::{Setting, Settings};
pub use status::{AppStatus, ConnectionState, Overview};
pub use store::Store;

/// Re-exported so shells build sessions with the same types the engine uses.
pub use relay_client;

/// The version users see in Settings and in bug reports.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
