//! Tracing to the console and to a daily-rotated file in the data dir, so an admin can attach
//! the last few days of logs to a support request. Secrets never reach a log line: they are only
//! ever held in redacting wrapper types.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::{EnvFilter, fmt, layer::SubscriberExt, util::SubscriberInitExt};

use crate::EngineError;

/// How many daily log files are kept before the oldest is deleted.
pub const KEPT_LOG_FILES: usize = 14;

/// Keeps the file writer alive; logs written after it drops may be lost, so hold it for the
/// life of the process.
#[must_use = "dropping the guard stops file logging"]
pub struct LogGuard {
    _file: WorkerGuard,
}

/// Installs the global subscriber: `RUST_LOG`-style filter (default `info`), human-readable on
/// stderr, and the same events in `dir/steward.log.YYYY-MM-DD`.
pub fn init(dir: &Path) -> Result<LogGuard, EngineError> {
    std::fs::create_dir_all(dir).map_err(|e| EngineError::Logging {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    let appender = Builder::new()
        .rotation(Rotation::DAILY)
        .filename_prefix("steward.log")
        .max_log_files(KEPT_LOG_FILES)
        .build(dir)
        .map_err(|e| EngineError::Logging {
            path: dir.to_path_buf(),
            message: e.to_string(),
        })?;
    let (file_writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().with_writer(std::io::stderr))
        .with(fmt::layer().with_ansi(false).with_writer(file_writer))
        .try_init()
        .map_err(|e| EngineError::Logging {
            path: dir.to_path_buf(),
            message: e.to_string(),
        })?;
    Ok(LogGuard { _file: guard })
}
