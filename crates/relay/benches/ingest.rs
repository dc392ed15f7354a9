//! Ingest benchmark (a program, not a timed test): spawns the real `steward-relay` binary and
//! measures, on loopback,
//! 1. maximum durable ingest of signed 100-event webhook requests from 10 concurrent senders,
//! 2. latency (p50/p99) paced at half that load and at 25,000 events/s (half the target),
//! 3. the relay's CPU time while 100 long-polls sit idle for 10 s.
//!
//! SQLite always; PostgreSQL too when `STEWARD_TEST_POSTGRES_URL` is set.
//!
//! ```text
//! cargo bench -p steward-relay --bench ingest            # 10 s phases
//! BENCH_SECONDS=5 cargo bench -p steward-relay --bench ingest
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::routing::post;
use axum::{Form, Json, Router};
use serde_json::{Value, json};
use steward_relay::Secret;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const SECRET: &str = "bench-client-secret";
const PUBLIC_URL: &str = "https://relay.bench.test";
const APP_ID: u64 = 31337;
const SENDERS: usize = 10;
const EVENTS_PER_REQUEST: usize = 100;
const PORTALS: u64 = 20;

struct Relay {
    child: Child,
    base: String,
}

async fn spawn_relay(database_url: &str, hubspot: &str) -> Relay {
    let mut child = Command::new(env!("CARGO_BIN_EXE_steward-relay"))
        .env_clear()
        .env("RELAY_LISTEN", "127.0.0.1:0")
        .env("RELAY_PUBLIC_URL", PUBLIC_URL)
        .env("RELAY_DATABASE_URL", database_url)
        .env("HUBSPOT_CLIENT_ID", "bench")
        .env("HUBSPOT_CLIENT_SECRET", SECRET)
        .env("HUBSPOT_APP_ID", APP_ID.to_string())
        .env("HUBSPOT_API_BASE", hubspot)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next_line().await.unwrap().unwrap();
    let base = first.strip_prefix("listening on ").unwrap().to_owned();
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Relay { child, base }
}

/// utime + stime of a process, in milliseconds.
fn cpu_ms(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after_comm = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    let hz: f64 = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0);
    ticks * 1000.0 / hz
}

/// Signed request bodies with globally unique events.
fn bodies(count: usize, first_batch: usize) -> Vec<(Vec<u8>, String, String)> {
    let ts = steward_relay::clock::now_ms().to_string();
    let secret = Secret::new(SECRET);
    let uri = format!("{PUBLIC_URL}/hubspot/webhooks");
    (first_batch..first_batch + count)
        .map(|batch| {
            let events: Vec<Value> = (0..EVENTS_PER_REQUEST)
                .map(|i| {
                    let id = (batch * EVENTS_PER_REQUEST + i) as u64;
                    json!({
                        "eventId": id, "subscriptionId": 1001, "portalId": 1000 + id % PORTALS,
                        "appId": APP_ID, "occurredAt": 1_700_000_000_000u64 + id,
                        "subscriptionType": "contact.propertyChange", "attemptNumber": 0,
                        "objectId": 100_000 + id, "propertyName": "email",
                        "propertyValue": format!("user{id}@example.com"), "changeSource": "CRM_UI",
                        "sourceId": "userId:42", "changeFlag": "NEW"
                    })
                })
                .collect();
            let body = serde_json::to_vec(&events).unwrap();
            let sig = steward_relay::signature::sign(&secret, "POST", &uri, &body, &ts);
            (body, sig, ts.clone())
        })
        .collect()
}

struct Run {
    events_per_sec: f64,
    p50: Duration,
    p99: Duration,
    requests: usize,
    cpu_share: f64,
}

