//! One-click provisioning: the `ai_enrichment` group and the ten `ai_*` properties. It is
//! idempotent — it diffs what exists, creates only what is missing, and reports a same-name
//! property of another type or with other options as a conflict, never changing it.

use std::collections::BTreeSet;

use hubspot::{
    HubSpotClient, ObjectType, Property, PropertyCreate, PropertyGroupCreate, PropertyOption,
};
use serde::Serialize;
use steward_llm::IntentSignal;
use ts_rs::TS;

use crate::fields::{self, AiField, FieldKind};

/// What happened to one property (or the group).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "status", rename_all = "snake_case")]
#[ts(export)]
pub enum ItemStatus {
    Created,
    /// `--dry-run`: would be created.
    WouldCreate,
    AlreadyCorrect,
    /// Exists with another definition; left untouched.
    Conflict {
        reason: String,
    },
    /// HubSpot refused to create it.
    Failed {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ProvisionItem {
    pub name: String,
    pub status: ItemStatus,
}

/// The whole report, in catalog order (group first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ProvisionReport {
    pub dry_run: bool,
    pub items: Vec<ProvisionItem>,
}

impl ProvisionReport {
    pub fn count(&self, pred: impl Fn(&ItemStatus) -> bool) -> usize {
        self.items.iter().filter(|i| pred(&i.status)).count()
    }

    /// Whether every property is usable (created or already correct).
    pub fn is_ready(&self) -> bool {
        self.items
            .iter()
            .all(|i| matches!(i.status, ItemStatus::Created | ItemStatus::AlreadyCorrect))
    }
}

/// Why provisioning could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error(
        "Steward's HubSpot connection lacks the crm.schemas.contacts.write scope, which creating properties needs: reconnect and grant it ({0})"
    )]
    MissingScope(String),
    #[error("could not read or create HubSpot properties: {0}")]
    HubSpot(#[from] hubspot::Error),
}

fn map_err(e: hubspot::Error) -> ProvisionError {
    match e {
        hubspot::Error::MissingScopes { .. } | hubspot::Error::Forbidden(_) => {
            ProvisionError::MissingScope(e.to_string())
        }
        other => ProvisionError::HubSpot(other),
    }
}

/// The checkbox options of `ai_intent_signals`: the fixed vocabulary.
fn signal_options() -> Vec<PropertyOption> {
    IntentSignal::ALL
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut o = PropertyOption::new(s.as_str());
            o.label = s.label().to_owned();
            o.display_order = Some(i as i64);
            o
        })
        .collect()
}

fn definition(field: &AiField, order: usize) -> PropertyCreate {
    let (ty, field_type) = field.kind.hubspot_types();
    let mut p = PropertyCreate::new(field.name, field.label, ty, field_type, fields::GROUP_NAME);
    p.description = Some(field.description.to_owned());
    p.display_order = Some(order as i64);
    if field.kind == FieldKind::Checkbox {
        p.options = signal_options();
    }
    p
}

/// Compares an existing property with ours; `None` when it is usable as is.
fn conflict(existing: &Property, wanted: &PropertyCreate) -> Option<String> {
    if existing.property_type != wanted.property_type {
        return Some(format!(
            "exists with type {} (Steward needs {})",
            existing.property_type, wanted.property_type
        ));
    }
    if existing.field_type != wanted.field_type {
        return Some(format!(
            "exists with field type {} (Steward needs {})",
            existing.field_type, wanted.field_type
        ));
    }
    if !wanted.options.is_empty() {
        let have: BTreeSet<&str> = existing.options.iter().map(|o| o.value.as_str()).collect();
        let missing: Vec<&str> = wanted
            .options
            .iter()
            .map(|o| o.value.as_str())
            .filter(|v| !have.contains(v))
            .collect();
        if !missing.is_empty() {
            return Some(format!("is missing options {}", missing.join(", ")));
        }
    }
    None
}

/// Creates what is missing (unless `dry_run`) and reports every item.
pub async fn provision(
    client: &HubSpotClient,
    dry_run: bool,
) -> Result<ProvisionReport, ProvisionError> {
    let mut items = Vec::new();
    let groups = client
        .list_property_groups(ObjectType::Contacts)
        .await
        .map_err(map_err)?;
    let group_status = if groups.iter().any(|g| g.name == fields::GROUP_NAME) {
        ItemStatus::AlreadyCorrect
    } else if dry_run {
        ItemStatus::WouldCreate
    } else {
        let group = PropertyGroupCreate {
            name: fields::GROUP_NAME.into(),
            label: fields::GROUP_LABEL.into(),
            display_order: None,
        };
        match client
            .create_property_group(ObjectType::Contacts, &group)
            .await
        {
            Ok(_) | Err(hubspot::Error::Conflict(_)) => ItemStatus::Created,
            Err(e) => return Err(map_err(e)),
        }
    };
    items.push(ProvisionItem {
        name: fields::GROUP_NAME.into(),
        status: group_status,
    });

    let existing = client
        .list_properties(ObjectType::Contacts)
        .await
        .map_err(map_err)?;
    let mut to_create = Vec::new();
    for (order, field) in fields::AI_FIELDS.iter().enumerate() {
        let wanted = definition(field, order);
        let status = match existing.iter().find(|p| p.name == field.name) {
            Some(p) => match conflict(p, &wanted) {
                Some(reason) => ItemStatus::Conflict { reason },
                None => ItemStatus::AlreadyCorrect,
            },
            None if dry_run => ItemStatus::WouldCreate,
            None => {
                to_create.push(wanted);
                ItemStatus::Created
            }
        };
        items.push(ProvisionItem {
            name: field.name.into(),
            status,
        });
    }
    if !to_create.is_empty() {
        let result = client
            .batch_create_properties(ObjectType::Contacts, &to_create)
            .await
            .map_err(map_err)?;
        let created: BTreeSet<&str> = result.results.iter().map(|p| p.name.as_str()).collect();
        let failure = result
            .errors
            .first()
            .and_then(|e| e.best_message().map(str::to_owned))
            .or_else(|| result.failed_chunks.first().map(|c| c.error.to_string()));
        for item in &mut items {
            if item.status == ItemStatus::Created
                && item.name != fields::GROUP_NAME
                && !created.contains(item.name.as_str())
            {
                item.status = ItemStatus::Failed {
                    reason: failure
                        .clone()
                        .unwrap_or_else(|| "HubSpot did not create it".into()),
                };
            }
        }
    }
    Ok(ProvisionReport { dry_run, items })
}
