//! Test data every kind of test needs the same way: the simulator's seeded contacts, static
//! lists in the simulator, and an app data dir set up as Connect would leave it. Scenarios,
//! real-window tests and benchmarks share these so they cannot drift apart.

use std::path::Path;

use steward_engine::batch::{self, ListSummary};
use steward_engine::connection::{AuthKind, Connection, ConnectionInfo};
use steward_engine::llm_settings::LlmSettings;
use steward_engine::{DataDir, Settings, Store, settings};

use crate::stack::{APP_ID, PORTAL, Stack};

/// Ids of `n` seeded contacts, lowest first (the simulator numbers them from 101).
pub async fn seeded_ids(stack: &Stack, n: usize) -> anyhow::Result<Vec<u64>> {
    let mut ids = Vec::with_capacity(n);
    let mut next = 101u64;
    while ids.len() < n {
        let probe: Vec<String> = (next..next + 100).map(|i| i.to_string()).collect();
        next += 100;
        let read = stack
            .ctx
            .hubspot
            .batch_read_contacts(&probe, &hubspot::ReadOptions::properties(["email"]))
            .await?;
        anyhow::ensure!(
            !read.results.is_empty(),
            "only {} seeded contacts",
            ids.len()
        );
        ids.extend(read.results.iter().filter_map(|c| c.id.parse::<u64>().ok()));
    }
    ids.sort_unstable();
    ids.truncate(n);
    Ok(ids)
}

/// A static list of `ids` in the simulator's portal; returns its list id.
pub async fn static_list(stack: &Stack, name: &str, ids: &[u64]) -> anyhow::Result<String> {
    let created = stack
        .sim_post(
            "/_sim/lists",
            serde_json::json!({"portalId": PORTAL, "name": name, "contactIds": ids}),
        )
        .await?;
    created["listId"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("the simulator created no list id: {created}"))
}

/// A static list in the simulator, resolved by name as an admin would.
pub async fn resolved_list(stack: &Stack, name: &str, ids: &[u64]) -> anyhow::Result<ListSummary> {
    static_list(stack, name, ids).await?;
    Ok(batch::resolve_list(&stack.ctx.hubspot, name).await?)
}

/// Opens the app's store in `steward_dir` and sets it up as Connect with a private-app token
/// would: the portal, the simulator as HubSpot's API and as the LLM. The token itself comes
/// from the environment the app is started with (`STEWARD_HUBSPOT_PRIVATE_APP_TOKEN`).
pub fn connected_data_dir(stack: &Stack, steward_dir: &Path) -> anyhow::Result<Store> {
    let dir = DataDir::at(steward_dir)?;
    let store = Store::open(dir.database())?;
    let s = Settings::new(store.clone());
    s.set::<settings::HubspotApiBase>(&stack.sim.base_url())?;
    s.set::<settings::Llm>(&LlmSettings {
        base_url: format!("{}/llm/v1", stack.sim.base_url()),
        model: "sim-model".into(),
        ..LlmSettings::default()
    })?;
    s.set::<Connection>(&Some(ConnectionInfo {
        portal_id: PORTAL,
        app_id: APP_ID,
        ui_domain: Some("app.hubspot.com".into()),
        auth: AuthKind::PrivateApp,
        relay_url: None,
        scopes: Vec::new(),
    }))?;
    Ok(store)
}
