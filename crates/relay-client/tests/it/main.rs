//! relay-client against a scripted stand-in server (retries, session reopening). End-to-end
//! tests against the real relay live in `crates/relay/tests/it/client.rs`.

// Test code: a failed unwrap is a failed test (clippy.toml only covers #[test] fns).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod stand_in;
