//! Per-portal request pacing.
//!
//! HubSpot allows an OAuth app 110 requests per rolling 10 s per portal. The pacer keeps the
//! send times of the last interval ([`window::SendLog`]) and lets a request go while fewer than
//! `floor(max × safety_margin)` were sent in it: a lone live event's calls go out at once, a long
//! batch still never puts more than that budget into any window. It learns the real limit from
//! `X-HubSpot-RateLimit-Max/-Interval-Milliseconds`. When `-Remaining` gets low (someone else
//! spends the same budget) or a 429 arrives, every caller sharing the pacer waits, then resumes
//! at the steady pace for one interval. Clone it to share it; one per portal.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

mod limit;
mod window;

pub use limit::RateLimit;
use tokio::sync::Notify;
use tokio::time::Instant;
use window::SendLog;

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
    /// Wakes waiting callers when the limit changes, so they re-check under the new one.
    changed: Notify,
}

struct State {
    limit: RateLimit,
    sent: SendLog,
    pause_until: Option<Instant>,
    /// HubSpot's rate headers arrived at least once. Until then the portal's real limit and
    /// what others already spent of it are unknown, so requests keep the steady pace instead of
    /// bursting into a window that may be exhausted.
    seen_headers: bool,
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
        Self {
            inner: Arc::new(Inner {
                margin,
                state: Mutex::new(State {
                    limit,
                    sent: SendLog::default(),
                    pause_until: None,
                    seen_headers: false,
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

    /// Waits until a request may be sent. Call [`RequestSlot::answered`] when its answer arrives.
    ///
    /// A slot is taken only while no pause is in force, under the limit known at that moment,
    /// so a learnt limit or a pause applies at once to callers already waiting.
    pub async fn acquire(&self) -> RequestSlot {
        loop {
            // Register for "limit changed" before reading the state, so no change is missed.
            let changed = self.inner.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let wake_at = {
                let mut s = self.lock();
                let now = Instant::now();
                match s.pause_until.filter(|u| *u > now) {
                    Some(until) => until,
                    None => {
                        let (budget, per) = (paced_max(s.limit, self.inner.margin), s.limit.per);
                        let burst = s.seen_headers;
                        match s.sent.try_take(now, budget, per, burst) {
                            Ok(id) => {
                                return RequestSlot {
                                    pacer: self.clone(),
                                    id,
                                };
                            }
                            Err(free_at) => free_at,
                        }
                    }
                }
            };
            tokio::select! {
                () = tokio::time::sleep_until(wake_at) => {}
                () = &mut changed => {}
            }
        }
    }

    /// Makes every caller wait at least `wait` before the next request.
    pub fn pause_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut s = self.lock();
        self.pause_locked(&mut s, until);
    }

    /// Pauses until `until` (if not paused longer already); afterwards requests resume at the
    /// steady pace for one interval, not in a burst into a window someone else may be using.
    fn pause_locked(&self, s: &mut State, until: Instant) {
        if s.pause_until.is_none_or(|u| u < until) {
            s.pause_until = Some(until);
            let (budget, per) = (paced_max(s.limit, self.inner.margin), s.limit.per);
            s.sent.spend_evenly_until(until, budget, per);
        }
    }

    /// The interval of the current limit (how long a 429 without `Retry-After` waits).
    pub fn interval(&self) -> Duration {
        self.lock().limit.per
    }

    /// Learns from an answer's rate-limit headers.
    pub(crate) fn observe(&self, h: RateHeaders) {
        let mut s = self.lock();
        if h.max.is_some() || h.remaining.is_some() {
            s.seen_headers = true;
        }
        if let (Some(max), Some(per)) = (h.max, h.interval)
            && max > 0
            && (max != s.limit.max || per != s.limit.per)
        {
            let limit = RateLimit { max, per };
            tracing::debug!(%limit, "HubSpot reports a different rate limit; re-pacing");
            s.limit = limit;
            self.inner.changed.notify_waiters();
        }
        if let Some(remaining) = h.remaining {
            let max = s.limit.max;
            // Our own pacing puts at most `paced` requests into one window (one more at its
            // edge, as HubSpot and we may place the window slightly differently), so HubSpot
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
                self.pause_locked(&mut s, until);
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

/// A request the pacer let through. Dropping it without [`RequestSlot::answered`] (the request was
/// never sent, or failed on the way) keeps it counted from the moment it was let through.
#[derive(Debug)]
pub struct RequestSlot {
    pacer: Pacer,
    id: u64,
}

impl RequestSlot {
    /// The request's answer arrived (any status): it stays counted for a full interval from
    /// now, since HubSpot may have counted it as late as this.
    pub fn answered(self) {
        let now = Instant::now();
        self.pacer.lock().sent.answered(self.id, now);
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

#[cfg(test)]
mod tests {
    use super::*;

    // The async tests run on tokio's paused clock: time moves only when every task waits, so
    // the waits measured are the pacer's own, exactly, however loaded the machine is.
    fn within(elapsed: Duration, from_ms: u64, to_ms: u64) {
        assert!(
            elapsed >= Duration::from_millis(from_ms) && elapsed <= Duration::from_millis(to_ms),
            "waited {elapsed:?}, expected {from_ms}..={to_ms} ms"
        );
    }

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

    #[tokio::test(start_paused = true)]
    async fn a_burst_goes_at_once_and_the_rest_waits_for_the_window() {
        // 20/1s at margin 1.0: 20 acquisitions at once, the 21st only when the first leaves
        // the rolling window a second later.
        let p = Pacer::new(
            RateLimit {
                max: 20,
                per: Duration::from_secs(1),
            },
            1.0,
        );
        p.observe(RateHeaders {
            max: Some(20),
            remaining: Some(20),
            interval: Some(Duration::from_secs(1)),
        });
        let start = Instant::now();
        for _ in 0..20 {
            p.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO, "the burst waited");
        p.acquire().await;
        within(start.elapsed(), 1_000, 1_050);
    }

    #[tokio::test(start_paused = true)]
    async fn before_any_rate_headers_requests_keep_the_steady_pace() {
        // 20/1s, nothing heard from HubSpot yet: one every 50 ms; 11 take ≥ 500 ms.
        let p = Pacer::new(
            RateLimit {
                max: 20,
                per: Duration::from_secs(1),
            },
            1.0,
        );
        let start = Instant::now();
        for _ in 0..11 {
            p.acquire().await;
        }
        within(start.elapsed(), 500, 550);
    }

    #[tokio::test(start_paused = true)]
    async fn after_a_pause_requests_resume_one_at_a_time() {
        // 10/1s: after a 200 ms pause the next ten come 100 ms apart, not in one burst.
        let p = Pacer::new(
            RateLimit {
                max: 10,
                per: Duration::from_secs(1),
            },
            1.0,
        );
        p.pause_for(Duration::from_millis(200));
        let start = Instant::now();
        for _ in 0..4 {
            p.acquire().await;
        }
        within(start.elapsed(), 500, 550);
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

    #[tokio::test(start_paused = true)]
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
        let start = Instant::now();
        for w in waiters {
            w.await.unwrap();
        }
        within(start.elapsed(), 0, 100);
    }

    #[tokio::test(start_paused = true)]
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
        let start = Instant::now();
        p.acquire().await;
        within(start.elapsed(), 300, 350);
    }
}
