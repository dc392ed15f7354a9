//! The simulator misbehaving under a running batch: 10 % HubSpot 5xx, bursts of 429s, latency
//! spikes, LLM errors and access tokens that expire every two seconds — then a revoked
//! refresh token, which must pause enrichment with "reconnect" (nothing lost, jobs queued)
//! until the admin reconnects, after which every contact is finished with exactly one write.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use steward_engine::Store;
use steward_engine::batch::{self, RunOptions, RunStatus};
use steward_engine::jobs;
use steward_engine::pipeline::Pause;
use steward_engine::poller::PollerConfig;
use steward_engine::runtime::Runtime;
use steward_engine::worker::WorkerConfig;
use steward_tests::stack::{APP_ID, PORTAL, Stack, StackOptions, connect};

use crate::support::{WAIT, exactly_once, note};
use steward_tests::seed;

/// Another integration's private-app token on the same portal (shares its rate budget).
const NEIGHBOUR_TOKEN: &str = "pat-na1-noisy-neighbour";

fn status_count(store: &Store, run: i64, status: &str) -> anyhow::Result<i64> {
    Ok(store.conn().query_row(
        "SELECT count(*) FROM jobs WHERE run_id = ?1 AND status = ?2",
        (run, status),
        |r| r.get(0),
    )?)
}

/// Audit rows of writes sent and not yet confirmed.
fn in_flight(store: &Store) -> anyhow::Result<i64> {
    Ok(store.conn().query_row(
        "SELECT count(*) FROM audit WHERE outcome = 'in_flight'",
        [],
        |r| r.get(0),
    )?)
}

/// The engine's worker and feeder on the stack (no relay poller: batch work only). Small
/// chunks make a run spend many HubSpot calls — every one a chance for a fault.
fn start_engine(stack: &Stack, chunk_size: usize, pause_retry: Duration) -> Runtime {
    let worker = WorkerConfig {
        chunk_size,
        pause_retry,
        ..WorkerConfig::default()
    };
    let runtime = Runtime::start(
        stack.ctx.clone(),
        None,
        PollerConfig::new(APP_ID, stack.ctx.input_properties.clone()),
        worker,
    );
    runtime.signals.wake_runs();
    runtime
}

/// Waits until the run ends and returns its summary.
async fn finish(stack: &Stack, run: i64) -> anyhow::Result<batch::RunSummary> {
    stack
        .eventually(WAIT, "the run finishes", || async {
            Ok(batch::summary(&stack.store, run)?.status.is_finished())
        })
        .await?;
    Ok(batch::summary(&stack.store, run)?)
}

