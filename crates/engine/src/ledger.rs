//! The ledger of our own writes: (portal, object, property, value hash) → correlation ID. It
//! tells the guard which HubSpot versions this installation wrote, and the intake which
//! webhooks are echoes of our writes. Only hashes are kept, never values.

use rusqlite::{Connection, OptionalExtension, params};

use crate::EngineError;
use crate::hashing::value_hash;
use crate::writer::{LedgerEntry, Writer};

/// How long a write of ours explains a webhook as its echo.
pub const ECHO_WINDOW_MS: i64 = 24 * 60 * 60 * 1000;

/// One value we are about to send (recorded *before* the write, so a crash after HubSpot
/// accepted it still leaves the version recognisable as ours).
pub struct OwnWrite<'a> {
    pub portal_id: u64,
    pub object_id: u64,
    pub property: &'a str,
    pub value: &'a str,
    pub correlation_id: &'a str,
    /// For restores: the person whose value we wrote back.
    pub on_behalf_of: Option<&'a Writer>,
}

pub fn record(conn: &Connection, w: &OwnWrite<'_>, now_ms: i64) -> Result<(), EngineError> {
    let on_behalf = w
        .on_behalf_of
        .map(|p| serde_json::to_string(p).unwrap_or_default());
    conn.execute(
        "INSERT INTO writes (portal_id, object_id, property, value_hash, correlation_id, on_behalf_of, written_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            w.portal_id as i64,
            w.object_id as i64,
            w.property,
            value_hash(w.value),
            w.correlation_id,
            on_behalf,
            now_ms
        ],
    )?;
    Ok(())
}

/// The newest ledger entry for this exact value, if we ever wrote it.
pub fn lookup(
    conn: &Connection,
    portal_id: u64,
    object_id: u64,
    property: &str,
    value: &str,
) -> Result<Option<LedgerEntry>, EngineError> {
    let row: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT correlation_id, on_behalf_of FROM writes
             WHERE portal_id = ?1 AND object_id = ?2 AND property = ?3 AND value_hash = ?4
             ORDER BY id DESC LIMIT 1",
            params![
                portal_id as i64,
                object_id as i64,
                property,
                value_hash(value)
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.map(|(correlation_id, on_behalf)| LedgerEntry {
        correlation_id,
        on_behalf_of: on_behalf.and_then(|j| serde_json::from_str(&j).ok()),
    }))
}

/// Whether a webhook for this value is the echo of a write of ours in the last 24 h.
pub fn is_echo(
    conn: &Connection,
    portal_id: u64,
    object_id: u64,
    property: &str,
    value: &str,
    now_ms: i64,
) -> Result<bool, EngineError> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM writes
         WHERE portal_id = ?1 AND object_id = ?2 AND property = ?3 AND value_hash = ?4 AND written_at >= ?5",
        params![
            portal_id as i64,
            object_id as i64,
            property,
            value_hash(value),
            now_ms - ECHO_WINDOW_MS
        ],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    #[test]
    fn records_look_up_and_expire_as_echoes() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("db")).unwrap();
        let conn = store.conn();
        let w = OwnWrite {
            portal_id: 1,
            object_id: 2,
            property: "ai_summary",
            value: "hello",
            correlation_id: "abc",
            on_behalf_of: None,
        };
        record(&conn, &w, 1_000).unwrap();
        let e = lookup(&conn, 1, 2, "ai_summary", "hello").unwrap().unwrap();
        assert_eq!(e.correlation_id, "abc");
        assert!(
            lookup(&conn, 1, 2, "ai_summary", "other")
                .unwrap()
                .is_none()
        );
        assert!(
            lookup(&conn, 1, 3, "ai_summary", "hello")
                .unwrap()
                .is_none()
        );
        assert!(is_echo(&conn, 1, 2, "ai_summary", "hello", 2_000).unwrap());
        assert!(
            !is_echo(
                &conn,
                1,
                2,
                "ai_summary",
                "hello",
                1_000 + ECHO_WINDOW_MS + 1
            )
            .unwrap()
        );
    }

    #[test]
    fn restores_remember_the_person() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("db")).unwrap();
        let conn = store.conn();
        let person = Writer::Person {
            user_id: Some(9),
            source_type: "CRM_UI".into(),
        };
        record(
            &conn,
            &OwnWrite {
                portal_id: 1,
                object_id: 2,
                property: "ai_summary",
                value: "human text",
                correlation_id: "abc",
                on_behalf_of: Some(&person),
            },
            1,
        )
        .unwrap();
        let e = lookup(&conn, 1, 2, "ai_summary", "human text")
            .unwrap()
            .unwrap();
        assert_eq!(e.on_behalf_of, Some(person));
    }
}
