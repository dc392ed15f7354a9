//! The engine's error type: every message says what went wrong and what the admin can do about it.

use std::path::PathBuf;

/// Errors the engine reports to the desktop shell and the CLI.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(
        "cannot create the data directory {path}: {source}. Check that the folder is writable or pass --data-dir"
    )]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no home directory was found, so there is no default data directory; pass --data-dir")]
    NoHomeDir,
    #[error(
        "cannot open the Steward database at {path}: {source}. Another program may hold it, or the file is damaged"
    )]
    OpenDatabase {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "cannot upgrade the Steward database schema: {0}. Restore a backup or start with a fresh data directory"
    )]
    Migration(#[from] rusqlite_migration::Error),
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    #[error(
        "the setting {key} holds a value this version cannot read ({source}); set it again in Settings"
    )]
    BadSetting {
        key: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot start logging in {path}: {message}")]
    Logging { path: PathBuf, message: String },
    #[error(
        "the engine's {task} stopped on an internal error; nothing queued is lost. Restart Steward, and if it happens again send the log file"
    )]
    TaskFailed { task: &'static str },
}
