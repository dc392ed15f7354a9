//! Associations v4 from contacts to their activity, single and batch, plus account info.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};

use super::contacts::READ;
use super::support::{HsJson, Query, batch_response, portal_of};
use crate::auth::AuthCtx;
use crate::error::{ApiError, ApiResult};
use crate::model::engagement::Kind;
use crate::state::Sim;
use crate::util::{now_ms, read};

fn kind_of(to_type: &str) -> ApiResult<Kind> {
    Kind::parse(to_type).ok_or_else(|| {
        ApiError::validation(format!(
            "Unsupported object type {to_type:?}: the simulator associates contacts with notes, emails, calls and meetings."
        ))
    })
}

fn to_json(kind: Kind, id: u64) -> Value {
    json!({
        "toObjectId": id,
        "associationTypes": [{
            "category": "HUBSPOT_DEFINED",
            "typeId": kind.contact_association_type(),
            "label": null,
        }],
    })
}

/// `GET /crm/v4/objects/contacts/{contactId}/associations/{toObjectType}?limit&after`.
pub(crate) async fn list(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<AuthCtx>,
    Path((contact_id, to_type)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    ctx.require(READ)?;
    let kind = kind_of(&to_type)?;
    let q = Query::parse(q.as_deref());
    let limit: usize = q
        .one("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(500)
        .clamp(1, 500);
    let after: u64 = q.one("after").and_then(|a| a.parse().ok()).unwrap_or(0);
    let portal_ref = portal_of(&sim, &ctx)?;
    let portal = read(&portal_ref);
    let cid = portal
        .resolve(&contact_id, None)
        .ok_or_else(|| ApiError::not_found(format!("Contact {contact_id} does not exist.")))?;
    let ids: Vec<u64> = portal
        .associated(cid, kind)
        .into_iter()
        .filter(|&i| i > after)
        .collect();
    let page = &ids[..limit.min(ids.len())];
    let mut body = json!({ "results": page.iter().map(|&i| to_json(kind, i)).collect::<Vec<_>>() });
    if page.len() < ids.len()
        && let Some(last) = page.last()
    {
        body["paging"] = json!({ "next": { "after": last.to_string() } });
    }
    Ok(Json(body))
}

/// One `{id}` input of the batch read.
#[derive(Debug, Deserialize)]
pub(crate) struct FromInput {
    id: Value,
}

/// The body of the v4 batch read.
#[derive(Debug, Deserialize)]
pub(crate) struct BatchBody {
    inputs: Vec<FromInput>,
}

/// `POST /crm/v4/associations/contacts/{toObjectType}/batch/read`. As in HubSpot, a
/// contact without any association of that type is reported in `errors` (207).
pub(crate) async fn batch_read(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<AuthCtx>,
    Path(to_type): Path<String>,
    HsJson(body): HsJson<BatchBody>,
) -> ApiResult<Response> {
    ctx.require(READ)?;
    let kind = kind_of(&to_type)?;
    if body.inputs.len() > 1000 {
        return Err(ApiError::validation(
            "Batch input size exceeds the maximum of 1000 inputs. Please reduce the number of items and try again",
        ));
    }
    let started = now_ms();
    let portal_ref = portal_of(&sim, &ctx)?;
    let portal = read(&portal_ref);
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for input in &body.inputs {
        let id = input
            .id
            .as_str()
            .map_or_else(|| input.id.to_string(), str::to_owned);
        let ids = portal
            .resolve(&id, None)
            .map(|cid| portal.associated(cid, kind))
            .unwrap_or_default();
        if ids.is_empty() {
            errors.push(json!({
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                "message": format!("No {} are associated with contact {id}.", kind.plural()),
                "context": { "fromObjectId": [id] },
            }));
        } else {
            results.push(json!({
                "from": { "id": id },
                "to": ids.iter().map(|&i| to_json(kind, i)).collect::<Vec<_>>(),
            }));
        }
    }
    Ok(batch_response(results, errors, started))
}

/// `GET /account-info/v3/details`.
pub(crate) async fn account_details(Extension(ctx): Extension<AuthCtx>) -> Json<Value> {
    Json(json!({
        "portalId": ctx.portal_id,
        "accountType": "STANDARD",
        "timeZone": "US/Eastern",
        "companyCurrency": "USD",
        "additionalCurrencies": [],
        "utcOffset": "-05:00",
        "utcOffsetMilliseconds": -18_000_000,
        "uiDomain": "app.hubspot.com",
        "dataHostingLocation": "na1",
    }))
}
