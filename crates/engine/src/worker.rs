//! The worker: claims ready jobs in chunks, runs the pipeline on each chunk (a few chunks in
//! flight so HubSpot reads overlap LLM calls), and settles every job — done, retried with
//! backoff, or deferred while enrichment is paused.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::clock::now_ms;
use crate::jobs::{self, Job};
use crate::pipeline::{self, ItemResult, Mode, Pause, PipelineContext, WorkItem};
use crate::{EngineError, runs};

/// Tuning for the worker.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Contacts per chunk (≤ 50 keeps every history read a single call).
    pub chunk_size: usize,
    /// Chunks processed at once.
    pub chunks_in_flight: usize,
    /// Attempts before a job is marked failed.
    pub max_attempts: u32,
    /// How long a paused job waits before it is tried again.
    pub pause_retry: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            chunk_size: 50,
            chunks_in_flight: 3,
            max_attempts: 5,
            pause_retry: Duration::from_secs(60),
        }
    }
}

/// What the rest of the app can observe and poke.
#[derive(Debug, Default)]
pub struct WorkerSignals {
    /// Wakes the worker when new jobs were queued.
    pub wake: Notify,
    /// Set while enrichment is paused (reconnect, budget …), cleared by the next success.
    pub pause: std::sync::Mutex<Option<Pause>>,
    /// Wakes observers after every settled chunk (UI refresh, `--until-idle`).
    pub settled: Notify,
}

impl WorkerSignals {
    pub fn pause(&self) -> Option<Pause> {
        self.pause.lock().map(|p| p.clone()).unwrap_or(None)
    }

    fn set_pause(&self, pause: Option<Pause>) {
        if let Ok(mut p) = self.pause.lock() {
            if *p != pause {
                match &pause {
                    Some(p) => tracing::warn!(reason = %p.message(), "enrichment paused"),
                    None => tracing::info!("enrichment resumed"),
                }
            }
            *p = pause;
        }
    }
}

fn backoff(attempts: u32) -> i64 {
    let base = 2_000_i64.saturating_mul(1 << attempts.min(8));
    let jitter = (now_ms() % 997).abs();
    base.min(600_000) + jitter
}

fn to_item(conn: &rusqlite::Connection, job: &Job) -> Result<WorkItem, EngineError> {
    let mode = match job.run_id {
        Some(run) => runs::mode(conn, run)?.unwrap_or(Mode::LIVE),
        None => Mode::LIVE,
    };
    Ok(WorkItem {
        contact_id: job.contact_id,
        trigger: job.trigger,
        trigger_ref: job.trigger_ref.clone(),
        run_id: job.run_id,
        mode,
    })
}

/// Runs until `shutdown` is cancelled, or — with `until_idle` — until no job is queued or
/// running and `idle` says nothing else is coming.
pub async fn run(
    ctx: PipelineContext,
    config: WorkerConfig,
    signals: Arc<WorkerSignals>,
    shutdown: CancellationToken,
    until_idle: Option<Arc<dyn Fn() -> bool + Send + Sync>>,
) -> Result<(), EngineError> {
    {
        let recovered = jobs::recover_running(&ctx.store.conn(), now_ms())?;
        if recovered > 0 {
            tracing::info!(recovered, "requeued jobs interrupted by the last shutdown");
        }
    }
    let mut in_flight: JoinSet<Result<(), EngineError>> = JoinSet::new();
    loop {
        while in_flight.len() < config.chunks_in_flight.max(1) {
            let claimed = jobs::claim_for_portal(
                &ctx.store.conn(),
                ctx.portal_id,
                config.chunk_size,
                now_ms(),
            )?;
            if claimed.is_empty() {
                break;
            }
            let ctx = ctx.clone();
            let signals = signals.clone();
            let config = config.clone();
            in_flight.spawn(async move { settle_chunk(&ctx, &config, &signals, claimed).await });
        }
        if in_flight.is_empty()
            && let Some(idle) = &until_idle
            && jobs::outstanding(&ctx.store.conn())? == 0
            && idle()
        {
            return Ok(());
        }
        let sleep_for = match jobs::next_ready_at(&ctx.store.conn())? {
            Some(at) => Duration::from_millis((at - now_ms()).clamp(5, 1_000) as u64),
            None => Duration::from_millis(1_000),
        };
        tokio::select! {
            _ = shutdown.cancelled() => break,
            Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                match done {
                    Ok(result) => result?,
                    Err(e) => tracing::error!(error = %e, "a chunk task panicked"),
                }
            }
            _ = signals.wake.notified() => {}
            _ = tokio::time::sleep(sleep_for) => {}
        }
    }
    // Finish what is in flight: a round trip cut mid-write is safe, but finishing is kinder.
    while let Some(done) = in_flight.join_next().await {
        if let Ok(Err(e)) = done {
            tracing::error!(error = %e, "chunk failed during shutdown");
        }
    }
    Ok(())
}

async fn settle_chunk(
    ctx: &PipelineContext,
    config: &WorkerConfig,
    signals: &WorkerSignals,
    claimed: Vec<Job>,
) -> Result<(), EngineError> {
    let items = {
        let conn = ctx.store.conn();
        claimed
            .iter()
            .map(|j| to_item(&conn, j))
            .collect::<Result<Vec<_>, _>>()?
    };
    let by_contact: HashMap<u64, &Job> = claimed.iter().map(|j| (j.contact_id, j)).collect();
    let results = match pipeline::process_chunk(ctx, items).await {
        Ok(r) => r,
        Err(pipeline::PipelineError::Engine(e)) => {
            // The store failed; put the jobs back for a later attempt.
            let conn = ctx.store.conn();
            for job in &claimed {
                jobs::retry_or_fail(
                    &conn,
                    job,
                    &e.to_string(),
                    now_ms() + backoff(job.attempts),
                    config.max_attempts,
                    now_ms(),
                )?;
            }
            return Err(e);
        }
    };
    let mut pause = None;
    let mut any_progress = false;
    {
        let conn = ctx.store.conn();
        let now = now_ms();
        for (item, result) in results {
            let Some(job) = by_contact.get(&item.contact_id) else {
                continue;
            };
            match result {
                ItemResult::Done {
                    outcome,
                    cost_micros,
                    ..
                } => {
                    any_progress = true;
                    jobs::complete(&conn, job.id, now)?;
                    if let Some(run) = job.run_id {
                        runs::record_result(&conn, run, outcome, cost_micros)?;
                    }
                }
                ItemResult::Retry { reason } => {
                    any_progress = true;
                    let retried = jobs::retry_or_fail(
                        &conn,
                        job,
                        &reason,
                        now + backoff(job.attempts),
                        config.max_attempts,
                        now,
                    )?;
                    if !retried && let Some(run) = job.run_id {
                        runs::record_result(&conn, run, crate::audit::Outcome::Failed, 0)?;
                    }
                }
                ItemResult::Deferred { pause: p } => {
                    jobs::defer(&conn, job, now + config.pause_retry.as_millis() as i64, now)?;
                    pause = Some(p);
                }
            }
        }
    }
    if pause.is_some() || any_progress {
        signals.set_pause(pause);
    }
    signals.settled.notify_waiters();
    Ok(())
}
