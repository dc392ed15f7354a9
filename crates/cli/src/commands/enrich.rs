//! `steward enrich --list NAME|ID [--dry-run] [--force] [--yes]`: re-enrich a HubSpot list as a
//! resumable batch run, with the engine in the foreground and a progress bar with ETA
//! (`--json`: one JSON object per line — the estimate, progress about once a second, the end).
//!
//! Asking again for a list whose run is unfinished (stopped, killed, paused) resumes that run.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use steward_engine::Store;
use steward_engine::batch::{self, BatchError, RunOptions, RunProgress, RunStatus, RunSummary};
use steward_engine::connection::{self, Connection};
use steward_engine::poller::PollerConfig;
use steward_engine::runtime::Runtime;
use steward_engine::worker::WorkerConfig;

use super::Env;
use super::run::relay_session;
use crate::cli::EnrichArgs;
use crate::output;

/// How often progress is read (the bar) and printed (`--json`).
const TICK: Duration = Duration::from_millis(250);
const JSON_EVERY: Duration = Duration::from_secs(1);

/// Dollars from micro-dollars, for people.
pub fn dollars(micros: u64) -> String {
    format!("${:.2}", micros as f64 / 1_000_000.0)
}

pub async fn enrich(env: &Env, args: EnrichArgs) -> anyhow::Result<()> {
    let _logs = steward_engine::logging::init(&env.dir.logs())?;
    let ctx = connection::pipeline_context(&env.store)?;
    let info = env
        .settings
        .get::<Connection>()?
        .ok_or(connection::ConnectError::NotConnected)?;
    let options = RunOptions {
        dry_run: args.dry_run,
        force: args.force,
    };
    let list = batch::resolve_list(&ctx.hubspot, &args.list).await?;

    let run_id = match batch::unfinished_run(&env.store, ctx.portal_id)? {
        Some(run)
            if run.list_id == list.list_id
                && run.dry_run == options.dry_run
                && run.force == options.force =>
        {
            if run.status == RunStatus::Paused {
                batch::resume(&env.store, run.id)?;
            }
            output::say(
                env.json,
                json!({"event": "resumed", "run": run.id, "processed": run.processed(), "total": run.total}),
                format!(
                    "Resuming run #{} on \"{}\": {} of {} contacts done.",
                    run.id,
                    run.list_name,
                    run.processed(),
                    run.total
                ),
            )?;
            run.id
        }
        Some(run) => {
            return Err(BatchError::RunInProgress {
                id: run.id,
                list_name: run.list_name,
            })
            .with_context(|| {
                format!(
                    "finish it with `steward enrich --list {}{}{}`, or cancel it with `steward runs cancel {}`",
                    run.list_id,
                    if run.dry_run { " --dry-run" } else { "" },
                    if run.force { " --force" } else { "" },
                    run.id
                )
            });
        }
        None => {
            let estimate = batch::estimate(&ctx, &list).await?;
            let mut line = serde_json::to_value(&estimate)?;
            line["event"] = "estimate".into();
            output::say(
                env.json,
                line,
                format!(
                    "List \"{}\" (id {}): {} contacts.\nEstimate: up to {} input + {} output tokens ≈ {} with {} (from {} sampled contacts; unchanged contacts cost nothing{}).{}",
                    list.name,
                    list.list_id,
                    estimate.contacts,
                    estimate.input_tokens,
                    estimate.output_tokens,
                    dollars(estimate.cost_micros),
                    estimate.model,
                    estimate.sampled,
                    if options.force {
                        ", but --force re-asks for every contact"
                    } else {
                        ""
                    },
                    if options.dry_run {
                        "\nDry run: nothing will be written to HubSpot."
                    } else {
                        ""
                    },
                ),
            )?;
            if !args.yes && !env.json && std::io::stdin().is_terminal() && !confirm().await? {
                println!("Nothing started.");
                return Ok(());
            }
            let id = batch::start_run(&env.store, ctx.portal_id, &list, options, Some(&estimate))?;
            output::say(
                env.json,
                json!({"event": "started", "run": id}),
                format!("Run #{id} started."),
            )?;
            id
        }
    };

    let stopped = stop_signal::stop_signal()?;
    let session = relay_session(&info, &ctx).await?;
    let poller = PollerConfig::new(ctx.app_id, ctx.input_properties.clone());
    let runtime = Runtime::start(ctx, session, poller, WorkerConfig::default());
    runtime.signals.wake_runs();
    let stop = runtime.shutdown_token();
    let interrupted = tokio::spawn(async move {
        stopped.await;
        stop.cancel();
    });
    let watched = watch(env, &runtime, run_id).await;
    interrupted.abort();
    runtime.stop().await?;
    let run = watched?;
    if !run.status.is_finished() {
        anyhow::bail!(
            "stopped: run #{} resumes with `steward enrich --list {}` (or `steward run`, or the app)",
            run.id,
            run.list_id
        );
    }
    finish(env, &run)
}

