use std::collections::BTreeMap;

use hubspot::{BATCH_READ_WITH_HISTORY_MAX, Error, ObjectUpdate, ReadOptions};
use serde_json::Value;

use crate::support::{Sim, create_contacts, unlimited};

fn update(id: &str, prop: &str, value: &str) -> ObjectUpdate {
    ObjectUpdate {
        id: id.to_owned(),
        properties: BTreeMap::from([(prop.to_owned(), value.to_owned())]),
    }
}

#[tokio::test]
async fn get_contact_with_properties_and_history() {
    let sim = Sim::start(unlimited()).await;
    let client = sim.private_client();
    let ids = create_contacts(&client, 1).await;
    client
        .batch_update_contacts(&[update(&ids[0], "firstname", "Ada")])
        .await
        .unwrap();

    let opts = ReadOptions::properties(["email", "firstname"]).with_history(["firstname"]);
    let contact = client.get_contact(&ids[0], &opts).await.unwrap();
    assert_eq!(contact.id, ids[0]);
    assert_eq!(contact.property("email"), Some("c0@example.com"));
    assert_eq!(contact.property("firstname"), Some("Ada"));
    let history = contact.history("firstname");
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[0].value, "Ada", "newest first");
    assert_eq!(history[0].source_type, "INTEGRATION");
    assert!(history[0].timestamp >= history[1].timestamp);
    assert!(contact.created_at.is_some());

    let missing = client.get_contact("999999999", &opts).await.unwrap_err();
    assert!(matches!(missing, Error::NotFound(_)), "{missing:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn batch_read_with_history_is_chunked_at_fifty() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("record.jsonl");
    let sim = Sim::start(hubspot_sim::SimConfig {
        record: Some(record.clone()),
        ..unlimited()
    })
    .await;
    let client = sim.private_client();
    let ids = create_contacts(&client, 130).await;
    sim.reset_stats().await;

    let opts = ReadOptions::properties(["email"]).with_history(["firstname", "email"]);
    let batch = client.batch_read_contacts(&ids, &opts).await.unwrap();
    assert_eq!(batch.results.len(), 130);
    assert!(batch.is_complete());
    assert!(batch.results.iter().all(|c| !c.history("email").is_empty()));
    assert_eq!(
        sim.count("POST /crm/v3/objects/contacts/batch/read").await,
        3,
        "130 ids with history → 3 calls"
    );

    // Without history the limit is 100: 130 ids → 2 calls.
    sim.reset_stats().await;
    let plain = client
        .batch_read_contacts(&ids, &ReadOptions::properties(["email"]))
        .await
        .unwrap();
    assert_eq!(plain.results.len(), 130);
    assert_eq!(
        sim.count("POST /crm/v3/objects/contacts/batch/read").await,
        2
    );

    // The client never sent more than 50 inputs with history (read from the record file).
    sim.shutdown().await;
    let text = std::fs::read_to_string(&record).unwrap();
    let mut with_history = 0;
    for line in text.lines() {
        let entry: Value = serde_json::from_str(line).unwrap();
        if entry["route"] != "/crm/v3/objects/contacts/batch/read" {
            continue;
        }
        let body = &entry["body"];
        let inputs = body["inputs"].as_array().unwrap().len();
        let history = body["propertiesWithHistory"]
            .as_array()
            .is_some_and(|h| !h.is_empty());
        if history {
            with_history += 1;
            assert!(
                inputs <= BATCH_READ_WITH_HISTORY_MAX,
                "sent {inputs} inputs with history"
            );
        } else {
            assert!(inputs <= 100);
        }
        assert_eq!(entry["status"], 200);
    }
    assert_eq!(with_history, 3);
}

#[tokio::test]
async fn batch_read_reports_missing_ids_per_record_and_dedupes() {
    let sim = Sim::start(unlimited()).await;
    let client = sim.private_client();
    let ids = create_contacts(&client, 3).await;
    let mut asked = ids.clone();
    asked.push("987654321".into());
    asked.push(ids[0].clone());
    let batch = client
        .batch_read_contacts(&asked, &ReadOptions::properties(["email"]))
        .await
        .unwrap();
    assert_eq!(batch.results.len(), 3);
    assert_eq!(batch.errors.len(), 1);
    assert_eq!(
        batch.errors[0].category.as_deref(),
        Some("OBJECT_NOT_FOUND")
    );
    assert_eq!(batch.failed_ids(), vec!["987654321"]);
    sim.shutdown().await;
}

#[tokio::test]
async fn batch_update_chunks_and_returns_207_partials() {
    let sim = Sim::start(unlimited()).await;
    let client = sim.private_client();
    let ids = create_contacts(&client, 130).await;
    sim.reset_stats().await;

    let mut updates: Vec<ObjectUpdate> = ids
        .iter()
        .map(|id| update(id, "firstname", &format!("N{id}")))
        .collect();
    updates.push(update("555555555", "firstname", "ghost"));
    let result = client.batch_update_contacts(&updates).await.unwrap();
    assert_eq!(result.results.len(), 130);
    assert_eq!(result.failed_ids(), vec!["555555555"]);
    assert!(result.failed_chunks.is_empty());
    assert_eq!(
        sim.count("POST /crm/v3/objects/contacts/batch/update")
            .await,
        2
    );

    let read = client
        .batch_read_contacts(&ids[..5], &ReadOptions::properties(["firstname"]))
        .await
        .unwrap();
    for c in &read.results {
        assert_eq!(c.property("firstname"), Some(format!("N{}", c.id).as_str()));
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn batch_update_validation_error_is_not_retried() {
    let sim = Sim::start(unlimited()).await;
    let client = sim.private_client();
    let ids = create_contacts(&client, 1).await;
    sim.reset_stats().await;
    let err = client
        .batch_update_contacts(&[update(&ids[0], "no_such_property", "x")])
        .await
        .unwrap_err();
    let Error::Validation(api) = &err else {
        panic!("expected Validation, got {err:?}")
    };
    assert_eq!(api.status, 400);
    assert!(err.to_string().contains("no_such_property"), "{err}");
    assert_eq!(
        sim.count("POST /crm/v3/objects/contacts/batch/update")
            .await,
        1,
        "4xx is not retried"
    );
    sim.shutdown().await;
}
