//! The sandbox: everything Steward talks to, running inside the app on loopback — a seeded
//! HubSpot portal (≈ 500 realistic contacts with activity, a few lists), the LLM simulator, and
//! the real relay receiving the simulator's signed webhooks — plus an engine store of its own
//! under `DATA_DIR/sandbox/`, so sandbox data never mixes with a real portal's.
//!
//! The simulated portal lives in memory, so each start begins again: the sandbox's store is
//! emptied at start too, and never holds reviews or audit rows about a portal that is gone.
//!
//! # Layout
//! - [`Sandbox`]: starts the pieces, connects through the simulator's OAuth page, provisions
//!   the `ai_*` properties (or leaves that to the admin) and hands out a [`PipelineContext`]
//!   and relay sessions.
//! - [`status`]: [`SandboxInfo`] and [`SandboxStatus`], what the app's banner and
//!   `steward sandbox` show.
//! - [`Sandbox::human_edit`] / [`Sandbox::create_contact`]: the "simulate a person" panel.

pub mod status;

use std::sync::Arc;
use std::time::Duration;

use hubspot::{HubSpotClient, OAuthApp, Secret, TokenSource};
use hubspot_sim::{SimConfig, SimServer};
use relay_client::{RelayClient, Session};
use steward_engine::connection::{AuthKind, Connection, ConnectionInfo};
use steward_engine::host::SessionOpener;
use steward_engine::pipeline::PipelineContext;
use steward_engine::provision::ProvisionReport;
use steward_engine::{DataDir, Settings, Store, settings};
use steward_llm::{LlmClient, LlmConfig, Provider};
use steward_relay::{DatabaseUrl, Relay, RelayConfig, RelayHandle};

pub use status::{SandboxInfo, SandboxState, SandboxStatus};

/// The sandbox portal and app (fixed, so a sandbox restarted on the same data dir matches).
pub const PORTAL_ID: u64 = 62_515;
pub const APP_ID: u64 = 1_234_567;
const CLIENT_ID: &str = "steward-sandbox";
const CLIENT_SECRET: &str = "sandbox-only-secret-not-used-anywhere-else";
/// The model name the LLM simulator answers as.
pub const MODEL: &str = "steward-sandbox-llm";

/// Sandbox sizing and speed.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    pub contacts: usize,
    pub seed: u64,
    /// Simulated LLM latency (a realistic few hundred ms makes the queue visible).
    pub llm_latency: Duration,
    /// HubSpot's per-portal limit, enforced by the simulator as HubSpot would.
    pub rate_limit: Option<hubspot_sim::RateLimit>,
    /// Create the `ai_*` properties at start (`steward sandbox`); the app leaves it to the
    /// admin's first click, so the sandbox shows every step of a real setup.
    pub provision: bool,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            contacts: 500,
            seed: 7,
            llm_latency: Duration::from_millis(400),
            rate_limit: Some(hubspot_sim::RateLimit::hubspot_oauth()),
            provision: true,
        }
    }
}

/// Why the sandbox could not start or act.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("the sandbox's HubSpot simulator could not start: {0}")]
    Simulator(String),
    #[error("the sandbox's relay could not start: {0}")]
    Relay(String),
    #[error("the sandbox could not connect to its simulated portal: {0}")]
    Connect(String),
    #[error("the sandbox could not create the ai_* properties: {0}")]
    Provision(String),
    #[error("the simulated change was refused: {0}")]
    Admin(String),
    #[error("the sandbox's data folder could not be emptied: {0}")]
    DataDir(String),
    #[error(transparent)]
    Engine(#[from] steward_engine::EngineError),
}

/// A running sandbox. Dropping it stops the simulator and the relay.
pub struct Sandbox {
    sim: SimServer,
    relay: RelayHandle,
    dir: DataDir,
    store: Store,
    hubspot: HubSpotClient,
    llm: Arc<LlmClient>,
    tokens: TokenSource,
    http: reqwest::Client,
    contacts: usize,
}

