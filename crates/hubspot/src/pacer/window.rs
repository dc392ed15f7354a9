//! [`SendLog`]: the requests sent in the last interval — HubSpot's own model of its limit
//! ("110 requests per rolling 10 seconds"), so the pacer can let a burst through at once and
//! still never put more than its budget into any window.
//!
//! Why not a GCRA limiter (governor): GCRA refills one slot every `per / n`, so a burst of `b`
//! requests leaves `n + b` possible in one rolling window. To stay under HubSpot's count it must
//! either forbid bursts (every request of a lone live event then waits its turn: ~10 calls ≈ 1 s)
//! or give up steady throughput. A log of send times is exact for a rolling window.

use std::time::Duration;

use tokio::time::Instant;

/// One request in the log: when it was sent, or once answered, when its answer arrived.
#[derive(Debug, Clone, Copy)]
struct Sent {
    id: u64,
    at: Instant,
}

/// Requests of the last interval. At most the budget (≤ a few hundred), so plain scans.
#[derive(Debug, Default)]
pub(super) struct SendLog {
    sent: Vec<Sent>,
    next_id: u64,
}

impl SendLog {
    /// Takes a slot at `now` if fewer than `budget` requests were sent in the window
    /// `(now - per, now]`, returning the slot's id; otherwise returns when enough of them leave
    /// it.
    ///
    /// Without `burst` a request also waits `per / budget` after the one before: the steady
    /// pace, for when the portal's real state is not known yet.
    pub(super) fn try_take(
        &mut self,
        now: Instant,
        budget: u32,
        per: Duration,
        burst: bool,
    ) -> Result<u64, Instant> {
        let budget = budget.max(1) as usize;
        self.sent.retain(|s| s.at + per > now);
        if self.sent.len() >= budget {
            // Over budget (possible after the budget shrank): wait for enough to leave.
            let mut times: Vec<Instant> = self.sent.iter().map(|s| s.at).collect();
            times.sort_unstable();
            return Err(times[self.sent.len() - budget] + per);
        }
        if !burst && let Some(last) = self.sent.iter().map(|s| s.at).max() {
            let next = last + per / budget as u32;
            if next > now {
                return Err(next);
            }
        }
        let id = self.next_id;
        self.next_id += 1;
        self.sent.push(Sent { id, at: now });
        Ok(id)
    }

    /// The request of slot `id` got its answer at `at`. HubSpot counted it somewhere between
    /// sending and answering, so from now on it leaves our window `per` after the answer:
    /// never before it leaves HubSpot's, however long the request was on its way.
    pub(super) fn answered(&mut self, id: u64, at: Instant) {
        if let Some(s) = self.sent.iter_mut().find(|s| s.id == id) {
            s.at = s.at.max(at);
        }
    }

    /// Treats the window ending at `until` as fully spent, evenly: after a pause (a 429, or the
    /// portal's budget nearly used up by someone else) requests resume one at a time at the
    /// steady pace for one interval instead of in a burst into a window that may still be busy.
    pub(super) fn spend_evenly_until(&mut self, until: Instant, budget: u32, per: Duration) {
        let budget = budget.max(1);
        let step = per / budget;
        self.sent.clear();
        // The k-th slot frees at `until + k·step` (k = 0 … budget−1).
        for k in 0..budget {
            let frees_at = until + step * k;
            let id = self.next_id;
            self.next_id += 1;
            self.sent.push(Sent {
                id,
                at: frees_at.checked_sub(per).unwrap_or(frees_at),
            });
        }
    }

