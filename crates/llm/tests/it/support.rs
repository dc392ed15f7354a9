//! Starting the simulator, driving its admin API, and building configs and requests.

use std::collections::BTreeMap;
use std::time::Duration;

use hubspot_sim::{SimConfig, SimServer};
use serde_json::{Value, json};
use steward_llm::{
    Activity, ActivityKind, EnrichmentRequest, LlmConfig, Price, PromptTemplate, Provider,
    SecretString,
};

/// A key that must never show up in any output.
pub const TEST_KEY: &str = "sk-test-DO-NOT-LEAK-7f3a9c";

pub struct Sim {
    pub server: SimServer,
    http: reqwest::Client,
}

pub async fn sim() -> Sim {
    let server = hubspot_sim::spawn(SimConfig::default())
        .await
        .expect("start hubspot-sim");
    Sim {
        server,
        http: reqwest::Client::new(),
    }
}

impl Sim {
    /// `{base}/llm/v1`, the LLM base URL.
    pub fn llm_base(&self) -> String {
        format!("{}/llm/v1", self.server.base_url())
    }

    /// `POST /_sim/faults {llm: …}`.
    pub async fn llm_faults(&self, llm: Value) {
        let response = self
            .http
            .post(format!("{}/_sim/faults", self.server.base_url()))
            .json(&json!({ "llm": llm }))
            .send()
            .await
            .expect("POST /_sim/faults");
        assert!(
            response.status().is_success(),
            "{}",
            response.text().await.unwrap_or_default()
        );
    }

    /// `GET /_sim/stats`.
    pub async fn stats(&self) -> Value {
        self.http
            .get(format!("{}/_sim/stats", self.server.base_url()))
            .send()
            .await
            .expect("GET /_sim/stats")
            .json()
            .await
            .expect("stats JSON")
    }

    pub async fn llm_calls(&self) -> u64 {
        self.stats().await["llmCalls"].as_u64().unwrap_or(0)
    }

    /// A config for `provider` pointed at the simulator, with a price so cost is non-zero.
    pub fn config(&self, provider: Provider) -> LlmConfig {
        config(provider, &self.llm_base())
    }
}

pub fn config(provider: Provider, base_url: &str) -> LlmConfig {
    let mut config = LlmConfig::new(provider, base_url, "sim-model");
    config.api_key = Some(SecretString::from(TEST_KEY));
    config.timeout = Duration::from_secs(10);
    config.max_retries = 3;
    config.price = Price {
        input_per_million_micros: 2_500_000,
        output_per_million_micros: 10_000_000,
    };
    config
}

pub const PROVIDERS: [Provider; 2] = [Provider::OpenAiCompatible, Provider::Anthropic];

/// A contact with clear buying signals.
pub fn request() -> EnrichmentRequest {
    EnrichmentRequest {
        contact_id: 501,
        properties: BTreeMap::from([
            ("firstname".to_owned(), "Grace".to_owned()),
            ("lastname".to_owned(), "Hopper".to_owned()),
            ("company".to_owned(), "Cobol Systems".to_owned()),
            ("jobtitle".to_owned(), "VP Engineering".to_owned()),
        ]),
        activities: vec![
            Activity {
                kind: ActivityKind::Email,
                id: "e-1".to_owned(),
                timestamp: "2025-03-03T09:00:00Z".to_owned(),
                body: "Could you send a quote for 40 seats? Budget is approved for this quarter."
                    .to_owned(),
            },
            Activity {
                kind: ActivityKind::Meeting,
                id: "m-1".to_owned(),
                timestamp: "2025-03-05T15:00:00Z".to_owned(),
                body:
                    "Demo call: they are evaluating a competitor side-by-side; need SOC 2 report."
                        .to_owned(),
            },
        ],
        prompt: PromptTemplate::default(),
    }
}
