//! Reading [`RelayConfig`] from the environment and an optional TOML file.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use relay_client::Secret;
use serde::Deserialize;
use url::Url;

use super::{ConfigError, DatabaseUrl, RelayConfig, invalid};

impl RelayConfig {
    /// Reads the process environment on top of the optional TOML `file`.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let text = match file {
            Some(path) => Some(
                std::fs::read_to_string(path).map_err(|e| ConfigError::File {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                })?,
            ),
            None => None,
        };
        let env: HashMap<String, String> = std::env::vars().collect();
        Self::from_sources(text.as_deref(), |name| env.get(name).cloned())
    }

    /// [`RelayConfig::load`] with the file text and environment given (for tests).
    pub fn from_sources(
        toml_text: Option<&str>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let file: FileConfig = match toml_text {
            Some(text) => toml::from_str(text).map_err(|e| ConfigError::File {
                path: PathBuf::from("--config"),
                reason: e.to_string(),
            })?,
            None => FileConfig::default(),
        };
        let get = |env_name: &str, file_value: &Option<String>| {
            env(env_name)
                .filter(|v| !v.is_empty())
                .or_else(|| file_value.clone())
        };
        let required = |env_name: &'static str, file_value: &Option<String>| {
            get(env_name, file_value).ok_or(ConfigError::Missing(env_name))
        };
        let client_secret = Secret::new(required(
            "HUBSPOT_CLIENT_SECRET",
            &file.hubspot_client_secret,
        )?);
        let app_id = parse_num(
            "HUBSPOT_APP_ID",
            &required("HUBSPOT_APP_ID", &file.hubspot_app_id)?,
        )?;
        let mut c = Self::new(
            required("HUBSPOT_CLIENT_ID", &file.hubspot_client_id)?,
            client_secret,
            app_id,
        );
        c.listen = match get("RELAY_LISTEN", &file.listen) {
            Some(v) => v
                .parse()
                .map_err(|_| invalid("RELAY_LISTEN", "expected HOST:PORT, e.g. 0.0.0.0:8787"))?,
            None => SocketAddr::from(([127, 0, 0, 1], 8787)),
        };
        if let Some(v) = get("RELAY_PUBLIC_URL", &file.public_url) {
            c.public_url = Some(parse_http_url("RELAY_PUBLIC_URL", &v)?);
        }
        if let Some(v) = get("RELAY_DATABASE_URL", &file.database_url) {
            c.database = DatabaseUrl::parse(&v)?;
        }
        if let Some(v) = get("HUBSPOT_API_BASE", &file.hubspot_api_base) {
            c.api_base = parse_http_url("HUBSPOT_API_BASE", &v)?;
        }
        if let Some(v) = get("HUBSPOT_AUTHORIZE_URL", &file.hubspot_authorize_url) {
            c.authorize_url = parse_http_url("HUBSPOT_AUTHORIZE_URL", &v)?;
        }
        if let Some(v) = get("RELAY_DEEP_LINK_SCHEME", &file.deep_link_scheme) {
            c.deep_link_scheme = v;
        }
        let num = |name: &'static str, v: &Option<u64>| -> Result<Option<u64>, ConfigError> {
            match env(name).filter(|v| !v.is_empty()) {
                Some(v) => parse_num(name, &v).map(Some),
                None => Ok(*v),
            }
        };
        if let Some(v) = num("RELAY_MAX_RECEIVES", &file.max_receives)? {
            c.max_receives =
                u32::try_from(v).map_err(|_| invalid("RELAY_MAX_RECEIVES", "too large"))?;
        }
        if let Some(v) = num("RELAY_SESSION_TTL_SECS", &file.session_ttl_secs)? {
            c.session_ttl = Duration::from_secs(v);
        }
        if let Some(v) = num("RELAY_RETENTION_DAYS", &file.retention_days)? {
            c.retention.unacked_ms = days_ms(v);
        }
        if let Some(v) = num("RELAY_DEDUPE_HOURS", &file.dedupe_hours)? {
            c.retention.dedupe_ms = i64::try_from(v.saturating_mul(3_600_000)).unwrap_or(i64::MAX);
        }
        if let Some(v) = num("RELAY_CLEANUP_INTERVAL_SECS", &file.cleanup_interval_secs)? {
            c.cleanup_interval = Duration::from_secs(v);
        }
        c.validate()?;
        Ok(c)
    }
}

