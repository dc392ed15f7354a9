//! Integration tests of the HubSpot client against the in-process simulator, over real HTTP.

// Helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod account;
mod associations;
mod contacts;
mod lists;
mod oauth;
mod properties;
mod rate_limits;
mod retries;
mod search;
mod support;
mod tokens;
