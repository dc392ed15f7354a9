//! `steward://` links: registered with the OS at start, delivered on a cold start (the URL is the
//! only argument) or forwarded from a second launch through single-instance. Each link goes to
//! the engine's parser and OAuth flow ([`steward_engine::oauth_connect::finish_link`]); the
//! outcome — connected, or refused with the reason — is kept for the Connect screen and sent
//! as the `steward://connect-outcome` event. A refused link changes nothing.

use std::sync::Mutex;

use steward_engine::oauth_connect::{self, LinkOutcome};
use steward_engine::oauth_pending::PendingFlows;
use steward_engine::{Settings, clock};
use tauri::{App, AppHandle, Emitter, Manager};
use tauri_plugin_deep_link::DeepLinkExt;

use crate::AppState;

/// Event carrying a [`LinkOutcome`] after each deep link.
pub const CONNECT_OUTCOME: &str = "steward://connect-outcome";

/// The last link's outcome: the Connect screen may mount after the event was sent.
#[derive(Default)]
pub struct LinkState {
    pub last: Mutex<Option<LinkOutcome>>,
}

/// Registers the scheme handler (on Linux this writes a `.desktop` file and sets it as the
/// `x-scheme-handler/steward` default) and handles the links that arrive.
pub fn register(app: &mut App) -> tauri::Result<()> {
    app.manage(LinkState::default());
    #[cfg(any(target_os = "linux", all(debug_assertions, windows)))]
    if let Err(err) = app.deep_link().register_all() {
        // Not fatal: the app works without it, only the browser hand-off needs it.
        tracing::warn!(error = %err, "could not register the steward:// link handler");
    }
    let handle = app.handle().clone();
    app.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            spawn_handle(&handle, url.to_string());
        }
        focus_main_window(&handle);
    });
    // Cold start: the link was the only argument. (The plugin announced it before this
    // listener existed, so it arrives here only, once.)
    if let Ok(Some(urls)) = app.deep_link().get_current() {
        for url in urls {
            spawn_handle(app.handle(), url.to_string());
        }
    }
    Ok(())
}

fn spawn_handle(app: &AppHandle, raw: String) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move { handle(&app, &raw).await });
}

async fn handle(app: &AppHandle, raw: &str) {
    let links = app.state::<LinkState>();
    let store = app.state::<AppState>().real_store();
    let settings = Settings::new(store.clone());
    let flows = PendingFlows::for_store(&store);
    let result = oauth_connect::finish_link(&settings, &flows, raw).await;
    let outcome = LinkOutcome::of(&result, clock::now_ms());
    if result.is_ok() {
        // New credentials: rebuild cached clients and (re)start the engine.
        crate::live::settings_changed(app).await;
    }
    if let Ok(mut last) = links.last.lock() {
        *last = Some(outcome.clone());
    }
    let _ = app.emit(CONNECT_OUTCOME, &outcome);
    let _ = app.emit(crate::live::NAVIGATE, "connect");
    focus_main_window(app);
}

pub fn focus_main_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}
