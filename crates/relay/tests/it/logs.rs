//! Secrets never appear in responses or logs (real binary, JSON logs captured at trace level).

use serde_json::{Value, json};

use crate::binary::RelayProcess;
use crate::support::{CLIENT_SECRET, FakeHubSpot, PUBLIC_URL, event, now_ms, signature};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

#[tokio::test]
async fn the_client_secret_and_tokens_appear_in_no_response_and_no_log_line() {
    let dir = tempfile::tempdir().unwrap();
    let hubspot = FakeHubSpot::start().await;
    let relay = RelayProcess::spawn(&[
        (
            "RELAY_DATABASE_URL",
            format!("sqlite:{}", dir.path().join("r.db").display()),
        ),
        ("HUBSPOT_API_BASE", hubspot.base.clone()),
        ("RUST_LOG", "trace".into()),
    ])
    .await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = relay.base.clone();
    let mut transcript = Vec::new();
    let record = |resp: reqwest::Response| {
        let head = format!("{} {:?}", resp.status(), resp.headers());
        async move { format!("{head}\n{}", resp.text().await.unwrap()) }
    };

    let start = http
        .post(format!("{base}/oauth/start"))
        .json(&json!({"code_challenge": CHALLENGE}))
        .send()
        .await
        .unwrap();
    let start_text = record(start).await;
    let state =
        serde_json::from_str::<Value>(start_text.split_once('\n').unwrap().1).unwrap()["state"]
            .as_str()
            .unwrap()
            .to_owned();
    transcript.push(start_text);
    let calls: Vec<(&str, Value)> = vec![
        (
            "/oauth/token",
            json!({"code": "good-code", "state": state, "code_verifier": "w".repeat(43)}),
        ),
        (
            "/oauth/token",
            json!({"code": "good-code", "state": "unknown", "code_verifier": VERIFIER}),
        ),
        ("/oauth/refresh", json!({"refresh_token": "good-refresh"})),
        (
            "/oauth/refresh",
            json!({"refresh_token": "revoked-refresh"}),
        ),
        ("/v1/sessions", json!({"access_token": "token-for-62515"})),
        ("/v1/sessions", json!({"access_token": "revoked-access"})),
    ];
    for (path, body) in calls {
        transcript.push(
            record(
                http.post(format!("{base}{path}"))
                    .json(&body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await,
        );
    }
    // A full, successful code exchange.
    let start: Value = http
        .post(format!("{base}/oauth/start"))
        .json(&json!({"code_challenge": CHALLENGE}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ok = http
        .post(format!("{base}/oauth/token"))
        .json(&json!({"code": "good-code", "state": start["state"], "code_verifier": VERIFIER}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    transcript.push(record(ok).await);
    transcript.push(
        record(
            http.get(format!("{base}/oauth/callback?code=good-code&state=s"))
                .send()
                .await
                .unwrap(),
        )
        .await,
    );
    // Webhooks: a bad signature and a good one.
    let body = serde_json::to_vec(&[event(62515, 1)]).unwrap();
    let ts = now_ms();
    for sig in [
        "bogus".to_owned(),
        signature(
            CLIENT_SECRET,
            &format!("{PUBLIC_URL}/hubspot/webhooks"),
            &body,
            ts,
        ),
    ] {
        let resp = http
            .post(format!("{base}/hubspot/webhooks"))
            .header("x-hubspot-signature-v3", sig)
            .header("x-hubspot-request-timestamp", ts.to_string())
            .body(body.clone())
            .send()
            .await
            .unwrap();
        transcript.push(record(resp).await);
    }
    transcript.push(record(http.get(format!("{base}/metrics")).send().await.unwrap()).await);
    assert!(hubspot.calls.token() >= 3, "the broker did talk to HubSpot");

    let status = relay.terminate_keep_logs().await;
    assert!(status.0.success(), "graceful exit on SIGTERM");
    let logs = status.1;
    assert!(logs.len() > 10, "trace logging produced lines");
    for line in &logs {
        serde_json::from_str::<Value>(line)
            .unwrap_or_else(|_| panic!("not a JSON log line: {line}"));
    }
    let secrets = [
        CLIENT_SECRET,
        "access-xyz-1",
        "refresh-xyz-1",
        "good-refresh",
        "revoked-refresh",
        "token-for-62515",
        "revoked-access",
        "good-code",
        VERIFIER,
    ];
    for secret in secrets {
        if let Some(line) = logs.iter().find(|l| l.contains(secret)) {
            panic!("`{secret}` leaked into a log line: {line}");
        }
    }
    for response in &transcript {
        assert!(
            !response.contains(CLIENT_SECRET),
            "secret in a response: {response}"
        );
    }
}
