//! The SQL of every [`crate::store::QueueStore`] operation for PostgreSQL.

use deadpool_postgres::Client;

use super::pg_err;
use crate::clock::Millis;
use crate::store::{
    CleanupReport, DEAD, DeadRow, IngestReport, LeaseOutcome, LeaseParams, LeasedRow, NewEvent,
    PortalStats, Receipt, ReceiptOutcome, Retention, StoreError,
};

/// Rows deleted per cleanup statement.
const CLEANUP_CHUNK: i64 = 5_000;

pub async fn ingest(
    client: &mut Client,
    channel: &str,
    events: &[NewEvent],
    now: Millis,
) -> Result<IngestReport, StoreError> {
    let portals: Vec<i64> = events.iter().map(|e| e.portal_id).collect();
    let subscriptions: Vec<i64> = events.iter().map(|e| e.subscription_id).collect();
    let event_ids: Vec<i64> = events.iter().map(|e| e.event_id).collect();
    let occurred: Vec<i64> = events.iter().map(|e| e.occurred_at).collect();
    let payloads: Vec<&str> = events.iter().map(|e| e.payload.as_str()).collect();
    let tx = client.transaction().await.map_err(pg_err)?;
    let insert = tx
        .prepare_cached(
            "INSERT INTO events (portal_id, subscription_id, event_id, occurred_at, payload,
                                 received_at, visible_at)
             SELECT p, s, e, o, pl, $6, $6
             FROM UNNEST($1::int8[], $2::int8[], $3::int8[], $4::int8[], $5::text[])
                  AS t(p, s, e, o, pl)
             ON CONFLICT DO NOTHING
             RETURNING portal_id",
        )
        .await
        .map_err(pg_err)?;
    let rows = tx
        .query(
            &insert,
            &[
                &portals,
                &subscriptions,
                &event_ids,
                &occurred,
                &payloads,
                &now,
            ],
        )
        .await
        .map_err(pg_err)?;
    let mut report = IngestReport::default();
    for row in &rows {
        report.count(row.get(0));
    }
    report.duplicates = (events.len() - rows.len()) as u64;
    for (portal_id, _) in &report.inserted {
        tx.execute(
            "SELECT pg_notify($1, $2)",
            &[&channel, &portal_id.to_string()],
        )
        .await
        .map_err(pg_err)?;
    }
    tx.commit().await.map_err(pg_err)?;
    Ok(report)
}

pub async fn lease(client: &Client, p: &LeaseParams) -> Result<LeaseOutcome, StoreError> {
    // One statement: lock visible candidates no other lease holds, then either lease them or,
    // if they already had `max_receives` leases, dead-letter them. SET expressions all see the
    // row's old values.
    let stmt = client
        .prepare_cached(
            "WITH c AS (
                SELECT id FROM events
                WHERE portal_id = $1 AND state = 0 AND visible_at <= $2
                ORDER BY visible_at LIMIT $3
                FOR UPDATE SKIP LOCKED)
             UPDATE events e SET
                state         = CASE WHEN e.receive_count >= $4 THEN 1 ELSE 0 END,
                dead_at       = CASE WHEN e.receive_count >= $4 THEN $2 ELSE e.dead_at END,
                receipt       = CASE WHEN e.receive_count >= $4 THEN NULL
                                     ELSE replace(gen_random_uuid()::text, '-', '') END,
                visible_at    = CASE WHEN e.receive_count >= $4 THEN e.visible_at ELSE $5 END,
                receive_count = CASE WHEN e.receive_count >= $4 THEN e.receive_count
                                     ELSE e.receive_count + 1 END
             FROM c WHERE e.id = c.id
             RETURNING e.id, e.state, e.receive_count, e.received_at, e.payload, e.receipt",
        )
        .await
        .map_err(pg_err)?;
    let max_receives = i32::try_from(p.max_receives).unwrap_or(i32::MAX);
    let visible_at = p.now.saturating_add(p.visibility_ms);
    let max = usize::try_from(p.max).unwrap_or(usize::MAX);
    let mut out = LeaseOutcome::default();
    while out.events.len() < max {
        let want = i64::try_from(max - out.events.len()).unwrap_or(i64::MAX);
        let rows = client
            .query(
                &stmt,
                &[&p.portal_id, &p.now, &want, &max_receives, &visible_at],
            )
            .await
            .map_err(pg_err)?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            if row.get::<_, i16>(1) == DEAD {
                out.dead_lettered += 1;
                continue;
            }
            let id: i64 = row.get(0);
            let token: String = row.get(5);
            out.events.push(LeasedRow {
                id,
                receipt: Receipt::handle(id, &token),
                receive_count: u32::try_from(row.get::<_, i32>(2)).unwrap_or(0),
                received_at: row.get(3),
                payload: row.get(4),
            });
        }
    }
    if out.events.is_empty() {
        out.next_visible_at = client
            .query_one(
                "SELECT MIN(visible_at) FROM events WHERE portal_id = $1 AND state = 0",
                &[&p.portal_id],
            )
            .await
            .map_err(pg_err)?
            .get(0);
    }
    Ok(out)
}

