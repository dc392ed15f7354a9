//! Per-portal request pacing.
//!
//! HubSpot allows an OAuth app 110 requests per rolling 10 s per portal. The pacer spaces
//! requests evenly at `floor(max × safety_margin)` per interval (a governor GCRA limiter with
//! a burst of one, so no window of that length ever holds more), and learns the real limit
//! from `X-HubSpot-RateLimit-Max/-Interval-Milliseconds`. When `-Remaining` gets low (someone
//! else spends the same budget) or a 429 arrives, every caller sharing the pacer waits until
//! the interval has passed. Clone it to share it; one per portal.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

mod limit;

pub use limit::RateLimit;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Rate-limit headers of one answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RateHeaders {
    pub(crate) max: Option<u32>,
    pub(crate) remaining: Option<u32>,
    pub(crate) interval: Option<Duration>,
}

impl RateHeaders {
    pub(crate) fn from_headers(h: &reqwest::header::HeaderMap) -> Self {
        let num = |name: &str| h.get(name)?.to_str().ok()?.trim().parse::<u64>().ok();
        Self {
            max: num("x-hubspot-ratelimit-max").and_then(|v| u32::try_from(v).ok()),
            remaining: num("x-hubspot-ratelimit-remaining").and_then(|v| u32::try_from(v).ok()),
            interval: num("x-hubspot-ratelimit-interval-milliseconds")
                .filter(|ms| *ms > 0)
                .map(Duration::from_millis),
        }
    }
}

/// Shared per-portal pacer. Cheap to clone.
#[derive(Clone)]
pub struct Pacer {
    inner: Arc<Inner>,
}

struct Inner {
    margin: f64,
    state: Mutex<State>,
    /// Wakes callers waiting on a replaced limiter so they queue on the new one.
    changed: Notify,
}

struct State {
    limit: RateLimit,
    limiter: Arc<DefaultDirectRateLimiter>,
    pause_until: Option<Instant>,
}

impl fmt::Debug for Pacer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pacer")
            .field("limit", &self.limit())
            .field("margin", &self.inner.margin)
            .finish()
    }
}

impl Pacer {
    /// A pacer for `limit`, using `margin` (0 < margin ≤ 1, e.g. 0.9) of it.
    pub fn new(limit: RateLimit, margin: f64) -> Self {
        let margin = if margin.is_finite() && margin > 0.0 {
            margin.min(1.0)
        } else {
            0.9
        };
        let limiter = Arc::new(build_limiter(limit, margin));
        Self {
            inner: Arc::new(Inner {
                margin,
                state: Mutex::new(State {
                    limit,
                    limiter,
                    pause_until: None,
                }),
                changed: Notify::new(),
            }),
        }
    }

    /// The limit currently assumed (learnt from HubSpot's headers once any arrived).
    pub fn limit(&self) -> RateLimit {
        self.lock().limit
    }

    /// Requests per interval the pacer actually lets through.
    pub fn paced_max(&self) -> u32 {
        paced_max(self.lock().limit, self.inner.margin)
    }

    /// Waits until a request may be sent.
    ///
    /// A slot counts only if, once granted, no pause is in force and the limit did not
    /// change meanwhile; otherwise the caller queues again, so a learnt limit or a pause
    /// applies at once to callers already waiting (no burst when a pause ends).
    pub async fn acquire(&self) {
        loop {
            // Register for "limiter replaced" before reading the state, so no change is missed.
            let changed = self.inner.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let (limiter, pause) = {
                let s = self.lock();
                (Arc::clone(&s.limiter), s.pause_until)
            };
            if let Some(until) = pause.filter(|u| *u > Instant::now()) {
                tokio::time::sleep_until(until).await;
                continue;
            }
            tokio::select! {
                () = limiter.until_ready() => {}
                () = &mut changed => continue,
            }
            let s = self.lock();
            let paused = s.pause_until.is_some_and(|u| u > Instant::now());
            if !paused && Arc::ptr_eq(&limiter, &s.limiter) {
                return;
            }
        }
    }

