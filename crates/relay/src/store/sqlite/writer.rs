//! The single writer thread: group commit for SQLite.
//!
//! Why: with `synchronous=FULL` every commit costs an fsync (~2 ms here). One thread owns the
//! write connection, takes every queued job, runs each inside its own savepoint of one
//! transaction, commits once, and only then answers every job. Under load many webhook
//! requests share one fsync; idle, a job commits at once.

use std::sync::Mutex;
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use crate::store::StoreError;

/// Most jobs in one transaction (bounds the latency of the first job in a group).
const MAX_GROUP: usize = 256;
/// Jobs waiting for the writer before callers wait for room (backpressure).
const QUEUE_DEPTH: usize = 4096;

trait Job: Send {
    /// Runs inside the open transaction; returns what to do once the commit is known.
    fn run(self: Box<Self>, conn: &Connection) -> Box<dyn Completion>;
    /// The transaction could not even start.
    fn fail(self: Box<Self>, err: StoreError);
}

trait Completion: Send {
    fn finish(self: Box<Self>, commit: Result<(), StoreError>);
}

struct Task<F, R> {
    work: F,
    reply: oneshot::Sender<Result<R, StoreError>>,
}

struct Done<R> {
    result: Result<R, StoreError>,
    reply: oneshot::Sender<Result<R, StoreError>>,
}

impl<F, R> Job for Task<F, R>
where
    F: FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
    R: Send + 'static,
{
    fn run(self: Box<Self>, conn: &Connection) -> Box<dyn Completion> {
        let result = in_savepoint(conn, self.work);
        Box::new(Done {
            result,
            reply: self.reply,
        })
    }

    fn fail(self: Box<Self>, err: StoreError) {
        let _ = self.reply.send(Err(err));
    }
}

impl<R: Send> Completion for Done<R> {
    fn finish(self: Box<Self>, commit: Result<(), StoreError>) {
        let out = match (self.result, commit) {
            (Ok(value), Ok(())) => Ok(value),
            (Err(e), _) | (Ok(_), Err(e)) => Err(e),
        };
        // The caller may have gone away (client disconnected): nothing to tell.
        let _ = self.reply.send(out);
    }
}

fn in_savepoint<R>(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> Result<R, StoreError>,
) -> Result<R, StoreError> {
    conn.execute_batch("SAVEPOINT job")?;
    match work(conn) {
        Ok(value) => {
            conn.execute_batch("RELEASE job")?;
            Ok(value)
        }
        Err(e) => {
            conn.execute_batch("ROLLBACK TO job; RELEASE job")?;
            Err(e)
        }
    }
}

/// Handle on the writer thread.
pub struct Writer {
    tx: Mutex<Option<mpsc::Sender<Box<dyn Job>>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    /// Starts the thread that owns `conn`.
    pub fn spawn(conn: Connection) -> Result<Self, StoreError> {
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        let thread = std::thread::Builder::new()
            .name("relay-sqlite-writer".into())
            .spawn(move || writer_loop(&conn, rx))
            .map_err(|e| StoreError::Open(format!("cannot start the writer thread: {e}")))?;
        Ok(Self {
            tx: Mutex::new(Some(tx)),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Runs `work` in the next group transaction; resolves once that transaction committed.
    pub async fn run<F, R>(&self, work: F) -> Result<R, StoreError>
    where
        F: FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
        R: Send + 'static,
    {
        let tx = self
            .tx
            .lock()
            .map_err(|_| StoreError::Closed)?
            .clone()
            .ok_or(StoreError::Closed)?;
        let (reply, answer) = oneshot::channel();
        tx.send(Box::new(Task { work, reply }))
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Lets queued jobs finish, then stops the thread.
    pub async fn close(&self) {
        if let Ok(mut tx) = self.tx.lock() {
            tx.take();
        }
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

fn writer_loop(conn: &Connection, mut rx: mpsc::Receiver<Box<dyn Job>>) {
    let mut group: Vec<Box<dyn Job>> = Vec::with_capacity(MAX_GROUP);
    while let Some(first) = rx.blocking_recv() {
        group.push(first);
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
            let err = StoreError::from(e);
            tracing::error!(error = %err, "cannot begin a SQLite transaction");
            for job in group.drain(..) {
                job.fail(err.clone());
            }
            continue;
        }
        let completions: Vec<_> = group.drain(..).map(|job| job.run(conn)).collect();
        let commit = conn.execute_batch("COMMIT").map_err(|e| {
            let err = StoreError::from(e);
            tracing::error!(error = %err, "SQLite commit failed");
            let _ = conn.execute_batch("ROLLBACK");
            err
        });
        for done in completions {
            done.finish(commit.clone());
        }
    }
    let _ = conn.execute_batch("PRAGMA optimize");
}
