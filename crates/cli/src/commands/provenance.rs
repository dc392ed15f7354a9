//! `steward provenance CONTACT_ID`.

use steward_engine::connection::{self, Connection};
use steward_engine::provenance;

use super::Env;
use crate::output;

pub async fn provenance(env: &Env, contact_id: u64) -> anyhow::Result<()> {
    let info = env
        .settings
        .get::<Connection>()?
        .ok_or(connection::ConnectError::NotConnected)?;
    let client = connection::hubspot_client(&env.settings, &info)?;
    let p = provenance::contact_provenance(
        &client,
        &env.store,
        info.portal_id,
        info.app_id,
        contact_id,
    )
    .await?;
    if env.json {
        return output::json(&p);
    }
    let rows: Vec<Vec<String>> = p
        .fields
        .iter()
        .map(|f| match f.current() {
            Some(v) => vec![
                f.property.clone(),
                v.value.clone(),
                v.writer.label(),
                output::time(v.at_ms),
            ],
            None => vec![
                f.property.clone(),
                String::new(),
                "(never written)".into(),
                String::new(),
            ],
        })
        .collect();
    output::table(&["field", "current value", "written by", "at"], &rows);
    Ok(())
}
