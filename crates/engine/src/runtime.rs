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

    /// The task that ended although the engine was not asked to stop (an internal error: the
    /// feeder on a database error, a panic), for the app's status. `steward run` exits with
    /// the error instead ([`Runtime::wait`]); the app keeps its window and says so.
    pub fn ended_task(&self) -> Option<&'static str> {
        if self.shutdown.is_cancelled() {
            return None;
        }
        if self.worker.is_finished() {
            Some("worker")
        } else if self.feeder.is_finished() {
            Some("feeder")
        } else if self.poller.as_ref().is_some_and(JoinHandle::is_finished) {
            Some("poller")
        } else {
            None
        }
    }

    /// Events leased so far.
    pub fn leased(&self) -> u64 {
        self.poller_stats.leased.load(Ordering::Relaxed)
    }

    /// Runs until the engine ends: the worker finishing (with `until_idle`, or after a stop) or
    /// any task failing. A foreground `steward run` lives until it is stopped, and when a part
    /// of the engine fails the whole stops with that error rather than going on without it.
    pub async fn wait(self) -> Result<(), EngineError> {
        let Runtime {
            shutdown,
            worker,
            poller,
            feeder,
            ..
        } = self;
        let mut tasks = vec![("worker", worker), ("feeder", feeder)];
        tasks.extend(poller.map(|p| ("poller", p)));
        until_the_first_ends(shutdown, tasks).await
    }

    /// A token that stops the runtime when cancelled (Ctrl-C handlers).
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Stops both loops, letting in-flight chunks finish.
    pub async fn stop(self) -> Result<(), EngineError> {
        self.shutdown.cancel();
        // Every task stops on the same token; wait for each even if another failed.
        let mut result = Ok(());
        if let Some(p) = self.poller {
            result = result.and(join("poller", p).await);
        }
        let feeder = join("feeder", self.feeder).await;
        let worker = join("worker", self.worker).await;
        result.and(worker).and(feeder)
    }
}

