//! SQLite backend: one writer thread with group commit, one reader connection (WAL).
//!
//! For a single relay instance. Layout: `schema` (DDL and pragmas), `writer` (the group-commit
//! thread), `queries` (the SQL of each operation).

mod checkpoint;
mod queries;
mod schema;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use crate::clock::Millis;
use crate::store::{
    CleanupReport, DeadRow, IngestReport, LeaseOutcome, LeaseParams, NewEvent, PortalStats,
    QueueStore, Receipt, ReceiptOutcome, Retention, StoreError,
};
use checkpoint::Checkpointer;
use writer::Writer;

/// The SQLite implementation of [`QueueStore`]. Cheap to clone.
#[derive(Clone)]
pub struct SqliteStore {
    writer: Arc<Writer>,
    reader: Arc<Mutex<Connection>>,
    checkpointer: Arc<Mutex<Option<Checkpointer>>>,
    path: Arc<PathBuf>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and starts its writer thread.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let p = path.clone();
        let (write, read, checkpoint) = tokio::task::spawn_blocking(move || open_connections(&p))
            .await
            .map_err(|e| StoreError::Open(e.to_string()))??;
        Ok(Self {
            writer: Arc::new(Writer::spawn(write)?),
            reader: Arc::new(Mutex::new(read)),
            checkpointer: Arc::new(Mutex::new(Some(Checkpointer::spawn(checkpoint)?))),
            path: Arc::new(path),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn read<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
        R: Send + 'static,
    {
        let reader = Arc::clone(&self.reader);
        tokio::task::spawn_blocking(move || {
            let conn = reader.lock().map_err(|_| StoreError::Closed)?;
            f(&conn)
        })
        .await
        .map_err(|e| StoreError::Sqlite(e.to_string()))?
    }
}

fn open_connections(path: &Path) -> Result<(Connection, Connection, Connection), StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Open(format!("cannot create directory {}: {e}", dir.display()))
        })?;
    }
    let open = |path: &Path| {
        Connection::open(path).map_err(|e| StoreError::Open(format!("{}: {e}", path.display())))
    };
    let write = open(path)?;
    schema::configure(&write)?;
    schema::migrate(&write)?;
    // Checkpoints run on their own thread (see `checkpoint`), not inside the writer's commits.
    write.pragma_update(None, "wal_autocheckpoint", 0)?;
    let read = open(path)?;
    schema::configure(&read)?;
    let checkpoint = open(path)?;
    schema::configure(&checkpoint)?;
    Ok((write, read, checkpoint))
}

impl QueueStore for SqliteStore {
    async fn ingest(&self, events: Vec<NewEvent>, now: Millis) -> Result<IngestReport, StoreError> {
        self.writer
            .run(move |c| queries::ingest(c, &events, now))
            .await
    }

    async fn lease(&self, params: LeaseParams) -> Result<LeaseOutcome, StoreError> {
        self.writer.run(move |c| queries::lease(c, &params)).await
    }

    async fn ack(
        &self,
        portal_id: i64,
        receipts: Vec<Receipt>,
        now: Millis,
    ) -> Result<ReceiptOutcome, StoreError> {
        self.writer
            .run(move |c| queries::settle(c, portal_id, &receipts, now, None))
            .await
    }

    async fn nack(
        &self,
        portal_id: i64,
        receipts: Vec<Receipt>,
        visible_at: Millis,
    ) -> Result<ReceiptOutcome, StoreError> {
        self.writer
            .run(move |c| queries::settle(c, portal_id, &receipts, visible_at, Some(visible_at)))
            .await
    }

    async fn dead_letters(
        &self,
        portal_id: i64,
        after: i64,
        limit: u32,
    ) -> Result<Vec<DeadRow>, StoreError> {
        self.read(move |c| queries::dead_letters(c, portal_id, after, limit))
            .await
    }

    async fn redrive(
        &self,
        portal_id: i64,
        ids: Option<Vec<i64>>,
        now: Millis,
    ) -> Result<u64, StoreError> {
        self.writer
            .run(move |c| queries::redrive(c, portal_id, ids.as_deref(), now))
            .await
    }

    async fn put_oauth_state(
        &self,
        state_hash: [u8; 32],
        code_challenge: String,
        expires_at: Millis,
    ) -> Result<(), StoreError> {
        self.writer
            .run(move |c| queries::put_state(c, &state_hash, &code_challenge, expires_at))
            .await
    }

    async fn take_oauth_state(
        &self,
        state_hash: [u8; 32],
        now: Millis,
    ) -> Result<Option<String>, StoreError> {
        self.writer
            .run(move |c| queries::take_state(c, &state_hash, now))
            .await
    }

    async fn cleanup(
        &self,
        now: Millis,
        retention: Retention,
    ) -> Result<CleanupReport, StoreError> {
        let mut total = CleanupReport::default();
        loop {
            let r = self
                .writer
                .run(move |c| queries::cleanup_chunk(c, now, retention))
                .await?;
            total.expired_events += r.expired_events;
            total.tombstones += r.tombstones;
            total.oauth_states += r.oauth_states;
            let chunk = queries::CLEANUP_CHUNK as u64;
            if r.expired_events < chunk && r.tombstones < chunk {
                return Ok(total);
            }
        }
    }

    async fn stats(&self, now: Millis) -> Result<Vec<PortalStats>, StoreError> {
        self.read(move |c| queries::stats(c, now)).await
    }

    async fn health(&self) -> Result<(), StoreError> {
        self.writer.run(|_| Ok(())).await
    }

    async fn close(&self) {
        self.writer.close().await;
        let checkpointer = self.checkpointer.lock().ok().and_then(|mut c| c.take());
        if let Some(c) = checkpointer {
            let _ = tokio::task::spawn_blocking(move || c.stop()).await;
        }
    }
}
