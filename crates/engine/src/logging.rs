//! Tracing to the console and to a daily-rotated file in the data dir, so an admin can attach
//! the last few days of logs to a support request. Secrets never reach a log line: they are only
//! ever held in redacting wrapper types.

use std::io::IsTerminal;
use std::path::Path;

use tracing::Subscriber;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::{DefaultFields, Writer};
use tracing_subscriber::fmt::{FormatFields, MakeWriter};
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
    subscriber(
        filter,
        std::io::stderr,
        std::io::stderr().is_terminal(),
        file_writer,
    )
    .try_init()
    .map_err(|e| EngineError::Logging {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    Ok(LogGuard { _file: guard })
}

/// The console layer (colours only on a terminal) and the plain-text file layer.
fn subscriber<C, F>(
    filter: EnvFilter,
    console: C,
    console_colours: bool,
    file: F,
) -> impl Subscriber + Send + Sync
where
    C: for<'w> MakeWriter<'w> + Send + Sync + 'static,
    F: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().with_ansi(console_colours).with_writer(console))
        .with(
            fmt::layer()
                .with_ansi(false)
                .fmt_fields(FileFields::default())
                .with_writer(file),
        )
}

/// The file layer's field formatter. Layers that share a formatter type also share the span
/// fields it formatted first (tracing-subscriber caches them per type in the span), so with
/// `DefaultFields` on both layers the file got the console's colour codes inside span fields.
#[derive(Default)]
struct FileFields(DefaultFields);

impl<'w> FormatFields<'w> for FileFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'w>, fields: R) -> std::fmt::Result {
        self.0.format_fields(writer, fields)
    }
}

#[cfg(test)]
mod tests {
    use hubspot_sim::log_capture::LogCapture;

    use super::*;

    #[test]
    fn the_log_file_has_no_colour_codes_even_when_the_console_has_them() {
        let (console, file) = (LogCapture::default(), LogCapture::default());
        let subscriber = subscriber(EnvFilter::new("info"), console.clone(), true, file.clone());
        tracing::subscriber::with_default(subscriber, || {
            let span =
                tracing::info_span!("round_trip", correlation_id = "c0ffee", contact_id = 42);
            let _entered = span.enter();
            tracing::info!(outcome = "written", "round trip finished");
        });
        let (console, file) = (console.text(), file.text());
        assert!(
            console.contains('\x1b'),
            "the console was asked for colours: {console:?}"
        );
        assert!(
            !file.contains('\x1b'),
            "colour codes in the log file: {file:?}"
        );
        assert!(
            file.contains("round_trip{correlation_id=\"c0ffee\" contact_id=42}"),
            "{file}"
        );
        assert!(
            file.contains("round trip finished outcome=\"written\""),
            "{file}"
        );
    }
}
