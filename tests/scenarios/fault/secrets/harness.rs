//! The secrets scenario's tools: the `steward` binary with every output kept for the scan, an
//! LLM endpoint that refuses keys, and the scan of everything that was written or printed.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use steward_engine::Store;
use steward_engine::audit::{self, AuditFilter, Outcome};
use steward_tests::secret_scan::{Leak, SecretSet};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Command;

use super::{LLM_KEY, LOG};
use crate::support::WAIT;

/// The `steward` binary, with every output kept for the scan.
pub struct Cli {
    pub bin: PathBuf,
    pub sim: String,
    /// (what, text) of every stdout and stderr so far.
    pub outputs: Vec<(String, String)>,
}

impl Cli {
    pub fn cmd(&self, dir: &Path, llm_key: &str) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.arg("--data-dir")
            .arg(dir)
            .arg("--hubspot-base")
            .arg(&self.sim)
            .env_remove("STEWARD_HUBSPOT_PRIVATE_APP_TOKEN")
            .env("STEWARD_LLM_API_KEY", llm_key)
            .env("RUST_LOG", LOG)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        cmd
    }

    fn keep(&mut self, label: &str, out: &Output) {
        self.outputs.push((
            format!("stdout of `steward {label}`"),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ));
        self.outputs.push((
            format!("stderr of `steward {label}`"),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
    }

    async fn output(&mut self, dir: &Path, args: &[&str]) -> anyhow::Result<Output> {
        let out = tokio::time::timeout(WAIT, self.cmd(dir, LLM_KEY).args(args).output()).await??;
        self.keep(&args.join(" "), &out);
        Ok(out)
    }

    /// Runs and expects success; returns stdout.
    pub async fn ok(&mut self, dir: &Path, args: &[&str]) -> anyhow::Result<String> {
        let out = self.output(dir, args).await?;
        anyhow::ensure!(
            out.status.success(),
            "steward {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Runs and expects a failure; returns the error the user reads (stderr).
    pub async fn fails(&mut self, dir: &Path, args: &[&str]) -> anyhow::Result<String> {
        let out = self.output(dir, args).await?;
        anyhow::ensure!(!out.status.success(), "steward {args:?} should have failed");
        Ok(String::from_utf8_lossy(&out.stderr).into_owned())
    }

    /// `steward --json enrich …` with `llm_key` until a progress line says why the run waits;
    /// then Ctrl-C, as a person would. Returns the reason shown and the run id.
    pub async fn enrich_until_paused(
        &mut self,
        dir: &Path,
        llm_key: &str,
        args: &[&str],
    ) -> anyhow::Result<(String, i64)> {
        let mut child = self
            .cmd(dir, llm_key)
            .args(["--json", "enrich"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let mut stderr = child.stderr.take().expect("piped");
        let stderr_task = tokio::spawn(async move {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s).await;
            s
        });
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let mut printed = String::new();
        let mut run = None;
        let pause = tokio::time::timeout(WAIT, async {
            while let Some(line) = lines.next_line().await? {
                printed.push_str(&line);
                printed.push('\n');
                let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
                if v["event"] == "started" {
                    run = v["run"].as_i64();
                }
                if let Some(reason) = v["paused_because"].as_str() {
                    return Ok(reason.to_owned());
                }
            }
            anyhow::bail!("steward enrich ended without pausing:\n{printed}")
        })
        .await??;
        let pid = child.id().expect("running").to_string();
        let interrupted = Command::new("kill").args(["-INT", &pid]).status().await?;
        anyhow::ensure!(interrupted.success(), "kill -INT {pid} failed");
        while let Some(line) = lines.next_line().await? {
            printed.push_str(&line);
            printed.push('\n');
        }
        let status = child.wait().await?;
        let err = stderr_task.await?;
        anyhow::ensure!(
            !status.success() && err.contains("resumes with"),
            "an interrupted run says how to resume it: {status}\n{err}"
        );
        self.outputs
            .push(("stdout of the paused enrich".into(), printed));
        self.outputs
            .push(("stderr of the paused enrich".into(), err));
        Ok((pause, run.expect("the run started")))
    }
}

/// The audit outcomes of a contact, newest first.
pub fn outcomes(store: &Store, contact: u64) -> anyhow::Result<Vec<Outcome>> {
    Ok(audit::list(
        &store.conn(),
        &AuditFilter {
            contact_id: Some(contact),
            ..Default::default()
        },
    )?
    .iter()
    .filter_map(|r| r.outcome)
    .collect())
}

/// What was scanned and found.
pub struct Scan {
    pub leaks: Vec<Leak>,
    pub files: Vec<PathBuf>,
    pub bytes: u64,
}

/// Scans every file under `dirs` and every kept output; checks the files that must be there
/// (the databases with their WAL and shared memory, the logs, the exports) were among them.
pub fn scan_all(
    secrets: &SecretSet,
    dirs: &[&Path],
    outputs: &[(String, String)],
) -> anyhow::Result<Scan> {
    let mut leaks = Vec::new();
    let mut files = Vec::new();
    for dir in dirs {
        let (found, read) = secrets.scan_dir(dir)?;
        leaks.extend(found);
        files.extend(read);
    }
    for (label, text) in outputs {
        leaks.extend(secrets.scan_text(label, text));
    }
    let names: Vec<String> = files
        .iter()
        .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    let has = |name: &str| names.iter().any(|n| n == name);
    for expected in [
        "steward.sqlite3",
        "steward.sqlite3-wal",
        "steward.sqlite3-shm",
        "relay.sqlite3",
        "relay.log",
    ] {
        anyhow::ensure!(has(expected), "{expected} was not scanned: {names:?}");
    }
    anyhow::ensure!(
        names.iter().any(|n| n.starts_with("steward.log")),
        "no CLI log file: {names:?}"
    );
    anyhow::ensure!(
        names
            .iter()
            .filter(|n| n.starts_with("steward-audit-"))
            .count()
            == 2,
        "the two exports: {names:?}"
    );
    let bytes = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum::<u64>()
        + outputs.iter().map(|(_, t)| t.len() as u64).sum::<u64>();
    Ok(Scan {
        leaks,
        files,
        bytes,
    })
}