/// The TOML file: the same settings as the environment, lower-case keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    public_url: Option<String>,
    database_url: Option<String>,
    hubspot_client_id: Option<String>,
    hubspot_client_secret: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    hubspot_app_id: Option<String>,
    hubspot_api_base: Option<String>,
    hubspot_authorize_url: Option<String>,
    deep_link_scheme: Option<String>,
    max_receives: Option<u64>,
    session_ttl_secs: Option<u64>,
    retention_days: Option<u64>,
    dedupe_hours: Option<u64>,
    cleanup_interval_secs: Option<u64>,
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum V {
        S(String),
        N(u64),
    }
    Ok(Option::<V>::deserialize(de)?.map(|v| match v {
        V::S(s) => s,
        V::N(n) => n.to_string(),
    }))
}

fn parse_num(name: &'static str, v: &str) -> Result<u64, ConfigError> {
    v.trim()
        .parse()
        .map_err(|_| invalid(name, "expected a whole number"))
}

fn days_ms(days: u64) -> i64 {
    i64::try_from(days.saturating_mul(86_400_000)).unwrap_or(i64::MAX)
}

fn parse_http_url(name: &'static str, v: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(v).map_err(|_| invalid(name, "expected an absolute http(s) URL"))?;
    if !matches!(url.scheme(), "http" | "https")
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(invalid(
            name,
            "expected an http(s) URL without query or fragment",
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const BASE: &[(&str, &str)] = &[
        ("HUBSPOT_CLIENT_ID", "cid"),
        ("HUBSPOT_CLIENT_SECRET", "sek"),
        ("HUBSPOT_APP_ID", "42"),
    ];

    #[test]
    fn defaults_from_design() {
        let c = RelayConfig::from_sources(None, env(BASE)).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8787");
        assert_eq!(c.api_base.as_str(), "https://api.hubapi.com/");
        assert_eq!(c.deep_link_scheme, "steward");
        assert_eq!(c.database, DatabaseUrl::Sqlite("steward-relay.db".into()));
        assert_eq!(c.max_receives, 5);
        assert_eq!(c.app_id, 42);
    }

    #[test]
    fn env_overrides_file_and_file_fills_gaps() {
        let toml = r#"
            listen = "0.0.0.0:9000"
            public_url = "https://relay.example.com"
            database_url = "postgres://u:p@db/relay"
            hubspot_client_id = "file-id"
            hubspot_client_secret = "file-secret"
            hubspot_app_id = 7
            max_receives = 3
        "#;
        let c =
            RelayConfig::from_sources(Some(toml), env(&[("HUBSPOT_CLIENT_ID", "env-id")])).unwrap();
        assert_eq!(c.client_id, "env-id");
        assert_eq!(c.client_secret.expose(), "file-secret");
        assert_eq!(c.app_id, 7);
        assert_eq!(c.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(c.max_receives, 3);
        assert!(matches!(c.database, DatabaseUrl::Postgres(_)));
        assert!(!format!("{c:?}").contains("file-secret"));
        assert!(!format!("{c:?}").contains("u:p"));
    }

    #[test]
    fn missing_and_invalid_values_name_the_variable() {
        let err = RelayConfig::from_sources(None, env(&BASE[..2])).unwrap_err();
        assert!(err.to_string().contains("HUBSPOT_APP_ID"), "{err}");
        let mut bad = BASE.to_vec();
        bad.push(("RELAY_DEEP_LINK_SCHEME", "Not A Scheme"));
        let err = RelayConfig::from_sources(None, env(&bad)).unwrap_err();
        assert!(err.to_string().contains("RELAY_DEEP_LINK_SCHEME"), "{err}");
        let mut bad = BASE.to_vec();
        bad.push(("RELAY_DATABASE_URL", "mysql://x"));
        assert!(RelayConfig::from_sources(None, env(&bad)).is_err());
        let unknown = RelayConfig::from_sources(Some("typo_key = 1"), env(BASE));
        assert!(unknown.is_err());
    }
}
