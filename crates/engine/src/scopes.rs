//! The HubSpot scopes Steward asks for (DESIGN §5) and what each one makes possible, so the
//! app can say precisely what a missing scope breaks instead of failing later with a 403.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One required scope and the feature that needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopeNeed {
    pub scope: &'static str,
    pub needed_for: &'static str,
}

/// Every scope the relay requests, in the order DESIGN §5 lists them.
pub const REQUIRED: [ScopeNeed; 5] = [
    ScopeNeed {
        scope: "crm.objects.contacts.read",
        needed_for: "reading contacts and their history: nothing can be enriched",
    },
    ScopeNeed {
        scope: "crm.objects.contacts.write",
        needed_for: "writing AI fields back: enrichment runs but nothing is saved to HubSpot",
    },
    ScopeNeed {
        scope: "crm.schemas.contacts.write",
        needed_for: "creating the ai_enrichment group and ai_* properties (provisioning)",
    },
    ScopeNeed {
        scope: "crm.lists.read",
        needed_for: "batch re-enrichment of a HubSpot list",
    },
    ScopeNeed {
        scope: "oauth",
        needed_for: "HubSpot requires it for every OAuth app; the install is incomplete without it",
    },
];

/// A required scope the connection lacks, and what that breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MissingScope {
    pub scope: String,
    pub breaks: String,
}

/// The required scopes not in `granted`, in [`REQUIRED`] order.
pub fn missing(granted: &[String]) -> Vec<MissingScope> {
    REQUIRED
        .iter()
        .filter(|need| !granted.iter().any(|g| g == need.scope))
        .map(|need| MissingScope {
            scope: need.scope.to_owned(),
            breaks: need.needed_for.to_owned(),
        })
        .collect()
}

/// Reads granted scopes from a token answer's `scopes` field: HubSpot sends a JSON array;
/// older answers and introspection send one space-separated string.
pub fn from_token_field(value: Option<&serde_json::Value>) -> Option<Vec<String>> {
    match value? {
        serde_json::Value::Array(items) => Some(
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        ),
        serde_json::Value::String(s) => Some(s.split_whitespace().map(str::to_owned).collect()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_required_list_matches_the_hubspot_client_and_the_relay() {
        let ours: Vec<&str> = REQUIRED.iter().map(|s| s.scope).collect();
        assert_eq!(ours, hubspot::REQUIRED_SCOPES.to_vec());
    }

    #[test]
    fn missing_names_each_absent_scope_with_what_it_breaks() {
        let all: Vec<String> = REQUIRED.iter().map(|s| s.scope.to_owned()).collect();
        assert!(missing(&all).is_empty());
        let without: Vec<String> = all
            .iter()
            .filter(|s| *s != "crm.schemas.contacts.write")
            .cloned()
            .collect();
        let m = missing(&without);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].scope, "crm.schemas.contacts.write");
        assert!(m[0].breaks.contains("provisioning"));
        assert_eq!(missing(&[]).len(), 5);
    }

    #[test]
    fn scopes_are_read_from_an_array_or_a_string() {
        let arr = serde_json::json!(["oauth", "crm.lists.read"]);
        assert_eq!(
            from_token_field(Some(&arr)),
            Some(vec!["oauth".to_owned(), "crm.lists.read".to_owned()])
        );
        let s = serde_json::json!("oauth  crm.lists.read");
        assert_eq!(from_token_field(Some(&s)).map(|v| v.len()), Some(2));
        assert_eq!(from_token_field(None), None);
        assert_eq!(from_token_field(Some(&serde_json::json!(3))), None);
    }
}
