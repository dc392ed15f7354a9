//! Engagements (notes, emails, calls, meetings) and their association to contacts.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::util::iso;

/// The four activity types the enrichment reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Kind {
    Note,
    Email,
    Call,
    Meeting,
}

impl Kind {
    pub(crate) const ALL: [Kind; 4] = [Kind::Note, Kind::Email, Kind::Call, Kind::Meeting];

    /// Parses the plural path segment (`notes`) or the singular admin spelling (`note`).
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "note" | "notes" | "0-46" => Kind::Note,
            "email" | "emails" | "0-49" => Kind::Email,
            "call" | "calls" | "0-48" => Kind::Call,
            "meeting" | "meetings" | "0-47" | "meeting_event" => Kind::Meeting,
            _ => return None,
        })
    }

    /// The plural object name used in paths.
    pub(crate) fn plural(self) -> &'static str {
        match self {
            Kind::Note => "notes",
            Kind::Email => "emails",
            Kind::Call => "calls",
            Kind::Meeting => "meetings",
        }
    }

    /// The object name in error messages (`NOTE`).
    pub(crate) fn upper(self) -> &'static str {
        match self {
            Kind::Note => "NOTE",
            Kind::Email => "EMAIL",
            Kind::Call => "CALL",
            Kind::Meeting => "MEETING",
        }
    }

    /// HubSpot's default association type id from a contact to this object.
    pub(crate) fn contact_association_type(self) -> u32 {
        match self {
            Kind::Note => 202,
            Kind::Email => 198,
            Kind::Call => 194,
            Kind::Meeting => 200,
        }
    }

    /// The property holding the activity's main text.
    pub(crate) fn body_property(self) -> &'static str {
        match self {
            Kind::Note => "hs_note_body",
            Kind::Email => "hs_email_text",
            Kind::Call => "hs_call_body",
            Kind::Meeting => "hs_meeting_body",
        }
    }

    /// The property holding the activity's title, if it has one.
    pub(crate) fn title_property(self) -> Option<&'static str> {
        match self {
            Kind::Note => None,
            Kind::Email => Some("hs_email_subject"),
            Kind::Call => Some("hs_call_title"),
            Kind::Meeting => Some("hs_meeting_title"),
        }
    }
}

/// One engagement record.
#[derive(Clone, Debug)]
pub(crate) struct Engagement {
    pub id: u64,
    pub kind: Kind,
    pub props: BTreeMap<String, String>,
    pub created_ms: i64,
}

impl Engagement {
    /// HubSpot's `SimplePublicObject` JSON; `properties` empty returns the defaults
    /// (`hs_createdate`, `hs_lastmodifieddate`, `hs_object_id`) as HubSpot does.
    pub(crate) fn to_json(&self, properties: &[String]) -> Value {
        let mut all = self.props.clone();
        all.insert("hs_object_id".into(), self.id.to_string());
        all.insert("hs_createdate".into(), iso(self.created_ms));
        all.insert("hs_lastmodifieddate".into(), iso(self.created_ms));
        let mut props = Map::new();
        let defaults = ["hs_createdate", "hs_lastmodifieddate", "hs_object_id"];
        let wanted = properties
            .iter()
            .map(String::as_str)
            .chain(defaults.iter().copied());
        for name in wanted {
            let value = all.get(name).cloned().map_or(Value::Null, Value::String);
            props.insert(name.to_owned(), value);
        }
        json!({
            "id": self.id.to_string(),
            "properties": props,
            "createdAt": iso(self.created_ms),
            "updatedAt": iso(self.created_ms),
            "archived": false,
        })
    }
}
