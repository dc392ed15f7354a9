//! Recent activity: association ids first (cheap, enough for the input hash), bodies only for
//! contacts that changed.

use std::collections::{BTreeMap, HashMap};

use hubspot::{HubSpotClient, ObjectType, ReadOptions};
use steward_llm::{Activity, ActivityKind};

/// One engagement reference: its type and id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EngagementRef {
    pub kind: ObjectType,
    pub id: String,
}

impl EngagementRef {
    /// `note:123`, the form hashed into the input hash.
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.id)
    }

    fn numeric_id(&self) -> u64 {
        self.id.parse().unwrap_or(0)
    }
}

const KINDS: [ObjectType; 4] = [
    ObjectType::Notes,
    ObjectType::Emails,
    ObjectType::Calls,
    ObjectType::Meetings,
];

/// The `max` most recent engagements of each contact (HubSpot ids grow over time, so the
/// highest ids are the newest; exact timestamps come with the bodies).
pub async fn recent_refs(
    client: &HubSpotClient,
    contact_ids: &[String],
    max: usize,
) -> Result<HashMap<String, Vec<EngagementRef>>, hubspot::Error> {
    let mut all: HashMap<String, Vec<EngagementRef>> = HashMap::new();
    if contact_ids.is_empty() || max == 0 {
        return Ok(all);
    }
    for kind in KINDS {
        let sets = client
            .batch_associations(ObjectType::Contacts, contact_ids, kind)
            .await?;
        for set in sets.results {
            let refs = all.entry(set.from_id).or_default();
            refs.extend(set.to.into_iter().map(|a| EngagementRef {
                kind,
                id: a.to_object_id,
            }));
        }
    }
    for refs in all.values_mut() {
        refs.sort_by_key(|r| std::cmp::Reverse(r.numeric_id()));
        refs.dedup();
        refs.truncate(max);
    }
    Ok(all)
}

fn body_properties(kind: ObjectType) -> (&'static str, Option<&'static str>) {
    match kind {
        ObjectType::Emails => ("hs_email_text", Some("hs_email_subject")),
        ObjectType::Calls => ("hs_call_body", Some("hs_call_title")),
        ObjectType::Meetings => ("hs_meeting_body", Some("hs_meeting_title")),
        _ => ("hs_note_body", None),
    }
}

fn activity_kind(kind: ObjectType) -> ActivityKind {
    match kind {
        ObjectType::Emails => ActivityKind::Email,
        ObjectType::Calls => ActivityKind::Call,
        ObjectType::Meetings => ActivityKind::Meeting,
        _ => ActivityKind::Note,
    }
}

/// Reads the bodies of `refs` (batched per type) and returns them as LLM activities, newest
/// first. Engagements that vanished in between are skipped.
pub async fn bodies(
    client: &HubSpotClient,
    refs: &[&EngagementRef],
) -> Result<HashMap<EngagementRef, Activity>, hubspot::Error> {
    let mut by_kind: BTreeMap<&str, (ObjectType, Vec<String>)> = BTreeMap::new();
    for r in refs {
        by_kind
            .entry(r.kind.as_str())
            .or_insert_with(|| (r.kind, Vec::new()))
            .1
            .push(r.id.clone());
    }
    let mut out = HashMap::new();
    for (kind, ids) in by_kind.into_values() {
        let (body, title) = body_properties(kind);
        let mut props = vec!["hs_timestamp", body];
        props.extend(title);
        let read = client
            .batch_read(kind, &ids, &ReadOptions::properties(props))
            .await?;
        for object in read.results {
            let get = |name: &str| {
                object
                    .properties
                    .get(name)
                    .cloned()
                    .flatten()
                    .unwrap_or_default()
            };
            let text = match title.map(get).filter(|t| !t.is_empty()) {
                Some(t) => format!("{t}\n{}", get(body)),
                None => get(body),
            };
            out.insert(
                EngagementRef {
                    kind,
                    id: object.id.clone(),
                },
                Activity {
                    kind: activity_kind(kind),
                    id: object.id.clone(),
                    timestamp: get("hs_timestamp"),
                    body: text,
                },
            );
        }
    }
    Ok(out)
}
