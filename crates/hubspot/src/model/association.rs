//! v4 associations (contact → notes/emails/calls/meetings).

use serde::{Deserialize, Serialize};

use crate::lenient;
use crate::model::list::Paging;

/// The kind of an association (`HUBSPOT_DEFINED` type 202 is note → contact, etc.).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssociationType {
    /// `HUBSPOT_DEFINED`, `USER_DEFINED` or `INTEGRATOR_DEFINED`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub category: String,
    /// Numeric type id.
    #[serde(default)]
    pub type_id: Option<i64>,
    /// Label of labelled associations.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub label: Option<String>,
}

/// One associated record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Association {
    /// Id of the associated record (HubSpot sends a number; kept as a string like other ids).
    #[serde(deserialize_with = "lenient::id")]
    pub to_object_id: String,
    /// How they are associated.
    #[serde(default)]
    pub association_types: Vec<AssociationType>,
}

/// All associations of one source record (a batch read result).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssociationSet {
    /// The source record id (e.g. the contact).
    pub from_id: String,
    /// Associated records.
    pub to: Vec<Association>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireFrom {
    #[serde(deserialize_with = "lenient::id")]
    pub(crate) id: String,
}

/// One result of `POST /crm/v4/associations/{from}/{to}/batch/read`.
#[derive(Debug, Deserialize)]
pub(crate) struct WireAssociationSet {
    pub(crate) from: WireFrom,
    #[serde(default)]
    pub(crate) to: Vec<Association>,
    #[serde(default)]
    pub(crate) paging: Option<Paging>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_batch_result() {
        let raw = r#"{"from":{"id":"51"},"to":[{"toObjectId":9001,"associationTypes":[{"category":"HUBSPOT_DEFINED","typeId":202,"label":null}]}]}"#;
        let set: WireAssociationSet = serde_json::from_str(raw).unwrap();
        assert_eq!(set.from.id, "51");
        assert_eq!(set.to[0].to_object_id, "9001");
        assert_eq!(set.to[0].association_types[0].type_id, Some(202));
        assert!(set.paging.is_none());
    }
}
