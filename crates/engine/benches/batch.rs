//! Batch re-enrichment benchmark (issue #7): a list run through the real engine (feeder, worker,
//! pipeline, SQLite on disk) against the in-process simulator at HubSpot's OAuth rate limit and
//! an LLM with fixed latency. Prints wall time against the bound
//! max(minimal HubSpot calls ÷ 11/s, contacts × latency ÷ concurrency), HubSpot calls per
//! contact, 429s, and the same for a re-run with nothing changed; the naive figures (a GET,
//! activity reads and a PATCH per contact) beside them.
//!
//! `cargo bench -p steward-engine --bench batch -- [--contacts 5000] [--llm-latency-ms 300]
//! [--llm-concurrency 16] [--rate 110/10s]`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hubspot::{HubSpotClient, ObjectType, RateLimit, ReadOptions, Secret, TokenSource};
use hubspot_sim::SimConfig;
use steward_engine::batch::{self, RunOptions, RunSummary};
use steward_engine::pipeline::PipelineContext;
use steward_engine::poller::PollerConfig;
use steward_engine::runtime::Runtime;
use steward_engine::worker::WorkerConfig;
use steward_engine::{Store, settings};
use steward_llm::{LlmClient, LlmConfig, PromptTemplate, Provider};

const TOKEN: &str = "pat-na1-batch-bench";
const PORTAL: u64 = 62515;
const APP_ID: u64 = 1_234_567;
const LIST: &str = "Batch bench";
const KINDS: [ObjectType; 4] = [
    ObjectType::Notes,
    ObjectType::Emails,
    ObjectType::Calls,
    ObjectType::Meetings,
];

struct Args {
    contacts: usize,
    llm_latency: Duration,
    llm_concurrency: usize,
    rate: String,
}

