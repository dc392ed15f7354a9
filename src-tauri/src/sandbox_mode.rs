//! The sandbox inside the app. With no HubSpot account connected, the app runs the simulated
//! portal, LLM and relay in-process (`steward-sandbox`) and every screen shows that portal;
//! once a real portal connects, the sandbox stops and the screens switch to the real store.
//! The two never mix: the sandbox keeps its store in `DATA_DIR/sandbox/`, and Connect always
//! works on the real store.
//!
//! `STEWARD_SANDBOX=off` keeps the app on the real store even when nothing is connected (the
//! Connect tests, and admins who never want it); `STEWARD_SANDBOX_CONTACTS` sizes the portal.

use std::time::Duration;

use steward_engine::connection::Connection;
use steward_engine::context_cache::ContextCache;
use steward_engine::host::{EngineHost, HostSource};
use steward_engine::settings::Settings;
use steward_sandbox::{Sandbox, SandboxOptions, SandboxState, SandboxStatus};
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::Mutex;

use crate::AppState;

/// The screens must reload: they now show the sandbox, or the real portal. Payload: the
/// [`SandboxStatus`].
pub const WORKSPACE_CHANGED: &str = "steward://workspace-changed";

/// The app's sandbox, when it runs.
#[derive(Default)]
pub struct SandboxHost {
    sandbox: Mutex<Option<Sandbox>>,
    status: std::sync::Mutex<SandboxStatus>,
}

impl SandboxHost {
    pub fn status(&self) -> SandboxStatus {
        self.status
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn set_status(&self, app: &AppHandle, status: SandboxStatus) {
        *self
            .status
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = status.clone();
        let _ = app.emit(WORKSPACE_CHANGED, status);
    }

    /// Runs `f` on the running sandbox; `None` when none runs.
    pub async fn with<T>(&self, f: impl AsyncFnOnce(&Sandbox) -> T) -> Option<T> {
        let guard = self.sandbox.lock().await;
        match guard.as_ref() {
            Some(sandbox) => Some(f(sandbox).await),
            None => None,
        }
    }
}

fn sandbox_allowed() -> bool {
    !matches!(
        std::env::var("STEWARD_SANDBOX").as_deref(),
        Ok("off" | "0" | "false")
    )
}

fn options() -> SandboxOptions {
    let mut options = SandboxOptions {
        provision: false,
        ..SandboxOptions::default()
    };
    if let Some(n) = std::env::var("STEWARD_SANDBOX_CONTACTS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        options.contacts = n;
    }
    if let Some(ms) = std::env::var("STEWARD_SANDBOX_LLM_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        options.llm_latency = Duration::from_millis(ms);
    }
    options
}

/// Runs the engine on what the app should show now: the real portal when one is connected,
/// the sandbox otherwise. Called at launch and after every connection or settings change.
pub async fn follow_connection(app: &AppHandle) {
    let (Some(host), Some(state), Some(engine), Some(contexts)) = (
        app.try_state::<SandboxHost>(),
        app.try_state::<AppState>(),
        app.try_state::<EngineHost>(),
        app.try_state::<ContextCache>(),
    ) else {
        return;
    };
    // One switch at a time: the lock is held from the decision to the end of the switch.
    let mut running = host.sandbox.lock().await;
    let real = state.real_store();
    let connected = match Settings::new(real.clone()).get::<Connection>() {
        Ok(c) => c.is_some(),
        // An unreadable real store is shown (its error), not hidden behind the sandbox.
        Err(e) => {
            tracing::warn!(error = %e, "could not read the connection");
            true
        }
    };
    if connected || !sandbox_allowed() {
        let was_sandbox = running.is_some();
        state.set_active(real.clone());
        contexts.use_store(real);
        let status = engine.switch(HostSource::Stored).await;
        if let Some(sandbox) = running.take() {
            sandbox.shutdown().await;
            tracing::info!("sandbox stopped: a real portal is connected");
        }
        tracing::info!(running = status.running, "engine on the real portal");
        if was_sandbox || host.status().state != SandboxState::Off {
            host.set_status(app, SandboxStatus::default());
        }
        return;
    }
    if let Some(sandbox) = running.as_ref() {
        // Still the sandbox: its settings may have changed, so rebuild its context.
        switch_engine_to(sandbox, &contexts, &engine).await;
        return;
    }
    host.set_status(
        app,
        SandboxStatus {
            state: SandboxState::Starting,
            ..SandboxStatus::default()
        },
    );
    match Sandbox::start(&state.data_dir, options()).await {
        Ok(sandbox) => {
            state.set_active(sandbox.store().clone());
            switch_engine_to(&sandbox, &contexts, &engine).await;
            let info = sandbox.info();
            tracing::info!(hubspot = %info.hubspot_url, "sandbox running");
            *running = Some(sandbox);
            host.set_status(
                app,
                SandboxStatus {
                    state: SandboxState::Running,
                    info: Some(info),
                    problem: None,
                },
            );
        }
        Err(e) => {
            tracing::warn!(error = %e, "the sandbox could not start");
            host.set_status(
                app,
                SandboxStatus {
                    state: SandboxState::Failed,
                    info: None,
                    problem: Some(e.to_string()),
                },
            );
        }
    }
}

async fn switch_engine_to(sandbox: &Sandbox, contexts: &ContextCache, engine: &EngineHost) {
    match sandbox.pipeline_context() {
        Ok(context) => {
            contexts.use_fixed(context.clone());
            engine
                .switch(HostSource::Fixed {
                    context: Box::new(context),
                    open_session: sandbox.session_opener(),
                })
                .await;
        }
        Err(e) => tracing::warn!(error = %e, "the sandbox's settings could not be read"),
    }
}
