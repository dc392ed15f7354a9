//! Shrinking a failing schedule to a minimal one, proptest-style: replay candidates on fresh
//! contacts of the same stack and keep every simplification that still breaks the invariant.

use std::sync::atomic::{AtomicUsize, Ordering};

use steward_tests::stack::Stack;

use super::check::{Violation, check};
use super::evidence::Evidence;
use super::exec::Model;
use super::schedule::{Crash, Main, RunMode, Schedule, Step};

/// The shrunk schedule with the evidence and violations of its last failing replay.
pub struct Shrunk {
    pub schedule: Schedule,
    pub contact: u64,
    pub evidence: Evidence,
    pub violations: Vec<Violation>,
    pub replays: usize,
}

/// Replays `schedule` alone on a fresh contact; `Some` if it still breaks the same way.
async fn replay(
    stack: &Stack,
    model: &mut Model,
    schedule: &Schedule,
    cause: &str,
) -> anyhow::Result<Option<(u64, Evidence, Vec<Violation>)>> {
    static FRESH: AtomicUsize = AtomicUsize::new(0);
    let n = FRESH.fetch_add(1, Ordering::Relaxed);
    let contact = stack
        .create_contact(serde_json::json!({
            "email": format!("shrink{n}@model.example"), "firstname": "Shrink", "lastname": format!("Case{n}"),
            // Outside the schedules' pools, so every input edit changes the hash.
            "company": "Shrinkwrap Ltd", "jobtitle": "Analyst"
        }))
        .await?;
    let plan = [(contact, schedule.clone())];
    let ev = model.run(&plan).await?;
    let (v, _) = check(&ev, &[contact]);
    let v: Vec<Violation> = v.into_iter().filter(|x| x.cause == cause).collect();
    Ok((!v.is_empty()).then_some((contact, ev, v)))
}

/// Simpler variants of `s`, most aggressive first.
fn candidates(s: &Schedule, fail_step: usize) -> Vec<Schedule> {
    let mut out = Vec::new();
    if s.steps.len() > fail_step + 1 {
        out.push(Schedule {
            steps: s.steps[..=fail_step].to_vec(),
            salt: s.salt,
        });
    }
    for i in 0..s.steps.len() {
        let mut t = s.clone();
        t.steps.remove(i);
        out.push(t);
    }
    for i in 0..s.steps.len() {
        for j in 0..s.steps[i].edits.len() {
            let mut t = s.clone();
            t.steps[i].edits.remove(j);
            out.push(t);
        }
        let simpler: Vec<Main> = match s.steps[i].main {
            Main::Idle => vec![],
            Main::Review(_) => vec![Main::Idle],
            Main::Run(r) => {
                let mut v = vec![Main::Idle];
                if r.dup {
                    v.push(Main::Run(super::schedule::Run { dup: false, ..r }));
                }
                if r.crash != Crash::None {
                    v.push(Main::Run(super::schedule::Run {
                        crash: Crash::None,
                        ..r
                    }));
                }
                if r.mode != RunMode::Live {
                    v.push(Main::Run(super::schedule::Run {
                        mode: RunMode::Live,
                        ..r
                    }));
                }
                v
            }
        };
        for m in simpler {
            let mut t = s.clone();
            t.steps[i] = Step {
                edits: t.steps[i].edits.clone(),
                main: m,
            };
            out.push(t);
        }
    }
    out
}

/// Greedy shrinking within `budget` replays. `None` if the schedule does not fail on its own.
pub async fn shrink(
    stack: &Stack,
    model: &mut Model,
    schedule: &Schedule,
    cause: &str,
    budget: usize,
) -> anyhow::Result<Option<Shrunk>> {
    let mut n = 0;
    let Some((contact, evidence, violations)) = replay(stack, model, schedule, cause).await? else {
        return Ok(None);
    };
    let mut best = Shrunk {
        schedule: schedule.clone(),
        contact,
        evidence,
        violations,
        replays: 1,
    };
    'outer: while n < budget {
        let fail_step = best.violations.iter().map(|v| v.step).min().unwrap_or(0);
        for cand in candidates(&best.schedule, fail_step) {
            n += 1;
            if n >= budget {
                break 'outer;
            }
            if let Some((contact, evidence, violations)) =
                replay(stack, model, &cand, cause).await?
            {
                best = Shrunk {
                    schedule: cand,
                    contact,
                    evidence,
                    violations,
                    replays: n + 1,
                };
                continue 'outer;
            }
        }
        break;
    }
    best.replays = n + 1;
    Ok(Some(best))
}
