//! The running engine for one portal: the poller (when a relay session exists), the worker and
//! the batch-run feeder, under one shutdown token. The desktop shell and `steward run` both
//! start it.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use relay_client::Session;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::EngineError;
use crate::batch::feeder::{self, FeederConfig};
use crate::pipeline::{Pause, PipelineContext};
use crate::poller::{self, PollerConfig, PollerStats};
use crate::worker::{self, WorkerConfig, WorkerSignals};

/// Handles to a running engine.
pub struct Runtime {
    shutdown: CancellationToken,
    pub signals: Arc<WorkerSignals>,
    pub poller_stats: Arc<PollerStats>,
    worker: JoinHandle<Result<(), EngineError>>,
    poller: Option<JoinHandle<Result<(), EngineError>>>,
    feeder: JoinHandle<Result<(), EngineError>>,
}

impl Runtime {
    /// Starts the worker, and the poller if `session` is given.
    pub fn start(
        ctx: PipelineContext,
        session: Option<Session>,
        poller_config: PollerConfig,
        worker_config: WorkerConfig,
    ) -> Self {
        Self::start_with(ctx, session, poller_config, worker_config, false)
    }

    /// Like [`Runtime::start`]; with `until_idle` the worker exits once nothing is queued or
    /// running and the relay had nothing to lease (await it with [`Runtime::wait`]).
    pub fn start_with(
        ctx: PipelineContext,
        session: Option<Session>,
        poller_config: PollerConfig,
        worker_config: WorkerConfig,
        until_idle: bool,
    ) -> Self {
        let shutdown = CancellationToken::new();
        let signals = Arc::new(WorkerSignals::default());
        let poller_stats = Arc::new(PollerStats::default());
        let has_poller = session.is_some();
        let idle: Option<Arc<dyn Fn() -> bool + Send + Sync>> = until_idle.then(|| {
            let stats = poller_stats.clone();
            Arc::new(move || !has_poller || stats.empty_polls.load(Ordering::Relaxed) >= 1)
                as Arc<dyn Fn() -> bool + Send + Sync>
        });
        let poller = session.map(|session| {
            tokio::spawn(poller::run(
                session,
                ctx.store.clone(),
                poller_config,
                signals.clone(),
                poller_stats.clone(),
                shutdown.clone(),
            ))
        });
        let feeder = tokio::spawn(feeder::run(
            ctx.clone(),
            FeederConfig::default(),
            signals.clone(),
            shutdown.clone(),
        ));
        let worker = tokio::spawn(worker::run(
            ctx,
            worker_config,
            signals.clone(),
            shutdown.clone(),
            idle,
        ));
        Self {
            shutdown,
            signals,
            poller_stats,
            worker,
            poller,
            feeder,
        }
    }

    /// Why enrichment is paused, if it is.
    pub fn pause(&self) -> Option<Pause> {
        self.signals.pause()
    }

    /// Events leased so far.
    pub fn leased(&self) -> u64 {
        self.poller_stats.leased.load(Ordering::Relaxed)
    }

    /// Waits for the worker to finish (with `until_idle`, or after a stop), then stops the poller.
    /// The worker is awaited for as long as it runs: a foreground `steward run` lives until it
    /// is stopped. Only the tasks stopped afterwards get [`join`]'s deadline.
    pub async fn wait(self) -> Result<(), EngineError> {
        let result = match self.worker.await {
            Ok(result) => result,
            Err(e) => {
                tracing::error!(error = %e, "engine task panicked");
                Ok(())
            }
        };
        self.shutdown.cancel();
        if let Some(p) = self.poller {
            join(p).await?;
        }
        let feeder = join(self.feeder).await;
        result.and(feeder)
    }

    /// A token that stops the runtime when cancelled (Ctrl-C handlers).
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Stops both loops, letting in-flight chunks finish.
    pub async fn stop(self) -> Result<(), EngineError> {
        self.shutdown.cancel();
        if let Some(p) = self.poller {
            join(p).await?;
        }
        // Both stop on the same token; wait for the worker even if the feeder failed.
        let feeder = join(self.feeder).await;
        join(self.worker).await.and(feeder)
    }
}

/// Awaits a task that has been asked to stop, for at most 60 s (a task stuck in a call must
/// not keep the process from exiting).
async fn join(handle: JoinHandle<Result<(), EngineError>>) -> Result<(), EngineError> {
    match tokio::time::timeout(Duration::from_secs(60), handle).await {
        Ok(Ok(result)) => result,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "engine task panicked");
            Ok(())
        }
        Err(_) => {
            tracing::error!("engine task did not stop within 60 s");
            Ok(())
        }
    }
}
