//! The real binary stops gracefully on SIGTERM however early it comes.

use crate::binary::RelayProcess;

/// A supervisor may stop the relay the moment it has read the address: that is a graceful
/// stop too (the handler is listening before the line is printed), never the default kill.
#[tokio::test]
async fn a_sigterm_right_after_the_address_line_is_a_graceful_stop() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..10 {
        let db = format!("sqlite:{}", dir.path().join(format!("r{i}.db")).display());
        let relay = RelayProcess::spawn(&[("RELAY_DATABASE_URL", db)]).await;
        let status = relay.terminate().await;
        assert!(status.success(), "stop {i}: {status:?}");
    }
}
