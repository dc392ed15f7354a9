//! SIGKILL of the `steward` process at random points of a batch run, restarted each time:
//! the run completes, no job is lost, no contact is written twice for one input hash, and
//! every write has its audit row.
//!
//! Kill points cycle through the pipeline's phases — while a write is in flight (its audit row
//! says `in_flight`), at a random moment (start-up, reads, LLM calls), right after a write
//! group settled — and are chosen from the run's state, not the clock, so every kill lands
//! while work remains however fast or slow the machine is. The first start is
//! `steward enrich --list` (which starts the run); restarts use `steward run --until-idle`, and
//! every third one `steward enrich` again (which resumes it): the ways an admin picks a killed
//! run back up.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use rand::Rng;
use steward_engine::Store;
use steward_engine::batch::{self, RunStatus};
use steward_engine::jobs;
use steward_engine::pipeline::WRITE_GROUP;
use steward_tests::bins;
use steward_tests::stack::{APP_ID, Stack, StackOptions};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::support::{WAIT, exactly_once, full, note};
use steward_tests::seed;

const PAT: &str = "pat-na1-fault-kill-test";

fn steward(bin: &Path, stack: &Stack, dir: &Path) -> Command {
    let mut cmd = Command::from(bins::cli_on_stack(bin, stack, dir, PAT));
    cmd.stdin(Stdio::null()).kill_on_drop(true);
    cmd
}

/// Starts `steward` with stdout read line by line; returns the child and the run id once the
/// process reported it (`enrich --json` prints `{"event":"started"|"resumed","run":ID}`).
async fn spawn_enrich(mut cmd: Command) -> anyhow::Result<(Child, i64)> {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn()?;
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let run = tokio::time::timeout(WAIT, async {
        while let Some(line) = lines.next_line().await? {
            let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
            if matches!(v["event"].as_str(), Some("started" | "resumed")) {
                return v["run"]
                    .as_i64()
                    .ok_or_else(|| anyhow::anyhow!("no run id: {line}"));
            }
        }
        anyhow::bail!("steward enrich ended before starting the run")
    })
    .await??;
    // Keep draining stdout so the process never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((child, run))
}

/// Where in the pipeline a kill lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KillPoint {
    /// While a write is in flight: its audit row says `in_flight` (sent, not confirmed); then
    /// 0–400 ms more, so some kills land before HubSpot applied it and some after.
    MidWrite(Duration),
    /// A random moment 50–1,200 ms after the start: start-up, reads or LLM calls (too soon to
    /// finish a write group of fresh LLM answers).
    Random(Duration),
    /// Right after the run's next progress (a write group settled), plus 0–300 ms.
    AfterProgress(Duration),
}

/// The schedule: mid-write (at once), random, after-progress, mid-write (0–400 ms later),
/// random — again and again. A
/// mid-write or after-progress kill lets at most two write groups through (one recovered, one
/// new), a random one at most the recovered group; so once fewer than `3 × WRITE_GROUP`
/// contacts remain only random points are used, and every kill lands while work remains.
fn kill_point(i: usize, remaining: u64) -> KillPoint {
    let mut rng = rand::rng();
    let random = KillPoint::Random(Duration::from_millis(rng.random_range(50..1_200)));
    if remaining < 3 * WRITE_GROUP as u64 {
        return random;
    }
    match i % 5 {
        // The first mid-write kill of each cycle lands at once, so at least one kill surely
        // finds a write in flight (a write to the simulator is confirmed within milliseconds,
        // and on a loaded machine every delayed kill could miss it).
        0 => KillPoint::MidWrite(Duration::ZERO),
        3 => KillPoint::MidWrite(Duration::from_millis(rng.random_range(0..400))),
        2 => KillPoint::AfterProgress(Duration::from_millis(rng.random_range(0..300))),
        _ => random,
    }
}

