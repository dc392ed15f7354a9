//! Lists v3: search list definitions, read one, page memberships (≤ 250 per page).

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};

use super::support::{HsJson, Query, portal_of};
use crate::auth::AuthCtx;
use crate::error::{ApiError, ApiResult};
use crate::state::Sim;
use crate::util::{iso, read};

/// Scope for reading lists.
pub(crate) const LISTS_READ: &str = "crm.lists.read";

/// The body of `POST /crm/v3/lists/search`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchBody {
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    list_ids: Vec<Value>,
    #[serde(default)]
    offset: Option<usize>,
    #[serde(default)]
    count: Option<usize>,
    #[serde(default)]
    processing_types: Vec<String>,
}

/// `POST /crm/v3/lists/search`: by name substring, ids or processing type, paged by offset.
pub(crate) async fn search(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<AuthCtx>,
    HsJson(body): HsJson<SearchBody>,
) -> ApiResult<Json<Value>> {
    ctx.require(LISTS_READ)?;
    let count = body.count.unwrap_or(20);
    if !(1..=500).contains(&count) {
        return Err(ApiError::validation("count must be between 1 and 500"));
    }
    let offset = body.offset.unwrap_or(0);
    let query = body.query.unwrap_or_default().to_lowercase();
    let ids: Vec<String> = body
        .list_ids
        .iter()
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
        .collect();
    let portal_ref = portal_of(&sim, &ctx)?;
    let portal = read(&portal_ref);
    let matching: Vec<Value> = portal
        .lists
        .values()
        .filter(|l| query.is_empty() || l.name.to_lowercase().contains(&query))
        .filter(|l| ids.is_empty() || ids.contains(&l.id.to_string()))
        .filter(|_| {
            body.processing_types.is_empty() || body.processing_types.iter().any(|t| t == "MANUAL")
        })
        .map(|l| l.to_json())
        .collect();
    let total = matching.len();
    let page: Vec<Value> = matching.into_iter().skip(offset).take(count).collect();
    let next = offset + page.len();
    Ok(Json(json!({
        "lists": page,
        "offset": next,
        "hasMore": next < total,
        "total": total,
    })))
}

fn parse_list_id(raw: &str) -> ApiResult<u64> {
    raw.parse()
        .map_err(|_| ApiError::validation(format!("List id {raw:?} is not a number.")))
}

fn no_list(id: u64) -> ApiError {
    ApiError::not_found(format!("List does not exist with ID {id}."))
}

/// `GET /crm/v3/lists/{listId}`.
pub(crate) async fn get_one(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<AuthCtx>,
    Path(list_id): Path<String>,
) -> ApiResult<Json<Value>> {
    ctx.require(LISTS_READ)?;
    let id = parse_list_id(&list_id)?;
    let portal_ref = portal_of(&sim, &ctx)?;
    let portal = read(&portal_ref);
    let list = portal.lists.get(&id).ok_or_else(|| no_list(id))?;
    Ok(Json(json!({ "list": list.to_json() })))
}

/// `GET /crm/v3/lists/{listId}/memberships?limit&after`: members by ascending record id.
pub(crate) async fn memberships(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<AuthCtx>,
    Path(list_id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    ctx.require(LISTS_READ)?;
    let id = parse_list_id(&list_id)?;
    let q = Query::parse(q.as_deref());
    let limit: usize = match q.one("limit") {
        None => 100,
        Some(l) => l
            .parse()
            .ok()
            .filter(|n| (1..=250).contains(n))
            .ok_or_else(|| ApiError::validation("limit must be between 1 and 250"))?,
    };
    let after: Option<u64> = match q.one("after") {
        None | Some("") => None,
        Some(a) => Some(
            a.parse()
                .map_err(|_| ApiError::validation(format!("Invalid paging cursor {a:?}.")))?,
        ),
    };
    let portal_ref = portal_of(&sim, &ctx)?;
    let portal = read(&portal_ref);
    let list = portal.lists.get(&id).ok_or_else(|| no_list(id))?;
    let start = after.map_or(0, |a| list.members.partition_point(|(rid, _)| *rid <= a));
    let page = &list.members[start..(start + limit).min(list.members.len())];
    let results: Vec<Value> = page
        .iter()
        .map(|(rid, at)| json!({ "recordId": rid.to_string(), "membershipTimestamp": iso(*at) }))
        .collect();
    let mut body = json!({ "results": results, "total": list.members.len() });
    if start + page.len() < list.members.len()
        && let Some((last, _)) = page.last()
    {
        body["paging"] = json!({ "next": { "after": last.to_string() } });
    }
    Ok(Json(body))
}
