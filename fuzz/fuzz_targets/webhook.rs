//! The relay's webhook ingest: HubSpot v3 signature verification and batch parsing.
//!
//! Input (text lines, then the body):
//! ```text
//! client secret
//! method
//! URI (for the ingest path: `public_base?query`)
//! X-HubSpot-Request-Timestamp value
//! X-HubSpot-Signature-v3 value
//! relay clock, ms since the epoch
//! body…
//! ```
//! Checks, beyond "never panics":
//! - `decode_uri` is idempotent and never lengthens the URI;
//! - whatever `verify` accepts carries the exact signature and a timestamp inside the window;
//! - a signature computed for the request always verifies (padded with whitespace too);
//! - flipping any bit of the body, the timestamp or the signature never verifies;
//! - a flipped URI byte verifies exactly when HubSpot's decoding maps both URIs to one string;
//! - ingest (`verified_batch`) refuses bad signatures with 401 and stores nothing, and with a
//!   good signature returns exactly what `parse_batch` returns for the body.
#![no_main]

use http::{HeaderMap, HeaderValue, StatusCode};
use libfuzzer_sys::fuzz_target;
use steward_fuzz::{lines, pick, text};
use steward_relay::Secret;
use steward_relay::fuzzing::{MAX_EVENTS, parse_batch, verified_batch};
use steward_relay::signature::{
    MAX_SKEW_MS, SIGNATURE_HEADER, SignatureError, TIMESTAMP_HEADER, decode_uri, sign, verify,
};

