//! Provenance: for one contact and each AI field, the current value, who wrote it (a Steward
//! round trip with its correlation ID, a person, or another source), when, and a timeline that
//! merges HubSpot's property history with Steward's audit.

use hubspot::{HubSpotClient, ReadOptions};
use serde::Serialize;
use ts_rs::TS;

use crate::audit::{self, AuditFilter, AuditRecord};
use crate::fields;
use crate::writer::{self, Writer};
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
        let versions = contact
            .properties_with_history
            .get(field.name)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let history =
            writer::attributed_history(&conn, portal_id, app_id, contact_id, field.name, versions)?
                .into_iter()
                .map(|v| FieldVersion {
                    value: v.value,
                    at_ms: v.timestamp_ms,
                    writer: v.writer,
                })
                .collect();
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
