//! The guarded write: read the AI fields *with history* right before writing, let the guard
//! decide per field, record our writes in the ledger, batch-update, then read the history back
//! and restore any human edit that slipped in between (raising a conflict review).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use hubspot::{Contact, ObjectUpdate, ReadOptions};

use super::context::{DryRun, PipelineContext, WorkItem};
use super::outcome::{ContactDiff, FieldChange, ItemResult, Pause};
use super::proposal::Proposal;
use super::run::{
    Timings, audit_failure, failure_with, hubspot_failure, insert_all, round_trip_span,
};
use crate::audit::{self, AuditRecord, Outcome};
use crate::clock::{now_ms, rfc3339};
use crate::fields;
use crate::guard::{self, Attributed, Decision};
use crate::ledger::{self, OwnWrite};
use crate::reviews::{self, NewReview, ReviewKind};
use crate::writer;
use crate::{EngineError, pipeline::PipelineError};

/// A contact with a validated proposal, ready for the guard.
pub struct Ready {
    pub item: WorkItem,
    pub input_hash: String,
    pub correlation_id: String,
    pub proposal: Proposal,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost_micros: u64,
    pub timings: Timings,
}

/// What an in-flight write needs for its read-back after a crash.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Checkpoint {
    seen: HashMap<String, Option<i64>>,
    blocked: Vec<(String, Attributed)>,
}

/// Settles the in-flight rows a crash (or an unconfirmed write) left for `contact` before its
/// new round trip starts: if the record holds the row's input hash, HubSpot applied the write —
/// read it back, restore a person's edit that slipped in, raise the reviews, finalize the row;
/// otherwise the write never landed and the row says so.
///
/// Returns the input hash and final result of each write HubSpot had applied: when it is the
/// hash the new round trip computes, that write *is* the job's result (the interrupted attempt
/// of this very job), so the caller ends the round trip there — no second audit row, and no
/// second write even when the run is forced.
pub async fn recover(
    ctx: &PipelineContext,
    item: &WorkItem,
    stored_hash: Option<&str>,
) -> Result<Vec<(String, ItemResult)>, PipelineError> {
    let mut applied_results = Vec::new();
    let pending = audit::in_flight(&ctx.store.conn(), ctx.portal_id, item.contact_id)?;
    for (row, checkpoint) in pending {
        let applied = row.input_hash.is_some() && row.input_hash.as_deref() == stored_hash;
        if !applied {
            let mut record = row.clone();
            record.outcome = Some(Outcome::Failed);
            record.fields_written.clear();
            record.reason =
                Some("interrupted before HubSpot applied the write; nothing was written".into());
            audit::finalize(&ctx.store.conn(), row.id, &record)?;
            continue;
        }
        let checkpoint: Checkpoint = checkpoint
            .and_then(|c| serde_json::from_str(&c).ok())
            .unwrap_or(Checkpoint {
                seen: HashMap::new(),
                blocked: Vec::new(),
            });
        let values: BTreeMap<String, String> = row
            .proposal
            .as_ref()
            .and_then(|p| serde_json::from_value(p.clone()).ok())
            .unwrap_or_default();
        let writes: BTreeMap<String, String> = row
            .fields_written
            .iter()
            .filter_map(|f| values.get(f).map(|v| (f.clone(), v.clone())))
            .collect();
        let ready = Ready {
            item: item.clone(),
            input_hash: row.input_hash.clone().unwrap_or_default(),
            correlation_id: row.correlation_id.clone(),
            proposal: Proposal { values },
            tokens_in: row.tokens_in,
            tokens_out: row.tokens_out,
            cost_micros: row.cost_micros,
            timings: Timings {
                fetch_ms: row.fetch_ms,
                llm_ms: row.llm_ms,
            },
        };
        let verdict = Verdict {
            writes,
            blocked: checkpoint.blocked,
            seen: checkpoint.seen,
            diff: ContactDiff {
                contact_id: item.contact_id,
                correlation_id: row.correlation_id.clone(),
                fields: Vec::new(),
            },
        };
        let written = HashSet::from([item.contact_id.to_string()]);
        let flight = HashMap::from([(item.contact_id, row.id)]);
        tracing::info!(correlation_id = %row.correlation_id, contact_id = item.contact_id, "confirming a write interrupted before it was recorded");
        let settled = finish(
            ctx,
            vec![(ready, verdict)],
            &written,
            &HashMap::new(),
            row.write_ms,
            &flight,
            Vec::new(),
        )
        .await?;
        let hash = row.input_hash.clone().unwrap_or_default();
        applied_results.extend(settled.into_iter().map(|(_, r)| (hash.clone(), r)));
    }
    Ok(applied_results)
}

