//! Shared helpers: an in-process simulator per test and clients pointed at it.

use std::time::Duration;

use hubspot::{
    HubSpotClient, OAuthApp, RateLimit, RetryPolicy, Secret, TokenResponse, TokenSource,
};
use hubspot_sim::{SimConfig, SimServer};
use serde_json::{Value, json};

/// The static token tests give the simulator.
pub const PAT: &str = "pat-na1-test-0123456789abcdef";
/// Redirect URI used for OAuth installs.
pub const REDIRECT: &str = "http://localhost:7777/oauth/callback";

/// A running simulator plus a plain HTTP client for its admin API.
pub struct Sim {
    pub server: SimServer,
    pub base: String,
    pub config: SimConfig,
    http: reqwest::Client,
}

/// A sim config without rate limiting (tests that do not exercise pacing).
pub fn unlimited() -> SimConfig {
    SimConfig {
        rate_limit: None,
        private_app_token: Some(PAT.into()),
        ..SimConfig::default()
    }
}

/// Retries that are quick (tests) but generous in count.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 10,
        min_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        ..RetryPolicy::default()
    }
}

impl Sim {
    pub async fn start(config: SimConfig) -> Sim {
        let server = hubspot_sim::spawn(config.clone())
            .await
            .expect("simulator starts");
        let base = server.base_url();
        Sim {
            server,
            base,
            config,
            http: reqwest::Client::new(),
        }
    }

    /// A client with the private-app token and pacing fast enough not to matter.
    pub fn private_client(&self) -> HubSpotClient {
        HubSpotClient::builder(TokenSource::private_app(Secret::new(PAT)))
            .base_url(&self.base)
            .rate_limit(RateLimit {
                max: 10_000,
                per: Duration::from_secs(1),
            })
            .retry(fast_retry())
            .build()
            .expect("client builds")
    }

    pub fn app(&self) -> OAuthApp {
        OAuthApp::with_policy(
            &self.base,
            self.config.client_id.clone(),
            Secret::new(self.config.client_secret.clone()),
            Duration::from_secs(10),
            fast_retry(),
        )
        .expect("app builds")
    }

    /// Installs the app (authorize → code) and exchanges the code.
    pub async fn install(&self) -> TokenResponse {
        let code = self.authorize().await;
        self.app()
            .exchange_code(&code, REDIRECT, None)
            .await
            .expect("code exchange")
    }

    /// Runs the authorize page and returns the code from the redirect.
    pub async fn authorize(&self) -> String {
        let no_redirect = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let resp = no_redirect
            .get(format!("{}/oauth/authorize", self.base))
            .query(&[
                ("client_id", self.config.client_id.as_str()),
                ("redirect_uri", REDIRECT),
                ("scope", &hubspot::REQUIRED_SCOPES.join(" ")),
                ("state", "s1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 302);
        let location = resp.headers()["location"].to_str().unwrap();
        let url = url::Url::parse(location).unwrap();
        url.query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .expect("code in redirect")
    }

    pub async fn admin(&self, path: &str, body: Value) -> Value {
        let resp = self
            .http
            .post(format!("{}/_sim/{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            resp.status().is_success(),
            "admin {path}: {}",
            resp.status()
        );
        resp.json().await.unwrap_or(Value::Null)
    }

    pub async fn stats(&self) -> Value {
        self.http
            .get(format!("{}/_sim/stats", self.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn reset_stats(&self) {
        self.admin("reset-stats", json!({})).await;
    }

    /// Requests the simulator counted for `"METHOD /route/template"`.
    pub async fn count(&self, key: &str) -> u64 {
        self.stats().await["requests"][key].as_u64().unwrap_or(0)
    }

    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

/// Creates `n` contacts through the API and returns their ids.
pub async fn create_contacts(client: &HubSpotClient, n: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let props = [
            ("email".to_owned(), format!("c{i}@example.com")),
            ("firstname".to_owned(), format!("C{i}")),
        ];
        let contact = client
            .create_contact(&props.into_iter().collect())
            .await
            .expect("create contact");
        ids.push(contact.id);
    }
    ids
}
