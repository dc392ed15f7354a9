//! Shared helpers for Steward's end-to-end tests.
//!
//! # Layout
//! - [`desktop`]: starts tauri-driver for the built app binary and opens a WebDriver session
//!   with its own data dir, so real-window tests run in parallel without sharing state.
//! - [`stack`]: simulator + relay + engine on loopback, connected through OAuth.
//! - [`latency`]: webhook → write-back latency: the simulator's write log, percentiles, and
//!   per-stage times from the relay's and the engine's SQLite (`benches/latency.rs`).
//! - [`net`]: free loopback ports and waiting for a port to accept connections.
//! - [`connect`]: OAuth Connect helpers: simulator + relay broker, the browser's redirects, the
//!   relay binary, and scans proving a secret never reached SQLite or the logs.
//! - [`crash_proxy`]: a proxy in front of the simulator that lets the first batch update
//!   through and swallows its answer: a process dying right after HubSpot applied a write.
//! - [`bins`]: the `steward` and `steward-relay` binaries, built fresh once per test process,
//!   and a relay process that can be SIGKILLed and restarted on the same address.
//! - [`secret_scan`]: known secret values and a scan of files and strings for them and their
//!   encodings (base64 at every alignment, hex, any 16-character piece).
//! - [`seed`]: the simulator's seeded contacts, static lists, and an app data dir set up as
//!   Connect leaves it — shared by scenarios, real-window tests and benchmarks.
//! - [`tap`]: a recording reverse proxy that learns every token crossing it.

pub mod bins;
pub mod connect;
pub mod crash_proxy;
pub mod desktop;
pub mod latency;
pub mod net;
pub mod secret_scan;
pub mod seed;
pub mod stack;
pub mod standins;
pub mod tap;

use std::path::PathBuf;

/// The workspace's target dir (honours `CARGO_TARGET_DIR`), where built binaries and
/// screenshots live.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
    }
}
