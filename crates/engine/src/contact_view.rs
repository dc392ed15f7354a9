//! The Contacts screen's detail view of one contact: for each AI field the current value, who
//! wrote it (a Steward round trip with its model and correlation ID, a person, or another
//! source) and when; one timeline merging HubSpot's property history with Steward's audit;
//! and the link that opens the record in HubSpot. One HubSpot read serves it all.

use hubspot::ReadOptions;
use serde::Serialize;
use ts_rs::TS;

use crate::audit::{AuditRecord, Outcome};
use crate::fields::{self, FieldRole};
use crate::pipeline::PipelineContext;
use crate::provenance::{self, FieldVersion, ProvenanceError};
use crate::writer::Writer;

/// The identity properties shown in the header.
const IDENTITY: [&str; 4] = ["email", "firstname", "lastname", "company"];
/// Most timeline entries sent to the screen.
const TIMELINE_MAX: usize = 300;

/// The Steward round trip that wrote a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RunRef {
    #[ts(type = "number")]
    pub audit_id: i64,
    pub model: Option<String>,
    pub prompt_version: Option<u32>,
    pub trigger: String,
    pub outcome: Option<Outcome>,
    #[ts(type = "number")]
    pub at_ms: i64,
}

/// One AI field as it stands now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FieldRow {
    pub property: String,
    pub label: String,
    pub role: FieldRole,
    /// The newest version (value, writer, time); `None` when never set.
    pub current: Option<FieldVersion>,
    /// When Steward wrote the current value: the round trip that did.
    pub run: Option<RunRef>,
    /// How many versions HubSpot keeps for the field.
    pub versions: u32,
}

/// One entry of the merged timeline, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum TimelineEntry {
    /// A version of an AI field in HubSpot's history.
    Version {
        #[ts(type = "number")]
        at_ms: i64,
        property: String,
        label: String,
        value: String,
        writer: Writer,
    },
    /// A Steward round trip or review decision from the audit.
    Round {
        #[ts(type = "number")]
        at_ms: i64,
        record: Box<AuditRecord>,
    },
}

impl TimelineEntry {
    fn at_ms(&self) -> i64 {
        match self {
            Self::Version { at_ms, .. } | Self::Round { at_ms, .. } => *at_ms,
        }
    }
}

/// Everything the contact's page shows.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ContactDetail {
    #[ts(type = "number")]
    pub portal_id: u64,
    #[ts(type = "number")]
    pub contact_id: u64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub company: Option<String>,
    /// The record in HubSpot's web app.
    pub hubspot_url: String,
    pub fields: Vec<FieldRow>,
    pub timeline: Vec<TimelineEntry>,
}

/// The HubSpot web page of a contact. `ui_domain` is the portal's app domain
/// (`app.hubspot.com`, `app-eu1.hubspot.com` …) from the account details.
pub fn hubspot_url(ui_domain: Option<&str>, portal_id: u64, contact_id: u64) -> String {
    let domain = ui_domain
        .map(|d| {
            d.trim()
                .trim_start_matches("https://")
                .trim_start_matches("http://")
                .trim_end_matches('/')
        })
        .filter(|d| {
            !d.is_empty()
                && d.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c))
        })
        .unwrap_or("app.hubspot.com");
    format!("https://{domain}/contacts/{portal_id}/record/0-1/{contact_id}")
}

/// "Ann Lee", "Ann", or nothing.
pub fn full_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let name = [first, last]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (!name.is_empty()).then_some(name)
}

/// Reads the contact once (identity + AI fields with history) and builds the page.
pub async fn contact_detail(
    ctx: &PipelineContext,
    ui_domain: Option<&str>,
    contact_id: u64,
) -> Result<ContactDetail, ProvenanceError> {
    let ai: Vec<&str> = fields::AI_FIELDS.iter().map(|f| f.name).collect();
    let opts = ReadOptions::properties(IDENTITY.iter().copied().chain(ai.iter().copied()))
        .with_history(ai);
    let contact = ctx
        .hubspot
        .get_contact(&contact_id.to_string(), &opts)
        .await
        .map_err(|source| ProvenanceError::HubSpot { contact_id, source })?;
    let prov =
        provenance::from_contact(&contact, &ctx.store, ctx.portal_id, ctx.app_id, contact_id)?;
    Ok(assemble(
        prov,
        full_name(contact.property("firstname"), contact.property("lastname")),
        contact.property("email").map(str::to_owned),
        contact.property("company").map(str::to_owned),
        hubspot_url(ui_domain, ctx.portal_id, contact_id),
    ))
}

