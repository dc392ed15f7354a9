//! The audit trail: one row per round trip (or review decision), under its correlation ID. It
//! stores what went in (hash, prompt version, model), what came out (proposal), what was done
//! (outcome, fields written) and what it cost, so any value in HubSpot can be explained.

use rusqlite::{Connection, params, types::Value};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::EngineError;

/// What happened in one round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Outcome {
    /// AI values were written to HubSpot.
    Written,
    /// The input hash matched the record: no LLM call, no write.
    Unchanged,
    /// Every proposed change was blocked by a human edit (reviews raised).
    Guarded,
    /// The LLM answered something that failed validation; nothing written.
    InvalidOutput,
    /// An error stopped the round trip; `reason` says which.
    Failed,
    /// Computed but not written (dry run).
    DryRun,
    /// The admin approved a review and its value was written.
    Approved,
    /// The admin rejected a review; the human value stays.
    Rejected,
    /// A human edit slipped in between our check and our write; it was restored.
    Conflict,
    /// The write was sent to HubSpot and not yet confirmed. Recorded before sending, so a crash
    /// never leaves a write without its row; the next round trip for the contact settles it.
    InFlight,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Written => "written",
            Self::Unchanged => "unchanged",
            Self::Guarded => "guarded",
            Self::InvalidOutput => "invalid_output",
            Self::Failed => "failed",
            Self::DryRun => "dry_run",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Conflict => "conflict",
            Self::InFlight => "in_flight",
        }
    }

    pub(crate) fn parse(s: &str) -> Self {
        match s {
            "written" => Self::Written,
            "unchanged" => Self::Unchanged,
            "guarded" => Self::Guarded,
            "invalid_output" => Self::InvalidOutput,
            "dry_run" => Self::DryRun,
            "approved" => Self::Approved,
            "rejected" => Self::Rejected,
            "conflict" => Self::Conflict,
            "in_flight" => Self::InFlight,
            _ => Self::Failed,
        }
    }
}

/// One audit row as written and as shown (`id` and `created_at` are set by the store).
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct AuditRecord {
    #[ts(type = "number")]
    pub id: i64,
    pub correlation_id: String,
    #[ts(type = "number")]
    pub portal_id: u64,
    #[ts(type = "number")]
    pub contact_id: u64,
    /// `live`, `batch`, `manual` or `review`.
    pub trigger: String,
    /// Event ids, the review id, or free text.
    pub trigger_ref: Option<String>,
    #[ts(type = "number | null")]
    pub run_id: Option<i64>,
    pub input_hash: Option<String>,
    pub prompt_version: Option<u32>,
    pub model: Option<String>,
    #[ts(type = "number")]
    pub tokens_in: u64,
    #[ts(type = "number")]
    pub tokens_out: u64,
    #[ts(type = "number")]
    pub cost_micros: u64,
    #[ts(type = "number")]
    pub fetch_ms: u64,
    #[ts(type = "number")]
    pub llm_ms: u64,
    #[ts(type = "number")]
    pub write_ms: u64,
    pub outcome: Option<Outcome>,
    pub reason: Option<String>,
    pub fields_written: Vec<String>,
    /// The validated proposal (JSON) or, for invalid output, nothing.
    #[ts(type = "Record<string, unknown> | null")]
    pub proposal: Option<serde_json::Value>,
    pub hubspot_correlation_id: Option<String>,
    #[ts(type = "number")]
    pub created_at: i64,
}

