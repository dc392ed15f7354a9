//! Relay session tokens: HMAC-signed, stateless, scoped to one portal.
//!
//! Why signed rather than stored: several relay instances behind a load balancer accept each
//! other's sessions without a database round trip. The key is derived from the HubSpot
//! client secret (which every instance has), so rotating the secret ends all sessions —
//! clients simply open new ones.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use relay_client::Secret;
use sha2::Sha256;

use crate::clock::Millis;

/// Why a session token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionError {
    /// Malformed or wrongly signed.
    Invalid,
    /// Correctly signed but past its expiry.
    Expired,
}

/// The signing key.
#[derive(Clone)]
pub struct SessionKey {
    key: [u8; 32],
}

impl SessionKey {
    /// Derives the key from the client secret (domain-separated; the secret itself is never
    /// used as a session key).
    pub fn derive(client_secret: &Secret) -> Self {
        let mut mac = new_mac(client_secret.expose().as_bytes());
        mac.update(b"steward-relay session key v1");
        Self {
            key: mac.finalize().into_bytes().into(),
        }
    }

    /// A token for `portal_id` valid until `expires_at`.
    pub fn issue(&self, portal_id: i64, expires_at: Millis) -> Secret {
        let nonce = format!("{:032x}", rand::random::<u128>());
        let body = format!("v1.{portal_id}.{expires_at}.{nonce}");
        let sig = URL_SAFE_NO_PAD.encode(self.sign(&body));
        Secret::new(format!("{body}.{sig}"))
    }

    /// The portal of a valid token.
    pub fn verify(&self, token: &str, now: Millis) -> Result<i64, SessionError> {
        let (body, sig) = token.rsplit_once('.').ok_or(SessionError::Invalid)?;
        let sig = URL_SAFE_NO_PAD
            .decode(sig)
            .map_err(|_| SessionError::Invalid)?;
        let mut mac = new_mac(&self.key);
        mac.update(body.as_bytes());
        mac.verify_slice(&sig).map_err(|_| SessionError::Invalid)?;
        let mut parts = body.split('.');
        let (Some("v1"), Some(portal), Some(expires), Some(_nonce), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(SessionError::Invalid);
        };
        let portal: i64 = portal.parse().map_err(|_| SessionError::Invalid)?;
        let expires: Millis = expires.parse().map_err(|_| SessionError::Invalid)?;
        if now >= expires {
            return Err(SessionError::Expired);
        }
        Ok(portal)
    }

    fn sign(&self, body: &str) -> Vec<u8> {
        let mut mac = new_mac(&self.key);
        mac.update(body.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

fn new_mac(key: &[u8]) -> Hmac<Sha256> {
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_verify_expire_and_tamper() {
        let key = SessionKey::derive(&Secret::new("s3cret"));
        let token = key.issue(62515, 1_000);
        assert_eq!(key.verify(token.expose(), 999), Ok(62515));
        assert_eq!(
            key.verify(token.expose(), 1_000),
            Err(SessionError::Expired)
        );
        let forged = token.expose().replacen("62515", "62516", 1);
        assert_eq!(key.verify(&forged, 0), Err(SessionError::Invalid));
        let other = SessionKey::derive(&Secret::new("other"));
        assert_eq!(other.verify(token.expose(), 0), Err(SessionError::Invalid));
        for junk in ["", "v1", "a.b.c.d.e", "v1.1.2.3.!!"] {
            assert_eq!(key.verify(junk, 0), Err(SessionError::Invalid), "{junk}");
        }
        assert!(!token.expose().contains("s3cret"));
    }
}
