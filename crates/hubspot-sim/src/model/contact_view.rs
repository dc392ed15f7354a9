//! Serialises contacts straight to HubSpot's JSON without building `serde_json::Value`
//! trees: a batch read of 50 contacts with history is the simulator's hottest path.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::contact::{Contact, Version};
use crate::util::iso;

/// A contact as a read shows it: chosen properties, and history for some of them.
pub(crate) struct ContactView<'a> {
    pub(super) contact: &'a Contact,
    pub(super) properties: Vec<&'a str>,
    pub(super) history: Vec<&'a str>,
    pub(super) with_history: bool,
}

struct Props<'a>(&'a ContactView<'a>);
struct History<'a>(&'a ContactView<'a>);
struct Versions<'a>(&'a [Version]);
struct VersionJson<'a>(&'a Version);

impl Serialize for ContactView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.contact;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &c.id.to_string())?;
        m.serialize_entry("properties", &Props(self))?;
        if self.with_history {
            m.serialize_entry("propertiesWithHistory", &History(self))?;
        }
        m.serialize_entry("createdAt", &iso(c.created_ms))?;
        m.serialize_entry("updatedAt", &iso(c.updated_ms))?;
        m.serialize_entry("archived", &false)?;
        m.end()
    }
}

impl Serialize for Props<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.properties.len()))?;
        for name in &self.0.properties {
            let versions = self.0.contact.versions(name);
            m.serialize_entry(name, &versions.last().map(|v| v.value.as_str()))?;
        }
        m.end()
    }
}

impl Serialize for History<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.history.len()))?;
        for name in &self.0.history {
            m.serialize_entry(name, &Versions(&self.0.contact.versions(name)))?;
        }
        m.end()
    }
}

impl Serialize for Versions<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for v in self.0.iter().rev() {
            seq.serialize_element(&VersionJson(v))?;
        }
        seq.end()
    }
}

impl Serialize for VersionJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("value", &v.value)?;
        m.serialize_entry("timestamp", &iso(v.timestamp_ms))?;
        m.serialize_entry("sourceType", v.source.kind.as_str())?;
        if let Some(id) = &v.source.id {
            m.serialize_entry("sourceId", id)?;
        }
        if let Some(user) = v.source.user_id {
            m.serialize_entry("updatedByUserId", &user)?;
        }
        m.end()
    }
}
