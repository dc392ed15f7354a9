//! Prometheus metrics, text exposition format (hand-rolled: a few counters and gauges do not
//! justify a metrics registry dependency).
//!
//! Counters live in memory (per instance, reset on restart, as Prometheus expects); the
//! backlog gauges are read from storage at scrape time, so every instance reports the shared
//! queue the same way.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use crate::clock::Millis;
use crate::store::PortalStats;

/// Per-portal counters.
#[derive(Debug, Default, Clone, Copy)]
struct PortalCounters {
    ingested: u64,
    leases: u64,
    leased: u64,
    acked: u64,
    nacked: u64,
    dead_lettered: u64,
}

#[derive(Debug, Default, Clone)]
struct Counters {
    portals: BTreeMap<i64, PortalCounters>,
    webhook_requests: BTreeMap<u16, u64>,
    duplicates: u64,
    sessions: BTreeMap<&'static str, u64>,
    oauth: BTreeMap<(&'static str, &'static str), u64>,
}

/// The relay's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Counters>,
}

impl Metrics {
    fn with(&self, f: impl FnOnce(&mut Counters)) {
        if let Ok(mut c) = self.inner.lock() {
            f(&mut c);
        }
    }

    fn portal(&self, portal_id: i64, f: impl FnOnce(&mut PortalCounters)) {
        self.with(|c| f(c.portals.entry(portal_id).or_default()));
    }

    /// One webhook request answered with `status`.
    pub fn webhook_request(&self, status: u16) {
        self.with(|c| *c.webhook_requests.entry(status).or_default() += 1);
    }

    /// Events stored for a portal.
    pub fn ingested(&self, portal_id: i64, stored: u64) {
        self.portal(portal_id, |p| p.ingested += stored);
    }

    /// Duplicates of one ingest call (not attributed to a portal: they were not stored).
    pub fn duplicates(&self, n: u64) {
        self.with(|c| c.duplicates += n);
    }

    /// One lease call that handed out `events` and dead-lettered `dead`.
    pub fn leased(&self, portal_id: i64, events: u64, dead: u64) {
        self.portal(portal_id, |p| {
            p.leases += 1;
            p.leased += events;
            p.dead_lettered += dead;
        });
    }

    /// Acked events.
    pub fn acked(&self, portal_id: i64, n: u64) {
        self.portal(portal_id, |p| p.acked += n);
    }

    /// Nacked events.
    pub fn nacked(&self, portal_id: i64, n: u64) {
        self.portal(portal_id, |p| p.nacked += n);
    }

    /// A session request with its outcome (`issued`, `refused`, `error`).
    pub fn session(&self, outcome: &'static str) {
        self.with(|c| *c.sessions.entry(outcome).or_default() += 1);
    }

    /// An OAuth broker call (`start`, `token`, `refresh`, `revoke`) with its outcome.
    pub fn oauth(&self, call: &'static str, outcome: &'static str) {
        self.with(|c| *c.oauth.entry((call, outcome)).or_default() += 1);
    }

