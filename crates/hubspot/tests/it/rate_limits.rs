use std::time::Duration;

use futures::future::join_all;
use hubspot::{Error, HubSpotClient, RateLimit, Secret, TokenSource};
use hubspot_sim::SimConfig;

use crate::support::{PAT, Sim, unlimited};

#[tokio::test]
async fn storm_is_paced_after_learning_the_limit() {
    let sim = Sim::start(SimConfig {
        rate_limit: Some(hubspot_sim::RateLimit {
            max: 20,
            per: Duration::from_secs(1),
        }),
        ..unlimited()
    })
    .await;
    // The client starts out believing in a much higher limit than the portal has.
    let client = HubSpotClient::builder(TokenSource::private_app(Secret::new(PAT)))
        .base_url(&sim.base)
        .rate_limit(RateLimit {
            max: 200,
            per: Duration::from_secs(1),
        })
        .safety_margin(0.9)
        .build()
        .unwrap();

    // Another integration has just spent the portal's whole window.
    let raw = reqwest::Client::new();
    for _ in 0..20 {
        let resp = raw
            .get(format!("{}/account-info/v3/details", sim.base))
            .bearer_auth(PAT)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
    }
    let first = join_all((0..60).map(|_| client.account_details())).await;
    assert!(
        first.iter().all(Result::is_ok),
        "every call of the storm finishes: {:?}",
        first.iter().find(|r| r.is_err())
    );
    assert_eq!(
        client.pacer().limit(),
        RateLimit {
            max: 20,
            per: Duration::from_secs(1)
        },
        "limit learnt from headers"
    );
    let storm_429s = sim.stats().await["rateLimited429"].as_u64().unwrap();
    assert!(
        storm_429s >= 1,
        "the exhausted window answered 429 at first"
    );
    assert!(
        storm_429s <= 10,
        "one wait then pacing keeps 429s few, got {storm_429s}"
    );
    assert_eq!(client.stats().rate_limited, storm_429s);
    assert_eq!(client.stats().requests, 60 + storm_429s);

    // Once paced, a second wave stays within the limit.
    sim.reset_stats().await;
    let before = client.stats();
    let second = join_all((0..45).map(|_| client.account_details())).await;
    assert!(second.iter().all(Result::is_ok));
    let paced_429s = sim.stats().await["rateLimited429"].as_u64().unwrap();
    assert!(
        paced_429s <= 1,
        "paced traffic should not be rate limited, got {paced_429s}"
    );
    assert_eq!(client.stats().since(&before).requests, 45 + paced_429s);
    sim.shutdown().await;
}

#[tokio::test]
async fn clones_share_one_pacer() {
    let sim = Sim::start(SimConfig {
        rate_limit: Some(hubspot_sim::RateLimit {
            max: 10,
            per: Duration::from_secs(1),
        }),
        ..unlimited()
    })
    .await;
    let client = HubSpotClient::builder(TokenSource::private_app(Secret::new(PAT)))
        .base_url(&sim.base)
        .rate_limit(RateLimit {
            max: 10,
            per: Duration::from_secs(1),
        })
        .build()
        .unwrap();
    let clones: Vec<HubSpotClient> = (0..5).map(|_| client.clone()).collect();
    let started = std::time::Instant::now();
    let results = join_all(
        clones
            .iter()
            .flat_map(|c| (0..4).map(move |_| c.account_details())),
    )
    .await;
    assert!(results.iter().all(Result::is_ok));
    // 20 calls at 9 per second take at least ~2 s if (and only if) the clones share the pacer.
    assert!(
        started.elapsed() >= Duration::from_millis(1800),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(sim.stats().await["rateLimited429"].as_u64().unwrap(), 0);
    assert_eq!(client.stats().requests, 20, "clones share the counters too");
    sim.shutdown().await;
}

#[tokio::test]
async fn daily_limit_is_a_clear_error_without_retries() {
    let sim = Sim::start(SimConfig {
        daily_limit: Some(3),
        ..unlimited()
    })
    .await;
    let client = sim.private_client();
    for _ in 0..3 {
        client.account_details().await.unwrap();
    }
    let err = client.account_details().await.unwrap_err();
    assert!(matches!(err, Error::RateLimitedDaily(_)), "{err:?}");
    assert!(err.to_string().contains("daily API limit"), "{err}");
    assert!(!err.is_transient());
    let stats = client.stats();
    assert_eq!(stats.requests, 4, "a daily 429 is not retried");
    assert_eq!(stats.rate_limited, 1);
    sim.shutdown().await;
}
