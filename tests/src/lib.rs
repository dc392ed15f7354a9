//! Shared helpers for Steward's end-to-end tests.
//!
//! # Layout
//! - [`desktop`]: starts tauri-driver for the built app binary and opens a WebDriver session
//!   with its own data dir, so real-window tests run in parallel without sharing state.
//! - [`stack`]: simulator + relay + engine on loopback, connected through OAuth.
//! - [`net`]: free loopback ports and waiting for a port to accept connections.
//! - [`connect`]: OAuth Connect helpers: simulator + relay broker, the browser's redirects, the
//!   relay binary, and scans proving a secret never reached SQLite or the logs.

pub mod connect;
pub mod desktop;
pub mod net;
pub mod stack;

use std::path::PathBuf;

/// The workspace's target dir (honours `CARGO_TARGET_DIR`), where built binaries and
/// screenshots live.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
    }
}
