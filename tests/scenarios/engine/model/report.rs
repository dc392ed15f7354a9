//! Readable output for a failure: per way an invariant broke, the failing schedules next to
//! what the log and the audit show for them, and a shrunk minimal schedule.

use std::fmt::Write;

use steward_tests::stack::Stack;

use super::FIRST_CONTACT;
use super::check::{Violation, by_cause, describe};
use super::evidence::Evidence;
use super::exec::Model;
use super::schedule::Schedule;
use super::shrink;

/// Replays spent shrinking one failing schedule.
const SHRINK_BUDGET: usize = 100;

/// Bookkeeping fields left out of trails (they change on every write and explain nothing).
const QUIET: [&str; 3] = ["ai_last_run_at", "ai_model", "ai_last_updated_at"];

fn short(v: &str) -> String {
    if v.chars().count() <= 48 {
        format!("{v:?}")
    } else {
        format!("{:?}…", v.chars().take(48).collect::<String>())
    }
}

/// The schedule of `contact` interleaved with its evidence.
pub fn trail(ev: &Evidence, contact: u64, schedule: &Schedule) -> String {
    let mut s = String::new();
    for (k, step) in schedule.steps.iter().enumerate() {
        let mut parts: Vec<String> = step.edits.iter().map(ToString::to_string).collect();
        parts.push(step.main.to_string());
        let _ = writeln!(s, "  step {k}: {}", parts.join("; "));
        if ev.crashed.get(k).is_some_and(|c| c.contains(&contact)) {
            let _ = writeln!(
                s,
                "      (the round trip was cut short right after its write)"
            );
        }
        let Some(log) = ev.log(k, contact) else {
            continue;
        };
        for w in log
            .writes
            .iter()
            .filter(|w| !QUIET.contains(&w.property.as_str()))
        {
            let who = if w.is_ours() {
                "Steward".to_owned()
            } else {
                format!("user {}", w.user().unwrap_or_default())
            };
            let _ = writeln!(
                s,
                "      write {} by {who}: {} = {}{}",
                w.ts,
                w.property,
                short(&w.value),
                if w.changed { "" } else { " (no change)" }
            );
        }
        for a in &log.audit {
            let _ = writeln!(s, "      audit #{}: {}", a.id, describe(a));
        }
    }
    s
}

/// Prints every way the invariants broke, with examples and a minimal schedule for each;
/// returns a one-line summary.
pub async fn explain_failures(
    stack: &Stack,
    model: &mut Model,
    plan: &[(u64, Schedule)],
    ev: &Evidence,
    violations: &[Violation],
) -> anyhow::Result<String> {
    let schedule_of = |c: u64| plan.iter().find(|(p, _)| *p == c).map(|(_, s)| s);
    let mut summary = Vec::new();
    for ((invariant, cause), vs) in by_cause(violations) {
        summary.push(format!("{} × {invariant} ({cause})", vs.len()));
        let after_crash = vs
            .iter()
            .filter(|v| {
                ev.crashed
                    .get(v.step)
                    .is_some_and(|c| c.contains(&v.contact))
            })
            .count();
        eprintln!(
            "\n=== {invariant} — {cause}: {} violation(s), {after_crash} of them in a step whose round trip was cut short right after its write",
            vs.len()
        );
        for v in vs.iter().take(12) {
            eprintln!(
                "  schedule #{} step {}: {}",
                v.contact - FIRST_CONTACT,
                v.step,
                v.detail
            );
        }
        let mut shown: Vec<u64> = Vec::new();
        for v in &vs {
            if shown.len() == 3 || shown.contains(&v.contact) {
                continue;
            }
            shown.push(v.contact);
            let Some(schedule) = schedule_of(v.contact) else {
                continue;
            };
            eprintln!(
                "--- schedule #{} (contact {}), step {}: {}\n{}",
                v.contact - FIRST_CONTACT,
                v.contact,
                v.step,
                v.detail,
                trail(ev, v.contact, schedule)
            );
        }
        let Some(schedule) = schedule_of(vs[0].contact) else {
            continue;
        };
        match shrink::shrink(stack, model, schedule, cause, SHRINK_BUDGET).await? {
            Some(s) => eprintln!(
                "--- minimal schedule ({} replays), contact {}: {}\n{}",
                s.replays,
                s.contact,
                s.violations[0].detail,
                trail(&s.evidence, s.contact, &s.schedule)
            ),
            None => eprintln!(
                "--- (schedule #{} does not fail when replayed alone)",
                vs[0].contact - FIRST_CONTACT
            ),
        }
    }
    Ok(summary.join(", "))
}
