//! The running engine of the desktop app. One [`EngineHost`] (from `steward-engine`) is managed
//! as Tauri state: it runs the poller and worker of the connected portal, and is restarted
//! when the connection or the settings change. Other modules reach it with
//! `app.try_state::<EngineHost>()`:
//! - `host.status().await` → [`steward_engine::host::EngineStatus`] (running, polling, pause,
//!   problem, leased events) for the screens;
//! - `host.signals().await` → the worker's signals (wake it after queueing jobs);
//! - `host.start().await` → restart with the current source (the stored connection, or the
//!   sandbox's context) and settings.

use steward_engine::Store;
use steward_engine::host::EngineHost;
use tauri::{App, Manager};

/// Manages the host and, in the background, starts the engine on the connected portal — or
/// on the sandbox when none is connected ([`crate::sandbox_mode`]).
pub fn install(app: &mut App, store: Store) {
    app.manage(EngineHost::new(store));
    app.manage(crate::sandbox_mode::SandboxHost::default());
    let handle = app.handle().clone();
    tauri::async_runtime::spawn(async move {
        crate::sandbox_mode::follow_connection(&handle).await;
        if let Some(host) = handle.try_state::<EngineHost>() {
            let status = host.status().await;
            tracing::info!(
                running = status.running,
                polling = status.polling,
                "engine host ready"
            );
        }
    });
}
