//! The tray icon: the pending-review count at a glance, and a way back into the app.

use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{App, AppHandle, Emitter, Manager, Wry};

const TRAY_ID: &str = "steward";

/// The menu entry whose text shows the count.
struct ReviewsItem(MenuItem<Wry>);

fn label(pending: u64) -> String {
    match pending {
        0 => "No pending reviews".to_owned(),
        1 => "1 pending review".to_owned(),
        n => format!("{n} pending reviews"),
    }
}

/// Creates the tray icon. A desktop without a tray (a bare X server) is not an error.
pub fn create(app: &mut App) {
    if let Err(e) = build(app) {
        tracing::info!(error = %e, "no tray icon");
    }
}

fn build(app: &mut App) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open Steward", true, None::<&str>)?;
    let reviews = MenuItem::with_id(app, "reviews", label(0), true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Steward", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&open, &reviews, &separator, &quit])?;
    let mut tray = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("Steward")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "open" => crate::deep_link::focus_main_window(app),
            "reviews" => {
                crate::deep_link::focus_main_window(app);
                let _ = app.emit(crate::live::NAVIGATE, "reviews");
            }
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    app.manage(ReviewsItem(reviews));
    Ok(())
}

/// Shows the pending count in the tooltip and the menu.
pub fn set_pending(app: &AppHandle, pending: u64) {
    let text = label(pending);
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let _ = tray.set_tooltip(Some(format!("Steward — {text}")));
    }
    if let Some(item) = app.try_state::<ReviewsItem>() {
        let _ = item.0.set_text(text);
    }
}
