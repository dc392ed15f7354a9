//! The `runs` table: one row per batch run — its list, mode (dry run, force), status, membership
//! cursor, counters and estimates — plus the per-contact diffs in `run_diffs`. The worker counts
//! finished contacts in here; [`crate::batch`] starts, steers and reads runs through it.
//!
//! Status moves `running ⇄ paused`, then to one of `completed`, `cancelled` or `failed`.
//! A run is complete when its membership paging is done and none of its jobs is queued or
//! running, a condition on the job table rather than on counters, so a job folded into a
//! live twin can never leave a run hanging.

use rusqlite::{Connection, OptionalExtension, params};

use crate::EngineError;
use crate::audit::Outcome;
use crate::pipeline::{ContactDiff, DryRun, Mode};

/// The statuses in which a run still owns queued work.
pub const UNFINISHED: &str = "('pending','running','paused')";

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

/// The run's status (`running`, `paused`, …); `None` when the run no longer exists.
pub fn status(conn: &Connection, run_id: i64) -> Result<Option<String>, EngineError> {
    Ok(conn
        .query_row(
            "SELECT status FROM runs WHERE id = ?1",
            params![run_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Closes a job whose run ended (cancelled or failed) before the job was enriched; it is not
/// counted in the run's totals.
pub fn drop_job(conn: &Connection, job_id: i64, now_ms: i64) -> Result<(), EngineError> {
    conn.execute(
        "UPDATE jobs SET status = 'done', last_error = 'its batch run ended before it was enriched',
           updated_at = ?2 WHERE id = ?1",
        params![job_id, now_ms],
    )?;
    Ok(())
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

/// Keeps a contact's diff (current → proposed, with the guard's decision per field) so the app
/// and the CLI can show what a dry run would do after the fact.
pub fn record_diff(
    conn: &Connection,
    run_id: i64,
    outcome: Outcome,
    diff: &ContactDiff,
    now_ms: i64,
) -> Result<(), EngineError> {
    let json = serde_json::to_string(diff).unwrap_or_else(|_| "null".into());
    conn.execute(
        "INSERT INTO run_diffs (run_id, contact_id, correlation_id, outcome, diff, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (run_id, contact_id) DO UPDATE SET correlation_id = excluded.correlation_id,
           outcome = excluded.outcome, diff = excluded.diff, created_at = excluded.created_at",
        params![
            run_id,
            diff.contact_id as i64,
            diff.correlation_id,
            outcome.as_str(),
            json,
            now_ms
        ],
    )?;
    Ok(())
}

/// Marks a running run completed once its paging is done and no job of it is left. Returns
/// whether it did.
pub fn finish_if_drained(conn: &Connection, run_id: i64, now_ms: i64) -> Result<bool, EngineError> {
    let n = conn.execute(
        "UPDATE runs SET status = 'completed', finished_at = ?2
         WHERE id = ?1 AND status = 'running' AND paging_done = 1
           AND NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.run_id = runs.id
                           AND jobs.status IN ('queued', 'running'))",
        params![run_id, now_ms],
    )?;
    Ok(n > 0)
}

/// A run the feeder still pages memberships for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feeding {
    pub id: i64,
    pub list_id: String,
    pub cursor: Option<String>,
    /// Jobs of the run waiting in the queue.
    pub queued: u64,
}

/// Running runs of `portal_id` whose membership paging is not finished.
pub fn feeding(conn: &Connection, portal_id: u64) -> Result<Vec<Feeding>, EngineError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, list_id, cursor,
                (SELECT count(*) FROM jobs WHERE jobs.run_id = runs.id AND jobs.status = 'queued')
         FROM runs WHERE portal_id = ?1 AND status = 'running' AND paging_done = 0 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![portal_id as i64], |r| {
        Ok(Feeding {
            id: r.get(0)?,
            list_id: r.get(1)?,
            cursor: r.get(2)?,
            queued: r.get::<_, i64>(3)?.max(0) as u64,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Ids of `portal_id`'s running runs (completion checks).
pub fn running(conn: &Connection, portal_id: u64) -> Result<Vec<i64>, EngineError> {
    let mut stmt =
        conn.prepare_cached("SELECT id FROM runs WHERE portal_id = ?1 AND status = 'running'")?;
    let rows = stmt.query_map(params![portal_id as i64], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One page of a run's members, read at `cursor`.
#[derive(Debug, Clone, Copy)]
pub struct MemberPage<'a> {
    /// The cursor the page was read at (`None`: the first page).
    pub cursor: Option<&'a str>,
    pub contact_ids: &'a [u64],
    /// The cursor of the next page (`None`: this was the last).
    pub next: Option<&'a str>,
}

/// Queues one page of a run's members and moves its cursor, in one transaction: after a crash
/// the run resumes at the first page not queued. Does nothing unless the run is still running
/// (an admin may have paused or cancelled it while the page was on its way) and its cursor is
/// still the one the page was read at (another engine process, say the app and the CLI at
/// once, may have queued it already). Returns how many contacts were queued.
pub fn enqueue_page(
    conn: &mut Connection,
    run_id: i64,
    portal_id: u64,
    page: &MemberPage<'_>,
    now_ms: i64,
) -> Result<usize, EngineError> {
    let MemberPage {
        cursor,
        contact_ids,
        next: next_cursor,
    } = *page;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let state: Option<(String, Option<String>, i64)> = tx
        .query_row(
            "SELECT status, cursor, paging_done FROM runs WHERE id = ?1",
            params![run_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((status, stored, paging_done)) = state else {
        return Ok(0);
    };
    if status != "running" || paging_done != 0 || stored.as_deref() != cursor {
        return Ok(0);
    }
    for contact_id in contact_ids {
        crate::jobs::enqueue(
            &tx,
            &crate::jobs::NewJob {
                portal_id,
                contact_id: *contact_id,
                trigger: crate::jobs::Trigger::Batch,
                trigger_ref: None,
                run_id: Some(run_id),
                not_before_ms: now_ms,
            },
            now_ms,
        )?;
    }
    let n = contact_ids.len() as i64;
    tx.execute(
        "UPDATE runs SET enqueued = enqueued + ?2, cursor = ?3, paging_done = ?4,
           total = CASE WHEN ?4 = 1 THEN enqueued + ?2 ELSE max(total, enqueued + ?2) END
         WHERE id = ?1",
        params![run_id, n, next_cursor, i64::from(next_cursor.is_none())],
    )?;
    tx.commit()?;
    Ok(contact_ids.len())
}

/// Starts a new active stretch for `portal_id`'s running runs (an engine start): the rate and
/// ETA then ignore the time the app was closed.
pub fn mark_resumed(conn: &Connection, portal_id: u64, now_ms: i64) -> Result<(), EngineError> {
    conn.execute(
        "UPDATE runs SET resumed_at = ?2, resumed_processed = done + unchanged + guarded + failed
         WHERE portal_id = ?1 AND status = 'running'",
        params![portal_id as i64, now_ms],
    )?;
    Ok(())
}

/// Ends a run early (`cancelled` or `failed`): its queued batch jobs are dropped; a queued job
/// that a live event joined stays, detached from the run, so the live change is still handled.
/// Jobs already running finish and are still counted. Returns whether the run was unfinished.
pub fn end(
    conn: &mut Connection,
    run_id: i64,
    status: &str,
    error: Option<&str>,
    now_ms: i64,
) -> Result<bool, EngineError> {
    let tx = conn.transaction()?;
    let n = tx.execute(
        &format!(
            "UPDATE runs SET status = ?2, error = coalesce(?3, error), finished_at = ?4
             WHERE id = ?1 AND status IN {UNFINISHED}"
        ),
        params![run_id, status, error, now_ms],
    )?;
    if n > 0 {
        tx.execute(
            "DELETE FROM jobs WHERE run_id = ?1 AND status = 'queued' AND priority <= 0",
            params![run_id],
        )?;
        tx.execute(
            "UPDATE jobs SET run_id = NULL WHERE run_id = ?1 AND status = 'queued'",
            params![run_id],
        )?;
    }
    tx.commit()?;
    Ok(n > 0)
}

/// Moves a run between `running` and `paused`. Returns whether the run was in `from`.
pub fn set_paused(
    conn: &Connection,
    run_id: i64,
    paused: bool,
    now_ms: i64,
) -> Result<bool, EngineError> {
    let n = if paused {
        conn.execute(
            "UPDATE runs SET status = 'paused' WHERE id = ?1 AND status = 'running'",
            params![run_id],
        )?
    } else {
        conn.execute(
            "UPDATE runs SET status = 'running', resumed_at = ?2,
               resumed_processed = done + unchanged + guarded + failed
             WHERE id = ?1 AND status = 'paused'",
            params![run_id, now_ms],
        )?
    };
    Ok(n > 0)
}

#[cfg(test)]
mod tests;