/// Follows the run until it ends or the engine is stopped (Ctrl-C).
async fn watch(env: &Env, runtime: &Runtime, run_id: i64) -> anyhow::Result<RunSummary> {
    let bar = (!env.json).then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{bar:32.cyan/blue} {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let mut last_json: Option<Instant> = None;
    let stopped = runtime.shutdown_token();
    loop {
        let progress = batch::progress(&env.store, run_id)?;
        let pause = runtime.pause().map(|p| p.message());
        let finished = progress.run.status.is_finished();
        if let Some(bar) = &bar {
            bar.set_length(progress.run.total.max(progress.run.processed()));
            bar.set_position(progress.run.processed());
            bar.set_message(message(&progress, pause.as_deref()));
        } else if finished || last_json.is_none_or(|t| t.elapsed() >= JSON_EVERY) {
            let mut line = serde_json::to_value(&progress)?;
            line["event"] = "progress".into();
            line["paused_because"] = pause.into();
            output::out(&line)?;
            last_json = Some(Instant::now());
        }
        if finished || stopped.is_cancelled() {
            if let Some(bar) = &bar {
                bar.finish_and_clear();
            }
            return Ok(progress.run);
        }
        tokio::select! {
            _ = stopped.cancelled() => {}
            _ = runtime.signals.settled.notified() => {}
            _ = tokio::time::sleep(TICK) => {}
        }
    }
}

/// The bar's text: the counters, the rate and the ETA (or why the engine waits).
fn message(p: &RunProgress, pause: Option<&str>) -> String {
    let r = &p.run;
    let mut s = format!(
        "{} {} · unchanged {} · guarded {} · failed {} · remaining {}",
        if r.dry_run { "computed" } else { "written" },
        r.done,
        r.unchanged,
        r.guarded,
        r.failed,
        r.remaining
    );
    if p.in_flight > 0 {
        s.push_str(&format!(" · {} in progress", p.in_flight));
    }
    if r.status == RunStatus::Paused {
        s.push_str(" · paused (steward runs resume ");
        s.push_str(&r.id.to_string());
        s.push(')');
    } else if let Some(reason) = pause {
        s.push_str(" · waiting: ");
        s.push_str(reason);
    } else if p.rate_per_sec > 0.0 {
        s.push_str(&format!(" · {:.1}/s", p.rate_per_sec));
        if let Some(eta) = p.eta_secs {
            s.push_str(&format!(" · ETA {}", human_secs(eta)));
        }
    }
    s
}

fn human_secs(s: u64) -> String {
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// The end of a run: totals, and for a dry run the first diffs.
fn finish(env: &Env, run: &RunSummary) -> anyhow::Result<()> {
    if env.json {
        let mut line = serde_json::to_value(run)?;
        line["event"] = "finished".into();
        output::out(&line)?;
    } else {
        println!(
            "Run #{} {}: {} {}, {} unchanged, {} guarded, {} failed; {} tokens, {}.",
            run.id,
            run.status,
            run.done,
            if run.dry_run { "computed" } else { "written" },
            run.unchanged,
            run.guarded,
            run.failed,
            run.tokens,
            dollars(run.cost_micros)
        );
        if run.dry_run {
            print_diffs(&env.store, run.id, 10)?;
            println!("All diffs: steward runs diffs {}", run.id);
        }
        println!("Audit rows: steward audit --run {}", run.id);
    }
    match run.status {
        RunStatus::Failed => anyhow::bail!(
            "run #{} failed: {}",
            run.id,
            run.error.as_deref().unwrap_or("see the log")
        ),
        _ => Ok(()),
    }
}

/// Prints up to `limit` diffs of a run, one field per line: current → proposed (decision).
pub fn print_diffs(store: &Store, run_id: i64, limit: u32) -> anyhow::Result<()> {
    for d in batch::diffs(store, run_id, None, limit)? {
        println!("contact {} ({}):", d.contact_id, d.outcome.as_str());
        for f in &d.diff.fields {
            println!(
                "  {}: {:?} → {:?} ({}{})",
                f.property,
                f.current.as_deref().unwrap_or(""),
                f.proposed,
                f.decision,
                f.blocked_by
                    .as_deref()
                    .map(|b| format!(", kept the value of {b}"))
                    .unwrap_or_default()
            );
        }
    }
    Ok(())
}

/// Asks "Start the run? [y/N]" on the terminal.
async fn confirm() -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(|| -> anyhow::Result<bool> {
        print!("Start the run? [y/N] ");
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
    })
    .await?
}
