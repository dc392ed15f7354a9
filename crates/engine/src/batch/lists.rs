//! Picking a list: type-ahead search over `POST /crm/v3/lists/search`, and resolving what an
//! admin typed (`NAME` or `ID`) to exactly one list.

use hubspot::{HubList, HubSpotClient, ListSearch};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::BatchError;

/// Lists shown per type-ahead answer.
const TYPE_AHEAD: u32 = 20;
/// HubSpot's object type id for contacts.
const CONTACTS: &str = "0-1";

/// A list as the picker shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ListSummary {
    pub list_id: String,
    pub name: String,
    /// Members, when HubSpot says (`hs_list_size`).
    #[ts(type = "number | null")]
    pub size: Option<u64>,
    /// `MANUAL`, `DYNAMIC` or `SNAPSHOT`.
    pub processing_type: Option<String>,
}

impl From<HubList> for ListSummary {
    fn from(l: HubList) -> Self {
        Self {
            size: l.member_count(),
            list_id: l.list_id,
            name: l.name,
            processing_type: l.processing_type,
        }
    }
}

fn is_contact_list(l: &HubList) -> bool {
    l.object_type_id.as_deref().is_none_or(|t| t == CONTACTS)
}

/// Contact lists whose name contains `query` (one HubSpot call: type-ahead).
pub async fn search_lists(
    client: &HubSpotClient,
    query: &str,
) -> Result<Vec<ListSummary>, BatchError> {
    let query = query.trim();
    let search = ListSearch {
        query: (!query.is_empty()).then(|| query.to_owned()),
        additional_properties: vec!["hs_list_size".into()],
        count: Some(TYPE_AHEAD),
        ..ListSearch::default()
    };
    let page = client.search_lists(&search).await?;
    Ok(page
        .lists
        .into_iter()
        .filter(is_contact_list)
        .map(ListSummary::from)
        .collect())
}

/// The one list `spec` names: a list id (all digits) or a list name (exact, ignoring case).
pub async fn resolve_list(client: &HubSpotClient, spec: &str) -> Result<ListSummary, BatchError> {
    let spec = spec.trim();
    if spec.is_empty() {
        return Err(BatchError::ListNotFound(String::new()));
    }
    if spec.chars().all(|c| c.is_ascii_digit()) {
        match client.get_list(spec).await {
            Ok(list) => return Ok(list.into()),
            // A list may also be named with digits only: fall back to the name.
            Err(hubspot::Error::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let lists: Vec<HubList> = client
        .search_all_lists(Some(spec))
        .await?
        .into_iter()
        .filter(is_contact_list)
        .filter(|l| l.name.trim().eq_ignore_ascii_case(spec))
        .collect();
    match lists.len() {
        0 => Err(BatchError::ListNotFound(spec.to_owned())),
        1 => Ok(lists
            .into_iter()
            .next()
            .map(ListSummary::from)
            .ok_or_else(|| BatchError::ListNotFound(spec.to_owned()))?),
        _ => Err(BatchError::AmbiguousList {
            name: spec.to_owned(),
            ids: lists
                .iter()
                .map(|l| l.list_id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}
