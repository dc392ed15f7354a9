//! The one-shot before-write hook: a human edit lands between the engine's read and write.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn before_write_hook_lands_a_human_edit_first_once() {
    let sim = start(config()).await;
    sim.ai_property("ai_summary").await;
    let id = sim.human_contact("hook@example.com").await;
    sim.admin(
        "/_sim/hooks/before-write",
        json!({"contactId": id, "property": "ai_summary", "value": "Written by Dana", "userId": 55}),
    )
    .await;
    // Nothing happens until the app writes.
    let path = format!(
        "/crm/v3/objects/contacts/{id}?properties=ai_summary&propertiesWithHistory=ai_summary"
    );
    assert!(sim.get(PAT, &path).await.body["properties"]["ai_summary"].is_null());

    let a = sim
        .post(
            PAT,
            "/crm/v3/objects/contacts/batch/update",
            json!({"inputs": [{"id": id, "properties": {"ai_summary": "AI text"}}]}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let h = sim.get(PAT, &path).await.body["propertiesWithHistory"]["ai_summary"].clone();
    assert_eq!(h[0]["value"], "AI text");
    assert_eq!(h[0]["sourceType"], "INTEGRATION");
    assert_eq!(h[1]["value"], "Written by Dana");
    assert_eq!(h[1]["sourceType"], "CRM_UI");
    assert_eq!(h[1]["sourceId"], "userId:55");
    assert!(h[0]["timestamp"].as_str() > h[1]["timestamp"].as_str());

    // One-shot: the next write is not preceded by another human edit.
    sim.patch(
        PAT,
        &format!("/crm/v3/objects/contacts/{id}"),
        json!({"properties": {"ai_summary": "AI text 2"}}),
    )
    .await;
    let h = sim.get(PAT, &path).await.body["propertiesWithHistory"]["ai_summary"].clone();
    assert_eq!(h.as_array().unwrap().len(), 3);
    assert_eq!(h[1]["value"], "AI text");

    // Bad hooks are refused up front.
    let bad = sim
        .call(
            reqwest::Method::POST,
            None,
            "/_sim/hooks/before-write",
            Some(json!({"contactId": id, "property": "nope", "value": "x", "userId": 1})),
        )
        .await;
    assert_eq!(bad.status, 400);
}
