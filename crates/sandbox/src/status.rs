//! What the app's banner and `steward sandbox` show about the sandbox.

use serde::Serialize;
use ts_rs::TS;

/// The running sandbox: its simulated portal and where its pieces listen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SandboxInfo {
    #[ts(type = "number")]
    pub portal_id: u64,
    pub hubspot_url: String,
    pub relay_url: String,
    #[ts(type = "number")]
    pub contacts: u64,
    pub data_dir: String,
}

/// Where the app's sandbox is in its life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SandboxState {
    /// A real portal is connected (or the sandbox is switched off): screens show real data.
    #[default]
    Off,
    /// Seeding the simulated portal and connecting to it.
    Starting,
    /// Screens show the simulated portal.
    Running,
    /// It could not start; `problem` says why.
    Failed,
}

/// The sandbox as the app's frame shows it: the banner, and which data the screens show.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SandboxStatus {
    pub state: SandboxState,
    pub info: Option<SandboxInfo>,
    pub problem: Option<String>,
}