/// Ack (`visible_at: None`) or nack (`Some(t)`) each receipt of `portal_id`.
pub async fn settle(
    client: &Client,
    portal_id: i64,
    receipts: &[Receipt],
    now: Millis,
    visible_at: Option<Millis>,
) -> Result<ReceiptOutcome, StoreError> {
    let set = match visible_at {
        None => "state = 2, payload = '', receipt = NULL, acked_at = $4",
        Some(_) => "visible_at = $4, receipt = NULL",
    };
    let sql = format!(
        "UPDATE events SET {set}
         WHERE portal_id = $1 AND state = 0
           AND (id, receipt) IN (SELECT * FROM UNNEST($2::int8[], $3::text[]))"
    );
    let ids: Vec<i64> = receipts.iter().map(|r| r.id).collect();
    let tokens: Vec<&str> = receipts.iter().map(|r| r.token.as_str()).collect();
    let time = visible_at.unwrap_or(now);
    let stmt = client.prepare_cached(&sql).await.map_err(pg_err)?;
    let matched = client
        .execute(&stmt, &[&portal_id, &ids, &tokens, &time])
        .await
        .map_err(pg_err)?;
    Ok(ReceiptOutcome {
        matched,
        stale: receipts.len() as u64 - matched,
    })
}

pub async fn dead_letters(
    client: &Client,
    portal_id: i64,
    after: i64,
    limit: u32,
) -> Result<Vec<DeadRow>, StoreError> {
    let rows = client
        .query(
            "SELECT id, receive_count, received_at, COALESCE(dead_at, 0), payload FROM events
             WHERE portal_id = $1 AND state = 1 AND id > $2 ORDER BY id LIMIT $3",
            &[&portal_id, &after, &i64::from(limit)],
        )
        .await
        .map_err(pg_err)?;
    Ok(rows
        .iter()
        .map(|r| DeadRow {
            id: r.get(0),
            receive_count: u32::try_from(r.get::<_, i32>(1)).unwrap_or(0),
            received_at: r.get(2),
            dead_at: r.get(3),
            payload: r.get(4),
        })
        .collect())
}

pub async fn redrive(
    client: &mut Client,
    channel: &str,
    portal_id: i64,
    ids: Option<Vec<i64>>,
    now: Millis,
) -> Result<u64, StoreError> {
    let tx = client.transaction().await.map_err(pg_err)?;
    let n = tx
        .execute(
            "UPDATE events SET state = 0, receive_count = 0, visible_at = $2, dead_at = NULL,
                               receipt = NULL
             WHERE portal_id = $1 AND state = 1 AND ($3::int8[] IS NULL OR id = ANY($3))",
            &[&portal_id, &now, &ids],
        )
        .await
        .map_err(pg_err)?;
    if n > 0 {
        tx.execute(
            "SELECT pg_notify($1, $2)",
            &[&channel, &portal_id.to_string()],
        )
        .await
        .map_err(pg_err)?;
    }
    tx.commit().await.map_err(pg_err)?;
    Ok(n)
}

pub async fn put_state(
    client: &Client,
    hash: &[u8; 32],
    challenge: &str,
    expires_at: Millis,
) -> Result<(), StoreError> {
    client
        .execute(
            "INSERT INTO oauth_states (state_hash, code_challenge, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (state_hash) DO UPDATE
               SET code_challenge = EXCLUDED.code_challenge, expires_at = EXCLUDED.expires_at",
            &[&&hash[..], &challenge, &expires_at],
        )
        .await
        .map_err(pg_err)?;
    Ok(())
}

pub async fn take_state(
    client: &Client,
    hash: &[u8; 32],
    now: Millis,
) -> Result<Option<String>, StoreError> {
    let row = client
        .query_opt(
            "DELETE FROM oauth_states WHERE state_hash = $1 RETURNING code_challenge, expires_at",
            &[&&hash[..]],
        )
        .await
        .map_err(pg_err)?;
    Ok(row.and_then(|r| (r.get::<_, i64>(1) > now).then(|| r.get(0))))
}

pub async fn cleanup(
    client: &Client,
    now: Millis,
    retention: Retention,
) -> Result<CleanupReport, StoreError> {
    let mut report = CleanupReport::default();
    let expired_cut = now - retention.unacked_ms;
    let dedupe_cut = now - retention.dedupe_ms;
    loop {
        let n = client
            .execute(
                "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE received_at < $1
                                                 LIMIT $2 FOR UPDATE SKIP LOCKED)",
                &[&expired_cut, &CLEANUP_CHUNK],
            )
            .await
            .map_err(pg_err)?;
        report.expired_events += n;
        if n < CLEANUP_CHUNK as u64 {
            break;
        }
    }
    loop {
        let n = client
            .execute(
                "DELETE FROM events WHERE id IN (SELECT id FROM events
                                                 WHERE received_at < $1 AND state = 2
                                                 LIMIT $2 FOR UPDATE SKIP LOCKED)",
                &[&dedupe_cut, &CLEANUP_CHUNK],
            )
            .await
            .map_err(pg_err)?;
        report.tombstones += n;
        if n < CLEANUP_CHUNK as u64 {
            break;
        }
    }
    report.oauth_states = client
        .execute("DELETE FROM oauth_states WHERE expires_at <= $1", &[&now])
        .await
        .map_err(pg_err)?;
    Ok(report)
}

pub async fn stats(client: &Client, now: Millis) -> Result<Vec<PortalStats>, StoreError> {
    let rows = client
        .query(
            "SELECT portal_id, COUNT(*) FILTER (WHERE state = 0),
                    COUNT(*) FILTER (WHERE state = 0 AND visible_at > $1),
                    COUNT(*) FILTER (WHERE state = 1),
                    MIN(received_at) FILTER (WHERE state = 0)
             FROM events WHERE state IN (0, 1) GROUP BY portal_id ORDER BY portal_id",
            &[&now],
        )
        .await
        .map_err(pg_err)?;
    let count = |r: &tokio_postgres::Row, i| u64::try_from(r.get::<_, i64>(i)).unwrap_or(0);
    Ok(rows
        .iter()
        .map(|r| PortalStats {
            portal_id: r.get(0),
            backlog: count(r, 1),
            in_flight: count(r, 2),
            dead: count(r, 3),
            oldest_received_at: r.get(4),
        })
        .collect())
}
