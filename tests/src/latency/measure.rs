//! Percentiles, HubSpot calls by route, and where each event's time went (from the relay's
//! and the engine's SQLite, read once after the run).

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;
use steward_engine::Store;

use super::Sample;

/// Nearest-rank percentiles of a set of measurements.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub n: usize,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

/// `None` for an empty set.
pub fn summarize(values: &[f64]) -> Option<Summary> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1];
    Some(Summary {
        n: v.len(),
        p50: at(0.50),
        p90: at(0.90),
        p99: at(0.99),
        max: v[v.len() - 1],
        mean: v.iter().sum::<f64>() / v.len() as f64,
    })
}

/// HubSpot API requests the simulator counted (its admin API, the LLM and OAuth left out),
/// in total and per route.
pub fn hubspot_calls(stats: &Value) -> (u64, Vec<(String, u64)>) {
    let mut routes: Vec<(String, u64)> = stats["requests"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| !["/_sim/", "/llm/", "/oauth/"].iter().any(|p| k.contains(p)))
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    routes.sort();
    (routes.iter().map(|(_, n)| n).sum(), routes)
}

/// Where one event's time went (ms). `None` where a record is missing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stages {
    /// Edit → the relay committed the event (the simulator's webhook batching, the POST,
    /// signature check, durable commit).
    pub to_relay: Option<i64>,
    /// Relay commit → the engine's inbox (long-poll wake-up, lease answer, intake commit).
    pub to_inbox: Option<i64>,
    /// Inbox → the job is ready (the coalescing debounce).
    pub debounce: Option<i64>,
    /// Ready → write-back landed (claim, batch reads, LLM, guard read, update).
    pub work: Option<i64>,
}

/// Per-contact stage times for `samples`, from the engine's inbox and jobs tables and the
/// relay's events table (the relay file is attached to the engine's connection for these
/// reads, then detached). Run it after the engine stopped.
pub fn stages(
    store: &Store,
    relay_db: &Path,
    samples: &[Sample],
) -> anyhow::Result<HashMap<u64, Stages>> {
    let conn = store.conn();
    conn.execute(
        "ATTACH DATABASE ?1 AS relay",
        [relay_db.to_string_lossy().as_ref()],
    )?;
    let read = || -> anyhow::Result<_> {
        // (event id, occurred at) → when the relay committed it.
        let mut relay: HashMap<(i64, i64), i64> = HashMap::new();
        let mut stmt =
            conn.prepare("SELECT event_id, occurred_at, received_at FROM relay.events")?;
        for row in stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))? {
            let (key, at) = row?;
            relay.insert(key, at);
        }
        // Contact → (event key, occurred at, intake time) of its first queued event.
        let mut inbox: HashMap<u64, (String, i64, i64)> = HashMap::new();
        let mut stmt = conn.prepare(
            "SELECT object_id, event_key, occurred_at, received_at FROM inbox
              WHERE disposition = 'queued' ORDER BY id",
        )?;
        for row in stmt.query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })? {
            let (contact, key, occurred, received) = row?;
            inbox
                .entry(contact as u64)
                .or_insert((key, occurred, received));
        }
        // Contact → when its first live job became ready.
        let mut ready: HashMap<u64, i64> = HashMap::new();
        let mut stmt = conn.prepare(
            "SELECT contact_id, min(not_before) FROM jobs WHERE trigger = 'live' GROUP BY contact_id",
        )?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?)))? {
            let (contact, at) = row?;
            ready.insert(contact as u64, at);
        }
        Ok((relay, inbox, ready))
    };
    let tables = read();
    conn.execute("DETACH DATABASE relay", [])?;
    let (relay, inbox, ready) = tables?;
    Ok(samples
        .iter()
        .filter_map(|s| {
            let (key, occurred, received) = inbox.get(&s.contact)?;
            // event_key is `portal:subscription:eventId:occurredAt`.
            let event_id = key.split(':').nth(2).and_then(|e| e.parse::<i64>().ok());
            let relay_at = event_id.and_then(|e| relay.get(&(e, *occurred)).copied());
            let ready_at = ready.get(&s.contact).map(|r| (*r).max(*received));
            Some((
                s.contact,
                Stages {
                    to_relay: relay_at.map(|r| r - occurred),
                    to_inbox: relay_at.map(|r| received - r),
                    debounce: ready_at.map(|r| r - received),
                    work: ready_at.map(|r| s.write_ms - r),
                },
            ))
        })
        .collect())
}

