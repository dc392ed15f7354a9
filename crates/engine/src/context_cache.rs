//! One [`PipelineContext`] shared by a shell's on-demand actions (approve a review, open a
//! contact, dry run), built on first use and rebuilt only when the settings it is made of
//! change. Rebuilding per click would open a new HTTP pool and, with OAuth, renew the access
//! token every time.

use std::sync::Mutex;

use rusqlite::params;

use crate::connection::{self, ConnectError};
use crate::pipeline::PipelineContext;
use crate::{EngineError, Store};

/// The settings a context is built from; a change to any of them makes the cached one stale.
const INPUTS: [&str; 9] = [
    "connection",
    "hubspot_api_base",
    "llm",
    "prompt",
    "input_properties",
    "field_policies",
    "max_activities",
    "monthly_budget_micros",
    "relay_url",
];

/// The cached context of one data directory.
pub struct ContextCache {
    store: Store,
    cached: Mutex<Option<(String, PipelineContext)>>,
}

impl ContextCache {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            cached: Mutex::new(None),
        }
    }

    /// When the inputs were last written (one short indexed read).
    fn fingerprint(&self) -> Result<String, EngineError> {
        let conn = self.store.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT coalesce(group_concat(key || '@' || updated_at, ','), '') FROM
               (SELECT key, updated_at FROM settings WHERE key IN
                 (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ORDER BY key)",
        )?;
        Ok(stmt.query_row(
            params![
                INPUTS[0], INPUTS[1], INPUTS[2], INPUTS[3], INPUTS[4], INPUTS[5], INPUTS[6],
                INPUTS[7], INPUTS[8]
            ],
            |r| r.get(0),
        )?)
    }

    /// The current context, rebuilt when its settings changed since it was made.
    pub fn get(&self) -> Result<PipelineContext, ConnectError> {
        let fingerprint = self.fingerprint()?;
        let mut cached = self
            .cached
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((fp, ctx)) = cached.as_ref()
            && *fp == fingerprint
        {
            return Ok(ctx.clone());
        }
        let ctx = connection::pipeline_context(&self.store)?;
        *cached = Some((fingerprint, ctx.clone()));
        Ok(ctx)
    }

    /// Forgets the context (a secret in the keyring changed, which settings do not show).
    pub fn invalidate(&self) {
        *self
            .cached
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{self, Settings};

    #[test]
    fn not_connected_is_reported_and_the_fingerprint_follows_settings() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("db")).unwrap();
        let cache = ContextCache::new(store.clone());
        assert!(matches!(cache.get(), Err(ConnectError::NotConnected)));
        let before = cache.fingerprint().unwrap();
        Settings::new(store)
            .set::<settings::MaxActivities>(&3)
            .unwrap();
        let after = cache.fingerprint().unwrap();
        assert_ne!(before, after);
        assert!(after.contains("max_activities@"), "{after}");
    }
}
