//! `steward runs [list|show ID|diffs ID|pause ID|resume ID|cancel ID]`: batch run history and
//! control. Pause, resume and cancel only change the run's row, so they also steer a run that
//! another process (the app, or `steward enrich` in another terminal) is working on.

use steward_engine::batch::{self, RunSummary};

use super::Env;
use super::enrich::{dollars, print_diffs};
use crate::cli::RunsAction;
use crate::output;

pub fn runs(env: &Env, action: Option<RunsAction>) -> anyhow::Result<()> {
    match action.unwrap_or(RunsAction::List { limit: 20 }) {
        RunsAction::List { limit } => {
            let runs = batch::history(&env.store, limit)?;
            if env.json {
                return output::json(&runs);
            }
            if runs.is_empty() {
                println!("No batch runs yet: start one with `steward enrich --list NAME`.");
                return Ok(());
            }
            output::table(
                &[
                    "run",
                    "started",
                    "list",
                    "mode",
                    "status",
                    "total",
                    "written",
                    "unchanged",
                    "guarded",
                    "failed",
                    "cost",
                ],
                &runs.iter().map(row).collect::<Vec<_>>(),
            );
            Ok(())
        }
        RunsAction::Show { id } => {
            let p = batch::progress(&env.store, id)?;
            if env.json {
                return output::json(&p);
            }
            let r = &p.run;
            println!(
                "Run #{} on \"{}\" (list {}): {}",
                r.id, r.list_name, r.list_id, r.status
            );
            println!(
                "  {} of {} contacts: {} {}, {} unchanged, {} guarded, {} failed, {} remaining",
                r.processed(),
                r.total,
                r.done,
                if r.dry_run { "computed" } else { "written" },
                r.unchanged,
                r.guarded,
                r.failed,
                r.remaining
            );
            println!(
                "  LLM: {} tokens, {} (estimated {} tokens, {})",
                r.tokens,
                dollars(r.cost_micros),
                r.estimated_tokens,
                dollars(r.estimated_cost_micros)
            );
            if p.in_flight > 0 {
                println!("  {} in progress right now", p.in_flight);
            }
            if p.rate_per_sec > 0.0 {
                println!(
                    "  {:.1} contacts/s, about {} s left",
                    p.rate_per_sec,
                    p.eta_secs.unwrap_or(0)
                );
            }
            if let Some(e) = &r.error {
                println!("  error: {e}");
            }
            println!("  audit rows: steward audit --run {}", r.id);
            Ok(())
        }
        RunsAction::Diffs { id, limit } => {
            if env.json {
                return output::json(&batch::diffs(&env.store, id, None, limit)?);
            }
            if !batch::summary(&env.store, id)?.dry_run {
                println!(
                    "Run #{id} is not a dry run: what it wrote is in `steward audit --run {id}`."
                );
                return Ok(());
            }
            print_diffs(&env.store, id, limit)
        }
        RunsAction::Pause { id } => {
            batch::pause(&env.store, id)?;
            println!("Run #{id} paused: resume it with `steward runs resume {id}`.");
            Ok(())
        }
        RunsAction::Resume { id } => {
            batch::resume(&env.store, id)?;
            println!("Run #{id} resumed: the app, `steward run` or `steward enrich` works on it.");
            Ok(())
        }
        RunsAction::Cancel { id } => {
            batch::cancel(&env.store, id)?;
            println!("Run #{id} cancelled.");
            Ok(())
        }
    }
}

fn row(r: &RunSummary) -> Vec<String> {
    let mode = match (r.dry_run, r.force) {
        (true, true) => "dry run, force",
        (true, false) => "dry run",
        (false, true) => "force",
        (false, false) => "normal",
    };
    vec![
        r.id.to_string(),
        output::time(r.created_at),
        r.list_name.clone(),
        mode.to_owned(),
        r.status.to_string(),
        r.total.to_string(),
        r.done.to_string(),
        r.unchanged.to_string(),
        r.guarded.to_string(),
        r.failed.to_string(),
        dollars(r.cost_micros),
    ]
}
