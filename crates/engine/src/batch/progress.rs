//! Reading runs: totals (done / unchanged / guarded / failed / remaining, tokens, cost), the
//! rate and ETA of a running run, the run history, and the per-contact diffs.

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;
use ts_rs::TS;

use super::{BatchError, RunStatus};
use crate::Store;
use crate::clock::now_ms;
use crate::connection::Connection;
use crate::pipeline::ContactDiff;
use crate::settings::Settings;

/// One run's totals, as the history and the progress screen show them.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct RunSummary {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub portal_id: u64,
    pub list_id: String,
    pub list_name: String,
    pub dry_run: bool,
    pub force: bool,
    pub status: RunStatus,
    /// Contacts in the run (the list's size until all its pages are read).
    #[ts(type = "number")]
    pub total: u64,
    /// Contacts queued so far (membership pages read).
    #[ts(type = "number")]
    pub enqueued: u64,
    /// Written (or, in a dry run, computed).
    #[ts(type = "number")]
    pub done: u64,
    /// Inputs unchanged: no LLM call, no write.
    #[ts(type = "number")]
    pub unchanged: u64,
    /// Held back by the guard (a person's newer value); reviews raised.
    #[ts(type = "number")]
    pub guarded: u64,
    #[ts(type = "number")]
    pub failed: u64,
    #[ts(type = "number")]
    pub remaining: u64,
    /// LLM tokens used (from the run's audit rows).
    #[ts(type = "number")]
    pub tokens: u64,
    /// USD micro-dollars spent on the LLM.
    #[ts(type = "number")]
    pub cost_micros: u64,
    #[ts(type = "number")]
    pub estimated_tokens: u64,
    #[ts(type = "number")]
    pub estimated_cost_micros: u64,
    pub error: Option<String>,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number | null")]
    pub finished_at: Option<i64>,
}

impl RunSummary {
    /// Contacts finished, whatever the outcome.
    pub fn processed(&self) -> u64 {
        self.done + self.unchanged + self.guarded + self.failed
    }
}

/// A run's totals plus how fast it goes.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct RunProgress {
    pub run: RunSummary,
    /// Contacts per second over the current active stretch (since start, resume or the last
    /// engine start); 0 when not running.
    pub rate_per_sec: f64,
    /// Seconds left at that rate, when it is known.
    #[ts(type = "number | null")]
    pub eta_secs: Option<u64>,
    /// Contacts of the run being worked on right now (read, with the LLM, or being written).
    /// They count as done only when their group's write settles (up to 100 at a time), so
    /// this is what shows a small run moving before its first group lands.
    #[ts(type = "number")]
    pub in_flight: u64,
}

/// One contact's diff in a dry run (current → proposed, and the guard's decision per field).
/// Real runs keep no diffs: what they did is in their audit rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RunDiff {
    #[ts(type = "number")]
    pub contact_id: u64,
    pub outcome: crate::audit::Outcome,
    pub diff: ContactDiff,
}

const COLUMNS: &str = "id, portal_id, list_id, list_name, dry_run, force, status, total,
    enqueued, done, unchanged, guarded, failed, cost_micros, estimated_tokens,
    estimated_cost_micros, error, created_at, finished_at, resumed_at, resumed_processed,
    (SELECT coalesce(sum(tokens_in + tokens_out), 0) FROM audit WHERE audit.run_id = runs.id)";

/// A row plus the columns only the rate needs.
struct Read {
    summary: RunSummary,
    resumed_at: Option<i64>,
    resumed_processed: u64,
}

fn read(r: &Row<'_>) -> rusqlite::Result<Read> {
    let u = |i: usize| -> rusqlite::Result<u64> { Ok(r.get::<_, i64>(i)?.max(0) as u64) };
    let mut summary = RunSummary {
        id: r.get(0)?,
        portal_id: u(1)?,
        list_id: r.get(2)?,
        list_name: r.get(3)?,
        dry_run: r.get::<_, i64>(4)? != 0,
        force: r.get::<_, i64>(5)? != 0,
        status: RunStatus::parse(&r.get::<_, String>(6)?),
        total: u(7)?,
        enqueued: u(8)?,
        done: u(9)?,
        unchanged: u(10)?,
        guarded: u(11)?,
        failed: u(12)?,
        remaining: 0,
        cost_micros: u(13)?,
        estimated_tokens: u(14)?,
        estimated_cost_micros: u(15)?,
        error: r.get(16)?,
        created_at: r.get(17)?,
        finished_at: r.get(18)?,
        tokens: u(21)?,
    };
    summary.remaining = if summary.status.is_finished() {
        0
    } else {
        summary.total.saturating_sub(summary.processed())
    };
    Ok(Read {
        summary,
        resumed_at: r.get(19)?,
        resumed_processed: u(20)?,
    })
}

