//! Single-record contact endpoints: read, list, create and update (`/crm/v3/objects/contacts`).

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::support::{HsJson, Query, portal_of};
use crate::auth::AuthCtx;
use crate::error::{ApiError, ApiResult};
use crate::model::contact::{Contact, Source};
use crate::portal::{Outcome, Portal};
use crate::state::Sim;
use crate::util::write;

/// Scope for reading contacts (and their activity).
pub(crate) const READ: &str = "crm.objects.contacts.read";
/// Scope for writing contacts.
pub(crate) const WRITE: &str = "crm.objects.contacts.write";

/// A contact's JSON with only known properties.
pub(crate) fn contact_json(
    portal: &Portal,
    c: &Contact,
    props: &[String],
    history: &[String],
) -> Value {
    c.to_json(props, history, |n| portal.property(n).is_some())
}

/// An API write by the app: first the queued before-write human edit (if any), then
/// the app's values as `INTEGRATION`. `None` when the contact does not exist.
pub(crate) fn api_write(
    sim: &Sim,
    portal: &mut Portal,
    id: u64,
    props: &[(String, String)],
) -> Option<Outcome> {
    if !portal.contacts.contains_key(&id) {
        return None;
    }
    let mut outcome = Outcome::default();
    if let Some(edit) = portal.take_before_write(id) {
        let ts = sim.clock.tick();
        let human = Source::human(edit.user_id);
        if let Some(o) = portal.write(id, &[(edit.property, edit.value)], &human, ts) {
            outcome.extend(o);
        }
    }
    let ts = sim.clock.tick();
    outcome.extend(portal.write(id, props, &Source::integration(sim.app_id), ts)?);
    Some(outcome)
}

fn not_found() -> ApiError {
    ApiError::not_found("resource not found")
}

/// `GET /crm/v3/objects/contacts/{contactId}`.
pub(crate) async fn get_one(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<AuthCtx>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    ctx.require(READ)?;
    let q = Query::parse(q.as_deref());
    let portal_ref = portal_of(&sim, &ctx)?;
    let portal = crate::util::read(&portal_ref);
    let cid = portal
        .resolve(&id, q.one("idProperty"))
        .ok_or_else(not_found)?;
    let c = portal.contacts.get(&cid).ok_or_else(not_found)?;
    Ok(Json(contact_json(
        &portal,
        c,
        &q.list("properties"),
        &q.list("propertiesWithHistory"),
    )))
}

/// `GET /crm/v3/objects/contacts` — a page of contacts by ascending id.
pub(crate) async fn list(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<AuthCtx>,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    ctx.require(READ)?;
    let q = Query::parse(q.as_deref());
    let history = q.list("propertiesWithHistory");
    let max = if history.is_empty() { 100 } else { 50 };
    let limit: usize = match q.one("limit") {
        None => 10,
        Some(l) => l
            .parse()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| ApiError::validation(format!("limit must be between 1 and {max}")))?,
    };
    let after: u64 = q.one("after").and_then(|a| a.parse().ok()).unwrap_or(0);
    let portal_ref = portal_of(&sim, &ctx)?;
    let portal = crate::util::read(&portal_ref);
    let props = q.list("properties");
    let mut page = portal.contacts.range(after.saturating_add(1)..);
    let results: Vec<Value> = page
        .by_ref()
        .take(limit)
        .map(|(_, c)| contact_json(&portal, c, &props, &history))
        .collect();
    let mut body = json!({ "results": results });
    if page.next().is_some()
        && let Some(last) = body["results"]
            .as_array()
            .and_then(|r| r.last())
            .and_then(|c| c["id"].as_str())
    {
        body["paging"] = json!({ "next": { "after": last } });
    }
    Ok(Json(body))
}

/// The body of a create or update.
#[derive(Debug, Deserialize)]
pub(crate) struct PropertiesBody {
    #[serde(default)]
    pub properties: Map<String, Value>,
}

/// `POST /crm/v3/objects/contacts`.
pub(crate) async fn create(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<AuthCtx>,
    HsJson(body): HsJson<PropertiesBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    ctx.require(WRITE)?;
    let portal_ref = portal_of(&sim, &ctx)?;
    let (json, outcome) = {
        let mut portal = write(&portal_ref);
        let props = portal.validate(&body.properties)?;
        let names: Vec<String> = props.iter().map(|(n, _)| n.clone()).collect();
        let ts = sim.clock.tick();
        let (id, outcome) = portal.create_contact(props, Source::integration(sim.app_id), ts)?;
        let c = portal.contacts.get(&id).ok_or_else(not_found)?;
        (contact_json(&portal, c, &names, &[]), outcome)
    };
    sim.emit(outcome);
    Ok((StatusCode::CREATED, Json(json)))
}

/// `PATCH /crm/v3/objects/contacts/{contactId}`.
pub(crate) async fn update(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<AuthCtx>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    HsJson(body): HsJson<PropertiesBody>,
) -> ApiResult<Json<Value>> {
    ctx.require(WRITE)?;
    let q = Query::parse(q.as_deref());
    let portal_ref = portal_of(&sim, &ctx)?;
    let (json, outcome) = {
        let mut portal = write(&portal_ref);
        let cid = portal
            .resolve(&id, q.one("idProperty"))
            .ok_or_else(not_found)?;
        let props = portal.validate(&body.properties)?;
        let outcome = api_write(&sim, &mut portal, cid, &props).ok_or_else(not_found)?;
        let names: Vec<String> = props.into_iter().map(|(n, _)| n).collect();
        let c = portal.contacts.get(&cid).ok_or_else(not_found)?;
        (contact_json(&portal, c, &names, &[]), outcome)
    };
    sim.emit(outcome);
    Ok(Json(json))
}
