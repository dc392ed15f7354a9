//! Contact property and group definitions (`/crm/v3/properties/contacts…`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};

use super::contacts::READ;
use super::support::{HsJson, check_batch_size, portal_of};
use crate::auth::AuthCtx;
use crate::error::{ApiError, ApiResult};
use crate::model::property::{Group, PropertyInput};
use crate::state::Sim;
use crate::util::{iso, now_ms, read, write};

/// Scope for creating properties and groups.
pub(crate) const SCHEMA_WRITE: &str = "crm.schemas.contacts.write";
const SCHEMA_READ: &str = "crm.schemas.contacts.read";

fn require_read(ctx: &AuthCtx) -> ApiResult<()> {
    ctx.require(SCHEMA_READ).or_else(|_| ctx.require(READ))
}

/// `GET /crm/v3/properties/contacts`.
pub(crate) async fn list(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<AuthCtx>,
) -> ApiResult<Json<Value>> {
    require_read(&ctx)?;
    let portal_ref = portal_of(&sim, &ctx)?;
    let portal = read(&portal_ref);
    let results: Vec<Value> = portal.properties().iter().map(|p| p.to_json()).collect();
    Ok(Json(json!({ "results": results })))
}

/// `GET /crm/v3/properties/contacts/{propertyName}`.
pub(crate) async fn get_one(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<AuthCtx>,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    require_read(&ctx)?;
    let portal_ref = portal_of(&sim, &ctx)?;
    let portal = read(&portal_ref);
    portal
        .property(&name)
        .map(|p| Json(p.to_json()))
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Unable to find property named '{name}' for object type 0-1"
            ))
        })
}

/// `POST /crm/v3/properties/contacts`: 201, 409 when the name is taken, 400 when invalid.
pub(crate) async fn create(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<AuthCtx>,
    HsJson(input): HsJson<PropertyInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    ctx.require(SCHEMA_WRITE)?;
    let portal_ref = portal_of(&sim, &ctx)?;
    let mut portal = write(&portal_ref);
    let def = input
        .build(|g| portal.has_group(g), now_ms())
        .map_err(ApiError::validation)?;
    let created = portal.add_property(def)?;
    Ok((StatusCode::CREATED, Json(created.to_json())))
}

/// The body of `…/batch/create`.
#[derive(Debug, Deserialize)]
pub(crate) struct BatchCreateBody {
    inputs: Vec<PropertyInput>,
}

/// `POST /crm/v3/properties/contacts/batch/create`: 201, or 207 naming each input that failed.
pub(crate) async fn batch_create(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<AuthCtx>,
    HsJson(body): HsJson<BatchCreateBody>,
) -> ApiResult<Response> {
    ctx.require(SCHEMA_WRITE)?;
    check_batch_size(body.inputs.len(), false)?;
    let started = now_ms();
    let portal_ref = portal_of(&sim, &ctx)?;
    let mut portal = write(&portal_ref);
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for input in body.inputs {
        let name = input.name.clone().unwrap_or_default();
        let outcome = input
            .build(|g| portal.has_group(g), now_ms())
            .map_err(ApiError::validation)
            .and_then(|def| portal.add_property(def).map(|p| p.to_json()));
        match outcome {
            Ok(v) => results.push(v),
            Err(e) => {
                let mut err = e.body();
                err["context"] = json!({ "name": [name] });
                errors.push(err);
            }
        }
    }
    let mut body = json!({
        "status": "COMPLETE",
        "results": results,
        "startedAt": iso(started),
        "completedAt": iso(now_ms()),
    });
    let status = if errors.is_empty() {
        StatusCode::CREATED
    } else {
        body["numErrors"] = json!(errors.len());
        body["errors"] = Value::Array(errors);
        StatusCode::MULTI_STATUS
    };
    Ok((status, Json(body)).into_response())
}

/// `GET /crm/v3/properties/contacts/groups`.
pub(crate) async fn list_groups(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<AuthCtx>,
) -> ApiResult<Json<Value>> {
    require_read(&ctx)?;
    let portal_ref = portal_of(&sim, &ctx)?;
    let portal = read(&portal_ref);
    let results: Vec<Value> = portal.groups.iter().map(Group::to_json).collect();
    Ok(Json(json!({ "results": results })))
}

/// The body of `POST …/groups`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GroupInput {
    name: Option<String>,
    label: Option<String>,
    #[serde(default)]
    display_order: Option<i64>,
}

/// `POST /crm/v3/properties/contacts/groups`: 201, 409 when the name is taken.
pub(crate) async fn create_group(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<AuthCtx>,
    HsJson(input): HsJson<GroupInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    ctx.require(SCHEMA_WRITE)?;
    let name = input
        .name
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::validation("Group name is required."))?;
    let label = input
        .label
        .filter(|l| !l.is_empty())
        .ok_or_else(|| ApiError::validation("Group label is required."))?;
    let portal_ref = portal_of(&sim, &ctx)?;
    let mut portal = write(&portal_ref);
    if portal.has_group(&name) {
        return Err(
            ApiError::conflict(format!("A property group named '{name}' already exists."))
                .with("context", json!({ "name": [name] })),
        );
    }
    let group = Group {
        name,
        label,
        display_order: input.display_order.unwrap_or(-1),
    };
    let json = group.to_json();
    portal.groups.push(group);
    Ok((StatusCode::CREATED, Json(json)))
}
