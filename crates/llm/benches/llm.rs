//! Prints throughput numbers for the LLM layer: prompt rendering, output validation, and
//! end-to-end calls against the in-process simulator at several concurrency limits.
//!
//! `CARGO_TARGET_DIR=/work/target-llm cargo bench -p steward-llm --bench llm`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use steward_llm::{
    Activity, ActivityKind, EnrichmentRequest, LlmClient, LlmConfig, PromptTemplate, Provider,
    SecretString, estimate_tokens, parse_output, render_prompt,
};

fn request(activities: usize) -> EnrichmentRequest {
    EnrichmentRequest {
        contact_id: 1,
        properties: BTreeMap::from([
            ("firstname".to_owned(), "Grace".to_owned()),
            ("company".to_owned(), "Cobol Systems".to_owned()),
            ("jobtitle".to_owned(), "VP Engineering".to_owned()),
        ]),
        activities: (0..activities)
            .map(|i| Activity {
                kind: ActivityKind::Email,
                id: format!("e-{i}"),
                timestamp: "2025-03-03T09:00:00Z".to_owned(),
                body: "Could you send a quote for 40 seats? Budget is approved for this quarter. "
                    .repeat(10),
            })
            .collect(),
        prompt: PromptTemplate::default(),
    }
}

fn per_op(label: &str, iterations: u32, mut op: impl FnMut()) {
    let started = Instant::now();
    for _ in 0..iterations {
        op();
    }
    let each = started.elapsed() / iterations;
    println!("{label:<48} {:>10.1} µs/op", each.as_secs_f64() * 1e6);
}

async fn end_to_end(provider: Provider, concurrency: usize, calls: usize, latency_ms: u64) {
    let sim = hubspot_sim::spawn(hubspot_sim::SimConfig {
        llm_latency: Duration::from_millis(latency_ms),
        ..Default::default()
    })
    .await
    .unwrap();
    let mut config = LlmConfig::new(provider, format!("{}/llm/v1", sim.base_url()), "sim-model");
    config.api_key = Some(SecretString::from("bench-key"));
    config.max_concurrency = concurrency;
    let client = LlmClient::new(config).unwrap();
    let started = Instant::now();
    let tasks: Vec<_> = (0..calls)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.enrich(&request(10)).await })
        })
        .collect();
    for task in tasks {
        assert!(task.await.unwrap().unwrap().output.is_ok());
    }
    let elapsed = started.elapsed();
    println!(
        "{:<48} {:>10.0} calls/s ({calls} calls in {:.2} s)",
        format!("enrich {provider} concurrency={concurrency} latency={latency_ms}ms"),
        calls as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    sim.shutdown().await;
}

fn main() {
    let small = request(1);
    let large = request(20);
    per_op("render_prompt (1 activity)", 20_000, || {
        black_box(render_prompt(black_box(&small)));
    });
    per_op("render_prompt (20 activities, ~15 KB)", 2_000, || {
        black_box(render_prompt(black_box(&large)));
    });
    per_op("estimate_tokens (20 activities)", 2_000, || {
        black_box(estimate_tokens(black_box(&large)));
    });
    let answer = r#"{"summary":"Asked for a quote for 40 seats. Budget approved this quarter.","next_best_action":"Send the quote and book a call.","next_best_action_confidence":0.9,"intent_signals":["pricing_interest","budget_confirmed"],"score":85}"#;
    per_op("parse_output (valid answer)", 100_000, || {
        black_box(parse_output(black_box(answer)).unwrap());
    });
    per_op("parse_output (bad JSON)", 100_000, || {
        black_box(parse_output(black_box("Sure! {\"summary\":")).unwrap_err());
    });

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        for provider in [Provider::OpenAiCompatible, Provider::Anthropic] {
            end_to_end(provider, 1, 500, 0).await;
            end_to_end(provider, 8, 2_000, 0).await;
        }
        end_to_end(Provider::OpenAiCompatible, 16, 320, 50).await;
    });
}
