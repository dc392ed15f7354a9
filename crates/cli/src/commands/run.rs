//! `steward run [--until-idle]`: the engine in the foreground.

use std::time::Duration;

use steward_engine::connection::{self, Connection, ConnectionInfo};
use steward_engine::pipeline::PipelineContext;
use steward_engine::poller::PollerConfig;
use steward_engine::relay_client::Session;
use steward_engine::relay_session;
use steward_engine::runtime::Runtime;
use steward_engine::worker::WorkerConfig;

use super::Env;
use crate::output;

pub async fn run(env: &Env, until_idle: bool) -> anyhow::Result<()> {
    let _logs = steward_engine::logging::init(&env.dir.logs())?;
    let stopped = stop_signal::stop_signal()?;
    let ctx = connection::pipeline_context(&env.store)?;
    let info = env
        .settings
        .get::<Connection>()?
        .ok_or(connection::ConnectError::NotConnected)?;
    let session = relay_session(&info, &ctx).await?;
    let portal_id = ctx.portal_id;
    let live = session.is_some();
    let mut poller = PollerConfig::new(ctx.app_id, ctx.input_properties.clone());
    if until_idle {
        poller.wait = Duration::from_secs(1);
    }
    let runtime = Runtime::start_with(ctx, session, poller, WorkerConfig::default(), until_idle);
    let stop = runtime.shutdown_token();
    tokio::spawn(async move {
        stopped.await;
        tracing::info!("stopping: finishing the round trips in flight");
        stop.cancel();
    });
    output::say(
        env.json,
        serde_json::json!({"event": "running", "portal_id": portal_id, "live_events": live}),
        format!(
            "Running for portal {portal_id}: {}. Ctrl-C stops; work in flight finishes first.",
            if live {
                "live changes through the relay, queued contacts and batch runs"
            } else {
                "queued contacts and batch runs (a private-app connection has no live events)"
            }
        ),
    )?;
    runtime.wait().await?;
    Ok(())
}

/// A relay session for live events when connected through OAuth with a relay (`None` for a
/// private-app token: the local queue only).
pub(super) async fn relay_session(
    info: &ConnectionInfo,
    ctx: &PipelineContext,
) -> anyhow::Result<Option<Session>> {
    let session = relay_session::for_connection(info, ctx.hubspot.tokens()).await?;
    if session.is_none() {
        tracing::info!(
            "no relay session (private-app token or no relay URL): working the local queue only"
        );
    }
    Ok(session)
}
