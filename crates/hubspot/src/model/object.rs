//! CRM records (contacts and engagements) and their property history.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::lenient;

/// The CRM object types Steward reads. The string form is HubSpot's path segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectType {
    /// `contacts`: the records Steward enriches.
    Contacts,
    /// `companies`.
    Companies,
    /// `deals`.
    Deals,
    /// `notes` (engagement).
    Notes,
    /// `emails` (engagement).
    Emails,
    /// `calls` (engagement).
    Calls,
    /// `meetings` (engagement).
    Meetings,
    /// `tasks` (engagement).
    Tasks,
}

impl ObjectType {
    /// The engagement types that feed the rolling activity summary.
    pub const ACTIVITY: [ObjectType; 4] = [
        ObjectType::Notes,
        ObjectType::Emails,
        ObjectType::Calls,
        ObjectType::Meetings,
    ];

    /// HubSpot's path segment, e.g. `contacts`.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectType::Contacts => "contacts",
            ObjectType::Companies => "companies",
            ObjectType::Deals => "deals",
            ObjectType::Notes => "notes",
            ObjectType::Emails => "emails",
            ObjectType::Calls => "calls",
            ObjectType::Meetings => "meetings",
            ObjectType::Tasks => "tasks",
        }
    }
}

impl fmt::Display for ObjectType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One version of a property value, as listed in `propertiesWithHistory` (newest first).
///
/// The guard reads `source_type` / `source_id` / `updated_by_user_id` to tell our own
/// integration's writes from humans (`CRM_UI`, `MOBILE_*`, `IMPORT`, workflows …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyVersion {
    /// The value this version set (`""` when cleared).
    #[serde(default, deserialize_with = "lenient::string")]
    pub value: String,
    /// When it was set.
    #[serde(with = "lenient::timestamp")]
    pub timestamp: OffsetDateTime,
    /// Who/what wrote it: `CRM_UI`, `INTEGRATION`, `API`, `IMPORT`, `WORKFLOWS`, `MOBILE_IOS` …
    #[serde(default, deserialize_with = "lenient::string")]
    pub source_type: String,
    /// Source detail, e.g. `userId:123` or the app id for integrations.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub source_id: Option<String>,
    /// Display label of the source, when HubSpot sends one.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub source_label: Option<String>,
    /// HubSpot user id of a human writer.
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_by_user_id: Option<u64>,
}

/// A CRM record as HubSpot returns it (v3 objects API).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CrmObject {
    /// Record id (HubSpot sends a string).
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    /// Current values of the requested properties (`None` = no value).
    #[serde(default, deserialize_with = "lenient::property_map")]
    pub properties: BTreeMap<String, Option<String>>,
    /// History of the properties requested with history, newest first.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties_with_history: BTreeMap<String, Vec<PropertyVersion>>,
    /// Creation time.
    #[serde(default, with = "lenient::opt_timestamp")]
    pub created_at: Option<OffsetDateTime>,
    /// Last modification time.
    #[serde(default, with = "lenient::opt_timestamp")]
    pub updated_at: Option<OffsetDateTime>,
    /// Whether the record is archived (deleted).
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub archived: bool,
}

/// A contact. Same shape as every CRM record.
pub type Contact = CrmObject;

/// A note, email, call or meeting. Same shape as every CRM record.
pub type Engagement = CrmObject;

impl CrmObject {
    /// The current value of a property, `None` when absent or empty-null.
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties.get(name)?.as_deref()
    }

    /// History of one property, newest first (empty when not requested or never set).
    pub fn history(&self, name: &str) -> &[PropertyVersion] {
        self.properties_with_history
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// What to read in a get or batch read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Properties to return current values for.
    pub properties: Vec<String>,
    /// Properties to return full history for. Non-empty caps batch reads at 50 per call.
    pub properties_with_history: Vec<String>,
}

impl ReadOptions {
    /// Current values only.
    pub fn properties<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            properties: names.into_iter().map(Into::into).collect(),
            properties_with_history: Vec::new(),
        }
    }

    /// Adds properties to read with history.
    pub fn with_history<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.properties_with_history
            .extend(names.into_iter().map(Into::into));
        self
    }
}

/// One record of a batch update: id plus the property values to set (`""` clears a value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectUpdate {
    /// Record id.
    pub id: String,
    /// Values to write.
    pub properties: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_contact_with_history() {
        let raw = r#"{"id":"101","properties":{"email":"a@b.c","age":42,"empty":null},
          "propertiesWithHistory":{"ai_summary":[{"value":"x","timestamp":"2024-05-01T10:00:00Z",
          "sourceType":"CRM_UI","sourceId":"userId:7","updatedByUserId":7},
          {"value":"y","timestamp":1714500000000,"sourceType":"INTEGRATION","sourceId":"1234567"}]},
          "createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-05-01T10:00:00Z","archived":false}"#;
        let c: Contact = serde_json::from_str(raw).unwrap();
        assert_eq!(c.id, "101");
        assert_eq!(c.property("email"), Some("a@b.c"));
        assert_eq!(c.property("age"), Some("42"));
        assert_eq!(c.property("empty"), None);
        let h = c.history("ai_summary");
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].updated_by_user_id, Some(7));
        assert_eq!(h[1].source_type, "INTEGRATION");
        assert!(c.created_at.is_some());
        // Round trip through our own serialisation.
        let back: Contact = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn minimal_record() {
        let c: CrmObject = serde_json::from_str(r#"{"id":5}"#).unwrap();
        assert_eq!(c.id, "5");
        assert!(c.properties.is_empty());
        assert!(!c.archived);
    }
}
