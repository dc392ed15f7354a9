//! Batch runs as the worker sees them: each run's mode (dry run, force) and its progress
//! counters, updated as its contacts finish.

use rusqlite::{Connection, OptionalExtension, params};

use crate::EngineError;
use crate::audit::Outcome;
use crate::pipeline::{DryRun, Mode};

/// The mode a run's contacts are processed in; `None` when the run no longer exists.
pub fn mode(conn: &Connection, run_id: i64) -> Result<Option<Mode>, EngineError> {
    Ok(conn
        .query_row(
            "SELECT dry_run, force FROM runs WHERE id = ?1",
            params![run_id],
            |r| {
                Ok(Mode {
                    dry_run: if r.get::<_, i64>(0)? != 0 {
                        DryRun::Yes
                    } else {
                        DryRun::No
                    },
                    force: r.get::<_, i64>(1)? != 0,
                })
            },
        )
        .optional()?)
}

/// Counts one finished contact into its run's totals.
pub fn record_result(
    conn: &Connection,
    run_id: i64,
    outcome: Outcome,
    cost_micros: u64,
) -> Result<(), EngineError> {
    let column = match outcome {
        Outcome::Unchanged => "unchanged",
        Outcome::Guarded | Outcome::Conflict => "guarded",
        Outcome::Failed | Outcome::InvalidOutput => "failed",
        _ => "done",
    };
    conn.execute(
        &format!(
            "UPDATE runs SET {column} = {column} + 1, cost_micros = cost_micros + ?2 WHERE id = ?1"
        ),
        params![run_id, cost_micros as i64],
    )?;
    Ok(())
}
