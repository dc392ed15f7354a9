//! Stand-ins for third parties in states the simulator does not produce on demand.

use axum::Json;
use axum::http::{HeaderMap, StatusCode};

/// An OpenAI-compatible endpoint that refuses every key the way OpenAI does (401, the key
/// masked in the message). Returns its `/v1` base URL.
pub async fn refusing_llm() -> anyhow::Result<(String, tokio::task::JoinHandle<()>)> {
    async fn refuse(headers: HeaderMap) -> (StatusCode, Json<serde_json::Value>) {
        let key = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        let masked = format!(
            "{}{}{}",
            &key[..key.len().min(7)],
            "*".repeat(key.len().saturating_sub(11)),
            &key[key.len().saturating_sub(4)..]
        );
        (
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({"error": {
                "message": format!("Incorrect API key provided: {masked}."),
                "type": "invalid_request_error", "param": null, "code": "invalid_api_key"
            }})),
        )
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/v1", listener.local_addr()?);
    let app = axum::Router::new().route("/v1/chat/completions", axum::routing::post(refuse));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((url, task))
}
