//! Provenance: for one contact and each AI field, the current value, who wrote it (a Steward
//! round trip with its correlation ID, a person, or another source), when, and a timeline that
//! merges HubSpot's property history with Steward's audit.

use hubspot::{HubSpotClient, ReadOptions};
use serde::Serialize;
use ts_rs::TS;

use crate::audit::{self, AuditFilter, AuditRecord};
use crate::fields;
use crate::ledger;
use crate::writer::{self, Version, Writer};
use crate::{EngineError, Store};

/// One version of a field in HubSpot, with its writer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FieldVersion {
    pub value: String,
    #[ts(type = "number")]
    pub at_ms: i64,
    pub writer: Writer,
}

/// One AI field of the contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FieldProvenance {
    pub property: String,
    pub label: String,
    /// Newest first.
    pub history: Vec<FieldVersion>,
}

impl FieldProvenance {
    pub fn current(&self) -> Option<&FieldVersion> {
        self.history.first()
    }
}

/// Everything the Contacts screen and `steward provenance` show.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ContactProvenance {
    #[ts(type = "number")]
    pub portal_id: u64,
    #[ts(type = "number")]
    pub contact_id: u64,
    pub fields: Vec<FieldProvenance>,
    /// Steward's audit rows for the contact, newest first.
    pub audit: Vec<AuditRecord>,
}

/// Why provenance could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProvenanceError {
    #[error("could not read contact {contact_id} from HubSpot: {source}")]
    HubSpot {
        contact_id: u64,
        #[source]
        source: hubspot::Error,
    },
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Reads the contact's AI fields with history and classifies every version.
pub async fn contact_provenance(
    client: &HubSpotClient,
    store: &Store,
    portal_id: u64,
    app_id: u64,
    contact_id: u64,
) -> Result<ContactProvenance, ProvenanceError> {
    let names: Vec<&str> = fields::AI_FIELDS.iter().map(|f| f.name).collect();
    let opts = ReadOptions::properties(names.clone()).with_history(names);
    let contact = client
        .get_contact(&contact_id.to_string(), &opts)
        .await
        .map_err(|source| ProvenanceError::HubSpot { contact_id, source })?;
    from_contact(&contact, store, portal_id, app_id, contact_id)
}

/// Provenance from a contact already read with the AI fields' history (callers that need
/// more properties read them in the same request).
pub fn from_contact(
    contact: &hubspot::Contact,
    store: &Store,
    portal_id: u64,
    app_id: u64,
    contact_id: u64,
) -> Result<ContactProvenance, ProvenanceError> {
    let conn = store.conn();
    let mut out = Vec::new();
    for field in fields::AI_FIELDS.iter() {
        let mut history = Vec::new();
        let mut versions = contact
            .properties_with_history
            .get(field.name)
            .cloned()
            .unwrap_or_default();
        versions.sort_by_key(|v| std::cmp::Reverse(v.timestamp));
        for v in versions {
            let version = Version {
                value: v.value.clone(),
                timestamp_ms: i64::try_from(v.timestamp.unix_timestamp_nanos() / 1_000_000)
                    .unwrap_or(0),
                source_type: v.source_type.clone(),
                source_id: v.source_id.clone(),
                updated_by_user_id: v.updated_by_user_id,
            };
            let writer = writer::classify(&version, app_id, |value| {
                ledger::lookup(&conn, portal_id, contact_id, field.name, value)
                    .ok()
                    .flatten()
            });
            history.push(FieldVersion {
                value: version.value,
                at_ms: version.timestamp_ms,
                writer,
            });
        }
        out.push(FieldProvenance {
            property: field.name.to_owned(),
            label: field.label.to_owned(),
            history,
        });
    }
    let audit = audit::list(
        &conn,
        &AuditFilter {
            contact_id: Some(contact_id),
            limit: Some(200),
            ..Default::default()
        },
    )?
    .into_iter()
    .filter(|r| r.portal_id == portal_id)
    .collect();
    Ok(ContactProvenance {
        portal_id,
        contact_id,
        fields: out,
        audit,
    })
}