type Task = (&'static str, JoinHandle<Result<(), EngineError>>);

/// Awaits the first task to end, then stops and joins the others; the first error wins.
async fn until_the_first_ends(
    shutdown: CancellationToken,
    mut tasks: Vec<Task>,
) -> Result<(), EngineError> {
    let (ended, index, _) = futures::future::select_all(tasks.iter_mut().map(|(_, h)| h)).await;
    let (name, _) = tasks.swap_remove(index);
    let mut result = outcome(name, ended);
    // The worker cancels the token itself when it goes idle (`until_idle`): the others then
    // end first, as asked.
    if name != "worker" && result.is_ok() && !shutdown.is_cancelled() {
        tracing::warn!(
            task = name,
            "an engine task ended by itself: stopping the engine"
        );
    }
    shutdown.cancel();
    for (name, handle) in tasks {
        result = result.and(join(name, handle).await);
    }
    result
}

/// Awaits a task that has been asked to stop, for at most 60 s (a task stuck in a call must
/// not keep the process from exiting).
async fn join(
    name: &'static str,
    handle: JoinHandle<Result<(), EngineError>>,
) -> Result<(), EngineError> {
    match tokio::time::timeout(Duration::from_secs(60), handle).await {
        Ok(ended) => outcome(name, ended),
        Err(_) => {
            tracing::error!(task = name, "engine task did not stop within 60 s");
            Ok(())
        }
    }
}

fn outcome(
    name: &'static str,
    ended: Result<Result<(), EngineError>, tokio::task::JoinError>,
) -> Result<(), EngineError> {
    match ended {
        Ok(result) => result,
        Err(e) => {
            tracing::error!(task = name, error = %e, "engine task panicked");
            Err(EngineError::TaskFailed { task: name })
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::atomic::AtomicBool;

    use super::*;

    fn until_stopped(shutdown: &CancellationToken, stopped: Arc<AtomicBool>) -> Task {
        let shutdown = shutdown.clone();
        let task = tokio::spawn(async move {
            shutdown.cancelled().await;
            stopped.store(true, Ordering::SeqCst);
            Ok(())
        });
        ("worker", task)
    }

    #[tokio::test]
    async fn a_failing_task_stops_the_engine_with_its_error() {
        let shutdown = CancellationToken::new();
        let stopped = Arc::new(AtomicBool::new(false));
        let failing = tokio::spawn(async {
            Err(EngineError::Logging {
                path: "/nowhere".into(),
                message: "full".into(),
            })
        });
        let result = until_the_first_ends(
            shutdown.clone(),
            vec![
                until_stopped(&shutdown, stopped.clone()),
                ("feeder", failing),
            ],
        )
        .await;
        assert!(
            matches!(result, Err(EngineError::Logging { .. })),
            "{result:?}"
        );
        assert!(stopped.load(Ordering::SeqCst), "the worker was stopped too");
    }

    #[tokio::test]
    async fn a_panicking_task_is_an_error_not_a_clean_exit() {
        let shutdown = CancellationToken::new();
        let stopped = Arc::new(AtomicBool::new(false));
        let panicking: JoinHandle<Result<(), EngineError>> =
            tokio::spawn(async { panic!("a bug in the feeder") });
        let result = until_the_first_ends(
            shutdown.clone(),
            vec![
                until_stopped(&shutdown, stopped.clone()),
                ("feeder", panicking),
            ],
        )
        .await;
        assert!(
            matches!(result, Err(EngineError::TaskFailed { task: "feeder" })),
            "{result:?}"
        );
        assert!(result.unwrap_err().to_string().contains("log file"));
        assert!(stopped.load(Ordering::SeqCst));
    }

    /// A context on a fresh store whose HubSpot and LLM are unreachable (nothing here calls
    /// them: no job is queued).
    pub(crate) fn idle_context(dir: &std::path::Path) -> PipelineContext {
        let hubspot = hubspot::HubSpotClient::new(
            "http://127.0.0.1:9",
            hubspot::TokenSource::private_app(hubspot::Secret::new("pat-unused")),
        )
        .unwrap();
        let llm = crate::llm_settings::LlmSettings::default().to_config(None);
        PipelineContext {
            portal_id: 1,
            app_id: 2,
            hubspot,
            llm: Arc::new(steward_llm::LlmClient::new(llm).unwrap()),
            store: crate::Store::open(dir.join("db")).unwrap(),
            input_properties: vec!["email".into()],
            policies: Default::default(),
            prompt: Default::default(),
            model: "m".into(),
            max_activities: 5,
            monthly_budget_micros: None,
        }
    }

    #[tokio::test]
    async fn a_task_that_ends_on_its_own_is_reported_and_a_stop_is_not() {
        let tmp = tempfile::tempdir().unwrap();
        let ctx = idle_context(tmp.path());
        let store = ctx.store.clone();
        let runtime = Runtime::start(
            ctx,
            None,
            PollerConfig::new(2, Vec::new()),
            WorkerConfig::default(),
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(runtime.ended_task(), None, "a healthy engine");
        // The feeder reads the runs table about once a second.
        store
            .conn()
            .execute_batch("ALTER TABLE runs RENAME TO runs_gone")
            .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while runtime.ended_task().is_none() && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // The feeder (and the worker, which reads runs when it claims) fail on it.
        let ended = runtime.ended_task();
        assert!(matches!(ended, Some("feeder" | "worker")), "{ended:?}");
        let result = runtime.wait().await;
        assert!(
            matches!(result, Err(EngineError::Database(_))),
            "{result:?}"
        );
    }

    #[tokio::test]
    async fn the_worker_ending_ends_the_engine_cleanly() {
        let shutdown = CancellationToken::new();
        let stopped = Arc::new(AtomicBool::new(false));
        let mut feeder = until_stopped(&shutdown, stopped.clone());
        feeder.0 = "feeder";
        let idle = tokio::spawn(async { Ok(()) });
        let result = until_the_first_ends(shutdown, vec![("worker", idle), feeder]).await;
        assert!(result.is_ok(), "{result:?}");
        assert!(stopped.load(Ordering::SeqCst));
    }
}