/// The guard's verdict for one contact.
struct Verdict {
    writes: BTreeMap<String, String>,
    blocked: Vec<(String, Attributed)>,
    /// Newest version timestamp seen per written field (None: the field was empty).
    seen: HashMap<String, Option<i64>>,
    diff: ContactDiff,
}

fn content_field_names() -> Vec<&'static str> {
    fields::content_fields().map(|f| f.name).collect()
}

/// The history of `property` on `contact`, newest first, with each writer classified.
fn attributed_history(
    ctx: &PipelineContext,
    contact: &Contact,
    contact_id: u64,
    property: &str,
) -> Result<Vec<Attributed>, EngineError> {
    let versions = contact
        .properties_with_history
        .get(property)
        .map(Vec::as_slice)
        .unwrap_or_default();
    writer::attributed_history(
        &ctx.store.conn(),
        ctx.portal_id,
        ctx.app_id,
        contact_id,
        property,
        versions,
    )
}

fn judge(ctx: &PipelineContext, ready: &Ready, contact: &Contact) -> Result<Verdict, EngineError> {
    let mut verdict = Verdict {
        writes: BTreeMap::new(),
        blocked: Vec::new(),
        seen: HashMap::new(),
        diff: ContactDiff {
            contact_id: ready.item.contact_id,
            correlation_id: ready.correlation_id.clone(),
            fields: Vec::new(),
        },
    };
    for (property, proposed) in &ready.proposal.values {
        let history = attributed_history(ctx, contact, ready.item.contact_id, property)?;
        let decision = guard::decide(ctx.policy(property), &history, proposed);
        let current = contact.properties.get(property).cloned().flatten();
        let (label, blocked_by) = match &decision {
            Decision::Write => ("write", None),
            Decision::Unchanged => ("unchanged", None),
            Decision::Keep => ("keep", None),
            Decision::Never => ("never", None),
            Decision::Block(v) => ("blocked", Some(v.writer.label())),
        };
        verdict.diff.fields.push(FieldChange {
            property: property.clone(),
            current,
            proposed: proposed.clone(),
            decision: label.to_owned(),
            blocked_by,
        });
        match decision {
            Decision::Write => {
                verdict
                    .seen
                    .insert(property.clone(), history.first().map(|v| v.timestamp_ms));
                verdict.writes.insert(property.clone(), proposed.clone());
            }
            Decision::Block(v) => verdict.blocked.push((property.clone(), v)),
            Decision::Unchanged | Decision::Keep | Decision::Never => {}
        }
    }
    Ok(verdict)
}

fn base_record(ctx: &PipelineContext, r: &Ready) -> AuditRecord {
    AuditRecord {
        correlation_id: r.correlation_id.clone(),
        portal_id: ctx.portal_id,
        contact_id: r.item.contact_id,
        trigger: r.item.trigger.as_str().to_owned(),
        trigger_ref: r.item.trigger_ref.clone(),
        run_id: r.item.run_id,
        input_hash: Some(r.input_hash.clone()),
        prompt_version: Some(ctx.prompt.version),
        model: Some(ctx.model_label()),
        tokens_in: r.tokens_in,
        tokens_out: r.tokens_out,
        cost_micros: r.cost_micros,
        fetch_ms: r.timings.fetch_ms,
        llm_ms: r.timings.llm_ms,
        proposal: Some(r.proposal.to_json()),
        ..Default::default()
    }
}

