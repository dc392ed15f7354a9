//! [`Secret`]: a string that must never reach a log, a panic message or an error string.
//!
//! Tokens, refresh tokens and client secrets travel through the client wrapped in this type.
//! `Debug` and `Display` print `[redacted]`, so `tracing` fields, `{:?}` dumps of a config
//! struct and error messages cannot leak the value by accident; code that really needs the
//! value (an `Authorization` header, a form body, the OS keyring) calls [`Secret::expose`].

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A secret string (access token, refresh token, client secret, API key).
///
/// Cloning is cheap enough for tokens (≤ 300 bytes). Equality compares the values, which the
/// token cache uses to tell whether HubSpot issued a new refresh token.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value. The value should come straight from its source (keyring, environment,
    /// HubSpot's token response) and not be kept anywhere else in plain form.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The raw value, for the one place that must send it (a header, a form field, the keyring).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is the empty string (an unset secret).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// Serialises the raw value: only for request bodies sent to HubSpot or the relay broker,
/// never for logs or storage.
impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_are_redacted() {
        let token = "pat-na1-0123456789abcdef";
        let secret = Secret::new(token);
        assert!(!format!("{secret:?}").contains(token));
        assert!(!format!("{secret}").contains(token));
        assert!(!format!("{:#?}", Some(&secret)).contains(token));
        assert_eq!(secret.expose(), token);
    }

    #[test]
    fn redacted_inside_derived_debug() {
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            access: Secret,
        }
        let holder = Holder {
            access: Secret::new("abc-secret-value"),
        };
        assert!(!format!("{holder:?}").contains("abc-secret-value"));
    }

    #[test]
    fn serde_round_trip_keeps_value() {
        let secret = Secret::new("v");
        let json = serde_json::to_string(&secret).unwrap();
        assert_eq!(json, "\"v\"");
        let back: Secret = serde_json::from_str(&json).unwrap();
        assert_eq!(back, secret);
    }
}
