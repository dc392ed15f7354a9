//! One claimed chunk, from jobs to settled jobs: each job becomes a work item in the mode its
//! trigger and run ask for, the pipeline runs, and results are settled group by group as they
//! arrive — queue, run counters and run diffs in one transaction per group.

use std::collections::{BTreeSet, HashMap, HashSet};

use tokio::sync::OwnedSemaphorePermit;

use super::{WorkerConfig, WorkerSignals, backoff};
use crate::audit::Outcome;
use crate::clock::now_ms;
use crate::jobs::{self, Job, Trigger};
use crate::pipeline::{
    self, ChunkHooks, DryRun, ItemResult, Mode, Pause, PipelineContext, WorkItem,
};
use crate::{EngineError, runs};

/// The right to run a chunk's HubSpot reads; dropping it lets the worker claim the next chunk.
pub(super) struct ReadGate {
    /// `None` for the extra live-only chunk, which does not wait for the gate.
    pub(super) _permit: Option<OwnedSemaphorePermit>,
    pub(super) done: std::sync::Arc<tokio::sync::Notify>,
}

impl Drop for ReadGate {
    fn drop(&mut self) {
        self.done.notify_one();
    }
}

/// The mode a job runs in. A live event or an admin's "Re-enrich now" that joined a batch job
/// is handled as what it is — written, never a dry run — while still counted in its run.
fn mode_of(
    conn: &rusqlite::Connection,
    job: &Job,
    runs_seen: &mut HashMap<i64, Mode>,
) -> Result<Mode, EngineError> {
    Ok(match (job.trigger, job.run_id) {
        // "Re-enrich now" asks for a fresh answer even when the inputs are unchanged; the
        // guard still protects people's values.
        (Trigger::Manual, _) => Mode {
            force: true,
            ..Mode::LIVE
        },
        (Trigger::Live, _) | (Trigger::Batch, None) => Mode::LIVE,
        (Trigger::Batch, Some(run)) => match runs_seen.get(&run) {
            Some(mode) => *mode,
            None => {
                let mode = runs::mode(conn, run)?.unwrap_or(Mode::LIVE);
                runs_seen.insert(run, mode);
                mode
            }
        },
    })
}

/// Whether a batch contact must not start its LLM call: its run is no longer running.
fn held(ctx: &PipelineContext, item: &WorkItem) -> bool {
    let Some(run) = item.run_id.filter(|_| item.trigger == Trigger::Batch) else {
        return false;
    };
    match runs::status(&ctx.store.conn(), run) {
        Ok(status) => status.as_deref() != Some("running"),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the run's status; going on");
            false
        }
    }
}

/// What settling a chunk has seen so far.
#[derive(Default)]
struct Tally {
    settled: HashSet<u64>,
    pause: Option<Pause>,
    any_progress: bool,
}

