//! The worker: claims ready jobs in chunks, runs the pipeline on each chunk, and settles every
//! job — done, retried with backoff, or deferred while enrichment is paused.
//!
//! A few chunks are in flight so HubSpot reads overlap LLM calls, but only one chunk does its
//! reads at a time: the next chunk is claimed when the previous one starts calling the LLM.
//! At the start of a batch run that puts the first LLM call seconds earlier than claiming
//! three chunks whose reads would share the rate limit; later it keeps a chunk's worth of
//! contacts ready for the LLM while the others are being enriched and written.

mod settle;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::clock::now_ms;
use crate::pipeline::{Pause, PipelineContext};
use crate::{EngineError, jobs, runs};
use settle::{ReadGate, settle_chunk};

/// Tuning for the worker.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Contacts per chunk. Large chunks cost fewer HubSpot calls per contact (association
    /// reads take 1,000 ids, engagement bodies 100 of a kind); results still settle per write
    /// group of [`crate::pipeline::WRITE_GROUP`], so progress and crash recovery stay fine-grained.
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
            chunk_size: 500,
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
    /// Wakes observers after every settled group of results (UI refresh, `--until-idle`).
    pub settled: Notify,
    /// Wakes the batch feeder: a run started, resumed, or its queued jobs ran low.
    pub runs: Notify,
}

impl WorkerSignals {
    /// Call after starting or resuming a batch run so it starts at once.
    pub fn wake_runs(&self) {
        self.runs.notify_one();
        self.wake.notify_one();
    }

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
    let read_gate = Arc::new(Semaphore::new(1));
    let reads_done = Arc::new(Notify::new());
    loop {
        while in_flight.len() < config.chunks_in_flight.max(1) {
            let Ok(permit) = read_gate.clone().try_acquire_owned() else {
                break;
            };
            let claimed = jobs::claim_for_portal(
                &ctx.store.conn(),
                ctx.portal_id,
                config.chunk_size,
                now_ms(),
            )?;
            if claimed.is_empty() {
                break;
            }
            let gate = ReadGate {
                _permit: Some(permit),
                done: reads_done.clone(),
            };
            let ctx = ctx.clone();
            let signals = signals.clone();
            let config = config.clone();
            in_flight
                .spawn(async move { settle_chunk(&ctx, &config, &signals, claimed, gate).await });
        }
        // Live work does not wait for batch chunks to finish: while every regular slot is
        // taken, one more chunk may run, holding only live jobs (it skips the read gate too:
        // its reads are a handful of calls).
        if in_flight.len() == config.chunks_in_flight.max(1) {
            let now = now_ms();
            let live = jobs::ready_live(&ctx.store.conn(), ctx.portal_id, now)?;
            if live > 0 {
                let claimed = jobs::claim_for_portal(
                    &ctx.store.conn(),
                    ctx.portal_id,
                    (live as usize).min(config.chunk_size),
                    now,
                )?;
                if !claimed.is_empty() {
                    let gate = ReadGate {
                        _permit: None,
                        done: reads_done.clone(),
                    };
                    let ctx = ctx.clone();
                    let signals = signals.clone();
                    let config = config.clone();
                    in_flight.spawn(async move {
                        settle_chunk(&ctx, &config, &signals, claimed, gate).await
                    });
                }
            }
        }
        if in_flight.is_empty()
            && let Some(idle) = &until_idle
            && is_idle(&ctx)?
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
            _ = reads_done.notified() => {}
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

/// Nothing left to do: no job the worker could claim (a paused run's jobs wait for the admin)
/// and no running batch run still paging its list.
fn is_idle(ctx: &PipelineContext) -> Result<bool, EngineError> {
    let conn = ctx.store.conn();
    Ok(jobs::workable(&conn)? == 0 && runs::feeding(&conn, ctx.portal_id)?.is_empty())
}
