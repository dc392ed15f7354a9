//! PostgreSQL schema, created under an advisory lock so several instances can start at once.

use deadpool_postgres::Client;

use super::pg_err;
use crate::store::StoreError;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    id              BIGSERIAL PRIMARY KEY,
    portal_id       BIGINT   NOT NULL,
    subscription_id BIGINT   NOT NULL,
    event_id        BIGINT   NOT NULL,
    occurred_at     BIGINT   NOT NULL,
    state           SMALLINT NOT NULL DEFAULT 0,
    payload         TEXT     NOT NULL,
    received_at     BIGINT   NOT NULL,
    visible_at      BIGINT   NOT NULL,
    receive_count   INTEGER  NOT NULL DEFAULT 0,
    receipt         TEXT,
    dead_at         BIGINT,
    acked_at        BIGINT,
    UNIQUE (portal_id, subscription_id, event_id, occurred_at)
);
CREATE INDEX IF NOT EXISTS events_ready ON events (portal_id, visible_at) INCLUDE (received_at)
    WHERE state = 0;
CREATE INDEX IF NOT EXISTS events_dead ON events (portal_id, id) WHERE state = 1;
CREATE INDEX IF NOT EXISTS events_received ON events (received_at);
CREATE TABLE IF NOT EXISTS oauth_states (
    state_hash     BYTEA  PRIMARY KEY,
    code_challenge TEXT   NOT NULL,
    expires_at     BIGINT NOT NULL
);
";

/// Creates the tables in the connection's current schema (idempotent).
pub async fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let tx = client.transaction().await.map_err(pg_err)?;
    tx.batch_execute(
        "SELECT pg_advisory_xact_lock(hashtext('steward_relay:' || current_schema()))",
    )
    .await
    .map_err(pg_err)?;
    tx.batch_execute(SCHEMA).await.map_err(pg_err)?;
    tx.commit().await.map_err(pg_err)
}
