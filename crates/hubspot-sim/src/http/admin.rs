//! The admin API under `/_sim/`: what a test does to the CRM "as a human", fault switches,
//! OAuth revocation and the stats tests assert on.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::support::HsJson;
use crate::error::{ApiError, ApiResult};
use crate::model::contact::Source;
use crate::model::engagement::Kind;
use crate::portal::PendingEdit;
use crate::state::{PortalRef, Sim};
use crate::util::{iso, parse_time_ms, write};

fn as_u64(v: &Value, what: &str) -> ApiResult<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| ApiError::validation(format!("{what} must be a number or a numeric string")))
}

fn portal(sim: &Sim, id: Option<&Value>) -> ApiResult<PortalRef> {
    let id = id
        .map(|v| as_u64(v, "portalId"))
        .transpose()?
        .unwrap_or(sim.portal_id);
    sim.portal(id).ok_or_else(|| {
        ApiError::not_found(format!(
            "Portal {id} does not exist; install the app into it first."
        ))
    })
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// `{portalId?, contactId, property, value, userId}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EditBody {
    portal_id: Option<Value>,
    contact_id: Value,
    property: String,
    value: Value,
    user_id: Value,
}

/// Validates a human edit and resolves its contact.
fn prepare(portal: &crate::portal::Portal, body: &EditBody) -> ApiResult<(u64, PendingEdit)> {
    let contact = as_u64(&body.contact_id, "contactId")?;
    if !portal.contacts.contains_key(&contact) {
        return Err(ApiError::not_found(format!(
            "Contact {contact} does not exist."
        )));
    }
    let mut one = Map::new();
    one.insert(body.property.clone(), body.value.clone());
    let (property, value) = portal
        .validate(&one)?
        .into_iter()
        .next()
        .unwrap_or_default();
    let user_id = as_u64(&body.user_id, "userId")?;
    Ok((
        contact,
        PendingEdit {
            property,
            value,
            user_id,
        },
    ))
}

/// `POST /_sim/human-edit`: a person edits a property in the CRM UI now.
pub(crate) async fn human_edit(
    State(sim): State<Arc<Sim>>,
    HsJson(body): HsJson<EditBody>,
) -> ApiResult<Json<Value>> {
    let portal_ref = portal(&sim, body.portal_id.as_ref())?;
    let (ts, outcome) = {
        let mut p = write(&portal_ref);
        let (contact, edit) = prepare(&p, &body)?;
        let ts = sim.clock.tick();
        let outcome = p
            .write(
                contact,
                &[(edit.property, edit.value)],
                &Source::human(edit.user_id),
                ts,
            )
            .unwrap_or_default();
        (ts, outcome)
    };
    let changed = !outcome.changes.is_empty();
    sim.emit(outcome);
    Ok(Json(
        json!({ "ok": true, "changed": changed, "timestamp": iso(ts) }),
    ))
}

/// `POST /_sim/hooks/before-write`: the edit lands right before the next API write to the contact.
pub(crate) async fn before_write(
    State(sim): State<Arc<Sim>>,
    HsJson(body): HsJson<EditBody>,
) -> ApiResult<Json<Value>> {
    let portal_ref = portal(&sim, body.portal_id.as_ref())?;
    let mut p = write(&portal_ref);
    let (contact, edit) = prepare(&p, &body)?;
    p.queue_before_write(contact, edit);
    Ok(Json(json!({ "ok": true })))
}

/// `{portalId?, properties, userId?}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContactBody {
    portal_id: Option<Value>,
    #[serde(default)]
    properties: Map<String, Value>,
    user_id: Option<Value>,
}

/// `POST /_sim/contacts`: a person creates a contact in the CRM UI.
pub(crate) async fn create_contact(
    State(sim): State<Arc<Sim>>,
    HsJson(body): HsJson<ContactBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let portal_ref = portal(&sim, body.portal_id.as_ref())?;
    let user = body
        .user_id
        .as_ref()
        .map(|u| as_u64(u, "userId"))
        .transpose()?
        .unwrap_or(1);
    let (id, outcome) = {
        let mut p = write(&portal_ref);
        let props = p.validate(&body.properties)?;
        p.create_contact(props, Source::human(user), sim.clock.tick())?
    };
    sim.emit(outcome);
    Ok((StatusCode::CREATED, Json(json!({ "id": id.to_string() }))))
}

