//! HubSpot's batch limits and 207 multi-status answers.

use serde_json::{Value, json};

use crate::common::*;

fn inputs(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| json!({"id": (101 + i).to_string()}))
        .collect()
}

#[tokio::test]
async fn batch_read_limits() {
    let sim = start(hubspot_sim::SimConfig {
        contacts: 120,
        ..config()
    })
    .await;
    let path = "/crm/v3/objects/contacts/batch/read";

    let ok = sim.post(PAT, path, json!({"inputs": inputs(50), "properties": ["email"], "propertiesWithHistory": ["email"]})).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["status"], "COMPLETE");
    assert_eq!(ok.body["results"].as_array().unwrap().len(), 50);
    assert!(ok.body["results"][0]["propertiesWithHistory"]["email"].is_array());

    let a = sim.post(PAT, path, json!({"inputs": inputs(51), "properties": ["email"], "propertiesWithHistory": ["email"]})).await;
    assert_eq!(a.status, 400);
    assert_eq!(a.body["status"], "error");
    assert_eq!(a.body["category"], "VALIDATION_ERROR");
    assert_eq!(
        a.body["message"],
        "The maximum number of inputs supported in a batch request for property histories is 50. Please reduce the number of items and try again"
    );
    assert_eq!(a.body["correlationId"].as_str().unwrap().len(), 36);

    let a = sim
        .post(
            PAT,
            path,
            json!({"inputs": inputs(100), "properties": ["email"]}),
        )
        .await;
    assert_eq!(a.status, 200);
    let a = sim
        .post(
            PAT,
            path,
            json!({"inputs": inputs(101), "properties": ["email"]}),
        )
        .await;
    assert_eq!(a.status, 400);
    assert_eq!(a.body["category"], "VALIDATION_ERROR");

    let a = sim
        .post(PAT, "/crm/v3/objects/contacts/batch/update", json!({"inputs": (0..101).map(|i| json!({"id": (101 + i).to_string(), "properties": {"city": "Oslo"}})).collect::<Vec<_>>()}))
        .await;
    assert_eq!(a.status, 400);
}

#[tokio::test]
async fn partial_failures_answer_207() {
    let sim = start(hubspot_sim::SimConfig {
        contacts: 3,
        ..config()
    })
    .await;
    let a = sim
        .post(
            PAT,
            "/crm/v3/objects/contacts/batch/read",
            json!({"inputs": [{"id": "101"}, {"id": "999999"}], "properties": ["email"]}),
        )
        .await;
    assert_eq!(a.status, 207, "{}", a.body);
    assert_eq!(a.body["status"], "COMPLETE");
    assert_eq!(a.body["results"].as_array().unwrap().len(), 1);
    assert_eq!(a.body["numErrors"], 1);
    assert_eq!(a.body["errors"][0]["category"], "OBJECT_NOT_FOUND");
    assert_eq!(a.body["errors"][0]["context"]["ids"], json!(["999999"]));

    let a = sim
        .post(
            PAT,
            "/crm/v3/objects/contacts/batch/update",
            json!({"inputs": [
                {"id": "101", "properties": {"city": "Oslo"}},
                {"id": "424242", "properties": {"city": "Oslo"}},
                {"id": "102", "properties": {"city": "Bergen"}}
            ]}),
        )
        .await;
    assert_eq!(a.status, 207, "{}", a.body);
    assert_eq!(a.body["results"].as_array().unwrap().len(), 2);
    assert_eq!(a.body["numErrors"], 1);
    assert_eq!(a.body["errors"][0]["context"]["ids"], json!(["424242"]));
    let c = sim
        .get(PAT, "/crm/v3/objects/contacts/102?properties=city")
        .await;
    assert_eq!(c.body["properties"]["city"], "Bergen");

    // A bad property fails the whole batch, before any write.
    let a = sim
        .post(
            PAT,
            "/crm/v3/objects/contacts/batch/update",
            json!({"inputs": [
                {"id": "101", "properties": {"city": "Paris"}},
                {"id": "102", "properties": {"no_such_prop": "x"}}
            ]}),
        )
        .await;
    assert_eq!(a.status, 400);
    let c = sim
        .get(PAT, "/crm/v3/objects/contacts/101?properties=city")
        .await;
    assert_eq!(c.body["properties"]["city"], "Oslo");

    // Engagement batch reads behave the same way.
    let a = sim
        .post(
            PAT,
            "/crm/v3/objects/notes/batch/read",
            json!({"inputs": [{"id": "1"}]}),
        )
        .await;
    assert_eq!(a.status, 207);
    assert_eq!(a.body["errors"][0]["category"], "OBJECT_NOT_FOUND");
}
