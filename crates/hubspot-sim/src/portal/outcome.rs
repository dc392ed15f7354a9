//! What writes produce: webhook-worthy changes, stats rows, and queued human edits.

use serde::Serialize;

use crate::model::contact::{Source, SourceType};

/// What happened to a contact, for webhooks.
#[derive(Clone, Debug)]
pub(crate) struct Change {
    pub portal_id: u64,
    pub object_id: u64,
    /// `None` for `contact.creation`, the property name and new value otherwise.
    pub property: Option<(String, String)>,
    pub source: Source,
    pub occurred_ms: i64,
}

/// A property write as `/_sim/stats` lists it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WriteRecord {
    pub portal_id: u64,
    pub object_id: String,
    pub property: String,
    pub value: String,
    pub source_type: SourceType,
    pub source_id: Option<String>,
    pub updated_by_user_id: Option<u64>,
    pub timestamp: String,
    /// False when the value equalled the current one (HubSpot keeps no new version).
    pub changed: bool,
}

/// A human edit queued by `/_sim/hooks/before-write`, applied right before the next API
/// write touching the contact.
#[derive(Clone, Debug)]
pub(crate) struct PendingEdit {
    pub property: String,
    pub value: String,
    pub user_id: u64,
}

/// Results of a set of writes to one contact.
#[derive(Default, Debug)]
pub(crate) struct Outcome {
    pub changes: Vec<Change>,
    pub writes: Vec<WriteRecord>,
}

impl Outcome {
    pub(crate) fn extend(&mut self, other: Outcome) {
        self.changes.extend(other.changes);
        self.writes.extend(other.writes);
    }
}