/// Sends `work` from SENDERS tasks; `pace` = delay between one sender's requests (open loop).
async fn send(
    relay: &Relay,
    work: Vec<(Vec<u8>, String, String)>,
    limit: Duration,
    pace: Option<Duration>,
) -> Run {
    let work = Arc::new(work);
    let next = Arc::new(AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let pid = relay.child.id().unwrap();
    let cpu_before = cpu_ms(pid);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for s in 0..SENDERS {
        let (work, next, latencies, url) = (
            Arc::clone(&work),
            Arc::clone(&next),
            Arc::clone(&latencies),
            format!("{}/hubspot/webhooks", relay.base),
        );
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut tick = pace.map(|p| {
                let mut i = tokio::time::interval_at(
                    tokio::time::Instant::now() + p * s as u32 / SENDERS as u32,
                    p,
                );
                i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                i
            });
            let mut mine = Vec::new();
            while started.elapsed() < limit {
                if let Some(t) = tick.as_mut() {
                    t.tick().await;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((body, sig, ts)) = work.get(i) else {
                    break;
                };
                let t0 = Instant::now();
                let resp = http
                    .post(&url)
                    .header("x-hubspot-signature-v3", sig)
                    .header("x-hubspot-request-timestamp", ts)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status().as_u16(), 200, "{:?}", resp.text().await);
                mine.push(t0.elapsed());
            }
            latencies.lock().unwrap().extend(mine);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed();
    let cpu = cpu_ms(pid) - cpu_before;
    let mut l = latencies.lock().unwrap().clone();
    l.sort();
    let pct = |p: f64| l[((l.len() as f64 * p) as usize).min(l.len() - 1)];
    Run {
        events_per_sec: (l.len() * EVENTS_PER_REQUEST) as f64 / elapsed.as_secs_f64(),
        p50: pct(0.50),
        p99: pct(0.99),
        requests: l.len(),
        cpu_share: cpu / elapsed.as_secs_f64() / 1000.0,
    }
}

/// Introspection stand-in: `bench-token-<portal>` is active for that portal.
async fn fake_hubspot() -> String {
    async fn introspect(Form(f): Form<HashMap<String, String>>) -> Json<Value> {
        let portal: u64 = f
            .get("token")
            .and_then(|t| t.strip_prefix("bench-token-"))
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        Json(
            json!({"active": portal > 0, "token_use": "access_token", "hub_id": portal, "app_id": APP_ID, "expires_in": 1800}),
        )
    }
    let app = Router::new().route("/oauth/v3/token/introspect", post(introspect));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

/// 100 long-polls (20 s wait) on empty portals; relay CPU time over `window`.
async fn idle_cpu(relay: &Relay, window: Duration) -> f64 {
    let http = reqwest::Client::new();
    let mut polls = Vec::new();
    for i in 0..100u64 {
        let portal = 900_000 + i;
        let session: Value = http
            .post(format!("{}/v1/sessions", relay.base))
            .json(&json!({"access_token": format!("bench-token-{portal}")}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = session["session_token"].as_str().unwrap().to_owned();
        let (http, url) = (
            http.clone(),
            format!("{}/v1/portals/{portal}/events/lease", relay.base),
        );
        polls.push(tokio::spawn(async move {
            http.post(url)
                .bearer_auth(token)
                .json(&json!({"max_events": 100, "wait_ms": 20_000}))
                .send()
                .await
                .map(|r| r.status())
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await; // all parked
    let pid = relay.child.id().unwrap();
    let before = cpu_ms(pid);
    tokio::time::sleep(window).await;
    let cpu = cpu_ms(pid) - before;
    for p in polls {
        p.abort();
    }
    cpu
}

async fn bench_backend(name: &str, database_url: &str, hubspot: &str, seconds: u64) {
    let phase = Duration::from_secs(seconds);
    let relay = spawn_relay(database_url, hubspot).await;
    // Warm-up (connections, page cache, statement caches).
    send(&relay, bodies(200, 0), Duration::from_secs(30), None).await;
    let max = send(
        &relay,
        bodies(60_000 * seconds as usize / EVENTS_PER_REQUEST * 2, 1_000),
        phase,
        None,
    )
    .await;
    println!(
        "{name}: max ingest {:>8.0} events/s ({} requests of {EVENTS_PER_REQUEST}, {SENDERS} senders, {seconds} s): p50 {:?} p99 {:?}, relay CPU {:.0}% of one core",
        max.events_per_sec,
        max.requests,
        max.p50,
        max.p99,
        max.cpu_share * 100.0
    );
    // Paced: half the measured maximum, and half the 50,000 events/s target.
    for (label, rate, first) in [
        ("half of max", max.events_per_sec / 2.0, 2_000_000),
        ("25k target", 25_000.0, 3_000_000),
    ] {
        let per_sender = Duration::from_secs_f64(SENDERS as f64 * EVENTS_PER_REQUEST as f64 / rate);
        let needed = (rate * seconds as f64 / EVENTS_PER_REQUEST as f64) as usize + SENDERS * 2;
        let run = send(&relay, bodies(needed, first), phase, Some(per_sender)).await;
        println!(
            "{name}: paced at {label} ({rate:.0} events/s offered, {:.0} achieved): p50 {:?} p99 {:?}, relay CPU {:.0}% of one core",
            run.events_per_sec,
            run.p50,
            run.p99,
            run.cpu_share * 100.0
        );
    }
    let cpu = idle_cpu(&relay, phase).await;
    println!(
        "{name}: 100 idle long-polls for {seconds} s: relay CPU time {cpu:.0} ms ({:.2}% of one core)",
        cpu / (seconds as f64 * 10.0)
    );
    drop(relay);
}

#[tokio::main]
async fn main() {
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let hubspot = fake_hubspot().await;
    println!(
        "steward-relay ingest benchmark: {} cores, {SENDERS} senders × {EVENTS_PER_REQUEST}-event signed requests, durable commit before 200",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite:{}", dir.path().join("bench.db").display());
    bench_backend("sqlite", &sqlite, &hubspot, seconds).await;
    match std::env::var("STEWARD_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => {
            let schema = format!("relay_bench_{:08x}", rand::random::<u32>());
            let store = steward_relay::store::PgStore::connect_in_schema(&url, &schema)
                .await
                .unwrap();
            let sep = if url.contains('?') { '&' } else { '?' };
            let pg = format!("{url}{sep}options=-c%20search_path%3D{schema}");
            bench_backend("postgres", &pg, &hubspot, seconds).await;
            store.drop_schema().await.unwrap();
        }
        _ => println!("postgres: skipped (set STEWARD_TEST_POSTGRES_URL)"),
    }
}