    /// Requests counted in the window `(now - per, now]`.
    #[cfg(test)]
    pub(super) fn in_window(&self, now: Instant, per: Duration) -> usize {
        self.sent.iter().filter(|s| s.at + per > now).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PER: Duration = Duration::from_secs(10);

    #[test]
    fn a_full_budget_goes_at_once_then_slots_free_as_the_oldest_leave() {
        let start = Instant::now();
        let mut log = SendLog::default();
        for _ in 0..99 {
            assert!(log.try_take(start, 99, PER, true).is_ok());
        }
        assert_eq!(log.try_take(start, 99, PER, true), Err(start + PER));
        let later = start + Duration::from_millis(200);
        assert_eq!(log.try_take(later, 99, PER, true), Err(start + PER));
        assert!(log.try_take(start + PER, 99, PER, true).is_ok());
    }

    #[test]
    fn no_rolling_window_ever_holds_more_than_the_budget() {
        // Requests arriving in irregular clumps, each sent as soon as the log allows.
        let start = Instant::now();
        let mut log = SendLog::default();
        let mut sent = Vec::new();
        let mut now = start;
        let mut wanted = 0u32;
        for step in 0..2_000u64 {
            now = start + Duration::from_millis(step * 37);
            wanted += if step % 50 < 5 { 20 } else { 1 };
            while wanted > 0 {
                match log.try_take(now, 99, PER, true) {
                    Ok(_) => {
                        sent.push(now);
                        wanted -= 1;
                    }
                    Err(_) => break,
                }
            }
        }
        for (i, t) in sent.iter().enumerate() {
            let in_window = sent[i..].iter().take_while(|u| **u < *t + PER).count();
            assert!(in_window <= 99, "{in_window} requests within 10 s of {t:?}");
        }
        // And the budget is used: over the run's 74 s, close to 99 per 10 s went out.
        let span = now - start;
        assert!(
            sent.len() as f64 >= 99.0 * span.as_secs_f64() / 10.0 * 0.95,
            "{}",
            sent.len()
        );
    }

    #[test]
    fn after_a_pause_requests_resume_at_the_steady_pace() {
        let start = Instant::now();
        let mut log = SendLog::default();
        let until = start + Duration::from_secs(3);
        log.spend_evenly_until(until, 10, PER);
        assert_eq!(log.in_window(until - Duration::from_millis(1), PER), 10);
        assert_eq!(
            log.in_window(until, PER),
            9,
            "the first slot frees as the pause ends"
        );
        assert!(
            log.try_take(until, 10, PER, true).is_ok(),
            "the first slot frees at the pause's end"
        );
        assert_eq!(
            log.try_take(until, 10, PER, true),
            Err(until + Duration::from_secs(1))
        );
        assert!(
            log.try_take(until + Duration::from_secs(1), 10, PER, true)
                .is_ok()
        );
    }

    #[test]
    fn an_answered_request_leaves_the_window_a_full_interval_after_its_answer() {
        let start = Instant::now();
        let mut log = SendLog::default();
        let slow = log.try_take(start, 2, PER, true).expect("free");
        assert!(log.try_take(start, 2, PER, true).is_ok());
        // The first request took 3 s to answer: HubSpot may have counted it just now.
        log.answered(slow, start + Duration::from_secs(3));
        // The other one leaves at `start + PER`; the slow one only 10 s after its answer.
        assert!(log.try_take(start + PER, 2, PER, true).is_ok());
        assert_eq!(
            log.try_take(start + PER, 2, PER, true),
            Err(start + Duration::from_secs(3) + PER)
        );
    }

    #[test]
    fn without_burst_requests_keep_the_steady_pace() {
        let start = Instant::now();
        let mut log = SendLog::default();
        assert!(log.try_take(start, 10, PER, false).is_ok());
        assert_eq!(
            log.try_take(start, 10, PER, false),
            Err(start + Duration::from_secs(1))
        );
        assert!(
            log.try_take(start + Duration::from_secs(1), 10, PER, false)
                .is_ok()
        );
    }

    #[test]
    fn a_shrunk_budget_waits_for_enough_sends_to_leave() {
        let start = Instant::now();
        let mut log = SendLog::default();
        for i in 0..10u64 {
            assert!(
                log.try_take(start + Duration::from_millis(i), 10, PER, true)
                    .is_ok()
            );
        }
        // The budget drops to 4: six must leave first, the 7th oldest frees the next slot.
        assert_eq!(
            log.try_take(start + Duration::from_millis(20), 4, PER, true),
            Err(start + Duration::from_millis(6) + PER)
        );
    }
}
