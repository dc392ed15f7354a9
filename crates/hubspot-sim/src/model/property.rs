//! Property and group definitions, their HubSpot JSON, and value validation on writes.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::util::{iso, parse_time_ms};

/// One option of an enumeration property.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PropOption {
    pub label: String,
    pub value: String,
    #[serde(default)]
    pub display_order: i64,
    #[serde(default)]
    pub hidden: bool,
    #[serde(default)]
    pub description: Option<String>,
}

impl PropOption {
    pub(crate) fn new(value: &str, label: &str, order: i64) -> Self {
        Self {
            label: label.to_owned(),
            value: value.to_owned(),
            display_order: order,
            hidden: false,
            description: None,
        }
    }

    fn to_json(&self) -> Value {
        let mut v = json!({
            "label": self.label,
            "value": self.value,
            "displayOrder": self.display_order,
            "hidden": self.hidden,
        });
        if let Some(d) = &self.description {
            v["description"] = json!(d);
        }
        v
    }
}

/// A contact property definition.
#[derive(Debug, Clone)]
pub(crate) struct PropertyDef {
    pub name: String,
    pub label: String,
    pub kind: String,
    pub field_type: String,
    pub group_name: String,
    pub description: String,
    pub options: Vec<PropOption>,
    pub display_order: i64,
    pub has_unique_value: bool,
    pub hidden: bool,
    pub hubspot_defined: bool,
    pub read_only_value: bool,
    pub calculated: bool,
    pub form_field: bool,
    pub created_ms: i64,
    pub updated_ms: i64,
}

impl PropertyDef {
    /// HubSpot's `Property` JSON.
    pub(crate) fn to_json(&self) -> Value {
        let mut v = json!({
            "name": self.name,
            "label": self.label,
            "type": self.kind,
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group_name,
            "options": self.options.iter().map(PropOption::to_json).collect::<Vec<_>>(),
            "displayOrder": self.display_order,
            "calculated": self.calculated,
            "externalOptions": false,
            "hasUniqueValue": self.has_unique_value,
            "hidden": self.hidden,
            "formField": self.form_field,
            "dataSensitivity": "non_sensitive",
            "modificationMetadata": {
                "archivable": !self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyValue": self.read_only_value,
            },
            "createdAt": iso(self.created_ms),
            "updatedAt": iso(self.updated_ms),
            "archived": false,
        });
        if self.hubspot_defined {
            v["hubspotDefined"] = json!(true);
        }
        v
    }

    /// Checks and normalises a value written to this property, as HubSpot does:
    /// numbers must parse, enumeration values must be options, datetimes become RFC 3339.
    /// Returns `(error code, message)` when HubSpot would refuse it.
    pub(crate) fn normalize(&self, raw: &str) -> Result<String, (&'static str, String)> {
        if self.read_only_value {
            return Err((
                "READ_ONLY_VALUE",
                format!(
                    "Property \"{}\" is a read only property; its value cannot be set.",
                    self.name
                ),
            ));
        }
        if raw.is_empty() {
            return Ok(String::new());
        }
        match self.kind.as_str() {
            "number" => match raw.trim().parse::<f64>() {
                Ok(n) if n.is_finite() => Ok(raw.trim().to_owned()),
                _ => Err((
                    "INVALID_FLOAT",
                    format!("{raw:?} was not a valid number."),
                )),
            },
            "bool" => match raw.trim().to_ascii_lowercase().as_str() {
                "true" | "false" => Ok(raw.trim().to_ascii_lowercase()),
                _ => Err((
                    "INVALID_BOOLEAN",
                    format!("{raw:?} is not a valid boolean; use true or false."),
                )),
            },
            "datetime" => parse_time_ms(raw).map(iso).ok_or_else(|| {
                (
                    "INVALID_DATETIME",
                    format!("{raw:?} is not a valid datetime; use epoch milliseconds or ISO 8601."),
                )
            }),
            "date" => parse_time_ms(raw)
                .map(|ms| iso(ms - ms.rem_euclid(86_400_000))[..10].to_owned())
                .or_else(|| (raw.len() == 10 && raw.as_bytes()[4] == b'-').then(|| raw.to_owned()))
                .ok_or_else(|| {
                    (
                        "INVALID_DATE",
                        format!("{raw:?} is not a valid date; use YYYY-MM-DD or midnight UTC in epoch milliseconds."),
                    )
                }),
            "enumeration" => {
                for part in raw.split(';').filter(|p| !p.is_empty()) {
                    if !self.options.iter().any(|o| o.value == part) {
                        return Err((
                            "INVALID_OPTION",
                            format!(
                                "{part:?} was not one of the allowed options: [{}]",
                                self.options
                                    .iter()
                                    .map(|o| o.value.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        ));
                    }
                }
                Ok(raw.to_owned())
            }
            _ => Ok(raw.to_owned()),
        }
    }
}

/// A property group.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub name: String,
    pub label: String,
    pub display_order: i64,
}

impl Group {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "label": self.label,
            "displayOrder": self.display_order,
            "archived": false,
        })
    }
}

