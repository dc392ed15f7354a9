//! `steward://` links: registered with the OS at start, delivered on a cold start (the URL is the
//! first argument) or forwarded from a second launch through single-instance.

use tauri::{App, AppHandle, Manager};
use tauri_plugin_deep_link::DeepLinkExt;

/// Registers the scheme handler (on Linux this writes a `.desktop` file and sets it as the
/// `x-scheme-handler/steward` default) and logs the links that arrive.
pub fn register(app: &mut App) -> tauri::Result<()> {
    #[cfg(any(target_os = "linux", all(debug_assertions, windows)))]
    if let Err(err) = app.deep_link().register_all() {
        // Not fatal: the app works without it, only the browser hand-off needs it.
        tracing::warn!(error = %err, "could not register the steward:// link handler");
    }
    let handle = app.handle().clone();
    app.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            tracing::info!(
                scheme = url.scheme(),
                path = url.path(),
                "deep link received"
            );
        }
        focus_main_window(&handle);
    });
    Ok(())
}

pub fn focus_main_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}
