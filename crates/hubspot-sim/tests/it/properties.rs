//! Property definitions: create, duplicates, scopes, and value validation on writes.

use serde_json::json;

use crate::common::*;

fn prop(name: &str) -> serde_json::Value {
    json!({"name": name, "label": "AI score", "type": "number", "fieldType": "number", "groupName": "ai_enrichment"})
}

#[tokio::test]
async fn create_duplicate_and_missing_group() {
    let sim = start(config()).await;
    let a = sim
        .post(
            PAT,
            "/crm/v3/properties/contacts",
            prop("ai_generated_score"),
        )
        .await;
    assert_eq!(a.status, 400, "group does not exist yet: {}", a.body);

    let g = sim
        .post(
            PAT,
            "/crm/v3/properties/contacts/groups",
            json!({"name": "ai_enrichment", "label": "AI enrichment"}),
        )
        .await;
    assert_eq!(g.status, 201);
    let g = sim
        .post(
            PAT,
            "/crm/v3/properties/contacts/groups",
            json!({"name": "ai_enrichment", "label": "AI enrichment"}),
        )
        .await;
    assert_eq!(g.status, 409);
    let groups = sim.get(PAT, "/crm/v3/properties/contacts/groups").await;
    assert!(
        groups.body["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["name"] == "ai_enrichment")
    );

    let a = sim
        .post(
            PAT,
            "/crm/v3/properties/contacts",
            prop("ai_generated_score"),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["name"], "ai_generated_score");
    assert_eq!(a.body["type"], "number");
    assert_eq!(a.body["groupName"], "ai_enrichment");

    let a = sim
        .post(
            PAT,
            "/crm/v3/properties/contacts",
            prop("ai_generated_score"),
        )
        .await;
    assert_eq!(a.status, 409);
    assert_eq!(a.body["category"], "CONFLICT");
    assert_eq!(
        a.body["message"],
        "Property named 'ai_generated_score' already exists."
    );

    let one = sim
        .get(PAT, "/crm/v3/properties/contacts/ai_generated_score")
        .await;
    assert_eq!(one.status, 200);
    assert_eq!(one.body["fieldType"], "number");
    let all = sim.get(PAT, "/crm/v3/properties/contacts").await;
    assert!(
        all.body["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "email")
    );
    assert_eq!(
        sim.get(PAT, "/crm/v3/properties/contacts/nope")
            .await
            .status,
        404
    );

    let batch = sim
        .post(
            PAT,
            "/crm/v3/properties/contacts/batch/create",
            json!({"inputs": [prop("ai_generated_score"), prop("ai_other_score")]}),
        )
        .await;
    assert_eq!(batch.status, 207, "{}", batch.body);
    assert_eq!(batch.body["results"][0]["name"], "ai_other_score");
    assert_eq!(batch.body["numErrors"], 1);
}

#[tokio::test]
async fn missing_scope_is_403() {
    let sim = start(config()).await;
    let token = sim
        .oauth("crm.objects.contacts.read crm.objects.contacts.write oauth")
        .await;
    assert_eq!(token["scopes"].as_array().unwrap().len(), 3);
    let token = token["access_token"].as_str().unwrap();
    let a = sim
        .post(
            token,
            "/crm/v3/properties/contacts/groups",
            json!({"name": "g", "label": "G"}),
        )
        .await;
    assert_eq!(a.status, 403);
    assert_eq!(a.body["category"], "MISSING_SCOPES");
    assert_eq!(
        a.body["errors"][0]["context"]["requiredGranularScopes"],
        json!(["crm.schemas.contacts.write"])
    );
    let a = sim.post(token, "/crm/v3/lists/search", json!({})).await;
    assert_eq!(a.status, 403);
    assert_eq!(
        sim.get(token, "/crm/v3/properties/contacts").await.status,
        200
    );
}

#[tokio::test]
async fn writes_are_validated_like_hubspot() {
    let sim = start(hubspot_sim::SimConfig {
        contacts: 1,
        ..config()
    })
    .await;
    let a = sim
        .patch(
            PAT,
            "/crm/v3/objects/contacts/101",
            json!({"properties": {"ai_summary": "x"}}),
        )
        .await;
    assert_eq!(a.status, 400);
    assert_eq!(a.body["category"], "VALIDATION_ERROR");
    assert!(
        a.body["message"]
            .as_str()
            .unwrap()
            .contains("PROPERTY_DOESNT_EXIST")
    );
    assert_eq!(a.body["errors"][0]["code"], "PROPERTY_DOESNT_EXIST");
    assert_eq!(
        a.body["errors"][0]["context"]["propertyName"],
        json!(["ai_summary"])
    );

    let a = sim
        .patch(
            PAT,
            "/crm/v3/objects/contacts/101",
            json!({"properties": {"lifecyclestage": "martian"}}),
        )
        .await;
    assert_eq!(a.status, 400);
    assert_eq!(a.body["errors"][0]["code"], "INVALID_OPTION");
    let a = sim
        .patch(
            PAT,
            "/crm/v3/objects/contacts/101",
            json!({"properties": {"numemployees": "lots"}}),
        )
        .await;
    assert_eq!(a.body["errors"][0]["code"], "INVALID_FLOAT");
    let a = sim
        .patch(
            PAT,
            "/crm/v3/objects/contacts/101",
            json!({"properties": {"createdate": "1"}}),
        )
        .await;
    assert_eq!(a.body["errors"][0]["code"], "READ_ONLY_VALUE");
    assert_eq!(
        sim.patch(
            PAT,
            "/crm/v3/objects/contacts/999",
            json!({"properties": {}})
        )
        .await
        .status,
        404
    );

    let c = sim
        .post(
            PAT,
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "new@x.io", "firstname": "New"}}),
        )
        .await;
    assert_eq!(c.status, 201);
    let dup = sim
        .post(
            PAT,
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "NEW@x.io"}}),
        )
        .await;
    assert_eq!(dup.status, 409);
    assert_eq!(
        dup.body["message"],
        format!(
            "Contact already exists. Existing ID: {}",
            c.body["id"].as_str().unwrap()
        )
    );
}
