//! A recording reverse proxy on loopback. Put between a client and a server, it forwards every
//! request unchanged and remembers every token that crossed it — JSON fields whose name
//! contains `token` (requests and answers) and bearer credentials — so a secrets test knows the
//! values it must never find on disk, even those only the server and the client ever saw
//! (access tokens issued by the OAuth broker, relay session tokens).

use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Context;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;

#[derive(Clone)]
struct TapState {
    upstream: String,
    http: reqwest::Client,
    seen: Arc<Mutex<Vec<String>>>,
}

/// The running proxy; stops when dropped.
pub struct Tap {
    /// `http://127.0.0.1:PORT`: give this to the client instead of the upstream URL.
    pub url: String,
    seen: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Tap {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Tap {
    /// Starts a proxy to `upstream` (`http://HOST:PORT`, no trailing slash).
    pub async fn start(upstream: &str) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let state = TapState {
            upstream: upstream.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            seen: seen.clone(),
        };
        let app = axum::Router::new().fallback(forward).with_state(state);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { url, seen, task })
    }

    /// Every distinct token value seen so far, in order of first sight.
    pub fn tokens(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl TapState {
    fn remember(&self, value: &str) {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if !value.is_empty() && !seen.iter().any(|v| v == value) {
            seen.push(value.to_owned());
        }
    }

    /// Token-named fields of a JSON body, at any depth.
    fn remember_json(&self, body: &[u8]) {
        fn walk(state: &TapState, v: &serde_json::Value) {
            match v {
                serde_json::Value::Object(map) => {
                    for (k, v) in map {
                        match v {
                            serde_json::Value::String(s)
                                if k.to_ascii_lowercase().contains("token") =>
                            {
                                state.remember(s)
                            }
                            other => walk(state, other),
                        }
                    }
                }
                serde_json::Value::Array(items) => items.iter().for_each(|i| walk(state, i)),
                _ => {}
            }
        }
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
            walk(self, &v);
        }
    }
}

async fn forward(
    State(state): State<TapState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match try_forward(&state, method, &uri, &headers, body).await {
        Ok(resp) => resp,
        Err(e) => (StatusCode::BAD_GATEWAY, format!("tap: {e:#}")).into_response(),
    }
}

async fn try_forward(
    state: &TapState,
    method: Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> anyhow::Result<Response> {
    if let Some(bearer) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        state.remember(bearer.trim());
    }
    state.remember_json(&body);
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut request = state
        .http
        .request(method, format!("{}{path}", state.upstream))
        .body(body);
    for (name, value) in headers {
        if name != header::HOST && name != header::CONTENT_LENGTH {
            request = request.header(name, value);
        }
    }
    let answer = request.send().await.context("upstream unreachable")?;
    let status = answer.status();
    let answer_headers = answer.headers().clone();
    let bytes = answer.bytes().await.context("upstream body")?;
    state.remember_json(&bytes);
    let mut response = Response::builder().status(status);
    for (name, value) in &answer_headers {
        if name != header::CONTENT_LENGTH && name != header::TRANSFER_ENCODING {
            response = response.header(name, value);
        }
    }
    Ok(response.body(Body::from(bytes))?)
}