    /// The exposition text: counters plus the gauges in `stats`.
    pub fn render(&self, stats: &[PortalStats], now: Millis) -> String {
        let c = self.inner.lock().map(|c| c.clone()).unwrap_or_default();
        let mut out = String::new();
        let portal_counter =
            |out: &mut String, name: &str, help: &str, get: fn(&PortalCounters) -> u64| {
                header(out, name, help, "counter");
                for (portal, p) in &c.portals {
                    let _ = writeln!(out, "{name}{{portal=\"{portal}\"}} {}", get(p));
                }
            };
        portal_counter(
            &mut out,
            "steward_relay_events_ingested_total",
            "Events stored from HubSpot webhooks.",
            |p| p.ingested,
        );
        portal_counter(
            &mut out,
            "steward_relay_leases_total",
            "Lease calls.",
            |p| p.leases,
        );
        portal_counter(
            &mut out,
            "steward_relay_events_leased_total",
            "Events handed out by leases.",
            |p| p.leased,
        );
        portal_counter(
            &mut out,
            "steward_relay_events_acked_total",
            "Events acked.",
            |p| p.acked,
        );
        portal_counter(
            &mut out,
            "steward_relay_events_nacked_total",
            "Events nacked.",
            |p| p.nacked,
        );
        portal_counter(
            &mut out,
            "steward_relay_events_dead_lettered_total",
            "Events moved to the dead-letter list.",
            |p| p.dead_lettered,
        );

        header(
            &mut out,
            "steward_relay_events_duplicate_total",
            "Webhook events skipped as duplicates (HubSpot retries).",
            "counter",
        );
        let _ = writeln!(out, "steward_relay_events_duplicate_total {}", c.duplicates);

        header(
            &mut out,
            "steward_relay_webhook_requests_total",
            "Webhook requests by HTTP status.",
            "counter",
        );
        for (status, n) in &c.webhook_requests {
            let _ = writeln!(
                out,
                "steward_relay_webhook_requests_total{{status=\"{status}\"}} {n}"
            );
        }
        header(
            &mut out,
            "steward_relay_sessions_total",
            "Session requests by outcome.",
            "counter",
        );
        for (outcome, n) in &c.sessions {
            let _ = writeln!(
                out,
                "steward_relay_sessions_total{{outcome=\"{outcome}\"}} {n}"
            );
        }
        header(
            &mut out,
            "steward_relay_oauth_requests_total",
            "OAuth broker calls by call and outcome.",
            "counter",
        );
        for ((call, outcome), n) in &c.oauth {
            let _ = writeln!(
                out,
                "steward_relay_oauth_requests_total{{call=\"{call}\",outcome=\"{outcome}\"}} {n}"
            );
        }

        let gauge = |out: &mut String,
                     name: &str,
                     help: &str,
                     value: &dyn Fn(&PortalStats) -> Option<String>| {
            header(out, name, help, "gauge");
            for s in stats {
                if let Some(v) = value(s) {
                    let _ = writeln!(out, "{name}{{portal=\"{}\"}} {v}", s.portal_id);
                }
            }
        };
        gauge(
            &mut out,
            "steward_relay_backlog_events",
            "Queued events (ready and in flight).",
            &|s| Some(s.backlog.to_string()),
        );
        gauge(
            &mut out,
            "steward_relay_in_flight_events",
            "Queued events currently leased.",
            &|s| Some(s.in_flight.to_string()),
        );
        gauge(
            &mut out,
            "steward_relay_dead_letter_events",
            "Events in the dead-letter list.",
            &|s| Some(s.dead.to_string()),
        );
        gauge(
            &mut out,
            "steward_relay_oldest_event_age_seconds",
            "Age of the oldest queued event.",
            &|s| {
                s.oldest_received_at
                    .map(|t| format!("{:.3}", (now - t).max(0) as f64 / 1000.0))
            },
        );
        out
    }
}

fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_gauges() {
        let m = Metrics::default();
        m.ingested(7, 3);
        m.duplicates(2);
        m.leased(7, 2, 1);
        m.webhook_request(200);
        let stats = [PortalStats {
            portal_id: 7,
            backlog: 5,
            in_flight: 2,
            dead: 1,
            oldest_received_at: Some(1_000),
        }];
        let text = m.render(&stats, 3_500);
        for line in [
            "steward_relay_events_ingested_total{portal=\"7\"} 3",
            "steward_relay_events_duplicate_total 2",
            "steward_relay_events_leased_total{portal=\"7\"} 2",
            "steward_relay_events_dead_lettered_total{portal=\"7\"} 1",
            "steward_relay_webhook_requests_total{status=\"200\"} 1",
            "steward_relay_backlog_events{portal=\"7\"} 5",
            "steward_relay_oldest_event_age_seconds{portal=\"7\"} 2.500",
            "# TYPE steward_relay_backlog_events gauge",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
        }
    }
}
