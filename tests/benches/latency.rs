//! Webhook → write-back latency at 100 events/s (issue 10).
//!
//! Per scenario: the HubSpot simulator (seeded contacts with activity, LLM at 50 ms per call,
//! signed webhooks), the real relay in-process (SQLite, `Relay::serve` on loopback) and the
//! engine runtime (poller + worker with their default config, the app's default LLM
//! concurrency) leasing from the relay through an OAuth session — the `tests/src/stack.rs`
//! harness. An open-loop sender makes one person's edit (`/_sim/human-edit`, `jobtitle`) per
//! distinct contact at the target rate; each fires a signed webhook to the relay.
//!
//! Latency of an event = the simulator's history timestamp of our first `ai_*` write on the
//! contact − the timestamp of the person's edit (= the event's `occurredAt`); both read from
//! the simulator's write log (`GET /_sim/stats`, read after the run and every
//! `LATENCY_STATS_EVERY_S`, default 120 s, so its bounded log never overflows) on the host
//! clock. Stage times come from the relay's and the engine's SQLite after the run.
//!
//! ```text
//! CARGO_TARGET_DIR=… cargo bench -p steward-tests --bench latency
//! ```
//! Environment: `LATENCY_SECONDS` (default 60), `LATENCY_RATE` (events/s, default 100),
//! `LATENCY_LIMITS` (simulator rate limits, one scenario each, default `110/10s,100000/10s`;
//! `off` turns the simulator's limit off — the client then keeps its default pace),
//! `LATENCY_LLM_MS` (default 50), `LATENCY_LLM_CONCURRENCY` (default: the app's, 8),
//! `LATENCY_DRAIN_SECONDS` (longest wait for the backlog after sending, default 300),
//! `LATENCY_STATS_EVERY_S` (default 120), `LATENCY_DEBOUNCE_MS` (default: the poller's).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::Context;
use hubspot_sim::RateLimit;
use relay_client::RelayClient;
use serde_json::{Value, json};
use steward_engine::jobs;
use steward_engine::llm_settings::LlmSettings;
use steward_engine::poller::PollerConfig;
use steward_engine::relay_session;
use steward_engine::runtime::Runtime;
use steward_engine::worker::WorkerConfig;
use steward_llm::LlmClient;
use steward_tests::latency::{self, Report, Sent, Stages, WriteLog};
use steward_tests::stack::{APP_ID, PORTAL, Stack, StackOptions};
use tokio::task::JoinSet;

/// The input property the probe edits.
const PROBE: &str = "jobtitle";
const SEEDED_LIST: &str = "All Seeded Contacts";

struct Config {
    seconds: u64,
    rate: u64,
    limits: Vec<Option<RateLimit>>,
    llm_latency: Duration,
    llm_concurrency: u32,
    stats_every: Duration,
    drain: Duration,
    /// Overrides the poller's debounce (to compare with the default).
    debounce: Option<Duration>,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{name}={v:?} is not a valid value")),
        Err(_) => Ok(default),
    }
}

