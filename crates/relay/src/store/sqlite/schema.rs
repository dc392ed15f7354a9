//! SQLite schema and connection settings.

use rusqlite::Connection;

use crate::store::StoreError;

/// Schema version stored in `PRAGMA user_version`.
const VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    id              INTEGER PRIMARY KEY,
    portal_id       INTEGER NOT NULL,
    subscription_id INTEGER NOT NULL,
    event_id        INTEGER NOT NULL,
    occurred_at     INTEGER NOT NULL,
    state           INTEGER NOT NULL DEFAULT 0,
    payload         TEXT    NOT NULL,
    received_at     INTEGER NOT NULL,
    visible_at      INTEGER NOT NULL,
    receive_count   INTEGER NOT NULL DEFAULT 0,
    receipt         TEXT,
    dead_at         INTEGER,
    acked_at        INTEGER,
    UNIQUE (portal_id, subscription_id, event_id, occurred_at)
);
-- leasing and the backlog gauges (covering: no table lookups for /metrics)
CREATE INDEX IF NOT EXISTS events_ready ON events (portal_id, visible_at, received_at)
    WHERE state = 0;
-- dead-letter listing and counts
CREATE INDEX IF NOT EXISTS events_dead ON events (portal_id, id) WHERE state = 1;
-- retention and tombstone cleanup
CREATE INDEX IF NOT EXISTS events_received ON events (received_at);
CREATE TABLE IF NOT EXISTS oauth_states (
    state_hash     BLOB PRIMARY KEY,
    code_challenge TEXT NOT NULL,
    expires_at     INTEGER NOT NULL
) WITHOUT ROWID;
";

/// Settings for every connection: WAL so readers never block the writer, `synchronous=FULL`
/// so a commit is on disk before the webhook is answered.
pub fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// Creates or checks the schema.
pub fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > VERSION {
        return Err(StoreError::Open(format!(
            "the database was written by a newer relay (schema {version}, this relay knows {VERSION}); upgrade the relay"
        )));
    }
    conn.execute_batch(SCHEMA)?;
    conn.pragma_update(None, "user_version", VERSION)?;
    Ok(())
}
