//! Steward's desktop shell. It stays thin on purpose: every rule lives in `steward-engine`; this
//! crate opens the window, registers the deep-link scheme and single-instance forwarding, and
//! turns engine calls into Tauri commands.
//!
//! # Layout
//! - [`commands`]: the `#[tauri::command]` glue, one line or so each.
//! - [`error`]: the `{ code, message }` shape every command returns on failure.
//! - [`deep_link`]: receives `steward://` URLs (cold start and forwarded second launches) and
//!   finishes OAuth Connect with them.
//! - [`engine_host`]: the running engine (poller + worker), restarted as the connection changes.
//! - [`live`]: store changes → Tauri events, the tray count and grouped notifications.
//! - [`sandbox_mode`]: with no portal connected, the simulated sandbox portal runs in-process
//!   and the screens show it; a real connection replaces it.
//! - [`tray`]: the tray icon with the pending-review count.

mod commands;
mod deep_link;
mod engine_host;
mod error;
mod live;
mod sandbox_mode;
mod tray;

use std::sync::RwLock;

use anyhow::Context;
use steward_engine::{DataDir, Store};
use tauri::Manager;

/// What commands share: the data dir and the open stores.
pub struct AppState {
    pub data_dir: DataDir,
    /// The real portal's store: Connect and its wizard always work on it.
    real: Store,
    /// The store the screens show: the real one, or the sandbox's while the sandbox runs.
    active: RwLock<Store>,
}

impl AppState {
    fn new(data_dir: DataDir, real: Store) -> Self {
        Self {
            data_dir,
            active: RwLock::new(real.clone()),
            real,
        }
    }

    /// The store the screens read and act on (the sandbox's while it runs).
    pub fn store(&self) -> Store {
        self.active
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// The real portal's store, whatever the screens show.
    pub fn real_store(&self) -> Store {
        self.real.clone()
    }

    /// Points the screens at another store (the sandbox's, or back to the real one).
    pub fn set_active(&self, store: Store) {
        *self
            .active
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = store;
    }
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
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .callback(|app, argv, _cwd| {
                    deep_link::focus_main_window(app);
                    tracing::debug!(args = argv.len(), "second launch forwarded");
                })
                .dbus_id(single_instance_id())
                .build(),
        )
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .manage(steward_engine::context_cache::ContextCache::new(
            store.clone(),
        ))
        .manage(AppState::new(data_dir, store))
        .setup(|app| {
            deep_link::register(app)?;
            let store = app.state::<AppState>().real_store();
            engine_host::install(app, store);
            tray::create(app);
            live::start(app.handle());
            if let Some(window) = app.get_webview_window("main") {
                window.set_title(&format!("Steward {}", steward_engine::VERSION))?;
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::status::app_status,
            commands::connect::onboarding_state,
            commands::connect::last_link_outcome,
            commands::connect::engine_status,
            commands::connect::connect_start,
            commands::connect::connect_cancel,
            commands::connect::connect_private_app,
            commands::connect::disconnect,
            commands::connect::onboarding_provision,
            commands::connect::onboarding_save_llm,
            commands::connect::onboarding_test_llm,
            commands::connect::onboarding_dry_run,
            commands::reviews::review_board,
            commands::reviews::approve_review,
            commands::reviews::reject_review,
            commands::reviews::bulk_review,
            commands::contacts::search_contacts,
            commands::contacts::contact_detail,
            commands::contacts::reenrich_contact,
            commands::contacts::dry_run_contact,
            commands::contacts::open_in_hubspot,
            commands::activity::audit_page,
            commands::activity::audit_count,
            commands::activity::audit_insights,
            commands::activity::export_audit,
            commands::activity::reveal_export,
            commands::batch::search_lists,
            commands::batch::estimate_run,
            commands::batch::start_run,
            commands::batch::pause_run,
            commands::batch::resume_run,
            commands::batch::cancel_run,
            commands::batch::run_progress,
            commands::batch::run_history,
            commands::batch::run_diffs,
            commands::sandbox::sandbox_status,
            commands::sandbox::sandbox_provision,
            commands::sandbox::sandbox_edit,
            commands::sandbox::sandbox_create_contact,
            commands::settings::settings_view,
            commands::settings::update_settings,
            commands::settings::save_llm_key,
            commands::settings::clear_llm_key,
            commands::settings::test_llm,
            commands::settings::preview_prompt,
        ])
        .run(tauri::generate_context!())
        .context("the desktop window could not start")
}

/// The D-Bus name single-instance claims on Linux: the app identifier for the default data dir,
/// and one per data dir otherwise (`STEWARD_DATA_DIR`). One instance per data dir: a second
/// launch on the same data dir (the browser opening a steward:// link) forwards its URL to the
/// running one, while instances on other data dirs (tests, a sandbox) run side by side.
fn single_instance_id() -> String {
    use sha2::Digest;
    match std::env::var_os("STEWARD_DATA_DIR") {
        None => steward_engine::paths::APP_IDENTIFIER.to_owned(),
        Some(dir) => {
            let digest = sha2::Sha256::digest(dir.to_string_lossy().as_bytes());
            format!(
                "{}.d{}",
                steward_engine::paths::APP_IDENTIFIER,
                hex::encode(&digest[..8])
            )
        }
    }
}