/// Changes the simulator's faults mid-run.
async fn faults(stack: &Stack, body: serde_json::Value) -> anyhow::Result<()> {
    stack.sim_post("/_sim/faults", body).await.map(|_| ())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_faults_during_a_batch_lose_nothing_and_write_once() -> anyhow::Result<()> {
    const N: usize = 120;
    let stack = Stack::start(StackOptions {
        contacts: N,
        llm_latency: Duration::from_millis(40),
        access_token_ttl: Some(Duration::from_secs(2)),
        webhooks: false,
        private_app_token: Some(NEIGHBOUR_TOKEN.into()),
        ..StackOptions::default()
    })
    .await?;
    let ids = seed::seeded_ids(&stack, N).await?;
    let list = seed::resolved_list(&stack, "Fault: flaky HubSpot", &ids).await?;
    faults(
        &stack,
        serde_json::json!({"fault5xx": 0.1, "llm": {"errorRate": 0.05}}),
    )
    .await?;
    let started = Instant::now();
    let run = batch::start_run(&stack.store, PORTAL, &list, RunOptions::default(), None)?;
    let engine = start_engine(&stack, 10, Duration::from_millis(300));

    // Bursts of 429s (another integration spends the portal's budget: HubSpot answers 429s
    // the engine's own pacing cannot foresee) and latency spikes, until the run ends.
    let stop = Arc::new(AtomicBool::new(false));
    let chaos = {
        let base = stack.sim.base_url();
        let http = stack.http.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            let set = |body: serde_json::Value| {
                let http = http.clone();
                let url = format!("{base}/_sim/faults");
                async move { http.post(url).json(&body).send().await.map(|_| ()) }
            };
            let mut cycles = 0u32;
            while !stop.load(Ordering::Relaxed) {
                set(serde_json::json!({"rateLimit": "20/1s"})).await?;
                let burst = Instant::now();
                while burst.elapsed() < Duration::from_millis(1_000) {
                    // The neighbour's own answers (200 or 429) do not matter.
                    let _ = http
                        .get(format!("{base}/crm/v3/objects/contacts?limit=1"))
                        .bearer_auth(NEIGHBOUR_TOKEN)
                        .send()
                        .await;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                // HubSpot's headers always tell the limit: back to a roomy one.
                set(serde_json::json!({"rateLimit": "500/10s", "faultLatencyMs": 400})).await?;
                tokio::time::sleep(Duration::from_millis(600)).await;
                set(serde_json::json!({"faultLatencyMs": 0})).await?;
                tokio::time::sleep(Duration::from_millis(600)).await;
                cycles += 1;
            }
            reqwest::Result::Ok(cycles)
        })
    };
    let summary = finish(&stack, run).await;
    stop.store(true, Ordering::Relaxed);
    let cycles = chaos.await??;
    let summary = summary?;
    assert_eq!(summary.status, RunStatus::Completed, "{summary:?}");
    assert_eq!(
        (summary.done + summary.unchanged, summary.failed),
        (N as u64, 0),
        "every contact finished, none failed for good: {summary:?}"
    );
    assert_eq!(jobs::outstanding(&stack.store.conn())?, 0);
    let report = exactly_once(&stack, &stack.store, &ids).await?;
    let stats = stack.sim_stats().await?;
    let count = |k: &str| stats[k].as_u64().unwrap_or(0);
    assert!(count("faults5xx") > 0, "5xx were injected: {stats}");
    let engine_stats = stack.ctx.hubspot.stats();
    assert!(
        engine_stats.rate_limited > 0,
        "429 bursts hit the engine: {engine_stats:?}"
    );
    assert!(
        count("tokenRefreshes") >= 2,
        "access tokens expired and were renewed mid-run"
    );
    note(
        "sim_faults",
        &format!(
            "{N} contacts through {} 5xx, {} 429s to the engine, {} LLM errors, {} token \
             refreshes, {cycles} burst/spike cycles in {:.1} s: {} written once, {} failed \
             attempts retried",
            count("faults5xx"),
            engine_stats.rate_limited,
            count("llmErrors"),
            count("tokenRefreshes"),
            started.elapsed().as_secs_f64(),
            report.written,
            report.failed_rows,
        ),
    );
    engine.stop().await?;
    Ok(())
}

