//! The poller: long-polls the relay for the portal's webhook events, makes each durable in
//! the local inbox (queuing its contact), and only then acks it. A crash between the two
//! means the relay delivers the event again, and the inbox's unique key drops the duplicate.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use relay_client::Session;
use tokio_util::sync::CancellationToken;

use crate::clock::now_ms;
use crate::intake::{self, Disposition, IntakeRules};
use crate::worker::WorkerSignals;
use crate::{EngineError, Store};

/// Tuning for the poller.
#[derive(Debug, Clone)]
pub struct PollerConfig {
    pub max_events: u32,
    pub wait: Duration,
    pub visibility: Duration,
    pub app_id: u64,
    pub input_properties: Vec<String>,
    /// How long a contact's job waits after its latest event, so a burst of changes becomes one
    /// round trip. The events of one save travel in one webhook batch and usually one lease
    /// (coalesced without waiting); the debounce only has to bridge batches that arrive a few
    /// milliseconds apart. Every live event pays it in full, so it stays short: at 300 ms it
    /// alone broke the 300 ms median target (`tests/benches/latency.rs`).
    pub debounce: Duration,
}

impl PollerConfig {
    pub fn new(app_id: u64, input_properties: Vec<String>) -> Self {
        Self {
            max_events: 100,
            wait: Duration::from_secs(20),
            visibility: Duration::from_secs(60),
            app_id,
            input_properties,
            debounce: Duration::from_millis(100),
        }
    }
}

/// Counters the app shows and `--until-idle` watches.
#[derive(Debug, Default)]
pub struct PollerStats {
    pub leased: AtomicU64,
    pub queued: AtomicU64,
    pub echoes: AtomicU64,
    pub duplicates: AtomicU64,
    /// Leases in a row that returned nothing (reset by any event).
    pub empty_polls: AtomicU64,
}

/// Polls until `shutdown`. Transport errors back off exponentially (10 ms → 30 s).
pub async fn run(
    session: Session,
    store: Store,
    config: PollerConfig,
    signals: Arc<WorkerSignals>,
    stats: Arc<PollerStats>,
    shutdown: CancellationToken,
) -> Result<(), EngineError> {
    let mut backoff = Duration::from_millis(10);
    loop {
        let leased = tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            r = session.lease(config.max_events, config.wait, config.visibility) => r,
        };
        let events = match leased {
            Ok(events) => {
                backoff = Duration::from_millis(10);
                events
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "relay lease failed");
                tokio::select! {
                    _ = shutdown.cancelled() => return Ok(()),
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(30));
                continue;
            }
        };
        if events.is_empty() {
            stats.empty_polls.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        stats.empty_polls.store(0, Ordering::Relaxed);
        stats
            .leased
            .fetch_add(events.len() as u64, Ordering::Relaxed);
        let rules = IntakeRules {
            app_id: config.app_id,
            input_properties: &config.input_properties,
            debounce_ms: config.debounce.as_millis() as i64,
        };
        // Durable first, the whole lease in one commit; a failure here leaves every event
        // unacked for redelivery.
        let dispositions =
            intake::accept_all(&store, events.iter().map(|l| &l.event), &rules, now_ms())?;
        for disposition in dispositions {
            match disposition {
                Disposition::Queued => stats.queued.fetch_add(1, Ordering::Relaxed),
                Disposition::Echo => stats.echoes.fetch_add(1, Ordering::Relaxed),
                Disposition::Duplicate => stats.duplicates.fetch_add(1, Ordering::Relaxed),
                Disposition::Ignored => 0,
            };
        }
        let receipts: Vec<_> = events.iter().map(|l| l.receipt.clone()).collect();
        signals.wake.notify_one();
        if let Err(e) = session.ack(&receipts).await {
            // Not fatal: the events are durable here; redelivery is deduplicated.
            tracing::warn!(error = %e, "relay ack failed; the events will be redelivered and deduplicated");
        }
    }
}
