//! A job whose earlier attempt was cut off (the process died, the answer was lost) after its
//! write reached HubSpot: that write is the job's result. Running the job again must neither
//! add a second audit row for the same inputs nor — when its run is forced — write the same
//! input hash a second time.

use super::context::{DryRun, PipelineContext, WorkItem};
use super::outcome::ItemResult;
use crate::EngineError;
use crate::audit::{self, AuditFilter, Outcome};

/// The result of an earlier, interrupted attempt of this job on the same inputs, if any:
/// either a write `recovered` just now (settled by [`super::writeback::recover`]), or — in a
/// batch run — a round trip of the same run already settled in the audit before the job could
/// be marked done. A run works each member once, so such a row is this job's.
pub fn earlier_result(
    ctx: &PipelineContext,
    item: &WorkItem,
    input_hash: &str,
    recovered: Vec<(String, ItemResult)>,
) -> Result<Option<ItemResult>, EngineError> {
    if item.mode.dry_run == DryRun::Yes {
        return Ok(None);
    }
    if let Some((_, result)) = recovered
        .into_iter()
        .find(|(hash, r)| hash == input_hash && matches!(r, ItemResult::Done { .. }))
    {
        return Ok(Some(result));
    }
    let Some(run_id) = item.run_id else {
        return Ok(None);
    };
    let rows = audit::list(
        &ctx.store.conn(),
        &AuditFilter {
            contact_id: Some(item.contact_id),
            run_id: Some(run_id),
            limit: Some(20),
            ..Default::default()
        },
    )?;
    Ok(rows
        .into_iter()
        .filter(|r| r.portal_id == ctx.portal_id && r.input_hash.as_deref() == Some(input_hash))
        .find_map(|r| match r.outcome {
            Some(
                outcome @ (Outcome::Written
                | Outcome::Guarded
                | Outcome::Conflict
                | Outcome::Unchanged),
            ) => Some(ItemResult::Done {
                outcome,
                correlation_id: r.correlation_id,
                diff: None,
                cost_micros: r.cost_micros,
            }),
            _ => None,
        }))
}
