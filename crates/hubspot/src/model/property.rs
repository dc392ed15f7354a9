//! Property definitions and property groups (the schema Steward provisions).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::lenient;

/// One option of an enumeration property (e.g. an allowed intent signal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyOption {
    /// Shown to users.
    #[serde(default, deserialize_with = "lenient::string")]
    pub label: String,
    /// Stored value.
    #[serde(default, deserialize_with = "lenient::string")]
    pub value: String,
    /// Optional help text.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<String>,
    /// Position in pickers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_order: Option<i64>,
    /// Hidden from pickers.
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub hidden: bool,
}

impl PropertyOption {
    /// An option whose label equals its value.
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        Self {
            label: value.clone(),
            value,
            description: None,
            display_order: None,
            hidden: false,
        }
    }
}

/// Flags HubSpot sets on its own or locked properties.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModificationMetadata {
    /// Whether the property may be archived.
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub archivable: bool,
    /// Whether the definition is read-only.
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub read_only_definition: bool,
    /// Whether values are read-only.
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub read_only_value: bool,
}

/// A property definition as HubSpot returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Property {
    /// Internal name, e.g. `ai_summary`.
    pub name: String,
    /// Display label.
    #[serde(default, deserialize_with = "lenient::string")]
    pub label: String,
    /// Data type: `string`, `number`, `date`, `datetime`, `enumeration`, `bool`, `phone_number`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub property_type: String,
    /// UI control: `text`, `textarea`, `number`, `checkbox`, `select`, `radio`, `date` …
    #[serde(default, deserialize_with = "lenient::string")]
    pub field_type: String,
    /// The property group it belongs to.
    #[serde(default, deserialize_with = "lenient::string")]
    pub group_name: String,
    /// Help text.
    #[serde(default, deserialize_with = "lenient::string")]
    pub description: String,
    /// Allowed values of enumerations.
    #[serde(default)]
    pub options: Vec<PropertyOption>,
    /// Position in the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_order: Option<i64>,
    /// Values must be unique across records.
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub has_unique_value: bool,
    /// Hidden in the UI.
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub hidden: bool,
    /// Usable in forms.
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub form_field: bool,
    /// Computed by HubSpot.
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub calculated: bool,
    /// Options come from another source.
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub external_options: bool,
    /// Archived (deleted) definition.
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub archived: bool,
    /// Defined by HubSpot itself (not custom).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hubspot_defined: Option<bool>,
    /// Lock flags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modification_metadata: Option<ModificationMetadata>,
    /// Creation time.
    #[serde(default, with = "lenient::opt_timestamp")]
    pub created_at: Option<OffsetDateTime>,
    /// Last change of the definition.
    #[serde(default, with = "lenient::opt_timestamp")]
    pub updated_at: Option<OffsetDateTime>,
}

/// The body of a property create (single or batch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyCreate {
    /// Internal name (lowercase, no spaces).
    pub name: String,
    /// Display label.
    pub label: String,
    /// Data type (`string`, `number`, `datetime`, `enumeration` …).
    #[serde(rename = "type")]
    pub property_type: String,
    /// UI control (`text`, `textarea`, `number`, `checkbox` …).
    pub field_type: String,
    /// Group to put it in (must exist).
    pub group_name: String,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Enumeration options.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<PropertyOption>,
    /// Position in the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_order: Option<i64>,
    /// Values must be unique.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_unique_value: Option<bool>,
    /// Hidden in the UI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden: Option<bool>,
    /// Usable in forms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form_field: Option<bool>,
}

impl PropertyCreate {
    /// A definition with the required fields; set the optional ones on the value.
    pub fn new(
        name: impl Into<String>,
        label: impl Into<String>,
        property_type: impl Into<String>,
        field_type: impl Into<String>,
        group_name: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            label: label.into(),
            property_type: property_type.into(),
            field_type: field_type.into(),
            group_name: group_name.into(),
            description: None,
            options: Vec::new(),
            display_order: None,
            has_unique_value: None,
            hidden: None,
            form_field: None,
        }
    }
}

/// A property group (Steward's is `ai_enrichment`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyGroup {
    /// Internal name.
    pub name: String,
    /// Display label.
    #[serde(default, deserialize_with = "lenient::string")]
    pub label: String,
    /// Position among groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_order: Option<i64>,
    /// Archived group.
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub archived: bool,
}

/// The body of a property group create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyGroupCreate {
    /// Internal name.
    pub name: String,
    /// Display label.
    pub label: String,
    /// Position among groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_order: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_property() {
        let raw = r#"{"name":"ai_intent_signals","label":"AI intent signals","type":"enumeration","fieldType":"checkbox",
          "groupName":"ai_enrichment","description":"","options":[{"label":"Pricing","value":"pricing","displayOrder":0,"hidden":false}],
          "hasUniqueValue":false,"hidden":false,"formField":false,"calculated":false,"externalOptions":false,
          "modificationMetadata":{"archivable":true,"readOnlyDefinition":false,"readOnlyValue":false},
          "createdAt":"2024-01-01T00:00:00Z","updatedAt":null}"#;
        let p: Property = serde_json::from_str(raw).unwrap();
        assert_eq!(p.property_type, "enumeration");
        assert_eq!(p.field_type, "checkbox");
        assert_eq!(p.options[0].value, "pricing");
        assert!(p.updated_at.is_none());
    }

    #[test]
    fn create_body_uses_hubspot_names() {
        let mut p =
            PropertyCreate::new("ai_score", "AI score", "number", "number", "ai_enrichment");
        p.description = Some("0-100".into());
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["type"], "number");
        assert_eq!(v["fieldType"], "number");
        assert_eq!(v["groupName"], "ai_enrichment");
        assert!(v.get("options").is_none());
    }
}
