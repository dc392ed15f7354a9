//! HubSpot webhook signatures, version 3.
//!
//! `X-HubSpot-Signature-v3` = base64(HMAC-SHA256(client_secret, METHOD + URI + body +
//! timestamp)), where `X-HubSpot-Request-Timestamp` is milliseconds since the epoch and URI is
//! the full URL HubSpot called with a few percent-escapes decoded. The URI comes from
//! configuration (`RELAY_PUBLIC_URL`), never from the socket: TLS terminates upstream.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use relay_client::Secret;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::clock::Millis;

/// Header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-hubspot-signature-v3";
/// Header carrying the request timestamp (ms).
pub const TIMESTAMP_HEADER: &str = "x-hubspot-request-timestamp";
/// Requests older — or further in the future — than this are refused (replay protection).
pub const MAX_SKEW_MS: Millis = 5 * 60 * 1000;

/// Why a webhook signature was refused (every case answers 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// A required header is absent.
    #[error("the {0} header is missing")]
    MissingHeader(&'static str),
    /// The timestamp is not a number.
    #[error("the request timestamp is not a number of milliseconds")]
    BadTimestamp,
    /// The timestamp is more than 5 minutes away from now.
    #[error("the request timestamp is more than 5 minutes away from the relay's clock")]
    OutsideWindow,
    /// The signature does not match.
    #[error("the signature does not match (check HUBSPOT_CLIENT_SECRET and RELAY_PUBLIC_URL)")]
    Mismatch,
}

/// Decodes the escapes HubSpot decodes before signing: `%3A %2F %3F %40 %21 %24 %27 %28 %29
/// %2A %2C %3B` (any hex case). Other escapes stay as they are.
pub fn decode_uri(uri: &str) -> String {
    let bytes = uri.as_bytes();
    let mut out = String::with_capacity(uri.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = uri.get(i + 1..i + 3)
            && let Some(c) = decoded(hex)
        {
            out.push(c);
            i += 3;
            continue;
        }
        // `uri` is a &str: copy the whole char starting here.
        let ch_len = uri[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&uri[i..i + ch_len]);
        i += ch_len;
    }
    out
}

fn decoded(hex: &str) -> Option<char> {
    Some(match hex.to_ascii_uppercase().as_str() {
        "3A" => ':',
        "2F" => '/',
        "3F" => '?',
        "40" => '@',
        "21" => '!',
        "24" => '$',
        "27" => '\'',
        "28" => '(',
        "29" => ')',
        "2A" => '*',
        "2C" => ',',
        "3B" => ';',
        _ => return None,
    })
}

/// Computes the v3 signature (tests, benchmarks and the simulator sign with it too).
pub fn sign(secret: &Secret, method: &str, uri: &str, body: &[u8], timestamp: &str) -> String {
    let mut mac = hmac_for(secret);
    mac.update(method.as_bytes());
    mac.update(decode_uri(uri).as_bytes());
    mac.update(body);
    mac.update(timestamp.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

fn hmac_for(secret: &Secret) -> Hmac<Sha256> {
    // HMAC accepts keys of any length; this cannot fail.
    match Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
    }
}

/// Verifies one request. `now` is injected so the window is testable.
pub fn verify(
    secret: &Secret,
    method: &str,
    uri: &str,
    body: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    now: Millis,
) -> Result<(), SignatureError> {
    let signature = signature.ok_or(SignatureError::MissingHeader(SIGNATURE_HEADER))?;
    let timestamp = timestamp.ok_or(SignatureError::MissingHeader(TIMESTAMP_HEADER))?;
    let ts: Millis = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::BadTimestamp)?;
    if now.abs_diff(ts) > MAX_SKEW_MS.unsigned_abs() {
        return Err(SignatureError::OutsideWindow);
    }
    let expected = sign(secret, method, uri, body, timestamp);
    if bool::from(expected.as_bytes().ct_eq(signature.trim().as_bytes())) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";
    const URI: &str = "https://www.example.com/webhook_uri";
    const BODY: &[u8] = b"{'example_field':'example_value'}";
    const TS: &str = "1693657560000";
    const EXPECTED: &str = "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y=";

    fn check(
        uri: &str,
        body: &[u8],
        ts: Option<&str>,
        sig: Option<&str>,
        now: Millis,
    ) -> Result<(), SignatureError> {
        verify(&Secret::new(SECRET), "POST", uri, body, ts, sig, now)
    }

    #[test]
    fn hubspot_test_vector() {
        assert_eq!(sign(&Secret::new(SECRET), "POST", URI, BODY, TS), EXPECTED);
        assert_eq!(
            check(URI, BODY, Some(TS), Some(EXPECTED), 1_693_657_560_000),
            Ok(())
        );
    }

    #[test]
    fn tampering_is_refused() {
        let now = 1_693_657_560_000;
        assert_eq!(
            check(
                URI,
                b"{'example_field':'other'}",
                Some(TS),
                Some(EXPECTED),
                now
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            check(
                "https://www.example.com/other",
                BODY,
                Some(TS),
                Some(EXPECTED),
                now
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            check(URI, BODY, Some("1693657560001"), Some(EXPECTED), now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(
                &Secret::new("other"),
                "POST",
                URI,
                BODY,
                Some(TS),
                Some(EXPECTED),
                now
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(
                &Secret::new(SECRET),
                "GET",
                URI,
                BODY,
                Some(TS),
                Some(EXPECTED),
                now
            ),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn window_is_five_minutes_both_ways() {
        let ts = 1_693_657_560_000;
        assert!(check(URI, BODY, Some(TS), Some(EXPECTED), ts + MAX_SKEW_MS).is_ok());
        assert!(check(URI, BODY, Some(TS), Some(EXPECTED), ts - MAX_SKEW_MS).is_ok());
        assert_eq!(
            check(URI, BODY, Some(TS), Some(EXPECTED), ts + MAX_SKEW_MS + 1),
            Err(SignatureError::OutsideWindow)
        );
        assert_eq!(
            check(URI, BODY, Some(TS), Some(EXPECTED), ts - MAX_SKEW_MS - 1),
            Err(SignatureError::OutsideWindow)
        );
    }

    #[test]
    fn missing_or_garbled_headers() {
        let now = 1_693_657_560_000;
        assert_eq!(
            check(URI, BODY, None, Some(EXPECTED), now),
            Err(SignatureError::MissingHeader(TIMESTAMP_HEADER))
        );
        assert_eq!(
            check(URI, BODY, Some(TS), None, now),
            Err(SignatureError::MissingHeader(SIGNATURE_HEADER))
        );
        assert_eq!(
            check(URI, BODY, Some("soon"), Some(EXPECTED), now),
            Err(SignatureError::BadTimestamp)
        );
        assert_eq!(
            check(URI, BODY, Some(TS), Some(""), now),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn hubspot_decodes_listed_escapes_only() {
        assert_eq!(
            decode_uri("https://x.test/a%3Ab%2fc%3F%40%21%24%27%28%29%2A%2C%3B?q=%20%41é"),
            "https://x.test/a:b/c?@!$'()*,;?q=%20%41é"
        );
        // An encoded URI and its decoded form sign the same.
        let s = Secret::new(SECRET);
        assert_eq!(
            sign(&s, "POST", "https://x.test/h?a=b%3Ac", b"[]", TS),
            sign(&s, "POST", "https://x.test/h?a=b:c", b"[]", TS)
        );
        assert_eq!(decode_uri("%"), "%");
        assert_eq!(decode_uri("%3"), "%3");
    }
}
