//! Steward's desktop shell. It stays thin on purpose: every rule lives in `steward-engine`; this
//! crate opens the window, registers the deep-link scheme and single-instance forwarding, and
//! turns engine calls into Tauri commands.
//!
//! # Layout
//! - [`commands`]: the `#[tauri::command]` glue, one line or so each.
//! - [`error`]: the `{ code, message }` shape every command returns on failure.
//! - [`deep_link`]: receives `steward://` URLs (cold start and forwarded second launches).

mod commands;
mod deep_link;
mod error;

use anyhow::Context;
use steward_engine::{DataDir, Store};
use tauri::Manager;

/// What commands share: the data dir and the open store.
pub struct AppState {
    pub data_dir: DataDir,
    pub store: Store,
}

/// Starts the desktop app. `STEWARD_DATA_DIR` overrides the data directory (tests give each run
/// its own).
pub fn run() -> anyhow::Result<()> {
    let data_dir = match std::env::var_os("STEWARD_DATA_DIR") {
        Some(dir) => DataDir::at(dir)?,
        None => DataDir::os_default()?,
    };
    let _log_guard = steward_engine::logging::init(&data_dir.logs())?;
    let store = Store::open(data_dir.database())?;
    tracing::info!(data_dir = %data_dir.root().display(), version = steward_engine::VERSION, "starting Steward");

    tauri::Builder::default()
        // Must be the first plugin: a second launch (e.g. the browser opening a steward:// link)
        // hands its arguments to this instance and exits.
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            deep_link::focus_main_window(app);
            tracing::debug!(args = argv.len(), "second launch forwarded");
        }))
        .plugin(tauri_plugin_deep_link::init())
        .manage(AppState { data_dir, store })
        .setup(|app| {
            deep_link::register(app)?;
            if let Some(window) = app.get_webview_window("main") {
                window.set_title(&format!("Steward {}", steward_engine::VERSION))?;
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![commands::status::app_status])
        .run(tauri::generate_context!())
        .context("the desktop window could not start")
}
