//! Integration tests: every behaviour over real HTTP against a simulator on 127.0.0.1:0.

// Test helpers outside `#[test]` functions may panic on broken setup too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod auth;
mod batch;
mod binary;
mod history;
mod hooks;
mod llm;
mod oauth;
mod properties;
mod ratelimit;
mod reads;
mod record;
mod search;
mod webhooks;
