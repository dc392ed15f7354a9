//! Versioned schema migrations (tracked in `PRAGMA user_version`). Append new steps; never edit a
//! step that has shipped, because installed databases already ran it.

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use crate::EngineError;

/// Every step, oldest first.
const STEPS: &[&str] = &[
    // 1: typed settings, as JSON values.
    "CREATE TABLE settings (
        key        TEXT PRIMARY KEY NOT NULL,
        value      TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    ) STRICT;",
    // 2: the enrichment pipeline: inbox -> jobs -> audit, reviews, our write ledger, batch runs.
    "CREATE TABLE runs (
        id            INTEGER PRIMARY KEY,
        portal_id     INTEGER NOT NULL,
        list_id       TEXT NOT NULL,
        list_name     TEXT NOT NULL,
        dry_run       INTEGER NOT NULL DEFAULT 0,
        force         INTEGER NOT NULL DEFAULT 0,
        status        TEXT NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending','running','paused','cancelled','completed','failed')),
        total         INTEGER NOT NULL DEFAULT 0,
        done          INTEGER NOT NULL DEFAULT 0,
        unchanged     INTEGER NOT NULL DEFAULT 0,
        guarded       INTEGER NOT NULL DEFAULT 0,
        failed        INTEGER NOT NULL DEFAULT 0,
        cursor        TEXT,
        tokens        INTEGER NOT NULL DEFAULT 0,
        cost_micros   INTEGER NOT NULL DEFAULT 0,
        error         TEXT,
        created_at    INTEGER NOT NULL,
        started_at    INTEGER,
        finished_at   INTEGER
    ) STRICT;
    CREATE TABLE inbox (
        id                INTEGER PRIMARY KEY,
        event_key         TEXT NOT NULL UNIQUE,
        portal_id         INTEGER NOT NULL,
        object_id         INTEGER NOT NULL,
        subscription_type TEXT NOT NULL,
        property_name     TEXT,
        change_source     TEXT,
        source_id         TEXT,
        occurred_at       INTEGER NOT NULL,
        payload           TEXT NOT NULL,
        disposition       TEXT NOT NULL DEFAULT 'pending'
                          CHECK (disposition IN ('pending','queued','echo','ignored')),
        received_at       INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX inbox_pending ON inbox (disposition) WHERE disposition = 'pending';
    CREATE TABLE jobs (
        id          INTEGER PRIMARY KEY,
        portal_id   INTEGER NOT NULL,
        contact_id  INTEGER NOT NULL,
        trigger     TEXT NOT NULL CHECK (trigger IN ('live','batch','manual')),
        trigger_ref TEXT,
        run_id      INTEGER REFERENCES runs (id) ON DELETE CASCADE,
        priority    INTEGER NOT NULL DEFAULT 0,
        status      TEXT NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued','running','done','failed')),
        not_before  INTEGER NOT NULL,
        attempts    INTEGER NOT NULL DEFAULT 0,
        last_error  TEXT,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX jobs_one_queued_per_contact
        ON jobs (portal_id, contact_id) WHERE status = 'queued';
    CREATE INDEX jobs_ready ON jobs (status, priority DESC, not_before);
    CREATE TABLE audit (
        id                     INTEGER PRIMARY KEY,
        correlation_id         TEXT NOT NULL,
        portal_id              INTEGER NOT NULL,
        contact_id             INTEGER NOT NULL,
        trigger                TEXT NOT NULL,
        trigger_ref            TEXT,
        run_id                 INTEGER REFERENCES runs (id) ON DELETE SET NULL,
        input_hash             TEXT,
        prompt_version         INTEGER,
        model                  TEXT,
        tokens_in              INTEGER NOT NULL DEFAULT 0,
        tokens_out             INTEGER NOT NULL DEFAULT 0,
        cost_micros            INTEGER NOT NULL DEFAULT 0,
        fetch_ms               INTEGER NOT NULL DEFAULT 0,
        llm_ms                 INTEGER NOT NULL DEFAULT 0,
        write_ms               INTEGER NOT NULL DEFAULT 0,
        outcome                TEXT NOT NULL CHECK (outcome IN
                               ('written','unchanged','guarded','invalid_output','failed','dry_run','approved','rejected','conflict','restored','in_flight')),
        reason                 TEXT,
        fields_written         TEXT NOT NULL DEFAULT '[]',
        proposal               TEXT,
        hubspot_correlation_id TEXT,
        created_at             INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX audit_by_time ON audit (created_at DESC);
    CREATE INDEX audit_by_contact ON audit (portal_id, contact_id, created_at DESC);
    CREATE INDEX audit_by_correlation ON audit (correlation_id);
    CREATE INDEX audit_by_run ON audit (run_id) WHERE run_id IS NOT NULL;
    CREATE INDEX audit_in_flight ON audit (portal_id, contact_id) WHERE outcome = 'in_flight';
    CREATE TABLE audit_checkpoints (
        audit_id   INTEGER PRIMARY KEY REFERENCES audit (id) ON DELETE CASCADE,
        checkpoint TEXT NOT NULL
    ) STRICT;
    CREATE TABLE reviews (
        id                INTEGER PRIMARY KEY,
        portal_id         INTEGER NOT NULL,
        contact_id        INTEGER NOT NULL,
        property          TEXT NOT NULL,
        kind              TEXT NOT NULL CHECK (kind IN ('guarded','conflict')),
        human_value       TEXT,
        human_writer      TEXT,
        human_user_id     INTEGER,
        human_at          INTEGER,
        proposed_value    TEXT,
        correlation_id    TEXT NOT NULL,
        input_hash        TEXT NOT NULL,
        model             TEXT,
        status            TEXT NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending','approved','rejected','superseded')),
        resolved_value    TEXT,
        resolved_at       INTEGER,
        created_at        INTEGER NOT NULL,
        UNIQUE (portal_id, contact_id, property, input_hash, kind)
    ) STRICT;
    CREATE INDEX reviews_pending ON reviews (status, created_at DESC);
    CREATE TABLE writes (
        id             INTEGER PRIMARY KEY,
        portal_id      INTEGER NOT NULL,
        object_id      INTEGER NOT NULL,
        property       TEXT NOT NULL,
        value_hash     TEXT NOT NULL,
        correlation_id TEXT NOT NULL,
        on_behalf_of   TEXT,
        written_at     INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX writes_lookup ON writes (portal_id, object_id, property, value_hash);
    CREATE INDEX writes_by_time ON writes (written_at);",
    // 3: the admin screens at millions of audit rows. Per-contact and per-outcome lookups
    // newest first (the rowid rides along in each index, so `ORDER BY id DESC` needs no
    // sort), and an hourly rollup kept by a trigger so the Activity charts read a few
    // thousand rows instead of scanning the audit table.
    "CREATE INDEX audit_by_contact_id ON audit (contact_id);
    CREATE INDEX audit_by_outcome ON audit (outcome);
    CREATE TABLE audit_hourly (
        hour        INTEGER NOT NULL,
        outcome     TEXT NOT NULL,
        rows        INTEGER NOT NULL DEFAULT 0,
        tokens_in   INTEGER NOT NULL DEFAULT 0,
        tokens_out  INTEGER NOT NULL DEFAULT 0,
        cost_micros INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (hour, outcome)
    ) STRICT, WITHOUT ROWID;
    INSERT INTO audit_hourly (hour, outcome, rows, tokens_in, tokens_out, cost_micros)
        SELECT created_at / 3600000, outcome, count(*), sum(tokens_in), sum(tokens_out),
               sum(cost_micros)
        FROM audit GROUP BY 1, 2;
    CREATE TRIGGER audit_hourly_rollup AFTER INSERT ON audit BEGIN
        INSERT INTO audit_hourly (hour, outcome, rows, tokens_in, tokens_out, cost_micros)
        VALUES (NEW.created_at / 3600000, NEW.outcome, 1, NEW.tokens_in, NEW.tokens_out,
                NEW.cost_micros)
        ON CONFLICT (hour, outcome) DO UPDATE SET
            rows        = rows + 1,
            tokens_in   = tokens_in + excluded.tokens_in,
            tokens_out  = tokens_out + excluded.tokens_out,
            cost_micros = cost_micros + excluded.cost_micros;
    END;
    -- An in-flight row becomes its final outcome by UPDATE, or is deleted when the write was
    -- refused: move or remove its count so the rollup always matches the table.
    CREATE TRIGGER audit_hourly_outcome_change AFTER UPDATE OF outcome ON audit
    WHEN OLD.outcome <> NEW.outcome BEGIN
        UPDATE audit_hourly SET rows = rows - 1, tokens_in = tokens_in - OLD.tokens_in,
            tokens_out = tokens_out - OLD.tokens_out, cost_micros = cost_micros - OLD.cost_micros
        WHERE hour = OLD.created_at / 3600000 AND outcome = OLD.outcome;
        INSERT INTO audit_hourly (hour, outcome, rows, tokens_in, tokens_out, cost_micros)
        VALUES (NEW.created_at / 3600000, NEW.outcome, 1, NEW.tokens_in, NEW.tokens_out,
                NEW.cost_micros)
        ON CONFLICT (hour, outcome) DO UPDATE SET
            rows        = rows + 1,
            tokens_in   = tokens_in + excluded.tokens_in,
            tokens_out  = tokens_out + excluded.tokens_out,
            cost_micros = cost_micros + excluded.cost_micros;
    END;
    CREATE TRIGGER audit_hourly_delete AFTER DELETE ON audit BEGIN
        UPDATE audit_hourly SET rows = rows - 1, tokens_in = tokens_in - OLD.tokens_in,
            tokens_out = tokens_out - OLD.tokens_out, cost_micros = cost_micros - OLD.cost_micros
        WHERE hour = OLD.created_at / 3600000 AND outcome = OLD.outcome;
    END;",
    // 4: batch runs: membership paging state, estimates, the current active stretch (rate and
    // ETA), per-contact diffs (a dry run shows them after the fact), and the indexes the run
    // and claim queries need.
    "ALTER TABLE runs ADD COLUMN enqueued INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE runs ADD COLUMN paging_done INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE runs ADD COLUMN estimated_tokens INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE runs ADD COLUMN estimated_cost_micros INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE runs ADD COLUMN resumed_at INTEGER;
    ALTER TABLE runs ADD COLUMN resumed_processed INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX runs_by_status ON runs (portal_id, status);
    CREATE TABLE run_diffs (
        run_id         INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        contact_id     INTEGER NOT NULL,
        correlation_id TEXT NOT NULL,
        outcome        TEXT NOT NULL,
        diff           TEXT NOT NULL,
        created_at     INTEGER NOT NULL,
        PRIMARY KEY (run_id, contact_id)
    ) STRICT;
    CREATE INDEX jobs_by_run ON jobs (run_id, status) WHERE run_id IS NOT NULL;
    CREATE INDEX jobs_by_contact ON jobs (portal_id, contact_id, status);",
];

fn migrations() -> Migrations<'static> {
    Migrations::new(STEPS.iter().map(|sql| M::up(sql)).collect())
}

pub(super) fn apply(conn: &mut Connection) -> Result<(), EngineError> {
    migrations().to_latest(conn)?;
    Ok(())
}

pub(super) fn latest_version() -> i64 {
    STEPS.len() as i64
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        super::migrations().validate().unwrap();
    }

    #[test]
    fn the_hourly_rollup_is_backfilled_from_existing_audit_rows() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        super::migrations().to_version(&mut conn, 2).unwrap();
        for (at, outcome, cost) in [
            (0, "written", 5),
            (1_000, "written", 7),
            (7_200_000, "failed", 0),
        ] {
            conn.execute(
                "INSERT INTO audit (correlation_id, portal_id, contact_id, trigger, outcome,
                    cost_micros, created_at) VALUES ('c', 1, 2, 'live', ?1, ?2, ?3)",
                rusqlite::params![outcome, cost, at],
            )
            .unwrap();
        }
        super::apply(&mut conn).unwrap();
        let rows: Vec<(i64, String, i64, i64)> = conn
            .prepare("SELECT hour, outcome, rows, cost_micros FROM audit_hourly ORDER BY hour")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![
                (0, "written".to_owned(), 2, 12),
                (2, "failed".to_owned(), 1, 0)
            ]
        );
    }
}
