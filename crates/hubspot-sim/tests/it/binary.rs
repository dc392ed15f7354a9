//! The `hubspot-sim` binary: first stdout line, flags, graceful stop on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[cfg(unix)]
#[tokio::test]
async fn binary_prints_its_address_first_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("rec.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hubspot-sim"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--portal",
            "555",
            "--contacts",
            "3",
            "--seed",
            "9",
        ])
        .args([
            "--private-app-token",
            "pat-bin",
            "--rate-limit",
            "off",
            "--llm-latency-ms",
            "1",
        ])
        .arg("--record")
        .arg(&record)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let base = first
        .trim()
        .strip_prefix("listening on ")
        .expect("first line names the address")
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{first}");

    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let resp = http
        .get(format!("{base}/account-info/v3/details"))
        .bearer_auth("pat-bin")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers().get("x-hubspot-ratelimit-max").is_none(),
        "--rate-limit off"
    );
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["portalId"], 555);
    let list = http
        .get(format!("{base}/crm/v3/objects/contacts"))
        .bearer_auth("pat-bin")
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = list.json().await.unwrap();
    assert_eq!(v["results"].as_array().unwrap().len(), 3);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut status = None;
    for _ in 0..200 {
        if let Some(s) = child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let Some(status) = status else {
        let _ = child.kill();
        panic!("the simulator did not stop on SIGTERM");
    };
    assert!(status.success(), "{status:?}");
    let text = std::fs::read_to_string(&record).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(!text.contains("pat-bin"));
}

/// A supervisor may stop the simulator the moment it has read the address: that is a graceful
/// stop too (the handler is listening before the line is printed), never the default kill.
#[cfg(unix)]
#[test]
fn a_sigterm_right_after_the_address_line_is_a_graceful_stop() {
    for _ in 0..20 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hubspot-sim"))
            .args(["--listen", "127.0.0.1:0", "--contacts", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(first.starts_with("listening on "), "{first}");
        let killed = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        assert!(status.success(), "{status:?}");
    }
}
