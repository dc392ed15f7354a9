//! Contact lists (HubSpot's v3 "segments") with static memberships.

use serde_json::{Value, json};

use crate::util::iso;

/// A MANUAL (static) contact list.
#[derive(Clone, Debug)]
pub(crate) struct List {
    pub id: u64,
    pub name: String,
    pub created_ms: i64,
    pub updated_ms: i64,
    /// `(record id, added at ms)`, kept sorted by record id.
    pub members: Vec<(u64, i64)>,
}

impl List {
    /// HubSpot's list definition JSON as returned by `POST /crm/v3/lists/search`.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "listId": self.id.to_string(),
            "listVersion": 1,
            "name": self.name,
            "objectTypeId": "0-1",
            "processingStatus": "COMPLETE",
            "processingType": "MANUAL",
            "createdAt": iso(self.created_ms),
            "updatedAt": iso(self.updated_ms),
            "filtersUpdatedAt": iso(self.created_ms),
            "createdById": "1",
            "updatedById": "1",
            "additionalProperties": {
                "hs_list_size": self.members.len().to_string(),
                "hs_list_reference_count": "0",
            },
        })
    }
}
