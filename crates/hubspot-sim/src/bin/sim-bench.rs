//! `sim-bench`: how fast the simulator answers a 50-contact batch read with property
//! history over loopback, limits off. Prints p50/p90/p99 for sequential requests and the
//! throughput of concurrent ones.
//!
//! Run: `cargo run --release -p hubspot-sim --bin sim-bench -- --requests 2000`

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use hubspot_sim::SimConfig;
use serde_json::{Value, json};

/// Benchmark settings.
#[derive(Debug, Parser)]
struct Args {
    /// Seeded contacts in the portal.
    #[arg(long, default_value_t = 2000)]
    contacts: usize,
    /// Sequential requests to time.
    #[arg(long, default_value_t = 2000)]
    requests: usize,
    /// Concurrent clients for the throughput run.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
}

const TOKEN: &str = "pat-bench";
const PROPS: [&str; 10] = [
    "email",
    "firstname",
    "lastname",
    "company",
    "jobtitle",
    "lifecyclestage",
    "hs_lead_status",
    "phone",
    "city",
    "notes_last_updated",
];

fn body(round: usize, contacts: usize) -> Value {
    let inputs: Vec<Value> = (0..50)
        .map(|i| json!({ "id": (101 + (round * 50 + i * 7) % contacts).to_string() }))
        .collect();
    json!({ "inputs": inputs, "properties": PROPS, "propertiesWithHistory": PROPS })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

async fn read(client: &reqwest::Client, url: &str, body: &Value) -> anyhow::Result<usize> {
    let resp = client
        .post(url)
        .bearer_auth(TOKEN)
        .json(body)
        .send()
        .await?;
    anyhow::ensure!(
        resp.status() == 200,
        "batch read answered {}",
        resp.status()
    );
    let bytes = resp.bytes().await?;
    anyhow::ensure!(bytes.len() > 10_000, "suspiciously small answer");
    Ok(bytes.len())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(
        args.contacts >= 50 && args.requests > 0,
        "need ≥ 50 contacts and ≥ 1 request"
    );
    let server = hubspot_sim::spawn(SimConfig {
        contacts: args.contacts,
        private_app_token: Some(TOKEN.into()),
        rate_limit: None,
        ..SimConfig::default()
    })
    .await
    .context("starting the simulator")?;
    let url = format!("{}/crm/v3/objects/contacts/batch/read", server.base_url());
    let client = reqwest::Client::builder().no_proxy().build()?;

    for round in 0..100 {
        read(&client, &url, &body(round, args.contacts)).await?;
    }
    let mut times = Vec::with_capacity(args.requests);
    let mut bytes = 0;
    for round in 0..args.requests {
        let b = body(round, args.contacts);
        let t = Instant::now();
        bytes += read(&client, &url, &b).await?;
        times.push(t.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "batch read, 50 contacts x 10 properties with history, sequential ({} requests, {} KiB per answer):",
        args.requests,
        bytes / args.requests / 1024
    );
    println!(
        "  p50 {:.3} ms  p90 {:.3} ms  p99 {:.3} ms  max {:.3} ms",
        ms(percentile(&times, 0.50)),
        ms(percentile(&times, 0.90)),
        ms(percentile(&times, 0.99)),
        ms(percentile(&times, 1.0))
    );

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let per_task = args.requests / args.concurrency.max(1);
    for worker in 0..args.concurrency.max(1) {
        let (client, url, contacts) = (client.clone(), url.clone(), args.contacts);
        tasks.spawn(async move {
            for i in 0..per_task {
                read(&client, &url, &body(worker * per_task + i, contacts)).await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    let total = per_task * args.concurrency.max(1);
    let secs = started.elapsed().as_secs_f64();
    println!(
        "concurrent ({} clients, {} requests): {:.0} requests/s",
        args.concurrency,
        total,
        total as f64 / secs
    );
    server.shutdown().await;
    Ok(())
}
