//! Helpers to run the real `steward-relay` binary.

use std::process::Stdio;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::support::{APP_ID, CLIENT_ID, CLIENT_SECRET, PUBLIC_URL};

/// A running relay process with its stderr (JSON log lines) captured.
pub struct RelayProcess {
    pub child: Child,
    pub base: String,
    pub logs: Arc<Mutex<Vec<String>>>,
}

impl RelayProcess {
    /// Starts the binary on port 0 with the test app credentials and `extra` variables.
    pub async fn spawn(extra: &[(&str, String)]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_steward-relay"));
        cmd.env_clear()
            .env("RELAY_LISTEN", "127.0.0.1:0")
            .env("RELAY_PUBLIC_URL", PUBLIC_URL)
            .env("HUBSPOT_CLIENT_ID", CLIENT_ID)
            .env("HUBSPOT_CLIENT_SECRET", CLIENT_SECRET)
            .env("HUBSPOT_APP_ID", APP_ID.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&logs);
        let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
        tokio::spawn(async move {
            while let Ok(Some(line)) = stderr.next_line().await {
                sink.lock().unwrap().push(line);
            }
        });
        let first = tokio::time::timeout(std::time::Duration::from_secs(20), stdout.next_line())
            .await
            .expect("the relay printed its address in time")
            .unwrap()
            .unwrap_or_else(|| panic!("relay exited early: {:?}", logs.lock().unwrap()));
        let base = first
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("first line: {first}"))
            .to_owned();
        tokio::spawn(async move { while let Ok(Some(_)) = stdout.next_line().await {} });
        Self { child, base, logs }
    }

    /// SIGKILL: no chance to flush anything.
    pub async fn kill9(mut self) {
        self.child.kill().await.unwrap();
    }

    /// SIGTERM, then wait for a clean exit.
    pub async fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().unwrap().to_string();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(status.success());
        tokio::time::timeout(std::time::Duration::from_secs(10), self.child.wait())
            .await
            .expect("graceful shutdown within 10 s")
            .unwrap()
    }

    /// SIGTERM, wait, and return the exit status with every log line.
    pub async fn terminate_keep_logs(self) -> (std::process::ExitStatus, Vec<String>) {
        let logs = Arc::clone(&self.logs);
        let status = self.terminate().await;
        // Let the reader task drain the pipe.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let lines = logs.lock().unwrap().clone();
        (status, lines)
    }
}
