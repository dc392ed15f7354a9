use std::time::Duration;

use steward_engine::audit::{self, AuditFilter, Outcome};
use steward_engine::contact_actions;
use steward_engine::jobs;
use steward_engine::review_actions;
use steward_engine::reviews::{self, ReviewFilter, ReviewKind, ReviewStatus};
use steward_engine::writer::Writer;
use steward_tests::stack::{PORTAL, Stack, StackOptions};

const WAIT: Duration = Duration::from_secs(30);

fn count(stack: &Stack, contact: u64, outcome: Outcome) -> usize {
    audit::list(
        &stack.store.conn(),
        &AuditFilter {
            contact_id: Some(contact),
            outcome: Some(outcome),
            ..Default::default()
        },
    )
    .map(|r| r.len())
    .unwrap_or(0)
}

fn pending(stack: &Stack, contact: u64) -> Vec<reviews::Review> {
    reviews::list(
        &stack.store.conn(),
        &ReviewFilter {
            contact_id: Some(contact),
            ..Default::default()
        },
    )
    .unwrap()
}

async fn summary(stack: &Stack, id: u64) -> anyhow::Result<String> {
    let c = stack.contact(id, &["ai_summary"]).await?;
    Ok(c.properties
        .get("ai_summary")
        .cloned()
        .flatten()
        .unwrap_or_default())
}

async fn enriched_contact(stack: &Stack) -> anyhow::Result<u64> {
    let id = stack
        .create_contact(serde_json::json!({"email": "ann@acme.example", "company": "Acme", "jobtitle": "VP Sales"}))
        .await?;
    stack
        .eventually(WAIT, "first enrichment", || async {
            Ok(count(stack, id, Outcome::Written) == 1)
        })
        .await?;
    Ok(id)
}

/// A person edits ai_summary after the AI wrote it: the next enrichment keeps the person's
/// value and raises a review; approving writes the AI value; rejecting a later one keeps the
/// person's value and the same proposal is never raised again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_human_edit_is_never_overwritten_and_becomes_a_review() -> anyhow::Result<()> {
    let mut stack = Stack::start(StackOptions::default()).await?;
    stack.start_engine().await?;
    let id = enriched_contact(&stack).await?;

    stack
        .human_edit(id, "ai_summary", "Ann's own words about this account.", 42)
        .await?;
    stack
        .human_edit(id, "company", "Acme Corporation", 42)
        .await?;
    stack
        .eventually(WAIT, "a review", || async {
            Ok(!pending(&stack, id).is_empty())
        })
        .await?;
    assert_eq!(
        summary(&stack, id).await?,
        "Ann's own words about this account.",
        "not overwritten"
    );
    let review = pending(&stack, id).remove(0);
    assert_eq!(review.property, "ai_summary");
    assert_eq!(review.kind, ReviewKind::Guarded);
    assert_eq!(
        review.human_value.as_deref(),
        Some("Ann's own words about this account.")
    );
    assert_eq!(
        review.human_writer,
        Some(Writer::Person {
            user_id: Some(42),
            source_type: "CRM_UI".into()
        })
    );
    let proposed = review.proposed_value.clone().unwrap_or_default();
    assert!(!proposed.is_empty());
    // The round trip is audited as guarded: the summary was held back, and the simulator's
    // LLM proposed the values the other fields already hold (nothing else to write).
    assert_eq!(count(&stack, id, Outcome::Written), 1);
    assert_eq!(count(&stack, id, Outcome::Guarded), 1);

    let writes_before = stack.integration_writes(id, "ai_summary").await?.len();
    let approved = review_actions::approve(&stack.ctx, review.id, None).await?;
    assert_eq!(approved.status, ReviewStatus::Approved);
    assert_eq!(summary(&stack, id).await?, proposed);
    assert_eq!(
        stack.integration_writes(id, "ai_summary").await?.len(),
        writes_before + 1
    );
    assert_eq!(count(&stack, id, Outcome::Approved), 1);
    assert!(
        review_actions::approve(&stack.ctx, review.id, None)
            .await
            .is_err(),
        "an approved review cannot be approved twice"
    );

    // Reject path.
    stack
        .human_edit(id, "ai_summary", "Ann disagrees.", 42)
        .await?;
    stack
        .human_edit(id, "company", "Acme Corp International", 42)
        .await?;
    stack
        .eventually(WAIT, "a second review", || async {
            Ok(!pending(&stack, id).is_empty())
        })
        .await?;
    let review = pending(&stack, id).remove(0);
    review_actions::reject(&stack.ctx, review.id).await?;
    assert_eq!(summary(&stack, id).await?, "Ann disagrees.");
    assert_eq!(count(&stack, id, Outcome::Rejected), 1);

    // Same inputs again (forced through a manual job after the hash is cleared by a person):
    // the rejected proposal is not raised again and the person's value stays.
    stack.human_edit(id, "ai_input_hash", "", 42).await?;
    let llm_before = stack.llm_calls().await?;
    contact_actions::reenrich(&stack.store.conn(), PORTAL, id)?;
    if let Some(r) = stack.runtime() {
        r.signals.wake.notify_one();
    }
    stack
        .eventually(WAIT, "the manual round trip", || async {
            Ok(stack.llm_calls().await? > llm_before)
        })
        .await?;
    stack
        .eventually(WAIT, "the job settles", || async {
            Ok(jobs::outstanding(&stack.store.conn())? == 0)
        })
        .await?;
    assert!(
        pending(&stack, id).is_empty(),
        "a rejected proposal is never raised again"
    );
    assert_eq!(summary(&stack, id).await?, "Ann disagrees.");
    stack.stop_engine().await
}

/// A person's edit lands between the guard's check and our write (simulator hook): it is
/// detected, the person's value is restored, and a conflict review is raised.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_between_check_and_write_is_restored_with_a_conflict_review() -> anyhow::Result<()>
{
    let mut stack = Stack::start(StackOptions::default()).await?;
    stack.start_engine().await?;
    let id = enriched_contact(&stack).await?;

    stack
        .sim_post(
            "/_sim/hooks/before-write",
            serde_json::json!({"portalId": PORTAL, "contactId": id, "property": "ai_summary", "value": "Typed in the gap.", "userId": 7}),
        )
        .await?;
    stack.human_edit(id, "jobtitle", "CRO", 7).await?;
    stack
        .eventually(WAIT, "a conflict review", || async {
            Ok(pending(&stack, id)
                .iter()
                .any(|r| r.kind == ReviewKind::Conflict))
        })
        .await?;
    assert_eq!(
        summary(&stack, id).await?,
        "Typed in the gap.",
        "the person's value is restored"
    );
    let review = pending(&stack, id)
        .into_iter()
        .find(|r| r.kind == ReviewKind::Conflict)
        .unwrap();
    assert_eq!(review.human_value.as_deref(), Some("Typed in the gap."));
    assert_eq!(count(&stack, id, Outcome::Conflict), 1);

    // The restored value is protected like the person's own: the next change blocks again.
    stack
        .human_edit(id, "jobtitle", "Chief Revenue Officer", 7)
        .await?;
    stack
        .eventually(WAIT, "a guarded round trip", || async {
            Ok(pending(&stack, id)
                .iter()
                .any(|r| r.kind == ReviewKind::Guarded))
        })
        .await?;
    assert_eq!(summary(&stack, id).await?, "Typed in the gap.");
    stack.stop_engine().await
}