fn assemble(
    prov: provenance::ContactProvenance,
    name: Option<String>,
    email: Option<String>,
    company: Option<String>,
    hubspot_url: String,
) -> ContactDetail {
    let run_of = |cid: &str| -> Option<RunRef> {
        prov.audit
            .iter()
            .filter(|r| r.correlation_id == cid)
            .find(|r| {
                matches!(
                    r.outcome,
                    Some(Outcome::Written | Outcome::Approved | Outcome::Conflict)
                )
            })
            .or_else(|| prov.audit.iter().find(|r| r.correlation_id == cid))
            .map(|r| RunRef {
                audit_id: r.id,
                model: r.model.clone(),
                prompt_version: r.prompt_version,
                trigger: r.trigger.clone(),
                outcome: r.outcome,
                at_ms: r.created_at,
            })
    };
    let mut timeline = Vec::new();
    let fields = prov
        .fields
        .iter()
        .map(|f| {
            let role = fields::ai_field(&f.property)
                .map(|a| a.role)
                .unwrap_or(FieldRole::Content);
            if role == FieldRole::Content {
                timeline.extend(f.history.iter().map(|v| TimelineEntry::Version {
                    at_ms: v.at_ms,
                    property: f.property.clone(),
                    label: f.label.clone(),
                    value: v.value.clone(),
                    writer: v.writer.clone(),
                }));
            }
            let current = f.current().cloned();
            let run = match current.as_ref().map(|c| &c.writer) {
                Some(Writer::Steward { correlation_id }) => run_of(correlation_id),
                _ => None,
            };
            FieldRow {
                property: f.property.clone(),
                label: f.label.clone(),
                role,
                current,
                run,
                versions: f.history.len() as u32,
            }
        })
        .collect();
    timeline.extend(prov.audit.iter().map(|r| TimelineEntry::Round {
        at_ms: r.created_at,
        record: Box::new(r.clone()),
    }));
    // Newest first; at the same instant the round trip goes above the versions it wrote.
    timeline.sort_by_key(|e| {
        (
            std::cmp::Reverse(e.at_ms()),
            matches!(e, TimelineEntry::Version { .. }),
        )
    });
    timeline.truncate(TIMELINE_MAX);
    ContactDetail {
        portal_id: prov.portal_id,
        contact_id: prov.contact_id,
        name,
        email,
        company,
        hubspot_url,
        fields,
        timeline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provenance::{ContactProvenance, FieldProvenance};

    fn version(value: &str, at_ms: i64, writer: Writer) -> FieldVersion {
        FieldVersion {
            value: value.into(),
            at_ms,
            writer,
        }
    }

    #[test]
    fn links_and_names() {
        assert_eq!(
            hubspot_url(Some("app-eu1.hubspot.com"), 62515, 101),
            "https://app-eu1.hubspot.com/contacts/62515/record/0-1/101"
        );
        assert_eq!(
            hubspot_url(Some("evil.example/x?y"), 1, 2),
            "https://app.hubspot.com/contacts/1/record/0-1/2",
            "a domain with a path is not trusted"
        );
        assert_eq!(
            hubspot_url(None, 1, 2),
            "https://app.hubspot.com/contacts/1/record/0-1/2"
        );
        assert_eq!(
            full_name(Some("Ann"), Some(" Lee ")).as_deref(),
            Some("Ann Lee")
        );
        assert_eq!(full_name(None, Some("")), None);
    }

    #[test]
    fn fields_name_their_writer_and_the_timeline_merges_history_with_audit() {
        let ai = Writer::Steward {
            correlation_id: "c1".into(),
        };
        let ann = Writer::Person {
            user_id: Some(42),
            source_type: "CRM_UI".into(),
        };
        let prov = ContactProvenance {
            portal_id: 1,
            contact_id: 9,
            fields: vec![
                FieldProvenance {
                    property: "ai_summary".into(),
                    label: "AI summary".into(),
                    history: vec![
                        version("Ann's", 300, ann.clone()),
                        version("AI's", 100, ai.clone()),
                    ],
                },
                FieldProvenance {
                    property: "ai_generated_score".into(),
                    label: "AI score".into(),
                    history: vec![version("70", 100, ai.clone())],
                },
                FieldProvenance {
                    property: "ai_model".into(),
                    label: "AI model".into(),
                    history: vec![version("m@prompt-v1", 100, ai.clone())],
                },
            ],
            audit: vec![
                AuditRecord {
                    id: 5,
                    correlation_id: "c2".into(),
                    outcome: Some(Outcome::Guarded),
                    created_at: 400,
                    ..Default::default()
                },
                AuditRecord {
                    id: 4,
                    correlation_id: "c1".into(),
                    outcome: Some(Outcome::Written),
                    model: Some("m@prompt-v1".into()),
                    prompt_version: Some(1),
                    trigger: "live".into(),
                    created_at: 100,
                    ..Default::default()
                },
            ],
        };
        let d = assemble(prov, Some("Ann Lee".into()), None, None, "u".into());
        let summary = &d.fields[0];
        assert_eq!(summary.current.as_ref().unwrap().writer, ann);
        assert!(summary.run.is_none(), "a person's value has no AI run");
        assert_eq!(summary.versions, 2);
        let score = &d.fields[1];
        let run = score.run.as_ref().unwrap();
        assert_eq!(
            (run.audit_id, run.model.as_deref()),
            (4, Some("m@prompt-v1"))
        );
        assert_eq!(d.fields[2].role, FieldRole::Bookkeeping);

        let kinds: Vec<(i64, &str)> = d
            .timeline
            .iter()
            .map(|e| match e {
                TimelineEntry::Version {
                    at_ms, property, ..
                } => (*at_ms, property.as_str()),
                TimelineEntry::Round { at_ms, .. } => (*at_ms, "round"),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                (400, "round"),
                (300, "ai_summary"),
                (100, "round"),
                (100, "ai_summary"),
                (100, "ai_generated_score"),
            ],
            "newest first, bookkeeping fields left out"
        );
    }
}