/// Ids of in-flight audit rows newer than row `after` (written by the current process).
fn in_flight(store: &Store, after: i64) -> anyhow::Result<Vec<i64>> {
    let conn = store.conn();
    let mut stmt = conn.prepare("SELECT id FROM audit WHERE outcome = 'in_flight' AND id > ?1")?;
    let ids = stmt
        .query_map([after], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

fn last_audit_id(store: &Store) -> anyhow::Result<i64> {
    Ok(store
        .conn()
        .query_row("SELECT coalesce(max(id), 0) FROM audit", [], |r| r.get(0))?)
}

/// Waits for `point`, then SIGKILL. Returns whether the process was still running when
/// killed, and the audit rows of its writes still in flight then.
async fn kill_at(
    child: &mut Child,
    store: &Store,
    run: i64,
    point: KillPoint,
) -> anyhow::Result<(bool, Vec<i64>)> {
    let started = Instant::now();
    let from = batch::summary(store, run)?.processed();
    let mark = last_audit_id(store)?;
    let deadline = started + WAIT;
    loop {
        if child.try_wait()?.is_some() {
            return Ok((false, Vec::new()));
        }
        let now = Instant::now();
        anyhow::ensure!(now < deadline, "{point:?} not reached within {WAIT:?}");
        let reached = match point {
            KillPoint::MidWrite(_) => !in_flight(store, mark)?.is_empty(),
            KillPoint::Random(after) => now - started >= after,
            KillPoint::AfterProgress(_) => batch::summary(store, run)?.processed() > from,
        };
        if reached {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    if let KillPoint::AfterProgress(jitter) | KillPoint::MidWrite(jitter) = point {
        tokio::time::sleep(jitter).await;
    }
    if child.try_wait()?.is_some() {
        return Ok((false, Vec::new()));
    }
    child.start_kill()?; // SIGKILL
    child.wait().await?;
    Ok((true, in_flight(store, mark)?))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_of_steward_mid_batch_loses_nothing_and_writes_each_contact_once()
-> anyhow::Result<()> {
    let (contacts, kills) = if full() { (2_000, 50) } else { (500, 5) };
    let bin: PathBuf = tokio::task::spawn_blocking(bins::cli).await??;
    let stack = Stack::start(StackOptions {
        contacts,
        // Eight LLM calls at a time × 100 ms: a write group of 100 about every 1.3 s, so a
        // random kill point mostly lands among LLM calls, and a run spans many write groups.
        llm_latency: Duration::from_millis(100),
        private_app_token: Some(PAT.into()),
        webhooks: false,
        ..StackOptions::default()
    })
    .await?;
    let ids = seed::seeded_ids(&stack, contacts).await?;
    let list = seed::resolved_list(&stack, "Fault: kill -9", &ids).await?;
    let dir = tempfile::tempdir()?;
    let connected = steward(&bin, &stack, dir.path())
        .args(["connect", "--app-id", &APP_ID.to_string()])
        .output()
        .await?;
    anyhow::ensure!(
        connected.status.success(),
        "connect failed: {}",
        String::from_utf8_lossy(&connected.stderr)
    );
    let store = Store::open(dir.path().join("steward.sqlite3"))?;
    let started = Instant::now();

    let mut killed = 0;
    let mut mid_write = 0;
    let mut cut_off: Vec<i64> = Vec::new();
    let mut points = Vec::new();
    let mut run = None;
    for i in 0..kills {
        let enrich = || {
            let mut cmd = steward(&bin, &stack, dir.path());
            cmd.args(["--json", "enrich", "--list", &list.list_id, "--yes"]);
            cmd
        };
        let mut child = match run {
            None => {
                let (child, id) = spawn_enrich(enrich()).await?;
                run = Some(id);
                child
            }
            Some(id) if i % 3 == 2 => {
                let (child, resumed) = spawn_enrich(enrich()).await?;
                assert_eq!(resumed, id, "steward enrich resumes the killed run");
                child
            }
            Some(_) => steward(&bin, &stack, dir.path())
                .args(["run", "--until-idle"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()?,
        };
        let run = run.expect("set above");
        let remaining = contacts as u64 - batch::summary(&store, run)?.processed();
        let point = kill_point(i, remaining);
        let (was_running, writing) = kill_at(&mut child, &store, run, point).await?;
        let summary = batch::summary(&store, run)?;
        assert!(
            was_running,
            "steward exited by itself before kill {i} ({point:?}): {summary:?}"
        );
        killed += 1;
        mid_write += usize::from(!writing.is_empty());
        cut_off.extend(writing);
        points.push(point);
    }
    let killed_at = started.elapsed();
    let run = run.expect("the run was started");
    let before_final = batch::summary(&store, run)?;
    assert!(
        !before_final.status.is_finished(),
        "every kill landed mid-run: {before_final:?}"
    );

    // The last restart finishes the run.
    let last = tokio::time::timeout(
        WAIT,
        steward(&bin, &stack, dir.path())
            .args(["run", "--until-idle"])
            .output(),
    )
    .await??;
    anyhow::ensure!(
        last.status.success(),
        "steward run failed: {}",
        String::from_utf8_lossy(&last.stderr)
    );
    let elapsed = started.elapsed();

    let summary = batch::summary(&store, run)?;
    assert_eq!(summary.status, RunStatus::Completed, "{summary:?}");
    assert_eq!(summary.total, contacts as u64, "{summary:?}");
    assert_eq!(
        (summary.done, summary.unchanged),
        (contacts as u64, 0),
        "every member counted once, as written — also those whose write a kill cut off: \
         {summary:?}"
    );
    assert_eq!(
        (summary.failed, summary.guarded, summary.remaining),
        (0, 0, 0),
        "{summary:?}"
    );
    assert_eq!(jobs::outstanding(&store.conn())?, 0, "no job left behind");
    let report = exactly_once(&stack, &store, &ids).await?;
    assert_eq!(report.written, contacts);
    assert_eq!(
        report.failed_rows, report.interrupted,
        "the only failures are writes a kill interrupted before HubSpot applied them: {report:?}"
    );
    assert!(
        mid_write >= 1,
        "a kill landed while a write was in flight: {points:?}"
    );
    // How the writes cut off by a kill were settled by the next start.
    let (mut applied, mut not_applied) = (0, 0);
    for row in crate::support::all_audit(&store)? {
        if cut_off.contains(&row.id) {
            match row.outcome {
                Some(steward_engine::audit::Outcome::Failed) => not_applied += 1,
                Some(_) => applied += 1,
                None => {}
            }
        }
    }
    assert_eq!(
        applied + not_applied,
        cut_off.len(),
        "every write a kill cut off was settled on restart"
    );
    let llm = stack.llm_calls().await?;
    let kinds = |f: fn(&KillPoint) -> bool| points.iter().filter(|p| f(p)).count();
    let (aimed_write, random, after) = (
        kinds(|p| matches!(p, KillPoint::MidWrite(_))),
        kinds(|p| matches!(p, KillPoint::Random(_))),
        kinds(|p| matches!(p, KillPoint::AfterProgress(_))),
    );
    note(
        "cli_kill",
        &format!(
            "{contacts} contacts, {killed} SIGKILLs ({aimed_write} aimed at a write, {random} \
             random, {after} after progress; {mid_write} with a write in flight) in {:.1} s, \
             completed in {:.1} s; {} written once each; of the writes cut off, {applied} \
             found applied and settled as the job's result, {not_applied} found not applied and \
             redone; {llm} LLM calls ({} repeated after kills)",
            killed_at.as_secs_f64(),
            elapsed.as_secs_f64(),
            report.written,
            llm.saturating_sub(contacts as u64),
        ),
    );
    Ok(())
}
