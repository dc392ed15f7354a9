//! `steward-relay`: the hosted relay as a process. Configuration comes from the environment
//! (DESIGN §7) and an optional `--config FILE` (TOML); see docs/relay.md.
//!
//! Prints `listening on http://ADDR` as its first stdout line (tests use port 0), logs JSON to
//! stderr, and shuts down gracefully on SIGTERM or Ctrl-C.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Parser;
use steward_relay::{Relay, RelayConfig};
use tracing_subscriber::EnvFilter;

/// The Steward relay: HubSpot webhooks in, per-portal queues out, OAuth token broker.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// TOML file with settings; environment variables override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_current_span(false)
        .init();
    let config = RelayConfig::load(args.config.as_deref()).context("invalid configuration")?;
    let signal = stop_signal::stop_signal().context("listening for SIGTERM and Ctrl-C")?;
    let relay = Relay::start(config)
        .await
        .context("the relay could not start")?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{}", relay.addr())?;
        out.flush()?;
    }
    let stop = relay.shutdown_token();
    tokio::spawn(async move {
        signal.await;
        tracing::info!("shutdown requested, finishing in-flight requests");
        stop.cancel();
    });
    relay
        .wait()
        .await
        .context("the relay stopped with an error")?;
    tracing::info!("relay stopped");
    Ok(())
}
