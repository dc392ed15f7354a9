use std::time::Duration;

use steward_engine::audit::{self, AuditFilter, Outcome};
use steward_tests::stack::{PORTAL, Stack, StackOptions};

const WAIT: Duration = Duration::from_secs(30);

fn written_rows(stack: &Stack, contact: u64) -> Vec<audit::AuditRecord> {
    audit::list(
        &stack.store.conn(),
        &AuditFilter {
            contact_id: Some(contact),
            outcome: Some(Outcome::Written),
            ..Default::default()
        },
    )
    .unwrap()
}

/// A contact created in HubSpot is enriched: ai_* written, hash stored, audit row and
/// correlation ID match what is on the record. Our own writes' webhooks cause nothing more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_contact_is_enriched_once_and_our_echoes_are_ignored() -> anyhow::Result<()> {
    let mut stack = Stack::start(StackOptions::default()).await?;
    stack.start_engine().await?;
    let id = stack
        .create_contact(serde_json::json!({
            "email": "ada@analytical.example", "firstname": "Ada", "lastname": "Lovelace",
            "company": "Analytical Engines", "jobtitle": "Head of Research"
        }))
        .await?;
    stack
        .eventually(WAIT, "the contact is written", || async {
            Ok(!written_rows(&stack, id).is_empty())
        })
        .await?;

    let contact = stack
        .contact(
            id,
            &[
                "ai_summary",
                "ai_input_hash",
                "ai_correlation_id",
                "ai_model",
                "ai_generated_score",
                "email",
            ],
        )
        .await?;
    let row = written_rows(&stack, id).remove(0);
    let prop = |p: &str| {
        contact
            .properties
            .get(p)
            .cloned()
            .flatten()
            .unwrap_or_default()
    };
    assert!(!prop("ai_summary").is_empty(), "summary written");
    assert_eq!(prop("ai_correlation_id"), row.correlation_id);
    assert_eq!(Some(prop("ai_input_hash")), row.input_hash);
    assert_eq!(prop("ai_model"), "sim-model@prompt-v1");
    assert_eq!(row.portal_id, PORTAL);
    assert!(row.fields_written.contains(&"ai_summary".to_owned()));
    assert_eq!(prop("email"), "ada@analytical.example", "inputs untouched");
    let summary_history = &contact.properties_with_history["ai_summary"];
    assert_eq!(summary_history[0].source_type, "INTEGRATION");

    // Our write fired propertyChange webhooks for ai_* fields: give them time to arrive and
    // be leased; no further LLM call may follow.
    let llm_calls = stack.llm_calls().await?;
    assert_eq!(llm_calls, 1);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        stack.llm_calls().await?,
        1,
        "echoes of our own writes must not re-enrich"
    );
    assert_eq!(stack.integration_writes(id, "ai_summary").await?.len(), 1);
    stack.stop_engine().await
}

/// The same webhook delivered three times, out of order, with a real change in between:
/// one LLM call and one write per distinct input.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_and_reordered_webhooks_make_one_call_and_one_write() -> anyhow::Result<()> {
    let mut stack = Stack::start(StackOptions::default()).await?;
    let id = stack
        .create_contact(serde_json::json!({"email": "grace@navy.example", "company": "Navy"}))
        .await?;
    // A person changes the company; HubSpot (here: the simulator) delivers the webhooks, and
    // we replay the same signed batch twice more in reversed order.
    stack.human_edit(id, "company", "US Navy", 11).await?;
    let body = serde_json::json!([
        {"eventId": 900, "subscriptionId": 5, "portalId": PORTAL, "appId": steward_tests::stack::APP_ID,
         "occurredAt": 1_700_000_000_000_i64, "subscriptionType": "contact.propertyChange", "attemptNumber": 0,
         "objectId": id, "propertyName": "company", "propertyValue": "US Navy", "changeSource": "CRM_UI", "sourceId": "userId:11"},
        {"eventId": 901, "subscriptionId": 5, "portalId": PORTAL, "appId": steward_tests::stack::APP_ID,
         "occurredAt": 1_700_000_000_001_i64, "subscriptionType": "contact.propertyChange", "attemptNumber": 0,
         "objectId": id, "propertyName": "jobtitle", "propertyValue": "Rear Admiral", "changeSource": "CRM_UI", "sourceId": "userId:11"}
    ]);
    let mut reversed = body.as_array().cloned().unwrap_or_default();
    reversed.reverse();
    for batch in [body.clone(), serde_json::Value::Array(reversed), body] {
        post_signed(&stack, &batch).await?;
    }
    stack.start_engine().await?;
    stack
        .eventually(WAIT, "the contact is written", || async {
            Ok(!written_rows(&stack, id).is_empty())
        })
        .await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(stack.llm_calls().await?, 1, "one LLM call for one input");
    assert_eq!(
        stack.integration_writes(id, "ai_summary").await?.len(),
        1,
        "one write"
    );
    assert_eq!(written_rows(&stack, id).len(), 1);
    stack.stop_engine().await
}

/// Posts a webhook batch to the relay, signed v3 as HubSpot signs it.
async fn post_signed(stack: &Stack, body: &serde_json::Value) -> anyhow::Result<()> {
    let raw = body.to_string();
    let url = format!("{}/hubspot/webhooks", stack.relay.base_url());
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as u64;
    let sig = hubspot_sim::webhook::sign_v3(
        steward_tests::stack::CLIENT_SECRET,
        "POST",
        &url,
        raw.as_bytes(),
        ts,
    );
    let resp = stack
        .http
        .post(&url)
        .header("content-type", "application/json")
        .header("X-HubSpot-Signature-v3", sig)
        .header("X-HubSpot-Request-Timestamp", ts.to_string())
        .body(raw)
        .send()
        .await?;
    anyhow::ensure!(
        resp.status().is_success(),
        "relay answered {}",
        resp.status()
    );
    Ok(())
}
