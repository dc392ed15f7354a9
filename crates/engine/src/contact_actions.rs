//! What the admin can do with one contact from its page: queue a fresh enrichment ("Re-enrich
//! now", a manual job the worker runs with force), or see what the AI would write right now
//! without writing anything ("Dry run", also used by Settings to preview an edited prompt).

use serde::Serialize;
use steward_llm::PromptTemplate;
use ts_rs::TS;

use crate::EngineError;
use crate::audit::{self, AuditFilter, Outcome};
use crate::clock::now_ms;
use crate::jobs::{self, NewJob, Trigger};
use crate::pipeline::{self, ContactDiff, DryRun, ItemResult, Mode, PipelineContext, WorkItem};

/// Queues a manual job for the contact (folded into one already queued). The caller wakes the
/// worker so it starts at once.
pub fn reenrich(
    conn: &rusqlite::Connection,
    portal_id: u64,
    contact_id: u64,
) -> Result<(), EngineError> {
    let now = now_ms();
    jobs::enqueue(
        conn,
        &NewJob {
            portal_id,
            contact_id,
            trigger: Trigger::Manual,
            trigger_ref: Some("admin: re-enrich now"),
            run_id: None,
            not_before_ms: now,
        },
        now,
    )
}

/// What a dry run found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct DryRunResult {
    #[ts(type = "number")]
    pub contact_id: u64,
    pub outcome: Option<Outcome>,
    pub correlation_id: Option<String>,
    /// Per field: current value, proposal, and the guard's decision.
    pub diff: Option<ContactDiff>,
    /// Why there is no diff (the LLM's output was invalid, HubSpot failed, enrichment is
    /// paused …).
    pub message: Option<String>,
    #[ts(type = "number")]
    pub cost_micros: u64,
}

/// Runs the whole round trip for one contact with `DryRun::Yes` and `force` (the LLM is asked
/// even when the inputs are unchanged), optionally with an unsaved prompt.
pub async fn dry_run(
    ctx: &PipelineContext,
    contact_id: u64,
    prompt: Option<PromptTemplate>,
) -> Result<DryRunResult, pipeline::PipelineError> {
    let mut ctx = ctx.clone();
    let reference = match prompt {
        Some(p) => {
            ctx.prompt = p;
            "admin: prompt preview"
        }
        None => "admin: dry run",
    };
    let item = WorkItem {
        contact_id,
        trigger: Trigger::Manual,
        trigger_ref: Some(reference.to_owned()),
        run_id: None,
        mode: Mode {
            dry_run: DryRun::Yes,
            force: true,
        },
    };
    let results = pipeline::process_chunk(&ctx, vec![item]).await?;
    let mut out = DryRunResult {
        contact_id,
        outcome: None,
        correlation_id: None,
        diff: None,
        message: None,
        cost_micros: 0,
    };
    match results.into_iter().next().map(|(_, r)| r) {
        Some(ItemResult::Done {
            outcome,
            correlation_id,
            diff,
            cost_micros,
        }) => {
            if diff.is_none() {
                out.message = reason_of(&ctx, &correlation_id)?;
            }
            out.outcome = Some(outcome);
            out.correlation_id = Some(correlation_id);
            out.diff = diff;
            out.cost_micros = cost_micros;
        }
        Some(ItemResult::Retry { reason }) => {
            out.outcome = Some(Outcome::Failed);
            out.message = Some(format!("{reason}; try again in a moment"));
        }
        Some(ItemResult::Deferred { pause }) => out.message = Some(pause.message()),
        None => out.message = Some("nothing was processed".into()),
    }
    Ok(out)
}

/// The audit's reason for a round trip that produced no diff.
fn reason_of(ctx: &PipelineContext, correlation_id: &str) -> Result<Option<String>, EngineError> {
    let rows = audit::list(
        &ctx.store.conn(),
        &AuditFilter {
            correlation_id: Some(correlation_id.to_owned()),
            limit: Some(1),
            ..Default::default()
        },
    )?;
    Ok(rows.into_iter().next().and_then(|r| r.reason))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    #[test]
    fn reenrich_queues_one_manual_job_per_contact() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("db")).unwrap();
        let conn = store.conn();
        reenrich(&conn, 1, 42).unwrap();
        reenrich(&conn, 1, 42).unwrap();
        let (n, trigger): (i64, String) = conn
            .query_row(
                "SELECT count(*), max(trigger) FROM jobs WHERE contact_id = 42 AND status = 'queued'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((n, trigger.as_str()), (1, "manual"));
    }
}
