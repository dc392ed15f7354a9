//! The workspace's own binaries for process-level tests (SIGKILL, restart): `steward` (the CLI)
//! and `steward-relay`, built once per test process so a test never runs a stale binary, and a
//! relay process that can be killed and restarted on the same address and database.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::Context;

use crate::stack::Stack;

/// `cargo build` of both binaries, once per process: cargo does nothing when they are fresh,
/// and rebuilds them when a crate they use changed since (a test must never run old code).
/// `STEWARD_CLI_BIN` / `STEWARD_RELAY_BIN` skip the build (prebuilt binaries, e.g. release).
fn build_once() -> anyhow::Result<()> {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        if std::env::var_os("STEWARD_CLI_BIN").is_some()
            && std::env::var_os("STEWARD_RELAY_BIN").is_some()
        {
            return Ok(());
        }
        let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["build", "-p", "steward-cli", "-p", "steward-relay"])
            .args(["--bin", "steward", "--bin", "steward-relay"])
            .env("CARGO_TARGET_DIR", crate::target_dir())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run cargo to build steward and steward-relay: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "building steward and steward-relay failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    });
    built.clone().map_err(anyhow::Error::msg)
}

fn binary(var: &str, name: &str) -> anyhow::Result<PathBuf> {
    if let Some(p) = std::env::var_os(var) {
        return Ok(PathBuf::from(p));
    }
    build_once()?;
    let path = crate::target_dir().join("debug").join(name);
    anyhow::ensure!(
        path.is_file(),
        "{} is missing after cargo build",
        path.display()
    );
    Ok(path)
}

/// The `steward` CLI binary (`STEWARD_CLI_BIN`, else freshly built in the target dir).
pub fn cli() -> anyhow::Result<PathBuf> {
    binary("STEWARD_CLI_BIN", "steward")
}

/// A `steward` command on `dir`, pointed at the stack's simulator for HubSpot and the LLM and
/// signed in with the private-app token `pat` (one the stack was started with).
pub fn cli_on_stack(bin: &Path, stack: &Stack, dir: &Path, pat: &str) -> Command {
    let mut cmd = Command::new(bin);
    cmd.arg("--data-dir")
        .arg(dir)
        .arg("--hubspot-base")
        .arg(stack.sim.base_url())
        .arg("--llm-base")
        .arg(format!("{}/llm/v1", stack.sim.base_url()))
        .arg("--llm-model")
        .arg("sim-model")
        .env("STEWARD_LLM_API_KEY", "sk-test-llm-key")
        .env("STEWARD_HUBSPOT_PRIVATE_APP_TOKEN", pat)
        .env("RUST_LOG", "warn");
    cmd
}

/// The `steward-relay` binary (`STEWARD_RELAY_BIN`, else freshly built in the target dir).
pub fn relay() -> anyhow::Result<PathBuf> {
    binary("STEWARD_RELAY_BIN", "steward-relay")
}

/// How a [`RelayBin`] is started: the environment of DESIGN §7 plus where its stderr (JSON
/// logs) goes.
#[derive(Debug, Clone)]
pub struct RelayBinConfig {
    /// `RELAY_LISTEN`; port 0 on the first start, then the same address on every restart.
    pub listen: SocketAddr,
    /// `RELAY_DATABASE_URL` (`sqlite:PATH` or `postgres://…`).
    pub database_url: String,
    /// `RELAY_PUBLIC_URL` (the URL webhook signatures are computed over), if not the listen URL.
    pub public_url: Option<String>,
    pub client_id: String,
    pub client_secret: String,
    pub app_id: u64,
    /// `HUBSPOT_API_BASE` (the simulator).
    pub hubspot_base: String,
    /// `RUST_LOG` of the relay.
    pub log_filter: String,
    /// Appends the relay's stderr (its logs) to this file; inherited when `None`.
    pub log_file: Option<PathBuf>,
}

/// The real relay process. Killed (SIGKILL) when dropped.
pub struct RelayBin {
    pub config: RelayBinConfig,
    /// `http://ADDR` it listens on.
    pub url: String,
    child: Option<Child>,
}

impl RelayBin {
    /// Starts the relay and waits for its `listening on http://ADDR` line. After the first
    /// start, `config.listen` holds the bound address, so restarts keep the URL.
    pub fn start(config: RelayBinConfig) -> anyhow::Result<Self> {
        let mut relay = Self {
            config,
            url: String::new(),
            child: None,
        };
        relay.spawn()?;
        Ok(relay)
    }

    fn spawn(&mut self) -> anyhow::Result<()> {
        let c = &self.config;
        let stderr = match &c.log_file {
            Some(path) => Stdio::from(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .with_context(|| format!("cannot open {}", path.display()))?,
            ),
            None => Stdio::inherit(),
        };
        let mut cmd = Command::new(relay()?);
        cmd.env("RELAY_LISTEN", c.listen.to_string())
            .env("RELAY_DATABASE_URL", &c.database_url)
            .env("HUBSPOT_CLIENT_ID", &c.client_id)
            .env("HUBSPOT_CLIENT_SECRET", &c.client_secret)
            .env("HUBSPOT_APP_ID", c.app_id.to_string())
            .env("HUBSPOT_API_BASE", &c.hubspot_base)
            .env(
                "HUBSPOT_AUTHORIZE_URL",
                format!("{}/oauth/authorize", c.hubspot_base),
            )
            .env("RUST_LOG", &c.log_filter)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr);
        if let Some(public) = &c.public_url {
            cmd.env("RELAY_PUBLIC_URL", public);
        }
        let mut child = cmd.spawn().context("cannot start steward-relay")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let _ = tx.send(first);
            let mut sink = String::new();
            while reader.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                sink.clear();
            }
        });
        let line = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let status = child.wait();
                anyhow::bail!("steward-relay printed nothing within 60 s ({status:?})");
            }
        };
        let Some(url) = line.trim().strip_prefix("listening on ") else {
            let _ = child.kill();
            let status = child.wait();
            anyhow::bail!("steward-relay did not start ({status:?}); its first line: {line:?}");
        };
        self.url = url.to_owned();
        if let Some(addr) = url
            .strip_prefix("http://")
            .and_then(|a| a.parse::<SocketAddr>().ok())
        {
            self.config.listen = addr;
        }
        self.child = Some(child);
        Ok(())
    }

    /// SIGKILL: no graceful shutdown, no flush, no goodbye.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same address and database (after [`RelayBin::kill9`]). The port
    /// may still be held for a moment; this retries for a few seconds.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.kill9();
        let mut last = None;
        for _ in 0..50 {
            match self.spawn() {
                Ok(()) => return Ok(()),
                Err(e) => {
                    last = Some(e);
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
        Err(last.unwrap_or_else(|| anyhow::anyhow!("steward-relay did not restart")))
    }
}

impl Drop for RelayBin {
    fn drop(&mut self) {
        self.kill9();
    }
}
