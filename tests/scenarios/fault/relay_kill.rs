//! SIGKILL of the `steward-relay` binary during ingest, again and again: every event the relay
//! answered 200 reaches a lease/ack consumer (relay-client) after the restarts — none lost.
//!
//! Senders post signed webhook batches the way HubSpot does (a batch that got no 200 is sent
//! again, unchanged); a consumer leases and acks throughout with one session that outlives
//! every restart; a killer pulls the plug at random moments and restarts the relay on the same
//! address and database. SQLite always; PostgreSQL too when `STEWARD_TEST_POSTGRES_URL` is set.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hubspot_sim::SimConfig;
use rand::Rng;
use relay_client::{RelayClient, RetryPolicy};
use steward_engine::relay_session;
use steward_relay::signature::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use steward_tests::bins::{RelayBin, RelayBinConfig};
use steward_tests::stack::{APP_ID, CLIENT_ID, CLIENT_SECRET, PORTAL, connect};

use crate::support::{WAIT, full, note};

const PUBLIC_URL: &str = "https://relay.fault.test";

fn event(event_id: u64) -> serde_json::Value {
    serde_json::json!({
        "eventId": event_id,
        "subscriptionId": 4242,
        "portalId": PORTAL,
        "appId": APP_ID,
        "occurredAt": 1_700_000_000_000u64 + event_id,
        "subscriptionType": "contact.propertyChange",
        "attemptNumber": 0,
        "objectId": 10_000 + event_id % 5_000,
        "propertyName": "company",
        "propertyValue": format!("Company {event_id}"),
        "changeSource": "CRM_UI",
        "sourceId": "userId:7",
    })
}

