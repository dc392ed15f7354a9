//! `steward enrich` and `steward runs`: a list enriched as a batch run, re-run for free, dry
//! run with diffs, history and audit by run; and SIGKILL mid-run, then a restart that resumes.

use std::process::Stdio;
use std::time::{Duration, Instant};

use rand::Rng;
use steward_tests::stack::{PORTAL, Stack, StackOptions};

use crate::{PAT, connect, ok, steward};

/// Ids of `n` seeded contacts, and a list of them named `name` in the simulator.
async fn seeded_list(stack: &Stack, name: &str, n: usize) -> anyhow::Result<Vec<u64>> {
    let probe: Vec<String> = (101..101 + n as u64 + 50).map(|i| i.to_string()).collect();
    let read = stack
        .ctx
        .hubspot
        .batch_read_contacts(&probe, &hubspot::ReadOptions::properties(["email"]))
        .await?;
    let mut ids: Vec<u64> = read
        .results
        .iter()
        .filter_map(|c| c.id.parse().ok())
        .collect();
    ids.sort_unstable();
    ids.truncate(n);
    anyhow::ensure!(ids.len() == n, "only {} seeded contacts", ids.len());
    stack
        .sim_post(
            "/_sim/lists",
            serde_json::json!({"portalId": PORTAL, "name": name, "contactIds": ids}),
        )
        .await?;
    Ok(ids)
}

fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn event<'a>(lines: &'a [serde_json::Value], name: &str) -> &'a serde_json::Value {
    lines
        .iter()
        .rev()
        .find(|l| l["event"] == name)
        .unwrap_or_else(|| panic!("no {name} line in {lines:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrich_a_list_rerun_it_dry_run_it_and_read_the_history() -> anyhow::Result<()> {
    let stack = Stack::start(StackOptions {
        contacts: 60,
        private_app_token: Some(PAT.into()),
        ..StackOptions::default()
    })
    .await?;
    let dir = tempfile::tempdir()?;
    connect(&stack, dir.path());
    let ids = seeded_list(&stack, "CLI Leads", 40).await?;

    // --json (and stdin not a terminal): no question asked; JSON lines.
    let first = ok(steward(&stack, dir.path())
        .args(["--json", "enrich", "--list", "cli leads"])
        .stdin(Stdio::null())
        .output()?);
    let lines = json_lines(&first);
    let estimate = event(&lines, "estimate");
    assert_eq!(estimate["contacts"], 40, "{estimate}");
    assert!(estimate["input_tokens"].as_u64().unwrap() > 40 * 200);
    assert!(lines.iter().any(|l| l["event"] == "progress"));
    let finished = event(&lines, "finished");
    assert_eq!(finished["status"], "completed", "{finished}");
    assert_eq!(finished["done"], 40);
    let run1 = finished["id"].as_i64().unwrap();
    assert_eq!(stack.llm_calls().await?, 40);
    let hashes = stack
        .integration_writes_per_contact("ai_input_hash")
        .await?;
    assert_eq!(hashes.len(), 40);

    // Again, by id: nothing changed, so no LLM call and no write.
    let list_id = estimate["list"]["list_id"].as_str().unwrap().to_owned();
    let second = json_lines(&ok(steward(&stack, dir.path())
        .args(["--json", "enrich", "--list", &list_id])
        .stdin(Stdio::null())
        .output()?));
    let finished = event(&second, "finished");
    assert_eq!(
        (finished["unchanged"].as_u64(), finished["done"].as_u64()),
        (Some(40), Some(0))
    );
    assert_eq!(stack.llm_calls().await?, 40);
    assert_eq!(
        stack
            .integration_writes_per_contact("ai_input_hash")
            .await?,
        hashes
    );

    // A forced dry run: asks the LLM again, writes nothing, prints diffs.
    let dry = ok(steward(&stack, dir.path())
        .args([
            "enrich",
            "--list",
            "CLI Leads",
            "--dry-run",
            "--force",
            "--yes",
        ])
        .output()?);
    assert!(dry.contains("completed: 40 computed"), "{dry}");
    assert!(
        dry.contains("contact ") && dry.contains("ai_summary"),
        "{dry}"
    );
    assert_eq!(stack.llm_calls().await?, 80);
    assert_eq!(
        stack
            .integration_writes_per_contact("ai_input_hash")
            .await?,
        hashes,
        "a dry run writes nothing"
    );

    let history: Vec<serde_json::Value> = serde_json::from_str(&ok(steward(&stack, dir.path())
        .args(["--json", "runs"])
        .output()?))?;
    assert_eq!(history.len(), 3);
    assert_eq!(history[0]["dry_run"], true);
    let dry_id = history[0]["id"].as_i64().unwrap().to_string();
    let table = ok(steward(&stack, dir.path()).args(["runs"]).output()?);
    assert!(
        table.contains("CLI Leads") && table.contains("dry run, force"),
        "{table}"
    );
    let diffs: Vec<serde_json::Value> = serde_json::from_str(&ok(steward(&stack, dir.path())
        .args(["--json", "runs", "diffs", &dry_id])
        .output()?))?;
    assert_eq!(diffs.len(), 40);
    assert_eq!(diffs[0]["contact_id"], ids[0]);
    assert!(!diffs[0]["diff"]["fields"].as_array().unwrap().is_empty());
    let show = ok(steward(&stack, dir.path())
        .args(["runs", "show", &run1.to_string()])
        .output()?);
    assert!(show.contains("40 of 40 contacts: 40 written"), "{show}");

    let audit = ok(steward(&stack, dir.path())
        .args(["audit", "--run", &run1.to_string(), "--format", "jsonl"])
        .output()?);
    let rows = json_lines(&audit);
    assert_eq!(rows.len(), 40);
    assert!(
        rows.iter()
            .all(|r| r["run_id"] == run1 && r["outcome"] == "written")
    );

    // Clear errors.
    let missing = steward(&stack, dir.path())
        .args(["enrich", "--list", "No Such List", "--yes"])
        .output()?;
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("no HubSpot list is named"),
        "{missing:?}"
    );
    let cancel = steward(&stack, dir.path())
        .args(["runs", "cancel", "999"])
        .output()?;
    assert!(String::from_utf8_lossy(&cancel.stderr).contains("no batch run #999"));
    let done = steward(&stack, dir.path())
        .args(["runs", "pause", &run1.to_string()])
        .output()?;
    assert!(String::from_utf8_lossy(&done.stderr).contains("is completed, so it cannot be paused"));
    Ok(())
}

