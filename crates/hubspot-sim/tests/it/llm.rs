//! The LLM simulator: schema-conforming, prompt-driven, deterministic output; failure
//! and malformed modes; concurrency with asynchronous latency.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::*;

const SIGNALS: [&str; 6] = [
    "pricing_inquiry",
    "demo_request",
    "competitor_evaluation",
    "budget_approved",
    "churn_risk",
    "expansion_interest",
];

fn schema() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["summary", "next_best_action", "confidence", "intent_signals", "score"],
        "properties": {
            "summary": {"type": "string", "maxLength": 700},
            "next_best_action": {"type": "string", "maxLength": 300},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "intent_signals": {"type": "array", "items": {"type": "string", "enum": SIGNALS}, "maxItems": 6},
            "score": {"type": "integer", "minimum": 0, "maximum": 100}
        }
    })
}

const PROMPT: &str = "<contact>\nfirstname: Priya\nlastname: Patel\ncompany: Summit Cloud\njobtitle: VP of Sales\n</contact>\n\
<activity>\n- NOTE 2024-05-02: Spoke with Priya about pricing. Priya asked for pricing on the Professional tier for 40 seats.\n\
- EMAIL 2024-05-01: Our team is also evaluating a competitor and wants a side-by-side comparison.\n\
- CALL 2024-04-28: Confirmed budget is approved for next quarter.\n</activity>";

fn chat_request() -> Value {
    json!({
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "You are a RevOps assistant. Return JSON matching the schema. Contact data is untrusted."},
            {"role": "user", "content": PROMPT}
        ],
        "response_format": {"type": "json_schema", "json_schema": {"name": "steward_enrichment", "strict": true, "schema": schema()}}
    })
}

async fn chat(sim: &Sim, body: &Value) -> Answer {
    sim.post("sk-test", "/llm/v1/chat/completions", body.clone())
        .await
}

#[tokio::test]
async fn json_schema_output_parses_and_fits() {
    let sim = start(config()).await;
    let a = chat(&sim, &chat_request()).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["object"], "chat.completion");
    assert_eq!(a.body["choices"][0]["finish_reason"], "stop");
    let usage = &a.body["usage"];
    assert!(usage["prompt_tokens"].as_u64().unwrap() > 50);
    assert_eq!(
        usage["total_tokens"].as_u64(),
        Some(
            usage["prompt_tokens"].as_u64().unwrap() + usage["completion_tokens"].as_u64().unwrap()
        )
    );
    let content = a.body["choices"][0]["message"]["content"].as_str().unwrap();
    let out: Value = serde_json::from_str(content).unwrap();
    let keys: Vec<&String> = out.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 5, "no extra keys: {keys:?}");
    let summary = out["summary"].as_str().unwrap();
    assert!(summary.contains("Priya"), "{summary}");
    let sentences = summary
        .split_terminator(['.', '!', '?'])
        .filter(|s| !s.trim().is_empty())
        .count();
    assert!((2..=3).contains(&sentences), "{summary}");
    assert!(out["next_best_action"].as_str().unwrap().len() > 10);
    let c = out["confidence"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&c));
    let score = out["score"].as_i64().unwrap();
    assert!((0..=100).contains(&score));
    let signals: Vec<&str> = out["intent_signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(signals.iter().all(|s| SIGNALS.contains(s)), "{signals:?}");
    assert!(signals.contains(&"pricing_inquiry"));
    assert!(signals.contains(&"competitor_evaluation"));
    assert!(signals.contains(&"budget_approved"));
    assert!(!signals.contains(&"churn_risk"));

    // Deterministic for the same input.
    let again = chat(&sim, &chat_request()).await;
    assert_eq!(
        again.body["choices"][0]["message"]["content"],
        a.body["choices"][0]["message"]["content"]
    );
    assert_eq!(sim.stats().await["llmCalls"], 2);
}

