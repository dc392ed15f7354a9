//! Lists (segments) and their memberships, for batch re-enrichment.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::lenient;

/// Body of `POST /crm/v3/lists/search`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListSearch {
    /// Text to match in list names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// `MANUAL`, `DYNAMIC`, `SNAPSHOT`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub processing_types: Vec<String>,
    /// Restrict to these list ids.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub list_ids: Vec<String>,
    /// Extra list properties to return (e.g. `hs_list_size`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub additional_properties: Vec<String>,
    /// Offset of the first list.
    pub offset: u64,
    /// Page size (HubSpot allows up to 500).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
}

impl ListSearch {
    /// Searches list names for `query`.
    pub fn named(query: impl Into<String>) -> Self {
        Self {
            query: Some(query.into()),
            ..Self::default()
        }
    }
}

/// A list as returned by list search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HubList {
    /// List id (HubSpot sends a string in v3).
    #[serde(deserialize_with = "lenient::id")]
    pub list_id: String,
    /// Name shown in HubSpot.
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    /// `0-1` for contacts.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub object_type_id: Option<String>,
    /// `MANUAL`, `DYNAMIC` or `SNAPSHOT`.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub processing_type: Option<String>,
    /// Member count when HubSpot sends it directly.
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub size: Option<u64>,
    /// Extra properties such as `hs_list_size`.
    #[serde(default, deserialize_with = "lenient::property_map")]
    pub additional_properties: BTreeMap<String, Option<String>>,
    /// Creation time.
    #[serde(default, with = "lenient::opt_timestamp")]
    pub created_at: Option<OffsetDateTime>,
    /// Last change.
    #[serde(default, with = "lenient::opt_timestamp")]
    pub updated_at: Option<OffsetDateTime>,
}

impl HubList {
    /// Member count from `size` or `additionalProperties.hs_list_size`.
    pub fn member_count(&self) -> Option<u64> {
        self.size.or_else(|| {
            self.additional_properties
                .get("hs_list_size")?
                .as_deref()?
                .parse()
                .ok()
        })
    }
}

/// One page of list search results.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListSearchPage {
    /// Lists on this page.
    #[serde(default)]
    pub lists: Vec<HubList>,
    /// Whether another page follows.
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub has_more: bool,
    /// Offset to pass for the next page.
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub offset: Option<u64>,
    /// Total matches, when sent.
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub total: Option<u64>,
}

/// A record in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    /// The member record's id.
    pub record_id: String,
    /// When it joined the list, when HubSpot says.
    #[serde(default, with = "lenient::opt_timestamp")]
    pub membership_timestamp: Option<OffsetDateTime>,
}

/// A membership entry on the wire: an object, or (older shape) a bare id.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum WireMembership {
    Full {
        #[serde(rename = "recordId", deserialize_with = "lenient::id")]
        record_id: String,
        #[serde(
            default,
            rename = "membershipTimestamp",
            with = "lenient::opt_timestamp"
        )]
        membership_timestamp: Option<OffsetDateTime>,
    },
    Bare(#[serde(deserialize_with = "lenient::id")] String),
}

impl From<WireMembership> for Membership {
    fn from(w: WireMembership) -> Self {
        match w {
            WireMembership::Full {
                record_id,
                membership_timestamp,
            } => Membership {
                record_id,
                membership_timestamp,
            },
            WireMembership::Bare(record_id) => Membership {
                record_id,
                membership_timestamp: None,
            },
        }
    }
}

/// A page of a cursor-paged collection (`after`).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// Items on this page.
    pub results: Vec<T>,
    /// Cursor for the next page; `None` on the last page.
    pub next_after: Option<String>,
    /// Total, when HubSpot sends it.
    pub total: Option<u64>,
}

/// HubSpot's `paging` object.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Paging {
    #[serde(default)]
    pub(crate) next: Option<NextPage>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct NextPage {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub(crate) after: Option<String>,
}

impl Paging {
    pub(crate) fn after(self) -> Option<String> {
        self.next?.after.filter(|a| !a.is_empty())
    }
}

/// Wire shape of a paged collection.
#[derive(Debug, Deserialize)]
pub(crate) struct WirePage<T> {
    #[serde(default = "Vec::new")]
    pub(crate) results: Vec<T>,
    #[serde(default)]
    pub(crate) paging: Option<Paging>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub(crate) total: Option<u64>,
}

impl<T> WirePage<T> {
    pub(crate) fn into_page<U: From<T>>(self) -> Page<U> {
        Page {
            results: self.results.into_iter().map(U::from).collect(),
            next_after: self.paging.and_then(Paging::after),
            total: self.total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_memberships_both_shapes() {
        let raw = r#"{"results":[{"recordId":"11","membershipTimestamp":"2024-01-01T00:00:00Z"},"12",13],
          "paging":{"next":{"after":"AB"}},"total":3}"#;
        let page: WirePage<WireMembership> = serde_json::from_str(raw).unwrap();
        let page: Page<Membership> = page.into_page();
        let ids: Vec<_> = page.results.iter().map(|m| m.record_id.as_str()).collect();
        assert_eq!(ids, ["11", "12", "13"]);
        assert_eq!(page.next_after.as_deref(), Some("AB"));
    }

    #[test]
    fn decodes_list_search() {
        let raw = r#"{"offset":1,"hasMore":false,"total":1,"lists":[{"listId":"7","name":"Q3 leads","objectTypeId":"0-1",
          "processingType":"MANUAL","additionalProperties":{"hs_list_size":"130"}}]}"#;
        let page: ListSearchPage = serde_json::from_str(raw).unwrap();
        assert_eq!(page.lists[0].list_id, "7");
        assert_eq!(page.lists[0].member_count(), Some(130));
    }
}
