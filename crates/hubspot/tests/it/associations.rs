use hubspot::{ObjectType, ReadOptions};
use serde_json::json;

use crate::support::{Sim, create_contacts, unlimited};

#[tokio::test]
async fn contact_activity_via_associations_and_batch_reads() {
    let sim = Sim::start(unlimited()).await;
    let client = sim.private_client();
    let ids = create_contacts(&client, 3).await;
    let mut notes = Vec::new();
    for i in 0..3 {
        let made = sim
            .admin(
                "engagements",
                json!({ "contactId": ids[0], "type": "note", "body": format!("note {i}") }),
            )
            .await;
        notes.push(
            made["id"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| made["id"].to_string()),
        );
    }
    sim.admin(
        "engagements",
        json!({ "contactId": ids[0], "type": "email", "body": "hello" }),
    )
    .await;
    sim.admin(
        "engagements",
        json!({ "contactId": ids[1], "type": "call", "body": "called" }),
    )
    .await;

    let single = client
        .associations(ObjectType::Contacts, &ids[0], ObjectType::Notes)
        .await
        .unwrap();
    let mut got: Vec<String> = single.iter().map(|a| a.to_object_id.clone()).collect();
    got.sort();
    let mut want = notes.clone();
    want.sort();
    assert_eq!(got, want);
    assert!(!single[0].association_types.is_empty());

    let batch = client
        .batch_associations(ObjectType::Contacts, &ids, ObjectType::Notes)
        .await
        .unwrap();
    let for_first = batch
        .results
        .iter()
        .find(|s| s.from_id == ids[0])
        .expect("first contact has notes");
    assert_eq!(for_first.to.len(), 3);
    assert!(
        batch
            .results
            .iter()
            .filter(|s| s.from_id != ids[0])
            .all(|s| s.to.is_empty())
    );

    let calls = client
        .batch_associations(ObjectType::Contacts, &ids, ObjectType::Calls)
        .await
        .unwrap();
    let call_ids: Vec<String> = calls
        .results
        .iter()
        .flat_map(|s| s.to.iter().map(|a| a.to_object_id.clone()))
        .collect();
    assert_eq!(call_ids.len(), 1);

    let read = client
        .batch_read(
            ObjectType::Notes,
            &notes,
            &ReadOptions::properties(["hs_note_body", "hs_timestamp"]),
        )
        .await
        .unwrap();
    assert_eq!(read.results.len(), 3);
    let mut bodies: Vec<&str> = read
        .results
        .iter()
        .filter_map(|n| n.property("hs_note_body"))
        .collect();
    bodies.sort();
    assert_eq!(bodies, ["note 0", "note 1", "note 2"]);
    let calls = client
        .batch_read(
            ObjectType::Calls,
            &call_ids,
            &ReadOptions::properties(["hs_call_body"]),
        )
        .await
        .unwrap();
    assert_eq!(calls.results[0].property("hs_call_body"), Some("called"));
    sim.shutdown().await;
}
