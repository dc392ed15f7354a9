//! The SQL of every [`crate::store::QueueStore`] operation, as plain functions on a connection
//! (the write ones run on the writer thread inside a savepoint).

use rusqlite::{Connection, OptionalExtension, params};

use crate::clock::Millis;
use crate::store::{
    ACKED, CleanupReport, DEAD, DeadRow, IngestReport, LeaseOutcome, LeaseParams, LeasedRow,
    NewEvent, PortalStats, QUEUED, Receipt, ReceiptOutcome, Retention, StoreError,
};

/// Rows deleted per cleanup statement, so one pass never holds the writer for long.
pub const CLEANUP_CHUNK: i64 = 5_000;

pub fn ingest(
    conn: &Connection,
    events: &[NewEvent],
    now: Millis,
) -> Result<IngestReport, StoreError> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO events (portal_id, subscription_id, event_id, occurred_at, payload,
                             received_at, visible_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT DO NOTHING",
    )?;
    let mut report = IngestReport::default();
    for e in events {
        let n = insert.execute(params![
            e.portal_id,
            e.subscription_id,
            e.event_id,
            e.occurred_at,
            e.payload,
            now
        ])?;
        if n == 1 {
            report.count(e.portal_id);
        } else {
            report.duplicates += 1;
        }
    }
    Ok(report)
}

pub fn lease(conn: &Connection, p: &LeaseParams) -> Result<LeaseOutcome, StoreError> {
    let mut select = conn.prepare_cached(
        "SELECT id, receive_count, received_at, payload FROM events
         WHERE portal_id = ?1 AND state = 0 AND visible_at <= ?2
         ORDER BY visible_at LIMIT ?3",
    )?;
    let mut take = conn.prepare_cached(
        "UPDATE events SET visible_at = ?2, receive_count = receive_count + 1, receipt = ?3
         WHERE id = ?1",
    )?;
    let mut bury = conn.prepare_cached(
        "UPDATE events SET state = 1, dead_at = ?2, receipt = NULL WHERE id = ?1",
    )?;
    let mut out = LeaseOutcome::default();
    let visible_at = p.now.saturating_add(p.visibility_ms);
    let max = usize::try_from(p.max).unwrap_or(usize::MAX);
    while out.events.len() < max {
        let want = i64::try_from(max - out.events.len()).unwrap_or(i64::MAX);
        let candidates = select
            .query_map(params![p.portal_id, p.now, want], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, u32>(1)?,
                    r.get(2)?,
                    r.get(3)?,
                ))
            })?
            .collect::<Result<Vec<(i64, u32, Millis, String)>, _>>()?;
        if candidates.is_empty() {
            break;
        }
        for (id, receive_count, received_at, payload) in candidates {
            if receive_count >= p.max_receives {
                bury.execute(params![id, p.now])?;
                out.dead_lettered += 1;
                continue;
            }
            let token = Receipt::new_token();
            take.execute(params![id, visible_at, token])?;
            out.events.push(LeasedRow {
                id,
                receipt: Receipt::handle(id, &token),
                receive_count: receive_count + 1,
                received_at,
                payload,
            });
        }
    }
    if out.events.is_empty() {
        out.next_visible_at = conn
            .prepare_cached(
                "SELECT MIN(visible_at) FROM events WHERE portal_id = ?1 AND state = 0",
            )?
            .query_row([p.portal_id], |r| r.get(0))?;
    }
    Ok(out)
}

/// Ack (`visible_at: None`) or nack (`Some(t)`) each receipt of `portal_id`.
pub fn settle(
    conn: &Connection,
    portal_id: i64,
    receipts: &[Receipt],
    now: Millis,
    visible_at: Option<Millis>,
) -> Result<ReceiptOutcome, StoreError> {
    let mut stmt = match visible_at {
        None => conn.prepare_cached(
            "UPDATE events SET state = 2, payload = '', receipt = NULL, acked_at = ?4
             WHERE id = ?1 AND portal_id = ?2 AND receipt = ?3 AND state = 0",
        )?,
        Some(_) => conn.prepare_cached(
            "UPDATE events SET visible_at = ?4, receipt = NULL
             WHERE id = ?1 AND portal_id = ?2 AND receipt = ?3 AND state = 0",
        )?,
    };
    let time = visible_at.unwrap_or(now);
    let mut out = ReceiptOutcome::default();
    for r in receipts {
        if stmt.execute(params![r.id, portal_id, r.token, time])? == 1 {
            out.matched += 1;
        } else {
            out.stale += 1;
        }
    }
    Ok(out)
}

