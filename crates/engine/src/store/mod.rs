//! The single SQLite file behind the engine: opened with the pragmas Steward relies on (WAL,
//! foreign keys, full fsync on commit) and upgraded by versioned migrations on every open.

mod migrations;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;

use crate::EngineError;

/// A handle to the engine database. Cloning is cheap; clones share one writer connection, so
/// writes are serialised in-process while WAL lets readers in other processes (the CLI) proceed.
#[derive(Clone, Debug)]
pub struct Store {
    path: PathBuf,
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    /// Opens (creating when missing) the database at `path` and applies pending migrations.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, EngineError> {
        let path = path.as_ref().to_path_buf();
        let mut conn = Connection::open(&path).map_err(|source| EngineError::OpenDatabase {
            path: path.clone(),
            source,
        })?;
        configure(&conn).map_err(|source| EngineError::OpenDatabase {
            path: path.clone(),
            source,
        })?;
        migrations::apply(&mut conn)?;
        Ok(Self {
            path,
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The shared connection. A panic while it was held poisons the mutex; the connection itself
    /// is still consistent (SQLite rolled back the open transaction), so recover it.
    pub fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The schema version (`PRAGMA user_version`), shown in Settings for support.
    pub fn schema_version(&self) -> Result<i64, EngineError> {
        Ok(self
            .conn()
            .query_row("PRAGMA user_version", [], |row| row.get(0))?)
    }

    /// The newest schema version this build knows.
    pub fn latest_schema_version() -> i64 {
        migrations::latest_version()
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // WAL: the CLI can read while the app writes. FULL: a commit is on disk before we ack an
    // event to the relay or report a write as done.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_on_an_empty_database_and_reopen_idempotently() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("db.sqlite3");
        let store = Store::open(&path).unwrap();
        assert_eq!(
            store.schema_version().unwrap(),
            Store::latest_schema_version()
        );
        store
            .conn()
            .execute(
                "INSERT INTO settings (key, value, updated_at) VALUES ('k', '1', 0)",
                [],
            )
            .unwrap();
        drop(store);

        let reopened = Store::open(&path).unwrap();
        assert_eq!(
            reopened.schema_version().unwrap(),
            Store::latest_schema_version()
        );
        let kept: String = reopened
            .conn()
            .query_row("SELECT value FROM settings WHERE key = 'k'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(kept, "1", "reopening must not reset data");
    }

    #[test]
    fn pragmas_are_on() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("db.sqlite3")).unwrap();
        let conn = store.conn();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        let fk: i64 = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        let sync: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(fk, 1);
        assert_eq!(sync, 2, "synchronous=FULL");
    }

    #[test]
    fn a_newer_database_is_refused_with_a_clear_error() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("db.sqlite3");
        drop(Store::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 9_999).unwrap();
        drop(conn);
        let err = Store::open(&path).unwrap_err();
        assert!(
            err.to_string()
                .contains("cannot upgrade the Steward database schema"),
            "{err}"
        );
    }

    #[test]
    fn a_file_that_is_not_sqlite_is_refused_and_left_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("db.sqlite3");
        std::fs::write(&path, b"not a database at all, just some bytes....").unwrap();
        let err = Store::open(&path).unwrap_err();
        assert!(err.to_string().contains("Steward database"), "{err}");
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"not a database at all, just some bytes....",
            "nothing lost"
        );
    }
}
