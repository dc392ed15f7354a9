//! The desktop app's footprint, as an admin's laptop sees it: idle memory of all its processes
//! (the app and its WebKit web and network processes, PSS so shared pages count once), idle CPU
//! over a minute, and cold start (process start → first contentful paint of the window).
//!
//! ```text
//! npm --prefix ui run build && cargo build --release -p steward-desktop --features custom-protocol
//! STEWARD_APP_BIN=target/release/steward-desktop xvfb-run -a -s "-screen 0 1280x800x24" \
//!   cargo bench -p steward-tests --bench footprint --features ui-e2e
//! ```
//! `FOOTPRINT_IDLE_SECONDS` (default 60) sets the CPU window; `FOOTPRINT_STARTS` (default 5)
//! the number of cold starts. Two idle cases: nothing connected with the sandbox off, and the
//! sandbox running (its simulated portal, LLM and relay live in the app's process).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use steward_tests::desktop::{DesktopApp, app_binary};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Every process's parent, from /proc.
fn parents() -> HashMap<u32, u32> {
    let mut map = HashMap::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Ok(stat) = std::fs::read_to_string(entry.path().join("stat"))
            && let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r)
            && let Some(ppid) = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok())
        {
            map.insert(pid, ppid);
        }
    }
    map
}

/// `root` and all its descendants.
fn tree(root: u32) -> Vec<u32> {
    let parents = parents();
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        out.extend(parents.iter().filter(|(_, pp)| **pp == p).map(|(c, _)| *c));
        i += 1;
    }
    out
}

fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// Proportional set size in KiB (shared pages split among their users).
fn pss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("Pss:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// utime + stime in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After the comm: state(0) ppid(1) … utime(11) stime(12).
    f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

fn ticks_per_second() -> f64 {
    100.0 // Linux USER_HZ
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_app(binary: &Path, dir: &Path, sandbox: bool) -> Running {
    let child = Command::new(binary)
        .envs(DesktopApp::env_of(dir))
        .env("STEWARD_SANDBOX", if sandbox { "on" } else { "off" })
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the app starts");
    Running(child)
}

fn idle(binary: &Path, sandbox: bool, seconds: u64) {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app(binary, dir.path(), sandbox);
    let pid = app.0.id();
    // Let it start, seed (sandbox), paint and settle.
    std::thread::sleep(Duration::from_secs(if sandbox { 25 } else { 15 }));
    let procs = tree(pid);
    let before: u64 = procs.iter().map(|p| cpu_ticks(*p)).sum();
    let t = Instant::now();
    std::thread::sleep(Duration::from_secs(seconds));
    let procs = tree(pid);
    let after: u64 = procs.iter().map(|p| cpu_ticks(*p)).sum();
    let cpu = (after - before) as f64 / ticks_per_second() / t.elapsed().as_secs_f64() * 100.0;
    let mut total = 0;
    let mut parts = Vec::new();
    for p in &procs {
        let kib = pss_kib(*p);
        total += kib;
        parts.push(format!("{} {:.1} MB", comm(*p), kib as f64 / 1024.0));
    }
    println!(
        "idle, {}: {} processes, PSS {:.1} MB ({}); CPU {:.2} % over {} s",
        if sandbox {
            "sandbox running (500 contacts)"
        } else {
            "not connected"
        },
        procs.len(),
        total as f64 / 1024.0,
        parts.join(", "),
        cpu,
        seconds
    );
}

/// Epoch ms at which `pid` started (from its start time in ticks since boot).
fn process_start_epoch_ms(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = stat.rsplit_once(')').unwrap().1;
    let start_ticks: f64 = rest.split_whitespace().nth(19).unwrap().parse().unwrap();
    let btime: f64 = std::fs::read_to_string("/proc/stat")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("btime "))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    (btime + start_ticks / ticks_per_second()) * 1000.0
}

/// The app process started by tauri-driver for the data dir `dir`.
fn app_pid_for(dir: &Path) -> Option<u32> {
    let want = DesktopApp::steward_dir(dir);
    let want = want.to_string_lossy();
    parents().keys().copied().find(|pid| {
        comm(*pid).starts_with("steward-desktop")
            && std::fs::read(format!("/proc/{pid}/environ"))
                .map(|env| {
                    env.split(|b| *b == 0)
                        .any(|kv| kv == format!("STEWARD_DATA_DIR={want}").as_bytes())
                })
                .unwrap_or(false)
    })
}

async fn cold_start() -> f64 {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().to_path_buf();
    let app = DesktopApp::launch_in(root, &[]).await.unwrap();
    app.text_of("nav-connect").await.unwrap();
    // First contentful paint, as the webview's Paint Timing API reports it.
    let paint = loop {
        let v = app
            .client
            .execute(
                "const p = performance.getEntriesByName('first-contentful-paint')[0];
                 return p ? performance.timeOrigin + p.startTime : null;",
                vec![],
            )
            .await
            .unwrap();
        if let Some(ms) = v.as_f64() {
            break ms;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let pid = app_pid_for(&dir).expect("the app process");
    let started = process_start_epoch_ms(pid);
    app.close().await.unwrap();
    paint - started
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let binary = app_binary().unwrap();
    let seconds = env_u64("FOOTPRINT_IDLE_SECONDS", 60);
    let starts = env_u64("FOOTPRINT_STARTS", 5);
    println!("binary: {}", binary.display());
    println!(
        "size: {:.1} MB",
        std::fs::metadata(&binary).unwrap().len() as f64 / 1e6
    );
    let mut times = Vec::new();
    for _ in 0..starts {
        times.push(cold_start().await);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "cold start → first contentful paint: median {:.0} ms, min {:.0} ms, max {:.0} ms ({} starts)",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        times.len()
    );
    let b = binary.clone();
    tokio::task::spawn_blocking(move || {
        idle(&b, false, seconds);
        idle(&b, true, seconds);
    })
    .await
    .unwrap();
}
