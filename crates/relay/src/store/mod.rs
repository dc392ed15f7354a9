//! Storage behind one trait, [`QueueStore`]: SQLite (embedded default) and PostgreSQL.
//!
//! Why one trait: the relay's HTTP layer and the test suite must not care which backend runs;
//! the storage suite in `tests/it/storage.rs` runs every case against both.
//!
//! Rows of the `events` table move through three states: `QUEUED` (ready, or in flight when
//! `visible_at` is in the future), `DEAD` (dead-lettered) and `ACKED` (payload dropped; the row
//! stays as a deduplication tombstone until the dedupe window has passed).

use std::future::Future;

use crate::clock::Millis;

pub mod postgres;
pub mod sqlite;
mod types;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;
pub use types::*;

/// Row state: waiting for a lease, or leased and invisible until `visible_at`.
pub const QUEUED: i16 = 0;
/// Row state: leased `max_receives` times without an ack.
pub const DEAD: i16 = 1;
/// Row state: acked; kept without payload so HubSpot's retries are still deduplicated.
pub const ACKED: i16 = 2;

/// The relay's durable state: per-portal event queues and pending OAuth states.
///
/// Every mutating method is durable when its future resolves `Ok` (SQLite: committed with
/// `synchronous=FULL`; PostgreSQL: committed with `synchronous_commit` on). Timestamps are
/// milliseconds since the Unix epoch and are passed in, so tests control the clock.
pub trait QueueStore: Send + Sync + 'static {
    /// Inserts events; ones whose (portal, subscription, event id, occurredAt) already exist
    /// (queued, dead or acked within the dedupe window) are skipped.
    fn ingest(
        &self,
        events: Vec<NewEvent>,
        now: Millis,
    ) -> impl Future<Output = Result<IngestReport, StoreError>> + Send;

    /// Leases up to `max` visible events of one portal. Events already leased `max_receives`
    /// times are moved to the dead-letter list instead of being handed out.
    fn lease(
        &self,
        params: LeaseParams,
    ) -> impl Future<Output = Result<LeaseOutcome, StoreError>> + Send;

    /// Marks leased events acked (they become tombstones). Receipts of another portal or of an
    /// older lease count as stale.
    fn ack(
        &self,
        portal_id: i64,
        receipts: Vec<Receipt>,
        now: Millis,
    ) -> impl Future<Output = Result<ReceiptOutcome, StoreError>> + Send;

    /// Makes leased events visible again at `visible_at` (receive counts stay).
    fn nack(
        &self,
        portal_id: i64,
        receipts: Vec<Receipt>,
        visible_at: Millis,
    ) -> impl Future<Output = Result<ReceiptOutcome, StoreError>> + Send;

    /// One page of the portal's dead letters with `id > after`, oldest first.
    fn dead_letters(
        &self,
        portal_id: i64,
        after: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<DeadRow>, StoreError>> + Send;

    /// Moves dead letters (all of the portal's, or `ids`) back to the queue with a receive
    /// count of 0, visible at `now`. Returns how many moved.
    fn redrive(
        &self,
        portal_id: i64,
        ids: Option<Vec<i64>>,
        now: Millis,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Remembers an OAuth `state` (by hash) with its PKCE challenge until `expires_at`.
    fn put_oauth_state(
        &self,
        state_hash: [u8; 32],
        code_challenge: String,
        expires_at: Millis,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Removes the state and returns its challenge if it existed and had not expired at `now`.
    /// Single use: a second call for the same state returns `None`.
    fn take_oauth_state(
        &self,
        state_hash: [u8; 32],
        now: Millis,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;

    /// Deletes events past retention, tombstones past the dedupe window, and expired states.
    fn cleanup(
        &self,
        now: Millis,
        retention: Retention,
    ) -> impl Future<Output = Result<CleanupReport, StoreError>> + Send;

    /// Per-portal gauges for `/metrics`.
    fn stats(
        &self,
        now: Millis,
    ) -> impl Future<Output = Result<Vec<PortalStats>, StoreError>> + Send;

    /// Cheap liveness probe for `/healthz`.
    fn health(&self) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Finishes queued writes and releases the database; later calls fail with
    /// [`StoreError::Closed`].
    fn close(&self) -> impl Future<Output = ()> + Send;
}

/// The configured backend. An enum rather than `dyn QueueStore` because the trait's methods
/// return `impl Future` (no boxing on the hot path).
#[derive(Clone)]
pub enum Store {
    /// Embedded, single instance.
    Sqlite(SqliteStore),
    /// Shared by several relay instances.
    Postgres(PgStore),
}

macro_rules! delegate {
    ($self:ident, $method:ident ( $($arg:expr),* )) => {
        match $self {
            Store::Sqlite(s) => s.$method($($arg),*).await,
            Store::Postgres(s) => s.$method($($arg),*).await,
        }
    };
}

impl QueueStore for Store {
    async fn ingest(&self, events: Vec<NewEvent>, now: Millis) -> Result<IngestReport, StoreError> {
        delegate!(self, ingest(events, now))
    }
    async fn lease(&self, params: LeaseParams) -> Result<LeaseOutcome, StoreError> {
        delegate!(self, lease(params))
    }
    async fn ack(
        &self,
        portal_id: i64,
        receipts: Vec<Receipt>,
        now: Millis,
    ) -> Result<ReceiptOutcome, StoreError> {
        delegate!(self, ack(portal_id, receipts, now))
    }
    async fn nack(
        &self,
        portal_id: i64,
        receipts: Vec<Receipt>,
        visible_at: Millis,
    ) -> Result<ReceiptOutcome, StoreError> {
        delegate!(self, nack(portal_id, receipts, visible_at))
    }
    async fn dead_letters(
        &self,
        portal_id: i64,
        after: i64,
        limit: u32,
    ) -> Result<Vec<DeadRow>, StoreError> {
        delegate!(self, dead_letters(portal_id, after, limit))
    }
    async fn redrive(
        &self,
        portal_id: i64,
        ids: Option<Vec<i64>>,
        now: Millis,
    ) -> Result<u64, StoreError> {
        delegate!(self, redrive(portal_id, ids, now))
    }
    async fn put_oauth_state(
        &self,
        state_hash: [u8; 32],
        code_challenge: String,
        expires_at: Millis,
    ) -> Result<(), StoreError> {
        delegate!(
            self,
            put_oauth_state(state_hash, code_challenge, expires_at)
        )
    }
    async fn take_oauth_state(
        &self,
        state_hash: [u8; 32],
        now: Millis,
    ) -> Result<Option<String>, StoreError> {
        delegate!(self, take_oauth_state(state_hash, now))
    }
    async fn cleanup(
        &self,
        now: Millis,
        retention: Retention,
    ) -> Result<CleanupReport, StoreError> {
        delegate!(self, cleanup(now, retention))
    }
    async fn stats(&self, now: Millis) -> Result<Vec<PortalStats>, StoreError> {
        delegate!(self, stats(now))
    }
    async fn health(&self) -> Result<(), StoreError> {
        delegate!(self, health())
    }
    async fn close(&self) {
        delegate!(self, close())
    }
}
