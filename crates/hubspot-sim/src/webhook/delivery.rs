//! Delivery: events raised within a short window travel together (≤ 100 per POST), each
//! batch is signed and retried with doubling delays on an error status, a refused
//! connection or a receiver slower than the timeout — HubSpot's behaviour, time-scaled.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::{Instant, timeout_at};

use super::{event_json, sign_v1, sign_v3};
use crate::portal::Change;
use crate::secret::Secret;
use crate::stats::Stats;
use crate::util::now_ms;

/// HubSpot sends at most this many events per request.
const MAX_BATCH: usize = 100;

/// Where and how to deliver.
#[derive(Debug, Clone)]
pub(crate) struct WebhookSettings {
    pub target: String,
    pub secret: Secret,
    pub app_id: u64,
    pub retry_base: Duration,
    pub max_attempts: u32,
    pub timeout: Duration,
    pub batch_window: Duration,
}

/// The sending side: handlers push changes, a background task delivers them.
#[derive(Debug)]
pub(crate) struct WebhookQueue {
    tx: UnboundedSender<Value>,
    next_event_id: AtomicU64,
    app_id: u64,
}

impl WebhookQueue {
    /// Starts the delivery task.
    pub(crate) fn start(
        settings: WebhookSettings,
        client: reqwest::Client,
        stats: Arc<Stats>,
    ) -> (Self, JoinHandle<()>) {
        let (tx, rx) = unbounded_channel();
        let app_id = settings.app_id;
        let task = tokio::spawn(run(rx, Arc::new(settings), client, stats));
        let queue = Self {
            tx,
            next_event_id: AtomicU64::new(1_000),
            app_id,
        };
        (queue, task)
    }

    /// Queues events for these changes.
    pub(crate) fn push(&self, changes: &[Change]) {
        for change in changes {
            let id = self.next_event_id.fetch_add(1, Ordering::Relaxed);
            // The receiver only goes away at shutdown; late events are dropped then.
            let _ = self.tx.send(event_json(change, id, self.app_id));
        }
    }
}

async fn run(
    mut rx: UnboundedReceiver<Value>,
    settings: Arc<WebhookSettings>,
    client: reqwest::Client,
    stats: Arc<Stats>,
) {
    let mut in_flight = JoinSet::new();
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        let deadline = Instant::now() + settings.batch_window;
        while batch.len() < MAX_BATCH {
            match timeout_at(deadline, rx.recv()).await {
                Ok(Some(event)) => batch.push(event),
                Ok(None) | Err(_) => break,
            }
        }
        in_flight.spawn(deliver(
            batch,
            settings.clone(),
            client.clone(),
            stats.clone(),
        ));
        while in_flight.try_join_next().is_some() {}
    }
    while in_flight.join_next().await.is_some() {}
}

async fn deliver(
    mut batch: Vec<Value>,
    s: Arc<WebhookSettings>,
    client: reqwest::Client,
    stats: Arc<Stats>,
) {
    for attempt in 0..s.max_attempts.max(1) {
        for event in &mut batch {
            event["attemptNumber"] = json!(attempt);
        }
        let body = serde_json::to_vec(&batch).unwrap_or_default();
        let timestamp = u64::try_from(now_ms()).unwrap_or_default();
        let secret = s.secret.expose();
        let request = client
            .post(&s.target)
            .header("content-type", "application/json")
            .header(
                "x-hubspot-signature-v3",
                sign_v3(secret, "POST", &s.target, &body, timestamp),
            )
            .header("x-hubspot-request-timestamp", timestamp.to_string())
            .header("x-hubspot-signature", sign_v1(secret, &body))
            .header("x-hubspot-signature-version", "v1")
            .header(
                "user-agent",
                "HubSpot Connect 2.0 (http://dev.hubspot.com/) (hubspot-sim)",
            )
            .timeout(s.timeout)
            .body(body);
        let ok = match request.send().await {
            Ok(resp) => resp.status().is_success(),
            Err(e) => {
                tracing::debug!("webhook attempt {attempt} failed: {e}");
                false
            }
        };
        stats.webhook_attempt(ok, batch.len());
        if ok {
            return;
        }
        if attempt + 1 < s.max_attempts {
            let factor = 1u32 << attempt.min(16);
            tokio::time::sleep(s.retry_base.saturating_mul(factor)).await;
        }
    }
    tracing::warn!(
        "webhook batch of {} events abandoned after {} attempts",
        batch.len(),
        s.max_attempts
    );
    stats.webhook_abandoned();
}
