//! The local job queue: one queued job per (portal, contact), so a burst of webhooks for one
//! contact becomes one round trip. Jobs live in SQLite, survive restarts, and are retried with
//! backoff. Live events carry a higher priority than batch runs.

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::EngineError;

/// Why a job exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    Live,
    Batch,
    Manual,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Batch => "batch",
            Self::Manual => "manual",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "batch" => Self::Batch,
            "manual" => Self::Manual,
            _ => Self::Live,
        }
    }
    /// Live and manual work goes before batch work.
    pub fn priority(self) -> i64 {
        match self {
            Self::Live | Self::Manual => 10,
            Self::Batch => 0,
        }
    }
}

/// A claimed job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub portal_id: u64,
    pub contact_id: u64,
    pub trigger: Trigger,
    pub trigger_ref: Option<String>,
    pub run_id: Option<i64>,
    pub attempts: u32,
}

/// Longest `trigger_ref` kept when events coalesce (event ids are appended).
const MAX_TRIGGER_REF: i64 = 2_000;

/// Work to queue for one contact.
#[derive(Debug, Clone, Copy)]
pub struct NewJob<'a> {
    pub portal_id: u64,
    pub contact_id: u64,
    pub trigger: Trigger,
    pub trigger_ref: Option<&'a str>,
    pub run_id: Option<i64>,
    /// Not before this time (the debounce).
    pub not_before_ms: i64,
}

/// Queues work for a contact, or folds it into the job already queued for that contact
/// (extending its debounce, raising its priority, appending the trigger reference).
pub fn enqueue(conn: &Connection, job: &NewJob<'_>, now_ms: i64) -> Result<(), EngineError> {
    let NewJob {
        portal_id,
        contact_id,
        trigger,
        trigger_ref,
        run_id,
        not_before_ms,
    } = *job;
    conn.execute(
        "INSERT INTO jobs (portal_id, contact_id, trigger, trigger_ref, run_id, priority, status,
                           not_before, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?8, ?8)
         ON CONFLICT (portal_id, contact_id) WHERE status = 'queued' DO UPDATE SET
           not_before  = max(jobs.not_before, excluded.not_before),
           trigger     = CASE WHEN excluded.priority > jobs.priority THEN excluded.trigger ELSE jobs.trigger END,
           priority    = max(jobs.priority, excluded.priority),
           run_id      = coalesce(jobs.run_id, excluded.run_id),
           trigger_ref = substr(CASE
                           WHEN jobs.trigger_ref IS NULL THEN excluded.trigger_ref
                           WHEN excluded.trigger_ref IS NULL THEN jobs.trigger_ref
                           ELSE jobs.trigger_ref || ',' || excluded.trigger_ref END, 1, ?9),
           updated_at  = excluded.updated_at",
        params![
            portal_id as i64,
            contact_id as i64,
            trigger.as_str(),
            trigger_ref,
            run_id,
            trigger.priority(),
            not_before_ms,
            now_ms,
            MAX_TRIGGER_REF
        ],
    )?;
    Ok(())
}

/// Claims up to `max` ready jobs of `portal_id` (highest priority, oldest first) and marks them
/// running. A contact whose job is already running is skipped, so one contact is never in two
/// round trips at once.
pub fn claim_for_portal(
    conn: &Connection,
    portal_id: u64,
    max: usize,
    now_ms: i64,
) -> Result<Vec<Job>, EngineError> {
    claim_where(conn, Some(portal_id), max, now_ms)
}

/// [`claim_for_portal`] across every portal (tests and tools).
pub fn claim(conn: &Connection, max: usize, now_ms: i64) -> Result<Vec<Job>, EngineError> {
    claim_where(conn, None, max, now_ms)
}

fn claim_where(
    conn: &Connection,
    portal_id: Option<u64>,
    max: usize,
    now_ms: i64,
) -> Result<Vec<Job>, EngineError> {
    let mut stmt = conn.prepare_cached(
        "UPDATE jobs SET status = 'running', attempts = attempts + 1, updated_at = ?1
         WHERE id IN (SELECT q.id FROM jobs q WHERE q.status = 'queued' AND q.not_before <= ?1
                        AND (?3 IS NULL OR q.portal_id = ?3)
                        AND (q.run_id IS NULL OR q.priority > 0 OR NOT EXISTS (SELECT 1 FROM runs u
                             WHERE u.id = q.run_id AND u.status = 'paused'))
                        AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.status = 'running'
                                        AND r.portal_id = q.portal_id AND r.contact_id = q.contact_id)
                      ORDER BY q.priority DESC, q.not_before, q.id LIMIT ?2)
         RETURNING id, portal_id, contact_id, trigger, trigger_ref, run_id, attempts",
    )?;
    let rows = stmt.query_map(
        params![now_ms, max as i64, portal_id.map(|p| p as i64)],
        |r| {
            let trigger: String = r.get(3)?;
            Ok(Job {
                id: r.get(0)?,
                portal_id: r.get::<_, i64>(1)? as u64,
                contact_id: r.get::<_, i64>(2)? as u64,
                trigger: Trigger::parse(&trigger),
                trigger_ref: r.get(4)?,
                run_id: r.get(5)?,
                attempts: r.get::<_, i64>(6)?.max(0) as u32,
            })
        },
    )?;
    let mut jobs: Vec<Job> = rows.collect::<Result<_, _>>()?;
    jobs.sort_by_key(|j| j.id);
    Ok(jobs)
}