impl Config {
    fn from_env() -> anyhow::Result<Self> {
        let limits = std::env::var("LATENCY_LIMITS").unwrap_or("110/10s,100000/10s".into());
        let limits = limits
            .split(',')
            .map(|l| match l.trim() {
                "off" => Ok(None),
                l => l
                    .parse::<RateLimit>()
                    .map(Some)
                    .map_err(|e| anyhow::anyhow!("LATENCY_LIMITS: {e}")),
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self {
            seconds: env_or("LATENCY_SECONDS", 60)?,
            rate: env_or("LATENCY_RATE", 100)?,
            limits,
            llm_latency: Duration::from_millis(env_or("LATENCY_LLM_MS", 50)?),
            llm_concurrency: env_or(
                "LATENCY_LLM_CONCURRENCY",
                LlmSettings::default().max_concurrency,
            )?,
            stats_every: Duration::from_secs(env_or("LATENCY_STATS_EVERY_S", 120)?),
            drain: Duration::from_secs(env_or("LATENCY_DRAIN_SECONDS", 300)?),
            debounce: match std::env::var("LATENCY_DEBOUNCE_MS") {
                Ok(_) => Some(Duration::from_millis(env_or("LATENCY_DEBOUNCE_MS", 0)?)),
                Err(_) => None,
            },
        })
    }
}

/// One human edit per contact, every `1/rate` s, open loop (a slow answer delays no other).
async fn send_edits(http: reqwest::Client, base: String, ids: Vec<u64>, rate: u64) -> Sent {
    let period = Duration::from_secs_f64(1.0 / rate as f64);
    let start = tokio::time::Instant::now();
    let mut set = JoinSet::new();
    let mut max_lag = Duration::ZERO;
    for (i, id) in ids.into_iter().enumerate() {
        let due = start + period.mul_f64(i as f64);
        tokio::time::sleep_until(due).await;
        max_lag = max_lag.max(tokio::time::Instant::now() - due);
        let http = http.clone();
        let url = format!("{base}/_sim/human-edit");
        set.spawn(async move {
            let body = json!({"portalId": PORTAL, "contactId": id, "property": PROBE,
                              "value": format!("Latency probe {i}"), "userId": 90_001});
            matches!(http.post(url).json(&body).send().await, Ok(r) if r.status().is_success())
        });
    }
    let mut sent = Sent {
        ok: 0,
        failed: 0,
        max_lag,
        elapsed: Duration::ZERO,
    };
    while let Some(done) = set.join_next().await {
        if matches!(done, Ok(true)) {
            sent.ok += 1;
        } else {
            sent.failed += 1;
        }
    }
    sent.elapsed = start.elapsed();
    sent
}

/// `GET /_sim/stats`, absorbed into `log`; returns the snapshot and how long the call took.
async fn poll(stack: &Stack, log: &mut WriteLog) -> anyhow::Result<(Value, Duration)> {
    let t = Instant::now();
    let stats = stack.sim_stats().await?;
    let took = t.elapsed();
    log.absorb(&stats, PROBE);
    Ok((stats, took))
}

async fn scenario(cfg: &Config, limit: Option<RateLimit>) -> anyhow::Result<Report> {
    let label = match limit {
        Some(l) => format!("simulator limit {l}"),
        None => "simulator limit off".to_owned(),
    };
    println!("\n== {label} ==");
    let events = (cfg.rate * cfg.seconds) as usize;
    let setup = Instant::now();
    let stack = Stack::start(StackOptions {
        contacts: events,
        rate_limit: limit,
        llm_latency: cfg.llm_latency,
        ..StackOptions::default()
    })
    .await?;
    let list = stack
        .ctx
        .hubspot
        .search_all_lists(Some(SEEDED_LIST))
        .await?
        .into_iter()
        .find(|l| l.name == SEEDED_LIST)
        .context("the simulator seeded no contact list")?;
    let ids: Vec<u64> = stack
        .ctx
        .hubspot
        .all_list_memberships(&list.list_id)
        .await?
        .iter()
        .filter_map(|m| m.record_id.parse().ok())
        .take(events)
        .collect();
    anyhow::ensure!(ids.len() == events, "only {} seeded contacts", ids.len());

    // The engine as the app runs it: default poller and worker, the app's LLM settings.
    let mut ctx = stack.ctx.clone();
    let llm = LlmSettings {
        base_url: format!("{}/llm/v1", stack.sim.base_url()),
        model: ctx.model.clone(),
        max_concurrency: cfg.llm_concurrency,
        ..LlmSettings::default()
    };
    ctx.llm = Arc::new(LlmClient::new(
        llm.to_config(Some(secrecy::SecretString::from("sk-latency-bench"))),
    )?);
    let session = relay_session::open(
        RelayClient::new(&stack.relay.base_url())?,
        stack.tokens.clone(),
    )
    .await?;
    let mut poller = PollerConfig::new(APP_ID, ctx.input_properties.clone());
    poller.debounce = cfg.debounce.unwrap_or(poller.debounce);
    let debounce = poller.debounce;
    let runtime = Runtime::start(ctx.clone(), Some(session), poller, WorkerConfig::default());
    // Let setup's calls leave the simulator's rate window and the long-poll park.
    tokio::time::sleep(limit.map_or(Duration::from_secs(1), |l| l.per)).await;
    stack.sim_post("/_sim/reset-stats", json!({})).await?;
    let client_before = ctx.hubspot.stats();
    println!(
        "setup {:.1} s: {events} seeded contacts, LLM {} ms × {} concurrent, debounce {} ms, \
         sending {} edits/s for {} s",
        setup.elapsed().as_secs_f64(),
        cfg.llm_latency.as_millis(),
        cfg.llm_concurrency,
        debounce.as_millis(),
        cfg.rate,
        cfg.seconds
    );

    let started = Instant::now();
    let mut sender = tokio::spawn(send_edits(
        stack.http.clone(),
        stack.sim.base_url(),
        ids,
        cfg.rate,
    ));
    let mut log = WriteLog::default();
    let mut stats_calls = Vec::new();
    let queued = || runtime.poller_stats.queued.load(Ordering::Relaxed);
    // Progress from the engine's own counters; the simulator's stats only when its bounded
    // write log could overflow (each snapshot serialises the whole log under the lock every
    // simulator request takes, so polling it often would slow the system being measured).
    let written = || -> anyhow::Result<i64> {
        Ok(stack.store.conn().query_row(
            "SELECT count(*) FROM audit WHERE outcome = 'written'",
            [],
            |r| r.get(0),
        )?)
    };
    let mut last_poll = Instant::now();
    let mut last_progress = Instant::now();
    let mut drain_deadline: Option<Instant> = None;
    let mut sent = None;
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if sent.is_none() && sender.is_finished() {
            sent = Some((&mut sender).await?);
            drain_deadline = Some(Instant::now() + cfg.drain);
        }
        if let Some(s) = &sent {
            // Every probe queued and no job left (a job is done only after its write landed).
            let idle = queued() >= s.ok && jobs::outstanding(&stack.store.conn())? == 0;
            if idle || drain_deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
        }
        if last_poll.elapsed() >= cfg.stats_every {
            let (_, took) = poll(&stack, &mut log).await?;
            stats_calls.push(took.as_secs_f64() * 1000.0);
            last_poll = Instant::now();
        }
        if last_progress.elapsed() >= Duration::from_secs(5) {
            println!(
                "  t={:>5.1}s leased {:>6} queued {:>5} written {:>5}",
                started.elapsed().as_secs_f64(),
                runtime.leased(),
                queued(),
                written()?,
            );
            last_progress = Instant::now();
        }
    }
    let sent = sent.context("the sender did not finish")?;
    let (stats, took) = poll(&stack, &mut log).await?;
    stats_calls.push(took.as_secs_f64() * 1000.0);
    let client = ctx.hubspot.stats().since(&client_before);
    let (leased, echoes) = (
        runtime.leased(),
        runtime.poller_stats.echoes.load(Ordering::Relaxed),
    );
    runtime.stop().await?;

