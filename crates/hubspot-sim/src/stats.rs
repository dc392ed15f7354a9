//! Counters behind `GET /_sim/stats`: what tests assert on instead of timing.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use serde::Serialize;
use serde_json::Value;

use crate::portal::WriteRecord;
use crate::util::lock;

/// At most this many writes are kept; older ones are counted in `writesDropped`.
const MAX_WRITES: usize = 200_000;

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct Inner {
    /// `"<METHOD> <route template>"` → count.
    requests: BTreeMap<String, u64>,
    rate_limited_429: u64,
    faults_5xx: u64,
    llm_calls: u64,
    llm_errors: u64,
    writes: VecDeque<WriteRecord>,
    writes_dropped: u64,
    /// Events delivered (acknowledged with a 2xx).
    webhooks_sent: u64,
    /// HTTP attempts to deliver a batch, retries included.
    webhook_deliveries: u64,
    /// Attempts that failed (error status, timeout, connection refused).
    webhook_failures: u64,
    /// Batches dropped after the last attempt failed.
    webhook_batches_abandoned: u64,
    token_refreshes: u64,
}

/// Shared counters.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    inner: Mutex<Inner>,
}

impl Stats {
    pub(crate) fn request(&self, key: String) {
        *lock(&self.inner).requests.entry(key).or_default() += 1;
    }

    pub(crate) fn rate_limited(&self) {
        lock(&self.inner).rate_limited_429 += 1;
    }

    pub(crate) fn fault_5xx(&self) {
        lock(&self.inner).faults_5xx += 1;
    }

    pub(crate) fn llm_call(&self, failed: bool) {
        let mut s = lock(&self.inner);
        s.llm_calls += 1;
        if failed {
            s.llm_errors += 1;
        }
    }

    pub(crate) fn writes(&self, writes: Vec<WriteRecord>) {
        if writes.is_empty() {
            return;
        }
        let mut s = lock(&self.inner);
        s.writes.extend(writes);
        while s.writes.len() > MAX_WRITES {
            s.writes.pop_front();
            s.writes_dropped += 1;
        }
    }

    /// One delivery attempt of a batch of `events` events.
    pub(crate) fn webhook_attempt(&self, ok: bool, events: usize) {
        let mut s = lock(&self.inner);
        s.webhook_deliveries += 1;
        if ok {
            s.webhooks_sent += events as u64;
        } else {
            s.webhook_failures += 1;
        }
    }

    pub(crate) fn webhook_abandoned(&self) {
        lock(&self.inner).webhook_batches_abandoned += 1;
    }

    pub(crate) fn token_refresh(&self) {
        lock(&self.inner).token_refreshes += 1;
    }

    /// The JSON of `GET /_sim/stats`.
    pub(crate) fn snapshot(&self) -> Value {
        serde_json::to_value(&*lock(&self.inner)).unwrap_or(Value::Null)
    }

    /// Zeroes everything (`POST /_sim/reset-stats`).
    pub(crate) fn reset(&self) {
        *lock(&self.inner) = Inner::default();
    }
}