/// One sender: batches of `batch` new events, each sent until the relay answers 200 (as
/// HubSpot retries), recorded as answered only then.
async fn send_until_stopped(
    url: String,
    sender: u64,
    batch: u64,
    answered: Arc<Mutex<HashSet<u64>>>,
    stop: Arc<AtomicBool>,
) -> u64 {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let secret = steward_relay::Secret::new(CLIENT_SECRET);
    let mut retries = 0;
    for n in 0u64.. {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let first = sender * 10_000_000 + n * batch;
        let ids: Vec<u64> = (first..first + batch).collect();
        let body = serde_json::to_vec(&ids.iter().map(|i| event(*i)).collect::<Vec<_>>()).unwrap();
        loop {
            let ts = steward_relay::clock::now_ms().to_string();
            let sig = signature::sign(
                &secret,
                "POST",
                &format!("{PUBLIC_URL}/hubspot/webhooks"),
                &body,
                &ts,
            );
            let sent = http
                .post(format!("{url}/hubspot/webhooks"))
                .header(SIGNATURE_HEADER, sig)
                .header(TIMESTAMP_HEADER, ts)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await;
            match sent {
                Ok(r) if r.status() == 200 => {
                    answered.lock().unwrap().extend(ids.iter().copied());
                    break;
                }
                Ok(r) => assert!(
                    r.status().is_server_error(),
                    "the relay refused a valid batch: {}",
                    r.status()
                ),
                Err(_) => {}
            }
            retries += 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    retries
}

/// What the consumer saw.
#[derive(Default)]
struct Consumed {
    delivered: HashSet<u64>,
    deliveries: u64,
    failed_calls: u64,
}

async fn consume(
    session: relay_client::Session,
    consumed: Arc<Mutex<Consumed>>,
    stop: Arc<AtomicBool>,
) {
    while !stop.load(Ordering::Relaxed) {
        match session
            .lease(100, Duration::from_millis(500), Duration::from_secs(5))
            .await
        {
            Ok(events) => {
                {
                    let mut c = consumed.lock().unwrap();
                    c.deliveries += events.len() as u64;
                    c.delivered.extend(events.iter().map(|e| e.event.event_id));
                }
                let receipts: Vec<_> = events.into_iter().map(|e| e.receipt).collect();
                if receipts.is_empty() {
                    continue;
                }
                // Like the engine, make them durable before the ack: a kill in between leaves
                // them leased, and they must come again after the visibility timeout.
                let durable = rand::random_range(0..30);
                tokio::time::sleep(Duration::from_millis(durable)).await;
                if session.ack(&receipts).await.is_err() {
                    consumed.lock().unwrap().failed_calls += 1;
                }
            }
            Err(_) => {
                consumed.lock().unwrap().failed_calls += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn relay_survives_sigkill_during_ingest(
    database_url: String,
    label: &str,
) -> anyhow::Result<()> {
    let (kills, senders, batch) = if full() { (20, 4, 50) } else { (5, 2, 25) };
    let dir = tempfile::tempdir()?;
    let sim = hubspot_sim::spawn(SimConfig {
        portal_id: PORTAL,
        app_id: APP_ID,
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        rate_limit: None,
        ..SimConfig::default()
    })
    .await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let tokens = connect(&http, &sim).await?;
    let config = RelayBinConfig {
        listen: "127.0.0.1:0".parse()?,
        database_url,
        public_url: Some(PUBLIC_URL.into()),
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        app_id: APP_ID,
        hubspot_base: sim.base_url(),
        log_filter: "warn".into(),
        log_file: Some(dir.path().join("relay.log")),
    };
    let mut relay = tokio::task::spawn_blocking(move || RelayBin::start(config)).await??;
    let url = relay.url.clone();

    // One session for the whole test: it is signed with a key derived from the app secret, so
    // every restarted relay accepts it.
    let client = RelayClient::new(&url)?.with_retry(RetryPolicy {
        min_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(500),
        max_retries: 4,
    });
    let session = relay_session::open(client, tokens).await?;
    let answered: Arc<Mutex<HashSet<u64>>> = Arc::default();
    let consumed: Arc<Mutex<Consumed>> = Arc::default();
    let stop_senders = Arc::new(AtomicBool::new(false));
    let stop_consumer = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (0..senders)
        .map(|s| {
            tokio::spawn(send_until_stopped(
                url.clone(),
                s,
                batch,
                answered.clone(),
                stop_senders.clone(),
            ))
        })
        .collect();
    let consumer = tokio::spawn(consume(session, consumed.clone(), stop_consumer.clone()));

    let started = Instant::now();
    let mut answered_at_kill = Vec::new();
    for _ in 0..kills {
        // Ingest must be flowing at every kill: wait for new 200s since the last restart.
        let before = answered.lock().unwrap().len();
        let deadline = Instant::now() + WAIT;
        while answered.lock().unwrap().len() < before + batch as usize {
            anyhow::ensure!(Instant::now() < deadline, "ingest stalled after a restart");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let (up, down) = {
            let mut rng = rand::rng();
            (rng.random_range(50..400), rng.random_range(0..150))
        };
        tokio::time::sleep(Duration::from_millis(up)).await;
        answered_at_kill.push(answered.lock().unwrap().len());
        relay.kill9();
        tokio::time::sleep(Duration::from_millis(down)).await;
        relay = tokio::task::spawn_blocking(move || {
            relay.restart()?;
            anyhow::Ok(relay)
        })
        .await??;
        anyhow::ensure!(relay.url == url, "the relay came back at {}", relay.url);
    }
    stop_senders.store(true, Ordering::Relaxed);
    let mut sender_retries = 0;
    for s in senders {
        sender_retries += s.await?;
    }
    let answered = answered.lock().unwrap().clone();

    // Everything answered 200 reaches the consumer.
    let deadline = Instant::now() + WAIT;
    loop {
        let missing = answered
            .difference(&consumed.lock().unwrap().delivered)
            .count();
        if missing == 0 {
            break;
        }
        if Instant::now() > deadline {
            let c = consumed.lock().unwrap();
            let lost: Vec<_> = answered.difference(&c.delivered).take(10).collect();
            anyhow::bail!(
                "{label}: {missing} of {} events answered 200 were never delivered, e.g. {lost:?}",
                answered.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop_consumer.store(true, Ordering::Relaxed);
    consumer.await?;
    let c = consumed.lock().unwrap();
    let invented: Vec<_> = c.delivered.difference(&answered).take(5).collect();
    assert!(
        invented.is_empty(),
        "delivered events nobody sent: {invented:?}"
    );
    assert_eq!(answered_at_kill.len(), kills);
    assert!(
        answered_at_kill.windows(2).all(|w| w[0] < w[1]),
        "ingest flowed between every two kills: {answered_at_kill:?}"
    );
    note(
        &format!("relay_kill/{label}"),
        &format!(
            "{kills} SIGKILLs in {:.1} s; {} events answered 200, all delivered \
             ({} deliveries, {} redelivered); {} sends retried while the relay was down; \
             {} consumer calls failed and were retried",
            started.elapsed().as_secs_f64(),
            answered.len(),
            c.deliveries,
            c.deliveries - c.delivered.len() as u64,
            sender_retries,
            c.failed_calls,
        ),
    );
    relay.kill9();
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_sigkill_during_ingest_loses_no_answered_event_sqlite() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite:{}", dir.path().join("relay.sqlite3").display());
    relay_survives_sigkill_during_ingest(url, "sqlite").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_sigkill_during_ingest_loses_no_answered_event_postgres() -> anyhow::Result<()> {
    let Ok(url) = std::env::var("STEWARD_TEST_POSTGRES_URL") else {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "\n!!!!! SKIPPED fault::relay_kill (PostgreSQL): STEWARD_TEST_POSTGRES_URL is not set !!!!!"
        );
        return Ok(());
    };
    let schema = format!("relay_fault_{:016x}", rand::random::<u64>());
    // Creates the schema and its tables; the relay binary then works inside it.
    steward_relay::store::PgStore::connect_in_schema(&url, &schema).await?;
    let sep = if url.contains('?') { '&' } else { '?' };
    let url = format!("{url}{sep}options=-c%20search_path%3D{schema}");
    relay_survives_sigkill_during_ingest(url, "postgres").await
}
