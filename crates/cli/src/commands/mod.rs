//! Command dispatch: open the data dir and store, apply setting flags, run the command.

mod audit;
mod connect;
mod enrich;
mod oauth;
mod provenance;
mod reviews;
mod run;
mod runs;
mod sandbox;

use anyhow::Context;
use steward_engine::llm_settings::LlmUpdate;
use steward_engine::{DataDir, Settings, Store, llm_setup, settings};

use crate::cli::{Cli, Command, SettingFlags};

/// The opened data directory, shared by every command.
pub struct Env {
    pub dir: DataDir,
    pub store: Store,
    pub settings: Settings,
    pub json: bool,
}

pub async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let dir = match &cli.data_dir {
        Some(d) => DataDir::at(d)?,
        None => DataDir::os_default()?,
    };
    let store = Store::open(dir.database()).context("cannot open the Steward database")?;
    let settings = Settings::new(store.clone());
    apply_settings(&settings, &cli.settings)?;
    let env = Env {
        dir,
        store,
        settings,
        json: cli.json,
    };
    match cli.command {
        Command::Sandbox { contacts, seconds } => sandbox::sandbox(&env, contacts, seconds).await,
        Command::Connect(args) => connect::connect(&env, args).await,
        Command::Disconnect { force } => connect::disconnect(&env, force).await,
        Command::Provision { dry_run } => connect::provision(&env, dry_run).await,
        Command::Run { until_idle } => run::run(&env, until_idle).await,
        Command::Reviews { action } => reviews::reviews(&env, action).await,
        Command::Provenance { contact_id } => provenance::provenance(&env, contact_id).await,
        Command::Audit(args) => audit::audit(&env, args),
        Command::Enrich(args) => enrich::enrich(&env, args).await,
        Command::Runs { action } => runs::runs(&env, action),
    }
}

fn apply_settings(settings: &Settings, flags: &SettingFlags) -> anyhow::Result<()> {
    // The LLM first: it is the part that can be refused, and then nothing is stored.
    if flags.llm_preset.is_some()
        || flags.llm_base.is_some()
        || flags.llm_model.is_some()
        || flags.llm_provider.is_some()
    {
        let provider = flags
            .llm_provider
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|e| anyhow::anyhow!("--llm-provider: {e}"))?;
        let update = LlmUpdate {
            preset: flags.llm_preset.clone(),
            provider,
            base_url: flags.llm_base.clone(),
            model: flags.llm_model.clone(),
            ..LlmUpdate::default()
        };
        llm_setup::update(settings, &update).context("the LLM settings were not changed")?;
    }
    if let Some(base) = &flags.hubspot_base {
        settings.set::<settings::HubspotApiBase>(&base.trim_end_matches('/').to_owned())?;
    }
    if let Some(url) = &flags.relay_url {
        settings.set::<settings::RelayUrl>(&Some(url.trim_end_matches('/').to_owned()))?;
    }
    Ok(())
}
