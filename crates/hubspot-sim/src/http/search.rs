//! `POST /crm/v3/objects/contacts/search` — HubSpot's CRM search over contacts: a free-text
//! `query` over the default searchable properties, `filterGroups` (groups are OR-ed, the
//! filters inside a group AND-ed), `sorts`, `properties`, `limit` (≤ 200) and an offset
//! `after`. The answer is `{total, results, paging.next.after}` with the default contact
//! properties unless others are asked for. Searches see writes at once (HubSpot's index lags
//! by seconds; tests do not depend on that lag).

use std::cmp::Ordering;
use std::sync::Arc;

use axum::extract::State;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};

use super::contacts::{READ, contact_json};
use super::support::{HsJson, portal_of};
use crate::auth::AuthCtx;
use crate::error::{ApiError, ApiResult};
use crate::model::contact::Contact;
use crate::state::Sim;

/// Most results per page.
const MAX_LIMIT: usize = 200;
/// HubSpot stops paging at 10,000 results.
const MAX_RESULTS: usize = 10_000;
const MAX_GROUPS: usize = 5;
const MAX_FILTERS_PER_GROUP: usize = 6;
const MAX_FILTERS: usize = 18;
/// What `query` looks through on a contact.
const SEARCHABLE: &[&str] = &[
    "firstname",
    "lastname",
    "email",
    "hs_additional_emails",
    "phone",
    "mobilephone",
    "company",
];

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchBody {
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    filter_groups: Vec<FilterGroup>,
    #[serde(default)]
    sorts: Vec<Sort>,
    #[serde(default)]
    properties: Vec<String>,
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    after: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
struct FilterGroup {
    #[serde(default)]
    filters: Vec<Filter>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Filter {
    property_name: String,
    operator: String,
    #[serde(default)]
    value: Option<Value>,
    #[serde(default)]
    high_value: Option<Value>,
    #[serde(default)]
    values: Vec<Value>,
}

/// `"createdate"` or `{"propertyName": "createdate", "direction": "DESCENDING"}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Sort {
    Name(String),
    Full {
        #[serde(rename = "propertyName")]
        property_name: String,
        #[serde(default)]
        direction: Option<String>,
    },
}

impl Sort {
    fn parts(&self) -> (&str, bool) {
        match self {
            Self::Name(n) => (n.as_str(), false),
            Self::Full {
                property_name,
                direction,
            } => (
                property_name.as_str(),
                direction.as_deref() == Some("DESCENDING"),
            ),
        }
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The value a filter or sort sees (computed properties included).
fn value_of(c: &Contact, name: &str) -> Option<String> {
    c.versions(name)
        .last()
        .map(|v| v.value.clone())
        .filter(|v| !v.is_empty())
}

fn compare(a: &str, b: &str) -> Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.to_lowercase().cmp(&b.to_lowercase()),
    }
}

fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|ch: char| !ch.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

impl Filter {
    fn check(&self) -> Result<(), ApiError> {
        const KNOWN: &[&str] = &[
            "EQ",
            "NEQ",
            "LT",
            "LTE",
            "GT",
            "GTE",
            "BETWEEN",
            "IN",
            "NOT_IN",
            "HAS_PROPERTY",
            "NOT_HAS_PROPERTY",
            "CONTAINS_TOKEN",
            "NOT_CONTAINS_TOKEN",
        ];
        if !KNOWN.contains(&self.operator.as_str()) {
            return Err(ApiError::validation(format!(
                "There was a problem with the request. Unknown operator {} for property {}",
                self.operator, self.property_name
            )));
        }
        let needs_value = !matches!(
            self.operator.as_str(),
            "HAS_PROPERTY" | "NOT_HAS_PROPERTY" | "IN" | "NOT_IN"
        );
        if needs_value && self.value.is_none() {
            return Err(ApiError::validation(format!(
                "There was a problem with the request. Operator {} on {} needs a value",
                self.operator, self.property_name
            )));
        }
        Ok(())
    }

    fn matches(&self, c: &Contact) -> bool {
        let current = value_of(c, &self.property_name);
        let want = self.value.as_ref().map(text).unwrap_or_default();
        let cmp =
            |f: fn(Ordering) -> bool| current.as_deref().is_some_and(|v| f(compare(v, &want)));
        let token = || {
            let needle = want.trim_matches('*').to_lowercase();
            current
                .as_deref()
                .is_some_and(|v| words(v).any(|w| w == needle) || v.to_lowercase() == needle)
        };
        let in_values = || {
            current
                .as_deref()
                .is_some_and(|v| self.values.iter().any(|x| text(x).eq_ignore_ascii_case(v)))
        };
        match self.operator.as_str() {
            "EQ" => current
                .as_deref()
                .is_some_and(|v| compare(v, &want).is_eq()),
            "NEQ" => !current
                .as_deref()
                .is_some_and(|v| compare(v, &want).is_eq()),
            "LT" => cmp(Ordering::is_lt),
            "LTE" => cmp(Ordering::is_le),
            "GT" => cmp(Ordering::is_gt),
            "GTE" => cmp(Ordering::is_ge),
            "BETWEEN" => {
                let high = self.high_value.as_ref().map(text).unwrap_or_default();
                current
                    .as_deref()
                    .is_some_and(|v| compare(v, &want).is_ge() && compare(v, &high).is_le())
            }
            "IN" => in_values(),
            "NOT_IN" => !in_values(),
            "HAS_PROPERTY" => current.is_some(),
            "NOT_HAS_PROPERTY" => current.is_none(),
            "CONTAINS_TOKEN" => token(),
            "NOT_CONTAINS_TOKEN" => !token(),
            _ => false,
        }
    }
}

/// Every query word must start a word of some searchable value (HubSpot's prefix match), or
/// appear inside the email address.
fn matches_query(c: &Contact, query: &str) -> bool {
    let values: Vec<String> = SEARCHABLE.iter().filter_map(|p| value_of(c, p)).collect();
    words(query).all(|q| {
        values.iter().any(|v| {
            words(v).any(|w| w.starts_with(&q))
                || (v.contains('@') && v.to_lowercase().contains(&q))
        })
    })
}

fn validate(body: &SearchBody) -> Result<usize, ApiError> {
    let limit = body.limit.unwrap_or(10);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::validation(format!(
            "There was a problem with the request. limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    let total: usize = body.filter_groups.iter().map(|g| g.filters.len()).sum();
    if body.filter_groups.len() > MAX_GROUPS
        || body
            .filter_groups
            .iter()
            .any(|g| g.filters.len() > MAX_FILTERS_PER_GROUP)
        || total > MAX_FILTERS
    {
        return Err(ApiError::validation(format!(
            "There was a problem with the request. At most {MAX_GROUPS} filter groups of {MAX_FILTERS_PER_GROUP} filters, {MAX_FILTERS} filters in total"
        )));
    }
    for f in body.filter_groups.iter().flat_map(|g| &g.filters) {
        f.check()?;
    }
    Ok(limit)
}

/// `POST /crm/v3/objects/contacts/search`.
pub(crate) async fn contacts(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<AuthCtx>,
    HsJson(body): HsJson<SearchBody>,
) -> ApiResult<Json<Value>> {
    ctx.require(READ)?;
    let limit = validate(&body)?;
    let offset: usize = match &body.after {
        None => 0,
        Some(v) => text(v).parse().map_err(|_| {
            ApiError::validation("There was a problem with the request. after must be a number")
        })?,
    };
    let portal_ref = portal_of(&sim, &ctx)?;
    let portal = crate::util::read(&portal_ref);
    let query = body.query.as_deref().unwrap_or("").trim();
    let mut hits: Vec<&Contact> = portal
        .contacts
        .values()
        .filter(|c| query.is_empty() || matches_query(c, query))
        .filter(|c| {
            body.filter_groups.is_empty()
                || body
                    .filter_groups
                    .iter()
                    .any(|g| g.filters.iter().all(|f| f.matches(c)))
        })
        .collect();
    for sort in body.sorts.iter().rev() {
        let (name, descending) = sort.parts();
        hits.sort_by(|a, b| {
            let ord = match (value_of(a, name), value_of(b, name)) {
                (Some(x), Some(y)) => compare(&x, &y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            };
            if descending { ord.reverse() } else { ord }
        });
    }
    let total = hits.len();
    let reachable = total.min(MAX_RESULTS);
    let results: Vec<Value> = hits
        .iter()
        .skip(offset)
        .take(limit.min(reachable.saturating_sub(offset)))
        .map(|c| contact_json(&portal, c, &body.properties, &[]))
        .collect();
    let mut answer = json!({ "total": total, "results": results });
    let next = offset + limit;
    if next < reachable {
        answer["paging"] = json!({ "next": { "after": next.to_string() } });
    }
    Ok(Json(answer))
}
