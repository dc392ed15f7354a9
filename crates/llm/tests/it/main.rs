//! Integration tests over real HTTP: the hubspot-sim LLM endpoints, plus a tiny axum
//! stand-in for behaviour the simulator cannot produce on demand (exact status sequences,
//! in-flight counting, echoed keys, non-LLM bodies).

// Test helpers outside `#[test]` functions panic on purpose when the setup is broken.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod concurrency;
mod enrich;
mod errors;
mod malformed;
mod presets;
mod retries;
mod secrets;
mod standin;
mod support;
