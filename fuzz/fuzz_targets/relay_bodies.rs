//! The relay's HTTP request bodies, parsed by the exact functions the handlers run on the
//! bytes they read: sessions, lease, ack, nack, redrive, the OAuth broker (start, token,
//! refresh, revoke) and HubSpot's webhook batch.
//!
//! Every input is offered to every parser (the shapes differ, so each input is meaningful to
//! one or two of them). Checks, beyond "never panics":
//! - an accepted body is within the documented limits;
//! - every receipt the relay accepts round-trips through its handle text, and accepted plus
//!   unparsable receipts add up to what was sent;
//! - a refusal is a 400 whose message never contains a token the body carried;
//! - PKCE: the S256 challenge of any input is accepted by `/oauth/start`, and the broker's
//!   verifier check passes exactly for RFC 7636 verifiers of that challenge.
#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::StatusCode;
use libfuzzer_sys::fuzz_target;
use relay_client::wire::{
    AckRequest, MAX_LEASE_EVENTS, MAX_LEASE_WAIT_MS, MAX_VISIBILITY_MS, NackRequest,
};
use serde_json::Value;
use sha2::{Digest, Sha256};
use steward_relay::error::ApiError;
use steward_relay::fuzzing::{
    MAX_EVENTS, ReceiptsBody, ack_body, lease_body, nack_body, parse_batch, redrive_body,
    refresh_body, revoke_body, session_body, start_body, token_body, verifier_matches,
};
use steward_relay::store::Receipt;

fuzz_target!(|data: &[u8]| {
    // Refusals of the endpoints that carry tokens must not echo them.
    let secrets = secret_strings(data);
    let refused_secret = |e: ApiError| {
        refused(&e);
        // serde echoes a string as `string "…"`: look for the quoted value, so a token that
        // happens to spell part of a message template ("expected a string") is no alarm.
        for s in &secrets {
            assert!(
                !e.message.contains(&format!("{s:?}")),
                "error echoes a token"
            );
        }
    };
    let refused = |e: ApiError| refused(&e);

    match session_body(data) {
        Ok(req) => assert!(!req.access_token.is_empty() && req.access_token.expose().len() <= 4096),
        Err(e) => refused_secret(e),
    }
    match lease_body(data) {
        Ok(lease) => {
            assert!((1..=MAX_LEASE_EVENTS).contains(&lease.max_events));
            assert!(lease.wait_ms <= MAX_LEASE_WAIT_MS);
            assert!(lease.visibility_ms <= MAX_VISIBILITY_MS);
        }
        Err(e) => refused(e),
    }
    match ack_body(data) {
        Ok(body) => {
            let sent: AckRequest = serde_json::from_slice(data).expect("ack parsed twice");
            check_receipts(&body, sent.receipts.len());
        }
        Err(e) => refused(e),
    }
    match nack_body(data) {
        Ok((body, delay)) => {
            let sent: NackRequest = serde_json::from_slice(data).expect("nack parsed twice");
            check_receipts(&body, sent.receipts.len());
            assert!(delay <= MAX_VISIBILITY_MS);
        }
        Err(e) => refused(e),
    }
    match redrive_body(data) {
        Ok(req) => assert!(req.ids.is_none_or(|ids| ids.len() <= 1000)),
        Err(e) => refused(e),
    }
    match start_body(data) {
        Ok(req) => {
            assert_eq!(req.code_challenge_method, "S256");
            let digest = URL_SAFE_NO_PAD
                .decode(&req.code_challenge)
                .expect("challenge");
            assert_eq!((req.code_challenge.len(), digest.len()), (43, 32));
        }
        Err(e) => refused(e),
    }
    if let Err(e) = token_body(data) {
        refused_secret(e);
    }
    for parsed in [
        refresh_body(data).map(|r| r.refresh_token),
        revoke_body(data).map(|r| r.refresh_token),
    ] {
        match parsed {
            Ok(token) => assert!(!token.is_empty() && token.expose().len() <= 4096),
            Err(e) => refused_secret(e),
        }
    }
    match parse_batch(data) {
        Ok(events) => assert!(events.len() <= MAX_EVENTS),
        Err(e) => refused(e),
    }

    // PKCE, with the input as a code verifier.
    let verifier = String::from_utf8_lossy(data);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let start = serde_json::json!({"code_challenge": challenge, "code_challenge_method": "S256"});
    assert!(start_body(start.to_string().as_bytes()).is_ok());
    assert_eq!(
        verifier_matches(&verifier, &challenge),
        is_rfc7636_verifier(&verifier)
    );
    let other = URL_SAFE_NO_PAD.encode(Sha256::digest(format!("{verifier}x").as_bytes()));
    assert!(!verifier_matches(&verifier, &other));
});

fn refused(e: &ApiError) {
    assert_eq!(e.status, StatusCode::BAD_REQUEST, "{}", e.message);
    assert!(!e.message.is_empty());
}

fn check_receipts(body: &ReceiptsBody, sent: usize) {
    assert!((1..=1000).contains(&sent));
    assert_eq!(body.receipts.len() + body.unparsable as usize, sent);
    for r in &body.receipts {
        let handle = Receipt::handle(r.id, &r.token);
        assert_eq!(Receipt::parse(&handle).as_ref(), Some(r), "{handle}");
    }
}

/// RFC 7636 §4.1: 43 to 128 characters of `[A-Za-z0-9-._~]`.
fn is_rfc7636_verifier(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// Token-like strings the body carries (values of the secret fields, long enough to matter).
fn secret_strings(data: &[u8]) -> Vec<String> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(data) else {
        return Vec::new();
    };
    ["access_token", "refresh_token", "code", "code_verifier"]
        .iter()
        .filter_map(|k| map.get(*k)?.as_str())
        .filter(|s| s.len() >= 8)
        .map(str::to_owned)
        .collect()
}
