//! The simulator's configuration: what a test or the `hubspot-sim` binary chooses at start.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Everything the simulator needs to start. `SimConfig::default()` is a realistic portal
/// with HubSpot's OAuth-app limits; tests override only what they exercise.
#[derive(Clone)]
pub struct SimConfig {
    /// The portal (hub id) that exists at start.
    pub portal_id: u64,
    /// How many realistic contacts to seed into that portal.
    pub contacts: usize,
    /// Seed for the generated data, so two runs with one seed hold the same contacts.
    pub seed: u64,
    /// The HubSpot app id: `sourceId` of API writes and `appId` of webhook events.
    pub app_id: u64,
    /// OAuth client id the token endpoints accept.
    pub client_id: String,
    /// OAuth client secret: checked by the token endpoints and used to sign webhooks.
    pub client_secret: String,
    /// A static bearer token accepted for `portal_id` with every scope.
    pub private_app_token: Option<String>,
    /// Per-portal rolling-window limit; `None` turns limiting off.
    pub rate_limit: Option<RateLimit>,
    /// Optional daily request limit per portal (answers 429 `policyName: DAILY`).
    pub daily_limit: Option<u32>,
    /// URL that receives signed v3 webhook batches.
    pub webhook_target: Option<String>,
    /// First retry delay of a failed webhook batch; each later retry doubles it.
    /// HubSpot spreads 10 attempts over about a day; the default (1 s) compresses that
    /// schedule to ~8.5 minutes so a sandbox still shows retries without waiting hours.
    pub webhook_retry_base: Duration,
    /// Attempts per webhook batch, the first included (HubSpot: 10).
    pub webhook_max_attempts: u32,
    /// A receiver slower than this counts as a failed attempt (HubSpot: 5 s).
    pub webhook_timeout: Duration,
    /// Events raised within this window travel in one batch (≤ 100 events).
    pub webhook_batch_window: Duration,
    /// Delay before every LLM answer (slept asynchronously).
    pub llm_latency: Duration,
    /// LLM failure and malformed-output behaviour.
    pub llm: LlmFaults,
    /// Share (0.0..=1.0) of HubSpot API requests answered with a 5xx.
    pub fault_5xx: f64,
    /// Delay added to every HubSpot API request.
    pub fault_latency: Duration,
    /// JSONL file receiving every request and response (Authorization and secrets redacted).
    pub record: Option<PathBuf>,
    /// Lifetime of access tokens issued by `/oauth/v3/token` (HubSpot: 30 minutes).
    pub access_token_ttl: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            portal_id: 62515,
            contacts: 0,
            seed: 1,
            app_id: 1_234_567,
            client_id: "sim-client-id".to_owned(),
            client_secret: "sim-client-secret".to_owned(),
            private_app_token: None,
            rate_limit: Some(RateLimit::hubspot_oauth()),
            daily_limit: None,
            webhook_target: None,
            webhook_retry_base: Duration::from_secs(1),
            webhook_max_attempts: 10,
            webhook_timeout: Duration::from_secs(5),
            webhook_batch_window: Duration::from_millis(50),
            llm_latency: Duration::ZERO,
            llm: LlmFaults::default(),
            fault_5xx: 0.0,
            fault_latency: Duration::ZERO,
            record: None,
            access_token_ttl: Duration::from_secs(30 * 60),
        }
    }
}

impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("portal_id", &self.portal_id)
            .field("contacts", &self.contacts)
            .field("seed", &self.seed)
            .field("app_id", &self.app_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field(
                "private_app_token",
                &self.private_app_token.as_ref().map(|_| "[redacted]"),
            )
            .field("rate_limit", &self.rate_limit)
            .field("daily_limit", &self.daily_limit)
            .field("webhook_target", &self.webhook_target)
            .field("llm_latency", &self.llm_latency)
            .field("llm", &self.llm)
            .field("fault_5xx", &self.fault_5xx)
            .field("fault_latency", &self.fault_latency)
            .field("record", &self.record)
            .field("access_token_ttl", &self.access_token_ttl)
            .finish_non_exhaustive()
    }
}

