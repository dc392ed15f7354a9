//! Shared test helpers: start a simulator, talk to it, run the OAuth dance.

use std::time::Duration;

use hubspot_sim::{SimConfig, SimServer};
use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::{Value, json};

/// The private-app token every test config accepts (all scopes).
pub const PAT: &str = "pat-na1-test-token";
/// A redirect URI for the OAuth dance.
pub const REDIRECT: &str = "http://localhost:9999/oauth/callback";
/// Every scope Steward asks for.
pub const ALL_SCOPES: &str = "crm.objects.contacts.read crm.objects.contacts.write crm.schemas.contacts.write crm.lists.read oauth";

/// A config with the private-app token and no rate limit.
pub fn config() -> SimConfig {
    SimConfig {
        private_app_token: Some(PAT.into()),
        rate_limit: None,
        ..SimConfig::default()
    }
}

/// A running simulator plus an HTTP client.
pub struct Sim {
    pub server: SimServer,
    pub base: String,
    pub http: reqwest::Client,
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

pub async fn start(config: SimConfig) -> Sim {
    let server = hubspot_sim::spawn(config).await.expect("simulator starts");
    let base = server.base_url();
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    Sim { server, base, http }
}

impl Sim {
    pub async fn call(
        &self,
        method: Method,
        token: Option<&str>,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, token: &str, path: &str) -> Answer {
        self.call(Method::GET, Some(token), path, None).await
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> Answer {
        self.call(Method::POST, Some(token), path, Some(body)).await
    }

    pub async fn patch(&self, token: &str, path: &str, body: Value) -> Answer {
        self.call(Method::PATCH, Some(token), path, Some(body))
            .await
    }

    /// An admin call that must succeed.
    pub async fn admin(&self, path: &str, body: Value) -> Value {
        let a = self.call(Method::POST, None, path, Some(body)).await;
        assert!(a.status.is_success(), "{path}: {} {}", a.status, a.body);
        a.body
    }

    pub async fn stats(&self) -> Value {
        self.call(Method::GET, None, "/_sim/stats", None).await.body
    }

    /// Authorize (with `extra` query params) and exchange the code: the token JSON.
    pub async fn oauth_with(&self, scopes: &str, extra: &str) -> Value {
        let url = format!(
            "{}/oauth/authorize?client_id=sim-client-id&redirect_uri={}&scope={}&state=st-1{extra}",
            self.base,
            urlencode(REDIRECT),
            urlencode(scopes)
        );
        let resp = self.http.get(url).send().await.expect("authorize");
        assert_eq!(resp.status(), StatusCode::FOUND);
        let location = resp.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned();
        let loc = url::Url::parse(&location).expect("redirect url");
        assert!(location.starts_with(REDIRECT));
        let pairs: std::collections::HashMap<_, _> = loc.query_pairs().into_owned().collect();
        assert_eq!(pairs["state"], "st-1");
        let form = [
            ("grant_type", "authorization_code"),
            ("client_id", "sim-client-id"),
            ("client_secret", "sim-client-secret"),
            ("redirect_uri", REDIRECT),
            ("code", pairs["code"].as_str()),
        ];
        let resp = self
            .http
            .post(format!("{}/oauth/v3/token", self.base))
            .form(&form)
            .send()
            .await
            .expect("token");
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.expect("token json")
    }

    pub async fn oauth(&self, scopes: &str) -> Value {
        self.oauth_with(scopes, "").await
    }

    /// Creates the `ai_enrichment` group and a text property `name` through the API.
    pub async fn ai_property(&self, name: &str) {
        let _ = self
            .post(
                PAT,
                "/crm/v3/properties/contacts/groups",
                json!({"name": "ai_enrichment", "label": "AI enrichment"}),
            )
            .await;
        let a = self
            .post(
                PAT,
                "/crm/v3/properties/contacts",
                json!({"name": name, "label": name, "type": "string", "fieldType": "textarea", "groupName": "ai_enrichment"}),
            )
            .await;
        assert!(
            a.status.is_success() || a.status == StatusCode::CONFLICT,
            "{}",
            a.body
        );
    }

    /// Creates a contact as a human; returns its id.
    pub async fn human_contact(&self, email: &str) -> String {
        let v = self
            .admin(
                "/_sim/contacts",
                json!({"properties": {"email": email, "firstname": "Ada"}, "userId": 7}),
            )
            .await;
        v["id"].as_str().expect("id").to_owned()
    }
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Polls `f` until it returns true or 15 s pass.
pub async fn eventually<F, Fut>(mut f: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while tokio::time::Instant::now() < deadline {
        if f().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}
