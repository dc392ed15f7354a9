//! Contacts and their per-property history (`propertiesWithHistory`).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::contact_view::ContactView;
use super::standard::{ALWAYS_RETURNED, DEFAULT_READ};
use crate::util::iso;

/// Who wrote a property version, as HubSpot reports it in `sourceType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SourceType {
    /// A person in HubSpot's web app.
    CrmUi,
    /// An installed app (OAuth or private app) through the API.
    Integration,
    /// A CSV import.
    Import,
    /// A form submission.
    Form,
    /// HubSpot itself computed the value.
    Calculated,
    /// A workflow.
    Automation,
}

impl SourceType {
    /// The wire spelling (`CRM_UI`, `INTEGRATION` …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CrmUi => "CRM_UI",
            Self::Integration => "INTEGRATION",
            Self::Import => "IMPORT",
            Self::Form => "FORM",
            Self::Calculated => "CALCULATED",
            Self::Automation => "AUTOMATION",
        }
    }
}

/// The writer of one version: `sourceType`, `sourceId`, `updatedByUserId`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Source {
    pub kind: SourceType,
    pub id: Option<String>,
    pub user_id: Option<u64>,
}

impl Source {
    /// A person editing in the CRM UI: `CRM_UI`, `userId:N`, `updatedByUserId: N`.
    pub(crate) fn human(user_id: u64) -> Self {
        Self {
            kind: SourceType::CrmUi,
            id: Some(format!("userId:{user_id}")),
            user_id: Some(user_id),
        }
    }

    /// An API write by the app: `INTEGRATION` with the app id as `sourceId`.
    pub(crate) fn integration(app_id: u64) -> Self {
        Self {
            kind: SourceType::Integration,
            id: Some(app_id.to_string()),
            user_id: None,
        }
    }

    /// Any other source without a user.
    pub(crate) fn system(kind: SourceType, id: Option<String>) -> Self {
        Self {
            kind,
            id,
            user_id: None,
        }
    }
}

/// One value a property held from `timestamp_ms` on.
#[derive(Clone, Debug)]
pub(crate) struct Version {
    pub value: String,
    pub timestamp_ms: i64,
    pub source: Source,
}

/// A contact record.
#[derive(Clone, Debug)]
pub(crate) struct Contact {
    pub id: u64,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub created_by: Source,
    /// Versions per property, oldest first.
    pub props: HashMap<String, Vec<Version>>,
}

impl Contact {
    pub(crate) fn new(id: u64, created_ms: i64, created_by: Source) -> Self {
        Self {
            id,
            created_ms,
            updated_ms: created_ms,
            created_by,
            props: HashMap::new(),
        }
    }

    /// The current value of a stored (non-computed) property.
    pub(crate) fn current(&self, name: &str) -> Option<&str> {
        self.props
            .get(name)
            .and_then(|v| v.last())
            .map(|v| v.value.as_str())
    }

    /// Writes a value; a value equal to the current one is a no-op, as in HubSpot
    /// (no new version, no webhook). Returns whether the value changed.
    pub(crate) fn set(&mut self, name: &str, value: String, ts: i64, source: Source) -> bool {
        if self.current(name).unwrap_or("") == value && self.props.contains_key(name) {
            return false;
        }
        if !self.props.contains_key(name) && value.is_empty() {
            return false;
        }
        self.props
            .entry(name.to_owned())
            .or_default()
            .push(Version {
                value,
                timestamp_ms: ts,
                source,
            });
        self.updated_ms = self.updated_ms.max(ts);
        true
    }

    fn computed_versions(&self, name: &str) -> Option<Vec<Version>> {
        let one = |value: String, ts: i64, source: Source| {
            Some(vec![Version {
                value,
                timestamp_ms: ts,
                source,
            }])
        };
        match name {
            "hs_object_id" => one(
                self.id.to_string(),
                self.created_ms,
                Source::system(SourceType::Calculated, None),
            ),
            "createdate" => one(
                iso(self.created_ms),
                self.created_ms,
                self.created_by.clone(),
            ),
            "lastmodifieddate" => one(
                iso(self.updated_ms),
                self.updated_ms,
                Source::system(SourceType::Calculated, None),
            ),
            _ => None,
        }
    }

    /// HubSpot's `SimplePublicObject` JSON. `properties` empty means HubSpot's default
    /// set; `is_known` filters out names that are not properties.
    pub(crate) fn to_json(
        &self,
        properties: &[String],
        with_history: &[String],
        is_known: impl Fn(&str) -> bool,
    ) -> Value {
        serde_json::to_value(self.view(properties, with_history, is_known)).unwrap_or(Value::Null)
    }

    /// A borrowed view that serialises straight to HubSpot's JSON (the batch-read hot path).
    pub(crate) fn view<'a>(
        &'a self,
        properties: &'a [String],
        with_history: &'a [String],
        is_known: impl Fn(&str) -> bool,
    ) -> ContactView<'a> {
        let names: Vec<&'a str> = if properties.is_empty() {
            DEFAULT_READ.to_vec()
        } else {
            properties
                .iter()
                .map(String::as_str)
                .chain(ALWAYS_RETURNED.iter().copied())
                .collect()
        };
        let mut shown: Vec<&'a str> = Vec::with_capacity(names.len());
        for n in names {
            if is_known(n) && !shown.contains(&n) {
                shown.push(n);
            }
        }
        let mut history: Vec<&'a str> = Vec::with_capacity(with_history.len());
        for n in with_history {
            if is_known(n) && !history.contains(&n.as_str()) {
                history.push(n);
            }
        }
        ContactView {
            contact: self,
            properties: shown,
            history,
            with_history: !with_history.is_empty(),
        }
    }

    /// Versions of a property, oldest first: computed ones built, stored ones borrowed.
    pub(crate) fn versions(&self, name: &str) -> std::borrow::Cow<'_, [Version]> {
        match self.computed_versions(name) {
            Some(v) => std::borrow::Cow::Owned(v),
            None => std::borrow::Cow::Borrowed(self.props.get(name).map_or(&[][..], Vec::as_slice)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_is_newest_first_with_sources() {
        let mut c = Contact::new(7, 1_000, Source::human(3));
        assert!(c.set("ai_summary", "a".into(), 2_000, Source::integration(99)));
        assert!(!c.set("ai_summary", "a".into(), 2_500, Source::human(4)));
        assert!(c.set("ai_summary", "b".into(), 3_000, Source::human(4)));
        let v = c.to_json(&["ai_summary".into()], &["ai_summary".into()], |_| true);
        assert_eq!(v["properties"]["ai_summary"], "b");
        assert_eq!(v["properties"]["hs_object_id"], "7");
        let h = &v["propertiesWithHistory"]["ai_summary"];
        assert_eq!(h.as_array().unwrap().len(), 2);
        assert_eq!(h[0]["sourceType"], "CRM_UI");
        assert_eq!(h[0]["sourceId"], "userId:4");
        assert_eq!(h[0]["updatedByUserId"], 4);
        assert_eq!(h[1]["sourceType"], "INTEGRATION");
        assert_eq!(h[1]["sourceId"], "99");
        assert!(h[1].get("updatedByUserId").is_none());
    }
}
