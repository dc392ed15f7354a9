//! One HubSpot account (portal): its properties, contacts, engagements and lists, and the
//! write rules every entry point (API, human edit, seeding) goes through.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value, json};

mod outcome;

pub(crate) use outcome::{Change, Outcome, PendingEdit, WriteRecord};

use crate::error::ApiError;
use crate::model::contact::{Contact, Source};
use crate::model::engagement::{Engagement, Kind};
use crate::model::list::List;
use crate::model::property::{Group, PropertyDef};
use crate::model::standard;

/// One portal's data.
#[derive(Debug)]
pub(crate) struct Portal {
    pub id: u64,
    properties: Vec<PropertyDef>,
    prop_index: HashMap<String, usize>,
    pub groups: Vec<Group>,
    pub contacts: BTreeMap<u64, Contact>,
    email_index: HashMap<String, u64>,
    pub engagements: BTreeMap<u64, Engagement>,
    contact_engagements: HashMap<u64, Vec<u64>>,
    pub lists: BTreeMap<u64, List>,
    next_contact: u64,
    next_engagement: u64,
    next_list: u64,
    before_write: HashMap<u64, PendingEdit>,
}

fn json_to_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

impl Portal {
    /// An empty portal with HubSpot's standard groups and contact properties.
    pub(crate) fn new(id: u64, now_ms: i64) -> Self {
        let mut p = Self {
            id,
            properties: Vec::new(),
            prop_index: HashMap::new(),
            groups: standard::groups(),
            contacts: BTreeMap::new(),
            email_index: HashMap::new(),
            engagements: BTreeMap::new(),
            contact_engagements: HashMap::new(),
            lists: BTreeMap::new(),
            next_contact: 101,
            next_engagement: 50_000_000_001,
            next_list: 1,
            before_write: HashMap::new(),
        };
        for def in standard::contact_properties(now_ms) {
            p.insert_property(def);
        }
        p
    }

    fn insert_property(&mut self, def: PropertyDef) {
        self.prop_index
            .insert(def.name.clone(), self.properties.len());
        self.properties.push(def);
    }

    /// A property definition by name.
    pub(crate) fn property(&self, name: &str) -> Option<&PropertyDef> {
        self.prop_index.get(name).map(|&i| &self.properties[i])
    }

    /// Every property definition, in creation order.
    pub(crate) fn properties(&self) -> &[PropertyDef] {
        &self.properties
    }

    /// Adds a property; 409 when the name is taken.
    pub(crate) fn add_property(&mut self, def: PropertyDef) -> Result<&PropertyDef, ApiError> {
        if self.prop_index.contains_key(&def.name) {
            return Err(ApiError::conflict(format!(
                "Property named '{}' already exists.",
                def.name
            ))
            .with(
                "subCategory",
                json!("PropertyValidationError.PROPERTY_EXISTS"),
            )
            .with("context", json!({ "name": [def.name] })));
        }
        let name = def.name.clone();
        self.insert_property(def);
        self.property(&name)
            .ok_or_else(|| ApiError::validation("property vanished while being created"))
    }

    /// Whether a group exists.
    pub(crate) fn has_group(&self, name: &str) -> bool {
        self.groups.iter().any(|g| g.name == name)
    }

    /// Validates a `properties` object of a write, collecting every problem into
    /// HubSpot's "Property values were not valid" 400.
    pub(crate) fn validate(
        &self,
        props: &Map<String, Value>,
    ) -> Result<Vec<(String, String)>, ApiError> {
        let mut ok = Vec::with_capacity(props.len());
        let mut bad = Vec::new();
        for (name, raw) in props {
            let raw = json_to_string(raw);
            let result = match self.property(name) {
                None => Err((
                    "PROPERTY_DOESNT_EXIST",
                    format!("Property \"{name}\" does not exist"),
                )),
                Some(def) => def.normalize(&raw),
            };
            match result {
                Ok(v) => ok.push((name.clone(), v)),
                Err((code, message)) => bad.push((name.clone(), code, message)),
            }
        }
        if bad.is_empty() {
            return Ok(ok);
        }
        let detail: Vec<Value> = bad
            .iter()
            .map(|(name, code, message)| {
                json!({
                    "isValid": false, "message": message, "error": code, "name": name,
                    "localizedErrorMessage": message, "portalId": self.id,
                })
            })
            .collect();
        let errors: Vec<Value> = bad
            .iter()
            .map(|(name, code, message)| {
                json!({ "message": message, "code": code, "context": { "propertyName": [name] } })
            })
            .collect();
        Err(ApiError::validation(format!(
            "Property values were not valid: {}",
            Value::Array(detail)
        ))
        .with("errors", Value::Array(errors)))
    }

    /// The contact id an email belongs to.
    pub(crate) fn id_by_email(&self, email: &str) -> Option<u64> {
        self.email_index.get(&email.to_ascii_lowercase()).copied()
    }

    /// Resolves an input id under `idProperty` (`hs_object_id` by default, or `email`).
    pub(crate) fn resolve(&self, id: &str, id_property: Option<&str>) -> Option<u64> {
        match id_property.unwrap_or("hs_object_id") {
            "email" => self.id_by_email(id),
            _ => id
                .trim()
                .parse()
                .ok()
                .filter(|n| self.contacts.contains_key(n)),
        }
    }

