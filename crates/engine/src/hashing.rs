//! The input hash and the correlation ID. Both are deterministic: the same inputs always give
//! the same hash (so unchanged contacts skip the LLM) and the same correlation ID (so retries and
//! duplicate webhooks share one ID in logs, audit and HubSpot).

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// Everything that decides what the LLM would say about a contact. Engagement *ids* stand for
/// the activity (from associations), so "unchanged" is known before any body is fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HashInputs<'a> {
    /// Input property values by name; a missing or empty property hashes as `null`.
    pub properties: BTreeMap<&'a str, Option<&'a str>>,
    /// `"<kind>:<id>"` of the recent activity; order does not matter.
    pub activity: Vec<String>,
    pub prompt_version: u32,
    pub model: &'a str,
}

/// The schema of the canonical encoding; bump it if the encoding ever changes.
const ENCODING_VERSION: u32 = 1;

/// Lower-case hex sha256 of the canonical JSON encoding (keys sorted, activity sorted and
/// de-duplicated, empty strings treated as absent).
pub fn input_hash(inputs: &HashInputs<'_>) -> String {
    let mut activity = inputs.activity.clone();
    activity.sort_unstable();
    activity.dedup();
    let properties: BTreeMap<&str, Option<&str>> = inputs
        .properties
        .iter()
        .map(|(k, v)| (*k, v.filter(|s| !s.is_empty())))
        .collect();
    let canonical = serde_json::json!({
        "v": ENCODING_VERSION,
        "properties": properties,
        "activity": activity,
        "prompt_version": inputs.prompt_version,
        "model": inputs.model,
    });
    // serde_json's Map is a BTreeMap (no preserve_order feature), so keys serialize sorted.
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// First 16 hex of sha256(portal ‖ object type ‖ object id ‖ input hash), with a separator
/// that cannot occur inside the parts.
pub fn correlation_id(
    portal_id: u64,
    object_type: &str,
    object_id: u64,
    input_hash: &str,
) -> String {
    let material = format!("{portal_id}\u{1f}{object_type}\u{1f}{object_id}\u{1f}{input_hash}");
    let digest = hex::encode(Sha256::digest(material.as_bytes()));
    digest[..16].to_owned()
}

/// Hash of a property value for the ledger of our own writes (values themselves are not kept).
pub fn value_hash(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs<'a>(props: &[(&'a str, Option<&'a str>)], activity: &[&str]) -> HashInputs<'a> {
        HashInputs {
            properties: props.iter().copied().collect(),
            activity: activity.iter().map(|s| (*s).to_owned()).collect(),
            prompt_version: 1,
            model: "gpt-4o-mini",
        }
    }

    #[test]
    fn same_inputs_same_hash_regardless_of_order() {
        let a = inputs(
            &[("email", Some("a@x.io")), ("company", Some("X"))],
            &["note:1", "call:2"],
        );
        let b = inputs(
            &[("company", Some("X")), ("email", Some("a@x.io"))],
            &["call:2", "note:1", "note:1"],
        );
        assert_eq!(input_hash(&a), input_hash(&b));
        assert_eq!(input_hash(&a).len(), 64);
    }

    #[test]
    fn any_input_change_changes_the_hash() {
        let base = inputs(&[("email", Some("a@x.io"))], &["note:1"]);
        let h = input_hash(&base);
        assert_ne!(
            h,
            input_hash(&inputs(&[("email", Some("b@x.io"))], &["note:1"]))
        );
        assert_ne!(
            h,
            input_hash(&inputs(&[("email", Some("a@x.io"))], &["note:2"]))
        );
        let mut other_model = base.clone();
        other_model.model = "claude";
        assert_ne!(h, input_hash(&other_model));
        let mut other_prompt = base.clone();
        other_prompt.prompt_version = 2;
        assert_ne!(h, input_hash(&other_prompt));
    }

    #[test]
    fn empty_and_missing_are_the_same_input() {
        assert_eq!(
            input_hash(&inputs(&[("phone", Some(""))], &[])),
            input_hash(&inputs(&[("phone", None)], &[]))
        );
    }

    #[test]
    fn correlation_ids_are_deterministic_and_distinct() {
        let a = correlation_id(62515, "contact", 101, "abc");
        assert_eq!(a, correlation_id(62515, "contact", 101, "abc"));
        assert_eq!(a.len(), 16);
        assert_ne!(a, correlation_id(62515, "contact", 102, "abc"));
        assert_ne!(a, correlation_id(62516, "contact", 101, "abc"));
        assert_ne!(a, correlation_id(62515, "contact", 101, "abd"));
        // The separator keeps (1, 23) and (12, 3) apart.
        assert_ne!(
            correlation_id(1, "contact", 23, "h"),
            correlation_id(12, "contact", 3, "h")
        );
    }
}
