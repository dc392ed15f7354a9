//! The CRM search request (`POST /crm/v3/objects/{type}/search`): a free-text `query`,
//! filter groups (OR-ed; the filters inside a group are AND-ed), sorts, properties, and
//! offset paging through `after`.

use serde::Serialize;

/// Most results HubSpot returns per search page.
pub const SEARCH_LIMIT_MAX: u32 = 200;

/// One search request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequest {
    /// Free text matched against the object's default searchable properties (for contacts:
    /// names, emails, phone numbers, company).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub filter_groups: Vec<FilterGroup>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sorts: Vec<SearchSort>,
    /// Properties to return; empty means HubSpot's default set.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<String>,
    /// Page size, 1–200 (HubSpot's default is 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The previous page's `next_after`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// Filters that must all hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FilterGroup {
    pub filters: Vec<Filter>,
}

/// One condition on a property.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    pub property_name: String,
    /// `EQ`, `NEQ`, `LT`, `LTE`, `GT`, `GTE`, `BETWEEN`, `IN`, `NOT_IN`, `HAS_PROPERTY`,
    /// `NOT_HAS_PROPERTY`, `CONTAINS_TOKEN`, `NOT_CONTAINS_TOKEN`.
    pub operator: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high_value: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

impl Filter {
    /// `property = value`.
    pub fn eq(property: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            property_name: property.into(),
            operator: "EQ".into(),
            value: Some(value.into()),
            high_value: None,
            values: Vec::new(),
        }
    }
}

/// Sort order of the results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchSort {
    pub property_name: String,
    /// `ASCENDING` or `DESCENDING`.
    pub direction: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_hubspot_field_names_and_skips_empty_parts() {
        let req = SearchRequest {
            query: Some("ann".into()),
            filter_groups: vec![FilterGroup {
                filters: vec![Filter::eq("email", "a@b.c")],
            }],
            limit: Some(20),
            ..SearchRequest::default()
        };
        let v = serde_json::to_value(&req).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"query": "ann", "limit": 20, "filterGroups": [
                {"filters": [{"propertyName": "email", "operator": "EQ", "value": "a@b.c"}]}]})
        );
    }
}
