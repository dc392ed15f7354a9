//! Plain data passed in and out of [`super::QueueStore`].

use crate::clock::Millis;

/// An event to ingest; the key columns are pulled out of the payload by the ingest handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// HubSpot `portalId`.
    pub portal_id: i64,
    /// HubSpot `subscriptionId`.
    pub subscription_id: i64,
    /// HubSpot `eventId`.
    pub event_id: i64,
    /// HubSpot `occurredAt` (ms).
    pub occurred_at: i64,
    /// The event's JSON exactly as HubSpot sent it.
    pub payload: String,
}

/// What one ingest call stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// Newly stored events per portal (portals with none are absent).
    pub inserted: Vec<(i64, u64)>,
    /// Events skipped because their key was already known.
    pub duplicates: u64,
}

impl IngestReport {
    /// Total newly stored events.
    pub fn inserted_total(&self) -> u64 {
        self.inserted.iter().map(|(_, n)| n).sum()
    }

    pub(crate) fn count(&mut self, portal_id: i64) {
        match self.inserted.iter_mut().find(|(p, _)| *p == portal_id) {
            Some((_, n)) => *n += 1,
            None => self.inserted.push((portal_id, 1)),
        }
    }
}

/// Parameters of one lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseParams {
    /// The portal whose queue to lease from.
    pub portal_id: i64,
    /// At most this many events (1..=100).
    pub max: u32,
    /// Leased events become visible again this long after `now`.
    pub visibility_ms: Millis,
    /// An event already received this many times is dead-lettered instead of leased.
    pub max_receives: u32,
    /// The current time.
    pub now: Millis,
}

/// One leased event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeasedRow {
    /// Row id.
    pub id: i64,
    /// Receipt handle: `"{id}.{token}"`.
    pub receipt: String,
    /// Receive count including this lease.
    pub receive_count: u32,
    /// When it was ingested.
    pub received_at: Millis,
    /// The event JSON.
    pub payload: String,
}

/// Result of a lease.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeaseOutcome {
    /// The leased events.
    pub events: Vec<LeasedRow>,
    /// Events moved to the dead-letter list by this call.
    pub dead_lettered: u64,
    /// When nothing was leased: the earliest time an in-flight event becomes visible again,
    /// so a long-poll can sleep exactly until then.
    pub next_visible_at: Option<Millis>,
}

/// A parsed receipt handle.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Receipt {
    /// Row id.
    pub id: i64,
    /// The lease's random token.
    pub token: String,
}

impl Receipt {
    /// Builds the handle string for a lease.
    pub fn handle(id: i64, token: &str) -> String {
        format!("{id}.{token}")
    }

    /// Parses `"{id}.{token}"`; `None` for anything else (counted as stale by callers).
    pub fn parse(handle: &str) -> Option<Self> {
        let (id, token) = handle.split_once('.')?;
        let valid_token = !token.is_empty()
            && token.len() <= 64
            && token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        valid_token.then_some(())?;
        Some(Self {
            id: id.parse().ok()?,
            token: token.to_owned(),
        })
    }

    /// A fresh random lease token (128 bits, hex).
    pub fn new_token() -> String {
        format!("{:032x}", rand::random::<u128>())
    }
}

/// Result of ack or nack.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReceiptOutcome {
    /// Receipts that matched a current lease.
    pub matched: u64,
    /// Receipts that did not.
    pub stale: u64,
}

/// One dead letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadRow {
    /// Row id (for redrive).
    pub id: i64,
    /// Leases it went through.
    pub receive_count: u32,
    /// When it was ingested.
    pub received_at: Millis,
    /// When it was dead-lettered.
    pub dead_at: Millis,
    /// The event JSON.
    pub payload: String,
}

/// How long rows are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Unacked (queued or dead) events are deleted this long after ingest (14 days).
    pub unacked_ms: Millis,
    /// Ack tombstones are kept this long after ingest to deduplicate HubSpot's retries,
    /// which span 24 hours (default 72 hours).
    pub dedupe_ms: Millis,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            unacked_ms: 14 * 24 * 3600 * 1000,
            dedupe_ms: 72 * 3600 * 1000,
        }
    }
}

/// What a cleanup pass deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CleanupReport {
    /// Unacked events past retention.
    pub expired_events: u64,
    /// Tombstones past the dedupe window.
    pub tombstones: u64,
    /// Expired OAuth states.
    pub oauth_states: u64,
}

/// Gauges of one portal's queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PortalStats {
    /// The portal.
    pub portal_id: i64,
    /// Queued events (ready + in flight).
    pub backlog: u64,
    /// Queued events currently invisible (leased or nacked with a delay).
    pub in_flight: u64,
    /// Dead letters.
    pub dead: u64,
    /// Ingest time of the oldest queued event.
    pub oldest_received_at: Option<Millis>,
}

/// A storage failure. Messages carry no credentials (connection strings are never included).
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("SQLite failed: {0}; check disk space and the database file's permissions")]
    Sqlite(String),
    /// PostgreSQL failed.
    #[error("PostgreSQL failed: {0}; check that the database is reachable and healthy")]
    Postgres(String),
    /// The database could not be opened.
    #[error("cannot open the database ({0}); check RELAY_DATABASE_URL")]
    Open(String),
    /// The store was closed (the relay is shutting down).
    #[error("the relay's storage is shut down")]
    Closed,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sqlite(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_round_trip_and_garbage() {
        let token = Receipt::new_token();
        assert_eq!(token.len(), 32);
        let parsed = Receipt::parse(&Receipt::handle(42, &token)).unwrap();
        assert_eq!(parsed, Receipt { id: 42, token });
        for bad in ["", "42", "x.abc", "42.", "42.a b", "42.a'b"] {
            assert_eq!(Receipt::parse(bad), None, "{bad}");
        }
    }
}
