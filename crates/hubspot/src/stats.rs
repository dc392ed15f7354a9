//! Cheap request counters shared by every clone of a client.
//!
//! The batch benchmark reports "HubSpot calls per contact" and "429s received"; the engine
//! shows them in run summaries. Counting is a relaxed atomic add per request.

use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of the counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestStats {
    /// HTTP requests sent (every attempt, including retries and token calls).
    pub requests: u64,
    /// 429 answers received.
    pub rate_limited: u64,
    /// Attempts that were retries (after a 429, 5xx, timeout or renewed token).
    pub retries: u64,
    /// OAuth access-token refreshes performed by this client's token source.
    pub token_refreshes: u64,
}

impl RequestStats {
    /// Counter differences since an earlier snapshot (for per-run figures).
    pub fn since(&self, earlier: &RequestStats) -> RequestStats {
        RequestStats {
            requests: self.requests.saturating_sub(earlier.requests),
            rate_limited: self.rate_limited.saturating_sub(earlier.rate_limited),
            retries: self.retries.saturating_sub(earlier.retries),
            token_refreshes: self.token_refreshes.saturating_sub(earlier.token_refreshes),
        }
    }
}

/// The live counters (token refreshes are counted by the token source).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    requests: AtomicU64,
    rate_limited: AtomicU64,
    retries: AtomicU64,
}

impl Counters {
    pub(crate) fn request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn snapshot(&self) -> RequestStats {
        RequestStats {
            requests: self.requests.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            token_refreshes: 0,
        }
    }
}
