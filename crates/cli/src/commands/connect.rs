//! `steward connect` and `steward provision`.

use secrecy::SecretString;
use steward_engine::connection::{self, Connection};
use steward_engine::provision::{self, ItemStatus};

use super::Env;
use crate::cli::ConnectArgs;
use crate::output;

pub async fn connect(env: &Env, args: ConnectArgs) -> anyhow::Result<()> {
    let Some(token) = args.private_app_token else {
        anyhow::bail!(
            "pass --private-app-token TOKEN (or set STEWARD_HUBSPOT_PRIVATE_APP_TOKEN) to connect with a private-app token"
        );
    };
    let info =
        connection::connect_private_app(&env.settings, SecretString::from(token), args.app_id)
            .await?;
    if env.json {
        return output::json(&info);
    }
    println!(
        "Connected to HubSpot portal {} ({}) with a private-app token kept in the OS keyring.",
        info.portal_id,
        info.ui_domain.as_deref().unwrap_or("unknown domain")
    );
    Ok(())
}

pub async fn provision(env: &Env, dry_run: bool) -> anyhow::Result<()> {
    let info = env
        .settings
        .get::<Connection>()?
        .ok_or(connection::ConnectError::NotConnected)?;
    let client = connection::hubspot_client(&env.settings, &info)?;
    let report = provision::provision(&client, dry_run).await?;
    if env.json {
        return output::json(&report);
    }
    let rows: Vec<Vec<String>> = report
        .items
        .iter()
        .map(|i| {
            let (status, detail) = match &i.status {
                ItemStatus::Created => ("created", String::new()),
                ItemStatus::WouldCreate => ("would create", String::new()),
                ItemStatus::AlreadyCorrect => ("already correct", String::new()),
                ItemStatus::Conflict { reason } => ("CONFLICT (left untouched)", reason.clone()),
                ItemStatus::Failed { reason } => ("FAILED", reason.clone()),
            };
            vec![i.name.clone(), status.to_owned(), detail]
        })
        .collect();
    output::table(&["property", "status", "detail"], &rows);
    let conflicts =
        report.count(|s| matches!(s, ItemStatus::Conflict { .. } | ItemStatus::Failed { .. }));
    if conflicts > 0 {
        anyhow::bail!("{conflicts} item(s) need attention: see the table above");
    }
    Ok(())
}
