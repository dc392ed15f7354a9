//! `hubspot-sim`: a stateful HubSpot simulator (and an OpenAI/Anthropic-compatible LLM
//! simulator) served over real HTTP, so Steward's client, relay and engine are tested
//! against HubSpot's shapes, limits and failure modes without touching HubSpot.
//!
//! Start it in-process with [`spawn`] (binds `127.0.0.1:0`) and point a client at
//! [`SimServer::base_url`]; HubSpot's paths are served at the root exactly as on
//! `https://api.hubapi.com`, the LLM at `{base}/llm/v1`, the admin API at `{base}/_sim/`.
//!
//! # Layout
//! - [`config`]: [`SimConfig`], [`RateLimit`], LLM fault modes.
//! - [`secret`]: the `[redacted]` newtype for secrets.
//! - [`log_capture`]: log lines in memory, for tests that check what was logged.
//! - [`webhook`]: v3 signing ([`webhook::sign_v3`]), event JSON, batching and retries.
//! - `error`: [`SimError`] (startup) and HubSpot's error body.
//! - `util`: locks, ids, HubSpot's time format, a strictly increasing clock.
//! - `model`: property definitions, contacts with history (and their zero-copy JSON view),
//!   engagements, lists, HubSpot's standard properties.
//! - `portal`: one portal's data and the write rules every entry point shares; `outcome`
//!   holds what writes produce (webhook changes, stats rows, queued human edits).
//! - `seed`, `seed_data`: deterministic realistic contacts, activity and lists.
//! - `auth`: OAuth codes, tokens, expiry, scopes, private-app token, introspection.
//! - `ratelimit`: rolling-window and daily limits per portal.
//! - `stats`, `record`: `/_sim/stats` counters and the `--record` JSONL file.
//! - `state`: the shared `Sim` every handler reaches.
//! - `http`: routes, middleware (auth, limits, faults, counting, recording), handlers.
//! - `llm`: the LLM simulator: prompt reading (`text`, `facts`), schema-driven output
//!   (`schema`), broken output on demand (`modes`), OpenAI and Anthropic shapes.

pub mod config;
pub mod log_capture;
pub mod secret;
pub mod webhook;

mod auth;
mod error;
mod http;
mod llm;
mod model;
mod portal;
mod ratelimit;
mod record;
mod seed;
mod seed_data;
mod state;
mod stats;
mod util;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::{LlmFaults, LlmMode, RateLimit, SimConfig};
pub use error::SimError;
pub use model::contact::SourceType;

use crate::record::Recorder;
use crate::state::Sim;
use crate::stats::Stats;
use crate::webhook::{WebhookQueue, WebhookSettings};

/// A running simulator. Dropping it stops it too; [`SimServer::shutdown`] also waits for
/// in-flight requests and flushes the record file.
#[derive(Debug)]
pub struct SimServer {
    addr: SocketAddr,
    sim: Arc<Sim>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    webhooks: Option<JoinHandle<()>>,
}

/// Starts a simulator on `127.0.0.1` with a free port.
pub async fn spawn(config: SimConfig) -> Result<SimServer, SimError> {
    spawn_on(SocketAddr::from(([127, 0, 0, 1], 0)), config).await
}

/// Starts a simulator on `addr`.
pub async fn spawn_on(addr: SocketAddr, config: SimConfig) -> Result<SimServer, SimError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| SimError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| SimError::Bind { addr, source })?;
    let stats = Arc::new(Stats::default());
    let recorder = config.record.as_deref().map(Recorder::open).transpose()?;
    let (webhooks, webhook_task) = match &config.webhook_target {
        None => (None, None),
        Some(target) => {
            let ok = url::Url::parse(target).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
            if !ok {
                return Err(SimError::WebhookTarget(target.clone()));
            }
            let client = reqwest::Client::builder()
                .no_proxy()
                .build()
                .map_err(|e| SimError::Client(e.to_string()))?;
            let settings = WebhookSettings {
                target: target.clone(),
                secret: secret::Secret::new(config.client_secret.clone()),
                app_id: config.app_id,
                retry_base: config.webhook_retry_base,
                max_attempts: config.webhook_max_attempts,
                timeout: config.webhook_timeout,
                batch_window: config.webhook_batch_window,
            };
            let (queue, task) = WebhookQueue::start(settings, client, stats.clone());
            (Some(queue), Some(task))
        }
    };
    let sim = Arc::new(Sim::new(&config, stats, webhooks, recorder));
    let app = http::router(sim.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!("hubspot-sim server stopped: {e}");
        }
    });
    Ok(SimServer {
        addr: local,
        sim,
        stop: Some(stop),
        server: Some(server),
        webhooks: webhook_task,
    })
}

impl SimServer {
    /// `http://127.0.0.1:PORT`: the HubSpot API base, the OAuth authorize page base and
    /// the LLM base (`{base}/llm/v1`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets in-flight requests finish (5 s at most), stops webhook
    /// delivery and flushes the record file.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut server) = self.server.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut server)
                .await
                .is_err()
        {
            server.abort();
        }
        self.finish();
    }

    fn finish(&mut self) {
        if let Some(task) = self.webhooks.take() {
            task.abort();
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
        if let Some(recorder) = &self.sim.recorder {
            recorder.close();
        }
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.finish();
    }
}