/// Per written contact: the chunk's read time, the LLM call, the guarded write (audit rows).
pub fn audit_phases(store: &Store) -> anyhow::Result<[Option<Summary>; 3]> {
    let conn = store.conn();
    let mut stmt =
        conn.prepare("SELECT fetch_ms, llm_ms, write_ms FROM audit WHERE outcome = 'written'")?;
    let rows: Vec<[f64; 3]> = stmt
        .query_map([], |r| {
            Ok([
                r.get::<_, i64>(0)? as f64,
                r.get::<_, i64>(1)? as f64,
                r.get::<_, i64>(2)? as f64,
            ])
        })?
        .collect::<Result<_, _>>()?;
    let col = |i: usize| summarize(&rows.iter().map(|r| r[i]).collect::<Vec<_>>());
    Ok([col(0), col(1), col(2)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stages_join_the_relay_the_inbox_and_the_jobs_per_contact() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("engine.sqlite3")).unwrap();
        let relay = dir.path().join("relay.sqlite3");
        {
            let conn = store.conn();
            conn.execute(
                "ATTACH DATABASE ?1 AS r",
                [relay.to_string_lossy().as_ref()],
            )
            .unwrap();
            conn.execute_batch(
                "CREATE TABLE r.events (event_id INTEGER, occurred_at INTEGER, received_at INTEGER);
                 INSERT INTO r.events VALUES (1001, 10000, 10012);
                 DETACH DATABASE r;
                 INSERT INTO inbox (event_key, portal_id, object_id, subscription_type, occurred_at,
                                    payload, disposition, received_at)
                 VALUES ('5:9:1001:10000', 5, 42, 'contact.propertyChange', 10000, '{}', 'queued', 10020),
                        ('5:9:1002:10001', 5, 43, 'contact.propertyChange', 10001, '{}', 'queued', 10020);
                 INSERT INTO jobs (portal_id, contact_id, trigger, status, not_before, created_at, updated_at)
                 VALUES (5, 42, 'live', 'done', 10120, 10020, 10300);",
            )
            .unwrap();
        }
        let samples = [
            Sample {
                contact: 42,
                edit_ms: 10000,
                write_ms: 10190,
            },
            Sample {
                contact: 43,
                edit_ms: 10001,
                write_ms: 10400,
            },
        ];
        let got = stages(&store, &relay, &samples).unwrap();
        assert_eq!(
            got[&42],
            Stages {
                to_relay: Some(12),
                to_inbox: Some(8),
                debounce: Some(100),
                work: Some(70),
            }
        );
        // No relay row and no job: only what is known.
        assert_eq!(got[&43], Stages::default());
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = summarize(&v).unwrap();
        assert_eq!(
            (s.n, s.p50, s.p90, s.p99, s.max),
            (100, 50.0, 90.0, 99.0, 100.0)
        );
        assert_eq!(s.mean, 50.5);
        assert_eq!(summarize(&[7.0]).unwrap().p99, 7.0);
        assert!(summarize(&[]).is_none());
    }

    #[test]
    fn hubspot_calls_leave_out_admin_llm_and_oauth_routes() {
        let stats = json!({"requests": {
            "POST /crm/v3/objects/contacts/batch/read": 4,
            "POST /crm/v3/objects/contacts/batch/update": 2,
            "POST /_sim/human-edit": 100,
            "POST /llm/v1/chat/completions": 50,
            "POST /oauth/v3/token": 1,
        }});
        let (total, routes) = hubspot_calls(&stats);
        assert_eq!(total, 6);
        assert_eq!(routes.len(), 2);
    }
}