    let (samples, missing) = log.samples();
    let ms: Vec<f64> = samples.iter().map(|s| s.latency_ms() as f64).collect();
    let stages = latency::stages(
        &stack.store,
        &stack.dir.path().join("relay.sqlite3"),
        &samples,
    )?;
    let stage = |f: fn(&Stages) -> Option<i64>| {
        let v: Vec<f64> = stages.values().filter_map(f).map(|x| x as f64).collect();
        latency::summarize(&v)
    };
    let phases = latency::audit_phases(&stack.store)?;
    let first_edit = samples.iter().map(|s| s.edit_ms).min().unwrap_or(0);
    let last_edit = samples.iter().map(|s| s.edit_ms).max().unwrap_or(0);
    let last_write = samples.iter().map(|s| s.write_ms).max().unwrap_or(0);
    let in_window = samples.iter().filter(|s| s.write_ms <= last_edit).count();
    let (calls, routes) = latency::hubspot_calls(&stats);
    let report = Report {
        label,
        written: samples.len(),
        missing: missing.len() + (sent.ok as usize).saturating_sub(samples.len() + missing.len()),
        latency: latency::summarize(&ms),
        stages: [
            stage(|s| s.to_relay),
            stage(|s| s.to_inbox),
            stage(|s| s.debounce),
            stage(|s| s.work),
        ],
        audit_phases: phases,
        throughput_in_window: in_window as f64 / ((last_edit - first_edit).max(1) as f64 / 1000.0),
        throughput_overall: samples.len() as f64
            / ((last_write - first_edit).max(1) as f64 / 1000.0),
        calls,
        routes,
        sim_429: stats["rateLimited429"].as_u64().unwrap_or(0),
        client_429: client.rate_limited,
        llm_calls: stats["llmCalls"].as_u64().unwrap_or(0),
        stats_calls: latency::summarize(&stats_calls),
        lost_writes: log.lost,
        leased,
        echoes,
        sent,
    };
    latency::report::print(&report);
    let Stack { sim, relay, .. } = stack;
    relay.shutdown().await?;
    sim.shutdown().await;
    Ok(report)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cfg = Config::from_env()?;
    let mut reports = Vec::new();
    for limit in cfg.limits.clone() {
        reports.push(scenario(&cfg, limit).await?);
    }
    latency::report::table(&reports);
    Ok(())
}
