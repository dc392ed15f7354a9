//! `steward sandbox`: the simulated portal, LLM and relay in-process, with the engine on them.

use std::time::Duration;

use steward_engine::poller::PollerConfig;
use steward_engine::runtime::Runtime;
use steward_engine::worker::WorkerConfig;
use steward_sandbox::{Sandbox, SandboxOptions};

use super::Env;
use crate::output;

pub async fn sandbox(env: &Env, contacts: usize, seconds: Option<u64>) -> anyhow::Result<()> {
    let _logs = steward_engine::logging::init(&env.dir.logs())?;
    let sandbox = Sandbox::start(
        &env.dir,
        SandboxOptions {
            contacts,
            ..SandboxOptions::default()
        },
    )
    .await?;
    let stopped = stop_signal::stop_signal()?;
    let info = sandbox.info();
    if env.json {
        output::json(&info)?;
    } else {
        println!("Sandbox running — nothing here touches a real HubSpot portal.");
        println!("  simulated HubSpot: {}", info.hubspot_url);
        println!("  relay:             {}", info.relay_url);
        println!(
            "  portal {} with {} contacts; data in {}",
            info.portal_id, info.contacts, info.data_dir
        );
        println!("Press Ctrl-C to stop.");
    }
    let ctx = sandbox.pipeline_context()?;
    let poller = PollerConfig::new(ctx.app_id, ctx.input_properties.clone());
    let runtime = Runtime::start(
        ctx,
        Some(sandbox.session().await?),
        poller,
        WorkerConfig::default(),
    );
    match seconds {
        Some(s) => {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(s)) => {}
                () = stopped => {}
            }
        }
        None => stopped.await,
    }
    runtime.stop().await?;
    sandbox.shutdown().await;
    Ok(())
}