fuzz_target!(|data: &[u8]| {
    let ([secret, method, uri, timestamp, signature, now], body) = lines::<6>(data);
    let secret = Secret::new(text(secret.unwrap_or_default()));
    let method = text(method.unwrap_or(b"POST"));
    let uri = text(uri.unwrap_or_default());
    let timestamp = timestamp.map(text);
    let signature = signature.map(text);
    let now: i64 = now
        .and_then(|n| std::str::from_utf8(n).ok()?.trim().parse().ok())
        .unwrap_or(1_700_000_000_000);

    // HubSpot's URI decoding.
    let decoded = decode_uri(&uri);
    assert_eq!(
        decode_uri(&decoded),
        decoded,
        "decode_uri is not idempotent"
    );
    assert!(decoded.len() <= uri.len());

    // Whatever comes in: no panic, and an accepted request really is signed.
    let outcome = verify(
        &secret,
        &method,
        &uri,
        body,
        timestamp.as_deref(),
        signature.as_deref(),
        now,
    );
    if outcome.is_ok() {
        let (ts, sig) = (timestamp.as_deref(), signature.as_deref());
        let (Some(ts), Some(sig)) = (ts, sig) else {
            panic!("verified without both headers")
        };
        let parsed: i64 = ts.trim().parse().expect("verified a non-numeric timestamp");
        assert!(now.abs_diff(parsed) <= MAX_SKEW_MS.unsigned_abs());
        assert_eq!(sign(&secret, &method, &uri, body, ts), sig.trim());
    }

    // A correctly signed request always verifies; any single flipped bit never does.
    let ts = signed_timestamp(timestamp.as_deref(), now);
    let good = sign(&secret, &method, &uri, body, &ts);
    let check = |method: &str, uri: &str, body: &[u8], ts: &str, sig: &str| {
        verify(&secret, method, uri, body, Some(ts), Some(sig), now)
    };
    assert_eq!(check(&method, &uri, body, &ts, &good), Ok(()));
    assert_eq!(
        check(&method, &uri, body, &ts, &format!(" {good}\t")),
        Ok(())
    );
    let bit = 1u8 << (pick(data, 8) as u8);
    if !body.is_empty() {
        let mut flipped = body.to_vec();
        flipped[pick(body, body.len())] ^= bit;
        assert_eq!(
            check(&method, &uri, &flipped, &ts, &good),
            Err(SignatureError::Mismatch)
        );
    }
    let sig_flipped = flip_text(&good, pick(data, good.len()), bit);
    if let Some(sig) = sig_flipped {
        assert_ne!(check(&method, &uri, body, &ts, &sig), Ok(()));
    }
    if let Some(flipped_ts) = flip_text(&ts, pick(body, ts.len()), bit) {
        assert_ne!(check(&method, &uri, body, &flipped_ts, &good), Ok(()));
    }
    if !uri.is_empty()
        && let Some(other) = flip_text(&uri, pick(body, uri.len()), bit)
    {
        let same = decode_uri(&other) == decoded;
        assert_eq!(check(&method, &other, body, &ts, &good).is_ok(), same);
    }

    // The ingest path: signature over the configured public URL, then the batch.
    let (base, query) = match uri.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (uri.as_str(), None),
    };
    let mut headers = HeaderMap::new();
    // What a header can carry and the relay can read back as text (visible ASCII).
    let header = |v: &str| {
        HeaderValue::from_bytes(v.as_bytes())
            .ok()
            .filter(|h| h.to_str().is_ok())
    };
    if let Some(v) = timestamp.as_deref().and_then(header) {
        headers.insert(TIMESTAMP_HEADER, v);
    }
    if let Some(v) = signature.as_deref().and_then(header) {
        headers.insert(SIGNATURE_HEADER, v);
    }
    let parsed = parse_batch(body);
    match verified_batch(&secret, base, query, &headers, body, now) {
        Ok(events) => {
            let Ok(expected) = &parsed else {
                panic!("ingest accepted a body parse_batch refuses")
            };
            assert_eq!(events.len(), expected.len());
        }
        Err(e) if e.status == StatusCode::UNAUTHORIZED => {}
        Err(e) => {
            assert_eq!(e.status, StatusCode::BAD_REQUEST);
            assert!(parsed.is_err(), "ingest refused a body parse_batch accepts");
        }
    }
    let ingest_uri = match query {
        Some(q) => format!("{base}/hubspot/webhooks?{q}"),
        None => format!("{base}/hubspot/webhooks"),
    };
    let mut signed = HeaderMap::new();
    if let (Some(t), Some(s)) = (
        header(&ts),
        header(&sign(&secret, "POST", &ingest_uri, body, &ts)),
    ) {
        signed.insert(TIMESTAMP_HEADER, t);
        signed.insert(SIGNATURE_HEADER, s);
        match (
            verified_batch(&secret, base, query, &signed, body, now),
            &parsed,
        ) {
            (Ok(events), Ok(expected)) => {
                assert_eq!(events.len(), expected.len());
                for (a, b) in events.iter().zip(expected) {
                    assert_eq!(
                        (
                            a.portal_id,
                            a.subscription_id,
                            a.event_id,
                            a.occurred_at,
                            &a.payload
                        ),
                        (
                            b.portal_id,
                            b.subscription_id,
                            b.event_id,
                            b.occurred_at,
                            &b.payload
                        )
                    );
                }
            }
            (Err(a), Err(b)) => assert_eq!((a.status, &a.message), (b.status, &b.message)),
            (a, b) => panic!(
                "signed ingest and parse_batch disagree: {:?} vs {:?}",
                a.map(|e| e.len()),
                b.as_ref().map(Vec::len)
            ),
        }
    }

    // What parse_batch accepts is within HubSpot's limits and keeps each event's exact text.
    if let Ok(events) = parsed {
        assert!(events.len() <= MAX_EVENTS);
        for e in &events {
            assert!(e.portal_id >= 0 && e.subscription_id >= 0 && e.event_id >= 0);
            let event: relay_client::WebhookEvent =
                serde_json::from_str(&e.payload).expect("stored payload is not an event");
            assert_eq!(
                (event.portal_id, event.event_id, event.occurred_at),
                (e.portal_id as u64, e.event_id as u64, e.occurred_at)
            );
        }
    }
});

/// The input's timestamp when it is a number inside the window, else the relay clock itself.
fn signed_timestamp(header: Option<&str>, now: i64) -> String {
    header
        .filter(|t| {
            t.trim()
                .parse::<i64>()
                .is_ok_and(|ts| now.abs_diff(ts) <= MAX_SKEW_MS.unsigned_abs())
        })
        .map_or_else(|| now.to_string(), str::to_owned)
}

/// `text` with one bit of the byte at `at` flipped, when the result is still UTF-8.
fn flip_text(text: &str, at: usize, bit: u8) -> Option<String> {
    let mut bytes = text.as_bytes().to_vec();
    *bytes.get_mut(at)? ^= bit;
    String::from_utf8(bytes).ok()
}
