//! Batch re-enrichment of a list (issue #7) through the running engine: the feeder pages the
//! list's members into the job queue and the worker enriches them with the live pipeline.

use std::collections::BTreeSet;
use std::time::Duration;

use steward_engine::audit::{self, AuditFilter, Outcome};
use steward_engine::batch::{self, ListSummary, RunOptions, RunStatus, RunSummary};
use steward_engine::jobs;
use steward_tests::seed;
use steward_tests::stack::{PORTAL, Stack, StackOptions};

const WAIT: Duration = Duration::from_secs(120);

async fn run_to_end(
    stack: &Stack,
    list: &ListSummary,
    options: RunOptions,
) -> anyhow::Result<RunSummary> {
    let id = batch::start_run(&stack.store, PORTAL, list, options, None)?;
    if let Some(r) = stack.runtime() {
        r.signals.wake_runs();
    }
    stack
        .eventually(WAIT, "the run finishes", || async {
            Ok(batch::summary(&stack.store, id)?.status.is_finished())
        })
        .await?;
    Ok(batch::summary(&stack.store, id)?)
}

/// A 1,000-contact list is enriched once (one LLM call and one write each); running it again
/// makes no LLM call and no write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_is_enriched_once_and_a_second_run_is_free() -> anyhow::Result<()> {
    let mut stack = Stack::start(StackOptions {
        contacts: 1_000,
        ..StackOptions::default()
    })
    .await?;
    let ids = seed::seeded_ids(&stack, 1_000).await?;
    let list = seed::resolved_list(&stack, "Q3 re-enrichment", &ids).await?;
    assert_eq!(list.size, Some(1_000));
    let found = batch::search_lists(&stack.ctx.hubspot, "re-enrich").await?;
    assert!(found.iter().any(|l| l.list_id == list.list_id), "{found:?}");

    let estimate = batch::estimate(&stack.ctx, &list).await?;
    assert_eq!(estimate.contacts, 1_000);
    assert_eq!(estimate.sampled, u64::from(batch::estimate::SAMPLE));
    assert!(estimate.input_tokens > 1_000 * 200, "{estimate:?}");
    assert_eq!(stack.llm_calls().await?, 0, "estimating calls no LLM");

    stack.start_engine().await?;
    let first = run_to_end(&stack, &list, RunOptions::default()).await?;
    assert_eq!(first.status, RunStatus::Completed, "{first:?}");
    assert_eq!((first.total, first.enqueued), (1_000, 1_000));
    assert_eq!(first.done, 1_000, "{first:?}");
    assert_eq!((first.failed, first.guarded, first.remaining), (0, 0, 0));
    assert!(first.tokens > 0);
    assert_eq!(stack.llm_calls().await?, 1_000);
    let hashes = stack
        .integration_writes_per_contact("ai_input_hash")
        .await?;
    assert_eq!(hashes.len(), 1_000);
    assert!(hashes.values().all(|n| *n == 1), "one write per contact");
    let rows = audit::list(
        &stack.store.conn(),
        &AuditFilter {
            run_id: Some(first.id),
            limit: Some(5_000),
            ..Default::default()
        },
    )?;
    assert_eq!(
        rows.len(),
        1_000,
        "one audit row per contact, tagged with the run"
    );
    assert!(
        rows.iter()
            .all(|r| r.outcome == Some(Outcome::Written) && r.trigger == "batch")
    );

    let second = run_to_end(&stack, &list, RunOptions::default()).await?;
    assert_eq!(second.status, RunStatus::Completed);
    assert_eq!((second.unchanged, second.done), (1_000, 0), "{second:?}");
    assert_eq!(
        stack.llm_calls().await?,
        1_000,
        "no LLM call the second time"
    );
    assert_eq!(
        stack
            .integration_writes_per_contact("ai_input_hash")
            .await?,
        hashes,
        "no write"
    );
    let history = batch::history(&stack.store, 10)?;
    assert_eq!(
        history.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![second.id, first.id]
    );
    stack.stop_engine().await
}

