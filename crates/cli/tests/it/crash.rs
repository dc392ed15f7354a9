use std::collections::HashMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use rand::Rng;
use steward_engine::Store;
use steward_engine::contact_actions;
use steward_engine::jobs;
use steward_tests::stack::{PORTAL, Stack, StackOptions};

use crate::{PAT, connect, ok, steward};

/// `steward run` killed with SIGKILL at random moments mid-work, then restarted: every job
/// completes, and no contact is written twice for the same input hash.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_run_then_restart_writes_each_contact_exactly_once() -> anyhow::Result<()> {
    let stack = Stack::start(StackOptions {
        llm_latency: Duration::from_millis(150),
        private_app_token: Some(PAT.into()),
        ..StackOptions::default()
    })
    .await?;
    let dir = tempfile::tempdir()?;
    connect(&stack, dir.path());
    let mut ids = Vec::new();
    for i in 0..60 {
        ids.push(
            stack
                .create_contact(serde_json::json!({"email": format!("c{i}@crash.example"), "company": format!("Co {i}")}))
                .await?,
        );
    }
    {
        let store = Store::open(dir.path().join("steward.sqlite3"))?;
        let conn = store.conn();
        for id in &ids {
            contact_actions::reenrich(&conn, PORTAL, *id)?;
        }
    }

    let mut rng = rand::rng();
    let mut kills = 0;
    for _ in 0..5 {
        let mut child = steward(&stack, dir.path())
            .args(["run", "--until-idle"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let delay = Duration::from_millis(rng.random_range(100..1_200));
        let started = Instant::now();
        while started.elapsed() < delay {
            if child.try_wait()?.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if child.try_wait()?.is_none() {
            child.kill()?; // SIGKILL
            kills += 1;
        }
        child.wait()?;
    }
    assert!(
        kills >= 1,
        "at least one run must have been killed mid-work"
    );
    // Finish the work.
    ok(steward(&stack, dir.path())
        .args(["run", "--until-idle"])
        .output()?);

    let store = Store::open(dir.path().join("steward.sqlite3"))?;
    assert_eq!(jobs::outstanding(&store.conn())?, 0, "every job completed");
    for id in &ids {
        let writes = stack.integration_writes(*id, "ai_input_hash").await?;
        let mut per_hash: HashMap<String, usize> = HashMap::new();
        for w in &writes {
            *per_hash
                .entry(w["value"].as_str().unwrap_or_default().to_owned())
                .or_default() += 1;
        }
        assert_eq!(per_hash.len(), 1, "contact {id} enriched once: {writes:?}");
        assert!(
            per_hash.values().all(|n| *n == 1),
            "contact {id} written twice for one hash: {writes:?}"
        );
        let summaries = stack.integration_writes(*id, "ai_summary").await?;
        assert_eq!(summaries.len(), 1, "contact {id}: one summary write");
    }
    Ok(())
}