fn read_one(store: &Store, run_id: i64) -> Result<Read, BatchError> {
    store
        .conn()
        .query_row(
            &format!("SELECT {COLUMNS} FROM runs WHERE id = ?1"),
            params![run_id],
            read,
        )
        .optional()?
        .ok_or(BatchError::NoSuchRun(run_id))
}

/// One run's totals.
pub fn summary(store: &Store, run_id: i64) -> Result<RunSummary, BatchError> {
    Ok(read_one(store, run_id)?.summary)
}

/// One run's totals, rate and ETA.
pub fn progress(store: &Store, run_id: i64) -> Result<RunProgress, BatchError> {
    let read = read_one(store, run_id)?;
    let run = read.summary;
    let mut rate_per_sec = 0.0;
    let mut eta_secs = None;
    if run.status == RunStatus::Running
        && let Some(since) = read.resumed_at
    {
        let elapsed = (now_ms() - since) as f64 / 1000.0;
        let finished = run.processed().saturating_sub(read.resumed_processed);
        if elapsed >= 1.0 && finished > 0 {
            rate_per_sec = finished as f64 / elapsed;
            eta_secs = Some((run.remaining as f64 / rate_per_sec).ceil() as u64);
        }
    }
    let in_flight: i64 = store.conn().query_row(
        "SELECT COUNT(*) FROM jobs WHERE run_id = ?1 AND status = 'running'",
        params![run_id],
        |r| r.get(0),
    )?;
    Ok(RunProgress {
        run,
        rate_per_sec,
        eta_secs,
        in_flight: in_flight.max(0) as u64,
    })
}

/// Runs of the connected portal, newest first (at most `limit`); every portal's while none is
/// connected. An admin who works on several portals from one data dir (an agency, a sandbox
/// portal) sees the runs of the portal at hand, and another portal's paused run does not stand
/// in for "the run in progress" here.
pub fn history(store: &Store, limit: u32) -> Result<Vec<RunSummary>, BatchError> {
    let portal = Settings::new(store.clone())
        .get::<Connection>()?
        .map(|c| c.portal_id as i64);
    let conn = store.conn();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM runs WHERE ?1 IS NULL OR portal_id = ?1 ORDER BY id DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![portal, limit.min(10_000)], read)?;
    Ok(rows
        .map(|r| r.map(|r| r.summary))
        .collect::<Result<_, _>>()?)
}

