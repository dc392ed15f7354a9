//! A lighter webview for an app that sits open all day. On Linux, WebKitGTK composites with
//! OpenGL by default; for a few forms and tables that costs ~70 MB in the web process (more
//! where GL is software-rendered) for no visible gain, so Steward renders without it and
//! keeps WebKit's caches small (no back/forward or page cache to speak of).
//! `STEWARD_WEBVIEW_GPU=1` keeps WebKit's defaults.

use tauri::WebviewWindow;

/// Applies the lighter settings to `window`'s webview (a no-op outside Linux).
pub fn lighten(window: &WebviewWindow) {
    if std::env::var_os("STEWARD_WEBVIEW_GPU").is_some() {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        use webkit2gtk::{
            CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
        };
        let result = window.with_webview(|webview| {
            let view = webview.inner();
            if let Some(settings) = WebViewExt::settings(&view) {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
            if let Some(context) = view.context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
        });
        if let Err(e) = result {
            tracing::debug!(error = %e, "webview settings left at their defaults");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}
