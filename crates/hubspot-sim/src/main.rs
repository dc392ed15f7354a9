//! `hubspot-sim`: run the HubSpot + LLM simulator as a standalone server.
//! The first stdout line is `listening on http://ADDR`; Ctrl-C or SIGTERM stops it.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use hubspot_sim::{LlmFaults, LlmMode, RateLimit, SimConfig};

/// A stateful HubSpot simulator (OAuth v3, CRM v3/v4, webhooks v3) with an
/// OpenAI/Anthropic-compatible LLM simulator at /llm/v1 and an admin API at /_sim/.
#[derive(Debug, Parser)]
#[command(name = "hubspot-sim", version)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8910")]
    listen: SocketAddr,
    /// Portal (hub) id that exists at start.
    #[arg(long, default_value_t = 62515)]
    portal: u64,
    /// Realistic contacts to seed (with activity and a few lists).
    #[arg(long, default_value_t = 0)]
    contacts: usize,
    /// Seed for the generated data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// App id reported as sourceId of API writes and appId of webhooks.
    #[arg(long, default_value_t = 1_234_567)]
    app_id: u64,
    /// OAuth client id.
    #[arg(long, default_value = "sim-client-id")]
    client_id: String,
    /// OAuth client secret (also signs webhooks).
    #[arg(
        long,
        env = "HUBSPOT_SIM_CLIENT_SECRET",
        default_value = "sim-client-secret",
        hide_env_values = true
    )]
    client_secret: String,
    /// Static private-app token accepted for the portal with every scope.
    #[arg(long, env = "HUBSPOT_SIM_PRIVATE_APP_TOKEN", hide_env_values = true)]
    private_app_token: Option<String>,
    /// Per-portal rolling limit like 110/10s, or `off`.
    #[arg(long, default_value = "110/10s")]
    rate_limit: String,
    /// Optional daily request limit per portal (429 policyName DAILY past it).
    #[arg(long)]
    daily_limit: Option<u32>,
    /// URL receiving signed v3 webhook batches.
    #[arg(long)]
    webhook_target: Option<String>,
    /// First webhook retry delay in ms; each retry doubles it (10 attempts in all).
    #[arg(long, default_value_t = 1000)]
    webhook_retry_base_ms: u64,
    /// Delay before every LLM answer, in ms.
    #[arg(long, default_value_t = 0)]
    llm_latency_ms: u64,
    /// Share of LLM calls answered with 500/429.
    #[arg(long, default_value_t = 0.0)]
    llm_error_rate: f64,
    /// Share of LLM answers replaced by non-JSON text.
    #[arg(long, default_value_t = 0.0)]
    llm_malformed_rate: f64,
    /// LLM output mode: valid, bad_json, schema_violation, oversize, unknown_signal.
    #[arg(long, default_value = "valid")]
    llm_mode: String,
    /// Share (0..1) of HubSpot API requests answered with a 5xx.
    #[arg(long = "fault-5xx", default_value_t = 0.0)]
    fault_5xx: f64,
    /// Delay added to every HubSpot API request, in ms.
    #[arg(long, default_value_t = 0)]
    fault_latency_ms: u64,
    /// Write every request and response as one JSON line to this file.
    #[arg(long)]
    record: Option<PathBuf>,
    /// Access-token lifetime in seconds.
    #[arg(long, default_value_t = 1800)]
    access_token_ttl_secs: u64,
}

fn config(args: Args) -> anyhow::Result<SimConfig> {
    let rate_limit = match args.rate_limit.as_str() {
        "off" | "none" => None,
        spec => Some(spec.parse::<RateLimit>()?),
    };
    for (name, rate) in [
        ("--fault-5xx", args.fault_5xx),
        ("--llm-error-rate", args.llm_error_rate),
        ("--llm-malformed-rate", args.llm_malformed_rate),
    ] {
        anyhow::ensure!(
            (0.0..=1.0).contains(&rate),
            "{name} must be between 0 and 1"
        );
    }
    Ok(SimConfig {
        portal_id: args.portal,
        contacts: args.contacts,
        seed: args.seed,
        app_id: args.app_id,
        client_id: args.client_id,
        client_secret: args.client_secret,
        private_app_token: args.private_app_token,
        rate_limit,
        daily_limit: args.daily_limit,
        webhook_target: args.webhook_target,
        webhook_retry_base: Duration::from_millis(args.webhook_retry_base_ms),
        llm_latency: Duration::from_millis(args.llm_latency_ms),
        llm: LlmFaults {
            error_rate: args.llm_error_rate,
            malformed_rate: args.llm_malformed_rate,
            mode: args.llm_mode.parse::<LlmMode>()?,
        },
        fault_5xx: args.fault_5xx,
        fault_latency: Duration::from_millis(args.fault_latency_ms),
        record: args.record,
        access_token_ttl: Duration::from_secs(args.access_token_ttl_secs),
        ..SimConfig::default()
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let listen = args.listen;
    let config = config(args)?;
    let stop = stop_signal::stop_signal().context("listening for SIGTERM and Ctrl-C")?;
    let server = hubspot_sim::spawn_on(listen, config)
        .await
        .context("starting hubspot-sim")?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", server.base_url())?;
        out.flush()?;
    }
    tracing::info!(addr = %server.addr(), "hubspot-sim ready");
    stop.await;
    tracing::info!("shutting down");
    server.shutdown().await;
    Ok(())
}