/// Contacts finished so far in the newest run (0 before any run exists).
fn processed(dir: &std::path::Path) -> anyhow::Result<u64> {
    let store = steward_engine::Store::open(dir.join("steward.sqlite3"))?;
    Ok(steward_engine::batch::history(&store, 1)?
        .first()
        .map_or(0, |r| r.processed()))
}

/// `steward enrich` killed with SIGKILL mid-run (after some contacts were settled, at a random
/// moment), then started again: each start resumes the same run where it stopped, and no
/// contact is written twice for one input hash.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_run_then_restart_resumes_and_writes_each_contact_once() -> anyhow::Result<()> {
    const N: usize = 250;
    let stack = Stack::start(StackOptions {
        contacts: N + 20,
        llm_latency: Duration::from_millis(100),
        private_app_token: Some(PAT.into()),
        ..StackOptions::default()
    })
    .await?;
    let dir = tempfile::tempdir()?;
    connect(&stack, dir.path());
    let ids = seeded_list(&stack, "Crash List", N).await?;

    let mut rng = rand::rng();
    let mut mid_run_kills = 0;
    let mut finished = false;
    for attempt in 0..10 {
        let before = processed(dir.path())?;
        let mut child = steward(&stack, dir.path())
            .args(["--json", "enrich", "--list", "Crash List"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        // The first starts are killed once they have settled more contacts, plus a random
        // moment (mid-LLM, mid-write, mid-commit); the later ones may finish.
        let kill = attempt < 3;
        let extra = Duration::from_millis(rng.random_range(0..600));
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut progressed_at: Option<Instant> = None;
        while child.try_wait()?.is_none() && Instant::now() < deadline {
            if kill {
                if progressed_at.is_none() && processed(dir.path())? > before {
                    progressed_at = Some(Instant::now());
                }
                if progressed_at.is_some_and(|t| t.elapsed() >= extra) {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        match child.try_wait()? {
            Some(status) if status.success() => {
                finished = true;
                break;
            }
            Some(status) => anyhow::bail!("steward enrich failed: {status}"),
            None => {
                child.kill()?; // SIGKILL
                child.wait()?;
                let now = processed(dir.path())?;
                if now > 0 && now < N as u64 {
                    mid_run_kills += 1;
                }
            }
        }
    }
    assert!(finished, "a restart finished the run");
    assert!(mid_run_kills >= 1, "at least one start was killed mid-run");

    let history: Vec<serde_json::Value> = serde_json::from_str(&ok(steward(&stack, dir.path())
        .args(["--json", "runs"])
        .output()?))?;
    assert!(
        history.iter().all(|r| r["status"] == "completed"),
        "{history:?}"
    );
    let first = history.last().unwrap();
    assert_eq!(first["total"], N, "{first}");
    let counted: u64 = ["done", "unchanged", "guarded", "failed"]
        .iter()
        .map(|k| first[k].as_u64().unwrap())
        .sum();
    assert_eq!(counted, N as u64, "every member counted once: {first}");
    assert_eq!(first["failed"], 0, "{first}");

    let hashes = stack
        .integration_writes_per_contact("ai_input_hash")
        .await?;
    let summaries = stack.integration_writes_per_contact("ai_summary").await?;
    for id in &ids {
        assert_eq!(hashes.get(id), Some(&1), "contact {id}: one hash write");
        assert_eq!(
            summaries.get(id),
            Some(&1),
            "contact {id}: one summary write"
        );
    }
    Ok(())
}
