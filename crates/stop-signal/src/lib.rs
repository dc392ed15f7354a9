//! Ctrl-C and SIGTERM as a request to stop gracefully, for Steward's long-running binaries
//! (`steward run`, `steward-relay`, `hubspot-sim`).
//!
//! `tokio::signal::ctrl_c()` installs its handler on first poll, and a handler installed in a
//! spawned task can come after the process has announced it is ready: a supervisor that stops
//! the process right then gets the default action (killed by the signal, no graceful stop).
//! That happened in CI; three binaries had copied the pattern, so it lives here once.

use std::future::Future;

/// Listens for Ctrl-C and SIGTERM from the moment it is called; the future resolves on the
/// first of them. Call it before printing a ready line or starting work that a stop should
/// let finish.
pub fn stop_signal() -> std::io::Result<impl Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut term = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = term.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_signal_sent_before_anyone_awaits_still_stops() {
        let stopped = stop_signal().expect("signal handlers");
        // Nothing polls `stopped` yet: without eager registration SIGTERM would kill the test.
        let raised = std::process::Command::new("kill")
            .args(["-TERM", &std::process::id().to_string()])
            .status()
            .expect("kill");
        assert!(raised.success());
        tokio::time::timeout(std::time::Duration::from_secs(10), stopped)
            .await
            .expect("the stop was seen");
    }
}
