//! The HTTP surface: HubSpot's paths (behind auth, limits and faults), OAuth, the admin
//! API and the LLM simulator, all counted and optionally recorded.

mod admin;
mod associations;
mod batch;
mod contacts;
mod faults;
mod layers;
mod lists;
mod oauth;
mod properties;
mod search;
mod support;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get, post};
use axum::{Extension, Router};

use crate::auth::AuthCtx;
use crate::error::ApiError;
use crate::model::engagement::Kind;
use crate::state::Sim;

fn engagement_read(kind: Kind) -> MethodRouter<Arc<Sim>> {
    post(
        move |State(sim): State<Arc<Sim>>,
              Extension(ctx): Extension<AuthCtx>,
              support::HsJson(body): support::HsJson<batch::BatchReadBody>| {
            batch::read_engagements(kind, sim, ctx, body)
        },
    )
}

fn hubspot_api(sim: &Arc<Sim>) -> Router<Arc<Sim>> {
    let mut api = Router::new()
        .route(
            "/crm/v3/objects/contacts",
            get(contacts::list).post(contacts::create),
        )
        .route(
            "/crm/v3/objects/contacts/batch/read",
            post(batch::read_contacts),
        )
        .route(
            "/crm/v3/objects/contacts/batch/update",
            post(batch::update_contacts),
        )
        .route("/crm/v3/objects/contacts/search", post(search::contacts))
        .route(
            "/crm/v3/objects/contacts/{contactId}",
            get(contacts::get_one).patch(contacts::update),
        )
        .route(
            "/crm/v3/properties/contacts",
            get(properties::list).post(properties::create),
        )
        .route(
            "/crm/v3/properties/contacts/batch/create",
            post(properties::batch_create),
        )
        .route(
            "/crm/v3/properties/contacts/groups",
            get(properties::list_groups).post(properties::create_group),
        )
        .route(
            "/crm/v3/properties/contacts/{propertyName}",
            get(properties::get_one),
        )
        .route("/crm/v3/lists/search", post(lists::search))
        .route("/crm/v3/lists/{listId}", get(lists::get_one))
        .route(
            "/crm/v3/lists/{listId}/memberships",
            get(lists::memberships),
        )
        .route(
            "/crm/v4/objects/contacts/{contactId}/associations/{toObjectType}",
            get(associations::list),
        )
        .route(
            "/crm/v4/associations/contacts/{toObjectType}/batch/read",
            post(associations::batch_read),
        )
        .route(
            "/account-info/v3/details",
            get(associations::account_details),
        );
    for kind in Kind::ALL {
        api = api.route(
            &format!("/crm/v3/objects/{}/batch/read", kind.plural()),
            engagement_read(kind),
        );
    }
    api.route_layer(from_fn_with_state(sim.clone(), layers::hubspot_guard))
}

fn oauth_routes() -> Router<Arc<Sim>> {
    Router::new()
        .route("/oauth/authorize", get(oauth::authorize))
        .route("/oauth/v3/token", post(oauth::token))
        .route("/oauth/v3/token/introspect", post(oauth::introspect))
        .route("/oauth/v3/token/revoke", post(oauth::revoke))
}

fn admin_routes() -> Router<Arc<Sim>> {
    Router::new()
        .route("/_sim/health", get(|| async { "ok" }))
        .route("/_sim/human-edit", post(admin::human_edit))
        .route("/_sim/contacts", post(admin::create_contact))
        .route("/_sim/lists", post(admin::create_list))
        .route("/_sim/engagements", post(admin::create_engagement))
        .route("/_sim/hooks/before-write", post(admin::before_write))
        .route("/_sim/faults", get(faults::get).post(faults::set))
        .route("/_sim/oauth/revoke-all", post(admin::revoke_all))
        .route("/_sim/portals", post(admin::ensure_portal))
        .route("/_sim/stats", get(admin::stats))
        .route("/_sim/reset-stats", post(admin::reset_stats))
}

async fn no_route(req: Request) -> impl IntoResponse {
    ApiError::not_found(format!(
        "hubspot-sim has no route for {} {}",
        req.method(),
        req.uri().path()
    ))
}

/// The whole application.
pub(crate) fn router(sim: Arc<Sim>) -> Router {
    Router::new()
        .merge(hubspot_api(&sim))
        .merge(oauth_routes())
        .merge(admin_routes())
        .merge(crate::llm::routes())
        .fallback(no_route)
        .layer(from_fn_with_state(sim.clone(), layers::observe))
        .with_state(sim)
}
