//! What changed in the store since the last look, so a shell can push live updates (Tauri
//! events, the tray, notifications) instead of its UI polling. A snapshot is a handful of
//! indexed counts and max ids (well under a millisecond at millions of rows); it sees writes
//! from this process and from others (the CLI, a second engine) alike.

use rusqlite::{Connection, params};
use serde::Serialize;
use ts_rs::TS;

use crate::EngineError;

/// The figures compared between two looks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub pending_reviews: u64,
    pub max_review_id: i64,
    pub max_audit_id: i64,
    pub active_jobs: u64,
}

impl Snapshot {
    pub fn read(conn: &Connection) -> Result<Self, EngineError> {
        let mut stmt = conn.prepare_cached(
            "SELECT (SELECT count(*) FROM reviews WHERE status = 'pending'),
                    (SELECT coalesce(max(id), 0) FROM reviews),
                    (SELECT coalesce(max(id), 0) FROM audit),
                    (SELECT count(*) FROM jobs WHERE status IN ('queued', 'running'))",
        )?;
        Ok(stmt.query_row(params![], |r| {
            Ok(Self {
                pending_reviews: r.get::<_, i64>(0)?.max(0) as u64,
                max_review_id: r.get(1)?,
                max_audit_id: r.get(2)?,
                active_jobs: r.get::<_, i64>(3)?.max(0) as u64,
            })
        })?)
    }
}

/// Pending reviews changed (raised, approved, rejected, superseded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ReviewsChanged {
    #[ts(type = "number")]
    pub pending: u64,
    /// Reviews raised since the last look that still wait (for one grouped notification).
    #[ts(type = "number")]
    pub raised: u64,
}

/// New audit rows were written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AuditAppended {
    #[ts(type = "number")]
    pub last_id: i64,
    #[ts(type = "number")]
    pub new_rows: u64,
}

/// Queued or running jobs changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct JobsChanged {
    #[ts(type = "number")]
    pub active: u64,
}

/// Everything that changed between two looks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub reviews: Option<ReviewsChanged>,
    pub audit: Option<AuditAppended>,
    pub jobs: Option<JobsChanged>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.reviews.is_none() && self.audit.is_none() && self.jobs.is_none()
    }
}

/// Remembers the last snapshot and reports differences.
#[derive(Debug, Default)]
pub struct ChangeWatcher {
    last: Option<Snapshot>,
}

impl ChangeWatcher {
    /// A watcher that reports only what changes after `start`.
    pub fn from(start: Snapshot) -> Self {
        Self { last: Some(start) }
    }

    /// Takes a new snapshot and returns what changed (everything, on the first look).
    pub fn poll(&mut self, conn: &Connection) -> Result<Changes, EngineError> {
        let now = Snapshot::read(conn)?;
        let before = self.last.unwrap_or_default();
        let first = self.last.is_none();
        let mut changes = Changes::default();
        if first
            || now.pending_reviews != before.pending_reviews
            || now.max_review_id != before.max_review_id
        {
            let raised = if now.max_review_id > before.max_review_id {
                let n: i64 = conn.query_row(
                    "SELECT count(*) FROM reviews WHERE id > ?1 AND status = 'pending'",
                    params![before.max_review_id],
                    |r| r.get(0),
                )?;
                n.max(0) as u64
            } else {
                0
            };
            changes.reviews = Some(ReviewsChanged {
                pending: now.pending_reviews,
                raised: if first { 0 } else { raised },
            });
        }
        if first || now.max_audit_id != before.max_audit_id {
            changes.audit = Some(AuditAppended {
                last_id: now.max_audit_id,
                new_rows: (now.max_audit_id - before.max_audit_id).max(0) as u64,
            });
        }
        if first || now.active_jobs != before.active_jobs {
            changes.jobs = Some(JobsChanged {
                active: now.active_jobs,
            });
        }
        self.last = Some(now);
        Ok(changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::audit::{self, AuditRecord, Outcome};
    use crate::reviews::{self, NewReview, ReviewKind, ReviewStatus};
    use crate::writer::Writer;

    fn raise(conn: &Connection, contact: u64) -> i64 {
        let w = Writer::Person {
            user_id: Some(1),
            source_type: "CRM_UI".into(),
        };
        reviews::raise(
            conn,
            &NewReview {
                portal_id: 1,
                contact_id: contact,
                property: "ai_summary",
                kind: ReviewKind::Guarded,
                human_value: "h",
                human_writer: &w,
                human_at: 1,
                proposed_value: "p",
                correlation_id: "c",
                input_hash: "x",
                model: "m",
            },
            2,
        )
        .unwrap()
        .unwrap()
    }

    #[test]
    fn reports_raised_reviews_once_and_new_audit_rows() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("db")).unwrap();
        let conn = store.conn();
        let mut w = ChangeWatcher::default();
        let first = w.poll(&conn).unwrap();
        assert_eq!(
            first.reviews.unwrap().raised,
            0,
            "the first look only states the counts"
        );
        assert!(w.poll(&conn).unwrap().is_empty(), "nothing changed");

        raise(&conn, 1);
        let second = raise(&conn, 2);
        audit::insert(
            &conn,
            &AuditRecord {
                correlation_id: "c".into(),
                portal_id: 1,
                contact_id: 1,
                trigger: "live".into(),
                outcome: Some(Outcome::Guarded),
                ..Default::default()
            },
            3,
        )
        .unwrap();
        let c = w.poll(&conn).unwrap();
        assert_eq!(
            c.reviews,
            Some(ReviewsChanged {
                pending: 2,
                raised: 2
            })
        );
        assert_eq!(c.audit.unwrap().new_rows, 1);
        assert!(c.jobs.is_none());

        reviews::resolve(&conn, second, ReviewStatus::Rejected, None, 4).unwrap();
        let c = w.poll(&conn).unwrap();
        assert_eq!(
            c.reviews,
            Some(ReviewsChanged {
                pending: 1,
                raised: 0
            })
        );
        assert!(c.audit.is_none());
    }
}
