use std::time::Duration;

use steward_engine::contact_actions;
use steward_tests::stack::{Stack, StackOptions};

use crate::{PAT, connect, ok, steward};

/// connect → provision (idempotent) → a live change → run --until-idle → audit, provenance,
/// reviews in every format; bad input gives a clear error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_covers_the_admin_loop() -> anyhow::Result<()> {
    let stack = Stack::start(StackOptions {
        private_app_token: Some(PAT.into()),
        ..StackOptions::default()
    })
    .await?;
    let dir = tempfile::tempdir()?;
    connect(&stack, dir.path());

    let report = ok(steward(&stack, dir.path())
        .args(["provision", "--dry-run"])
        .output()?);
    assert!(report.contains("already correct"), "{report}");
    assert!(!report.contains("created"), "{report}");

    let id = stack
        .create_contact(serde_json::json!({"email": "cli@example.com", "company": "CLI Inc"}))
        .await?;
    {
        let store = steward_engine::Store::open(dir.path().join("steward.sqlite3"))?;
        contact_actions::reenrich(&store.conn(), steward_tests::stack::PORTAL, id)?;
    }
    let run = steward(&stack, dir.path())
        .args(["run", "--until-idle"])
        .output()?;
    ok(run);

    let table = ok(steward(&stack, dir.path())
        .args(["audit", "--since", "1h"])
        .output()?);
    assert!(table.contains("written"), "{table}");
    let csv = ok(steward(&stack, dir.path())
        .args(["audit", "--format", "csv"])
        .output()?);
    assert!(csv.starts_with("id,time,correlation_id"), "{csv}");
    assert_eq!(csv.lines().count(), 2, "{csv}");
    let jsonl = ok(steward(&stack, dir.path())
        .args(["audit", "--format", "jsonl"])
        .output()?);
    let row: serde_json::Value = serde_json::from_str(jsonl.lines().next().unwrap_or_default())?;
    assert_eq!(row["outcome"], "written");
    let correlation = row["correlation_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    let prov = ok(steward(&stack, dir.path())
        .args(["--json", "provenance", &id.to_string()])
        .output()?);
    let prov: serde_json::Value = serde_json::from_str(&prov)?;
    let summary = prov["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["property"] == "ai_summary")
        .unwrap();
    assert_eq!(summary["history"][0]["writer"]["kind"], "steward");
    assert_eq!(
        summary["history"][0]["writer"]["correlation_id"],
        correlation.as_str()
    );

    // A person edits the summary; provenance shows them.
    stack
        .human_edit(id, "ai_summary", "Typed by Bo.", 9)
        .await?;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let prov = ok(steward(&stack, dir.path())
        .args(["provenance", &id.to_string()])
        .output()?);
    assert!(prov.contains("user 9 (CRM_UI)"), "{prov}");

    let reviews = ok(steward(&stack, dir.path())
        .args(["reviews", "list"])
        .output()?);
    assert!(reviews.contains("No pending reviews"), "{reviews}");

    // Bad input: a clear error, exit code 1, nothing changed.
    let bad = steward(&stack, dir.path())
        .args(["audit", "--since", "yesterday"])
        .output()?;
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("RFC 3339"));
    let missing = steward(&stack, dir.path())
        .args(["reviews", "approve", "999"])
        .output()?;
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("review 999 does not exist"));
    Ok(())
}

/// Without a connection, commands say how to connect.
#[test]
fn commands_without_a_connection_say_how_to_connect() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_steward"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("provision")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("steward connect"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `steward run` keeps running until it is stopped (it exited after 60 s once: the engine's
/// stop deadline applied to its whole life). Under a service manager it is stopped with SIGTERM,
/// from a terminal with Ctrl-C: both are a graceful stop (exit 0), even the moment it says it
/// is running.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_lives_until_stopped_and_stops_gracefully_on_sigterm_or_ctrl_c() -> anyhow::Result<()> {
    let stack = Stack::start(StackOptions {
        private_app_token: Some(PAT.into()),
        ..StackOptions::default()
    })
    .await?;
    let dir = tempfile::tempdir()?;
    connect(&stack, dir.path());
    for (signal, after, json) in [
        ("-TERM", 0, false),
        ("-INT", 0, true),
        ("-TERM", 65_000, false),
    ] {
        let mut command = steward(&stack, dir.path());
        if json {
            command.arg("--json");
        }
        let mut child = command
            .arg("run")
            .stdout(std::process::Stdio::piped())
            .spawn()?;
        // Signal it as soon as it says it is running, or a while later.
        let mut stdout = std::io::BufReader::new(child.stdout.take().expect("piped"));
        let mut ready = String::new();
        std::io::BufRead::read_line(&mut stdout, &mut ready)?;
        if json {
            let line: serde_json::Value = serde_json::from_str(&ready)?;
            assert_eq!(line["event"], "running", "{ready}");
            assert_eq!(line["portal_id"], steward_tests::stack::PORTAL, "{ready}");
            assert_eq!(
                line["live_events"], false,
                "a private-app connection: {ready}"
            );
        } else {
            assert!(ready.starts_with("Running for portal"), "{ready}");
        }
        tokio::time::sleep(Duration::from_millis(after)).await;
        assert!(
            child.try_wait()?.is_none(),
            "steward run stopped by itself within {after} ms"
        );
        let sent = std::process::Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()?;
        assert!(sent.success());
        let status = child.wait()?;
        assert!(
            status.success(),
            "kill {signal} {after} ms after start: {status:?}"
        );
    }
    Ok(())
}
