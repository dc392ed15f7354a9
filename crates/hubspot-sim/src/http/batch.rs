//! Batch endpoints: contact batch read (with history) and update, engagement batch read.
//! HubSpot's limits apply: 100 inputs, 50 with `propertiesWithHistory`, 207 on partial failure.

use std::collections::HashSet;
use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::contacts::{READ, WRITE, api_write, contact_json};
use super::support::{
    HsJson, batch_response, batch_response_of, check_batch_size, not_found_error, portal_of,
};
use crate::auth::AuthCtx;
use crate::error::{ApiError, ApiResult};
use crate::model::engagement::Kind;
use crate::portal::Outcome;
use crate::state::Sim;
use crate::util::{now_ms, read, write};

/// One `{id}` input; HubSpot documents strings but numbers are accepted too.
#[derive(Debug, Deserialize)]
pub(crate) struct IdInput {
    id: Value,
}

fn id_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The body of `…/batch/read`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BatchReadBody {
    inputs: Vec<IdInput>,
    #[serde(default)]
    properties: Vec<String>,
    #[serde(default)]
    properties_with_history: Vec<String>,
    #[serde(default)]
    id_property: Option<String>,
}

/// `POST /crm/v3/objects/contacts/batch/read`.
pub(crate) async fn read_contacts(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<AuthCtx>,
    HsJson(body): HsJson<BatchReadBody>,
) -> ApiResult<Response> {
    ctx.require(READ)?;
    let started = now_ms();
    check_batch_size(body.inputs.len(), !body.properties_with_history.is_empty())?;
    let portal_ref = portal_of(&sim, &ctx)?;
    let portal = read(&portal_ref);
    let mut props = body.properties.clone();
    if let Some(p) = body.id_property.as_ref().filter(|p| !props.contains(p)) {
        props.push(p.clone());
    }
    let mut seen = HashSet::new();
    let mut results = Vec::with_capacity(body.inputs.len());
    let mut missing = Vec::new();
    for input in &body.inputs {
        let id = id_text(&input.id);
        match portal.resolve(&id, body.id_property.as_deref()) {
            Some(cid) if seen.insert(cid) => {
                if let Some(c) = portal.contacts.get(&cid) {
                    let known = |n: &str| portal.property(n).is_some();
                    results.push(c.view(&props, &body.properties_with_history, known));
                }
            }
            Some(_) => {}
            None => missing.push(id),
        }
    }
    let errors = if missing.is_empty() {
        vec![]
    } else {
        vec![not_found_error("CONTACT", &missing)]
    };
    Ok(batch_response_of(results, errors, started))
}

/// One input of `…/batch/update`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpdateInput {
    id: Value,
    #[serde(default)]
    properties: Map<String, Value>,
    #[serde(default)]
    id_property: Option<String>,
}

/// The body of `…/batch/update`.
#[derive(Debug, Deserialize)]
pub(crate) struct BatchUpdateBody {
    inputs: Vec<UpdateInput>,
}

/// `POST /crm/v3/objects/contacts/batch/update`: validates every input first (one bad
/// property fails the whole batch with 400), then writes; unknown ids give a 207.
pub(crate) async fn update_contacts(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<AuthCtx>,
    HsJson(body): HsJson<BatchUpdateBody>,
) -> ApiResult<Response> {
    ctx.require(WRITE)?;
    let started = now_ms();
    check_batch_size(body.inputs.len(), false)?;
    let portal_ref = portal_of(&sim, &ctx)?;
    let mut outcome = Outcome::default();
    let response = {
        let mut portal = write(&portal_ref);
        let mut validated = Vec::with_capacity(body.inputs.len());
        let mut ids = HashSet::new();
        let mut duplicates = Vec::new();
        for input in &body.inputs {
            let id = id_text(&input.id);
            if !ids.insert((id.clone(), input.id_property.clone())) {
                duplicates.push(id.clone());
            }
            validated.push((
                id,
                input.id_property.as_deref(),
                portal.validate(&input.properties)?,
            ));
        }
        if !duplicates.is_empty() {
            return Err(ApiError::validation(format!(
                "Duplicate IDs found in batch input: [{}]. IDs must be unique",
                duplicates.join(", ")
            )));
        }
        let mut results = Vec::new();
        let mut missing = Vec::new();
        for (id, id_property, props) in validated {
            let written = portal
                .resolve(&id, id_property)
                .and_then(|cid| api_write(&sim, &mut portal, cid, &props).map(|o| (cid, o)));
            match written {
                None => missing.push(id),
                Some((cid, o)) => {
                    outcome.extend(o);
                    let names: Vec<String> = props.into_iter().map(|(n, _)| n).collect();
                    if let Some(c) = portal.contacts.get(&cid) {
                        results.push(contact_json(&portal, c, &names, &[]));
                    }
                }
            }
        }
        let errors = if missing.is_empty() {
            vec![]
        } else {
            vec![not_found_error("CONTACT", &missing)]
        };
        batch_response(results, errors, started)
    };
    sim.emit(outcome);
    Ok(response)
}

/// `POST /crm/v3/objects/{notes|emails|calls|meetings}/batch/read`.
pub(crate) async fn read_engagements(
    kind: Kind,
    sim: Arc<Sim>,
    ctx: AuthCtx,
    body: BatchReadBody,
) -> ApiResult<Response> {
    ctx.require(READ)?;
    let started = now_ms();
    check_batch_size(body.inputs.len(), !body.properties_with_history.is_empty())?;
    let portal_ref = portal_of(&sim, &ctx)?;
    let portal = read(&portal_ref);
    let mut results = Vec::with_capacity(body.inputs.len());
    let mut missing = Vec::new();
    let mut seen = HashSet::new();
    for input in &body.inputs {
        let id = id_text(&input.id);
        let found = id
            .trim()
            .parse::<u64>()
            .ok()
            .and_then(|n| portal.engagements.get(&n))
            .filter(|e| e.kind == kind);
        match found {
            Some(e) if seen.insert(e.id) => results.push(e.to_json(&body.properties)),
            Some(_) => {}
            None => missing.push(id),
        }
    }
    let errors = if missing.is_empty() {
        vec![]
    } else {
        vec![not_found_error(kind.upper(), &missing)]
    };
    Ok(batch_response(results, errors, started))
}