    /// Makes every caller wait at least `wait` before the next request.
    pub fn pause_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut s = self.lock();
        if s.pause_until.is_none_or(|u| u < until) {
            s.pause_until = Some(until);
        }
    }

    /// The interval of the current limit (how long a 429 without `Retry-After` waits).
    pub fn interval(&self) -> Duration {
        self.lock().limit.per
    }

    /// Learns from an answer's rate-limit headers.
    pub(crate) fn observe(&self, h: RateHeaders) {
        let mut s = self.lock();
        if let (Some(max), Some(per)) = (h.max, h.interval)
            && max > 0
            && (max != s.limit.max || per != s.limit.per)
        {
            let limit = RateLimit { max, per };
            tracing::debug!(%limit, "HubSpot reports a different rate limit; re-pacing");
            s.limit = limit;
            s.limiter = Arc::new(build_limiter(limit, self.inner.margin));
            self.inner.changed.notify_waiters();
        }
        if let Some(remaining) = h.remaining {
            let max = s.limit.max;
            // Our own pacing lets at most `paced + 1` requests into one window, so HubSpot
            // reports at least `max - paced - 1` remaining while we are alone. Pause only when
            // the budget drops well below that (someone else spends it) or is gone.
            let own_floor = max.saturating_sub(paced_max(s.limit, self.inner.margin) + 1);
            let low_water = own_floor / 2;
            if remaining <= low_water {
                let until = Instant::now() + s.limit.per;
                tracing::debug!(
                    remaining,
                    max,
                    "HubSpot rate budget nearly spent; pausing one interval"
                );
                if s.pause_until.is_none_or(|u| u < until) {
                    s.pause_until = Some(until);
                }
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked (plain field writes).
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for Pacer {
    fn default() -> Self {
        Self::new(RateLimit::default(), 0.9)
    }
}

fn paced_max(limit: RateLimit, margin: f64) -> u32 {
    let scaled = (f64::from(limit.max) * margin).floor();
    // `scaled` is within 0..=u32::MAX because margin ≤ 1.
    (scaled as u32).max(1)
}

fn build_limiter(limit: RateLimit, margin: f64) -> DefaultDirectRateLimiter {
    let n = paced_max(limit, margin);
    let period = (limit.per / n).max(Duration::from_nanos(1));
    let quota = Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::MIN);
    RateLimiter::direct(quota)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_applies() {
        let p = Pacer::new(RateLimit::HUBSPOT_OAUTH, 0.9);
        assert_eq!(p.paced_max(), 99);
        let p = Pacer::new(
            RateLimit {
                max: 1,
                per: Duration::from_secs(1),
            },
            0.5,
        );
        assert_eq!(p.paced_max(), 1);
    }

    #[test]
    fn learns_limit_from_headers() {
        let p = Pacer::new(RateLimit::HUBSPOT_OAUTH, 0.9);
        p.observe(RateHeaders {
            max: Some(20),
            remaining: Some(19),
            interval: Some(Duration::from_secs(1)),
        });
        assert_eq!(
            p.limit(),
            RateLimit {
                max: 20,
                per: Duration::from_secs(1)
            }
        );
        assert_eq!(p.paced_max(), 18);
    }

    #[tokio::test]
    async fn paces_requests_evenly() {
        // 20/1s at margin 1.0 → one every 50 ms; 11 acquisitions take ≥ 500 ms.
        let p = Pacer::new(
            RateLimit {
                max: 20,
                per: Duration::from_secs(1),
            },
            1.0,
        );
        let start = std::time::Instant::now();
        for _ in 0..11 {
            p.acquire().await;
        }
        assert!(
            start.elapsed() >= Duration::from_millis(450),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn own_pacing_does_not_trigger_a_pause() {
        // 20/1s at 0.9 → 18 paced; 19 can land in one window, leaving 1: no pause.
        let p = Pacer::new(
            RateLimit {
                max: 20,
                per: Duration::from_secs(1),
            },
            0.9,
        );
        p.observe(RateHeaders {
            max: Some(20),
            remaining: Some(1),
            interval: Some(Duration::from_secs(1)),
        });
        assert!(p.lock().pause_until.is_none());
        p.observe(RateHeaders {
            max: Some(20),
            remaining: Some(0),
            interval: Some(Duration::from_secs(1)),
        });
        assert!(p.lock().pause_until.is_some());
    }

    #[tokio::test]
    async fn waiters_move_to_a_learnt_faster_limit_at_once() {
        // Starts at 1 per second; 10 waiters would need ~9 s. After learning 100/s they
        // finish in well under a second.
        let p = Pacer::new(
            RateLimit {
                max: 1,
                per: Duration::from_secs(1),
            },
            1.0,
        );
        p.acquire().await;
        let waiters: Vec<_> = (0..10)
            .map(|_| {
                let p = p.clone();
                tokio::spawn(async move { p.acquire().await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(50)).await;
        p.observe(RateHeaders {
            max: Some(100),
            remaining: Some(99),
            interval: Some(Duration::from_secs(1)),
        });
        let start = std::time::Instant::now();
        for w in waiters {
            w.await.unwrap();
        }
        assert!(
            start.elapsed() < Duration::from_millis(900),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test]
    async fn low_remaining_pauses_everyone() {
        let p = Pacer::new(
            RateLimit {
                max: 100,
                per: Duration::from_millis(300),
            },
            0.9,
        );
        p.observe(RateHeaders {
            max: Some(100),
            remaining: Some(2),
            interval: Some(Duration::from_millis(300)),
        });
        let start = std::time::Instant::now();
        p.acquire().await;
        assert!(
            start.elapsed() >= Duration::from_millis(250),
            "{:?}",
            start.elapsed()
        );
    }
}