/// `{portalId?, name, contactIds}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListBody {
    portal_id: Option<Value>,
    name: String,
    #[serde(default)]
    contact_ids: Vec<Value>,
}

/// `POST /_sim/lists`: a static list of contacts.
pub(crate) async fn create_list(
    State(sim): State<Arc<Sim>>,
    HsJson(body): HsJson<ListBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let portal_ref = portal(&sim, body.portal_id.as_ref())?;
    let ids = body
        .contact_ids
        .iter()
        .map(|v| as_u64(v, "contactIds[]"))
        .collect::<ApiResult<Vec<_>>>()?;
    let id = write(&portal_ref).add_list(body.name, &ids, sim.clock.tick());
    Ok((
        StatusCode::CREATED,
        Json(json!({ "listId": id.to_string() })),
    ))
}

/// `{portalId?, contactId, type, body, timestamp?, title?}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EngagementBody {
    portal_id: Option<Value>,
    contact_id: Value,
    #[serde(rename = "type")]
    kind: String,
    body: String,
    timestamp: Option<Value>,
    title: Option<String>,
}

/// `POST /_sim/engagements`: a note, email, call or meeting logged on a contact.
pub(crate) async fn create_engagement(
    State(sim): State<Arc<Sim>>,
    HsJson(body): HsJson<EngagementBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let kind = Kind::parse(&body.kind)
        .ok_or_else(|| ApiError::validation("type must be note, email, call or meeting"))?;
    let portal_ref = portal(&sim, body.portal_id.as_ref())?;
    let contact = as_u64(&body.contact_id, "contactId")?;
    let ts = match &body.timestamp {
        None | Some(Value::Null) => sim.clock.tick(),
        Some(v) => parse_time_ms(&value_text(v)).ok_or_else(|| {
            ApiError::validation("timestamp must be epoch milliseconds or ISO 8601")
        })?,
    };
    let mut props = BTreeMap::new();
    props.insert("hs_timestamp".to_owned(), iso(ts));
    props.insert(kind.body_property().to_owned(), body.body);
    if let Some(title) = kind.title_property() {
        let default = format!(
            "{} logged by hubspot-sim",
            kind.plural().trim_end_matches('s')
        );
        props.insert(title.to_owned(), body.title.unwrap_or(default));
    }
    let mut p = write(&portal_ref);
    if !p.contacts.contains_key(&contact) {
        return Err(ApiError::not_found(format!(
            "Contact {contact} does not exist."
        )));
    }
    let id = p.add_engagement(kind, contact, props, ts);
    Ok((StatusCode::CREATED, Json(json!({ "id": id.to_string() }))))
}

/// `{portalId?}`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PortalBody {
    portal_id: Option<Value>,
}

/// `POST /_sim/oauth/revoke-all`: every token issued so far (of one portal, or of all
/// portals when `portalId` is absent) stops working.
pub(crate) async fn revoke_all(
    State(sim): State<Arc<Sim>>,
    body: Option<Json<PortalBody>>,
) -> ApiResult<Json<Value>> {
    let body = body.map(|Json(b)| b).unwrap_or_default();
    let portal = body
        .portal_id
        .as_ref()
        .map(|v| as_u64(v, "portalId"))
        .transpose()?;
    let revoked = write(&sim.tokens).revoke_all(portal);
    Ok(Json(json!({ "revoked": revoked })))
}

/// `POST /_sim/portals {portalId}`: makes sure a portal exists (seeded like the first).
pub(crate) async fn ensure_portal(
    State(sim): State<Arc<Sim>>,
    HsJson(body): HsJson<PortalBody>,
) -> ApiResult<Json<Value>> {
    let id = body
        .portal_id
        .as_ref()
        .map(|v| as_u64(v, "portalId"))
        .transpose()?
        .unwrap_or(sim.portal_id);
    sim.ensure_portal(id);
    Ok(Json(json!({ "portalId": id })))
}

/// `GET /_sim/stats`.
pub(crate) async fn stats(State(sim): State<Arc<Sim>>) -> Json<Value> {
    Json(sim.stats.snapshot())
}

/// `POST /_sim/reset-stats`.
pub(crate) async fn reset_stats(State(sim): State<Arc<Sim>>) -> Json<Value> {
    sim.stats.reset();
    Json(json!({ "ok": true }))
}
