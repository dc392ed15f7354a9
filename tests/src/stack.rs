//! A whole Steward stack on loopback for end-to-end scenarios: the HubSpot + LLM simulator,
//! the real relay (SQLite) receiving the simulator's signed webhooks, an OAuth connection made
//! through the simulator's authorize page, and the engine (poller + worker) in a temp dir.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use hubspot::{HubSpotClient, OAuthApp, Secret, TokenSource};
use hubspot_sim::{SimConfig, SimServer};
use relay_client::RelayClient;
use steward_engine::pipeline::PipelineContext;
use steward_engine::poller::PollerConfig;
use steward_engine::relay_session;
use steward_engine::runtime::Runtime;
use steward_engine::worker::WorkerConfig;
use steward_engine::{Store, settings};
use steward_llm::{LlmClient, LlmConfig, PromptTemplate, Provider};
use steward_relay::{DatabaseUrl, Relay, RelayConfig, RelayHandle};

pub const PORTAL: u64 = 62515;
pub const APP_ID: u64 = 1_234_567;
pub const CLIENT_ID: &str = "steward-test-client";
pub const CLIENT_SECRET: &str = "steward-test-secret-0123456789";

/// Options for [`Stack::start`].
#[derive(Debug, Clone)]
pub struct StackOptions {
    pub contacts: usize,
    pub rate_limit: Option<hubspot_sim::RateLimit>,
    pub llm_latency: Duration,
    /// A static private-app token the simulator accepts (for `steward connect --private-app-token`).
    pub private_app_token: Option<String>,
    /// Whether the simulator delivers webhooks to the relay (default on). Scenarios that drive
    /// the pipeline directly (the model test) turn it off: nobody consumes the events there, and
    /// delivering them costs as much CPU as the writes themselves.
    pub webhooks: bool,
    /// Lifetime of the simulator's OAuth access tokens (default HubSpot's 30 minutes); fault
    /// scenarios shorten it so tokens expire mid-run.
    pub access_token_ttl: Option<Duration>,
}

impl Default for StackOptions {
    fn default() -> Self {
        Self {
            contacts: 0,
            rate_limit: None,
            llm_latency: Duration::ZERO,
            private_app_token: None,
            webhooks: true,
            access_token_ttl: None,
        }
    }
}

/// Everything running; dropped at the end of a test.
pub struct Stack {
    pub sim: SimServer,
    pub relay: RelayHandle,
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub ctx: PipelineContext,
    pub tokens: TokenSource,
    pub http: reqwest::Client,
    runtime: Option<Runtime>,
}