/// A dry run's per-contact diffs by contact id, from after `after_contact` (keyset paging).
pub fn diffs(
    store: &Store,
    run_id: i64,
    after_contact: Option<u64>,
    limit: u32,
) -> Result<Vec<RunDiff>, BatchError> {
    summary(store, run_id)?;
    let conn = store.conn();
    let mut stmt = conn.prepare_cached(
        "SELECT contact_id, outcome, diff FROM run_diffs
         WHERE run_id = ?1 AND contact_id > ?2 ORDER BY contact_id LIMIT ?3",
    )?;
    let rows = stmt.query_map(
        params![
            run_id,
            after_contact.map_or(-1, |c| c as i64),
            limit.min(10_000)
        ],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        },
    )?;
    let mut out = Vec::new();
    for row in rows {
        let (contact_id, outcome, diff) = row?;
        let Ok(diff) = serde_json::from_str::<ContactDiff>(&diff) else {
            tracing::warn!(
                run = run_id,
                contact_id,
                "an unreadable run diff was skipped"
            );
            continue;
        };
        let outcome = serde_json::from_value(serde_json::Value::String(outcome))
            .unwrap_or(crate::audit::Outcome::Failed);
        out.push(RunDiff {
            contact_id: contact_id.max(0) as u64,
            outcome,
            diff,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_and_eta_come_from_the_current_active_stretch() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("db")).unwrap();
        let now = now_ms();
        store
            .conn()
            .execute(
                "INSERT INTO runs (portal_id, list_id, list_name, status, total, enqueued, done,
                   unchanged, failed, created_at, resumed_at, resumed_processed)
                 VALUES (1, '7', 'Q3', 'running', 100, 100, 25, 4, 1, 0, ?1, 10)",
                [now - 10_000],
            )
            .unwrap();
        let p = progress(&store, 1).unwrap();
        assert_eq!(p.run.processed(), 30);
        assert_eq!(p.run.remaining, 70);
        assert!((p.rate_per_sec - 2.0).abs() < 0.1, "{}", p.rate_per_sec);
        assert!((34..=36).contains(&p.eta_secs.unwrap()), "{:?}", p.eta_secs);

        store
            .conn()
            .execute("UPDATE runs SET status = 'cancelled'", [])
            .unwrap();
        let p = progress(&store, 1).unwrap();
        assert_eq!(
            (p.run.remaining, p.rate_per_sec, p.eta_secs),
            (0, 0.0, None)
        );
        assert!(matches!(progress(&store, 2), Err(BatchError::NoSuchRun(2))));
        assert_eq!(history(&store, 10).unwrap().len(), 1);
    }

    #[test]
    fn in_flight_counts_the_runs_contacts_being_worked_on() {
        use crate::jobs::{NewJob, Trigger, claim, enqueue};
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("db")).unwrap();
        let conn = store.conn();
        for _ in 0..2 {
            conn.execute(
                "INSERT INTO runs (portal_id, list_id, list_name, status, total, created_at)
                 VALUES (1, '7', 'Q3', 'running', 10, 0)",
                [],
            )
            .unwrap();
        }
        for (contact_id, run_id) in [(1, 1), (2, 1), (3, 1), (4, 2)] {
            let job = NewJob {
                portal_id: 1,
                contact_id,
                trigger: Trigger::Batch,
                trigger_ref: None,
                run_id: Some(run_id),
                not_before_ms: 0,
            };
            enqueue(&conn, &job, 0).unwrap();
        }
        drop(conn);
        assert_eq!(
            progress(&store, 1).unwrap().in_flight,
            0,
            "queued is not in flight"
        );
        let claimed = claim(&store.conn(), 3, 0).unwrap();
        let of_run_1 = claimed.iter().filter(|j| j.run_id == Some(1)).count() as u64;
        assert!(of_run_1 > 0);
        assert_eq!(progress(&store, 1).unwrap().in_flight, of_run_1);
        assert_eq!(
            progress(&store, 2).unwrap().in_flight,
            3 - of_run_1,
            "another run's jobs are its own"
        );
    }

    #[test]
    fn the_history_shows_the_connected_portals_runs() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("db")).unwrap();
        for portal in [1, 2, 1] {
            store
                .conn()
                .execute(
                    "INSERT INTO runs (portal_id, list_id, list_name, status, total, created_at)
                     VALUES (?1, '7', 'Q3', 'paused', 10, 0)",
                    [portal],
                )
                .unwrap();
        }
        let ids = |runs: Vec<RunSummary>| runs.iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(
            ids(history(&store, 10).unwrap()),
            [3, 2, 1],
            "nothing connected: all"
        );
        let mut info = crate::connection::ConnectionInfo {
            portal_id: 2,
            app_id: 9,
            ui_domain: None,
            auth: crate::connection::AuthKind::PrivateApp,
            relay_url: None,
            scopes: Vec::new(),
        };
        Settings::new(store.clone())
            .set::<Connection>(&Some(info.clone()))
            .unwrap();
        assert_eq!(ids(history(&store, 10).unwrap()), [2]);
        info.portal_id = 1;
        Settings::new(store.clone())
            .set::<Connection>(&Some(info))
            .unwrap();
        assert_eq!(ids(history(&store, 10).unwrap()), [3, 1]);
        assert_eq!(ids(history(&store, 1).unwrap()), [3]);
    }
}
