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
    /// Set while enrichment is paused (reconnect, budget …), cleared by the next success of
    /// work that started after it was set.
    pause: std::sync::Mutex<PauseState>,
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
        self.pause.lock().map(|p| p.current.clone()).unwrap_or(None)
    }

    /// Take it when work starts and give it back to [`Self::settle_pause`].
    fn pause_generation(&self) -> u64 {
        self.pause.lock().map(|p| p.generation).unwrap_or(0)
    }

    /// Records what a chunk saw: a pause it ran into is set at once; a success clears the pause
    /// only if no pause was set since the chunk started. Work already under way when HubSpot
    /// revoked the tokens can still land after the revocation, and its success says nothing
    /// about whether the cause is gone.
    fn settle_pause(&self, seen: Option<Pause>, progress: bool, started_at: u64) {
        let Ok(mut state) = self.pause.lock() else {
            return;
        };
        match seen {
            Some(pause) => {
                if state.current.as_ref() != Some(&pause) {
                    tracing::warn!(reason = %pause.message(), "enrichment paused");
                }
                state.current = Some(pause);
                state.generation += 1;
            }
            None if progress && state.generation == started_at && state.current.is_some() => {
                state.current = None;
                tracing::info!("enrichment resumed");
            }
            None => {}
        }
    }
}

/// The pause and how many times one was set, so a success can tell whether it started after.
#[derive(Debug, Default)]
struct PauseState {
    current: Option<Pause>,
    generation: u64,
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
        let released = jobs::release_held(&ctx.store.conn(), now_ms())?;
        if released > 0 {
            tracing::info!(
                released,
                "retrying jobs held back while enrichment was paused"
            );
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

#[cfg(test)]
mod tests {
    use super::*;

    fn reconnect() -> Pause {
        Pause::Reconnect {
            message: "HubSpot refused Steward's tokens: reconnect".into(),
        }
    }

    #[test]
    fn work_started_before_a_pause_does_not_clear_it_by_landing_late() {
        let signals = WorkerSignals::default();
        let before = signals.pause_generation();
        // A chunk ran into the revocation …
        signals.settle_pause(Some(reconnect()), false, signals.pause_generation());
        // … while an older chunk's writes still landed and settle afterwards.
        signals.settle_pause(None, true, before);
        assert_eq!(signals.pause(), Some(reconnect()));
        // A chunk that made no progress leaves it too.
        let after = signals.pause_generation();
        signals.settle_pause(None, false, after);
        assert_eq!(signals.pause(), Some(reconnect()));
        // Work started after the pause succeeds: the cause is gone.
        signals.settle_pause(None, true, after);
        assert_eq!(signals.pause(), None);
    }

    #[test]
    fn a_pause_seen_again_holds_off_successes_that_started_before_it() {
        let signals = WorkerSignals::default();
        signals.settle_pause(Some(Pause::Budget), false, 0);
        let between = signals.pause_generation();
        signals.settle_pause(Some(Pause::Budget), false, between);
        signals.settle_pause(None, true, between);
        assert_eq!(signals.pause(), Some(Pause::Budget));
    }
}
