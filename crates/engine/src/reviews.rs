//! Review items: AI proposals held back because a person's value is newer than Steward's last
//! write (or because a person's edit slipped in between our check and our write). The admin
//! approves (the AI value is written), rejects (the person's value stays and the same proposal
//! is never raised again) or edits and approves.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::EngineError;
use crate::writer::Writer;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ReviewKind {
    /// The guard blocked the write: a person's value is newer than our last write.
    Guarded,
    /// A person's edit landed between our check and our write; we restored it.
    Conflict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ReviewStatus {
    Pending,
    Approved,
    Rejected,
    /// A newer proposal for the same field replaced this one.
    Superseded,
}

impl ReviewStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Superseded => "superseded",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "approved" => Self::Approved,
            "rejected" => Self::Rejected,
            "superseded" => Self::Superseded,
            _ => Self::Pending,
        }
    }
}

/// One review item, as the Reviews screen and the CLI show it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Review {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub portal_id: u64,
    #[ts(type = "number")]
    pub contact_id: u64,
    pub property: String,
    pub kind: ReviewKind,
    pub human_value: Option<String>,
    pub human_writer: Option<Writer>,
    #[ts(type = "number | null")]
    pub human_at: Option<i64>,
    pub proposed_value: Option<String>,
    pub correlation_id: String,
    pub input_hash: String,
    pub model: Option<String>,
    pub status: ReviewStatus,
    pub resolved_value: Option<String>,
    #[ts(type = "number | null")]
    pub resolved_at: Option<i64>,
    #[ts(type = "number")]
    pub created_at: i64,
}

/// What the pipeline knows when it holds a value back.
pub struct NewReview<'a> {
    pub portal_id: u64,
    pub contact_id: u64,
    pub property: &'a str,
    pub kind: ReviewKind,
    pub human_value: &'a str,
    pub human_writer: &'a Writer,
    pub human_at: i64,
    pub proposed_value: &'a str,
    pub correlation_id: &'a str,
    pub input_hash: &'a str,
    pub model: &'a str,
}

/// Raises a review unless one for the same field and input hash exists already (pending,
/// approved or rejected — a rejected proposal is never raised again). Older pending reviews
/// of the same field are superseded. Returns the new id, if one was raised.
pub fn raise(
    conn: &Connection,
    r: &NewReview<'_>,
    now_ms: i64,
) -> Result<Option<i64>, EngineError> {
    let writer = serde_json::to_string(r.human_writer).unwrap_or_default();
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO reviews (portal_id, contact_id, property, kind, human_value,
            human_writer, human_user_id, human_at, proposed_value,
            correlation_id, input_hash, model, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'pending', ?13)",
        params![
            r.portal_id as i64,
            r.contact_id as i64,
            r.property,
            match r.kind {
                ReviewKind::Guarded => "guarded",
                ReviewKind::Conflict => "conflict",
            },
            r.human_value,
            writer,
            match r.human_writer {
                Writer::Person { user_id, .. } => user_id.map(|u| u as i64),
                _ => None,
            },
            r.human_at,
            r.proposed_value,
            r.correlation_id,
            r.input_hash,
            r.model,
            now_ms,
        ],
    )?;
    if inserted == 0 {
        return Ok(None);
    }
    let id = conn.last_insert_rowid();
    conn.execute(
        "UPDATE reviews SET status = 'superseded', resolved_at = ?4
         WHERE portal_id = ?1 AND contact_id = ?2 AND property = ?3 AND status = 'pending' AND id <> ?5",
        params![r.portal_id as i64, r.contact_id as i64, r.property, now_ms, id],
    )?;
    Ok(Some(id))
}

/// Whether the admin rejected this exact proposal (same field, same inputs) before.
pub fn was_rejected(
    conn: &Connection,
    portal_id: u64,
    contact_id: u64,
    property: &str,
    input_hash: &str,
) -> Result<bool, EngineError> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM reviews WHERE portal_id = ?1 AND contact_id = ?2 AND property = ?3
           AND input_hash = ?4 AND status = 'rejected'",
        params![portal_id as i64, contact_id as i64, property, input_hash],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

/// Filters for the Reviews screen.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
pub struct ReviewFilter {
    pub status: Option<ReviewStatus>,
    pub property: Option<String>,
    #[ts(type = "number | null")]
    pub contact_id: Option<u64>,
    /// Only items created before this time (for "older than a day").
    #[ts(type = "number | null")]
    pub created_before_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub limit: Option<u32>,
}

