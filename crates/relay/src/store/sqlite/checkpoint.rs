//! WAL checkpoints off the write path.
//!
//! Why: SQLite's automatic checkpoint runs inside the committing connection — here the single
//! writer — and fsyncs the database file, stalling every webhook waiting on that group commit.
//! The writer turns auto-checkpointing off and this thread runs a PASSIVE checkpoint (which
//! never blocks the writer) on its own connection twice a second.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

use crate::store::StoreError;

const INTERVAL: Duration = Duration::from_millis(500);

/// The checkpoint thread; stops when dropped via [`Checkpointer::stop`].
pub struct Checkpointer {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

impl Checkpointer {
    /// Starts checkpointing through `conn`.
    pub fn spawn(conn: Connection) -> Result<Self, StoreError> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("relay-sqlite-checkpoint".into())
            .spawn(move || {
                loop {
                    match stopped.recv_timeout(INTERVAL) {
                        Err(RecvTimeoutError::Timeout) => {
                            if let Err(e) =
                                conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                            {
                                tracing::warn!(error = %e, "WAL checkpoint failed");
                            }
                        }
                        Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
            })
            .map_err(|e| StoreError::Open(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Self { stop, thread })
    }

    /// Stops the thread and waits for it (blocking; call from a blocking context).
    pub fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.thread.join();
    }
}