pub fn dead_letters(
    conn: &Connection,
    portal_id: i64,
    after: i64,
    limit: u32,
) -> Result<Vec<DeadRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, receive_count, received_at, COALESCE(dead_at, 0), payload FROM events
         WHERE portal_id = ?1 AND state = 1 AND id > ?2 ORDER BY id LIMIT ?3",
    )?;
    let rows = stmt
        .query_map(params![portal_id, after, limit], |r| {
            Ok(DeadRow {
                id: r.get(0)?,
                receive_count: r.get(1)?,
                received_at: r.get(2)?,
                dead_at: r.get(3)?,
                payload: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn redrive(
    conn: &Connection,
    portal_id: i64,
    ids: Option<&[i64]>,
    now: Millis,
) -> Result<u64, StoreError> {
    const SET: &str = "UPDATE events SET state = 0, receive_count = 0, visible_at = ?2,
                       dead_at = NULL, receipt = NULL WHERE portal_id = ?1 AND state = 1";
    let n = match ids {
        None => conn.prepare_cached(SET)?.execute(params![portal_id, now])?,
        Some(ids) => {
            let mut stmt = conn.prepare_cached(&format!("{SET} AND id = ?3"))?;
            let mut n = 0;
            for id in ids {
                n += stmt.execute(params![portal_id, now, id])?;
            }
            n
        }
    };
    Ok(n as u64)
}

pub fn put_state(
    conn: &Connection,
    hash: &[u8; 32],
    challenge: &str,
    expires_at: Millis,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO oauth_states (state_hash, code_challenge, expires_at)
         VALUES (?1, ?2, ?3)",
    )?
    .execute(params![&hash[..], challenge, expires_at])?;
    Ok(())
}

pub fn take_state(
    conn: &Connection,
    hash: &[u8; 32],
    now: Millis,
) -> Result<Option<String>, StoreError> {
    let row: Option<(String, Millis)> = conn
        .prepare_cached(
            "DELETE FROM oauth_states WHERE state_hash = ?1 RETURNING code_challenge, expires_at",
        )?
        .query_row([&hash[..]], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(row.and_then(|(challenge, expires_at)| (expires_at > now).then_some(challenge)))
}

/// One chunk of cleanup; call until it reports fewer than [`CLEANUP_CHUNK`] rows per kind.
pub fn cleanup_chunk(
    conn: &Connection,
    now: Millis,
    retention: Retention,
) -> Result<CleanupReport, StoreError> {
    let expired = conn
        .prepare_cached(
            "DELETE FROM events WHERE id IN
               (SELECT id FROM events WHERE received_at < ?1 LIMIT ?2)",
        )?
        .execute(params![now - retention.unacked_ms, CLEANUP_CHUNK])?;
    let tombstones = conn
        .prepare_cached(
            "DELETE FROM events WHERE id IN
               (SELECT id FROM events WHERE received_at < ?1 AND state = 2 LIMIT ?2)",
        )?
        .execute(params![now - retention.dedupe_ms, CLEANUP_CHUNK])?;
    let states = conn
        .prepare_cached("DELETE FROM oauth_states WHERE expires_at <= ?1")?
        .execute([now])?;
    Ok(CleanupReport {
        expired_events: expired as u64,
        tombstones: tombstones as u64,
        oauth_states: states as u64,
    })
}

pub fn stats(conn: &Connection, now: Millis) -> Result<Vec<PortalStats>, StoreError> {
    let mut out: Vec<PortalStats> = conn
        .prepare_cached(
            "SELECT portal_id, COUNT(*), SUM(visible_at > ?1), MIN(received_at)
             FROM events WHERE state = 0 GROUP BY portal_id",
        )?
        .query_map([now], |r| {
            Ok(PortalStats {
                portal_id: r.get(0)?,
                backlog: r.get(1)?,
                in_flight: r.get(2)?,
                dead: 0,
                oldest_received_at: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let dead = conn
        .prepare_cached(
            "SELECT portal_id, COUNT(*) FROM events WHERE state = 1 GROUP BY portal_id",
        )?
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, u64>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    for (portal_id, n) in dead {
        match out.iter_mut().find(|s| s.portal_id == portal_id) {
            Some(s) => s.dead = n,
            None => out.push(PortalStats {
                portal_id,
                dead: n,
                ..PortalStats::default()
            }),
        }
    }
    out.sort_by_key(|s| s.portal_id);
    Ok(out)
}

// The state constants are the numbers used in the SQL above.
const _: () = assert!(QUEUED == 0 && DEAD == 1 && ACKED == 2);
