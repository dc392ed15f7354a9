//! Webhook → write-back latency (`benches/latency.rs`): the parts worth a unit test.
//!
//! Every timestamp here is milliseconds since the Unix epoch on the one host clock the
//! simulator, the relay and the engine share (each reads `SystemTime`). A human edit's time is
//! the simulator's history timestamp of that edit — the webhook event's `occurredAt`; a
//! write-back's time is the simulator's history timestamp of our first `ai_*` write on the
//! contact after it. The simulator keeps timestamps strictly increasing (a write in an already
//! used millisecond gets the next one), so the contacts of one batch update read up to
//! (batch size − 1) ms late.
//!
//! # Layout
//! - [`log`]: the simulator's write log (`GET /_sim/stats`, bounded to 200,000 writes) read
//!   incrementally; each probed edit paired with its write-back.
//! - [`measure`]: nearest-rank percentiles, HubSpot calls by route, and where each event's time
//!   went, from the relay's and the engine's SQLite files (read once, after the run, so the
//!   measurement does not load the system).
//! - [`report`]: a scenario's figures as the benchmark prints them.

pub mod log;
pub mod measure;
pub mod report;

pub use log::{Sample, WriteLog, parse_iso_ms};
pub use measure::{Stages, Summary, audit_phases, hubspot_calls, stages, summarize};
pub use report::{Report, Sent};
