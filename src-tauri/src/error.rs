//! The one error shape every command returns: `{ code, message }`. `code` is a small enum the UI
//! switches on; `message` is for the admin to read.

use serde::Serialize;
use steward_engine::EngineError;
use steward_engine::audit_export::ExportError;
use steward_engine::batch::BatchError;
use steward_engine::connection::ConnectError;
use steward_engine::contact_search::ContactsError;
use steward_engine::pipeline::PipelineError;
use steward_engine::provenance::ProvenanceError;
use steward_engine::review_actions::ReviewError;
use steward_engine::secrets::SecretError;
use steward_engine::settings_api::SettingsError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Something broke (database, disk); retrying may help, the message says what.
    Internal,
    /// Steward is not connected to HubSpot (or the token is gone): the UI offers Connect.
    NotConnected,
    /// The admin's input was refused; the message says what to change.
    Invalid,
    /// The state changed under the admin (a review was resolved or edited again): the UI
    /// reloads instead of retrying.
    Stale,
    /// HubSpot, the LLM or the keyring did not answer or refused; trying later may help.
    Unavailable,
}

#[derive(Debug, Serialize)]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
}

impl CommandError {
    pub fn new(code: ErrorCode, message: impl std::fmt::Display) -> Self {
        let message = message.to_string();
        if code == ErrorCode::Internal {
            tracing::warn!(error = %message, "command failed");
        } else {
            tracing::info!(code = ?code, error = %message, "command refused");
        }
        Self { code, message }
    }
}

impl From<EngineError> for CommandError {
    fn from(err: EngineError) -> Self {
        Self::new(ErrorCode::Internal, err)
    }
}

impl From<SecretError> for CommandError {
    fn from(err: SecretError) -> Self {
        Self::new(ErrorCode::Unavailable, err)
    }
}

impl From<ConnectError> for CommandError {
    fn from(err: ConnectError) -> Self {
        let code = match &err {
            ConnectError::NotConnected | ConnectError::MissingToken(_) => ErrorCode::NotConnected,
            ConnectError::Engine(_) => ErrorCode::Internal,
            ConnectError::Llm(_) => ErrorCode::Invalid,
            _ => ErrorCode::Unavailable,
        };
        Self::new(code, err)
    }
}

impl From<ReviewError> for CommandError {
    fn from(err: ReviewError) -> Self {
        let code = match &err {
            ReviewError::NotFound(_) | ReviewError::NotPending(..) | ReviewError::Stale { .. } => {
                ErrorCode::Stale
            }
            ReviewError::InvalidValue { .. } => ErrorCode::Invalid,
            ReviewError::HubSpot(_) => ErrorCode::Unavailable,
            ReviewError::Engine(_) => ErrorCode::Internal,
        };
        Self::new(code, err)
    }
}

impl From<ProvenanceError> for CommandError {
    fn from(err: ProvenanceError) -> Self {
        let code = match &err {
            ProvenanceError::HubSpot { .. } => ErrorCode::Unavailable,
            ProvenanceError::Engine(_) => ErrorCode::Internal,
        };
        Self::new(code, err)
    }
}

impl From<ContactsError> for CommandError {
    fn from(err: ContactsError) -> Self {
        let code = match &err {
            ContactsError::HubSpot(_) => ErrorCode::Unavailable,
            ContactsError::Engine(_) => ErrorCode::Internal,
        };
        Self::new(code, err)
    }
}

impl From<BatchError> for CommandError {
    fn from(err: BatchError) -> Self {
        let code = match &err {
            BatchError::ListNotFound(_) | BatchError::AmbiguousList { .. } => ErrorCode::Invalid,
            // Another run is unfinished, or this one moved on (finished, paused elsewhere):
            // the screen reloads the run instead of retrying.
            BatchError::RunInProgress { .. }
            | BatchError::BadState { .. }
            | BatchError::NoSuchRun(_) => ErrorCode::Stale,
            BatchError::HubSpot(e) if e.needs_reconnect() => ErrorCode::NotConnected,
            BatchError::HubSpot(_) => ErrorCode::Unavailable,
            BatchError::Engine(_) => ErrorCode::Internal,
        };
        Self::new(code, err)
    }
}

impl From<ExportError> for CommandError {
    fn from(err: ExportError) -> Self {
        Self::new(ErrorCode::Internal, err)
    }
}

impl From<PipelineError> for CommandError {
    fn from(err: PipelineError) -> Self {
        Self::new(ErrorCode::Internal, err)
    }
}

impl From<SettingsError> for CommandError {
    fn from(err: SettingsError) -> Self {
        let code = match &err {
            SettingsError::Engine(_) => ErrorCode::Internal,
            _ => ErrorCode::Invalid,
        };
        Self::new(code, err)
    }
}

impl From<tauri::Error> for CommandError {
    fn from(err: tauri::Error) -> Self {
        Self::new(ErrorCode::Internal, err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_code_and_message() {
        let e = CommandError::from(ReviewError::NotPending(7, "approved"));
        assert_eq!(e.code, ErrorCode::Stale);
        let v = serde_json::to_value(&e).unwrap_or_default();
        assert_eq!(v["code"], "stale");
        assert!(
            v["message"]
                .as_str()
                .unwrap_or_default()
                .contains("review 7")
        );
        let n = CommandError::from(ConnectError::NotConnected);
        assert_eq!(n.code, ErrorCode::NotConnected);
    }
}