    /// Creates a contact from already validated properties; 409 on a duplicate email.
    pub(crate) fn create_contact(
        &mut self,
        props: Vec<(String, String)>,
        source: Source,
        ts: i64,
    ) -> Result<(u64, Outcome), ApiError> {
        if let Some((_, email)) = props.iter().find(|(n, v)| n == "email" && !v.is_empty())
            && let Some(existing) = self.id_by_email(email)
        {
            return Err(ApiError::conflict(format!(
                "Contact already exists. Existing ID: {existing}"
            )));
        }
        let id = self.next_contact;
        self.next_contact += 1;
        self.contacts
            .insert(id, Contact::new(id, ts, source.clone()));
        let mut outcome = Outcome::default();
        outcome.changes.push(Change {
            portal_id: self.id,
            object_id: id,
            property: None,
            source: source.clone(),
            occurred_ms: ts,
        });
        outcome.extend(self.write(id, &props, &source, ts).unwrap_or_default());
        Ok((id, outcome))
    }

    /// Writes validated properties to a contact. `None` when it does not exist.
    pub(crate) fn write(
        &mut self,
        id: u64,
        props: &[(String, String)],
        source: &Source,
        ts: i64,
    ) -> Option<Outcome> {
        let portal_id = self.id;
        let contact = self.contacts.get_mut(&id)?;
        let mut outcome = Outcome::default();
        for (name, value) in props {
            let old_email = (name == "email").then(|| contact.current("email").map(str::to_owned));
            let changed = contact.set(name, value.clone(), ts, source.clone());
            outcome.writes.push(WriteRecord {
                portal_id,
                object_id: id.to_string(),
                property: name.clone(),
                value: value.clone(),
                source_type: source.kind,
                source_id: source.id.clone(),
                updated_by_user_id: source.user_id,
                timestamp: crate::util::iso(ts),
                changed,
            });
            if !changed {
                continue;
            }
            if let Some(old) = old_email {
                if let Some(old) = old {
                    self.email_index.remove(&old.to_ascii_lowercase());
                }
                if !value.is_empty() {
                    self.email_index.insert(value.to_ascii_lowercase(), id);
                }
            }
            outcome.changes.push(Change {
                portal_id,
                object_id: id,
                property: Some((name.clone(), value.clone())),
                source: source.clone(),
                occurred_ms: ts,
            });
        }
        Some(outcome)
    }

    /// Queues a one-shot human edit for the next API write to `contact_id`.
    pub(crate) fn queue_before_write(&mut self, contact_id: u64, edit: PendingEdit) {
        self.before_write.insert(contact_id, edit);
    }

    /// Takes the queued human edit of a contact, if any.
    pub(crate) fn take_before_write(&mut self, contact_id: u64) -> Option<PendingEdit> {
        self.before_write.remove(&contact_id)
    }

    /// Adds an engagement associated with a contact; returns its id.
    pub(crate) fn add_engagement(
        &mut self,
        kind: Kind,
        contact_id: u64,
        props: BTreeMap<String, String>,
        created_ms: i64,
    ) -> u64 {
        let id = self.next_engagement;
        self.next_engagement += 1;
        self.engagements.insert(
            id,
            Engagement {
                id,
                kind,
                props,
                created_ms,
            },
        );
        self.contact_engagements
            .entry(contact_id)
            .or_default()
            .push(id);
        id
    }

    /// Engagement ids of one type associated with a contact, ascending.
    pub(crate) fn associated(&self, contact_id: u64, kind: Kind) -> Vec<u64> {
        let mut ids: Vec<u64> = self
            .contact_engagements
            .get(&contact_id)
            .map(|ids| {
                ids.iter()
                    .copied()
                    .filter(|id| self.engagements.get(id).is_some_and(|e| e.kind == kind))
                    .collect()
            })
            .unwrap_or_default();
        ids.sort_unstable();
        ids
    }

    /// Creates a static list of contacts; returns its id.
    pub(crate) fn add_list(&mut self, name: String, contact_ids: &[u64], ts: i64) -> u64 {
        let id = self.next_list;
        self.next_list += 1;
        let mut members: Vec<(u64, i64)> = contact_ids.iter().map(|&c| (c, ts)).collect();
        members.sort_unstable();
        members.dedup_by_key(|m| m.0);
        self.lists.insert(
            id,
            List {
                id,
                name,
                created_ms: ts,
                updated_ms: ts,
                members,
            },
        );
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_every_bad_property() {
        let p = Portal::new(1, 0);
        let mut props = Map::new();
        props.insert("nope".into(), json!("x"));
        props.insert("lifecyclestage".into(), json!("alien"));
        props.insert("firstname".into(), json!("Ada"));
        let err = p.validate(&props).unwrap_err();
        let body = err.body();
        let message = body["message"].as_str().unwrap();
        assert!(message.contains("PROPERTY_DOESNT_EXIST"));
        assert!(message.contains("INVALID_OPTION"));
        assert_eq!(body["errors"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn duplicate_emails_conflict() {
        let mut p = Portal::new(1, 0);
        let props = vec![("email".to_owned(), "a@b.co".to_owned())];
        let (id, out) = p
            .create_contact(props.clone(), Source::human(1), 10)
            .unwrap();
        assert_eq!(out.changes.len(), 2);
        assert_eq!(p.resolve("A@B.co", Some("email")), Some(id));
        let err = p.create_contact(props, Source::human(1), 11).unwrap_err();
        assert_eq!(err.status(), axum::http::StatusCode::CONFLICT);
    }
}
