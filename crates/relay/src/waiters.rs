//! Per-portal wake-ups for long-polls.
//!
//! Why: a long-poll must return within milliseconds of an event arriving, and idle long-polls
//! must cost nothing. Each waiting lease parks on its portal's [`Notify`]; ingest, nack and
//! redrive (and, with PostgreSQL, other instances through LISTEN/NOTIFY) wake it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

/// The registry of per-portal notifiers.
#[derive(Debug, Default)]
pub struct Waiters {
    map: Mutex<HashMap<i64, Arc<Notify>>>,
}

impl Waiters {
    /// The portal's notifier (created on first use; one per portal that ever long-polled).
    pub fn for_portal(&self, portal_id: i64) -> Arc<Notify> {
        match self.map.lock() {
            Ok(mut map) => Arc::clone(map.entry(portal_id).or_default()),
            // A poisoned map only means a panic elsewhere; a fresh notifier still works
            // (the waiter falls back to its timeout).
            Err(_) => Arc::new(Notify::new()),
        }
    }

    /// Wakes every long-poll of `portal_id`.
    pub fn wake(&self, portal_id: i64) {
        let notify = self
            .map
            .lock()
            .ok()
            .and_then(|m| m.get(&portal_id).cloned());
        if let Some(n) = notify {
            n.notify_waiters();
        }
    }

    /// Wakes every long-poll of every portal (after a lost PostgreSQL notification channel).
    pub fn wake_all(&self) {
        let all: Vec<_> = self
            .map
            .lock()
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default();
        for n in all {
            n.notify_waiters();
        }
    }
}
