//! Starting and steering runs. These only change rows; the running engine notices (at once
//! after [`crate::worker::WorkerSignals::wake_runs`], else within a second), so they work the
//! same from the app and from a second process such as the CLI.

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::progress::{self, RunSummary};
use super::{BatchError, Estimate, ListSummary, RunOptions, RunStatus};
use crate::clock::now_ms;
use crate::{Store, runs};

/// The portal's run that is not finished yet (running or paused), if any. One at a time keeps
/// every queued batch job unambiguously owned by one run.
pub fn unfinished_run(store: &Store, portal_id: u64) -> Result<Option<RunSummary>, BatchError> {
    let id: Option<i64> = store
        .conn()
        .query_row(
            &format!(
                "SELECT id FROM runs WHERE portal_id = ?1 AND status IN {} ORDER BY id LIMIT 1",
                runs::UNFINISHED
            ),
            params![portal_id as i64],
            |r| r.get(0),
        )
        .optional()?;
    id.map(|id| progress::summary(store, id)).transpose()
}

/// Starts a run over `list`; the engine's feeder pages its members into the queue. Refused
/// while another run of the portal is unfinished.
pub fn start_run(
    store: &Store,
    portal_id: u64,
    list: &ListSummary,
    options: RunOptions,
    estimate: Option<&Estimate>,
) -> Result<i64, BatchError> {
    let mut conn = store.conn();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let busy: Option<(i64, String)> = tx
        .query_row(
            &format!(
                "SELECT id, list_name FROM runs WHERE portal_id = ?1 AND status IN {} LIMIT 1",
                runs::UNFINISHED
            ),
            params![portal_id as i64],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((id, list_name)) = busy {
        return Err(BatchError::RunInProgress { id, list_name });
    }
    let now = now_ms();
    let total = estimate.map(|e| e.contacts).or(list.size).unwrap_or(0);
    tx.execute(
        "INSERT INTO runs (portal_id, list_id, list_name, dry_run, force, status, total,
             estimated_tokens, estimated_cost_micros, created_at, started_at, resumed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7, ?8, ?9, ?9, ?9)",
        params![
            portal_id as i64,
            list.list_id,
            list.name,
            i64::from(options.dry_run),
            i64::from(options.force),
            total as i64,
            estimate.map_or(0, |e| (e.input_tokens + e.output_tokens) as i64),
            estimate.map_or(0, |e| e.cost_micros as i64),
            now,
        ],
    )?;
    let id = tx.last_insert_rowid();
    tx.commit()?;
    tracing::info!(run = id, list = %list.name, ?options, "batch run started");
    Ok(id)
}

fn status_of(store: &Store, run_id: i64) -> Result<RunStatus, BatchError> {
    let status: Option<String> = store
        .conn()
        .query_row(
            "SELECT status FROM runs WHERE id = ?1",
            params![run_id],
            |r| r.get(0),
        )
        .optional()?;
    status
        .map(|s| RunStatus::parse(&s))
        .ok_or(BatchError::NoSuchRun(run_id))
}

/// Pauses a running run: its queued contacts wait (live work goes on); chunks already in
/// flight finish.
pub fn pause(store: &Store, run_id: i64) -> Result<(), BatchError> {
    if runs::set_paused(&store.conn(), run_id, true, now_ms())? {
        return Ok(());
    }
    Err(BatchError::BadState {
        id: run_id,
        status: status_of(store, run_id)?,
        action: "paused",
    })
}

/// Resumes a paused run where it stopped.
pub fn resume(store: &Store, run_id: i64) -> Result<(), BatchError> {
    if runs::set_paused(&store.conn(), run_id, false, now_ms())? {
        return Ok(());
    }
    Err(BatchError::BadState {
        id: run_id,
        status: status_of(store, run_id)?,
        action: "resumed",
    })
}

/// Cancels a run: nothing more of it is queued or started; contacts already in flight finish
/// and are counted.
pub fn cancel(store: &Store, run_id: i64) -> Result<(), BatchError> {
    if runs::end(&mut store.conn(), run_id, "cancelled", None, now_ms())? {
        tracing::info!(run = run_id, "batch run cancelled");
        return Ok(());
    }
    Err(BatchError::BadState {
        id: run_id,
        status: status_of(store, run_id)?,
        action: "cancelled",
    })
}
