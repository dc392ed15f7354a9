//! Integration tests of the relay over real HTTP (and of its storage backends directly).
//!
//! PostgreSQL cases connect to `STEWARD_TEST_POSTGRES_URL`; without it they print a loud skip.

// Test code: a failed unwrap is a failed test (clippy.toml only covers #[test] fns).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod binary;
mod broker;
mod client;
mod crash;
mod logs;
mod multi_instance;
mod queue;
mod sessions;
mod shutdown;
mod sim;
mod storage;
mod webhooks;
