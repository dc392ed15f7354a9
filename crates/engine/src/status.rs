//! What every screen renders its state from. These types cross into the front end; ts-rs writes
//! their TypeScript twins into `ui/src/bindings` when the tests run, so the two never drift.

use serde::Serialize;
use ts_rs::TS;

use crate::{DataDir, EngineError, Store};

/// Whether the app talks to a real HubSpot portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export)]
pub enum ConnectionState {
    NotConnected,
    Connected {
        #[ts(type = "number")]
        portal_id: u64,
        domain: String,
    },
}

/// Counts for the navigation badges and the empty states of Reviews, Activity and Batch runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Overview {
    #[ts(type = "number")]
    pub pending_reviews: u64,
    #[ts(type = "number")]
    pub audit_rows: u64,
    #[ts(type = "number")]
    pub batch_runs: u64,
    #[ts(type = "number")]
    pub contacts_enriched: u64,
    #[ts(type = "number")]
    pub queued_jobs: u64,
}

/// The facts an admin needs for support: version, where the files are, the schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AppStatus {
    pub version: String,
    pub data_dir: String,
    pub database: String,
    pub log_dir: String,
    #[ts(type = "number")]
    pub schema_version: i64,
    pub connection: ConnectionState,
    pub overview: Overview,
}

impl AppStatus {
    pub fn read(dir: &DataDir, store: &Store) -> Result<Self, EngineError> {
        Ok(Self {
            version: crate::VERSION.to_owned(),
            data_dir: dir.root().display().to_string(),
            database: store.path().display().to_string(),
            log_dir: dir.logs().display().to_string(),
            schema_version: store.schema_version()?,
            connection: ConnectionState::read(store)?,
            overview: Overview::read(store)?,
        })
    }
}

impl ConnectionState {
    /// From the stored connection (`steward connect` or Connect in the app).
    pub fn read(store: &Store) -> Result<Self, EngineError> {
        let settings = crate::Settings::new(store.clone());
        Ok(match settings.get::<crate::connection::Connection>()? {
            None => Self::NotConnected,
            Some(info) => Self::Connected {
                portal_id: info.portal_id,
                domain: info.ui_domain.unwrap_or_default(),
            },
        })
    }
}

impl Overview {
    pub fn read(store: &Store) -> Result<Self, EngineError> {
        let conn = store.conn();
        let count = |sql: &str| -> Result<u64, EngineError> {
            let n: i64 = conn.query_row(sql, [], |row| row.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        };
        Ok(Self {
            pending_reviews: count("SELECT count(*) FROM reviews WHERE status = 'pending'")?,
            audit_rows: count("SELECT count(*) FROM audit")?,
            batch_runs: count("SELECT count(*) FROM runs")?,
            contacts_enriched: count(
                "SELECT count(DISTINCT contact_id) FROM audit WHERE outcome IN ('written','approved')",
            )?,
            queued_jobs: count("SELECT count(*) FROM jobs WHERE status IN ('queued','running')")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_data_dir_reads_as_not_connected_and_empty() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::at(tmp.path()).unwrap();
        let store = Store::open(dir.database()).unwrap();
        let status = AppStatus::read(&dir, &store).unwrap();
        assert_eq!(status.connection, ConnectionState::NotConnected);
        assert_eq!(status.overview, Overview::default());
        assert_eq!(status.version, crate::VERSION);
        assert!(status.database.ends_with("steward.sqlite3"));
    }
}
