//! The engine as a shell runs it: one [`EngineHost`] per process holds the [`Runtime`] of the
//! connected portal and (re)starts it when the connection or the LLM settings change — at
//! launch, after Connect, after Disconnect. With OAuth it opens the relay session (lease/ack)
//! with the HubSpot access token, renewed through the relay broker; with a private-app token
//! it works the local queue only. The desktop's Reviews/Activity screens read [`EngineStatus`].
//!
//! While the desktop runs the sandbox, the host runs on the sandbox's ready-made context
//! ([`HostSource::Fixed`]) instead of the stored connection; [`EngineHost::switch`] moves
//! between the two.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use relay_client::Session;
use serde::Serialize;
use tokio::sync::Mutex;
use ts_rs::TS;

use crate::EngineError;
use crate::Store;
use crate::connection::{self, ConnectError, Connection};
use crate::pipeline::{Pause, PipelineContext};
use crate::poller::PollerConfig;
use crate::relay_session;
use crate::runtime::Runtime;
use crate::settings::Settings;
use crate::worker::{WorkerConfig, WorkerSignals};

/// What the app shows about the running engine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct EngineStatus {
    /// The worker runs (jobs are processed).
    pub running: bool,
    /// A relay session is open: live webhook events are received.
    pub polling: bool,
    #[ts(type = "number | null")]
    pub portal_id: Option<u64>,
    /// Why enrichment is paused, if it is.
    pub pause: Option<Pause>,
    /// The pause in words an admin acts on ([`Pause::message`]), so every screen says it the
    /// way the CLI does.
    pub pause_message: Option<String>,
    /// Why the engine (or its polling) could not start, for the admin to fix.
    pub problem: Option<String>,
    /// Events leased from the relay since the engine started.
    #[ts(type = "number")]
    pub leased: u64,
}

/// Opens a relay session for a [`HostSource::Fixed`] context (the sandbox's relay).
pub type SessionOpener =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<Session, String>> + Send>> + Send + Sync>;

/// Where the host's engine gets its portal from.
#[derive(Clone)]
pub enum HostSource {
    /// The stored connection of the host's store, with tokens from the keyring.
    Stored,
    /// A context made elsewhere (the sandbox's simulated portal) and its relay sessions.
    Fixed {
        context: Box<PipelineContext>,
        open_session: SessionOpener,
    },
}

#[derive(Default)]
struct Running {
    runtime: Option<Runtime>,
    portal_id: Option<u64>,
    polling: bool,
    problem: Option<String>,
}

/// Holds the running engine of one data directory.
pub struct EngineHost {
    store: Store,
    poller: Box<dyn Fn(&PipelineContext) -> PollerConfig + Send + Sync>,
    worker: WorkerConfig,
    source: Mutex<HostSource>,
    running: Mutex<Running>,
}

impl EngineHost {
    /// A host with the default poller and worker settings; nothing runs until [`Self::start`].
    pub fn new(store: Store) -> Self {
        Self::with_config(
            store,
            |ctx| PollerConfig::new(ctx.app_id, ctx.input_properties.clone()),
            WorkerConfig::default(),
        )
    }

    /// A host with custom loop settings (tests shorten the long-poll).
    pub fn with_config(
        store: Store,
        poller: impl Fn(&PipelineContext) -> PollerConfig + Send + Sync + 'static,
        worker: WorkerConfig,
    ) -> Self {
        Self {
            store,
            poller: Box::new(poller),
            worker,
            source: Mutex::new(HostSource::Stored),
            running: Mutex::new(Running::default()),
        }
    }

    /// Makes `source` the host's portal from now on and (re)starts the engine on it.
    pub async fn switch(&self, source: HostSource) -> EngineStatus {
        *self.source.lock().await = source;
        self.start().await
    }

    /// Stops whatever runs and starts the engine for the current source: the stored connection
    /// (nothing when not connected) or the fixed context. Problems are reported in the returned
    /// status, not as errors: the app keeps working and shows them.
    pub async fn start(&self) -> EngineStatus {
        let mut running = self.running.lock().await;
        stop_runtime(&mut running).await;
        match self.launch().await {
            Ok(next) => *running = next,
            Err(e) => {
                tracing::warn!(error = %e, "the engine did not start");
                *running = Running {
                    problem: Some(e.to_string()),
                    ..Running::default()
                };
            }
        }
        snapshot(&running)
    }