/// The body of `POST /crm/v3/properties/contacts` (and each batch-create input).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PropertyInput {
    pub name: Option<String>,
    pub label: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub field_type: Option<String>,
    pub group_name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub options: Vec<PropOption>,
    #[serde(default)]
    pub display_order: Option<i64>,
    #[serde(default)]
    pub has_unique_value: bool,
    #[serde(default)]
    pub hidden: bool,
    #[serde(default)]
    pub form_field: Option<bool>,
}

/// Which `fieldType`s HubSpot allows for each `type`.
fn field_types_for(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "string" => &[
            "text",
            "textarea",
            "phonenumber",
            "html",
            "file",
            "calculation_equation",
        ],
        "number" => &["number", "calculation_equation"],
        "date" | "datetime" => &["date"],
        "enumeration" => &[
            "select",
            "radio",
            "checkbox",
            "booleancheckbox",
            "calculation_equation",
        ],
        "bool" => &["booleancheckbox", "calculation_equation"],
        _ => return None,
    })
}

impl PropertyInput {
    /// Validates the input the way HubSpot does and builds the definition.
    /// `group_exists` answers whether `groupName` names an existing group.
    pub(crate) fn build(
        self,
        group_exists: impl Fn(&str) -> bool,
        now_ms: i64,
    ) -> Result<PropertyDef, String> {
        let name = self
            .name
            .filter(|n| !n.is_empty())
            .ok_or("Property name is required.")?;
        let valid_name = name.len() <= 100
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid_name {
            return Err(format!(
                "Property name {name:?} is invalid: use lowercase letters, digits and underscores, starting with a letter (at most 100 characters)."
            ));
        }
        let label = self
            .label
            .filter(|l| !l.is_empty())
            .ok_or("Property label is required.")?;
        let kind = self.kind.ok_or("Property type is required.")?;
        let field_type = self.field_type.ok_or("Property fieldType is required.")?;
        let allowed = field_types_for(&kind).ok_or_else(|| {
            format!("Property type {kind:?} is invalid: use string, number, date, datetime, enumeration or bool.")
        })?;
        if !allowed.contains(&field_type.as_str()) {
            return Err(format!(
                "fieldType {field_type:?} is not valid for type {kind:?}; allowed: {}.",
                allowed.join(", ")
            ));
        }
        let group_name = self.group_name.ok_or("Property groupName is required.")?;
        if !group_exists(&group_name) {
            return Err(format!(
                "Property group {group_name:?} does not exist; create it first."
            ));
        }
        if kind == "enumeration" && self.options.is_empty() && field_type != "booleancheckbox" {
            return Err(format!(
                "Enumeration property {name:?} needs at least one option."
            ));
        }
        Ok(PropertyDef {
            name,
            label,
            kind,
            field_type,
            group_name,
            description: self.description.unwrap_or_default(),
            options: self.options,
            display_order: self.display_order.unwrap_or(-1),
            has_unique_value: self.has_unique_value,
            hidden: self.hidden,
            hubspot_defined: false,
            read_only_value: false,
            calculated: false,
            form_field: self.form_field.unwrap_or(false),
            created_ms: now_ms,
            updated_ms: now_ms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(kind: &str, field_type: &str) -> PropertyInput {
        serde_json::from_value(json!({
            "name": "ai_score", "label": "AI score", "type": kind,
            "fieldType": field_type, "groupName": "ai_enrichment"
        }))
        .unwrap()
    }

    #[test]
    fn builds_valid_definitions_and_rejects_bad_ones() {
        let def = input("number", "number").build(|_| true, 0).unwrap();
        assert_eq!(def.normalize("0.5").unwrap(), "0.5");
        assert_eq!(def.normalize("abc").unwrap_err().0, "INVALID_FLOAT");
        assert!(input("number", "text").build(|_| true, 0).is_err());
        assert!(input("number", "number").build(|_| false, 0).is_err());
        assert!(input("color", "text").build(|_| true, 0).is_err());
    }

    #[test]
    fn normalizes_datetimes() {
        let mut def = input("datetime", "date").build(|_| true, 0).unwrap();
        assert_eq!(
            def.normalize("1693657560000").unwrap(),
            "2023-09-02T12:26:00.000Z"
        );
        assert_eq!(def.normalize("nope").unwrap_err().0, "INVALID_DATETIME");
        def.read_only_value = true;
        assert_eq!(def.normalize("1").unwrap_err().0, "READ_ONLY_VALUE");
    }
}
