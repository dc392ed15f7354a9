//! The built desktop app under tauri-driver + WebKitWebDriver, driven over WebDriver.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::Context;
use fantoccini::{Client, ClientBuilder, Locator};

use crate::net::{free_port, wait_for_port};

/// One running app with its own data dir; the driver and the app stop when this drops.
pub struct DesktopApp {
    pub client: Client,
    pub data_dir: tempfile::TempDir,
    _driver: Driver,
}

/// Kills tauri-driver (and with it WebKitWebDriver and the app) when dropped, also on panic.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The app binary: `STEWARD_APP_BIN`, else the debug build in the target dir (build it with
/// `cargo build -p steward-desktop --features custom-protocol` after `npm --prefix ui run build`).
pub fn app_binary() -> anyhow::Result<PathBuf> {
    let path = match std::env::var_os("STEWARD_APP_BIN") {
        Some(p) => PathBuf::from(p),
        None => crate::target_dir().join("debug/steward-desktop"),
    };
    anyhow::ensure!(
        path.is_file(),
        "the app binary {} is missing: run scripts/test.sh (it builds the UI and the app first)",
        path.display()
    );
    Ok(path)
}

impl DesktopApp {
    /// Starts tauri-driver on free ports with the app's environment, and opens a session.
    pub async fn launch(extra_env: &[(&str, &str)]) -> anyhow::Result<Self> {
        Self::launch_in(tempfile::tempdir()?, extra_env).await
    }

    /// Like [`DesktopApp::launch`] on a temp dir the test prepared (settings seeded in
    /// [`DesktopApp::steward_dir`] of it before the app starts).
    pub async fn launch_in(
        data_dir: tempfile::TempDir,
        extra_env: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        let binary = app_binary()?;
        let port = free_port()?;
        let native_port = free_port()?;
        let mut cmd = Command::new(driver_binary());
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .envs(Self::env_of(data_dir.path()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let driver = Driver(cmd.spawn().context(
            "cannot start tauri-driver: install it with `cargo install tauri-driver --locked`",
        )?);
        wait_for_port(port, Duration::from_secs(20))?;
        wait_for_port(native_port, Duration::from_secs(20))?;
        let client = session(port, &binary).await?;
        Ok(Self {
            client,
            data_dir,
            _driver: driver,
        })
    }

    /// The app's data dir inside a test's temp dir (`STEWARD_DATA_DIR`).
    pub fn steward_dir(root: &Path) -> PathBuf {
        root.join("steward")
    }

    /// The environment the app runs with for the temp dir `root`: a second launch of the
    /// binary with the same environment is the same single instance (it forwards its URL).
    pub fn env_of(root: &Path) -> Vec<(&'static str, PathBuf)> {
        vec![
            ("STEWARD_DATA_DIR", Self::steward_dir(root)),
            // The tests that want the sandbox ask for it (`STEWARD_SANDBOX=on` in extra_env);
            // the others test the app with nothing connected.
            ("STEWARD_SANDBOX", PathBuf::from("off")),
            ("XDG_DATA_HOME", root.join("xdg-data")),
            ("XDG_CONFIG_HOME", root.join("xdg-config")),
        ]
    }

    /// Clicks the navigation entry `nav-{id}` and waits for that screen to render.
    pub async fn open_screen(&self, id: &str) -> anyhow::Result<String> {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(&format!("[data-testid='nav-{id}']")))
            .await?
            .click()
            .await?;
        let screen = self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(&format!("[data-testid='screen-{id}']")))
            .await?;
        Ok(screen.text().await?)
    }

    /// Waits until an element with `data-testid` shows up and returns its text.
    pub async fn text_of(&self, test_id: &str) -> anyhow::Result<String> {
        let el = self
            .client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(&format!("[data-testid='{test_id}']")))
            .await
            .with_context(|| format!("no element [data-testid='{test_id}'] appeared"))?;
        Ok(el.text().await?)
    }

    /// Saves a PNG of the window under `target/e2e-screenshots/NAME.png`.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        let png = self.client.screenshot().await?;
        let dir = crate::target_dir().join("e2e-screenshots");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Ends the session (closing the app) and stops the driver.
    pub async fn close(self) -> anyhow::Result<()> {
        self.client.clone().close().await?;
        Ok(())
    }
}

fn driver_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(p);
    }
    let home_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .map(|c| c.join("bin/tauri-driver"));
    match home_bin {
        Some(p) if p.is_file() => p,
        _ => PathBuf::from("tauri-driver"),
    }
}

async fn session(port: u16, binary: &Path) -> anyhow::Result<Client> {
    // Two rustls providers are compiled in (see Cargo.toml); pick one before any client exists.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": binary }),
    );
    caps.insert("browserName".into(), serde_json::json!("wry"));
    ClientBuilder::rustls()?
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .context("tauri-driver refused the WebDriver session")
}