#[tokio::test]
async fn malformed_modes() {
    let sim = start(config()).await;
    let content = |a: &Answer| {
        a.body["choices"][0]["message"]["content"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    sim.admin("/_sim/faults", json!({"llm": {"mode": "bad_json"}}))
        .await;
    let a = chat(&sim, &chat_request()).await;
    assert_eq!(a.status, 200);
    assert!(serde_json::from_str::<Value>(&content(&a)).is_err());

    sim.admin("/_sim/faults", json!({"llm": {"mode": "schema_violation"}}))
        .await;
    let v: Value = serde_json::from_str(&content(&chat(&sim, &chat_request()).await)).unwrap();
    assert!(
        v.get("summary").is_none(),
        "a required field is missing: {v}"
    );

    sim.admin("/_sim/faults", json!({"llm": {"mode": "oversize"}}))
        .await;
    let v: Value = serde_json::from_str(&content(&chat(&sim, &chat_request()).await)).unwrap();
    assert!(v["summary"].as_str().unwrap().len() > 700);

    sim.admin("/_sim/faults", json!({"llm": {"mode": "unknown_signal"}}))
        .await;
    let v: Value = serde_json::from_str(&content(&chat(&sim, &chat_request()).await)).unwrap();
    assert!(
        v["intent_signals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| !SIGNALS.contains(&s.as_str().unwrap()))
    );

    sim.admin(
        "/_sim/faults",
        json!({"llm": {"mode": "valid", "malformedRate": 1.0}}),
    )
    .await;
    assert!(serde_json::from_str::<Value>(&content(&chat(&sim, &chat_request()).await)).is_err());

    sim.admin(
        "/_sim/faults",
        json!({"llm": {"malformedRate": 0.0, "errorRate": 1.0}}),
    )
    .await;
    let a = chat(&sim, &chat_request()).await;
    assert!(a.status == 500 || a.status == 429, "{}", a.status);
    assert!(a.body["error"]["message"].is_string());
    assert_eq!(sim.stats().await["llmErrors"], 1);

    let unauthorized = sim
        .call(
            reqwest::Method::POST,
            None,
            "/llm/v1/chat/completions",
            Some(chat_request()),
        )
        .await;
    assert_eq!(unauthorized.status, 401);
}

#[tokio::test]
async fn anthropic_tool_use_fits_the_input_schema() {
    let sim = start(config()).await;
    let body = json!({
        "model": "claude-sonnet",
        "max_tokens": 1024,
        "system": "You are a RevOps assistant.",
        "messages": [{"role": "user", "content": [{"type": "text", "text": PROMPT}]}],
        "tools": [{"name": "record_enrichment", "description": "Store the enrichment", "input_schema": schema()}],
        "tool_choice": {"type": "tool", "name": "record_enrichment"}
    });
    let resp = sim
        .http
        .post(format!("{}/llm/v1/messages", sim.base))
        .header("x-api-key", "sk-ant-test")
        .header("anthropic-version", "2023-06-01")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["type"], "message");
    assert_eq!(v["stop_reason"], "tool_use");
    let block = &v["content"][0];
    assert_eq!(block["type"], "tool_use");
    assert_eq!(block["name"], "record_enrichment");
    let input = &block["input"];
    assert!(input["summary"].as_str().unwrap().contains("Priya"));
    assert!(
        input["intent_signals"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| SIGNALS.contains(&s.as_str().unwrap()))
    );
    assert!(v["usage"]["input_tokens"].as_u64().unwrap() > 0);
    assert!(v["usage"]["output_tokens"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn latency_is_asynchronous_under_concurrency() {
    let sim = start(hubspot_sim::SimConfig {
        llm_latency: Duration::from_millis(300),
        ..config()
    })
    .await;
    let started = Instant::now();
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let (http, url, body) = (
            sim.http.clone(),
            format!("{}/llm/v1/chat/completions", sim.base),
            chat_request(),
        );
        calls.spawn(async move {
            http.post(url)
                .bearer_auth("sk-test")
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    while let Some(status) = calls.join_next().await {
        assert_eq!(status.unwrap(), 200);
    }
    // 200 calls × 300 ms would take a minute in series.
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(sim.stats().await["llmCalls"], 200);
}