pub fn complete(conn: &Connection, id: i64, now_ms: i64) -> Result<(), EngineError> {
    conn.execute(
        "UPDATE jobs SET status = 'done', last_error = NULL, updated_at = ?2 WHERE id = ?1",
        params![id, now_ms],
    )?;
    Ok(())
}

/// Puts a failed job back with a delay, or marks it failed once `max_attempts` is reached.
/// If new work for the contact was queued meanwhile, that job absorbs the retry. Returns
/// whether it will be retried.
pub fn retry_or_fail(
    conn: &Connection,
    job: &Job,
    error: &str,
    retry_at_ms: i64,
    max_attempts: u32,
    now_ms: i64,
) -> Result<bool, EngineError> {
    if job.attempts >= max_attempts {
        conn.execute(
            "UPDATE jobs SET status = 'failed', last_error = ?2, updated_at = ?3 WHERE id = ?1",
            params![job.id, error, now_ms],
        )?;
        return Ok(false);
    }
    let queued_twin: i64 = conn.query_row(
        "SELECT count(*) FROM jobs WHERE portal_id = ?1 AND contact_id = ?2 AND status = 'queued'",
        params![job.portal_id as i64, job.contact_id as i64],
        |r| r.get(0),
    )?;
    if queued_twin > 0 {
        conn.execute(
            "UPDATE jobs SET status = 'done', last_error = ?2, updated_at = ?3 WHERE id = ?1",
            params![job.id, error, now_ms],
        )?;
    } else {
        conn.execute(
            "UPDATE jobs SET status = 'queued', last_error = ?2, not_before = ?3, updated_at = ?4
             WHERE id = ?1",
            params![job.id, error, retry_at_ms, now_ms],
        )?;
    }
    Ok(true)
}

/// `last_error` of a job put back because enrichment paused (reconnect, LLM settings, budget).
/// It marks the job so a fresh engine — after a reconnect or a restart — tries it at once
/// instead of waiting out the pause's retry delay.
pub const HELD_BY_PAUSE: &str = "held: enrichment was paused";

/// Puts a job back without using up an attempt (enrichment is paused, not failing).
pub fn defer(conn: &Connection, job: &Job, until_ms: i64, now_ms: i64) -> Result<(), EngineError> {
    let queued_twin: i64 = conn.query_row(
        "SELECT count(*) FROM jobs WHERE portal_id = ?1 AND contact_id = ?2 AND status = 'queued'",
        params![job.portal_id as i64, job.contact_id as i64],
        |r| r.get(0),
    )?;
    if queued_twin > 0 {
        conn.execute(
            "UPDATE jobs SET status = 'done', last_error = 'deferred; merged into a queued job', updated_at = ?2 WHERE id = ?1",
            params![job.id, now_ms],
        )?;
    } else {
        conn.execute(
            "UPDATE jobs SET status = 'queued', attempts = max(attempts - 1, 0), not_before = ?2, updated_at = ?3,
                             last_error = ?4
             WHERE id = ?1",
            params![job.id, until_ms, now_ms, HELD_BY_PAUSE],
        )?;
    }
    Ok(())
}

/// Makes every job held back by a pause ready now. A new engine calls it at start: the pause
/// that held them belonged to the engine before (a reconnect replaces it), and if the cause is
/// still there the first job simply pauses again.
pub fn release_held(conn: &Connection, now_ms: i64) -> Result<usize, EngineError> {
    Ok(conn.execute(
        "UPDATE jobs SET not_before = ?1, updated_at = ?1
         WHERE status = 'queued' AND last_error = ?2 AND not_before > ?1",
        params![now_ms, HELD_BY_PAUSE],
    )?)
}

