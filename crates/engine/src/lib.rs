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
//! - [`runs`]: the `runs` table: batch runs' modes, cursors, counters and diffs.
//! - [`batch`]: batch re-enrichment of a list: search, estimate, start/pause/resume/cancel,
//!   progress and history (the API the app and `steward enrich` use), and the feeder task.
//! - [`audit`]: one row per round trip under its correlation ID.
//! - [`ledger`]: our own writes (value hashes), for the guard and the echo filter.
//! - [`review_actions`]: approve, edit-and-approve, reject — with a re-check before writing.
//! - [`reviews`]: proposals held back for the admin.
//! - [`clock`]: milliseconds since the epoch, the time unit of every table.
//! - [`connection`]: the stored HubSpot connection and the clients built from it.
//! - [`secrets`]: tokens and keys in the OS keyring (env overrides for headless use).
//! - [`relay_refresher`]: OAuth token renewal through the relay broker.
//! - [`relay_session`]: a relay session authenticated by the connection's HubSpot access token.
//! - [`deep_link`]: `steward://` URLs parsed into data before anything acts on them.
//! - [`scopes`]: the required HubSpot scopes and what each missing one breaks.
//! - [`oauth_pending`]: started, unfinished OAuth flows (state + PKCE verifier) in the keyring.
//! - [`oauth_connect`]: Connect through the relay broker: start, then finish from the deep link.
//! - [`disconnect`]: revoke through the relay and forget the tokens and the connection.
//! - [`onboarding`]: the setup steps (connect, provision, LLM, dry run) and their state.
//! - [`llm_settings`]: the stored LLM settings, the presets they can start from, and how an
//!   update (preset + values given) resolves against them.
//! - [`llm_setup`]: save the LLM choice (key into the keyring) and test it.
//! - [`host`]: the running engine of a shell: starts/stops the runtime as the connection changes.
//! - [`review_board`]: the Reviews screen: pending items side by side, counts per field, bulk.
//! - [`contact_search`]: find contacts by name, email, company or id (HubSpot search).
//! - [`contact_view`]: one contact's AI fields, writers and merged timeline, HubSpot link.
//! - [`context_cache`]: one pipeline context for on-demand actions, rebuilt when settings change.
//! - [`contact_actions`]: re-enrich now (manual job) and dry run / prompt preview.
//! - [`audit_export`]: the audit as CSV or JSON Lines in `exports/`, off the writer.
//! - [`insights`]: per-day enrichments, tokens, cost and outcomes from an hourly rollup.
//! - [`settings_api`]: the Settings screen's view and validated update (prompt version bump).
//! - [`changes`]: what changed since the last look, for live events, tray and notifications.
//! - [`error`]: the engine's error type.

pub mod audit;
pub mod audit_export;
pub mod batch;
pub mod changes;
pub mod clock;
pub mod connection;
pub mod contact_actions;
pub mod contact_search;
pub mod contact_view;
pub mod context_cache;
pub mod deep_link;
pub mod disconnect;
pub mod error;
pub mod fields;
pub mod guard;
pub mod hashing;
pub mod host;
pub mod insights;
pub mod intake;
pub mod jobs;
pub mod ledger;
pub mod llm_settings;
pub mod llm_setup;
pub mod logging;
pub mod oauth_connect;
pub mod oauth_pending;
pub mod onboarding;
pub mod paths;
pub mod pipeline;
pub mod poller;
pub mod provenance;
pub mod provision;
pub mod relay_refresher;
pub mod relay_session;
pub mod review_actions;
pub mod review_board;
pub mod reviews;
pub mod runs;
pub mod runtime;
pub mod scopes;
pub mod secrets;
pub mod settings;
pub mod settings_api;
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
