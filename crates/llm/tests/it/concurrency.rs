//! `max_concurrency` bounds the requests in flight.

use std::time::{Duration, Instant};

use serde_json::json;
use steward_llm::{LlmClient, Provider};

use crate::support::{request, sim};

#[tokio::test]
async fn sixteen_slow_calls_with_four_slots_take_four_waves() {
    let sim = sim().await;
    sim.llm_faults(json!({ "latencyMs": 200 })).await;
    let mut config = sim.config(Provider::OpenAiCompatible);
    config.max_concurrency = 4;
    let client = LlmClient::new(config).unwrap();
    let started = Instant::now();
    let calls: Vec<_> = (0..16)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.enrich(&request()).await })
        })
        .collect();
    for call in calls {
        assert!(call.await.unwrap().unwrap().output.is_ok());
    }
    // 16 calls / 4 slots = 4 waves of at least 200 ms each.
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(800), "{elapsed:?}");
    assert_eq!(sim.llm_calls().await, 16);
}
