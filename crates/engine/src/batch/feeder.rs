//! The engine task that turns a run's list into queued jobs: it pages memberships (≤ 250 a
//! page) only while fewer than [`FeederConfig::low_water`] of the run's jobs wait, so a run
//! over a huge list neither front-loads its HubSpot calls nor fills the queue, and the first
//! contacts are enriched right after the first page. Each page is queued and the cursor
//! moved in one transaction, so a run resumes at the first page not queued.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::EngineError;
use crate::clock::now_ms;
use crate::pipeline::PipelineContext;
use crate::runs::{self, Feeding};
use crate::worker::WorkerSignals;

/// Tuning for the feeder.
#[derive(Debug, Clone)]
pub struct FeederConfig {
    /// Queue another page while fewer of the run's jobs than this wait.
    pub low_water: u64,
    /// Members per page (HubSpot allows 250).
    pub page_size: u32,
    /// How often to look for work without being woken (runs started by another process).
    pub poll: Duration,
    /// How long to wait after a transient HubSpot error.
    pub retry: Duration,
}

impl Default for FeederConfig {
    fn default() -> Self {
        Self {
            low_water: 1_000,
            page_size: 250,
            poll: Duration::from_millis(500),
            retry: Duration::from_secs(5),
        }
    }
}

/// Errors that waiting cannot fix end the run (the list is gone, or its id is wrong).
fn is_permanent(e: &hubspot::Error) -> bool {
    !(e.is_transient() || e.needs_reconnect() || matches!(e, hubspot::Error::RateLimitedDaily(_)))
}

/// Runs until `shutdown` is cancelled.
pub async fn run(
    ctx: PipelineContext,
    config: FeederConfig,
    signals: Arc<WorkerSignals>,
    shutdown: CancellationToken,
) -> Result<(), EngineError> {
    runs::mark_resumed(&ctx.store.conn(), ctx.portal_id, now_ms())?;
    let mut retry_at: HashMap<i64, Instant> = HashMap::new();
    while !shutdown.is_cancelled() {
        let feeding = runs::feeding(&ctx.store.conn(), ctx.portal_id)?;
        let mut fed = false;
        for run in feeding {
            if run.queued >= config.low_water
                || retry_at.get(&run.id).is_some_and(|t| *t > Instant::now())
            {
                continue;
            }
            if shutdown.is_cancelled() {
                break;
            }
            match feed_page(&ctx, &config, &run).await {
                Ok(()) => {
                    retry_at.remove(&run.id);
                    signals.wake.notify_one();
                    fed = true;
                }
                Err(Failure::Store(e)) => return Err(e),
                Err(Failure::HubSpot(e)) if is_permanent(&e) => {
                    tracing::error!(run = run.id, error = %e, "cannot read the run's list: the run failed");
                    let reason = format!("HubSpot refused the list's members: {e}");
                    runs::end(
                        &mut ctx.store.conn(),
                        run.id,
                        "failed",
                        Some(&reason),
                        now_ms(),
                    )?;
                }
                Err(Failure::HubSpot(e)) => {
                    tracing::warn!(run = run.id, error = %e, "cannot read the run's list yet; retrying");
                    retry_at.insert(run.id, Instant::now() + config.retry);
                }
            }
        }
        {
            let conn = ctx.store.conn();
            for id in runs::running(&conn, ctx.portal_id)? {
                if runs::finish_if_drained(&conn, id, now_ms())? {
                    tracing::info!(run = id, "batch run completed");
                }
            }
        }
        if fed {
            continue;
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = signals.runs.notified() => {}
            _ = tokio::time::sleep(config.poll) => {}
        }
    }
    Ok(())
}

enum Failure {
    HubSpot(hubspot::Error),
    Store(EngineError),
}

/// Reads the run's next page of members and queues it.
async fn feed_page(
    ctx: &PipelineContext,
    config: &FeederConfig,
    run: &Feeding,
) -> Result<(), Failure> {
    let page = ctx
        .hubspot
        .list_memberships_page(&run.list_id, run.cursor.as_deref(), config.page_size)
        .await
        .map_err(Failure::HubSpot)?;
    let mut ids = Vec::with_capacity(page.results.len());
    for m in &page.results {
        match m.record_id.parse::<u64>() {
            Ok(id) => ids.push(id),
            Err(_) => {
                tracing::warn!(run = run.id, record = %m.record_id, "skipping a list member whose id is not a number")
            }
        }
    }
    // HubSpot repeating a cursor would loop forever: treat it as the end.
    let next = page.next_after.filter(|n| Some(n) != run.cursor.as_ref());
    let page = runs::MemberPage {
        cursor: run.cursor.as_deref(),
        contact_ids: &ids,
        next: next.as_deref(),
    };
    let queued = runs::enqueue_page(
        &mut ctx.store.conn(),
        run.id,
        ctx.portal_id,
        &page,
        now_ms(),
    )
    .map_err(Failure::Store)?;
    tracing::debug!(
        run = run.id,
        queued,
        more = next.is_some(),
        "queued a page of list members"
    );
    Ok(())
}
