//! Retry policy: jittered exponential backoff (backon) for 5xx and timeouts, bounded waits
//! for short-term 429s. 4xx answers are never retried blindly.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

/// How hard the client tries before giving up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts for 5xx answers and transport errors, including the first (default 5).
    pub max_attempts: u32,
    /// First backoff delay (default 250 ms); doubles each time, with jitter.
    pub min_delay: Duration,
    /// Cap of one backoff delay (default 8 s).
    pub max_delay: Duration,
    /// Extra attempts allowed after short-term 429s (default 8). Each waits out the limit.
    pub max_rate_limit_retries: u32,
    /// Longest single wait after a 429, whatever `Retry-After` says (default 60 s).
    pub max_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            min_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            max_rate_limit_retries: 8,
            max_rate_limit_wait: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Delays between attempts for 5xx/transport failures (`max_attempts - 1` of them).
    pub(crate) fn backoff(&self) -> impl Iterator<Item = Duration> + use<> {
        ExponentialBuilder::default()
            .with_jitter()
            .with_factor(2.0)
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_attempts.saturating_sub(1) as usize)
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_and_capped() {
        let policy = RetryPolicy {
            max_attempts: 5,
            ..RetryPolicy::default()
        };
        let delays: Vec<_> = policy.backoff().collect();
        assert_eq!(delays.len(), 4);
        // Jitter adds up to one extra delay, so the cap is 2 × max_delay.
        assert!(delays.iter().all(|d| *d <= policy.max_delay * 2));
        assert!(delays[0] >= policy.min_delay);
    }
}
