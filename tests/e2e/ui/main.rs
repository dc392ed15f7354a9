//! Real-window tests: the built app under Xvfb, driven through tauri-driver + WebKitWebDriver.
//! Run by `scripts/test.sh` (which builds the UI and the app, and provides Xvfb).

mod admin;
mod batch;
mod connect;
mod frame;
mod pause;
mod sandbox;
