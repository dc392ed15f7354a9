//! `--record`: one JSON line per request, with secrets redacted.

use serde_json::{Value, json};

use crate::common::*;

#[tokio::test]
async fn record_file_has_every_exchange_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sim.jsonl");
    let sim = start(hubspot_sim::SimConfig {
        record: Some(file.clone()),
        contacts: 2,
        ..config()
    })
    .await;
    let token = sim.oauth(ALL_SCOPES).await;
    let access = token["access_token"].as_str().unwrap().to_owned();
    sim.post(
        &access,
        "/crm/v3/objects/contacts/batch/read",
        json!({"inputs": [{"id": "101"}], "properties": ["email"]}),
    )
    .await;
    sim.get(&access, "/crm/v3/objects/contacts/101?properties=email")
        .await;
    sim.get("bogus", "/crm/v3/objects/contacts/101").await;
    let Sim { server, .. } = sim;
    server.shutdown().await;

    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() >= 5, "{text}");
    assert!(!text.contains(&access), "access token leaked");
    assert!(!text.contains("sim-client-secret"), "client secret leaked");
    assert!(
        !text.contains(token["refresh_token"].as_str().unwrap()),
        "refresh token leaked"
    );
    let read = lines
        .iter()
        .find(|l| l["path"] == "/crm/v3/objects/contacts/batch/read")
        .unwrap();
    assert_eq!(read["method"], "POST");
    assert_eq!(read["status"], 200);
    assert_eq!(read["body"]["inputs"][0]["id"], "101");
    assert!(read["response"]["results"].is_array());
    let get = lines
        .iter()
        .find(|l| l["path"] == "/crm/v3/objects/contacts/101" && l["status"] == 200)
        .unwrap();
    assert_eq!(get["query"], "properties=email");
    assert!(lines.iter().any(|l| l["status"] == 401));
    let exchange = lines
        .iter()
        .find(|l| l["path"] == "/oauth/v3/token")
        .unwrap();
    assert_eq!(exchange["body"]["client_secret"], "[redacted]");
    assert_eq!(exchange["response"]["access_token"], "[redacted]");
}
