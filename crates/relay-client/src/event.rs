//! [`WebhookEvent`]: one HubSpot webhook event, exactly as HubSpot sent it.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// One event of a HubSpot webhook batch (`POST` body is a JSON array of these).
///
/// The relay validates every event against this type at ingest, so a consumer never receives
/// one that fails to parse. Fields HubSpot adds later (or that only some subscription types
/// carry, such as `fromObjectId` on association changes) are kept in [`WebhookEvent::extra`]
/// and survive a round trip unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEvent {
    /// HubSpot's event id. Not unique on its own: see [`WebhookEvent::key`].
    pub event_id: u64,
    /// The app's subscription that produced the event.
    pub subscription_id: u64,
    /// The HubSpot account (portal, "hub") the event belongs to.
    pub portal_id: u64,
    /// The HubSpot app the subscription belongs to.
    pub app_id: u64,
    /// When the change happened, in milliseconds since the Unix epoch.
    pub occurred_at: i64,
    /// For example `contact.propertyChange`, `contact.creation`, `contact.deletion`.
    pub subscription_type: String,
    /// 0 on the first delivery; HubSpot retries up to 10 times over 24 hours.
    pub attempt_number: u32,
    /// The changed object. Absent on event types that name two objects (association changes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<u64>,
    /// The changed property (`propertyChange` events only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property_name: Option<String>,
    /// The new value. HubSpot sends strings; numbers and booleans are accepted and stringified.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_string"
    )]
    pub property_value: Option<String>,
    /// Who made the change (`CRM_UI`, `INTEGRATION`, `IMPORT`, …): the engine's echo filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_source: Option<String>,
    /// Details of the source, e.g. `userId:123` or the integration's app id.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_string"
    )]
    pub source_id: Option<String>,
    /// Every other field HubSpot sent, unchanged.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The identity HubSpot guarantees for an event: `eventId` alone repeats across subscriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventKey {
    /// See [`WebhookEvent::portal_id`].
    pub portal_id: u64,
    /// See [`WebhookEvent::subscription_id`].
    pub subscription_id: u64,
    /// See [`WebhookEvent::event_id`].
    pub event_id: u64,
    /// See [`WebhookEvent::occurred_at`].
    pub occurred_at: i64,
}

impl WebhookEvent {
    /// The deduplication key (portalId, subscriptionId, eventId, occurredAt).
    pub fn key(&self) -> EventKey {
        EventKey {
            portal_id: self.portal_id,
            subscription_id: self.subscription_id,
            event_id: self.event_id,
            occurred_at: self.occurred_at,
        }
    }
}

fn lenient_string<'de, D: Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(de)? {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{"eventId":100,"subscriptionId":7,"portalId":62515,"appId":1234567,
        "occurredAt":1693657560000,"subscriptionType":"contact.propertyChange","attemptNumber":0,
        "objectId":123,"propertyName":"email","propertyValue":"a@b.c","changeSource":"CRM_UI",
        "sourceId":"userId:9","changeFlag":"NEW","isSensitive":false}"#;

    #[test]
    fn parses_hubspot_event_and_keeps_unknown_fields() {
        let e: WebhookEvent = serde_json::from_str(SAMPLE).unwrap();
        assert_eq!(e.object_id, Some(123));
        assert_eq!(e.property_value.as_deref(), Some("a@b.c"));
        assert_eq!(e.extra.get("changeFlag"), Some(&Value::from("NEW")));
        let back: Value = serde_json::to_value(&e).unwrap();
        let orig: Value = serde_json::from_str(SAMPLE).unwrap();
        assert_eq!(back, orig);
    }

    #[test]
    fn key_uses_all_four_fields() {
        let e: WebhookEvent = serde_json::from_str(SAMPLE).unwrap();
        assert_eq!(
            e.key(),
            EventKey {
                portal_id: 62515,
                subscription_id: 7,
                event_id: 100,
                occurred_at: 1_693_657_560_000
            }
        );
    }

    #[test]
    fn numeric_property_value_is_stringified() {
        let json = SAMPLE.replace("\"a@b.c\"", "42");
        let e: WebhookEvent = serde_json::from_str(&json).unwrap();
        assert_eq!(e.property_value.as_deref(), Some("42"));
    }

    #[test]
    fn association_event_without_object_id_parses() {
        let json = r#"{"eventId":1,"subscriptionId":2,"portalId":3,"appId":4,"occurredAt":5,
            "subscriptionType":"contact.associationChange","attemptNumber":1,
            "fromObjectId":10,"toObjectId":11}"#;
        let e: WebhookEvent = serde_json::from_str(json).unwrap();
        assert_eq!(e.object_id, None);
        assert_eq!(e.extra.get("toObjectId"), Some(&Value::from(11)));
    }

    #[test]
    fn missing_required_field_is_an_error() {
        let json = SAMPLE.replace("\"portalId\":62515,", "");
        assert!(serde_json::from_str::<WebhookEvent>(&json).is_err());
    }
}