/// After a crash, jobs left `running` go back to the queue (or fold into a queued twin).
/// A re-run is safe: the input hash stored on the record makes a finished write a no-op.
pub fn recover_running(conn: &Connection, now_ms: i64) -> Result<usize, EngineError> {
    let folded = conn.execute(
        "UPDATE jobs SET status = 'done', last_error = 'interrupted; merged into a queued job', updated_at = ?1
         WHERE status = 'running' AND EXISTS (SELECT 1 FROM jobs q WHERE q.status = 'queued'
               AND q.portal_id = jobs.portal_id AND q.contact_id = jobs.contact_id)",
        params![now_ms],
    )?;
    let requeued = conn.execute(
        "UPDATE jobs SET status = 'queued', not_before = ?1, updated_at = ?1 WHERE status = 'running'",
        params![now_ms],
    )?;
    Ok(folded + requeued)
}

/// Jobs waiting or running, for progress and idleness checks.
pub fn outstanding(conn: &Connection) -> Result<u64, EngineError> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')",
        [],
        |r| r.get(0),
    )?;
    Ok(n.max(0) as u64)
}

/// Jobs the worker can still get to: waiting or running, except the batch jobs of paused runs
/// (the `--until-idle` check; a paused run must not keep the engine up).
pub fn workable(conn: &Connection) -> Result<u64, EngineError> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM jobs q WHERE q.status IN ('queued', 'running')
           AND (q.run_id IS NULL OR q.priority > 0 OR q.status = 'running'
                OR NOT EXISTS (SELECT 1 FROM runs u WHERE u.id = q.run_id AND u.status = 'paused'))",
        [],
        |r| r.get(0),
    )?;
    Ok(n.max(0) as u64)
}

/// Ready jobs of `portal_id` with live priority (live events, "Re-enrich now"), so the worker
/// can start them while batch chunks fill every regular slot.
pub fn ready_live(conn: &Connection, portal_id: u64, now_ms: i64) -> Result<u64, EngineError> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM jobs q WHERE q.status = 'queued' AND q.priority > 0
           AND q.portal_id = ?1 AND q.not_before <= ?2
           AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.status = 'running'
                           AND r.portal_id = q.portal_id AND r.contact_id = q.contact_id)",
        params![portal_id as i64, now_ms],
        |r| r.get(0),
    )?;
    Ok(n.max(0) as u64)
}

