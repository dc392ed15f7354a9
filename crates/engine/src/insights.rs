//! Per-day figures for the Activity charts: enrichments, tokens, cost and outcomes. They come
//! from `audit_hourly`, a rollup a trigger keeps beside the audit table, so a chart over 90
//! days reads a few thousand small rows whether the audit holds a thousand rows or millions.
//! Buckets are hours in UTC; the caller's UTC offset turns them into the admin's local days.

use std::collections::BTreeMap;

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::EngineError;
use crate::audit::Outcome;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// Which days to chart.
#[derive(Debug, Clone, Copy, Default, Deserialize, TS)]
#[ts(export, optional_fields)]
pub struct InsightsQuery {
    /// How many days back from today (1–366; default 30).
    pub days: Option<u32>,
    /// The admin's offset from UTC in minutes (east positive), so days start at local midnight.
    pub utc_offset_minutes: Option<i32>,
}

/// One local day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct DayStats {
    /// `YYYY-MM-DD` in the admin's time zone.
    pub date: String,
    /// Local midnight, in milliseconds since the epoch.
    #[ts(type = "number")]
    pub start_ms: i64,
    /// Round trips that wrote AI values (written, approved).
    #[ts(type = "number")]
    pub enriched: u64,
    /// Every audit row of the day.
    #[ts(type = "number")]
    pub rows: u64,
    #[ts(type = "number")]
    pub tokens_in: u64,
    #[ts(type = "number")]
    pub tokens_out: u64,
    #[ts(type = "number")]
    pub cost_micros: u64,
}

/// How many rows ended in each outcome over the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct OutcomeCount {
    pub outcome: Outcome,
    #[ts(type = "number")]
    pub rows: u64,
}

/// Everything the charts draw, oldest day first; days without activity are present with zeros
/// so the x axis is continuous.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Insights {
    pub days: Vec<DayStats>,
    /// Largest first.
    pub outcomes: Vec<OutcomeCount>,
    #[ts(type = "number")]
    pub total_rows: u64,
    #[ts(type = "number")]
    pub total_tokens: u64,
    #[ts(type = "number")]
    pub total_cost_micros: u64,
}

fn local_date(start_ms: i64, offset_ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp((start_ms + offset_ms).div_euclid(1000))
        .map(|t| t.date().to_string())
        .unwrap_or_default()
}

