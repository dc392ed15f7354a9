//! The run table's rules, against a real SQLite file.

use super::*;
use crate::Store;
use crate::jobs;

fn store_with_run() -> (tempfile::TempDir, Store, i64) {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path().join("db")).unwrap();
    store
        .conn()
        .execute(
            "INSERT INTO runs (portal_id, list_id, list_name, status, created_at)
             VALUES (1, '7', 'Q3', 'running', 0)",
            [],
        )
        .unwrap();
    let id = store.conn().last_insert_rowid();
    (tmp, store, id)
}

fn page<'a>(cursor: Option<&'a str>, ids: &'a [u64], next: Option<&'a str>) -> MemberPage<'a> {
    MemberPage {
        cursor,
        contact_ids: ids,
        next,
    }
}

fn status(store: &Store, id: i64) -> String {
    store
        .conn()
        .query_row("SELECT status FROM runs WHERE id = ?1", [id], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_run_completes_when_paging_is_done_and_its_jobs_are_settled() {
    let (_t, store, run) = store_with_run();
    let mut conn = store.conn();
    assert_eq!(
        enqueue_page(&mut conn, run, 1, &page(None, &[10, 11], Some("11")), 5).unwrap(),
        2
    );
    assert_eq!(
        enqueue_page(&mut conn, run, 1, &page(None, &[10, 11], Some("11")), 5).unwrap(),
        0,
        "a page read at a cursor that has moved on is not queued twice"
    );
    assert!(
        !finish_if_drained(&conn, run, 6).unwrap(),
        "paging not done"
    );
    assert_eq!(feeding(&conn, 1).unwrap()[0].cursor.as_deref(), Some("11"));
    assert_eq!(feeding(&conn, 1).unwrap()[0].queued, 2);
    enqueue_page(&mut conn, run, 1, &page(Some("11"), &[12], None), 7).unwrap();
    assert!(feeding(&conn, 1).unwrap().is_empty());
    let claimed = jobs::claim(&conn, 10, 10).unwrap();
    assert_eq!(claimed.len(), 3);
    assert!(claimed.iter().all(|j| j.run_id == Some(run)));
    for j in &claimed[..2] {
        jobs::complete(&conn, j.id, 11).unwrap();
        record_result(&conn, run, Outcome::Written, 5).unwrap();
    }
    assert!(
        !finish_if_drained(&conn, run, 12).unwrap(),
        "one job running"
    );
    jobs::complete(&conn, claimed[2].id, 13).unwrap();
    record_result(&conn, run, Outcome::Unchanged, 0).unwrap();
    assert!(finish_if_drained(&conn, run, 14).unwrap());
    drop(conn);
    assert_eq!(status(&store, run), "completed");
    let (total, done, unchanged, cost): (i64, i64, i64, i64) = store
        .conn()
        .query_row(
            "SELECT total, done, unchanged, cost_micros FROM runs WHERE id = ?1",
            [run],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!((total, done, unchanged, cost), (3, 2, 1, 10));
}

#[test]
fn cancelling_drops_queued_batch_jobs_but_keeps_live_work() {
    let (_t, store, run) = store_with_run();
    let mut conn = store.conn();
    enqueue_page(&mut conn, run, 1, &page(None, &[10, 11], Some("11")), 0).unwrap();
    // A live event joins contact 11's queued batch job.
    jobs::enqueue(
        &conn,
        &jobs::NewJob {
            portal_id: 1,
            contact_id: 11,
            trigger: jobs::Trigger::Live,
            trigger_ref: Some("ev1"),
            run_id: None,
            not_before_ms: 0,
        },
        0,
    )
    .unwrap();
    assert!(end(&mut conn, run, "cancelled", None, 1).unwrap());
    assert!(!end(&mut conn, run, "cancelled", None, 2).unwrap(), "once");
    let left = jobs::claim(&conn, 10, 5).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!((left[0].contact_id, left[0].run_id), (11, None));
    assert_eq!(
        enqueue_page(&mut conn, run, 1, &page(Some("11"), &[12], None), 3).unwrap(),
        0,
        "a cancelled run queues nothing more"
    );
    drop(conn);
    assert_eq!(status(&store, run), "cancelled");
}

#[test]
fn a_paused_runs_jobs_are_not_claimed_but_live_work_that_joined_them_is() {
    let (_t, store, run) = store_with_run();
    let mut conn = store.conn();
    enqueue_page(&mut conn, run, 1, &page(None, &[10, 11, 12], None), 0).unwrap();
    jobs::enqueue(
        &conn,
        &jobs::NewJob {
            portal_id: 1,
            contact_id: 12,
            trigger: jobs::Trigger::Live,
            trigger_ref: Some("ev"),
            run_id: None,
            not_before_ms: 0,
        },
        0,
    )
    .unwrap();
    assert!(set_paused(&conn, run, true, 0).unwrap());
    assert_eq!(jobs::workable(&conn).unwrap(), 1, "only the live one");
    assert_eq!(jobs::ready_live(&conn, 1, 5).unwrap(), 1);
    let claimed = jobs::claim(&conn, 10, 5).unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(
        (claimed[0].contact_id, claimed[0].trigger),
        (12, jobs::Trigger::Live)
    );
    assert_eq!(
        jobs::next_ready_at(&conn).unwrap(),
        None,
        "no busy wake-ups"
    );
    assert!(set_paused(&conn, run, false, 6).unwrap());
    assert_eq!(jobs::claim(&conn, 10, 7).unwrap().len(), 2);
}

#[test]
fn pausing_and_resuming_only_move_between_running_and_paused() {
    let (_t, store, run) = store_with_run();
    let conn = store.conn();
    assert!(!set_paused(&conn, run, false, 0).unwrap(), "not paused");
    assert!(set_paused(&conn, run, true, 0).unwrap());
    assert!(!set_paused(&conn, run, true, 0).unwrap());
    assert!(set_paused(&conn, run, false, 9).unwrap());
    let resumed: i64 = conn
        .query_row("SELECT resumed_at FROM runs WHERE id = ?1", [run], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(resumed, 9);
}
