//! A write HubSpot applied right before the process died is the interrupted job's result when
//! the job runs again: one audit row for it (counted as written, not as a second "unchanged"
//! round trip), and no second write — also when the job's run is forced, where re-asking the
//! LLM used to write the same input hash a second time. Two crash points: right after HubSpot
//! applied the write (the crash proxy withholds its answer), and after the round trip was
//! audited but before its job was marked done.

use std::collections::HashMap;

use steward_engine::audit::Outcome;
use steward_engine::jobs::Trigger;
use steward_engine::pipeline::{self, DryRun, ItemResult, Mode, WorkItem};
use steward_tests::crash_proxy::CrashProxy;
use steward_tests::stack::{Stack, StackOptions};

use steward_engine::batch::{self, RunOptions};
use steward_tests::stack::PORTAL;

use crate::support::{all_audit, integration_writes};
use steward_tests::seed;

fn items(ids: &[u64], force: bool, run_id: Option<i64>) -> Vec<WorkItem> {
    ids.iter()
        .map(|id| WorkItem {
            contact_id: *id,
            trigger: Trigger::Batch,
            trigger_ref: None,
            run_id,
            mode: Mode {
                dry_run: DryRun::No,
                force,
            },
        })
        .collect()
}

fn outcome(result: &ItemResult) -> Option<Outcome> {
    match result {
        ItemResult::Done { outcome, .. } => Some(*outcome),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_landed_before_a_crash_is_the_jobs_result_and_never_written_again()
-> anyhow::Result<()> {
    let stack = Stack::start(StackOptions {
        contacts: 10,
        webhooks: false,
        ..StackOptions::default()
    })
    .await?;
    let ids = seed::seeded_ids(&stack, 4).await?;
    let (fresh, forced) = ids.split_at(2);
    // The forced contacts were enriched before, so their record holds the hash already.
    let first = pipeline::process_chunk(&stack.ctx, items(forced, false, None)).await?;
    assert!(
        first
            .iter()
            .all(|(_, r)| outcome(r) == Some(Outcome::Written))
    );

    // One round trip for all four (fresh ones normally, the others forced) dies right after
    // HubSpot applied its batch update.
    let mut work = items(fresh, false, None);
    work.extend(items(forced, true, None));
    let proxy = CrashProxy::start(stack.sim.addr()).await?;
    let mut crashing = stack.ctx.clone();
    crashing.hubspot = hubspot::HubSpotClient::builder(stack.tokens.clone())
        .base_url(&proxy.url)
        .build()?;
    tokio::select! {
        r = pipeline::process_chunk(&crashing, work.clone()) => {
            anyhow::bail!("the round trip ended before its write: {r:?}")
        }
        () = proxy.tripped() => {}
    }
    drop(proxy);
    let landed = first_attempt_landed(&stack, &ids, fresh).await?;

    // The job runs again, in the same mode.
    let again = pipeline::process_chunk(&stack.ctx, work).await?;
    resumed_once(&stack, &landed, &again, fresh).await
}

/// The simulator's writes once the first attempt's update landed: one per fresh contact, two
/// per forced one (its earlier enrichment and this attempt).
async fn first_attempt_landed(
    stack: &Stack,
    ids: &[u64],
    fresh: &[u64],
) -> anyhow::Result<HashMap<(u64, String), Vec<String>>> {
    let landed = integration_writes(stack).await?;
    for id in ids {
        let want = if fresh.contains(id) { 1 } else { 2 };
        assert_eq!(writes(&landed, *id), want, "contact {id}: the write landed");
    }
    Ok(landed)
}

/// After the second attempt: nothing written again, one audit row per write, and the job's
/// result is the interrupted attempt's row.
async fn resumed_once(
    stack: &Stack,
    landed: &HashMap<(u64, String), Vec<String>>,
    again: &[(WorkItem, ItemResult)],
    fresh: &[u64],
) -> anyhow::Result<()> {
    let after = integration_writes(stack).await?;
    let rows = all_audit(&stack.store)?;
    for (item, result) in again {
        let id = item.contact_id;
        assert_eq!(
            writes(&after, id),
            writes(landed, id),
            "contact {id}: not written again"
        );
        let outcomes: Vec<Option<Outcome>> = rows
            .iter()
            .filter(|r| r.contact_id == id)
            .map(|r| r.outcome)
            .collect();
        // One row per write: the interrupted attempt's; none for the second attempt, whose
        // result is that row's.
        assert_eq!(
            outcomes.len(),
            writes(&after, id),
            "contact {id}: one audit row per write: {outcomes:?}"
        );
        assert_eq!(
            outcome(result),
            *outcomes.last().expect("rows"),
            "contact {id}: the interrupted attempt's result is the job's"
        );
        if fresh.contains(&id) {
            assert_eq!(outcomes, [Some(Outcome::Written)], "contact {id}");
        }
    }
    Ok(())
}

fn writes(w: &HashMap<(u64, String), Vec<String>>, id: u64) -> usize {
    w.get(&(id, "ai_input_hash".to_owned()))
        .map(Vec::len)
        .unwrap_or(0)
}

/// The process died later: the write was confirmed and audited, but the job not yet marked
/// done. Within a batch run the next attempt finds that row and stops there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_trip_audited_before_its_job_was_marked_done_is_not_repeated() -> anyhow::Result<()>
{
    let stack = Stack::start(StackOptions {
        contacts: 10,
        webhooks: false,
        ..StackOptions::default()
    })
    .await?;
    let ids = seed::seeded_ids(&stack, 4).await?;
    let (fresh, forced) = ids.split_at(2);
    pipeline::process_chunk(&stack.ctx, items(forced, false, None)).await?;
    let list = seed::resolved_list(&stack, "Resumed run", &ids).await?;
    let run = batch::start_run(&stack.store, PORTAL, &list, RunOptions::default(), None)?;
    let mut work = items(fresh, false, Some(run));
    work.extend(items(forced, true, Some(run)));
    // The first attempt finishes its round trip; its job is never marked done (the process
    // dies right after the audit commit).
    pipeline::process_chunk(&stack.ctx, work.clone()).await?;
    let landed = first_attempt_landed(&stack, &ids, fresh).await?;
    let again = pipeline::process_chunk(&stack.ctx, work).await?;
    resumed_once(&stack, &landed, &again, fresh).await
}