/// The earliest time a claimable queued job becomes ready, so the worker can sleep until then
/// (the batch jobs of paused runs are not claimable).
pub fn next_ready_at(conn: &Connection) -> Result<Option<i64>, EngineError> {
    Ok(conn.query_row(
        "SELECT min(q.not_before) FROM jobs q WHERE q.status = 'queued'
           AND (q.run_id IS NULL OR q.priority > 0 OR NOT EXISTS (SELECT 1 FROM runs u
                WHERE u.id = q.run_id AND u.status = 'paused'))",
        [],
        |r| r.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    /// A job for `contact_id` on portal 1, due at once, of no run.
    fn job(contact_id: u64, trigger: Trigger) -> NewJob<'static> {
        NewJob {
            portal_id: 1,
            contact_id,
            trigger,
            trigger_ref: None,
            run_id: None,
            not_before_ms: 0,
        }
    }

    fn store() -> (tempfile::TempDir, Store) {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("db")).unwrap();
        (tmp, store)
    }

    #[test]
    fn a_burst_for_one_contact_is_one_job() {
        let (_t, store) = store();
        let conn = store.conn();
        for i in 0..20 {
            let event = format!("e{i}");
            let job = NewJob {
                trigger_ref: Some(&event),
                not_before_ms: 100 + i,
                ..job(7, Trigger::Live)
            };
            enqueue(&conn, &job, 50).unwrap();
        }
        assert!(
            claim(&conn, 10, 110).unwrap().is_empty(),
            "debounce extended to 119"
        );
        let jobs = claim(&conn, 10, 119).unwrap();
        assert_eq!(jobs.len(), 1);
        assert_eq!(
            jobs[0].trigger_ref.as_deref().unwrap().split(',').count(),
            20
        );
        // While it runs, a new event queues a second job for the same contact.
        enqueue(
            &conn,
            &NewJob {
                trigger_ref: Some("late"),
                not_before_ms: 200,
                ..job(7, Trigger::Live)
            },
            150,
        )
        .unwrap();
        assert_eq!(outstanding(&conn).unwrap(), 2);
    }

    #[test]
    fn live_work_goes_before_batch_work_and_upgrades_it() {
        let (_t, store) = store();
        let conn = store.conn();
        enqueue(&conn, &job(1, Trigger::Batch), 0).unwrap();
        enqueue(&conn, &job(2, Trigger::Live), 0).unwrap();
        let first = claim(&conn, 1, 10).unwrap();
        assert_eq!(first[0].contact_id, 2);
        enqueue(&conn, &job(3, Trigger::Batch), 0).unwrap();
        enqueue(
            &conn,
            &NewJob {
                trigger_ref: Some("ev"),
                ..job(3, Trigger::Live)
            },
            0,
        )
        .unwrap();
        let next = claim(&conn, 1, 10).unwrap();
        assert_eq!((next[0].contact_id, next[0].trigger), (3, Trigger::Live));
    }

    #[test]
    fn retries_back_off_then_fail() {
        let (_t, store) = store();
        let conn = store.conn();
        enqueue(&conn, &job(1, Trigger::Live), 0).unwrap();
        let job = claim(&conn, 1, 0).unwrap().remove(0);
        assert!(retry_or_fail(&conn, &job, "timeout", 1_000, 2, 0).unwrap());
        assert!(claim(&conn, 1, 999).unwrap().is_empty());
        let job = claim(&conn, 1, 1_000).unwrap().remove(0);
        assert_eq!(job.attempts, 2);
        assert!(!retry_or_fail(&conn, &job, "timeout", 2_000, 2, 0).unwrap());
        assert_eq!(outstanding(&conn).unwrap(), 0);
    }

    #[test]
    fn a_contact_in_flight_is_not_claimed_twice() {
        let (_t, store) = store();
        let conn = store.conn();
        let job = job(9, Trigger::Live);
        enqueue(&conn, &job, 0).unwrap();
        let first = claim(&conn, 5, 0).unwrap();
        enqueue(&conn, &job, 0).unwrap();
        assert!(claim(&conn, 5, 0).unwrap().is_empty(), "still running");
        complete(&conn, first[0].id, 1).unwrap();
        assert_eq!(claim_for_portal(&conn, 1, 5, 1).unwrap().len(), 1);
        assert!(claim_for_portal(&conn, 2, 5, 1).unwrap().is_empty());
    }

    #[test]
    fn deferring_keeps_the_attempt() {
        let (_t, store) = store();
        let conn = store.conn();
        let job = job(9, Trigger::Live);
        enqueue(&conn, &job, 0).unwrap();
        let claimed = claim(&conn, 5, 0).unwrap().remove(0);
        defer(&conn, &claimed, 100, 0).unwrap();
        assert!(claim(&conn, 5, 99).unwrap().is_empty());
        assert_eq!(claim(&conn, 5, 100).unwrap()[0].attempts, 1);
    }

    #[test]
    fn a_new_engine_releases_jobs_held_by_a_pause_but_not_retries_or_debounces() {
        let (_t, store) = store();
        let conn = store.conn();
        let new = |contact_id, not_before_ms| NewJob {
            portal_id: 1,
            contact_id,
            trigger: Trigger::Live,
            trigger_ref: None,
            run_id: None,
            not_before_ms,
        };
        enqueue(&conn, &new(1, 0), 0).unwrap();
        enqueue(&conn, &new(2, 0), 0).unwrap();
        let mut claimed = claim(&conn, 2, 0).unwrap();
        claimed.sort_by_key(|j| j.contact_id);
        defer(&conn, &claimed[0], 60_000, 10).unwrap(); // held by a pause
        retry_or_fail(&conn, &claimed[1], "HubSpot answered 503", 60_000, 5, 10).unwrap();
        enqueue(&conn, &new(3, 60_000), 10).unwrap(); // debounced live event

        assert_eq!(release_held(&conn, 20).unwrap(), 1);
        let ready = claim(&conn, 5, 20).unwrap();
        assert_eq!(
            ready.iter().map(|j| j.contact_id).collect::<Vec<_>>(),
            vec![1]
        );
        assert_eq!(ready[0].attempts, 1, "a held job keeps its attempts");
        assert_eq!(release_held(&conn, 20).unwrap(), 0, "nothing else is held");
    }

    #[test]
    fn running_jobs_survive_a_crash() {
        let (_t, store) = store();
        let conn = store.conn();
        enqueue(&conn, &job(1, Trigger::Live), 0).unwrap();
        enqueue(&conn, &job(2, Trigger::Live), 0).unwrap();
        let claimed = claim(&conn, 2, 0).unwrap();
        assert_eq!(claimed.len(), 2);
        enqueue(&conn, &job(2, Trigger::Live), 0).unwrap(); // queued twin for 2
        assert_eq!(recover_running(&conn, 5).unwrap(), 2);
        let again = claim(&conn, 10, 5).unwrap();
        assert_eq!(
            again.iter().map(|j| j.contact_id).collect::<Vec<_>>(),
            vec![1, 2]
        );
    }
}
