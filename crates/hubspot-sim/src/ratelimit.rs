//! HubSpot's per-portal limits: a rolling window (`TEN_SECONDLY_ROLLING`) and an
//! optional daily budget (`DAILY`). Rejected requests do not use up the window.

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use crate::config::RateLimit;
use crate::util::now_ms;

/// The verdict on one request, with what the `X-HubSpot-RateLimit-*` headers report.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decision {
    /// `None` when allowed, else the policy that refused it.
    pub refused_by: Option<&'static str>,
    /// Rolling-window figures `(max, remaining, interval ms)`, when a window applies.
    pub window: Option<(u32, u32, u128)>,
    /// Daily figures `(max, remaining)`, when a daily budget applies.
    pub daily: Option<(u32, u32)>,
}

/// Per-portal counters.
#[derive(Debug, Default)]
pub(crate) struct Limiter {
    windows: HashMap<u64, VecDeque<Instant>>,
    daily: HashMap<u64, (i64, u32)>,
}

impl Limiter {
    /// Counts one request for `portal` if the limits allow it.
    pub(crate) fn check(
        &mut self,
        portal: u64,
        limit: Option<RateLimit>,
        daily: Option<u32>,
    ) -> Decision {
        let now = Instant::now();
        let today = now_ms().div_euclid(86_400_000);
        let mut decision = Decision {
            refused_by: None,
            window: None,
            daily: None,
        };
        let day = self.daily.entry(portal).or_insert((today, 0));
        if day.0 != today {
            *day = (today, 0);
        }
        if let Some(max) = daily {
            if day.1 >= max {
                decision.refused_by = Some("DAILY");
            }
            decision.daily = Some((max, max.saturating_sub(day.1)));
        }
        if let Some(limit) = limit {
            let q = self.windows.entry(portal).or_default();
            while q
                .front()
                .is_some_and(|t| now.duration_since(*t) >= limit.per)
            {
                q.pop_front();
            }
            let used = q.len() as u32;
            if decision.refused_by.is_none() && used >= limit.max {
                decision.refused_by = Some("TEN_SECONDLY_ROLLING");
            }
            let remaining = if decision.refused_by.is_none() {
                q.push_back(now);
                limit.max.saturating_sub(used + 1)
            } else {
                limit.max.saturating_sub(used)
            };
            decision.window = Some((limit.max, remaining, limit.per.as_millis()));
        }
        if decision.refused_by.is_none() {
            day.1 += 1;
            if let (Some(max), Some(d)) = (daily, decision.daily.as_mut()) {
                d.1 = max.saturating_sub(day.1);
            }
        }
        decision
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn refuses_past_the_window_and_counts_down() {
        let mut l = Limiter::default();
        let limit = Some(RateLimit {
            max: 3,
            per: Duration::from_secs(60),
        });
        let remaining: Vec<u32> = (0..3)
            .map(|_| l.check(1, limit, None).window.unwrap().1)
            .collect();
        assert_eq!(remaining, vec![2, 1, 0]);
        let d = l.check(1, limit, None);
        assert_eq!(d.refused_by, Some("TEN_SECONDLY_ROLLING"));
        assert!(
            l.check(2, limit, None).refused_by.is_none(),
            "portals are separate"
        );
    }

    #[test]
    fn daily_budget() {
        let mut l = Limiter::default();
        assert!(l.check(1, None, Some(1)).refused_by.is_none());
        assert_eq!(l.check(1, None, Some(1)).refused_by, Some("DAILY"));
    }
}