/// Runs the guard and the write for every ready contact.
pub async fn apply(
    ctx: &PipelineContext,
    ready: Vec<Ready>,
) -> Result<Vec<(WorkItem, ItemResult)>, PipelineError> {
    if ready.is_empty() {
        return Ok(Vec::new());
    }
    let read_started = Instant::now();
    let ids: Vec<String> = ready
        .iter()
        .map(|r| r.item.contact_id.to_string())
        .collect();
    let all_ai: Vec<&str> = fields::AI_FIELDS.iter().map(|f| f.name).collect();
    let opts = ReadOptions::properties(all_ai).with_history(content_field_names());
    let fresh = match ctx.hubspot.batch_read_contacts(&ids, &opts).await {
        Ok(b) => b,
        Err(e) => {
            return hubspot_failure(
                ctx,
                ready.iter().map(|r| (&r.item, r.correlation_id.as_str())),
                &e,
            );
        }
    };
    let guard_read_ms = read_started.elapsed().as_millis() as u64;
    let by_id: HashMap<&str, &Contact> = fresh.results.iter().map(|c| (c.id.as_str(), c)).collect();

    let mut results = Vec::new();
    let mut dry_records = Vec::new();
    let mut to_write: Vec<(Ready, Verdict)> = Vec::new();
    for mut r in ready {
        let _span = round_trip_span(&r.correlation_id, r.item.contact_id).entered();
        r.timings.fetch_ms += guard_read_ms;
        let Some(contact) = by_id.get(r.item.contact_id.to_string().as_str()) else {
            let reason = format!(
                "contact {} disappeared from HubSpot before the write",
                r.item.contact_id
            );
            results.push(audit_failure(
                ctx,
                &r.item,
                &r.correlation_id,
                &reason,
                false,
            )?);
            continue;
        };
        let verdict = judge(ctx, &r, contact)?;
        if r.item.mode.dry_run == DryRun::Yes {
            let mut record = base_record(ctx, &r);
            record.outcome = Some(Outcome::DryRun);
            record.reason = Some(format!(
                "dry run: would write {} field(s), {} blocked",
                verdict.writes.len(),
                verdict.blocked.len()
            ));
            dry_records.push(record);
            results.push((
                r.item.clone(),
                ItemResult::Done {
                    outcome: Outcome::DryRun,
                    correlation_id: r.correlation_id.clone(),
                    diff: Some(verdict.diff),
                    cost_micros: r.cost_micros,
                },
            ));
            continue;
        }
        to_write.push((r, verdict));
    }
    insert_all(ctx, &dry_records)?;
    if to_write.is_empty() {
        return Ok(results);
    }

    // Record every value we are about to send before sending it: after a crash the versions
    // are still recognisably ours, and their webhooks are still echoes.
    let write_started = Instant::now();
    let now = now_ms();
    let stamp = rfc3339(now);
    let mut updates = Vec::with_capacity(to_write.len());
    let mut flight: HashMap<u64, i64> = HashMap::new();
    {
        let mut conn = ctx.store.conn();
        let tx = conn.transaction().map_err(EngineError::from)?;
        for (r, verdict) in &to_write {
            let mut props = verdict.writes.clone();
            props.insert(fields::AI_INPUT_HASH.into(), r.input_hash.clone());
            props.insert(fields::AI_CORRELATION_ID.into(), r.correlation_id.clone());
            props.insert(fields::AI_MODEL.into(), ctx.model_label());
            props.insert(fields::AI_LAST_RUN_AT.into(), stamp.clone());
            if !verdict.writes.is_empty() {
                props.insert(fields::AI_LAST_UPDATED_AT.into(), stamp.clone());
            }
            // The allowlist, enforced at the last moment: nothing but ai_* leaves.
            props.retain(|name, _| fields::is_ai_field(name));
            for (property, value) in &props {
                ledger::record(
                    &tx,
                    &OwnWrite {
                        portal_id: ctx.portal_id,
                        object_id: r.item.contact_id,
                        property,
                        value,
                        correlation_id: &r.correlation_id,
                        on_behalf_of: None,
                    },
                    now,
                )?;
            }
            // The audit row exists before the write leaves: a crash after HubSpot applied it
            // still leaves a row, which the next round trip for the contact settles.
            let mut record = base_record(ctx, r);
            record.outcome = Some(Outcome::InFlight);
            record.fields_written = verdict.writes.keys().cloned().collect();
            record.reason = Some("sent to HubSpot; not yet confirmed".into());
            let audit_id = audit::insert(&tx, &record, now)?;
            let checkpoint = Checkpoint {
                seen: verdict.seen.clone(),
                blocked: verdict.blocked.clone(),
            };
            audit::save_checkpoint(
                &tx,
                audit_id,
                &serde_json::to_string(&checkpoint).unwrap_or_default(),
            )?;
            flight.insert(r.item.contact_id, audit_id);
            updates.push(ObjectUpdate {
                id: r.item.contact_id.to_string(),
                properties: props,
            });
        }
        tx.commit().map_err(EngineError::from)?;
    }

    let outcome = match ctx.hubspot.batch_update_contacts(&updates).await {
        Ok(o) => o,
        Err(e) => {
            // HubSpot may or may not have applied it: the in-flight rows stay, and the next round
            // trip settles each (confirmed and verified, or recorded as not applied).
            let pause = Pause::from_hubspot(&e);
            for (r, _) in &to_write {
                let result = match &pause {
                    Some(p) => ItemResult::Deferred { pause: p.clone() },
                    None => ItemResult::Retry {
                        reason: format!("HubSpot did not confirm the write: {e}"),
                    },
                };
                results.push((r.item.clone(), result));
            }
            return Ok(results);
        }
    };
    let written: HashSet<String> = outcome.results.iter().map(|c| c.id.clone()).collect();
    let mut failure_reason: HashMap<String, String> = HashMap::new();
    for err in &outcome.errors {
        let message = err
            .best_message()
            .unwrap_or("HubSpot refused the update")
            .to_owned();
        let cid = err.correlation_id.clone().unwrap_or_default();
        for id in error_ids(err) {
            failure_reason.insert(id, format!("{message} (HubSpot correlationId {cid})"));
        }
    }
    for chunk in &outcome.failed_chunks {
        for id in &chunk.ids {
            failure_reason.insert(id.clone(), chunk.error.to_string());
        }
    }
    let update_ms = write_started.elapsed().as_millis() as u64;
    finish(
        ctx,
        to_write,
        &written,
        &failure_reason,
        update_ms,
        &flight,
        results,
    )
    .await
}

