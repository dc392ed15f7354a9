//! End-to-end scenarios of the engine: simulator + relay + engine over HTTP (DESIGN §1, §4).

// Test helpers outside #[test] fns may unwrap: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod batch;
mod budget;
mod connect;
mod enrichment;
mod guard;
mod invalid_output;
mod model;
