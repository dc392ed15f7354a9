//! The `steward` binary end to end, against the simulator.

// Test helpers outside #[test] fns may unwrap: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod commands;
mod crash;
mod enrich;
mod llm_presets;
mod oauth;

use std::path::Path;
use std::process::{Command, Output};

use steward_tests::bins;
use steward_tests::stack::{APP_ID, Stack};

pub const PAT: &str = "pat-na1-steward-cli-test";

/// A `steward` command on `dir`, pointed at the stack's simulator.
pub fn steward(stack: &Stack, dir: &Path) -> Command {
    bins::cli_on_stack(Path::new(env!("CARGO_BIN_EXE_steward")), stack, dir, PAT)
}

pub fn ok(output: Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "steward failed: {}\nstdout: {stdout}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// `steward connect` with the private-app token.
pub fn connect(stack: &Stack, dir: &Path) {
    ok(steward(stack, dir)
        .args(["connect", "--app-id", &APP_ID.to_string()])
        .output()
        .unwrap());
}