/// Daily figures for the last `q.days` local days up to `now_ms`.
pub fn daily(conn: &Connection, q: &InsightsQuery, now_ms: i64) -> Result<Insights, EngineError> {
    let days = i64::from(q.days.unwrap_or(30).clamp(1, 366));
    let offset_ms = i64::from(q.utc_offset_minutes.unwrap_or(0).clamp(-14 * 60, 14 * 60)) * 60_000;
    let today_start = (now_ms + offset_ms).div_euclid(DAY_MS) * DAY_MS - offset_ms;
    let first_start = today_start - (days - 1) * DAY_MS;
    let mut out = Insights {
        days: (0..days)
            .map(|i| {
                let start_ms = first_start + i * DAY_MS;
                DayStats {
                    date: local_date(start_ms, offset_ms),
                    start_ms,
                    ..DayStats::default()
                }
            })
            .collect(),
        ..Insights::default()
    };
    let mut outcomes: BTreeMap<&'static str, (Outcome, u64)> = BTreeMap::new();
    // An hour bucket belongs to the local day its start falls in (whole-hour offsets are
    // exact; half-hour zones attribute the straddling hour to the day it starts in).
    let mut stmt = conn.prepare_cached(
        "SELECT hour, outcome, rows, tokens_in, tokens_out, cost_micros FROM audit_hourly
         WHERE hour >= ?1 ORDER BY hour",
    )?;
    let mut rows = stmt.query(params![first_start.div_euclid(HOUR_MS)])?;
    while let Some(row) = rows.next()? {
        let hour: i64 = row.get(0)?;
        let outcome = Outcome::parse(&row.get::<_, String>(1)?);
        let n = row.get::<_, i64>(2)?.max(0) as u64;
        let tin = row.get::<_, i64>(3)?.max(0) as u64;
        let tout = row.get::<_, i64>(4)?.max(0) as u64;
        let cost = row.get::<_, i64>(5)?.max(0) as u64;
        let index = (hour * HOUR_MS - first_start).div_euclid(DAY_MS);
        let Some(day) = usize::try_from(index)
            .ok()
            .and_then(|i| out.days.get_mut(i))
        else {
            continue;
        };
        day.rows += n;
        day.tokens_in += tin;
        day.tokens_out += tout;
        day.cost_micros += cost;
        if matches!(outcome, Outcome::Written | Outcome::Approved) {
            day.enriched += n;
        }
        outcomes.entry(outcome.as_str()).or_insert((outcome, 0)).1 += n;
        out.total_rows += n;
        out.total_tokens += tin + tout;
        out.total_cost_micros += cost;
    }
    let mut counts: Vec<OutcomeCount> = outcomes
        .into_values()
        .map(|(outcome, rows)| OutcomeCount { outcome, rows })
        .collect();
    counts.sort_by_key(|c| std::cmp::Reverse(c.rows));
    out.outcomes = counts;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::audit::{self, AuditRecord};

    fn row(outcome: Outcome, tokens: u64, cost: u64) -> AuditRecord {
        AuditRecord {
            correlation_id: "c".into(),
            portal_id: 1,
            contact_id: 2,
            trigger: "live".into(),
            outcome: Some(outcome),
            tokens_in: tokens,
            tokens_out: 1,
            cost_micros: cost,
            ..Default::default()
        }
    }

    #[test]
    fn rolls_audit_rows_into_local_days_with_gaps_filled() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("db")).unwrap();
        let conn = store.conn();
        // 2024-03-10T12:00:00Z
        let noon = 1_710_072_000_000;
        audit::insert(&conn, &row(Outcome::Written, 10, 100), noon).unwrap();
        audit::insert(&conn, &row(Outcome::Written, 10, 100), noon + 60_000).unwrap();
        audit::insert(&conn, &row(Outcome::Guarded, 5, 50), noon - DAY_MS).unwrap();
        // 23:30 UTC on the 10th is the 11th in UTC+1.
        audit::insert(
            &conn,
            &row(Outcome::Approved, 0, 0),
            noon + 11 * HOUR_MS + 1_800_000,
        )
        .unwrap();
        audit::insert(&conn, &row(Outcome::Failed, 0, 0), noon - 40 * DAY_MS).unwrap();

        let utc = daily(
            &conn,
            &InsightsQuery {
                days: Some(3),
                utc_offset_minutes: Some(0),
            },
            noon + 11 * HOUR_MS + 1_900_000,
        )
        .unwrap();
        let dates: Vec<&str> = utc.days.iter().map(|d| d.date.as_str()).collect();
        assert_eq!(dates, ["2024-03-08", "2024-03-09", "2024-03-10"]);
        assert_eq!(utc.days[0].rows, 0, "an empty day is kept");
        assert_eq!(utc.days[1].rows, 1);
        assert_eq!(utc.days[2].enriched, 3);
        assert_eq!(utc.days[2].tokens_in, 20);
        assert_eq!(utc.days[2].cost_micros, 200);
        assert_eq!(
            utc.total_rows, 4,
            "the 40-day-old row is outside the window"
        );
        assert_eq!(utc.outcomes[0].outcome, Outcome::Written);
        assert_eq!(utc.outcomes[0].rows, 2);

        let plus_one = daily(
            &conn,
            &InsightsQuery {
                days: Some(2),
                utc_offset_minutes: Some(60),
            },
            noon + 12 * HOUR_MS,
        )
        .unwrap();
        assert_eq!(plus_one.days[1].date, "2024-03-11");
        assert_eq!(
            plus_one.days[1].enriched, 1,
            "the late approval is local tomorrow"
        );
        assert_eq!(plus_one.days[0].enriched, 2);
    }

    #[test]
    fn the_rollup_matches_the_audit() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("db")).unwrap();
        let conn = store.conn();
        for i in 0..50 {
            audit::insert(
                &conn,
                &row(Outcome::Written, i, i),
                1_000_000 + i as i64 * 1_000,
            )
            .unwrap();
        }
        let (rows, cost): (i64, i64) = conn
            .query_row(
                "SELECT sum(rows), sum(cost_micros) FROM audit_hourly",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((rows, cost), (50, (0..50).sum::<i64>()));
    }
}
