//! Webhooks as HubSpot sends them: v3 signatures, event JSON, batching and retries.
//!
//! [`sign_v3`] is public so the relay's tests can sign requests exactly as HubSpot does.

mod delivery;

pub(crate) use delivery::{WebhookQueue, WebhookSettings};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::portal::Change;

/// The percent-escapes HubSpot decodes in the request URI before hashing it.
const DECODED: &[(&str, char)] = &[
    ("%3A", ':'),
    ("%2F", '/'),
    ("%3F", '?'),
    ("%40", '@'),
    ("%21", '!'),
    ("%24", '$'),
    ("%27", '\''),
    ("%28", '('),
    ("%29", ')'),
    ("%2A", '*'),
    ("%2C", ','),
    ("%3B", ';'),
];

/// Applies HubSpot's URI decoding rule: `%3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B`
/// (either hex case) become their characters; every other escape stays as sent.
pub fn hubspot_decoded_uri(uri: &str) -> String {
    let mut out = String::with_capacity(uri.len());
    let mut rest = uri;
    while let Some(pos) = rest.find('%') {
        out.push_str(&rest[..pos]);
        let candidate = rest.get(pos..pos + 3).unwrap_or("");
        match DECODED
            .iter()
            .find(|(esc, _)| esc.eq_ignore_ascii_case(candidate))
        {
            Some((_, c)) => {
                out.push(*c);
                rest = &rest[pos + 3..];
            }
            None => {
                out.push('%');
                rest = &rest[pos + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// HubSpot's `X-HubSpot-Signature-v3`: base64(HMAC-SHA256(client secret,
/// METHOD + URI + body + timestamp)), with the URI decoded by [`hubspot_decoded_uri`].
pub fn sign_v3(
    secret: &str,
    method: &str,
    uri: &str,
    body: impl AsRef<[u8]>,
    timestamp_ms: u64,
) -> String {
    // HMAC accepts keys of any length, so this never fails.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(method.as_bytes());
    mac.update(hubspot_decoded_uri(uri).as_bytes());
    mac.update(body.as_ref());
    mac.update(timestamp_ms.to_string().as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// HubSpot's legacy v1 `X-HubSpot-Signature`: hex(SHA-256(client secret + body)).
pub fn sign_v1(secret: &str, body: impl AsRef<[u8]>) -> String {
    let mut h = Sha256::new();
    h.update(secret.as_bytes());
    h.update(body.as_ref());
    hex::encode(h.finalize())
}

/// Subscription id the simulator reports for `contact.creation`.
pub const CREATION_SUBSCRIPTION_ID: u64 = 1_000_001;
/// Subscription id the simulator reports for `contact.propertyChange`.
pub const PROPERTY_CHANGE_SUBSCRIPTION_ID: u64 = 1_000_002;

/// One webhook event in HubSpot's JSON (`attemptNumber` set at delivery).
pub(crate) fn event_json(change: &Change, event_id: u64, app_id: u64) -> Value {
    let mut e = json!({
        "eventId": event_id,
        "portalId": change.portal_id,
        "appId": app_id,
        "occurredAt": change.occurred_ms,
        "attemptNumber": 0,
        "objectId": change.object_id,
        "changeSource": change.source.kind.as_str(),
    });
    if let Some(id) = &change.source.id {
        e["sourceId"] = json!(id);
    }
    match &change.property {
        None => {
            e["subscriptionId"] = json!(CREATION_SUBSCRIPTION_ID);
            e["subscriptionType"] = json!("contact.creation");
            e["changeFlag"] = json!("CREATED");
        }
        Some((name, value)) => {
            e["subscriptionId"] = json!(PROPERTY_CHANGE_SUBSCRIPTION_ID);
            e["subscriptionType"] = json!("contact.propertyChange");
            e["propertyName"] = json!(name);
            e["propertyValue"] = json!(value);
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_hubspots_documented_vector() {
        let sig = sign_v3(
            "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy",
            "POST",
            "https://www.example.com/webhook_uri",
            "{'example_field':'example_value'}",
            1_693_657_560_000,
        );
        assert_eq!(sig, "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y=");
    }

    #[test]
    fn decodes_only_the_listed_escapes() {
        assert_eq!(
            hubspot_decoded_uri("https://x.io/a%3Ab%2fc?q=%20%40%7E%"),
            "https://x.io/a:b/c?q=%20@%7E%"
        );
        let plain = sign_v3("s", "POST", "https://x.io/a:b", "{}", 1);
        assert_eq!(sign_v3("s", "POST", "https://x.io/a%3Ab", "{}", 1), plain);
    }
}
