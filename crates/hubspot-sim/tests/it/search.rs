//! `POST /crm/v3/objects/contacts/search`: text query, filter groups, sorts, paging, limits.

use serde_json::json;

use crate::common::*;

async fn person(sim: &Sim, first: &str, last: &str, email: &str, company: &str) -> String {
    let v = sim
        .admin(
            "/_sim/contacts",
            json!({"properties": {"email": email, "firstname": first, "lastname": last, "company": company}, "userId": 7}),
        )
        .await;
    v["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn query_matches_names_emails_and_companies_by_word_prefix() {
    let sim = start(config()).await;
    let ann = person(&sim, "Annabel", "Lee", "ann@acme.example", "Acme Corp").await;
    let bob = person(&sim, "Bob", "Annerson", "bob@globex.example", "Globex").await;
    let _cy = person(&sim, "Cy", "Young", "cy@initech.example", "Initech").await;

    let found = sim
        .post(
            PAT,
            "/crm/v3/objects/contacts/search",
            json!({"query": "ann"}),
        )
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.body["total"], 2);
    let ids: Vec<&str> = found.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [ann.as_str(), bob.as_str()]);
    // Default properties for contacts, and no others.
    let first = &found.body["results"][0];
    assert_eq!(first["properties"]["firstname"], "Annabel");
    assert_eq!(first["properties"]["email"], "ann@acme.example");
    assert!(first["properties"].get("company").is_none(), "{first}");
    assert!(first["createdAt"].is_string());

    let two_words = sim
        .post(
            PAT,
            "/crm/v3/objects/contacts/search",
            json!({"query": "annabel acme", "properties": ["company"]}),
        )
        .await;
    assert_eq!(two_words.body["total"], 1);
    assert_eq!(
        two_words.body["results"][0]["properties"]["company"],
        "Acme Corp"
    );

    let by_email = sim
        .post(
            PAT,
            "/crm/v3/objects/contacts/search",
            json!({"query": "globex.example"}),
        )
        .await;
    assert_eq!(by_email.body["total"], 1);
    assert_eq!(by_email.body["results"][0]["id"], bob);
}

#[tokio::test]
async fn filter_groups_or_groups_and_filters_and_sorts_and_pages() {
    let sim = start(config()).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            person(
                &sim,
                &format!("P{i}"),
                "Same",
                &format!("p{i}@x.example"),
                if i % 2 == 0 { "Even" } else { "Odd" },
            )
            .await,
        );
    }
    let body = json!({
        "filterGroups": [
            {"filters": [{"propertyName": "company", "operator": "EQ", "value": "even"},
                         {"propertyName": "firstname", "operator": "NEQ", "value": "P0"}]},
            {"filters": [{"propertyName": "email", "operator": "EQ", "value": "p1@x.example"}]}
        ],
        "sorts": [{"propertyName": "firstname", "direction": "DESCENDING"}],
        "limit": 2
    });
    let page1 = sim
        .post(PAT, "/crm/v3/objects/contacts/search", body.clone())
        .await;
    assert_eq!(page1.status, 200, "{}", page1.body);
    assert_eq!(page1.body["total"], 3, "P2, P4 (Even but not P0) or P1");
    let names = |a: &Answer| -> Vec<String> {
        a.body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["properties"]["firstname"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&page1), ["P4", "P2"]);
    let after = page1.body["paging"]["next"]["after"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut next = body.clone();
    next["after"] = json!(after);
    let page2 = sim.post(PAT, "/crm/v3/objects/contacts/search", next).await;
    assert_eq!(names(&page2), ["P1"]);
    assert!(page2.body.get("paging").is_none(), "last page");

    let by_id = sim
        .post(PAT, "/crm/v3/objects/contacts/search", json!({"filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "IN", "values": [ids[3]]}]}]}))
        .await;
    assert_eq!(by_id.body["total"], 1);
    assert_eq!(by_id.body["results"][0]["id"], ids[3]);
}

#[tokio::test]
async fn bad_requests_get_hubspot_validation_errors() {
    let sim = start(config()).await;
    let too_big = sim
        .post(
            PAT,
            "/crm/v3/objects/contacts/search",
            json!({"limit": 201}),
        )
        .await;
    assert_eq!(too_big.status, 400);
    assert_eq!(too_big.body["category"], "VALIDATION_ERROR");
    let bad_op = sim
        .post(PAT, "/crm/v3/objects/contacts/search", json!({"filterGroups": [{"filters": [{"propertyName": "email", "operator": "LIKE", "value": "x"}]}]}))
        .await;
    assert_eq!(bad_op.status, 400);
    let no_token = sim
        .call(
            reqwest::Method::POST,
            None,
            "/crm/v3/objects/contacts/search",
            Some(json!({})),
        )
        .await;
    assert_eq!(no_token.status, 401);
}