impl Sandbox {
    /// Starts the sandbox under `parent/sandbox/`, emptied first (see the crate docs).
    pub async fn start(parent: &DataDir, options: SandboxOptions) -> Result<Self, SandboxError> {
        let root = parent.root().join("sandbox");
        if root.exists() {
            std::fs::remove_dir_all(&root).map_err(|e| SandboxError::DataDir(e.to_string()))?;
        }
        let dir = DataDir::at(root)?;
        let relay_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| SandboxError::Relay(e.to_string()))?;
        let relay_addr = relay_listener
            .local_addr()
            .map_err(|e| SandboxError::Relay(e.to_string()))?;
        let relay_url = format!("http://{relay_addr}");
        let sim = hubspot_sim::spawn(SimConfig {
            portal_id: PORTAL_ID,
            contacts: options.contacts,
            seed: options.seed,
            app_id: APP_ID,
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            rate_limit: options.rate_limit,
            webhook_target: Some(format!("{relay_url}/hubspot/webhooks")),
            webhook_retry_base: Duration::from_millis(500),
            llm_latency: options.llm_latency,
            ..SimConfig::default()
        })
        .await
        .map_err(|e| SandboxError::Simulator(e.to_string()))?;
        let mut relay_config =
            RelayConfig::new(CLIENT_ID, steward_relay::Secret::new(CLIENT_SECRET), APP_ID);
        relay_config.database = DatabaseUrl::Sqlite(dir.root().join("relay.sqlite3"));
        relay_config.api_base = parse_url(&sim.base_url())?;
        relay_config.authorize_url = parse_url(&format!("{}/oauth/authorize", sim.base_url()))?;
        let relay = Relay::serve(relay_listener, relay_config)
            .await
            .map_err(|e| SandboxError::Relay(e.to_string()))?;

        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SandboxError::Connect(e.to_string()))?;
        let tokens = oauth_connect(&http, &sim.base_url()).await?;
        let store = Store::open(dir.database())?;
        let hubspot = HubSpotClient::builder(tokens.clone())
            .base_url(sim.base_url())
            .build()
            .map_err(|e| SandboxError::Connect(e.to_string()))?;
        if options.provision {
            provision_with(&hubspot).await?;
        }

        let settings = Settings::new(store.clone());
        settings.set::<settings::HubspotApiBase>(&sim.base_url())?;
        settings.set::<settings::RelayUrl>(&Some(relay.base_url()))?;
        settings.set::<Connection>(&Some(ConnectionInfo {
            portal_id: PORTAL_ID,
            app_id: APP_ID,
            ui_domain: Some("app.hubspot.sandbox".into()),
            auth: AuthKind::Oauth,
            relay_url: Some(relay.base_url()),
            scopes: hubspot::REQUIRED_SCOPES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        }))?;
        let mut llm_config = LlmConfig::new(
            Provider::OpenAiCompatible,
            format!("{}/llm/v1", sim.base_url()),
            MODEL,
        );
        llm_config.api_key = Some(secrecy::SecretString::from("sandbox-llm-key"));
        llm_config.max_concurrency = 16;
        let llm = LlmClient::new(llm_config).map_err(|e| SandboxError::Connect(e.to_string()))?;
        tracing::info!(hubspot = %sim.base_url(), relay = %relay.base_url(), "sandbox started");
        Ok(Self {
            sim,
            relay,
            dir,
            store,
            hubspot,
            llm: Arc::new(llm),
            tokens,
            http,
            contacts: options.contacts,
        })
    }

    /// The sandbox's own engine store (never the real one).
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn data_dir(&self) -> &DataDir {
        &self.dir
    }

    /// The pipeline wired to the simulated portal and LLM, with the sandbox store's current
    /// settings (prompt, field policies, input properties — an admin may change them in it).
    pub fn pipeline_context(&self) -> Result<PipelineContext, SandboxError> {
        let settings = Settings::new(self.store.clone());
        Ok(PipelineContext {
            portal_id: PORTAL_ID,
            app_id: APP_ID,
            hubspot: self.hubspot.clone(),
            llm: self.llm.clone(),
            store: self.store.clone(),
            input_properties: settings.get::<settings::InputProperties>()?,
            policies: settings.get::<settings::FieldPolicies>()?,
            prompt: settings.get::<settings::Prompt>()?,
            model: MODEL.into(),
            max_activities: settings.get::<settings::MaxActivities>()?,
            monthly_budget_micros: None,
        })
    }

    /// A relay session for the poller (renews itself with the sandbox's OAuth tokens).
    pub async fn session(&self) -> Result<Session, SandboxError> {
        open_session(self.relay.base_url(), self.tokens.clone()).await
    }

    /// Opens relay sessions for an engine host without holding on to the sandbox.
    pub fn session_opener(&self) -> SessionOpener {
        let relay = self.relay.base_url();
        let tokens = self.tokens.clone();
        Arc::new(move || {
            let relay = relay.clone();
            let tokens = tokens.clone();
            Box::pin(async move { open_session(relay, tokens).await.map_err(|e| e.to_string()) })
        })
    }

    /// Creates the `ai_enrichment` group and the `ai_*` properties in the simulated portal
    /// (idempotent: a second call reports them as already there).
    pub async fn provision(&self) -> Result<ProvisionReport, SandboxError> {
        provision_with(&self.hubspot).await
    }

    pub fn info(&self) -> SandboxInfo {
        SandboxInfo {
            portal_id: PORTAL_ID,
            hubspot_url: self.sim.base_url(),
            relay_url: self.relay.base_url(),
            contacts: self.contacts as u64,
            data_dir: self.dir.root().display().to_string(),
        }
    }

    /// A person edits a property in the (simulated) CRM: `CRM_UI`, user `user_id`.
    pub async fn human_edit(
        &self,
        contact_id: u64,
        property: &str,
        value: &str,
        user_id: u64,
    ) -> Result<(), SandboxError> {
        self.admin(
            "/_sim/human-edit",
            serde_json::json!({"portalId": PORTAL_ID, "contactId": contact_id, "property": property, "value": value, "userId": user_id}),
        )
        .await
        .map(|_| ())
    }

    /// A new contact appears in the CRM (fires `contact.creation`). Returns its id.
    pub async fn create_contact(&self, properties: serde_json::Value) -> Result<u64, SandboxError> {
        let v = self
            .admin(
                "/_sim/contacts",
                serde_json::json!({"portalId": PORTAL_ID, "properties": properties}),
            )
            .await?;
        v["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .or_else(|| v["id"].as_u64())
            .ok_or_else(|| SandboxError::Admin("the simulator returned no contact id".into()))
    }

    async fn admin(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, SandboxError> {
        let resp = self
            .http
            .post(format!("{}{path}", self.sim.base_url()))
            .json(&body)
            .send()
            .await
            .map_err(|e| SandboxError::Admin(e.to_string()))?;
        let status = resp.status();
        let text = resp
            .text()
            .await
            .map_err(|e| SandboxError::Admin(e.to_string()))?;
        if !status.is_success() {
            return Err(SandboxError::Admin(format!("{status}: {text}")));
        }
        Ok(serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
    }

    /// Stops the relay (finishing in-flight commits) and the simulator.
    pub async fn shutdown(self) {
        if let Err(e) = self.relay.shutdown().await {
            tracing::warn!(error = %e, "sandbox relay did not stop cleanly");
        }
        self.sim.shutdown().await;
    }
}

async fn provision_with(hubspot: &HubSpotClient) -> Result<ProvisionReport, SandboxError> {
    steward_engine::provision::provision(hubspot, false)
        .await
        .map_err(|e| SandboxError::Provision(e.to_string()))
}

async fn open_session(relay: String, tokens: TokenSource) -> Result<Session, SandboxError> {
    let client = RelayClient::new(&relay).map_err(|e| SandboxError::Relay(e.to_string()))?;
    steward_engine::relay_session::open(client, tokens)
        .await
        .map_err(|e| SandboxError::Relay(e.to_string()))
}

fn parse_url(s: &str) -> Result<url::Url, SandboxError> {
    url::Url::parse(s).map_err(|e| SandboxError::Relay(e.to_string()))
}

/// The OAuth dance with the simulator's authorize page (approves at once). The sandbox knows
/// the simulator's client secret, so it exchanges directly instead of through the relay broker.
async fn oauth_connect(http: &reqwest::Client, base: &str) -> Result<TokenSource, SandboxError> {
    let redirect = "http://127.0.0.1/sandbox/callback";
    let scopes = hubspot::REQUIRED_SCOPES.join(" ");
    let resp = http
        .get(format!("{base}/oauth/authorize"))
        .query(&[
            ("client_id", CLIENT_ID),
            ("redirect_uri", redirect),
            ("scope", &scopes),
            ("state", "sandbox"),
        ])
        .send()
        .await
        .map_err(|e| SandboxError::Connect(e.to_string()))?;
    let code = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .and_then(|l| url::Url::parse(l).ok())
        .and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == "code")
                .map(|(_, v)| v.into_owned())
        })
        .ok_or_else(|| {
            SandboxError::Connect("the simulator's authorize page gave no code".into())
        })?;
    let app = OAuthApp::new(base, CLIENT_ID, Secret::new(CLIENT_SECRET))
        .map_err(|e| SandboxError::Connect(e.to_string()))?;
    let tokens = app
        .exchange_code(&code, redirect, None)
        .await
        .map_err(|e| SandboxError::Connect(e.to_string()))?;
    TokenSource::from_token_response(tokens, Arc::new(app))
        .map_err(|e| SandboxError::Connect(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_sandbox_starts_provisioned_and_keeps_its_data_apart() {
        let tmp = tempfile::tempdir().unwrap();
        let parent = DataDir::at(tmp.path()).unwrap();
        let sandbox = Sandbox::start(
            &parent,
            SandboxOptions {
                contacts: 20,
                llm_latency: Duration::ZERO,
                rate_limit: None,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(
            sandbox
                .store()
                .path()
                .starts_with(tmp.path().join("sandbox"))
        );
        assert_ne!(
            sandbox.store().path(),
            parent.database(),
            "never the real database"
        );
        let report = steward_engine::provision::provision(
            &sandbox.pipeline_context().unwrap().hubspot,
            true,
        )
        .await
        .unwrap();
        assert!(report.is_ready(), "provisioned: {report:?}");
        let id = sandbox
            .create_contact(serde_json::json!({"email": "new@sandbox.example"}))
            .await
            .unwrap();
        sandbox
            .human_edit(id, "company", "Sandbox Inc", 3)
            .await
            .unwrap();
        let session = sandbox.session().await.unwrap();
        assert_eq!(session.portal_id(), PORTAL_ID);
        assert_eq!(sandbox.info().contacts, 20);
        sandbox.shutdown().await;
    }
}
