//! Batch re-enrichment of a HubSpot list (DESIGN §4): the API the app and `steward enrich` call.
//!
//! A run is a row in `runs`. Its members are paged from HubSpot (≤ 250 a page) by the
//! [`feeder`] and queued as ordinary batch jobs carrying the run's id, a page at a time and
//! only as the queue runs low, with the membership cursor moved in the same transaction. The
//! worker enriches them with the same guard, hash and audit as live events; live work keeps
//! its higher priority. Quitting the app mid-run loses nothing: the cursor and the queued jobs
//! are in SQLite, and the next engine start carries on.
//!
//! The flow for a front end: [`search_lists`] (type-ahead) → [`estimate`] (contacts, tokens,
//! cost; the admin confirms) → [`start_run`] → [`progress`] while it runs, [`pause`] /
//! [`resume`] / [`cancel`] → [`history`] and [`diffs`] afterwards; audit rows carry the run id
//! ([`crate::audit::AuditFilter::run_id`]). After starting or resuming, call
//! [`crate::worker::WorkerSignals::wake_runs`] on the running engine so it starts at once.
//!
//! # Layout
//! - [`lists`]: list search and resolving `NAME|ID` to a list.
//! - [`estimate`]: contacts, LLM tokens and cost before a run starts.
//! - [`control`]: start, pause, resume, cancel.
//! - [`progress`]: a run's totals, rate and ETA; run history; per-contact diffs.
//! - [`feeder`]: the engine task that pages memberships into the job queue.

pub mod control;
pub mod estimate;
pub mod feeder;
pub mod lists;
pub mod progress;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::EngineError;

pub use control::{cancel, pause, resume, start_run, unfinished_run};
pub use estimate::{Estimate, estimate};
pub use lists::{ListSummary, resolve_list, search_lists};
pub use progress::{RunDiff, RunProgress, RunSummary, diffs, history, progress, summary};

/// Where a run is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RunStatus {
    Pending,
    Running,
    Paused,
    Cancelled,
    Completed,
    Failed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Cancelled => "cancelled",
            Self::Completed => "completed",
            Self::Failed => "failed",
        }
    }

    pub(crate) fn parse(s: &str) -> Self {
        match s {
            "pending" => Self::Pending,
            "running" => Self::Running,
            "paused" => Self::Paused,
            "cancelled" => Self::Cancelled,
            "completed" => Self::Completed,
            _ => Self::Failed,
        }
    }

    /// Whether the run is over (nothing of it is queued any more).
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Cancelled | Self::Completed | Self::Failed)
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a run treats its contacts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RunOptions {
    /// Compute everything and keep the diffs; write nothing to HubSpot.
    pub dry_run: bool,
    /// Ignore the input hash (re-ask the LLM even for unchanged contacts). The guard still
    /// applies: a person's newer value is never overwritten.
    pub force: bool,
}

/// Why a batch action could not be done. Messages say what to do next.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error(
        "no HubSpot list is named {0:?}: check the name in HubSpot (Contacts → Lists) or pass the list id"
    )]
    ListNotFound(String),
    #[error(
        "several HubSpot lists are named {name:?} (ids {ids}): pass the id of the one you mean"
    )]
    AmbiguousList { name: String, ids: String },
    #[error(
        "batch run #{id} on the list {list_name:?} is not finished: resume it, or cancel it before starting another"
    )]
    RunInProgress { id: i64, list_name: String },
    #[error("there is no batch run #{0}")]
    NoSuchRun(i64),
    #[error("batch run #{id} is {status}, so it cannot be {action}")]
    BadState {
        id: i64,
        status: RunStatus,
        action: &'static str,
    },
    #[error("HubSpot refused the request: {0}")]
    HubSpot(#[from] hubspot::Error),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl BatchError {
    /// A short code a front end can switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::ListNotFound(_) | Self::AmbiguousList { .. } => "list",
            Self::RunInProgress { .. } | Self::BadState { .. } => "state",
            Self::NoSuchRun(_) => "not_found",
            Self::HubSpot(e) if e.needs_reconnect() => "reconnect",
            Self::HubSpot(_) => "hubspot",
            Self::Engine(_) => "internal",
        }
    }
}

impl From<rusqlite::Error> for BatchError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Engine(e.into())
    }
}
