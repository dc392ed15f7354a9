//! `steward connect`, `steward disconnect` and `steward provision`.

use secrecy::SecretString;
use steward_engine::connection::{self, AuthKind, Connection, ConnectionInfo};
use steward_engine::disconnect::{self, IfRevokeFails};
use steward_engine::provision::{self, ItemStatus};
use steward_engine::settings;

use super::{Env, oauth};
use crate::cli::ConnectArgs;
use crate::output;

pub async fn connect(env: &Env, args: ConnectArgs) -> anyhow::Result<()> {
    if let Some(link) = &args.callback {
        let info = oauth::finish(env, link).await?;
        return print_connection(env, &info);
    }
    // An explicit --relay wins over a private-app token that may come from the environment.
    let relay = match (&args.relay, &args.private_app_token) {
        (Some(relay), _) => Some(relay.clone()),
        (None, Some(_)) => None,
        (None, None) => env.settings.get::<settings::RelayUrl>()?,
    };
    if let Some(relay) = relay {
        return match oauth::connect(env, &relay, &args).await? {
            Some(info) => print_connection(env, &info),
            None => Ok(()),
        };
    }
    let Some(token) = args.private_app_token else {
        anyhow::bail!(
            "pass --relay URL to connect through OAuth, or --private-app-token TOKEN (or set STEWARD_HUBSPOT_PRIVATE_APP_TOKEN) to connect with a private-app token"
        );
    };
    let info =
        connection::connect_private_app(&env.settings, SecretString::from(token), args.app_id)
            .await?;
    print_connection(env, &info)
}

/// The connected portal, granted scopes and what missing ones break.
pub fn print_connection(env: &Env, info: &ConnectionInfo) -> anyhow::Result<()> {
    let view = info.view();
    if env.json {
        return output::json(&view);
    }
    let how = match info.auth {
        AuthKind::Oauth => "through OAuth; the refresh token is kept in the OS keyring",
        AuthKind::PrivateApp => "with a private-app token kept in the OS keyring",
    };
    println!(
        "Connected to HubSpot portal {} ({}) {how}.",
        info.portal_id,
        info.ui_domain.as_deref().unwrap_or("unknown domain")
    );
    if info.auth == AuthKind::Oauth {
        println!("Granted scopes: {}", info.scopes.join(" "));
    }
    for m in &view.missing_scopes {
        println!(
            "MISSING SCOPE {}: {}. Reconnect and grant it.",
            m.scope, m.breaks
        );
    }
    Ok(())
}

pub async fn disconnect(env: &Env, force: bool) -> anyhow::Result<()> {
    let mode = if force {
        IfRevokeFails::ForgetAnyway
    } else {
        IfRevokeFails::Keep
    };
    let report = disconnect::disconnect(&env.settings, mode).await?;
    if env.json {
        return output::json(&report);
    }
    let revoked = if report.revoked {
        "the token was revoked at HubSpot and"
    } else {
        "the token was"
    };
    println!(
        "Disconnected from HubSpot portal {}: {revoked} deleted from the OS keyring.",
        report.portal_id
    );
    if let Some(note) = &report.note {
        println!("Note: {note}.");
    }
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
