//! What the admin does with a review: approve (re-check, write the AI value, audit),
//! edit-and-approve (same, with the admin's value), or reject (keep the person's value; the
//! same proposal is never raised again).

use std::collections::BTreeMap;
use std::str::FromStr;

use hubspot::{ObjectUpdate, ReadOptions};

use crate::EngineError;
use crate::audit::{self, AuditRecord, Outcome};
use crate::clock::now_ms;
use crate::fields::{self, FieldKind};
use crate::guard::{self, Attributed};
use crate::ledger::{self, OwnWrite};
use crate::pipeline::PipelineContext;
use crate::reviews::{self, Review, ReviewKind, ReviewStatus};
use crate::writer;

/// Why a review action was refused. Each message says what the admin can do.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("review {0} does not exist")]
    NotFound(i64),
    #[error("review {0} was already {1}; nothing to do")]
    NotPending(i64, &'static str),
    #[error(
        "{property} on contact {contact_id} changed again since this review was raised (now {current:?} by {writer}); reject this review and wait for the next proposal, or edit the value in HubSpot"
    )]
    Stale {
        property: String,
        contact_id: u64,
        current: String,
        writer: String,
    },
    #[error("the value is not valid for {property}: {reason}")]
    InvalidValue { property: String, reason: String },
    #[error("HubSpot refused the write: {0}")]
    HubSpot(#[from] hubspot::Error),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Checks an admin-edited value against the field's type and limits.
pub fn validate_value(property: &str, value: &str) -> Result<(), ReviewError> {
    let invalid = |reason: &str| ReviewError::InvalidValue {
        property: property.to_owned(),
        reason: reason.to_owned(),
    };
    let field = fields::ai_field(property).ok_or_else(|| invalid("not an AI field"))?;
    match field.kind {
        FieldKind::Textarea if value.chars().count() > 2_000 => {
            Err(invalid("at most 2,000 characters"))
        }
        FieldKind::Text if value.chars().count() > 500 => Err(invalid("at most 500 characters")),
        FieldKind::Number => {
            let n: f64 = value
                .trim()
                .parse()
                .map_err(|_| invalid("must be a number"))?;
            let max = if property == fields::AI_GENERATED_SCORE {
                100.0
            } else {
                1.0
            };
            if !(0.0..=max).contains(&n) {
                return Err(invalid(&format!("must be between 0 and {max}")));
            }
            Ok(())
        }
        FieldKind::Checkbox => {
            for part in value.split(';').filter(|p| !p.is_empty()) {
                steward_llm::IntentSignal::from_str(part)
                    .map_err(|_| invalid(&format!("{part} is not a known intent signal")))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn pending(ctx: &PipelineContext, id: i64) -> Result<Review, ReviewError> {
    let review = reviews::get(&ctx.store.conn(), id)?.ok_or(ReviewError::NotFound(id))?;
    match review.status {
        ReviewStatus::Pending => Ok(review),
        ReviewStatus::Approved => Err(ReviewError::NotPending(id, "approved")),
        ReviewStatus::Rejected => Err(ReviewError::NotPending(id, "rejected")),
        ReviewStatus::Superseded => Err(ReviewError::NotPending(
            id,
            "superseded by a newer proposal",
        )),
    }
}

/// The field's history in HubSpot now, newest first, each version's writer classified.
async fn history(ctx: &PipelineContext, review: &Review) -> Result<Vec<Attributed>, ReviewError> {
    let property = review.property.as_str();
    let opts = ReadOptions::properties([property]).with_history([property]);
    let contact = ctx
        .hubspot
        .get_contact(&review.contact_id.to_string(), &opts)
        .await?;
    let versions = contact
        .properties_with_history
        .get(property)
        .map(Vec::as_slice)
        .unwrap_or_default();
    Ok(writer::attributed_history(
        &ctx.store.conn(),
        ctx.portal_id,
        ctx.app_id,
        review.contact_id,
        property,
        versions,
    )?)
}

/// The field's newest version and who wrote it.
async fn current(
    ctx: &PipelineContext,
    review: &Review,
) -> Result<Option<Attributed>, ReviewError> {
    Ok(history(ctx, review).await?.into_iter().next())
}

async fn write(
    ctx: &PipelineContext,
    review: &Review,
    value: &str,
    on_behalf_of: Option<&writer::Writer>,
) -> Result<u64, ReviewError> {
    let started = std::time::Instant::now();
    let mut properties = BTreeMap::from([(review.property.clone(), value.to_owned())]);
    if on_behalf_of.is_none() {
        properties.insert(
            fields::AI_LAST_UPDATED_AT.into(),
            crate::clock::rfc3339(now_ms()),
        );
    }
    {
        let conn = ctx.store.conn();
        for (property, v) in &properties {
            ledger::record(
                &conn,
                &OwnWrite {
                    portal_id: ctx.portal_id,
                    object_id: review.contact_id,
                    property,
                    value: v,
                    correlation_id: &review.correlation_id,
                    on_behalf_of,
                },
                now_ms(),
            )?;
        }
    }
    let result = ctx
        .hubspot
        .batch_update_contacts(&[ObjectUpdate {
            id: review.contact_id.to_string(),
            properties,
        }])
        .await?;
    if let Some(err) = result.errors.first() {
        return Err(ReviewError::InvalidValue {
            property: review.property.clone(),
            reason: err
                .best_message()
                .unwrap_or("HubSpot refused the value")
                .to_owned(),
        });
    }
    Ok(started.elapsed().as_millis() as u64)
}

fn audit_decision(
    ctx: &PipelineContext,
    review: &Review,
    outcome: Outcome,
    fields_written: Vec<String>,
    reason: String,
    write_ms: u64,
) -> Result<(), EngineError> {
    let record = AuditRecord {
        correlation_id: review.correlation_id.clone(),
        portal_id: review.portal_id,
        contact_id: review.contact_id,
        trigger: "review".into(),
        trigger_ref: Some(format!("review:{}", review.id)),
        input_hash: Some(review.input_hash.clone()),
        model: review.model.clone(),
        write_ms,
        outcome: Some(outcome),
        reason: Some(reason),
        fields_written,
        proposal: review
            .proposed_value
            .as_ref()
            .map(|v| serde_json::json!({ review.property.clone(): v })),
        ..Default::default()
    };
    audit::insert(&ctx.store.conn(), &record, now_ms())?;
    Ok(())
}

/// After an approval's write: the person's edit it overwrote, if one landed after `checked_at`.
async fn overwritten_by_approval(
    ctx: &PipelineContext,
    review: &Review,
    checked_at: Option<i64>,
    written: &str,
) -> Result<Option<Attributed>, ReviewError> {
    let history = history(ctx, review).await?;
    Ok(guard::overwritten_edit(&history, checked_at, written))
}

/// Approves a review: checks the person's value is still the one reviewed, writes the AI value
/// (or `edited`), audits it as approved by the admin.
pub async fn approve(
    ctx: &PipelineContext,
    id: i64,
    edited: Option<&str>,
) -> Result<Review, ReviewError> {
    let review = pending(ctx, id)?;
    let value = match edited {
        Some(v) => {
            validate_value(&review.property, v)?;
            v.to_owned()
        }
        None => review.proposed_value.clone().unwrap_or_default(),
    };
    let latest = current(ctx, &review).await?;
    if let Some(latest) = &latest {
        let reviewed = review.human_value.as_deref().unwrap_or_default();
        let changed_since =
            latest.timestamp_ms > review.human_at.unwrap_or(0) && latest.value != reviewed;
        if changed_since && !latest.writer.is_steward() {
            return Err(ReviewError::Stale {
                property: review.property.clone(),
                contact_id: review.contact_id,
                current: latest.value.clone(),
                writer: latest.writer.label(),
            });
        }
    }
    let checked_at = latest.map(|v| v.timestamp_ms);
    let write_ms = write(ctx, &review, &value, None).await?;
    // Read back: a person's edit that landed between the re-check and the write must not be
    // lost to the approval (found by the randomized model test).
    if let Some(edit) = overwritten_by_approval(ctx, &review, checked_at, &value).await? {
        audit_decision(
            ctx,
            &review,
            Outcome::Approved,
            vec![review.property.clone()],
            format!("admin approved review {id}; a person edited the field during the write"),
            write_ms,
        )?;
        let restore_ms = write(ctx, &review, &edit.value, Some(&edit.writer)).await?;
        reviews::refresh_human(
            &ctx.store.conn(),
            id,
            &edit.value,
            &edit.writer,
            edit.timestamp_ms,
        )?;
        audit_decision(
            ctx,
            &review,
            Outcome::Conflict,
            vec![review.property.clone()],
            format!(
                "{} edited {} while review {id} was being approved; their value was restored and the review stays open",
                edit.writer.label(),
                review.property
            ),
            restore_ms,
        )?;
        return Err(ReviewError::Stale {
            property: review.property.clone(),
            contact_id: review.contact_id,
            current: edit.value,
            writer: edit.writer.label(),
        });
    }
    reviews::resolve(
        &ctx.store.conn(),
        id,
        ReviewStatus::Approved,
        Some(&value),
        now_ms(),
    )?;
    let how = if edited.is_some() {
        "edited and approved"
    } else {
        "approved"
    };
    audit_decision(
        ctx,
        &review,
        Outcome::Approved,
        vec![review.property.clone()],
        format!(
            "admin {how} review {id}: replaced the value of {}",
            review
                .human_writer
                .as_ref()
                .map(|w| w.label())
                .unwrap_or_default()
        ),
        write_ms,
    )?;
    reviews::get(&ctx.store.conn(), id)?.ok_or(ReviewError::NotFound(id))
}

/// Rejects a review: the person's value stays (for a conflict whose restore did not land, it is
/// written back now), and the same proposal is never raised again.
pub async fn reject(ctx: &PipelineContext, id: i64) -> Result<Review, ReviewError> {
    let review = pending(ctx, id)?;
    let mut written = Vec::new();
    let mut write_ms = 0;
    if review.kind == ReviewKind::Conflict
        && let Some(latest) = current(ctx, &review).await?
        && latest.writer.is_steward()
        && Some(latest.value.as_str()) != review.human_value.as_deref()
    {
        let human = review.human_value.clone().unwrap_or_default();
        write_ms = write(ctx, &review, &human, review.human_writer.as_ref()).await?;
        written.push(review.property.clone());
    }
    reviews::resolve(
        &ctx.store.conn(),
        id,
        ReviewStatus::Rejected,
        review.human_value.as_deref(),
        now_ms(),
    )?;
    audit_decision(
        ctx,
        &review,
        Outcome::Rejected,
        written,
        format!("admin rejected review {id}: the person's value stays"),
        write_ms,
    )?;
    reviews::get(&ctx.store.conn(), id)?.ok_or(ReviewError::NotFound(id))
}

#[cfg(test)]
mod tests {
    use super::validate_value;

    #[test]
    fn edited_values_are_checked_against_the_field() {
        assert!(validate_value("ai_generated_score", "55").is_ok());
        assert!(validate_value("ai_generated_score", "101").is_err());
        assert!(validate_value("ai_generated_score", "lots").is_err());
        assert!(validate_value("ai_next_best_action_confidence", "0.4").is_ok());
        assert!(validate_value("ai_next_best_action_confidence", "4").is_err());
        assert!(validate_value("ai_intent_signals", "pricing_interest;demo_request").is_ok());
        assert!(validate_value("ai_intent_signals", "pricing_interest;buy_now").is_err());
        assert!(validate_value("email", "x").is_err(), "only AI fields");
        assert!(validate_value("ai_summary", &"x".repeat(2_001)).is_err());
    }
}