/// A dry run computes everything, writes nothing (no property, no review, no ledger entry)
/// and keeps each contact's diff, including a field a person owns, shown as blocked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_writes_nothing_and_keeps_the_diffs() -> anyhow::Result<()> {
    let mut stack = Stack::start(StackOptions {
        contacts: 40,
        ..StackOptions::default()
    })
    .await?;
    let ids = seed::seeded_ids(&stack, 30).await?;
    stack
        .human_edit(ids[0], "ai_summary", "Written by a person", 4242)
        .await?;
    let list = seed::resolved_list(&stack, "Dry", &ids).await?;
    stack.start_engine().await?;
    let run = run_to_end(
        &stack,
        &list,
        RunOptions {
            dry_run: true,
            force: false,
        },
    )
    .await?;
    assert_eq!(run.status, RunStatus::Completed);
    assert_eq!(run.done, 30, "{run:?}");
    assert_eq!(
        stack.llm_calls().await?,
        30,
        "a dry run computes everything"
    );
    assert!(
        stack
            .integration_writes_per_contact("ai_input_hash")
            .await?
            .is_empty()
            && stack
                .integration_writes_per_contact("ai_summary")
                .await?
                .is_empty(),
        "nothing written"
    );
    let (reviews, ledger): (i64, i64) = stack.store.conn().query_row(
        "SELECT (SELECT count(*) FROM reviews), (SELECT count(*) FROM writes)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    assert_eq!((reviews, ledger), (0, 0));

    let diffs = batch::diffs(&stack.store, run.id, None, 100)?;
    assert_eq!(diffs.len(), 30);
    assert!(
        diffs
            .iter()
            .all(|d| d.outcome == Outcome::DryRun && !d.diff.fields.is_empty())
    );
    let guarded = diffs.iter().find(|d| d.contact_id == ids[0]).unwrap();
    let summary = guarded
        .diff
        .fields
        .iter()
        .find(|f| f.property == "ai_summary")
        .unwrap();
    assert_eq!(summary.current.as_deref(), Some("Written by a person"));
    assert_eq!(summary.decision, "blocked");
    let page = batch::diffs(&stack.store, run.id, Some(diffs[9].contact_id), 5)?;
    assert_eq!(page[0].contact_id, diffs[10].contact_id, "keyset paging");

    // A real run afterwards still enriches everyone (the dry run stored no hash); the
    // person's summary stays and becomes a review.
    let real = run_to_end(&stack, &list, RunOptions::default()).await?;
    assert_eq!((real.done, real.failed), (30, 0), "{real:?}");
    assert_eq!(
        stack
            .integration_writes_per_contact("ai_input_hash")
            .await?
            .len(),
        30
    );
    let summaries = stack.integration_writes_per_contact("ai_summary").await?;
    assert_eq!(summaries.len(), 29, "the person's summary is kept");
    assert!(!summaries.contains_key(&ids[0]));
    let pending: i64 = stack.store.conn().query_row(
        "SELECT count(*) FROM reviews WHERE contact_id = ?1 AND property = 'ai_summary'",
        [ids[0] as i64],
        |r| r.get(0),
    )?;
    assert_eq!(pending, 1);
    stack.stop_engine().await
}

fn written(stack: &Stack, contact: u64) -> anyhow::Result<bool> {
    Ok(!audit::list(
        &stack.store.conn(),
        &AuditFilter {
            contact_id: Some(contact),
            outcome: Some(Outcome::Written),
            ..Default::default()
        },
    )?
    .is_empty())
}

/// Live events keep priority over a running batch; pause holds the run's contacts while live
/// work goes on; the run survives an engine restart; cancel stops it cleanly: nothing of it
/// left queued, no LLM call after in-flight work ends, and every contact it counted has its
/// audit row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_priority_pause_resume_restart_and_cancel() -> anyhow::Result<()> {
    let mut stack = Stack::start(StackOptions {
        contacts: 600,
        llm_latency: Duration::from_millis(300),
        ..StackOptions::default()
    })
    .await?;
    let ids = seed::seeded_ids(&stack, 600).await?;
    let list = seed::resolved_list(&stack, "Everyone", &ids).await?;
    stack.start_engine().await?;
    let id = batch::start_run(&stack.store, PORTAL, &list, RunOptions::default(), None)?;
    let processed = |stack: &Stack| -> anyhow::Result<u64> {
        Ok(batch::summary(&stack.store, id)?.processed())
    };
    stack
        .eventually(WAIT, "the run makes progress", || async {
            Ok(processed(&stack)? > 0)
        })
        .await?;
    // A live change in the middle of the run is handled before the run's remaining contacts.
    let early = stack
        .create_contact(serde_json::json!({"email": "early@batch.example", "company": "Early Co"}))
        .await?;
    stack
        .eventually(WAIT, "the live contact is written", || async {
            written(&stack, early)
        })
        .await?;
    let at_live = batch::summary(&stack.store, id)?;
    assert!(
        at_live.status == RunStatus::Running && at_live.remaining > 100,
        "live work waited for the batch: {at_live:?}"
    );
    batch::pause(&stack.store, id)?;
    assert!(matches!(
        batch::pause(&stack.store, id),
        Err(batch::BatchError::BadState { .. })
    ));
    assert!(matches!(
        batch::start_run(&stack.store, PORTAL, &list, RunOptions::default(), None),
        Err(batch::BatchError::RunInProgress { .. })
    ));
    // In-flight chunks finish; then nothing of the run moves.
    let settled = |stack: &Stack| -> anyhow::Result<bool> {
        let running: i64 = stack.store.conn().query_row(
            "SELECT count(*) FROM jobs WHERE status = 'running'",
            [],
            |r| r.get(0),
        )?;
        Ok(running == 0)
    };
    stack
        .eventually(WAIT, "in-flight work settles", || async { settled(&stack) })
        .await?;
    let held = processed(&stack)?;
    assert!(held < 600, "paused before the end: {held}");
    // Live work goes on while the run is paused.
    let live = stack
        .create_contact(serde_json::json!({"email": "live@batch.example", "company": "Live Co"}))
        .await?;
    stack
        .eventually(WAIT, "the live contact is written", || async {
            written(&stack, live)
        })
        .await?;
    assert_eq!(processed(&stack)?, held, "the paused run did not move");

    // Quit and restart the engine: the run is still there, and resumes.
    stack.stop_engine().await?;
    stack.start_engine().await?;
    batch::resume(&stack.store, id)?;
    stack.runtime().unwrap().signals.wake_runs();
    stack
        .eventually(WAIT, "the run moves again", || async {
            Ok(processed(&stack)? > held + 50)
        })
        .await?;

    batch::cancel(&stack.store, id)?;
    stack
        .eventually(WAIT, "in-flight work settles", || async { settled(&stack) })
        .await?;
    let calls = stack.llm_calls().await?;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(stack.llm_calls().await?, calls, "no LLM call after cancel");
    let run = batch::summary(&stack.store, id)?;
    assert_eq!(run.status, RunStatus::Cancelled);
    assert!(run.processed() < 600 && run.processed() > held, "{run:?}");
    let left: i64 = stack.store.conn().query_row(
        "SELECT count(*) FROM jobs WHERE run_id = ?1 AND status IN ('queued', 'running')",
        [id],
        |r| r.get(0),
    )?;
    assert_eq!(left, 0, "nothing of the run is left in the queue");
    assert_eq!(jobs::workable(&stack.store.conn())?, 0);
    let audited: BTreeSet<u64> = audit::list(
        &stack.store.conn(),
        &AuditFilter {
            run_id: Some(id),
            limit: Some(5_000),
            ..Default::default()
        },
    )?
    .iter()
    .map(|r| r.contact_id)
    .collect();
    assert_eq!(
        audited.len() as u64,
        run.processed(),
        "every counted contact is audited"
    );
    assert!(matches!(
        batch::resume(&stack.store, id),
        Err(batch::BatchError::BadState { .. })
    ));
    stack.stop_engine().await
}

