//! One [`PipelineContext`] shared by a shell's on-demand actions (approve a review, open a
//! contact, dry run), built on first use and rebuilt only when the settings it is made of
//! change. Rebuilding per click would open a new HTTP pool and, with OAuth, renew the access
//! token every time.
//!
//! A shell that runs the sandbox points the cache at the sandbox's ready-made context with
//! [`ContextCache::use_fixed`], and back at the real store with [`ContextCache::use_store`].

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

/// Where contexts come from.
enum Source {
    /// Built from a store's settings and the keyring; cached with the settings' fingerprint.
    Stored {
        store: Store,
        cached: Option<(String, PipelineContext)>,
    },
    /// Made elsewhere (the sandbox's simulated portal), handed out as is.
    Fixed(PipelineContext),
}

/// The cached context of the portal the shell shows.
pub struct ContextCache {
    source: Mutex<Source>,
}

impl ContextCache {
    pub fn new(store: Store) -> Self {
        Self {
            source: Mutex::new(Source::Stored {
                store,
                cached: None,
            }),
        }
    }

    /// Hands out `context` until [`Self::use_store`] (the sandbox runs).
    pub fn use_fixed(&self, context: PipelineContext) {
        *self.lock() = Source::Fixed(context);
    }

    /// Builds contexts from `store` again (the real portal).
    pub fn use_store(&self, store: Store) {
        *self.lock() = Source::Stored {
            store,
            cached: None,
        };
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Source> {
        self.source
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// When the inputs were last written (one short indexed read).
    fn fingerprint(store: &Store) -> Result<String, EngineError> {
        let conn = store.conn();
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
        let mut source = self.lock();
        let (store, cached) = match &mut *source {
            Source::Fixed(ctx) => return Ok(ctx.clone()),
            Source::Stored { store, cached } => (store, cached),
        };
        let fingerprint = Self::fingerprint(store)?;
        if let Some((fp, ctx)) = cached.as_ref()
            && *fp == fingerprint
        {
            return Ok(ctx.clone());
        }
        let ctx = connection::pipeline_context(store)?;
        *cached = Some((fingerprint, ctx.clone()));
        Ok(ctx)
    }

    /// Forgets the context (a secret in the keyring changed, which settings do not show).
    pub fn invalidate(&self) {
        if let Source::Stored { cached, .. } = &mut *self.lock() {
            *cached = None;
        }
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
        let before = ContextCache::fingerprint(&store).unwrap();
        Settings::new(store.clone())
            .set::<settings::MaxActivities>(&3)
            .unwrap();
        let after = ContextCache::fingerprint(&store).unwrap();
        assert_ne!(before, after);
        assert!(after.contains("max_activities@"), "{after}");
    }
}