/// Appends a row; returns its id.
pub fn insert(conn: &Connection, r: &AuditRecord, now_ms: i64) -> Result<i64, EngineError> {
    let fields = serde_json::to_string(&r.fields_written).unwrap_or_else(|_| "[]".into());
    let proposal = r.proposal.as_ref().map(|p| p.to_string());
    conn.execute(
        "INSERT INTO audit (correlation_id, portal_id, contact_id, trigger, trigger_ref, run_id,
            input_hash, prompt_version, model, tokens_in, tokens_out, cost_micros, fetch_ms, llm_ms,
            write_ms, outcome, reason, fields_written, proposal, hubspot_correlation_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
        params![
            r.correlation_id,
            r.portal_id as i64,
            r.contact_id as i64,
            r.trigger,
            r.trigger_ref,
            r.run_id,
            r.input_hash,
            r.prompt_version,
            r.model,
            r.tokens_in as i64,
            r.tokens_out as i64,
            r.cost_micros as i64,
            r.fetch_ms as i64,
            r.llm_ms as i64,
            r.write_ms as i64,
            r.outcome.unwrap_or(Outcome::Failed).as_str(),
            r.reason,
            fields,
            proposal,
            r.hubspot_correlation_id,
            now_ms,
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Rewrites a row in place (an in-flight row becoming its final outcome).
pub fn finalize(conn: &Connection, id: i64, r: &AuditRecord) -> Result<(), EngineError> {
    let fields = serde_json::to_string(&r.fields_written).unwrap_or_else(|_| "[]".into());
    conn.execute(
        "UPDATE audit SET outcome = ?2, reason = ?3, fields_written = ?4, write_ms = ?5,
                          hubspot_correlation_id = ?6
         WHERE id = ?1",
        params![
            id,
            r.outcome.unwrap_or(Outcome::Failed).as_str(),
            r.reason,
            fields,
            r.write_ms as i64,
            r.hubspot_correlation_id,
        ],
    )?;
    conn.execute(
        "DELETE FROM audit_checkpoints WHERE audit_id = ?1",
        params![id],
    )?;
    Ok(())
}

/// Stores what an in-flight row's write needs to be verified after a crash.
pub fn save_checkpoint(conn: &Connection, id: i64, checkpoint: &str) -> Result<(), EngineError> {
    conn.execute(
        "INSERT OR REPLACE INTO audit_checkpoints (audit_id, checkpoint) VALUES (?1, ?2)",
        params![id, checkpoint],
    )?;
    Ok(())
}

/// Removes a row that never became a write (the write was refused outright).
pub fn delete(conn: &Connection, id: i64) -> Result<(), EngineError> {
    conn.execute("DELETE FROM audit WHERE id = ?1", params![id])?;
    Ok(())
}

/// In-flight rows of these contacts, with their checkpoints (oldest first).
pub fn in_flight(
    conn: &Connection,
    portal_id: u64,
    contact_id: u64,
) -> Result<Vec<(AuditRecord, Option<String>)>, EngineError> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.*, c.checkpoint AS cp FROM audit a LEFT JOIN audit_checkpoints c ON c.audit_id = a.id
         WHERE a.portal_id = ?1 AND a.contact_id = ?2 AND a.outcome = 'in_flight' ORDER BY a.id",
    )?;
    let rows = stmt.query_map(params![portal_id as i64, contact_id as i64], |row| {
        Ok((read_row(row)?, row.get::<_, Option<String>>("cp")?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Which rows to list. Pages go backwards in time with `before_id` (keyset paging stays fast at
/// millions of rows).
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
pub struct AuditFilter {
    pub outcome: Option<Outcome>,
    #[ts(type = "number | null")]
    pub since_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub until_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub contact_id: Option<u64>,
    pub correlation_id: Option<String>,
    #[ts(type = "number | null")]
    pub run_id: Option<i64>,
    #[ts(type = "number | null")]
    pub before_id: Option<i64>,
    #[ts(type = "number | null")]
    pub limit: Option<u32>,
}

/// The `WHERE` clause and its arguments for `f` (without paging).
fn conditions(f: &AuditFilter) -> (String, Vec<Value>) {
    let mut sql = String::from(" WHERE 1=1");
    let mut args: Vec<Value> = Vec::new();
    let mut push = |clause: &str, v: Value| {
        args.push(v);
        sql.push_str(&format!(" AND {clause} ?{}", args.len()));
    };
    if let Some(o) = f.outcome {
        push("outcome =", Value::Text(o.as_str().into()));
    }
    if let Some(t) = f.since_ms {
        push("created_at >=", Value::Integer(t));
    }
    if let Some(t) = f.until_ms {
        push("created_at <", Value::Integer(t));
    }
    if let Some(c) = f.contact_id {
        push("contact_id =", Value::Integer(c as i64));
    }
    if let Some(c) = &f.correlation_id {
        push("correlation_id =", Value::Text(c.clone()));
    }
    if let Some(r) = f.run_id {
        push("run_id =", Value::Integer(r));
    }
    (sql, args)
}

pub fn list(conn: &Connection, f: &AuditFilter) -> Result<Vec<AuditRecord>, EngineError> {
    let (mut sql, mut args) = conditions(f);
    if let Some(b) = f.before_id {
        args.push(Value::Integer(b));
        sql.push_str(&format!(" AND id < ?{}", args.len()));
    }
    let limit = f.limit.unwrap_or(200).min(10_000);
    let sql = format!("SELECT * FROM audit{sql} ORDER BY id DESC LIMIT {limit}");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), read_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many rows match `f` (paging fields ignored): the Activity table's total.
pub fn count(conn: &Connection, f: &AuditFilter) -> Result<u64, EngineError> {
    let (sql, args) = conditions(f);
    let mut stmt = conn.prepare_cached(&format!("SELECT count(*) FROM audit{sql}"))?;
    let n: i64 = stmt.query_row(rusqlite::params_from_iter(args), |r| r.get(0))?;
    Ok(n.max(0) as u64)
}

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRecord> {
    let fields: String = row.get("fields_written")?;
    let proposal: Option<String> = row.get("proposal")?;
    let outcome: String = row.get("outcome")?;
    let u = |name: &str| -> rusqlite::Result<u64> { Ok(row.get::<_, i64>(name)?.max(0) as u64) };
    Ok(AuditRecord {
        id: row.get("id")?,
        correlation_id: row.get("correlation_id")?,
        portal_id: u("portal_id")?,
        contact_id: u("contact_id")?,
        trigger: row.get("trigger")?,
        trigger_ref: row.get("trigger_ref")?,
        run_id: row.get("run_id")?,
        input_hash: row.get("input_hash")?,
        prompt_version: row.get("prompt_version")?,
        model: row.get("model")?,
        tokens_in: u("tokens_in")?,
        tokens_out: u("tokens_out")?,
        cost_micros: u("cost_micros")?,
        fetch_ms: u("fetch_ms")?,
        llm_ms: u("llm_ms")?,
        write_ms: u("write_ms")?,
        outcome: Some(Outcome::parse(&outcome)),
        reason: row.get("reason")?,
        fields_written: serde_json::from_str(&fields).unwrap_or_default(),
        proposal: proposal.and_then(|p| serde_json::from_str(&p).ok()),
        hubspot_correlation_id: row.get("hubspot_correlation_id")?,
        created_at: row.get("created_at")?,
    })
}

/// LLM spend since `since_ms` (the start of the budget month), in micro-dollars. Whole hours
/// come from the `audit_hourly` rollup and only the rows of a partial first hour from the audit
/// itself, so the budget check (every chunk) and Settings stay fast at millions of rows.
pub fn cost_since(conn: &Connection, since_ms: i64) -> Result<u64, EngineError> {
    const HOUR_MS: i64 = 3_600_000;
    let first_full_hour =
        since_ms.div_euclid(HOUR_MS) + i64::from(since_ms.rem_euclid(HOUR_MS) != 0);
    let total: i64 = conn.query_row(
        "SELECT (SELECT coalesce(sum(cost_micros), 0) FROM audit_hourly WHERE hour >= ?2)
              + (SELECT coalesce(sum(cost_micros), 0) FROM audit
                 WHERE created_at >= ?1 AND created_at < ?2 * 3600000)",
        params![since_ms, first_full_hour],
        |r| r.get(0),
    )?;
    Ok(total.max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    fn record(contact: u64, outcome: Outcome) -> AuditRecord {
        AuditRecord {
            correlation_id: format!("cid{contact}"),
            portal_id: 1,
            contact_id: contact,
            trigger: "live".into(),
            outcome: Some(outcome),
            fields_written: vec!["ai_summary".into()],
            proposal: Some(serde_json::json!({"summary": "s"})),
            cost_micros: 10,
            ..Default::default()
        }
    }

    #[test]
    fn the_hourly_rollup_follows_in_flight_rows_to_their_final_outcome() {
        // Seen in the Activity screen: finalized in-flight rows were still charted as in flight.
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("db")).unwrap();
        let conn = store.conn();
        let mut r = record(1, Outcome::InFlight);
        let kept = insert(&conn, &r, 1_000).unwrap();
        let refused = insert(&conn, &r, 1_000).unwrap();
        r.outcome = Some(Outcome::Written);
        finalize(&conn, kept, &r).unwrap();
        delete(&conn, refused).unwrap();
        let rows = |o: &str| -> i64 {
            conn.query_row(
                "SELECT coalesce(sum(rows), 0) FROM audit_hourly WHERE outcome = ?1",
                [o],
                |row| row.get(0),
            )
            .unwrap()
        };
        assert_eq!(rows("in_flight"), 0);
        assert_eq!(rows("written"), 1);
        assert_eq!(
            cost_since(&conn, 0).unwrap(),
            10,
            "one row's cost, counted once"
        );
    }

    #[test]
    fn rows_round_trip_and_filter() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("db")).unwrap();
        let conn = store.conn();
        for i in 0..5 {
            insert(
                &conn,
                &record(
                    i,
                    if i % 2 == 0 {
                        Outcome::Written
                    } else {
                        Outcome::Guarded
                    },
                ),
                1000 + i as i64,
            )
            .unwrap();
        }
        let all = list(&conn, &AuditFilter::default()).unwrap();
        assert_eq!(all.len(), 5);
        assert_eq!(all[0].contact_id, 4, "newest first");
        assert_eq!(all[0].fields_written, vec!["ai_summary".to_owned()]);
        assert_eq!(all[0].proposal, Some(serde_json::json!({"summary": "s"})));
        let guarded = list(
            &conn,
            &AuditFilter {
                outcome: Some(Outcome::Guarded),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(guarded.len(), 2);
        let page = list(
            &conn,
            &AuditFilter {
                before_id: Some(all[1].id),
                limit: Some(2),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(
            page.iter().map(|r| r.contact_id).collect::<Vec<_>>(),
            vec![2, 1]
        );
        let by_cid = list(
            &conn,
            &AuditFilter {
                correlation_id: Some("cid3".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(by_cid.len(), 1);
        assert_eq!(cost_since(&conn, 1002).unwrap(), 30);
        let guarded_filter = AuditFilter {
            outcome: Some(Outcome::Guarded),
            before_id: Some(0),
            limit: Some(1),
            ..Default::default()
        };
        assert_eq!(
            count(&conn, &guarded_filter).unwrap(),
            2,
            "paging is ignored"
        );
        assert_eq!(count(&conn, &AuditFilter::default()).unwrap(), 5);
        // Whole hours from the rollup plus the partial first hour from the rows.
        insert(&conn, &record(9, Outcome::Written), 7_200_000 + 5).unwrap();
        assert_eq!(cost_since(&conn, 1002).unwrap(), 40);
        assert_eq!(cost_since(&conn, 3_600_000).unwrap(), 10);
        assert_eq!(cost_since(&conn, 7_200_006).unwrap(), 0);
    }
}
