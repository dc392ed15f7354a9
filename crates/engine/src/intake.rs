//! Intake: a webhook event becomes durable in the local inbox (deduplicated on HubSpot's
//! identity), and — unless it is an echo of our own write or irrelevant — folds into the
//! contact's queued job, in the same transaction. The poller acks the relay only after this
//! commits, so an event is never lost between the two.

use relay_client::WebhookEvent;
use rusqlite::params;

use crate::jobs::{self, NewJob, Trigger};
use crate::{EngineError, Store, fields, ledger};

/// What happened to one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// A job for the contact is queued (new or coalesced).
    Queued,
    /// Our own write coming back: dropped.
    Echo,
    /// An event type or property Steward does not act on.
    Ignored,
    /// Seen before (HubSpot retries, relay redelivery): dropped.
    Duplicate,
}

/// The rules intake applies.
#[derive(Debug, Clone)]
pub struct IntakeRules<'a> {
    /// Our HubSpot app id (`sourceId` of our integration's writes).
    pub app_id: u64,
    /// Properties whose change re-enriches a contact.
    pub input_properties: &'a [String],
    /// Coalescing window: a job waits this long after the latest event for its contact.
    pub debounce_ms: i64,
}

fn event_key(e: &WebhookEvent) -> String {
    let k = e.key();
    format!(
        "{}:{}:{}:{}",
        k.portal_id, k.subscription_id, k.event_id, k.occurred_at
    )
}

fn is_our_source(e: &WebhookEvent, app_id: u64) -> bool {
    let ours = app_id.to_string();
    e.change_source.as_deref() == Some("INTEGRATION")
        && e.source_id
            .as_deref()
            .is_some_and(|s| s == ours || s.strip_prefix("app:") == Some(ours.as_str()))
}

/// Durably records one event and queues its contact. Idempotent per HubSpot event identity.
pub fn accept(
    store: &Store,
    event: &WebhookEvent,
    rules: &IntakeRules<'_>,
    now_ms: i64,
) -> Result<Disposition, EngineError> {
    let mut dispositions = accept_all(store, [event], rules, now_ms)?;
    Ok(dispositions.pop().unwrap_or(Disposition::Duplicate))
}

/// [`accept`] for a whole lease in one transaction: one disk sync per lease instead of one per
/// event. Under load a lease holds up to 100 events (most of them echoes of our own writes), and
/// a synchronous commit per event capped intake at a few hundred events per second, so people's
/// edits queued behind the echoes. All or nothing: on an error nothing is recorded and the
/// caller must not ack. Dispositions come back in the events' order.
pub fn accept_all<'e>(
    store: &Store,
    events: impl IntoIterator<Item = &'e WebhookEvent>,
    rules: &IntakeRules<'_>,
    now_ms: i64,
) -> Result<Vec<Disposition>, EngineError> {
    let mut conn = store.conn();
    let tx = conn.transaction()?;
    let dispositions = events
        .into_iter()
        .map(|event| accept_in(&tx, event, rules, now_ms))
        .collect::<Result<Vec<_>, _>>()?;
    tx.commit()?;
    Ok(dispositions)
}

const INSERT_EVENT: &str = "INSERT OR IGNORE INTO inbox (event_key, portal_id, object_id,
        subscription_type, property_name, change_source, source_id, occurred_at, payload,
        disposition, received_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending', ?10)";

/// One event inside the caller's transaction.
fn accept_in(
    tx: &rusqlite::Connection,
    event: &WebhookEvent,
    rules: &IntakeRules<'_>,
    now_ms: i64,
) -> Result<Disposition, EngineError> {
    let payload = serde_json::to_string(event).unwrap_or_default();
    let inserted = tx.prepare_cached(INSERT_EVENT)?.execute(params![
        event_key(event),
        event.portal_id as i64,
        event.object_id.unwrap_or(0) as i64,
        event.subscription_type,
        event.property_name,
        event.change_source,
        event.source_id,
        event.occurred_at,
        payload,
        now_ms
    ])?;
    if inserted == 0 {
        return Ok(Disposition::Duplicate);
    }
    let id = tx.last_insert_rowid();
    let disposition = classify(tx, event, rules, now_ms)?;
    if disposition == Disposition::Queued
        && let Some(contact_id) = event.object_id
    {
        let reference = event.event_id.to_string();
        jobs::enqueue(
            tx,
            &NewJob {
                portal_id: event.portal_id,
                contact_id,
                trigger: Trigger::Live,
                trigger_ref: Some(&reference),
                run_id: None,
                not_before_ms: now_ms + rules.debounce_ms,
            },
            now_ms,
        )?;
    }
    let label = match disposition {
        Disposition::Queued => "queued",
        Disposition::Echo => "echo",
        Disposition::Ignored | Disposition::Duplicate => "ignored",
    };
    tx.prepare_cached("UPDATE inbox SET disposition = ?2 WHERE id = ?1")?
        .execute(params![id, label])?;
    Ok(disposition)
}

