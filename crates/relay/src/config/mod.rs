//! [`RelayConfig`]: environment variables (DESIGN §7), optionally on top of a TOML file.
//!
//! Every setting has an environment name and a TOML key; the environment wins. See
//! `docs/relay.md` for the table. `sources` reads the environment and the file.

mod sources;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use relay_client::Secret;
use url::Url;

use crate::store::Retention;

/// HubSpot scopes the OAuth broker asks for (DESIGN §5).
pub const SCOPES: &[&str] = &[
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    "crm.schemas.contacts.write",
    "crm.lists.read",
    "oauth",
];

/// Where events live.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite:PATH` — embedded, one relay instance.
    Sqlite(PathBuf),
    /// `postgres://…` — shared by several instances. Kept secret: it may hold a password.
    Postgres(Secret),
}

impl DatabaseUrl {
    /// Parses `sqlite:PATH`, `sqlite://PATH`, `postgres://…` or `postgresql://…`.
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        if let Some(path) = raw.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(invalid("RELAY_DATABASE_URL", "sqlite: needs a file path"));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(Self::Postgres(Secret::new(raw)));
        }
        Err(invalid(
            "RELAY_DATABASE_URL",
            "use sqlite:PATH or postgres://user:password@host:port/database",
        ))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(p) => write!(f, "sqlite:{}", p.display()),
            Self::Postgres(_) => f.write_str("postgres://[redacted]"),
        }
    }
}

/// Everything the relay needs to run. Build it with [`RelayConfig::new`] (in-process use) or
/// [`RelayConfig::load`] (the binary).
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// `RELAY_LISTEN`, default `127.0.0.1:8787`. Port 0 picks a free port.
    pub listen: SocketAddr,
    /// `RELAY_PUBLIC_URL`: the https URL HubSpot calls (TLS terminates upstream). Used for
    /// signature URIs and the OAuth redirect. `None`: `http://` + the bound address (local use).
    pub public_url: Option<Url>,
    /// `RELAY_DATABASE_URL`, default `sqlite:steward-relay.db`.
    pub database: DatabaseUrl,
    /// `HUBSPOT_CLIENT_ID`.
    pub client_id: String,
    /// `HUBSPOT_CLIENT_SECRET`: signs webhooks, authenticates token calls, derives session keys.
    pub client_secret: Secret,
    /// `HUBSPOT_APP_ID`: introspected tokens must belong to this app.
    pub app_id: u64,
    /// `HUBSPOT_API_BASE`, default `https://api.hubapi.com`.
    pub api_base: Url,
    /// `HUBSPOT_AUTHORIZE_URL`, default `https://app.hubspot.com/oauth/authorize`.
    pub authorize_url: Url,
    /// `RELAY_DEEP_LINK_SCHEME`, default `steward`.
    pub deep_link_scheme: String,
    /// `RELAY_MAX_RECEIVES`, default 5: leases before an event is dead-lettered.
    pub max_receives: u32,
    /// `RELAY_SESSION_TTL_SECS`, default 3600.
    pub session_ttl: Duration,
    /// `RELAY_RETENTION_DAYS` (default 14) and `RELAY_DEDUPE_HOURS` (default 72).
    pub retention: Retention,
    /// `RELAY_CLEANUP_INTERVAL_SECS`, default 60.
    pub cleanup_interval: Duration,
    /// How long an OAuth `state` from `/oauth/start` stays usable: 10 minutes (settable
    /// in-process only, for tests).
    pub oauth_state_ttl: Duration,
}

impl RelayConfig {
    /// Defaults for everything but the HubSpot app credentials. Listens on `127.0.0.1:0`
    /// (tests and the desktop sandbox run the relay in-process).
    pub fn new(client_id: impl Into<String>, client_secret: Secret, app_id: u64) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_url: None,
            database: DatabaseUrl::Sqlite(PathBuf::from("steward-relay.db")),
            client_id: client_id.into(),
            client_secret,
            app_id,
            api_base: default_url("https://api.hubapi.com"),
            authorize_url: default_url("https://app.hubspot.com/oauth/authorize"),
            deep_link_scheme: "steward".into(),
            max_receives: 5,
            session_ttl: Duration::from_secs(3600),
            retention: Retention::default(),
            cleanup_interval: Duration::from_secs(60),
            oauth_state_ttl: Duration::from_secs(600),
        }
    }

    /// Checks values that [`RelayConfig::new`] callers may have set by hand.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.client_id.is_empty() {
            return Err(ConfigError::Missing("HUBSPOT_CLIENT_ID"));
        }
        if self.client_secret.is_empty() {
            return Err(ConfigError::Missing("HUBSPOT_CLIENT_SECRET"));
        }
        let scheme = self.deep_link_scheme.as_bytes();
        let valid_scheme = scheme.first().is_some_and(u8::is_ascii_lowercase)
            && scheme
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-.".contains(b));
        if !valid_scheme {
            return Err(invalid(
                "RELAY_DEEP_LINK_SCHEME",
                "a URL scheme: lowercase letter, then letters, digits, + - .",
            ));
        }
        if self.max_receives == 0 {
            return Err(invalid("RELAY_MAX_RECEIVES", "must be at least 1"));
        }
        if self.session_ttl < Duration::from_secs(1) {
            return Err(invalid("RELAY_SESSION_TTL_SECS", "must be at least 1"));
        }
        if self.cleanup_interval.is_zero() {
            return Err(invalid("RELAY_CLEANUP_INTERVAL_SECS", "must be at least 1"));
        }
        if self.retention.dedupe_ms > self.retention.unacked_ms {
            return Err(invalid(
                "RELAY_DEDUPE_HOURS",
                "must not exceed RELAY_RETENTION_DAYS",
            ));
        }
        Ok(())
    }
}

/// A configuration problem; the message names the variable to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A required setting is absent.
    #[error("{0} is not set: set it in the environment or the --config file")]
    Missing(&'static str),
    /// A setting has an unusable value.
    #[error("{name} is invalid: {reason}")]
    Invalid {
        /// Environment name of the setting.
        name: &'static str,
        /// What is expected.
        reason: String,
    },
    /// The TOML file could not be read or parsed.
    #[error("cannot read the config file {}: {reason}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

pub(crate) fn invalid(name: &'static str, reason: &str) -> ConfigError {
    ConfigError::Invalid {
        name,
        reason: reason.to_owned(),
    }
}

fn default_url(s: &str) -> Url {
    // Constant, known-good literals.
    #[allow(clippy::expect_used)]
    Url::parse(s).expect("built-in URL parses")
}
