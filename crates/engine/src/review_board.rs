//! The Reviews screen's read model and bulk actions: pending items with everything needed to
//! decide side by side (the person's value, who and when; the AI's proposal, model,
//! correlation ID and why it was held back), counts per field for the filter, and
//! approve/reject over many items at once.

use futures::StreamExt;
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::EngineError;
use crate::fields;
use crate::pipeline::PipelineContext;
use crate::review_actions::{self, ReviewError};
use crate::reviews::{self, Review, ReviewFilter, ReviewKind, ReviewStatus};

/// Filters of the Reviews screen.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export, optional_fields)]
pub struct ReviewQuery {
    /// Only this AI field.
    pub property: Option<String>,
    /// Only items raised at least this long ago (milliseconds), e.g. a day for the backlog.
    #[ts(type = "number", optional)]
    pub older_than_ms: Option<i64>,
    #[ts(type = "number", optional)]
    pub contact_id: Option<u64>,
    #[ts(type = "number", optional)]
    pub limit: Option<u32>,
}

/// One pending review, ready to show side by side.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ReviewItem {
    #[serde(flatten)]
    #[ts(flatten)]
    pub review: Review,
    /// The field's label ("AI summary").
    pub field_label: String,
    /// Who wrote the value that is kept ("user 42 (CRM_UI)").
    pub human_label: String,
    /// Why the AI value was not written, in a sentence.
    pub why_blocked: String,
}

/// How many items wait for one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FieldCount {
    pub property: String,
    pub label: String,
    #[ts(type = "number")]
    pub pending: u64,
}

/// The Reviews screen.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ReviewBoard {
    pub items: Vec<ReviewItem>,
    /// Every pending item, whatever the filter.
    #[ts(type = "number")]
    pub pending_total: u64,
    /// Pending items per field, for the field filter.
    pub by_field: Vec<FieldCount>,
}

fn label_of(property: &str) -> String {
    fields::ai_field(property)
        .map(|f| f.label.to_owned())
        .unwrap_or_else(|| property.to_owned())
}

impl ReviewItem {
    pub fn from_review(review: Review) -> Self {
        let human_label = review
            .human_writer
            .as_ref()
            .map(|w| w.label())
            .unwrap_or_else(|| "someone outside Steward".to_owned());
        // The UI shows when, in the admin's time zone; the sentence says why.
        let why_blocked = match review.kind {
            ReviewKind::Guarded => format!(
                "{human_label} changed this field after Steward's last write. The guard keeps a person's newer value; approve to replace it with the AI's."
            ),
            ReviewKind::Conflict => format!(
                "{human_label} edited this field between Steward's check and its write. Steward restored the person's value; approve to write the AI's after all."
            ),
        };
        Self {
            field_label: label_of(&review.property),
            human_label,
            why_blocked,
            review,
        }
    }
}

/// Pending items matching `q`, newest first, with the totals the screen shows.
pub fn board(conn: &Connection, q: &ReviewQuery, now_ms: i64) -> Result<ReviewBoard, EngineError> {
    let items = reviews::list(
        conn,
        &ReviewFilter {
            status: Some(ReviewStatus::Pending),
            property: q.property.clone(),
            contact_id: q.contact_id,
            created_before_ms: q.older_than_ms.map(|age| now_ms - age.max(0)),
            limit: Some(q.limit.unwrap_or(500)),
        },
    )?
    .into_iter()
    .map(ReviewItem::from_review)
    .collect();
    let mut stmt = conn.prepare_cached(
        "SELECT property, count(*) FROM reviews WHERE status = 'pending'
         GROUP BY property ORDER BY count(*) DESC, property",
    )?;
    let by_field: Vec<FieldCount> = stmt
        .query_map([], |r| {
            let property: String = r.get(0)?;
            Ok(FieldCount {
                label: label_of(&property),
                pending: r.get::<_, i64>(1)?.max(0) as u64,
                property,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(ReviewBoard {
        items,
        pending_total: by_field.iter().map(|f| f.pending).sum(),
        by_field,
    })
}

/// Pending reviews in total (the navigation badge and the tray).
pub fn pending_count(conn: &Connection) -> Result<u64, EngineError> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM reviews WHERE status = 'pending'",
        params![],
        |r| r.get(0),
    )?;
    Ok(n.max(0) as u64)
}

/// What to do with many items at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum BulkAction {
    Approve,
    Reject,
}

/// The result for one item of a bulk action.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct BulkResult {
    #[ts(type = "number")]
    pub id: i64,
    pub ok: bool,
    /// Why this item was not done (stale, already resolved, HubSpot refused …).
    pub error: Option<String>,
}