/// After the write: read back, restore any person's edit that slipped in, raise reviews, and
/// turn each in-flight audit row into its final outcome.
async fn finish(
    ctx: &PipelineContext,
    to_write: Vec<(Ready, Verdict)>,
    written: &HashSet<String>,
    failure_reason: &HashMap<String, String>,
    update_ms: u64,
    flight: &HashMap<u64, i64>,
    mut results: Vec<(WorkItem, ItemResult)>,
) -> Result<Vec<(WorkItem, ItemResult)>, PipelineError> {
    // Read back what we wrote: a human edit that landed between our check and our write.
    let verify_ids: Vec<String> = to_write
        .iter()
        .filter(|(r, v)| !v.writes.is_empty() && written.contains(&r.item.contact_id.to_string()))
        .map(|(r, _)| r.item.contact_id.to_string())
        .collect();
    let verify_started = Instant::now();
    let verified: HashMap<String, Contact> = if verify_ids.is_empty() {
        HashMap::new()
    } else {
        let opts =
            ReadOptions::properties(content_field_names()).with_history(content_field_names());
        match ctx.hubspot.batch_read_contacts(&verify_ids, &opts).await {
            Ok(b) => b.results.into_iter().map(|c| (c.id.clone(), c)).collect(),
            // The write happened; the next round trip's guard still protects later edits.
            Err(e) => {
                tracing::warn!(error = %e, "could not read back written contacts to verify them");
                HashMap::new()
            }
        }
    };
    let verify_ms = verify_started.elapsed().as_millis() as u64;

    let mut restores: Vec<(usize, String, Attributed)> = Vec::new();
    for (idx, (r, verdict)) in to_write.iter().enumerate() {
        let Some(contact) = verified.get(&r.item.contact_id.to_string()) else {
            continue;
        };
        for (property, value) in &verdict.writes {
            let history = attributed_history(ctx, contact, r.item.contact_id, property)?;
            let seen = verdict.seen.get(property).copied().flatten();
            if let Some(edit) = guard::overwritten_edit(&history, seen, value) {
                let _span = round_trip_span(&r.correlation_id, r.item.contact_id).entered();
                tracing::warn!(property = %property, writer = %edit.writer.label(), "a person's edit landed between the check and the write: restoring it");
                restores.push((idx, property.clone(), edit));
            }
        }
    }
    let restore_ms = if restores.is_empty() {
        0
    } else {
        restore(ctx, &to_write, &restores).await?
    };

    // The group's audit rows and reviews commit together (one disk sync per group).
    let mut conn = ctx.store.conn();
    let tx = conn.transaction().map_err(EngineError::from)?;
    for (idx, (r, verdict)) in to_write.iter().enumerate() {
        let _span = round_trip_span(&r.correlation_id, r.item.contact_id).entered();
        let id = r.item.contact_id.to_string();
        if !written.contains(&id) {
            if let Some(audit_id) = flight.get(&r.item.contact_id) {
                audit::delete(&tx, *audit_id)?;
            }
            let reason = failure_reason
                .get(&id)
                .cloned()
                .unwrap_or_else(|| "HubSpot did not confirm the update".to_owned());
            results.push(failure_with(
                &tx,
                ctx,
                &r.item,
                &r.correlation_id,
                &reason,
                true,
            )?);
            continue;
        }
        let restored: Vec<&(usize, String, Attributed)> =
            restores.iter().filter(|x| x.0 == idx).collect();
        let now = now_ms();
        let held_back = verdict
            .blocked
            .iter()
            .map(|(p, h)| (ReviewKind::Guarded, p, h))
            .chain(
                restored
                    .iter()
                    .map(|(_, p, h)| (ReviewKind::Conflict, p, h)),
            );
        for (kind, property, human) in held_back {
            raise_review(ctx, &tx, r, kind, property, human, now)?;
        }
        let fields_written: Vec<String> = verdict
            .writes
            .keys()
            .filter(|p| !restored.iter().any(|(_, rp, _)| rp == *p))
            .cloned()
            .collect();
        let outcome = if !restored.is_empty() {
            Outcome::Conflict
        } else if !fields_written.is_empty() {
            Outcome::Written
        } else if !verdict.blocked.is_empty() {
            Outcome::Guarded
        } else {
            Outcome::Unchanged
        };
        let mut record = base_record(ctx, r);
        record.outcome = Some(outcome);
        record.write_ms = update_ms + verify_ms + restore_ms;
        record.fields_written = fields_written;
        record.reason = match outcome {
            Outcome::Conflict => Some(format!(
                "a person edited {} between Steward's check and its write; their value was restored",
                restored
                    .iter()
                    .map(|(_, p, _)| p.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Outcome::Guarded => Some(format!(
                "kept the newer human value of {}; review raised",
                verdict
                    .blocked
                    .iter()
                    .map(|(p, _)| p.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Outcome::Unchanged => Some("the AI proposed the values HubSpot already holds".into()),
            _ if !verdict.blocked.is_empty() => Some(format!(
                "kept the newer human value of {}; review raised",
                verdict
                    .blocked
                    .iter()
                    .map(|(p, _)| p.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            _ => None,
        };
        tracing::info!(
            outcome = outcome.as_str(),
            fields = record.fields_written.len(),
            "round trip finished"
        );
        match flight.get(&r.item.contact_id) {
            Some(audit_id) => audit::finalize(&tx, *audit_id, &record)?,
            None => {
                audit::insert(&tx, &record, now)?;
            }
        }
        results.push((
            r.item.clone(),
            ItemResult::Done {
                outcome,
                correlation_id: r.correlation_id.clone(),
                diff: Some(verdict.diff.clone()),
                cost_micros: r.cost_micros,
            },
        ));
    }
    tx.commit().map_err(EngineError::from)?;
    Ok(results)
}

/// Raises the review for one held-back field (a no-op if the same proposal was raised or
/// rejected before).
fn raise_review(
    ctx: &PipelineContext,
    conn: &rusqlite::Connection,
    r: &Ready,
    kind: ReviewKind,
    property: &str,
    human: &Attributed,
    now: i64,
) -> Result<(), EngineError> {
    let proposed = r.proposal.values.get(property).map(String::as_str);
    reviews::raise(
        conn,
        &NewReview {
            portal_id: ctx.portal_id,
            contact_id: r.item.contact_id,
            property,
            kind,
            human_value: &human.value,
            human_writer: &human.writer,
            human_at: human.timestamp_ms,
            proposed_value: proposed.unwrap_or_default(),
            correlation_id: &r.correlation_id,
            input_hash: &r.input_hash,
            model: &ctx.model_label(),
        },
        now,
    )?;
    Ok(())
}

/// Writes the human values back (through our integration, recorded in the ledger *on behalf
/// of* the person so the guard keeps protecting them). Returns the time it took.
async fn restore(
    ctx: &PipelineContext,
    to_write: &[(Ready, Verdict)],
    restores: &[(usize, String, Attributed)],
) -> Result<u64, PipelineError> {
    let started = Instant::now();
    let mut per_contact: BTreeMap<u64, BTreeMap<String, String>> = BTreeMap::new();
    {
        let conn = ctx.store.conn();
        let now = now_ms();
        for (idx, property, human) in restores {
            let r = &to_write[*idx].0;
            ledger::record(
                &conn,
                &OwnWrite {
                    portal_id: ctx.portal_id,
                    object_id: r.item.contact_id,
                    property,
                    value: &human.value,
                    correlation_id: &r.correlation_id,
                    on_behalf_of: Some(&human.writer),
                },
                now,
            )?;
            per_contact
                .entry(r.item.contact_id)
                .or_default()
                .insert(property.clone(), human.value.clone());
        }
    }
    let updates: Vec<ObjectUpdate> = per_contact
        .into_iter()
        .map(|(id, properties)| ObjectUpdate {
            id: id.to_string(),
            properties,
        })
        .collect();
    if let Err(e) = ctx.hubspot.batch_update_contacts(&updates).await {
        // The conflict review still holds the person's value: rejecting it writes it back.
        tracing::error!(error = %e, "could not restore a human value after a conflict");
    }
    Ok(started.elapsed().as_millis() as u64)
}

/// The record ids a 207 error names (`context.ids`).
fn error_ids(err: &hubspot::ErrorBody) -> Vec<String> {
    err.context
        .as_ref()
        .and_then(|c| c.get("ids"))
        .and_then(|ids| ids.as_array())
        .map(|ids| {
            ids.iter()
                .filter_map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .or_else(|| v.as_u64().map(|n| n.to_string()))
                })
                .collect()
        })
        .unwrap_or_default()
}