fn args() -> Args {
    let mut a = Args {
        contacts: 5_000,
        llm_latency: Duration::from_millis(300),
        llm_concurrency: 16,
        rate: "110/10s".into(),
    };
    let argv: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < argv.len() {
        let value = argv.get(i + 1).cloned().unwrap_or_default();
        match argv[i].as_str() {
            "--contacts" => a.contacts = value.parse().expect("--contacts N"),
            "--llm-latency-ms" => {
                a.llm_latency = Duration::from_millis(value.parse().expect("--llm-latency-ms MS"));
            }
            "--llm-concurrency" => a.llm_concurrency = value.parse().expect("--llm-concurrency N"),
            "--rate" => a.rate = value,
            // `cargo bench` passes --bench; ignore what we do not know.
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    a
}

fn ceil_div(a: u64, b: u64) -> u64 {
    a.div_ceil(b)
}

/// HubSpot API calls the simulator counted, by route.
async fn hubspot_calls(
    http: &reqwest::Client,
    base: &str,
) -> (u64, u64, u64, BTreeMap<String, u64>) {
    let stats: serde_json::Value = http
        .get(format!("{base}/_sim/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut routes = BTreeMap::new();
    let mut total = 0;
    for (route, n) in stats["requests"].as_object().unwrap() {
        if route.contains(" /crm/") {
            let n = n.as_u64().unwrap_or(0);
            total += n;
            routes.insert(route.clone(), n);
        }
    }
    let limited = stats["rateLimited429"].as_u64().unwrap_or(0);
    let llm = stats["llmCalls"].as_u64().unwrap_or(0);
    (total, limited, llm, routes)
}

async fn reset(http: &reqwest::Client, base: &str) {
    http.post(format!("{base}/_sim/reset-stats"))
        .send()
        .await
        .unwrap();
}

async fn timed_run(
    store: &Store,
    runtime: &Runtime,
    ctx: &PipelineContext,
) -> (RunSummary, Duration) {
    let list = batch::resolve_list(&ctx.hubspot, LIST).await.unwrap();
    let started = Instant::now();
    let id = batch::start_run(store, PORTAL, &list, RunOptions::default(), None).unwrap();
    runtime.signals.wake_runs();
    let mut last_print = Instant::now();
    loop {
        let p = batch::progress(store, id).unwrap();
        if p.run.status.is_finished() {
            return (p.run, started.elapsed());
        }
        if last_print.elapsed() >= Duration::from_secs(10) {
            eprintln!(
                "  {:>5.1}s: {} of {} ({:.1}/s)",
                started.elapsed().as_secs_f64(),
                p.run.processed(),
                p.run.total,
                p.rate_per_sec
            );
            last_print = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let a = args();
    let n = a.contacts as u64;
    let setup = Instant::now();
    let sim = hubspot_sim::spawn(SimConfig {
        portal_id: PORTAL,
        app_id: APP_ID,
        contacts: a.contacts + a.contacts / 10 + 100,
        private_app_token: Some(TOKEN.into()),
        rate_limit: None,
        llm_latency: a.llm_latency,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let base = sim.base_url();
    let http = reqwest::Client::new();
    let tokens = || TokenSource::private_app(Secret::new(TOKEN));
    // Set-up runs with the simulator's limit off and an unpaced client.
    let fast = HubSpotClient::builder(tokens())
        .base_url(&base)
        .rate_limit(RateLimit {
            max: 1_000_000,
            per: Duration::from_secs(1),
        })
        .build()
        .unwrap();
    steward_engine::provision::provision(&fast, false)
        .await
        .unwrap();
    let probe: Vec<String> = (101..101 + n + n / 10 + 100)
        .map(|i| i.to_string())
        .collect();
    let read = fast
        .batch_read_contacts(&probe, &ReadOptions::properties(["email"]))
        .await
        .unwrap();
    let mut ids: Vec<u64> = read.results.iter().map(|c| c.id.parse().unwrap()).collect();
    ids.sort_unstable();
    ids.truncate(a.contacts);
    assert_eq!(ids.len(), a.contacts, "not enough seeded contacts");
    let id_strings: Vec<String> = ids.iter().map(u64::to_string).collect();
    let mut engagements: BTreeMap<&str, u64> = BTreeMap::new();
    let mut most = 0;
    let mut per_contact: BTreeMap<String, usize> = BTreeMap::new();
    for kind in KINDS {
        let sets = fast
            .batch_associations(ObjectType::Contacts, &id_strings, kind)
            .await
            .unwrap();
        for set in sets.results {
            *engagements.entry(kind.as_str()).or_default() += set.to.len() as u64;
            *per_contact.entry(set.from_id).or_default() += set.to.len();
        }
    }
    for v in per_contact.values() {
        most = most.max(*v);
    }
    let total_engagements: u64 = engagements.values().sum();
    http.post(format!("{base}/_sim/lists"))
        .json(&serde_json::json!({"portalId": PORTAL, "name": LIST, "contactIds": ids}))
        .send()
        .await
        .unwrap();
    http.post(format!("{base}/_sim/faults"))
        .json(&serde_json::json!({"rateLimit": a.rate}))
        .send()
        .await
        .unwrap();
    eprintln!(
        "set-up: {n} contacts, {total_engagements} engagements (≤ {most} per contact) in {:.1}s",
        setup.elapsed().as_secs_f64()
    );

    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("steward.sqlite3")).unwrap();
    let hubspot = HubSpotClient::builder(tokens())
        .base_url(&base)
        .build()
        .unwrap();
    let mut llm = LlmConfig::new(
        Provider::OpenAiCompatible,
        format!("{base}/llm/v1"),
        "sim-model",
    );
    llm.api_key = Some(secrecy::SecretString::from("sk-bench"));
    llm.max_concurrency = a.llm_concurrency;
    llm.price = steward_llm::Price {
        input_per_million_micros: 150_000,
        output_per_million_micros: 600_000,
    };
    let ctx = PipelineContext {
        portal_id: PORTAL,
        app_id: APP_ID,
        hubspot,
        llm: Arc::new(LlmClient::new(llm).unwrap()),
        store: store.clone(),
        input_properties: settings::DEFAULT_INPUT_PROPERTIES
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        policies: Default::default(),
        prompt: PromptTemplate::default(),
        model: "sim-model".into(),
        max_activities: 5,
        monthly_budget_micros: None,
    };
    let list = batch::resolve_list(&ctx.hubspot, LIST).await.unwrap();
    let estimate = batch::estimate(&ctx, &list).await.unwrap();
    eprintln!(
        "estimate: {} contacts, {} + {} tokens, ${:.2}",
        estimate.contacts,
        estimate.input_tokens,
        estimate.output_tokens,
        estimate.cost_micros as f64 / 1e6
    );
    let runtime = Runtime::start(
        ctx.clone(),
        None,
        PollerConfig::new(APP_ID, ctx.input_properties.clone()),
        WorkerConfig::default(),
    );

    reset(&http, &base).await;
    let client_before = ctx.hubspot.stats();
    eprintln!("first run …");
    let (first, first_wall) = timed_run(&store, &runtime, &ctx).await;
    let (calls1, limited1, llm1, routes1) = hubspot_calls(&http, &base).await;
    let client1 = ctx.hubspot.stats().since(&client_before);

    reset(&http, &base).await;
    let client_before = ctx.hubspot.stats();
    eprintln!("re-run (nothing changed) …");
    let (second, second_wall) = timed_run(&store, &runtime, &ctx).await;
    let (calls2, limited2, llm2, routes2) = hubspot_calls(&http, &base).await;
    let client2 = ctx.hubspot.stats().since(&client_before);
    runtime.stop().await.unwrap();

    // The bound.
    let llm_secs = n as f64 * a.llm_latency.as_secs_f64() / a.llm_concurrency as f64;
    let bodies: u64 = engagements.values().map(|e| ceil_div(*e, 100)).sum();
    let minimal_first = ceil_div(n, 250)
        + ceil_div(n, 100)
        + 4 * ceil_div(n, 1000)
        + bodies
        + ceil_div(n, 50)
        + ceil_div(n, 100)
        + ceil_div(n, 50);
    let minimal_rerun = ceil_div(n, 250) + ceil_div(n, 100) + 4 * ceil_div(n, 1000);
    let rate = 11.0;
    let bound_first = (minimal_first as f64 / rate).max(llm_secs);
    let bound_rerun = minimal_rerun as f64 / rate;
    let naive_calls = n * (1 + 4 + 1) + total_engagements;
    let naive_secs = (naive_calls as f64 / rate).max(llm_secs);

    println!("# Batch re-enrichment benchmark");
    println!(
        "{n} contacts, {total_engagements} engagements; simulator {} per portal; LLM {} ms × concurrency {}",
        a.rate,
        a.llm_latency.as_millis(),
        a.llm_concurrency
    );
    println!();
    println!(
        "| | first run | re-run (nothing changed) | naive (GET + activity reads + PATCH per contact) |"
    );
    println!("|---|---|---|---|");
    println!(
        "| wall time | {:.1} s | {:.1} s | ≥ {:.1} s |",
        first_wall.as_secs_f64(),
        second_wall.as_secs_f64(),
        naive_secs
    );
    println!(
        "| bound | {:.1} s (max({minimal_first} calls ÷ 11/s, {llm_secs:.1} s LLM)) | {bound_rerun:.1} s ({minimal_rerun} calls ÷ 11/s) | |",
        bound_first
    );
    println!(
        "| wall ÷ bound | {:.3} | {:.2} | {:.2} |",
        first_wall.as_secs_f64() / bound_first,
        second_wall.as_secs_f64() / bound_rerun.max(f64::EPSILON),
        naive_secs / bound_first
    );
    println!(
        "| HubSpot calls | {calls1} ({:.4}/contact) | {calls2} ({:.4}/contact) | {naive_calls} ({:.2}/contact) |",
        calls1 as f64 / n as f64,
        calls2 as f64 / n as f64,
        naive_calls as f64 / n as f64
    );
    println!(
        "| 429s received | {limited1} (client saw {}) | {limited2} (client saw {}) | |",
        client1.rate_limited, client2.rate_limited
    );
    println!("| LLM calls | {llm1} | {llm2} | {n} (and {n} again on a re-run) |");
    println!(
        "| outcomes | written {} · unchanged {} · guarded {} · failed {} | written {} · unchanged {} · failed {} | |",
        first.done,
        first.unchanged,
        first.guarded,
        first.failed,
        second.done,
        second.unchanged,
        second.failed
    );
    println!(
        "| LLM tokens, cost | {} tokens, ${:.2} (estimated {} tokens, ${:.2}) | {} | |",
        first.tokens,
        first.cost_micros as f64 / 1e6,
        estimate.input_tokens + estimate.output_tokens,
        estimate.cost_micros as f64 / 1e6,
        second.tokens
    );
    println!();
    println!("HubSpot calls by route (first run / re-run):");
    for (route, count) in &routes1 {
        println!(
            "  {route}: {count} / {}",
            routes2.get(route).copied().unwrap_or(0)
        );
    }
    sim.shutdown().await;
}
