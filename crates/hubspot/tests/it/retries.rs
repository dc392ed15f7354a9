use std::collections::BTreeMap;
use std::time::Duration;

use futures::future::join_all;
use hubspot::{Error, HubSpotClient, ObjectUpdate, RateLimit, RetryPolicy, Secret, TokenSource};
use serde_json::json;

use crate::support::{PAT, Sim, create_contacts, unlimited};

#[tokio::test]
async fn server_errors_are_retried_until_success() {
    let sim = Sim::start(unlimited()).await;
    let client = sim.private_client();
    let ids = create_contacts(&client, 120).await;
    sim.admin("faults", json!({ "fault5xx": 0.3 })).await;

    let results = join_all((0..40).map(|_| client.account_details())).await;
    assert!(
        results.iter().all(Result::is_ok),
        "{:?}",
        results.iter().find(|r| r.is_err())
    );

    let updates: Vec<ObjectUpdate> = ids
        .iter()
        .map(|id| ObjectUpdate {
            id: id.clone(),
            properties: BTreeMap::from([("lastname".into(), "Retry".into())]),
        })
        .collect();
    let written = client.batch_update_contacts(&updates).await.unwrap();
    assert_eq!(written.results.len(), 120);

    let faults = sim.stats().await["faults5xx"].as_u64().unwrap();
    assert!(faults > 0, "faults were injected");
    assert!(client.stats().retries >= faults, "each 5xx was retried");
    sim.shutdown().await;
}

#[tokio::test]
async fn persistent_server_errors_stop_after_bounded_attempts() {
    let sim = Sim::start(hubspot_sim::SimConfig {
        fault_5xx: 1.0,
        ..unlimited()
    })
    .await;
    let retry = RetryPolicy {
        max_attempts: 4,
        min_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        ..RetryPolicy::default()
    };
    let client = HubSpotClient::builder(TokenSource::private_app(Secret::new(PAT)))
        .base_url(&sim.base)
        .rate_limit(RateLimit {
            max: 1000,
            per: Duration::from_secs(1),
        })
        .retry(retry)
        .build()
        .unwrap();
    let err = client.account_details().await.unwrap_err();
    let Error::Server { attempts, api } = &err else {
        panic!("expected Server, got {err:?}")
    };
    assert_eq!(*attempts, 4);
    assert!(api.status >= 500);
    assert!(err.is_transient());
    assert!(err.to_string().contains("try again later"), "{err}");
    assert_eq!(client.stats().requests, 4);
    assert_eq!(sim.count("GET /account-info/v3/details").await, 4);
    sim.shutdown().await;
}

#[tokio::test]
async fn unreachable_host_is_a_transport_error_after_retries() {
    // Bind then drop a listener: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let retry = RetryPolicy {
        max_attempts: 3,
        min_delay: Duration::from_millis(5),
        ..RetryPolicy::default()
    };
    let client = HubSpotClient::builder(TokenSource::private_app(Secret::new(PAT)))
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry(retry)
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let err = client.account_details().await.unwrap_err();
    assert!(
        matches!(err, Error::Transport { attempts: 3, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("check the network connection"));
    assert!(!err.to_string().contains(PAT));
}
