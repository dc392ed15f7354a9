//! Who wrote a property value. HubSpot's history says *which source* wrote each version; our
//! ledger of our own writes says whether that source was *this* Steward. Only a value that is
//! both our integration's write and in our ledger counts as ours — anything else (a person in
//! the CRM, an import, a workflow, another integration, even another Steward installation) is
//! protected as not ours.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One version of a property as HubSpot reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub value: String,
    /// Milliseconds since the epoch.
    pub timestamp_ms: i64,
    pub source_type: String,
    pub source_id: Option<String>,
    pub updated_by_user_id: Option<u64>,
}

/// What the ledger of our own writes knows about a value we sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub correlation_id: String,
    /// Set when we wrote a person's value back (a restore after a conflict): the version is then
    /// that person's, not ours.
    pub on_behalf_of: Option<Writer>,
}

/// The writer of one version, as the admin sees it in provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Writer {
    /// This Steward installation, in the round trip with this correlation ID.
    Steward { correlation_id: String },
    /// A person (in the CRM UI, the mobile app …).
    Person {
        #[ts(type = "number | null")]
        user_id: Option<u64>,
        source_type: String,
    },
    /// Anything else: imports, workflows, other integrations, the API.
    Other {
        source_type: String,
        source_id: Option<String>,
    },
}

impl Writer {
    pub fn is_steward(&self) -> bool {
        matches!(self, Self::Steward { .. })
    }

    /// A short label for reviews and the CLI ("user 42 (CRM_UI)").
    pub fn label(&self) -> String {
        match self {
            Self::Steward { correlation_id } => format!("Steward ({correlation_id})"),
            Self::Person {
                user_id: Some(id),
                source_type,
            } => format!("user {id} ({source_type})"),
            Self::Person {
                user_id: None,
                source_type,
            } => format!("a person ({source_type})"),
            Self::Other {
                source_type,
                source_id: Some(id),
            } => format!("{source_type} ({id})"),
            Self::Other {
                source_type,
                source_id: None,
            } => source_type.clone(),
        }
    }
}

/// Sources HubSpot uses for edits made by people.
fn is_person_source(source_type: &str) -> bool {
    matches!(
        source_type,
        "CRM_UI" | "CONTACTS_WEB" | "SALES" | "EMAIL" | "CALLING" | "MEETINGS"
    ) || source_type.starts_with("MOBILE")
}

/// Classifies one version. `app_id` is our HubSpot app; `ledger` looks a value up among our own
/// writes of this property on this record.
pub fn classify(
    version: &Version,
    app_id: u64,
    ledger: impl FnOnce(&str) -> Option<LedgerEntry>,
) -> Writer {
    let ours = version.source_type == "INTEGRATION"
        && version.source_id.as_deref() == Some(app_id.to_string().as_str());
    if ours && let Some(entry) = ledger(&version.value) {
        return entry.on_behalf_of.unwrap_or(Writer::Steward {
            correlation_id: entry.correlation_id,
        });
    }
    if is_person_source(&version.source_type) || (!ours && version.updated_by_user_id.is_some()) {
        return Writer::Person {
            user_id: version.updated_by_user_id.or_else(|| {
                version
                    .source_id
                    .as_deref()
                    .and_then(|s| s.strip_prefix("userId:"))
                    .and_then(|s| s.parse().ok())
            }),
            source_type: version.source_type.clone(),
        };
    }
    Writer::Other {
        source_type: version.source_type.clone(),
        source_id: version.source_id.clone(),
    }
}