fn classify(
    conn: &rusqlite::Connection,
    e: &WebhookEvent,
    rules: &IntakeRules<'_>,
    now_ms: i64,
) -> Result<Disposition, EngineError> {
    let Some(object_id) = e.object_id else {
        return Ok(Disposition::Ignored);
    };
    match e.subscription_type.as_str() {
        "contact.creation" => Ok(Disposition::Queued),
        "contact.propertyChange" => {
            let Some(property) = e.property_name.as_deref() else {
                return Ok(Disposition::Ignored);
            };
            if fields::is_ai_field(property) || property.starts_with("ai_") {
                return Ok(Disposition::Echo);
            }
            if is_our_source(e, rules.app_id) {
                return Ok(Disposition::Echo);
            }
            let value = e.property_value.as_deref().unwrap_or_default();
            if ledger::is_echo(conn, e.portal_id, object_id, property, value, now_ms)? {
                return Ok(Disposition::Echo);
            }
            if rules.input_properties.iter().any(|p| p == property) {
                Ok(Disposition::Queued)
            } else {
                Ok(Disposition::Ignored)
            }
        }
        _ => Ok(Disposition::Ignored),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(
        id: u64,
        kind: &str,
        property: Option<&str>,
        source: Option<(&str, &str)>,
    ) -> WebhookEvent {
        serde_json::from_value(serde_json::json!({
            "eventId": id, "subscriptionId": 9, "portalId": 1, "appId": 77, "occurredAt": 1000 + id,
            "subscriptionType": kind, "attemptNumber": 0, "objectId": 5,
            "propertyName": property, "propertyValue": "v",
            "changeSource": source.map(|s| s.0), "sourceId": source.map(|s| s.1),
        }))
        .unwrap()
    }

    fn setup() -> (tempfile::TempDir, Store) {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("db")).unwrap();
        (tmp, store)
    }

    #[test]
    fn events_queue_once_and_duplicates_drop() {
        let (_t, store) = setup();
        let inputs = vec!["company".to_owned()];
        let rules = IntakeRules {
            app_id: 77,
            input_properties: &inputs,
            debounce_ms: 500,
        };
        let e = event(
            1,
            "contact.propertyChange",
            Some("company"),
            Some(("CRM_UI", "userId:3")),
        );
        assert_eq!(accept(&store, &e, &rules, 0).unwrap(), Disposition::Queued);
        assert_eq!(
            accept(&store, &e, &rules, 1).unwrap(),
            Disposition::Duplicate
        );
        let e2 = event(2, "contact.creation", None, None);
        assert_eq!(accept(&store, &e2, &rules, 2).unwrap(), Disposition::Queued);
        assert_eq!(
            jobs::outstanding(&store.conn()).unwrap(),
            1,
            "coalesced per contact"
        );
    }

    #[test]
    fn a_lease_is_accepted_in_one_go_in_order() {
        let (_t, store) = setup();
        let inputs = vec!["company".to_owned()];
        let rules = IntakeRules {
            app_id: 77,
            input_properties: &inputs,
            debounce_ms: 100,
        };
        let human = |id| {
            event(
                id,
                "contact.propertyChange",
                Some("company"),
                Some(("CRM_UI", "userId:3")),
            )
        };
        let echo = event(
            3,
            "contact.propertyChange",
            Some("ai_summary"),
            Some(("INTEGRATION", "77")),
        );
        let lease = [human(1), human(1), echo, human(2)];
        assert_eq!(
            accept_all(&store, &lease, &rules, 1_000).unwrap(),
            vec![
                Disposition::Queued,
                Disposition::Duplicate,
                Disposition::Echo,
                Disposition::Queued
            ]
        );
        let conn = store.conn();
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM inbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 3, "the duplicate inside the lease is stored once");
        assert_eq!(
            jobs::outstanding(&conn).unwrap(),
            1,
            "coalesced per contact"
        );
        let ready: i64 = conn
            .query_row("SELECT not_before FROM jobs", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ready, 1_100);
        drop(conn);
        // Delivered again (a lost ack): nothing new.
        assert!(
            accept_all(&store, &lease, &rules, 2_000)
                .unwrap()
                .iter()
                .all(|d| *d == Disposition::Duplicate)
        );
        assert!(accept_all(&store, &[], &rules, 3_000).unwrap().is_empty());
    }

    #[test]
    fn echoes_and_irrelevant_events_queue_nothing() {
        let (_t, store) = setup();
        let inputs = vec!["company".to_owned()];
        let rules = IntakeRules {
            app_id: 77,
            input_properties: &inputs,
            debounce_ms: 0,
        };
        let ai = event(
            1,
            "contact.propertyChange",
            Some("ai_summary"),
            Some(("CRM_UI", "userId:3")),
        );
        assert_eq!(accept(&store, &ai, &rules, 0).unwrap(), Disposition::Echo);
        let ours = event(
            2,
            "contact.propertyChange",
            Some("company"),
            Some(("INTEGRATION", "77")),
        );
        assert_eq!(accept(&store, &ours, &rules, 0).unwrap(), Disposition::Echo);
        let other = event(
            3,
            "contact.propertyChange",
            Some("phone"),
            Some(("CRM_UI", "userId:3")),
        );
        assert_eq!(
            accept(&store, &other, &rules, 0).unwrap(),
            Disposition::Ignored
        );
        let deletion = event(4, "contact.deletion", None, None);
        assert_eq!(
            accept(&store, &deletion, &rules, 0).unwrap(),
            Disposition::Ignored
        );
        {
            let conn = store.conn();
            ledger::record(
                &conn,
                &ledger::OwnWrite {
                    portal_id: 1,
                    object_id: 5,
                    property: "company",
                    value: "v",
                    correlation_id: "c",
                    on_behalf_of: None,
                },
                0,
            )
            .unwrap();
        }
        let ledger_echo = event(
            5,
            "contact.propertyChange",
            Some("company"),
            Some(("INTEGRATION", "99")),
        );
        assert_eq!(
            accept(&store, &ledger_echo, &rules, 10).unwrap(),
            Disposition::Echo
        );
        assert_eq!(jobs::outstanding(&store.conn()).unwrap(), 0);
    }
}
