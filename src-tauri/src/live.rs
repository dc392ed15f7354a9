//! Live updates without a polling UI: a watcher looks at the store twice a second
//! ([`steward_engine::changes`]) and turns what changed into Tauri events for the screens, the
//! tray's pending count, and one grouped desktop notification per burst of new reviews.

use std::time::{Duration, Instant};

use steward_engine::changes::ChangeWatcher;
use steward_engine::context_cache::ContextCache;
use steward_engine::host::EngineHost;
use steward_engine::pipeline::Pause;
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_notification::NotificationExt;

/// Pending reviews changed: `ReviewsChanged { pending, raised }`.
pub const REVIEWS_CHANGED: &str = "steward://reviews-changed";
/// New audit rows: `AuditAppended { last_id, new_rows }`.
pub const AUDIT_APPENDED: &str = "steward://audit-appended";
/// Queued or running jobs changed: `JobsChanged { active }`.
pub const JOBS_CHANGED: &str = "steward://jobs-changed";
/// Settings changed (from any window or command): no payload.
pub const SETTINGS_CHANGED: &str = "steward://settings-changed";
/// The engine's status changed (running, a pause and why, a problem): `EngineStatus`.
pub const ENGINE_STATUS: &str = "steward://engine-status";
/// Open a screen (the tray's "Reviews" entry): the screen id.
pub const NAVIGATE: &str = "steward://navigate";

const TICK: Duration = Duration::from_millis(500);
/// New reviews within this window become one notification.
const GROUP_WINDOW: Duration = Duration::from_secs(3);

/// New reviews seen but not yet announced.
#[derive(Default)]
struct Burst {
    raised: u64,
    since: Option<Instant>,
}

/// Starts the watcher for the life of the app. It follows the store the screens show: when
/// the app switches between the sandbox and the real portal, it starts over on the other one.
pub fn start(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut watched: Option<std::path::PathBuf> = None;
        let mut watcher = ChangeWatcher::default();
        let mut burst = Burst::default();
        let mut engine_shown = None;
        loop {
            let store = app.state::<crate::AppState>().store();
            if watched.as_deref() != Some(store.path()) {
                watched = Some(store.path().to_path_buf());
                watcher = ChangeWatcher::default();
            }
            let changes = {
                let conn = store.conn();
                watcher.poll(&conn)
            };
            match changes {
                Ok(c) => {
                    if let Some(r) = &c.reviews {
                        let _ = app.emit(REVIEWS_CHANGED, r);
                        crate::tray::set_pending(&app, r.pending);
                        if r.raised > 0 {
                            burst.raised += r.raised;
                            burst.since.get_or_insert_with(Instant::now);
                        }
                    }
                    if let Some(a) = &c.audit {
                        let _ = app.emit(AUDIT_APPENDED, a);
                    }
                    if let Some(j) = &c.jobs {
                        let _ = app.emit(JOBS_CHANGED, j);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not read changes"),
            }
            announce_engine_status(&app, &mut engine_shown).await;
            if burst.since.is_some_and(|t| t.elapsed() >= GROUP_WINDOW) {
                notify_reviews(&app, burst.raised);
                burst = Burst::default();
            }
            tokio::time::sleep(TICK).await;
        }
    });
}

/// What the frame's engine banner shows: whether the engine runs, why it pauses, its problem.
type EngineShown = (bool, Option<Pause>, Option<String>);

/// Emits [`ENGINE_STATUS`] when what the banner shows changed (a pause after a revoked token,
/// a problem, the end of either). A host busy starting the engine is asked again next tick.
async fn announce_engine_status(app: &AppHandle, shown: &mut Option<EngineShown>) {
    let Some(host) = app.try_state::<EngineHost>() else {
        return;
    };
    let Ok(status) = tokio::time::timeout(Duration::from_millis(50), host.status()).await else {
        return;
    };
    let now = (status.running, status.pause.clone(), status.problem.clone());
    if shown.as_ref() != Some(&now) {
        let _ = app.emit(ENGINE_STATUS, &status);
        *shown = Some(now);
    }
}

fn notify_reviews(app: &AppHandle, raised: u64) {
    let title = if raised == 1 {
        "1 new review".to_owned()
    } else {
        format!("{raised} new reviews")
    };
    let result = app
        .notification()
        .builder()
        .title(title)
        .body(
            "People edited fields the AI also wanted to change. Open Steward → Reviews to decide.",
        )
        .show();
    if let Err(e) = result {
        // No notification daemon (a headless session): the badge and the tray still show it.
        tracing::info!(error = %e, "could not show a desktop notification");
    }
}

/// Wakes the running engine so a job queued from the UI starts at once.
pub async fn wake_engine(app: &AppHandle) {
    if let Some(host) = app.try_state::<EngineHost>()
        && let Some(signals) = host.signals().await
    {
        signals.wake.notify_one();
    }
}

/// After a settings or connection change: forget the cached context, restart the engine with
/// the new settings — on the real portal once one is connected, on the sandbox when none is —
/// and tell every screen.
pub async fn settings_changed(app: &AppHandle) {
    if let Some(contexts) = app.try_state::<ContextCache>() {
        contexts.invalidate();
    }
    crate::sandbox_mode::follow_connection(app).await;
    let _ = app.emit(SETTINGS_CHANGED, ());
}