/// The history of `property` on one record as HubSpot returned it, newest first, with every
/// version's writer classified against our ledger. The guard, the read-back after a write,
/// review approvals and provenance all read history through this one function.
pub fn attributed_history(
    conn: &rusqlite::Connection,
    portal_id: u64,
    app_id: u64,
    object_id: u64,
    property: &str,
    versions: &[hubspot::PropertyVersion],
) -> Result<Vec<crate::guard::Attributed>, crate::EngineError> {
    let mut versions: Vec<&hubspot::PropertyVersion> = versions.iter().collect();
    versions.sort_by_key(|v| std::cmp::Reverse(v.timestamp));
    let mut out = Vec::with_capacity(versions.len());
    for v in versions {
        let version = Version {
            value: v.value.clone(),
            timestamp_ms: i64::try_from(v.timestamp.unix_timestamp_nanos() / 1_000_000)
                .unwrap_or(i64::MAX),
            source_type: v.source_type.clone(),
            source_id: v.source_id.clone(),
            updated_by_user_id: v.updated_by_user_id,
        };
        let mut lookup_err = None;
        let writer = classify(&version, app_id, |value| {
            crate::ledger::lookup(conn, portal_id, object_id, property, value).unwrap_or_else(|e| {
                lookup_err = Some(e);
                None
            })
        });
        if let Some(e) = lookup_err {
            return Err(e);
        }
        out.push(crate::guard::Attributed {
            value: version.value,
            timestamp_ms: version.timestamp_ms,
            writer,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(source_type: &str, source_id: Option<&str>, user: Option<u64>) -> Version {
        Version {
            value: "x".into(),
            timestamp_ms: 1,
            source_type: source_type.into(),
            source_id: source_id.map(Into::into),
            updated_by_user_id: user,
        }
    }

    fn in_ledger(_: &str) -> Option<LedgerEntry> {
        Some(LedgerEntry {
            correlation_id: "c0ffee".into(),
            on_behalf_of: None,
        })
    }

    #[test]
    fn our_integration_write_in_the_ledger_is_ours() {
        let w = classify(&v("INTEGRATION", Some("77"), None), 77, in_ledger);
        assert_eq!(
            w,
            Writer::Steward {
                correlation_id: "c0ffee".into()
            }
        );
    }

    #[test]
    fn our_app_id_without_a_ledger_entry_is_not_ours() {
        let w = classify(&v("INTEGRATION", Some("77"), None), 77, |_| None);
        assert!(!w.is_steward(), "{w:?}");
    }

    #[test]
    fn another_integration_is_not_ours_even_if_the_ledger_matches() {
        let w = classify(&v("INTEGRATION", Some("78"), None), 77, in_ledger);
        assert_eq!(
            w,
            Writer::Other {
                source_type: "INTEGRATION".into(),
                source_id: Some("78".into())
            }
        );
    }

    #[test]
    fn crm_ui_edits_are_people_with_their_user_id() {
        let w = classify(&v("CRM_UI", Some("userId:42"), Some(42)), 77, in_ledger);
        assert_eq!(
            w,
            Writer::Person {
                user_id: Some(42),
                source_type: "CRM_UI".into()
            }
        );
        let w = classify(&v("CRM_UI", Some("userId:43"), None), 77, in_ledger);
        assert_eq!(
            w,
            Writer::Person {
                user_id: Some(43),
                source_type: "CRM_UI".into()
            }
        );
        assert!(matches!(
            classify(&v("MOBILE_IOS", None, Some(5)), 77, in_ledger),
            Writer::Person { .. }
        ));
    }

    #[test]
    fn a_restore_counts_as_the_person_it_restored() {
        let person = Writer::Person {
            user_id: Some(42),
            source_type: "CRM_UI".into(),
        };
        let p = person.clone();
        let w = classify(&v("INTEGRATION", Some("77"), None), 77, move |_| {
            Some(LedgerEntry {
                correlation_id: "c".into(),
                on_behalf_of: Some(p),
            })
        });
        assert_eq!(w, person);
    }

    #[test]
    fn imports_and_workflows_are_other_sources() {
        assert!(matches!(
            classify(&v("IMPORT", None, None), 77, in_ledger),
            Writer::Other { .. }
        ));
        assert!(matches!(
            classify(&v("AUTOMATION_PLATFORM", Some("wf"), None), 77, in_ledger),
            Writer::Other { .. }
        ));
    }
}
