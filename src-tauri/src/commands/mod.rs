//! Tauri commands: glue only, one file per screen or area. If a command grows past a few lines,
//! the logic belongs in `steward-engine`.

pub mod activity;
pub mod batch;
pub mod connect;
pub mod contacts;
pub mod reviews;
pub mod sandbox;
pub mod settings;
pub mod status;