/// A rolling-window request limit, written `110/10s` (units `ms`, `s`, `m`, `h`, `d`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed in any window of length `per`.
    pub max: u32,
    /// Window length.
    pub per: Duration,
}

impl RateLimit {
    /// HubSpot's limit for OAuth apps: 110 requests per rolling 10 seconds per portal.
    pub fn hubspot_oauth() -> Self {
        Self {
            max: 110,
            per: Duration::from_secs(10),
        }
    }
}

/// Why a rate-limit spelling was refused.
#[derive(Debug, thiserror::Error)]
#[error("invalid rate limit {0:?}: write it as MAX/WINDOW, e.g. 110/10s (units ms, s, m, h, d)")]
pub struct RateLimitParseError(String);

impl FromStr for RateLimit {
    type Err = RateLimitParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || RateLimitParseError(s.to_owned());
        let (max, window) = s.trim().split_once('/').ok_or_else(bad)?;
        let max: u32 = max.trim().parse().map_err(|_| bad())?;
        let window = window.trim();
        let split = window
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(window.len());
        let (count, unit) = window.split_at(split);
        let count: u64 = if count.is_empty() {
            1
        } else {
            count.parse().map_err(|_| bad())?
        };
        let per = match unit {
            "ms" => Duration::from_millis(count),
            "s" | "" => Duration::from_secs(count),
            "m" => Duration::from_secs(count * 60),
            "h" => Duration::from_secs(count * 3600),
            "d" => Duration::from_secs(count * 86_400),
            _ => return Err(bad()),
        };
        if max == 0 || per.is_zero() {
            return Err(bad());
        }
        Ok(Self { max, per })
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.per.as_millis();
        if ms.is_multiple_of(1000) {
            write!(f, "{}/{}s", self.max, ms / 1000)
        } else {
            write!(f, "{}/{}ms", self.max, ms)
        }
    }
}

/// What the LLM simulator answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LlmMode {
    /// Schema-conforming, sensible output.
    #[default]
    Valid,
    /// Text that is not JSON at all (truncated object).
    BadJson,
    /// JSON that breaks the schema (a required field missing, a number out of range).
    SchemaViolation,
    /// JSON whose strings blow far past any sane length.
    Oversize,
    /// An intent signal outside the schema's enum.
    UnknownSignal,
}

/// Why an LLM mode spelling was refused.
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown LLM mode {0:?}: use valid, bad_json, schema_violation, oversize or unknown_signal"
)]
pub struct LlmModeParseError(String);

impl FromStr for LlmMode {
    type Err = LlmModeParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        serde_json::from_value(serde_json::Value::String(s.to_owned()))
            .map_err(|_| LlmModeParseError(s.to_owned()))
    }
}

/// LLM failure behaviour, changeable mid-run through `POST /_sim/faults`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LlmFaults {
    /// Share (0.0..=1.0) of calls answered with 500 or 429 (alternating).
    pub error_rate: f64,
    /// Share (0.0..=1.0) of otherwise valid answers replaced by non-JSON text.
    pub malformed_rate: f64,
    /// The output mode of every answer.
    pub mode: LlmMode,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_parse_and_print() {
        let r: RateLimit = "110/10s".parse().unwrap();
        assert_eq!(r, RateLimit::hubspot_oauth());
        assert_eq!(r.to_string(), "110/10s");
        let r: RateLimit = "5/250ms".parse().unwrap();
        assert_eq!(r.per, Duration::from_millis(250));
        assert_eq!("100/1m".parse::<RateLimit>().unwrap().per.as_secs(), 60);
        assert!("abc".parse::<RateLimit>().is_err());
        assert!("0/10s".parse::<RateLimit>().is_err());
        assert!("10/10y".parse::<RateLimit>().is_err());
    }

    #[test]
    fn llm_modes_parse() {
        assert_eq!("bad_json".parse::<LlmMode>().unwrap(), LlmMode::BadJson);
        assert!("weird".parse::<LlmMode>().is_err());
    }

    #[test]
    fn debug_hides_secrets() {
        let c = SimConfig {
            private_app_token: Some("pat-secret".into()),
            ..SimConfig::default()
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("sim-client-secret"));
        assert!(!shown.contains("pat-secret"));
    }
}
