//! Per-property history: API writes are INTEGRATION with the app id, human edits CRM_UI.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn api_and_human_writes_record_their_sources() {
    let sim = start(config()).await;
    sim.ai_property("ai_summary").await;
    let id = sim.human_contact("ada@example.com").await;
    let token = sim.oauth(ALL_SCOPES).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let a = sim
        .patch(
            &token,
            &format!("/crm/v3/objects/contacts/{id}"),
            json!({"properties": {"ai_summary": "AI v1"}}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["properties"]["ai_summary"], "AI v1");
    assert_eq!(a.body["id"], id);

    sim.admin(
        "/_sim/human-edit",
        json!({"contactId": id, "property": "ai_summary", "value": "Human v2", "userId": 42}),
    )
    .await;

    let path = format!(
        "/crm/v3/objects/contacts/{id}?properties=ai_summary,firstname&propertiesWithHistory=ai_summary,firstname"
    );
    let a = sim.get(&token, &path).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["properties"]["ai_summary"], "Human v2");
    let h = a.body["propertiesWithHistory"]["ai_summary"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(h.len(), 2, "{h:?}");
    assert_eq!(h[0]["value"], "Human v2");
    assert_eq!(h[0]["sourceType"], "CRM_UI");
    assert_eq!(h[0]["sourceId"], "userId:42");
    assert_eq!(h[0]["updatedByUserId"], 42);
    assert_eq!(h[1]["value"], "AI v1");
    assert_eq!(h[1]["sourceType"], "INTEGRATION");
    assert_eq!(h[1]["sourceId"], "1234567");
    assert!(h[1].get("updatedByUserId").is_none());
    assert!(h[0]["timestamp"].as_str().unwrap() > h[1]["timestamp"].as_str().unwrap());
    let first = &a.body["propertiesWithHistory"]["firstname"][0];
    assert_eq!(first["sourceType"], "CRM_UI");
    assert_eq!(first["sourceId"], "userId:7");

    // A private-app token writes as the same integration.
    let a = sim
        .patch(
            PAT,
            &format!("/crm/v3/objects/contacts/{id}"),
            json!({"properties": {"ai_summary": "AI v3"}}),
        )
        .await;
    assert_eq!(a.status, 200);
    let a = sim.get(PAT, &path).await;
    let h = &a.body["propertiesWithHistory"]["ai_summary"];
    assert_eq!(h[0]["value"], "AI v3");
    assert_eq!(h[0]["sourceType"], "INTEGRATION");
    assert_eq!(h[0]["sourceId"], "1234567");

    let stats = sim.stats().await;
    let writes: Vec<(String, String)> = stats["writes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["property"] == "ai_summary")
        .map(|w| {
            (
                w["value"].as_str().unwrap().to_owned(),
                w["sourceType"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        writes,
        vec![
            ("AI v1".to_owned(), "INTEGRATION".to_owned()),
            ("Human v2".to_owned(), "CRM_UI".to_owned()),
            ("AI v3".to_owned(), "INTEGRATION".to_owned()),
        ]
    );
}

#[tokio::test]
async fn seeded_contacts_are_deterministic_and_realistic() {
    let cfg = || hubspot_sim::SimConfig {
        contacts: 30,
        seed: 42,
        ..config()
    };
    let a = start(cfg()).await;
    let b = start(cfg()).await;
    let path = "/crm/v3/objects/contacts?limit=30&properties=email,company,jobtitle,lifecyclestage,phone,city";
    let ra = a.get(PAT, path).await.body;
    let rb = b.get(PAT, path).await.body;
    let strip = |v: &serde_json::Value| {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["properties"]["email"].clone(),
                    c["properties"]["company"].clone(),
                    c["properties"]["jobtitle"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&ra), strip(&rb));
    assert_eq!(ra["results"].as_array().unwrap().len(), 30);
    for c in ra["results"].as_array().unwrap() {
        let p = &c["properties"];
        assert!(p["email"].as_str().unwrap().contains('@'));
        assert!(p["company"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(p["lifecyclestage"].as_str().is_some());
        assert!(p["phone"].as_str().unwrap().starts_with("+1 "));
    }
    let lists = a
        .post(PAT, "/crm/v3/lists/search", json!({"query": ""}))
        .await;
    assert!(lists.body["total"].as_u64().unwrap() >= 3);
}
