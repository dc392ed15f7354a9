//! The one error shape every command returns: `{ code, message }`. `code` is a small enum the UI
//! switches on; `message` is for the admin to read.

use serde::Serialize;
use steward_engine::EngineError;

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Something broke (database, disk); retrying may help, the message says what.
    Internal,
}

#[derive(Debug, Serialize)]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
}

impl From<EngineError> for CommandError {
    fn from(err: EngineError) -> Self {
        tracing::warn!(error = %err, "command failed");
        Self {
            code: ErrorCode::Internal,
            message: err.to_string(),
        }
    }
}
