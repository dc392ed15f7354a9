//! `POST /hubspot/webhooks` over HTTP: signatures, limits, dedupe, and "nothing stored" on
//! every refusal.

use serde_json::{Value, json};

use crate::support::{CLIENT_SECRET, PUBLIC_URL, TestRelay, event, now_ms, signature};

const PORTAL: u64 = 62515;

/// Events in the portal's queue, from the backlog gauge (read from the database at scrape
/// time); also checks the ingest counter agrees.
async fn stored(relay: &TestRelay) -> u64 {
    let text = relay.metrics().await;
    let read = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}{{portal=\"{PORTAL}\"}} ")))
            .map_or(0, |n| n.parse::<u64>().unwrap())
    };
    let backlog = read("steward_relay_backlog_events");
    assert_eq!(backlog, read("steward_relay_events_ingested_total"));
    backlog
}

async fn post_raw(relay: &TestRelay, body: &[u8], headers: &[(&str, String)]) -> (u16, Value) {
    let mut req = relay
        .http
        .post(relay.url("/hubspot/webhooks"))
        .body(body.to_vec());
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let resp = req.send().await.unwrap();
    (
        resp.status().as_u16(),
        resp.json().await.unwrap_or(Value::Null),
    )
}

type Headers = Vec<(&'static str, String)>;

fn signed_headers(uri: &str, body: &[u8], ts: i64) -> Headers {
    vec![
        (
            "x-hubspot-signature-v3",
            signature(CLIENT_SECRET, uri, body, ts),
        ),
        ("x-hubspot-request-timestamp", ts.to_string()),
    ]
}

#[tokio::test]
async fn freshly_signed_batches_are_stored_and_retries_deduplicated() {
    let relay = TestRelay::start(|_| {}).await;
    let events: Vec<Value> = (1..=100).map(|i| event(PORTAL, i)).collect();
    assert_eq!(relay.send_events(&events).await, 200);
    assert_eq!(stored(&relay).await, 100);
    // HubSpot retries the same batch (attemptNumber changes, the key does not).
    let retry: Vec<Value> = events
        .iter()
        .map(|e| {
            let mut e = e.clone();
            e["attemptNumber"] = json!(1);
            e
        })
        .collect();
    assert_eq!(relay.send_events(&retry).await, 200);
    assert_eq!(stored(&relay).await, 100);
    assert!(
        relay
            .metrics()
            .await
            .contains("steward_relay_events_duplicate_total 100")
    );
    relay.stop().await;
}

#[tokio::test]
async fn query_string_is_part_of_the_signed_uri() {
    let relay = TestRelay::start(|_| {}).await;
    let body = serde_json::to_vec(&[event(PORTAL, 1)]).unwrap();
    let ts = now_ms();
    // HubSpot decodes %3A etc. before signing; the relay must do the same.
    let uri = format!("{PUBLIC_URL}/hubspot/webhooks?tag=a%3Ab");
    let mut req = relay
        .http
        .post(relay.url("/hubspot/webhooks?tag=a%3Ab"))
        .body(body.clone());
    for (k, v) in signed_headers(&uri, &body, ts) {
        req = req.header(k, v);
    }
    assert_eq!(req.send().await.unwrap().status().as_u16(), 200);
    assert_eq!(stored(&relay).await, 1);
    relay.stop().await;
}

#[tokio::test]
async fn bad_signatures_are_401_and_store_nothing() {
    let relay = TestRelay::start(|_| {}).await;
    let uri = format!("{PUBLIC_URL}/hubspot/webhooks");
    let body = serde_json::to_vec(&[event(PORTAL, 1)]).unwrap();
    let ts = now_ms();
    let good = signed_headers(&uri, &body, ts);

    let tampered_body = serde_json::to_vec(&[event(PORTAL, 2)]).unwrap();
    let cases: Vec<(&str, Vec<u8>, Headers)> = vec![
        ("tampered body", tampered_body, good.clone()),
        (
            "signed for another URI",
            body.clone(),
            signed_headers("https://evil.example/hubspot/webhooks", &body, ts),
        ),
        (
            "tampered timestamp",
            body.clone(),
            vec![
                good[0].clone(),
                ("x-hubspot-request-timestamp", (ts + 1).to_string()),
            ],
        ),
        (
            "stale timestamp",
            body.clone(),
            signed_headers(&uri, &body, ts - 5 * 60 * 1000 - 5_000),
        ),
        (
            "future timestamp",
            body.clone(),
            signed_headers(&uri, &body, ts + 5 * 60 * 1000 + 5_000),
        ),
        ("missing signature", body.clone(), vec![good[1].clone()]),
        ("missing timestamp", body.clone(), vec![good[0].clone()]),
        ("no headers", body.clone(), vec![]),
        (
            "wrong secret",
            body.clone(),
            vec![
                (
                    "x-hubspot-signature-v3",
                    signature("not-the-secret", &uri, &body, ts),
                ),
                good[1].clone(),
            ],
        ),
    ];
    for (name, body, headers) in cases {
        let (status, json) = post_raw(&relay, &body, &headers).await;
        assert_eq!(status, 401, "{name}: {json}");
        assert_eq!(json["error"], "invalid_signature", "{name}");
    }
    assert_eq!(stored(&relay).await, 0);
    assert!(
        relay
            .metrics()
            .await
            .contains("steward_relay_webhook_requests_total{status=\"401\"} 9")
    );
    relay.stop().await;
}

#[tokio::test]
async fn malformed_and_oversized_bodies_are_refused() {
    let relay = TestRelay::start(|_| {}).await;
    let uri = format!("{PUBLIC_URL}/hubspot/webhooks");
    let ts = now_ms();
    let too_many: Vec<Value> = (0..101).map(|i| event(PORTAL, i)).collect();
    let missing_key = json!([{"eventId": 1, "portalId": PORTAL}]);
    for (name, body) in [
        ("not JSON", b"hello".to_vec()),
        ("object, not array", b"{}".to_vec()),
        ("101 events", serde_json::to_vec(&too_many).unwrap()),
        (
            "event without required fields",
            serde_json::to_vec(&missing_key).unwrap(),
        ),
    ] {
        let (status, json) = post_raw(&relay, &body, &signed_headers(&uri, &body, ts)).await;
        assert_eq!(status, 400, "{name}: {json}");
        assert_eq!(json["error"], "bad_request");
    }
    // 1 MiB + 1 byte: 413 whether or not the length is declared up front.
    let big = vec![b' '; 1024 * 1024 + 1];
    let (status, json) = post_raw(&relay, &big, &signed_headers(&uri, &big, ts)).await;
    assert_eq!(status, 413, "{json}");
    assert_eq!(json["error"], "payload_too_large");
    let stream = futures::stream::iter(
        big.chunks(64 * 1024)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect::<Vec<_>>(),
    );
    let mut req = relay
        .http
        .post(relay.url("/hubspot/webhooks"))
        .body(reqwest::Body::wrap_stream(stream));
    for (k, v) in signed_headers(&uri, &big, ts) {
        req = req.header(k, v);
    }
    assert_eq!(req.send().await.unwrap().status().as_u16(), 413);
    assert_eq!(stored(&relay).await, 0);
    relay.stop().await;
}