/// The feeder queues a page at a time, only while the run's queue is low, and resumes at the
/// stored membership cursor after a restart: every member queued exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feeder_pages_lazily_and_resumes_at_its_cursor() -> anyhow::Result<()> {
    use std::sync::Arc;

    use steward_engine::batch::feeder::{self, FeederConfig};
    use steward_engine::worker::WorkerSignals;
    use tokio_util::sync::CancellationToken;

    let stack = Stack::start(StackOptions {
        contacts: 320,
        ..StackOptions::default()
    })
    .await?;
    let ids = seed::seeded_ids(&stack, 300).await?;
    let list = seed::resolved_list(&stack, "Paged", &ids).await?;
    let id = batch::start_run(&stack.store, PORTAL, &list, RunOptions::default(), None)?;
    let config = FeederConfig {
        low_water: 100,
        page_size: 40,
        poll: Duration::from_millis(50),
        ..FeederConfig::default()
    };
    let start = || {
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(feeder::run(
            stack.ctx.clone(),
            config.clone(),
            Arc::new(WorkerSignals::default()),
            shutdown.clone(),
        ));
        (shutdown, task)
    };
    let queued = |stack: &Stack| -> anyhow::Result<i64> {
        Ok(stack.store.conn().query_row(
            "SELECT count(*) FROM jobs WHERE run_id = ?1 AND status = 'queued'",
            [id],
            |r| r.get(0),
        )?)
    };

    let (stop, task) = start();
    stack
        .eventually(WAIT, "the queue reaches the low-water mark", || async {
            Ok(queued(&stack)? >= 100)
        })
        .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.cancel();
    task.await??;
    let run = batch::summary(&stack.store, id)?;
    assert_eq!(
        run.enqueued, 120,
        "three pages of 40, then it waits: {run:?}"
    );
    assert_eq!(run.total, 300, "the list's size until every page is read");

    // The worker's part, by hand: the queued contacts are done.
    stack
        .store
        .conn()
        .execute("UPDATE jobs SET status = 'done' WHERE run_id = ?1", [id])?;
    let (stop, task) = start();
    stack
        .eventually(
            WAIT,
            "every page is queued and the run completes",
            || async {
                let queued = queued(&stack)?;
                if queued > 0 {
                    stack
                        .store
                        .conn()
                        .execute("UPDATE jobs SET status = 'done' WHERE run_id = ?1", [id])?;
                }
                Ok(batch::summary(&stack.store, id)?.status == RunStatus::Completed)
            },
        )
        .await?;
    stop.cancel();
    task.await??;
    let run = batch::summary(&stack.store, id)?;
    assert_eq!((run.enqueued, run.total), (300, 300), "{run:?}");
    let (jobs, contacts): (i64, i64) = stack.store.conn().query_row(
        "SELECT count(*), count(DISTINCT contact_id) FROM jobs WHERE run_id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    assert_eq!((jobs, contacts), (300, 300), "each member queued once");
    Ok(())
}
