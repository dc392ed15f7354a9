//! A randomized model test of the guarded write-back: 10,000 random schedules — people editing
//! AI fields and inputs, edits landing between the engine's check and its write, AI runs
//! (live, forced, dry), duplicates, reordered chunks, crashes before settling and right after
//! the write, approvals, rejections and edit-and-approvals — run in lockstep against the
//! simulator, then judged from independent evidence (the simulator's write log, the audit rows,
//! the reviews): no person's value overwritten without approval, no write with an unchanged
//! hash, no write without an audit row (DESIGN §4).
//!
//! Deterministic for a seed (up to database row ids). `STEWARD_MODEL_SEED`, `STEWARD_MODEL_SCHEDULES` (default 10,000),
//! `STEWARD_MODEL_STEPS` (default 4), `STEWARD_MODEL_ONLY` (replay one schedule by index) and
//! `STEWARD_MODEL_HARD_CRASHES=0` (crash only before settling, never right after the write)
//! select what runs. A failure prints the seed, failing schedules with their evidence, and a
//! shrunk minimal schedule per way an invariant broke.
//!
//! To fit 10,000 schedules in CI the stack runs without webhooks (nothing consumes them here),
//! the pipeline's HubSpot client is unpaced (the simulator enforces no rate limit) and the
//! engine's SQLite skips fsync; none of that changes what the engine decides or writes.
//!
//! # Layout
//! - [`rng`]: the seeded generator.
//! - [`schedule`]: the actions of a schedule, how they are drawn, how they read.
//! - [`exec`]: runs schedules in lockstep over one stack; batching, reordering, reruns.
//! - [`actions`]: how one edit, run or decision is carried out.
//! - [`crash`]: the proxy that kills a round trip right after HubSpot applied its write.
//! - [`evidence`]: the write log, audit rows and reviews each step leaves behind.
//! - [`check`]: the invariants.
//! - [`shrink`]: minimal failing schedules.
//! - [`report`]: a schedule next to its evidence.

mod actions;
mod check;
mod crash;
mod evidence;
mod exec;
mod report;
mod rng;
mod schedule;
mod shrink;

use std::str::FromStr;
use std::time::Instant;

use steward_tests::stack::{Stack, StackOptions};

use check::check;
use exec::Model;
use rng::Rng;
use schedule::Schedule;

const DEFAULT_SEED: u64 = 0x5EED_0000_2024;
/// The simulator numbers seeded contacts from here.
pub const FIRST_CONTACT: u64 = 101;

fn env<T: FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| {
            let v = v.trim().replace('_', "");
            match v.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16).ok()?.to_string().parse().ok(),
                None => v.parse().ok(),
            }
        })
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_schedules_never_overwrite_a_person_rewrite_a_hash_or_write_unaudited()
-> anyhow::Result<()> {
    let seed: u64 = env("STEWARD_MODEL_SEED", DEFAULT_SEED);
    let schedules: usize = env("STEWARD_MODEL_SCHEDULES", 10_000);
    let steps: usize = env("STEWARD_MODEL_STEPS", 4);
    let hard_crashes = env("STEWARD_MODEL_HARD_CRASHES", 1u8) != 0;
    let only: Option<usize> = std::env::var("STEWARD_MODEL_ONLY")
        .ok()
        .and_then(|v| v.parse().ok());
    eprintln!(
        "model: seed {seed:#x}, {schedules} schedules × {steps} steps (replay: STEWARD_MODEL_SEED={seed:#x})"
    );
    let started = Instant::now();
    let stack = Stack::start(StackOptions {
        contacts: schedules,
        webhooks: false,
        ..Default::default()
    })
    .await?;
    let plan: Vec<(u64, Schedule)> = (0..schedules)
        .filter(|i| only.is_none_or(|o| o == *i))
        .map(|i| {
            let mut rng = Rng::derive(seed, i as u64, 0);
            (
                FIRST_CONTACT + i as u64,
                Schedule::generate(&mut rng, steps, hard_crashes),
            )
        })
        .collect();
    let ids: Vec<u64> = plan.iter().map(|(c, _)| *c).collect();
    let last = ids.last().copied().unwrap_or(FIRST_CONTACT);
    let found = stack
        .ctx
        .hubspot
        .batch_read_contacts(
            &[FIRST_CONTACT.to_string(), last.to_string()],
            &Default::default(),
        )
        .await?;
    anyhow::ensure!(
        found.results.len() == 2,
        "the simulator did not seed contacts {FIRST_CONTACT}..={last}"
    );
    let setup = started.elapsed();

    let mut model = Model::new(&stack, seed)?;
    let ev = model.run(&plan).await?;
    let (violations, tally) = check(&ev, &ids);
    let c = model.counters.clone();
    let actions: usize = plan.iter().map(|(_, s)| s.actions()).sum();
    eprintln!(
        "model: {} schedules, {} steps, {actions} actions in {:.1?} (setup {setup:.1?}): {} edits ({} armed between check and write), {} AI runs + {} reruns in {} chunks, {} crashes right after a write",
        plan.len(),
        c.steps * plan.len(),
        started.elapsed(),
        c.edits,
        c.races_armed,
        c.runs,
        c.reruns,
        c.chunks,
        c.hard_crashes
    );
    eprintln!(
        "model: phases (edits, runs, reruns, decisions, evidence): wall {:.1?}, cpu {:.1?} s; process cpu {:.1} s",
        c.phase_time,
        c.phase_cpu,
        actions::cpu_seconds()
    );
    eprintln!("model: first-pass outcomes {:?}", c.outcomes);
    eprintln!("model: review decisions {:?}", c.decisions);
    eprintln!("model: checker saw {tally:?}");

    if !violations.is_empty() {
        let summary = report::explain_failures(&stack, &mut model, &plan, &ev, &violations).await?;
        anyhow::bail!(
            "seed {seed:#x}: {summary} (replay with STEWARD_MODEL_SEED={seed:#x} STEWARD_MODEL_SCHEDULES={schedules})"
        );
    }

    // Liveness: the invariants must not hold because nothing happened.
    let runs: usize = c.outcomes.values().sum();
    let count = |o: &str| c.outcomes.get(o).copied().unwrap_or(0);
    let wrote = count("written") + count("conflict");
    anyhow::ensure!(
        runs > 0 && wrote * 5 >= runs,
        "only {wrote} of {runs} AI runs wrote anything: {:?}",
        c.outcomes
    );
    let unexpected: Vec<&String> = c
        .outcomes
        .keys()
        .filter(|o| {
            !["written", "conflict", "guarded", "unchanged", "dry_run"].contains(&o.as_str())
        })
        .collect();
    anyhow::ensure!(
        unexpected.is_empty(),
        "round trips ended unexpectedly (the simulator injects no faults here): {unexpected:?}"
    );
    anyhow::ensure!(
        c.decision_errors.is_empty(),
        "review decisions failed unexpectedly: {:?}",
        &c.decision_errors[..c.decision_errors.len().min(5)]
    );
    if plan.len() >= 1_000 {
        let covered = [
            ("round-trip writes", tally.round_trip_writes),
            ("approvals", tally.approval_writes),
            (
                "approvals over a person's value",
                tally.approved_over_person,
            ),
            (
                "restores after an edit between check and write",
                tally.races_restored,
            ),
            (
                "forced rewrites of an unchanged hash",
                tally.forced_same_hash,
            ),
            (
                "crashes right after a write",
                c.hard_crashes.max(usize::from(!hard_crashes)),
            ),
        ];
        for (what, n) in covered {
            anyhow::ensure!(n > 0, "the schedules never exercised {what}");
        }
    }
    Ok(())
}
