//! Client benchmark against the in-process simulator: pacing efficiency under a rate limit,
//! 429s received, and batch cost ("HubSpot calls per contact").
//!
//! Run: `cargo bench -p hubspot --bench client` (about 40 s: the 110/10 s phase is real time).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use futures::future::join_all;
use hubspot::{HubSpotClient, ObjectUpdate, RateLimit, ReadOptions, Secret, TokenSource};
use hubspot_sim::SimConfig;

const PAT: &str = "pat-bench";

async fn paced(limit: hubspot_sim::RateLimit, calls: usize) {
    let sim = hubspot_sim::spawn(SimConfig {
        rate_limit: Some(limit),
        private_app_token: Some(PAT.into()),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    // The client starts at HubSpot's default and learns the simulator's limit from headers.
    let client =
        HubSpotClient::new(&sim.base_url(), TokenSource::private_app(Secret::new(PAT))).unwrap();
    let started = Instant::now();
    let results = join_all((0..calls).map(|_| client.account_details())).await;
    let elapsed = started.elapsed();
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let stats = client.stats();
    let rate = ok as f64 / elapsed.as_secs_f64();
    let allowed = f64::from(limit.max) / limit.per.as_secs_f64();
    println!(
        "pacing {}/{}ms: {calls} concurrent calls, {ok} ok in {:.2}s = {rate:.2} req/s \
         ({:.0}% of the limit), {} requests, {} x 429",
        limit.max,
        limit.per.as_millis(),
        elapsed.as_secs_f64(),
        100.0 * rate / allowed,
        stats.requests,
        stats.rate_limited,
    );
    sim.shutdown().await;
}

async fn batches(contacts: usize) {
    let sim = hubspot_sim::spawn(SimConfig {
        rate_limit: None,
        private_app_token: Some(PAT.into()),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let client = HubSpotClient::builder(TokenSource::private_app(Secret::new(PAT)))
        .base_url(sim.base_url())
        .rate_limit(RateLimit {
            max: 100_000,
            per: Duration::from_secs(1),
        })
        .build()
        .unwrap();
    let mut ids = Vec::with_capacity(contacts);
    for i in 0..contacts {
        let props = [("email".to_owned(), format!("b{i}@example.com"))]
            .into_iter()
            .collect();
        ids.push(client.create_contact(&props).await.unwrap().id);
    }
    let names = ["email", "firstname", "lastname", "jobtitle", "company"];
    let opts = ReadOptions::properties(names).with_history(names);
    let before = client.stats();
    let started = Instant::now();
    let batch = client.batch_read_contacts(&ids, &opts).await.unwrap();
    let read_time = started.elapsed();
    let reads = client.stats().since(&before).requests;

    let updates: Vec<ObjectUpdate> = ids
        .iter()
        .map(|id| ObjectUpdate {
            id: id.clone(),
            properties: [("lastname".to_owned(), "Bench".to_owned())].into(),
        })
        .collect();
    let before = client.stats();
    let started = Instant::now();
    let written = client.batch_update_contacts(&updates).await.unwrap();
    let write_time = started.elapsed();
    let writes = client.stats().since(&before).requests;
    println!(
        "batch read with history (5 props): {} contacts in {reads} calls ({:.3} calls/contact), \
         {:.0} ms, {:.0} contacts/s",
        batch.results.len(),
        reads as f64 / contacts as f64,
        read_time.as_secs_f64() * 1000.0,
        contacts as f64 / read_time.as_secs_f64(),
    );
    println!(
        "batch update: {} contacts in {writes} calls ({:.3} calls/contact), {:.0} ms",
        written.results.len(),
        writes as f64 / contacts as f64,
        write_time.as_secs_f64() * 1000.0,
    );
    sim.shutdown().await;
}

#[tokio::main]
async fn main() {
    batches(1000).await;
    paced(
        hubspot_sim::RateLimit {
            max: 20,
            per: Duration::from_secs(1),
        },
        100,
    )
    .await;
    paced(
        hubspot_sim::RateLimit {
            max: 110,
            per: Duration::from_secs(10),
        },
        300,
    )
    .await;
}