    /// Stops the engine (Disconnect, quit), letting in-flight round trips finish.
    pub async fn stop(&self) {
        let mut running = self.running.lock().await;
        stop_runtime(&mut running).await;
        *running = Running::default();
    }

    pub async fn status(&self) -> EngineStatus {
        snapshot(&*self.running.lock().await)
    }

    /// The running worker's signals (wake it after queueing jobs; observe settled chunks).
    pub async fn signals(&self) -> Option<Arc<WorkerSignals>> {
        let running = self.running.lock().await;
        running.runtime.as_ref().map(|r| r.signals.clone())
    }

    async fn launch(&self) -> Result<Running, ConnectError> {
        let source = self.source.lock().await.clone();
        match source {
            HostSource::Stored => self.launch_stored().await,
            HostSource::Fixed {
                context,
                open_session,
            } => Ok(self.launch_fixed(*context, &open_session).await),
        }
    }

    async fn launch_fixed(&self, ctx: PipelineContext, open_session: &SessionOpener) -> Running {
        let (session, problem) = match open_session().await {
            Ok(session) => (Some(session), None),
            Err(e) => {
                tracing::warn!(error = %e, "no relay session: live events are not received");
                (None, Some(format!("live events are not received: {e}")))
            }
        };
        let polling = session.is_some();
        let portal_id = ctx.portal_id;
        let poller = (self.poller)(&ctx);
        let runtime = Runtime::start(ctx, session, poller, self.worker.clone());
        tracing::info!(portal_id, polling, "engine started on a fixed context");
        Running {
            runtime: Some(runtime),
            portal_id: Some(portal_id),
            polling,
            problem,
        }
    }

    async fn launch_stored(&self) -> Result<Running, ConnectError> {
        let settings = Settings::new(self.store.clone());
        let Some(info) = settings.get::<Connection>()? else {
            return Ok(Running::default());
        };
        let ctx = connection::pipeline_context(&self.store)?;
        let (session, problem) = match relay_session::for_connection(&info, ctx.hubspot.tokens())
            .await
        {
            Ok(session) => (session, None),
            Err(e) => {
                tracing::warn!(error = %e, "no relay session: live events are not received");
                (
                    None,
                    Some(format!(
                        "live HubSpot events are not received: {e}. Check the relay URL, then reconnect"
                    )),
                )
            }
        };
        let polling = session.is_some();
        let poller = (self.poller)(&ctx);
        let runtime = Runtime::start(ctx, session, poller, self.worker.clone());
        tracing::info!(portal_id = info.portal_id, polling, "engine started");
        Ok(Running {
            runtime: Some(runtime),
            portal_id: Some(info.portal_id),
            polling,
            problem,
        })
    }
}

async fn stop_runtime(running: &mut Running) {
    if let Some(runtime) = running.runtime.take()
        && let Err(e) = runtime.stop().await
    {
        tracing::warn!(error = %e, "the engine stopped with an error");
    }
}

fn snapshot(running: &Running) -> EngineStatus {
    let pause = running.runtime.as_ref().and_then(Runtime::pause);
    EngineStatus {
        running: running.runtime.is_some(),
        polling: running.polling,
        portal_id: running.portal_id,
        pause_message: pause.as_ref().map(Pause::message),
        pause,
        problem: running.problem.clone().or_else(|| {
            let task = running.runtime.as_ref()?.ended_task()?;
            Some(EngineError::TaskFailed { task }.to_string())
        }),
        leased: running.runtime.as_ref().map_or(0, Runtime::leased),
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    #[tokio::test]
    async fn the_status_names_an_engine_task_that_ended_by_itself() {
        let tmp = tempfile::tempdir().unwrap();
        let ctx = crate::runtime::tests::idle_context(tmp.path());
        let store = ctx.store.clone();
        let poller = PollerConfig::new(ctx.app_id, Vec::new());
        let running = Running {
            runtime: Some(Runtime::start(ctx, None, poller, WorkerConfig::default())),
            portal_id: Some(1),
            polling: false,
            problem: None,
        };
        assert_eq!(snapshot(&running).problem, None);
        store
            .conn()
            .execute_batch("ALTER TABLE runs RENAME TO runs_gone")
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while snapshot(&running).problem.is_none() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let problem = snapshot(&running).problem.unwrap_or_default();
        assert!(
            (problem.contains("feeder") || problem.contains("worker"))
                && problem.contains("Restart Steward"),
            "{problem}"
        );
    }
}