/// The worker's real retry delay while paused (the app's and the CLI's default).
const PAUSE_RETRY: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_refresh_token_pauses_for_reconnect_and_resumes_after_it() -> anyhow::Result<()> {
    const N: usize = 120;
    let mut stack = Stack::start(StackOptions {
        contacts: N,
        llm_latency: Duration::from_millis(100),
        access_token_ttl: Some(Duration::from_secs(3)),
        webhooks: false,
        ..StackOptions::default()
    })
    .await?;
    let ids = seed::seeded_ids(&stack, N).await?;
    let list = seed::resolved_list(&stack, "Fault: revoked", &ids).await?;
    let run = batch::start_run(&stack.store, PORTAL, &list, RunOptions::default(), None)?;
    let engine = start_engine(&stack, 25, PAUSE_RETRY);
    stack
        .eventually(WAIT, "the run makes progress", || async {
            Ok(batch::summary(&stack.store, run)?.processed() >= 10)
        })
        .await?;

    // The admin (or HubSpot) revokes Steward's tokens mid-run — while a write is in flight
    // (slow answers keep it in flight long enough to be seen).
    faults(&stack, serde_json::json!({"faultLatencyMs": 250})).await?;
    let deadline = Instant::now() + WAIT;
    while in_flight(&stack.store)? == 0 {
        anyhow::ensure!(
            Instant::now() < deadline,
            "no write in flight within {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let revoked = stack
        .sim_post(
            "/_sim/oauth/revoke-all",
            serde_json::json!({"portalId": PORTAL}),
        )
        .await?;
    let writing = in_flight(&stack.store)?;
    faults(&stack, serde_json::json!({"faultLatencyMs": 0})).await?;
    assert!(revoked["revoked"].as_u64().unwrap_or(0) >= 1, "{revoked}");
    stack
        .eventually(WAIT, "enrichment pauses for a reconnect", || async {
            Ok(matches!(engine.pause(), Some(Pause::Reconnect { .. })))
        })
        .await?;
    let pause = engine.pause().expect("paused");
    assert!(
        pause.message().to_lowercase().contains("reconnect"),
        "{}",
        pause.message()
    );
    // In-flight work settles (a write sent just before the revocation still lands); then
    // nothing moves, nothing fails, the rest waits in the queue.
    let mut held = batch::summary(&stack.store, run)?;
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = batch::summary(&stack.store, run)?;
        if now.processed() == held.processed() {
            break;
        }
        held = now;
    }
    let llm_at_pause = stack.llm_calls().await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let still = batch::summary(&stack.store, run)?;
    assert_eq!(still.processed(), held.processed(), "paused: {still:?}");
    assert_eq!(still.failed, 0, "nothing failed: {still:?}");
    assert_eq!(status_count(&stack.store, run, "failed")?, 0);
    let queued = status_count(&stack.store, run, "queued")?;
    let statuses: Vec<(String, i64)> = {
        let conn = stack.store.conn();
        let mut stmt =
            conn.prepare("SELECT status, count(*) FROM jobs WHERE run_id = ?1 GROUP BY status")?;
        stmt.query_map([run], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?
    };
    // While paused the worker retries now and then (a chunk claimed, refused at once, put
    // back): a job is processed, queued or in that brief retry — never dropped, never failed,
    // and the retries use up no attempt.
    let running = status_count(&stack.store, run, "running")?;
    assert!(
        still.processed() < N as u64,
        "paused before the end: {still:?}"
    );
    assert_eq!(
        still.processed() + (queued + running) as u64,
        N as u64,
        "every contact is processed or waiting: {statuses:?} {still:?}"
    );
    let attempts: i64 = stack.store.conn().query_row(
        "SELECT coalesce(max(attempts), 0) FROM jobs WHERE run_id = ?1 AND status != 'done'",
        [run],
        |r| r.get(0),
    )?;
    assert!(
        attempts <= 1,
        "deferred jobs keep their attempts: {attempts}"
    );
    assert_eq!(
        still.status,
        RunStatus::Running,
        "the run is not failed: {still:?}"
    );
    assert_eq!(
        stack.llm_calls().await?,
        llm_at_pause,
        "no LLM call while paused"
    );
    assert!(matches!(engine.pause(), Some(Pause::Reconnect { .. })));

    // Reconnect: a new OAuth connection (new tokens), the engine restarted on it.
    engine.stop().await?;
    let tokens = connect(&stack.http, &stack.sim).await?;
    stack.ctx.hubspot = hubspot::HubSpotClient::builder(tokens.clone())
        .base_url(stack.sim.base_url())
        .build()?;
    stack.tokens = tokens;
    let resumed_at = std::time::Instant::now();
    let engine = start_engine(&stack, 25, PAUSE_RETRY);
    let summary = finish(&stack, run).await?;
    // The held jobs are tried as soon as the new engine starts, not after the pause's retry
    // delay (they used to wait out the whole minute).
    assert!(
        resumed_at.elapsed() < PAUSE_RETRY / 2,
        "the run took {:?} to finish after reconnecting",
        resumed_at.elapsed()
    );
    assert_eq!(summary.status, RunStatus::Completed, "{summary:?}");
    assert_eq!(
        (summary.done + summary.unchanged, summary.failed),
        (N as u64, 0),
        "{summary:?}"
    );
    assert!(engine.pause().is_none(), "the pause cleared");
    let report = exactly_once(&stack, &stack.store, &ids).await?;
    note(
        "sim_faults",
        &format!(
            "revoked after {} of {N} with {writing} write(s) in flight: paused with {queued} \
             queued; after reconnecting {} written once each ({} writes cut off by the \
             revocation found not applied and redone)",
            held.processed(),
            report.written,
            report.interrupted,
        ),
    );
    engine.stop().await?;
    Ok(())
}