/// How many reviews are approved or rejected at the same time: each needs a HubSpot read
/// and a write, and the client paces them under the portal's rate limit anyway.
const BULK_CONCURRENCY: usize = 4;

/// Approves or rejects each item; one failing item does not stop the others.
pub async fn bulk(ctx: &PipelineContext, ids: &[i64], action: BulkAction) -> Vec<BulkResult> {
    let mut results: Vec<BulkResult> = futures::stream::iter(ids.iter().copied())
        .map(|id| async move {
            let result: Result<Review, ReviewError> = match action {
                BulkAction::Approve => review_actions::approve(ctx, id, None).await,
                BulkAction::Reject => review_actions::reject(ctx, id).await,
            };
            BulkResult {
                id,
                ok: result.is_ok(),
                error: result.err().map(|e| e.to_string()),
            }
        })
        .buffer_unordered(BULK_CONCURRENCY)
        .collect()
        .await;
    let order = |id: i64| ids.iter().position(|&x| x == id).unwrap_or(usize::MAX);
    results.sort_by_key(|r| order(r.id));
    results
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::reviews::NewReview;
    use crate::writer::Writer;

    fn raise(conn: &Connection, contact: u64, property: &str, kind: ReviewKind, at: i64) {
        let ann = Writer::Person {
            user_id: Some(42),
            source_type: "CRM_UI".into(),
        };
        reviews::raise(
            conn,
            &NewReview {
                portal_id: 1,
                contact_id: contact,
                property,
                kind,
                human_value: "Ann's words",
                human_writer: &ann,
                human_at: at - 10,
                proposed_value: "AI words",
                correlation_id: "cid",
                input_hash: &format!("h{contact}{property}"),
                model: "m@prompt-v1",
            },
            at,
        )
        .unwrap();
    }

    #[test]
    fn the_board_filters_by_field_and_age_and_counts_per_field() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("db")).unwrap();
        let conn = store.conn();
        let day = 86_400_000;
        raise(&conn, 1, "ai_summary", ReviewKind::Guarded, 10 * day);
        raise(&conn, 2, "ai_summary", ReviewKind::Conflict, 12 * day);
        raise(
            &conn,
            3,
            "ai_generated_score",
            ReviewKind::Guarded,
            12 * day,
        );

        let all = board(&conn, &ReviewQuery::default(), 12 * day).unwrap();
        assert_eq!(all.items.len(), 3);
        assert_eq!(all.pending_total, 3);
        assert_eq!(all.by_field[0].property, "ai_summary");
        assert_eq!(all.by_field[0].pending, 2);
        assert_eq!(all.by_field[1].label, "AI score");

        let summaries = board(
            &conn,
            &ReviewQuery {
                property: Some("ai_summary".into()),
                ..Default::default()
            },
            12 * day,
        )
        .unwrap();
        assert_eq!(summaries.items.len(), 2);
        assert_eq!(summaries.pending_total, 3, "the total ignores the filter");

        let old = board(
            &conn,
            &ReviewQuery {
                older_than_ms: Some(day),
                ..Default::default()
            },
            12 * day,
        )
        .unwrap();
        assert_eq!(
            old.items
                .iter()
                .map(|i| i.review.contact_id)
                .collect::<Vec<_>>(),
            vec![1]
        );
        let item = &old.items[0];
        assert_eq!(item.field_label, "AI summary");
        assert_eq!(item.human_label, "user 42 (CRM_UI)");
        assert!(
            item.why_blocked.contains("after Steward's last write"),
            "{}",
            item.why_blocked
        );
        let conflict = all
            .items
            .iter()
            .find(|i| i.review.kind == ReviewKind::Conflict)
            .unwrap();
        assert!(
            conflict.why_blocked.contains("restored"),
            "{}",
            conflict.why_blocked
        );
        assert_eq!(pending_count(&conn).unwrap(), 3);
    }

    #[test]
    fn an_item_serialises_flat_for_the_ui() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("db")).unwrap();
        let conn = store.conn();
        raise(&conn, 7, "ai_summary", ReviewKind::Guarded, 1_000);
        let b = board(&conn, &ReviewQuery::default(), 2_000).unwrap();
        let json = serde_json::to_value(&b.items[0]).unwrap();
        assert_eq!(json["contact_id"], 7);
        assert_eq!(json["field_label"], "AI summary");
        assert_eq!(json["human_writer"]["kind"], "person");
    }
}