impl Stack {
    pub async fn start(options: StackOptions) -> anyhow::Result<Self> {
        // Logs show with `RUST_LOG=…` when a scenario fails.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let dir = tempfile::tempdir()?;
        let relay_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let relay_url = format!("http://{}", relay_listener.local_addr()?);
        let sim = hubspot_sim::spawn(SimConfig {
            portal_id: PORTAL,
            contacts: options.contacts,
            app_id: APP_ID,
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            rate_limit: options.rate_limit,
            webhook_target: options
                .webhooks
                .then(|| format!("{relay_url}/hubspot/webhooks")),
            webhook_batch_window: Duration::from_millis(20),
            webhook_retry_base: Duration::from_millis(50),
            llm_latency: options.llm_latency,
            private_app_token: options.private_app_token.clone(),
            access_token_ttl: options
                .access_token_ttl
                .unwrap_or(SimConfig::default().access_token_ttl),
            ..SimConfig::default()
        })
        .await?;
        let mut relay_config =
            RelayConfig::new(CLIENT_ID, steward_relay::Secret::new(CLIENT_SECRET), APP_ID);
        relay_config.database = DatabaseUrl::Sqlite(dir.path().join("relay.sqlite3"));
        relay_config.api_base = url::Url::parse(&sim.base_url())?;
        relay_config.authorize_url =
            url::Url::parse(&format!("{}/oauth/authorize", sim.base_url()))?;
        let relay = Relay::serve(relay_listener, relay_config).await?;

        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let tokens = connect(&http, &sim).await?;
        let store = Store::open(dir.path().join("steward.sqlite3"))?;
        let hubspot = HubSpotClient::builder(tokens.clone())
            .base_url(sim.base_url())
            .build()?;
        let report = steward_engine::provision::provision(&hubspot, false).await?;
        anyhow::ensure!(report.is_ready(), "provisioning failed: {report:?}");
        let mut llm_config = LlmConfig::new(
            Provider::OpenAiCompatible,
            format!("{}/llm/v1", sim.base_url()),
            "sim-model",
        );
        llm_config.api_key = Some(secrecy::SecretString::from("sk-test-llm-key"));
        llm_config.max_concurrency = 16;
        let ctx = PipelineContext {
            portal_id: PORTAL,
            app_id: APP_ID,
            hubspot,
            llm: Arc::new(LlmClient::new(llm_config)?),
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
        Ok(Self {
            sim,
            relay,
            dir,
            store,
            ctx,
            tokens,
            http,
            runtime: None,
        })
    }

    /// Starts the engine (poller on a relay session + worker).
    pub async fn start_engine(&mut self) -> anyhow::Result<()> {
        let session = relay_session::open(
            RelayClient::new(&self.relay.base_url())?,
            self.tokens.clone(),
        )
        .await?;
        let mut poller = PollerConfig::new(APP_ID, self.ctx.input_properties.clone());
        poller.wait = Duration::from_secs(2);
        poller.debounce = Duration::from_millis(100);
        let worker = WorkerConfig {
            pause_retry: Duration::from_millis(500),
            ..WorkerConfig::default()
        };
        self.runtime = Some(Runtime::start(
            self.ctx.clone(),
            Some(session),
            poller,
            worker,
        ));
        Ok(())
    }

    pub async fn stop_engine(&mut self) -> anyhow::Result<()> {
        if let Some(r) = self.runtime.take() {
            r.stop().await?;
        }
        Ok(())
    }

    pub fn runtime(&self) -> Option<&Runtime> {
        self.runtime.as_ref()
    }

    /// POSTs JSON to the simulator's admin API.
    pub async fn sim_post(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        let resp = self
            .http
            .post(format!("{}{path}", self.sim.base_url()))
            .json(&body)
            .send()
            .await?;
        let status = resp.status();
        let text = resp.text().await?;
        anyhow::ensure!(status.is_success(), "{path} answered {status}: {text}");
        Ok(serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
    }

    pub async fn sim_stats(&self) -> anyhow::Result<serde_json::Value> {
        Ok(self
            .http
            .get(format!("{}/_sim/stats", self.sim.base_url()))
            .send()
            .await?
            .json()
            .await?)
    }

    /// Creates a contact as a person would; the simulator fires `contact.creation`.
    pub async fn create_contact(&self, properties: serde_json::Value) -> anyhow::Result<u64> {
        let v = self
            .sim_post(
                "/_sim/contacts",
                serde_json::json!({ "portalId": PORTAL, "properties": properties }),
            )
            .await?;
        v["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .or_else(|| v["id"].as_u64())
            .context("the simulator returned no contact id")
    }

    /// A person edits a property in the CRM (`CRM_UI`, user `user_id`).
    pub async fn human_edit(
        &self,
        contact: u64,
        property: &str,
        value: &str,
        user_id: u64,
    ) -> anyhow::Result<()> {
        self.sim_post(
            "/_sim/human-edit",
            serde_json::json!({ "portalId": PORTAL, "contactId": contact, "property": property, "value": value, "userId": user_id }),
        )
        .await?;
        Ok(())
    }

    /// The contact's current properties (read with the app's token).
    pub async fn contact(&self, id: u64, properties: &[&str]) -> anyhow::Result<hubspot::Contact> {
        let opts = hubspot::ReadOptions::properties(properties.iter().copied())
            .with_history(properties.iter().copied());
        Ok(self.ctx.hubspot.get_contact(&id.to_string(), &opts).await?)
    }

    /// LLM calls the simulator answered so far.
    pub async fn llm_calls(&self) -> anyhow::Result<u64> {
        Ok(self.sim_stats().await?["llmCalls"].as_u64().unwrap_or(0))
    }

    /// Every property write the simulator recorded from our integration (`sourceType`
    /// INTEGRATION), oldest first.
    pub async fn all_integration_writes(&self) -> anyhow::Result<Vec<serde_json::Value>> {
        let stats = self.sim_stats().await?;
        Ok(stats["writes"]
            .as_array()
            .map(|w| {
                w.iter()
                    .filter(|w| w["sourceType"] == "INTEGRATION")
                    .cloned()
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Property writes the simulator recorded from our integration for a contact.
    pub async fn integration_writes(
        &self,
        contact: u64,
        property: &str,
    ) -> anyhow::Result<Vec<serde_json::Value>> {
        let mut writes = self.all_integration_writes().await?;
        writes.retain(|w| written_contact(w) == contact && w["property"] == property);
        Ok(writes)
    }

    /// How many times our integration wrote `property`, per contact.
    pub async fn integration_writes_per_contact(
        &self,
        property: &str,
    ) -> anyhow::Result<std::collections::HashMap<u64, usize>> {
        let mut out = std::collections::HashMap::new();
        for w in self.all_integration_writes().await? {
            if w["property"] == property {
                *out.entry(written_contact(&w)).or_default() += 1;
            }
        }
        Ok(out)
    }

    /// Waits until `check` holds, polling every 50 ms, up to `timeout`.
    pub async fn eventually<F, Fut>(
        &self,
        timeout: Duration,
        what: &str,
        mut check: F,
    ) -> anyhow::Result<()>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<bool>>,
    {
        let deadline = Instant::now() + timeout;
        loop {
            if check().await? {
                return Ok(());
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "timed out after {timeout:?} waiting for: {what}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The OAuth dance against the simulator: authorize (approves at once) → code → tokens. Also
/// how a scenario reconnects after the tokens were revoked.
pub async fn connect(http: &reqwest::Client, sim: &SimServer) -> anyhow::Result<TokenSource> {
    let redirect = "http://127.0.0.1:1/oauth/callback";
    let scopes = hubspot::REQUIRED_SCOPES.join(" ");
    let resp = http
        .get(format!("{}/oauth/authorize", sim.base_url()))
        .query(&[
            ("client_id", CLIENT_ID),
            ("redirect_uri", redirect),
            ("scope", &scopes),
            ("state", "s"),
        ])
        .send()
        .await?;
    let location = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .context("the authorize page did not redirect")?;
    let code = url::Url::parse(location)?
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .context("no code in the redirect")?;
    let app = OAuthApp::new(&sim.base_url(), CLIENT_ID, Secret::new(CLIENT_SECRET))?;
    let tokens = app.exchange_code(&code, redirect, None).await?;
    Ok(TokenSource::from_token_response(tokens, Arc::new(app))?)
}

/// The contact a recorded write went to (the simulator records the id as a number or a string).
fn written_contact(write: &serde_json::Value) -> u64 {
    write["objectId"]
        .as_u64()
        .or_else(|| write["objectId"].as_str().and_then(|s| s.parse().ok()))
        .unwrap_or(0)
}