/// Runs one chunk and settles every job in it.
pub(super) async fn settle_chunk(
    ctx: &PipelineContext,
    config: &WorkerConfig,
    signals: &WorkerSignals,
    claimed: Vec<Job>,
    gate: ReadGate,
) -> Result<(), EngineError> {
    let items = {
        let conn = ctx.store.conn();
        let mut runs_seen = HashMap::new();
        claimed
            .iter()
            .map(|job| {
                Ok(WorkItem {
                    contact_id: job.contact_id,
                    trigger: job.trigger,
                    trigger_ref: job.trigger_ref.clone(),
                    run_id: job.run_id,
                    mode: mode_of(&conn, job, &mut runs_seen)?,
                })
            })
            .collect::<Result<Vec<_>, EngineError>>()?
    };
    let by_contact: HashMap<u64, &Job> = claimed.iter().map(|j| (j.contact_id, j)).collect();
    let pause_generation = signals.pause_generation();
    let mut tally = Tally::default();
    let hold = |item: &WorkItem| held(ctx, item);
    let outcome = {
        let mut settle = |results: Vec<(WorkItem, ItemResult)>| {
            settle_results(ctx, config, signals, &by_contact, &mut tally, results)
        };
        let hooks = ChunkHooks::new(&mut settle)
            .on_reads_done(move || drop(gate))
            .with_hold(&hold);
        pipeline::process_chunk_streaming(ctx, items, hooks).await
    };
    // Jobs without a result: held back (their run was paused or cancelled meanwhile), or the
    // store failed mid-chunk.
    let unsettled: Vec<&Job> = claimed
        .iter()
        .filter(|j| !tally.settled.contains(&j.contact_id))
        .collect();
    let failure = match outcome {
        Ok(()) => None,
        Err(pipeline::PipelineError::Engine(e)) => Some(e),
    };
    if !unsettled.is_empty() {
        let reason = failure.as_ref().map_or_else(
            || "the round trip ended without a result".to_owned(),
            ToString::to_string,
        );
        let conn = ctx.store.conn();
        for job in unsettled {
            let now = now_ms();
            let run_status = match (job.trigger, job.run_id) {
                (Trigger::Batch, Some(run)) => runs::status(&conn, run)?,
                _ => Some("running".to_owned()),
            };
            match run_status.as_deref() {
                Some("running" | "paused") if failure.is_none() => {
                    // Held back: to the queue without using an attempt (a paused run's jobs
                    // wait there for the resume).
                    jobs::defer(&conn, job, now, now)?;
                }
                Some("running" | "paused") => {
                    jobs::retry_or_fail(
                        &conn,
                        job,
                        &reason,
                        now + backoff(job.attempts),
                        config.max_attempts,
                        now,
                    )?;
                }
                _ => runs::drop_job(&conn, job.id, now)?,
            }
        }
    }
    if let Some(e) = failure {
        return Err(e);
    }
    signals.settle_pause(tally.pause, tally.any_progress, pause_generation);
    Ok(())
}

/// Settles one group of results in one transaction.
fn settle_results(
    ctx: &PipelineContext,
    config: &WorkerConfig,
    signals: &WorkerSignals,
    by_contact: &HashMap<u64, &Job>,
    tally: &mut Tally,
    results: Vec<(WorkItem, ItemResult)>,
) -> Result<(), EngineError> {
    let mut touched: BTreeSet<i64> = BTreeSet::new();
    {
        let mut conn = ctx.store.conn();
        let tx = conn.transaction()?;
        let now = now_ms();
        for (item, result) in results {
            let Some(job) = by_contact.get(&item.contact_id) else {
                continue;
            };
            tally.settled.insert(item.contact_id);
            match result {
                ItemResult::Done {
                    outcome,
                    cost_micros,
                    diff,
                    ..
                } => {
                    tally.any_progress = true;
                    jobs::complete(&tx, job.id, now)?;
                    if let Some(run) = job.run_id {
                        runs::record_result(&tx, run, outcome, cost_micros)?;
                        // A dry run's diffs are its result; a real run's changes are in
                        // its audit rows (and reviews), so only dry runs keep them.
                        if item.mode.dry_run == DryRun::Yes
                            && let Some(diff) = &diff
                        {
                            runs::record_diff(&tx, run, outcome, diff, now)?;
                        }
                        touched.insert(run);
                    }
                }
                ItemResult::Retry { reason } => {
                    tally.any_progress = true;
                    let retried = jobs::retry_or_fail(
                        &tx,
                        job,
                        &reason,
                        now + backoff(job.attempts),
                        config.max_attempts,
                        now,
                    )?;
                    if !retried && let Some(run) = job.run_id {
                        runs::record_result(&tx, run, Outcome::Failed, 0)?;
                        touched.insert(run);
                    }
                }
                ItemResult::Deferred { pause } => {
                    jobs::defer(&tx, job, now + config.pause_retry.as_millis() as i64, now)?;
                    tally.pause = Some(pause);
                }
            }
        }
        for run in &touched {
            if runs::finish_if_drained(&tx, *run, now)? {
                tracing::info!(run, "batch run completed");
            }
        }
        tx.commit()?;
    }
    signals.settled.notify_waiters();
    if !touched.is_empty() {
        signals.runs.notify_one();
    }
    Ok(())
}