pub fn list(conn: &Connection, f: &ReviewFilter) -> Result<Vec<Review>, EngineError> {
    let status = f.status.unwrap_or(ReviewStatus::Pending).as_str();
    let limit = f.limit.unwrap_or(500).min(10_000);
    let mut stmt = conn.prepare_cached(
        "SELECT * FROM reviews WHERE status = ?1
           AND (?2 IS NULL OR property = ?2)
           AND (?3 IS NULL OR contact_id = ?3)
           AND (?4 IS NULL OR created_at < ?4)
         ORDER BY created_at DESC, id DESC LIMIT ?5",
    )?;
    let rows = stmt.query_map(
        params![
            status,
            f.property,
            f.contact_id.map(|c| c as i64),
            f.created_before_ms,
            limit
        ],
        read_row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Review>, EngineError> {
    Ok(conn
        .query_row("SELECT * FROM reviews WHERE id = ?1", params![id], read_row)
        .optional()?)
}

/// Marks a pending review approved or rejected. Returns false if it was no longer pending.
pub fn resolve(
    conn: &Connection,
    id: i64,
    status: ReviewStatus,
    resolved_value: Option<&str>,
    now_ms: i64,
) -> Result<bool, EngineError> {
    let n = conn.execute(
        "UPDATE reviews SET status = ?2, resolved_value = ?3, resolved_at = ?4
         WHERE id = ?1 AND status = 'pending'",
        params![id, status.as_str(), resolved_value, now_ms],
    )?;
    Ok(n == 1)
}

/// Points a pending review at a newer person's value (an edit that landed while the review was
/// being approved), so the admin decides against what HubSpot holds now.
pub fn refresh_human(
    conn: &Connection,
    id: i64,
    value: &str,
    writer: &Writer,
    at_ms: i64,
) -> Result<(), EngineError> {
    let user = match writer {
        Writer::Person { user_id, .. } => user_id.map(|u| u as i64),
        _ => None,
    };
    conn.execute(
        "UPDATE reviews SET human_value = ?2, human_writer = ?3, human_user_id = ?4, human_at = ?5
         WHERE id = ?1 AND status = 'pending'",
        params![
            id,
            value,
            serde_json::to_string(writer).unwrap_or_default(),
            user,
            at_ms
        ],
    )?;
    Ok(())
}

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Review> {
    let kind: String = row.get("kind")?;
    let status: String = row.get("status")?;
    let writer: Option<String> = row.get("human_writer")?;
    Ok(Review {
        id: row.get("id")?,
        portal_id: row.get::<_, i64>("portal_id")? as u64,
        contact_id: row.get::<_, i64>("contact_id")? as u64,
        property: row.get("property")?,
        kind: if kind == "conflict" {
            ReviewKind::Conflict
        } else {
            ReviewKind::Guarded
        },
        human_value: row.get("human_value")?,
        human_writer: writer.and_then(|w| serde_json::from_str(&w).ok()),
        human_at: row.get("human_at")?,
        proposed_value: row.get("proposed_value")?,
        correlation_id: row.get("correlation_id")?,
        input_hash: row.get("input_hash")?,
        model: row.get("model")?,
        status: ReviewStatus::parse(&status),
        resolved_value: row.get("resolved_value")?,
        resolved_at: row.get("resolved_at")?,
        created_at: row.get("created_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    fn new<'a>(hash: &'a str, writer: &'a Writer) -> NewReview<'a> {
        NewReview {
            portal_id: 1,
            contact_id: 2,
            property: "ai_summary",
            kind: ReviewKind::Guarded,
            human_value: "typed by Ann",
            human_writer: writer,
            human_at: 5,
            proposed_value: "AI text",
            correlation_id: "cid",
            input_hash: hash,
            model: "m",
        }
    }

    #[test]
    fn same_proposal_is_raised_once_and_never_after_rejection() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("db")).unwrap();
        let conn = store.conn();
        let ann = Writer::Person {
            user_id: Some(42),
            source_type: "CRM_UI".into(),
        };
        let id = raise(&conn, &new("h1", &ann), 10).unwrap().unwrap();
        assert_eq!(
            raise(&conn, &new("h1", &ann), 11).unwrap(),
            None,
            "duplicate"
        );
        let r = get(&conn, id).unwrap().unwrap();
        assert_eq!(r.human_writer, Some(ann.clone()));
        assert_eq!(r.status, ReviewStatus::Pending);
        assert!(resolve(&conn, id, ReviewStatus::Rejected, None, 12).unwrap());
        assert!(
            !resolve(&conn, id, ReviewStatus::Approved, None, 13).unwrap(),
            "only once"
        );
        assert!(was_rejected(&conn, 1, 2, "ai_summary", "h1").unwrap());
        assert_eq!(
            raise(&conn, &new("h1", &ann), 14).unwrap(),
            None,
            "rejected stays rejected"
        );
        assert!(
            raise(&conn, &new("h2", &ann), 15).unwrap().is_some(),
            "new inputs, new proposal"
        );
    }

    #[test]
    fn a_conflict_is_raised_even_beside_a_guarded_review_of_the_same_inputs() {
        // Found by the model test: the unique key swallowed the conflict review.
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("db")).unwrap();
        let conn = store.conn();
        let ann = Writer::Person {
            user_id: Some(42),
            source_type: "CRM_UI".into(),
        };
        raise(&conn, &new("h1", &ann), 10).unwrap().unwrap();
        let mut conflict = new("h1", &ann);
        conflict.kind = ReviewKind::Conflict;
        assert!(raise(&conn, &conflict, 11).unwrap().is_some());
    }

    #[test]
    fn a_newer_proposal_supersedes_the_pending_one() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("db")).unwrap();
        let conn = store.conn();
        let ann = Writer::Person {
            user_id: Some(42),
            source_type: "CRM_UI".into(),
        };
        let first = raise(&conn, &new("h1", &ann), 10).unwrap().unwrap();
        let second = raise(&conn, &new("h2", &ann), 11).unwrap().unwrap();
        assert_eq!(
            get(&conn, first).unwrap().unwrap().status,
            ReviewStatus::Superseded
        );
        let pending = list(&conn, &ReviewFilter::default()).unwrap();
        assert_eq!(
            pending.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![second]
        );
        let none = list(
            &conn,
            &ReviewFilter {
                property: Some("ai_model".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(none.is_empty());
    }
}
