//! OAuth flows started but not finished. Each holds the relay-issued `state` and the PKCE
//! verifier whose challenge the relay stored. They live in the OS keyring (the verifier is a
//! credential), one entry per data directory: the app and the CLI share a data directory, so
//! a flow started by `steward connect` can be finished by the app receiving the deep link, and
//! the other way round. A flow is taken out exactly once; a second link with the same state
//! finds nothing and is refused.

use std::fmt;
use std::path::Path;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Store;
use crate::secrets::{self, SecretError, SecretKind};

/// At most this many flows wait at once (an admin clicking Connect repeatedly); the oldest go.
pub const MAX_PENDING: usize = 8;

/// One started flow.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PendingFlow {
    /// The relay's `state` (also in the authorize URL, so not secret by itself).
    pub state: String,
    /// The PKCE code verifier (secret until the exchange).
    pub verifier: String,
    /// The relay that brokers this flow.
    pub relay_url: String,
    /// The app id the relay brokers for (its `/oauth/start` answer).
    pub app_id: Option<u64>,
    /// After this (ms since the epoch) the relay has forgotten the state too.
    pub expires_at_ms: i64,
}

impl fmt::Debug for PendingFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingFlow")
            .field("state", &self.state)
            .field("verifier", &"[redacted]")
            .field("relay_url", &self.relay_url)
            .field("app_id", &self.app_id)
            .field("expires_at_ms", &self.expires_at_ms)
            .finish()
    }
}

/// The pending flows of one data directory.
#[derive(Debug, Clone)]
pub struct PendingFlows {
    kind: SecretKind,
}

impl PendingFlows {
    /// The flows of the data directory holding `store`.
    pub fn for_store(store: &Store) -> Self {
        Self::for_database(store.path())
    }

    /// The flows of the data directory whose database is `database`.
    pub fn for_database(database: &Path) -> Self {
        let path = database
            .canonicalize()
            .unwrap_or_else(|_| database.to_path_buf());
        let digest = Sha256::digest(path.to_string_lossy().as_bytes());
        Self {
            kind: SecretKind::PendingOAuth {
                namespace: hex::encode(&digest[..8]),
            },
        }
    }

    /// The keyring entry holding them (for tests and support).
    pub fn secret_kind(&self) -> &SecretKind {
        &self.kind
    }

    fn load(&self) -> Result<Vec<PendingFlow>, SecretError> {
        let Some(raw) = secrets::get(&self.kind)? else {
            return Ok(Vec::new());
        };
        // An unreadable entry (written by a future version?) holds nothing usable: start over.
        Ok(serde_json::from_str(raw.expose_secret()).unwrap_or_default())
    }

    fn save(&self, flows: &[PendingFlow]) -> Result<(), SecretError> {
        if flows.is_empty() {
            return secrets::delete(&self.kind);
        }
        let json = serde_json::to_string(flows).unwrap_or_else(|_| "[]".to_owned());
        secrets::set(&self.kind, &SecretString::from(json))
    }

    /// Remembers a new flow, dropping expired ones and the oldest beyond [`MAX_PENDING`].
    pub fn add(&self, flow: PendingFlow, now_ms: i64) -> Result<(), SecretError> {
        let mut flows = self.load()?;
        flows.retain(|f| f.expires_at_ms > now_ms && f.state != flow.state);
        flows.push(flow);
        let excess = flows.len().saturating_sub(MAX_PENDING);
        flows.drain(..excess);
        self.save(&flows)
    }

    /// Takes the flow with `state` out (single use). `None`: unknown, used or expired.
    pub fn take(&self, state: &str, now_ms: i64) -> Result<Option<PendingFlow>, SecretError> {
        let flows = self.load()?;
        let before = flows.len();
        let (mut hit, rest): (Vec<_>, Vec<_>) = flows
            .into_iter()
            .filter(|f| f.expires_at_ms > now_ms)
            .partition(|f| f.state == state);
        if hit.len() + rest.len() != before || !hit.is_empty() {
            self.save(&rest)?;
        }
        Ok(hit.pop())
    }

    /// Whether the flow with `state` is still waiting (the CLI polls this to notice that the
    /// app finished it).
    pub fn contains(&self, state: &str, now_ms: i64) -> Result<bool, SecretError> {
        Ok(self
            .load()?
            .iter()
            .any(|f| f.state == state && f.expires_at_ms > now_ms))
    }

    /// How many flows are waiting.
    pub fn count(&self, now_ms: i64) -> Result<usize, SecretError> {
        Ok(self
            .load()?
            .iter()
            .filter(|f| f.expires_at_ms > now_ms)
            .count())
    }

    /// Forgets every pending flow (Cancel in the app).
    pub fn clear(&self) -> Result<(), SecretError> {
        secrets::delete(&self.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(state: &str, expires_at_ms: i64) -> PendingFlow {
        PendingFlow {
            state: state.into(),
            verifier: format!("verifier-of-{state}"),
            relay_url: "http://127.0.0.1:1".into(),
            app_id: Some(1),
            expires_at_ms,
        }
    }

    fn flows() -> (tempfile::TempDir, PendingFlows) {
        let tmp = tempfile::tempdir().unwrap();
        let f = PendingFlows::for_database(&tmp.path().join("steward.sqlite3"));
        (tmp, f)
    }

    #[test]
    fn a_flow_is_taken_once_and_only_by_its_state() {
        let (_tmp, flows) = flows();
        flows.add(flow("s1", 1_000), 0).unwrap();
        flows.add(flow("s2", 1_000), 0).unwrap();
        assert_eq!(flows.count(0).unwrap(), 2);
        assert!(flows.take("nope", 0).unwrap().is_none());
        let got = flows.take("s1", 0).unwrap().unwrap();
        assert_eq!(got.verifier, "verifier-of-s1");
        assert!(flows.take("s1", 0).unwrap().is_none(), "single use");
        assert!(flows.contains("s2", 0).unwrap());
        flows.clear().unwrap();
        assert_eq!(flows.count(0).unwrap(), 0);
    }

    #[test]
    fn expired_flows_are_not_returned_and_the_list_is_capped() {
        let (_tmp, flows) = flows();
        flows.add(flow("old", 100), 0).unwrap();
        assert!(flows.take("old", 100).unwrap().is_none(), "expired");
        for i in 0..(MAX_PENDING + 3) {
            flows.add(flow(&format!("s{i}"), 10_000), 0).unwrap();
        }
        assert_eq!(flows.count(0).unwrap(), MAX_PENDING);
        assert!(!flows.contains("s0", 0).unwrap(), "the oldest went first");
        flows.clear().unwrap();
    }

    #[test]
    fn data_directories_do_not_share_flows_and_debug_hides_the_verifier() {
        let (_a, one) = flows();
        let (_b, two) = flows();
        one.add(flow("shared-state", 1_000), 0).unwrap();
        assert!(two.take("shared-state", 0).unwrap().is_none());
        assert!(one.take("shared-state", 0).unwrap().is_some());
        let dbg = format!("{:?}", flow("x", 1));
        assert!(!dbg.contains("verifier-of"), "{dbg}");
    }
}
