//! Helpers for the Connect tests (engine, CLI and real window): the simulator with the relay as
//! OAuth broker, the browser's part of the flow, the relay *binary*, and scans that prove a
//! secret never reached SQLite or the logs.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::Context;
use hubspot_sim::{SimConfig, SimServer};
use steward_relay::{DatabaseUrl, Relay, RelayConfig, RelayHandle};

use crate::stack::{APP_ID, CLIENT_ID, CLIENT_SECRET};

/// A portal id no other test uses: tests share one keyring, whose entries are per portal.
pub fn unique_portal() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mix = (nanos as u64) ^ (u64::from(std::process::id()) << 20);
    70_000_000 + mix % 900_000_000
}

/// The simulator and the in-process relay brokering OAuth for it.
pub struct OAuthStack {
    pub sim: SimServer,
    pub relay: RelayHandle,
    _dir: tempfile::TempDir,
}

impl OAuthStack {
    pub async fn start() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let sim = hubspot_sim::spawn(SimConfig {
            app_id: APP_ID,
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            rate_limit: None,
            ..SimConfig::default()
        })
        .await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let mut config =
            RelayConfig::new(CLIENT_ID, steward_relay::Secret::new(CLIENT_SECRET), APP_ID);
        config.database = DatabaseUrl::Sqlite(dir.path().join("relay.sqlite3"));
        config.api_base = url::Url::parse(&sim.base_url())?;
        config.authorize_url = url::Url::parse(&format!("{}/oauth/authorize", sim.base_url()))?;
        let relay = Relay::serve(listener, config).await?;
        Ok(Self {
            sim,
            relay,
            _dir: dir,
        })
    }
}

/// What the browser does between the authorize URL and the app: the simulator's authorize page
/// (which approves at once; `portal` installs into that portal, `scope` replaces the requested
/// scopes) → the relay's `/oauth/callback` → the `steward://…` Location. Redirects are read,
/// never followed.
pub async fn follow_authorize(
    authorize_url: &str,
    portal: u64,
    scope: Option<&str>,
) -> anyhow::Result<String> {
    let mut url = url::Url::parse(authorize_url).context("the authorize URL is not a URL")?;
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .map(|(k, v)| match (k.as_str(), scope) {
            ("scope", Some(s)) => (k, s.to_owned()),
            _ => (k, v),
        })
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(pairs)
        .append_pair("portal_id", &portal.to_string());
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let location = |resp: &reqwest::Response| -> anyhow::Result<String> {
        anyhow::ensure!(
            resp.status().is_redirection(),
            "expected a redirect, got {}",
            resp.status()
        );
        Ok(resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .context("a redirect without Location")?
            .to_owned())
    };
    let to_relay = location(&browser.get(url).send().await?)?;
    let to_app = location(&browser.get(&to_relay).send().await?)?;
    anyhow::ensure!(
        to_app.starts_with("steward://oauth/callback?"),
        "the relay bounced to {to_app}"
    );
    Ok(to_app)
}

/// Every file under `dir` whose bytes contain `secret` (SQLite files with their WAL and
/// journal, log files — anything).
pub fn files_containing(dir: &Path, secret: &str) -> anyhow::Result<Vec<PathBuf>> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path)
                && bytes
                    .windows(secret.len().max(1))
                    .any(|w| w == secret.as_bytes())
            {
                hits.push(path);
            }
        }
    }
    Ok(hits)
}

/// The real `steward-relay` binary on a free port; killed when dropped.
pub struct RelayProcess {
    pub url: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `STEWARD_RELAY_BIN`, else the debug build in the target dir (built with cargo if missing).
pub fn relay_binary() -> anyhow::Result<PathBuf> {
    if let Some(p) = std::env::var_os("STEWARD_RELAY_BIN") {
        return Ok(PathBuf::from(p));
    }
    let path = crate::target_dir().join("debug/steward-relay");
    if !path.is_file() {
        let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["build", "-p", "steward-relay", "--bin", "steward-relay"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .context("cannot run cargo to build steward-relay")?;
        anyhow::ensure!(status.success(), "building steward-relay failed");
    }
    Ok(path)
}

impl RelayProcess {
    /// Starts the binary against the simulator at `hubspot_base` and waits for its
    /// `listening on http://ADDR` line.
    pub fn spawn(hubspot_base: &str) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let mut child = Command::new(relay_binary()?)
            .env("RELAY_LISTEN", "127.0.0.1:0")
            .env(
                "RELAY_DATABASE_URL",
                format!("sqlite:{}", dir.path().join("relay.sqlite3").display()),
            )
            .env("HUBSPOT_CLIENT_ID", CLIENT_ID)
            .env("HUBSPOT_CLIENT_SECRET", CLIENT_SECRET)
            .env("HUBSPOT_APP_ID", APP_ID.to_string())
            .env("HUBSPOT_API_BASE", hubspot_base)
            .env(
                "HUBSPOT_AUTHORIZE_URL",
                format!("{hubspot_base}/oauth/authorize"),
            )
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("cannot start steward-relay")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut first = String::new();
            let mut reader = BufReader::new(stdout);
            let _ = reader.read_line(&mut first);
            let _ = tx.send(first);
            // Keep draining so the relay never blocks on a full pipe.
            let mut sink = String::new();
            while reader.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                sink.clear();
            }
        });
        let mut process = Self {
            url: String::new(),
            child,
            _dir: dir,
        };
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .context("steward-relay printed nothing within 30 s")?;
        process.url = line
            .trim()
            .strip_prefix("listening on ")
            .with_context(|| format!("unexpected first line from steward-relay: {line:?}"))?
            .to_owned();
        Ok(process)
    }
}
