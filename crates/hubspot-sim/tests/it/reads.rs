//! Lists, memberships paging, associations and engagement reads.

use serde_json::{Value, json};

use crate::common::*;

#[tokio::test]
async fn lists_and_membership_paging() {
    let sim = start(hubspot_sim::SimConfig {
        contacts: 260,
        ..config()
    })
    .await;
    let ids: Vec<String> = (101..361).map(|i: u64| i.to_string()).collect();
    let created = sim
        .admin(
            "/_sim/lists",
            json!({"name": "Big Test List", "contactIds": ids}),
        )
        .await;
    let list_id = created["listId"].as_str().unwrap().to_owned();

    let found = sim
        .post(PAT, "/crm/v3/lists/search", json!({"query": "big test"}))
        .await;
    assert_eq!(found.status, 200);
    assert_eq!(found.body["lists"][0]["listId"], list_id);
    assert_eq!(
        found.body["lists"][0]["additionalProperties"]["hs_list_size"],
        "260"
    );

    let too_many = sim
        .get(
            PAT,
            &format!("/crm/v3/lists/{list_id}/memberships?limit=251"),
        )
        .await;
    assert_eq!(too_many.status, 400);

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let q = after
            .as_ref()
            .map(|a| format!("&after={a}"))
            .unwrap_or_default();
        let page = sim
            .get(
                PAT,
                &format!("/crm/v3/lists/{list_id}/memberships?limit=250{q}"),
            )
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        pages += 1;
        for r in page.body["results"].as_array().unwrap() {
            seen.push(r["recordId"].as_str().unwrap().to_owned());
            assert!(r["membershipTimestamp"].is_string());
        }
        match page.body["paging"]["next"]["after"].as_str() {
            Some(a) => after = Some(a.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 2);
    assert_eq!(seen, ids);
    assert_eq!(
        sim.get(PAT, "/crm/v3/lists/9999/memberships").await.status,
        404
    );
}

#[tokio::test]
async fn associations_and_engagements() {
    let sim = start(config()).await;
    let id = sim.human_contact("eng@example.com").await;
    let other = sim.human_contact("quiet@example.com").await;
    let note = sim
        .admin("/_sim/engagements", json!({"contactId": id, "type": "note", "body": "Asked for pricing for 40 seats.", "timestamp": 1_700_000_000_000_u64}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let call = sim
        .admin(
            "/_sim/engagements",
            json!({"contactId": id, "type": "call", "body": "Discussed the renewal."}),
        )
        .await;

    let a = sim
        .get(
            PAT,
            &format!("/crm/v4/objects/contacts/{id}/associations/notes"),
        )
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["results"][0]["toObjectId"].to_string(), note);
    assert_eq!(a.body["results"][0]["associationTypes"][0]["typeId"], 202);

    let b = sim
        .post(
            PAT,
            "/crm/v4/associations/contacts/calls/batch/read",
            json!({"inputs": [{"id": id}, {"id": other}]}),
        )
        .await;
    assert_eq!(b.status, 207, "{}", b.body);
    assert_eq!(b.body["results"][0]["from"]["id"], id);
    assert_eq!(
        b.body["results"][0]["to"][0]["toObjectId"].to_string(),
        call["id"].as_str().unwrap()
    );
    assert_eq!(
        b.body["errors"][0]["subCategory"],
        "crm.associations.NO_ASSOCIATIONS_FOUND"
    );

    let r = sim
        .post(
            PAT,
            "/crm/v3/objects/notes/batch/read",
            json!({"inputs": [{"id": note}], "properties": ["hs_note_body", "hs_timestamp"]}),
        )
        .await;
    assert_eq!(r.status, 200);
    let p = &r.body["results"][0]["properties"];
    assert_eq!(p["hs_note_body"], "Asked for pricing for 40 seats.");
    assert_eq!(p["hs_timestamp"], "2023-11-14T22:13:20.000Z");
    // A note id is not a call.
    let r = sim
        .post(
            PAT,
            "/crm/v3/objects/calls/batch/read",
            json!({"inputs": [{"id": note}]}),
        )
        .await;
    assert_eq!(r.status, 207);
}

#[tokio::test]
async fn seeded_activity_is_reachable() {
    let sim = start(hubspot_sim::SimConfig {
        contacts: 20,
        seed: 3,
        ..config()
    })
    .await;
    let inputs: Vec<Value> = (101..121).map(|i| json!({"id": i.to_string()})).collect();
    let mut bodies = 0;
    for kind in ["notes", "emails", "calls", "meetings"] {
        let a = sim
            .post(
                PAT,
                &format!("/crm/v4/associations/contacts/{kind}/batch/read"),
                json!({"inputs": inputs}),
            )
            .await;
        let ids: Vec<Value> = a.body["results"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| {
                r["to"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| json!({"id": t["toObjectId"].to_string()}))
            })
            .collect();
        if ids.is_empty() {
            continue;
        }
        let r = sim.post(PAT, &format!("/crm/v3/objects/{kind}/batch/read"), json!({"inputs": ids, "properties": ["hs_note_body", "hs_email_text", "hs_call_body", "hs_meeting_body"]})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        for e in r.body["results"].as_array().unwrap() {
            let p = &e["properties"];
            let body = [
                "hs_note_body",
                "hs_email_text",
                "hs_call_body",
                "hs_meeting_body",
            ]
            .iter()
            .find_map(|k| p[*k].as_str())
            .unwrap();
            assert!(body.split_whitespace().count() > 5, "{body}");
            bodies += 1;
        }
    }
    assert!(bodies > 5, "20 contacts with 0–5 activities each");
}
