//! The round trip up to the guard: read, hash, skip the unchanged, fetch activity, ask the LLM.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use hubspot::{Contact, ReadOptions};
use steward_llm::EnrichmentRequest;

use super::PipelineError;
use super::activity::{self, EngagementRef};
use super::context::{PipelineContext, WorkItem};
use super::outcome::{ItemResult, Pause};
use super::resumed;
use super::stream::{self, ChunkHooks};
use crate::EngineError;
use crate::audit::{self, AuditRecord, Outcome};
use crate::clock::now_ms;
use crate::fields;
use crate::hashing::{self, HashInputs};

/// The span every log line of one contact's round trip carries.
pub(super) fn round_trip_span(correlation_id: &str, contact_id: u64) -> tracing::Span {
    tracing::info_span!("round_trip", correlation_id = %correlation_id, contact_id)
}

/// Milliseconds spent per phase, for the audit row.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    pub fetch_ms: u64,
    pub llm_ms: u64,
}

/// Audits a failure; `retry` says whether the job should run again.
pub(super) fn audit_failure(
    ctx: &PipelineContext,
    item: &WorkItem,
    correlation_id: &str,
    reason: &str,
    retry: bool,
) -> Result<(WorkItem, ItemResult), PipelineError> {
    failure_with(&ctx.store.conn(), ctx, item, correlation_id, reason, retry)
}

/// [`audit_failure`] on a connection (or transaction) the caller already holds.
pub(super) fn failure_with(
    conn: &rusqlite::Connection,
    ctx: &PipelineContext,
    item: &WorkItem,
    correlation_id: &str,
    reason: &str,
    retry: bool,
) -> Result<(WorkItem, ItemResult), PipelineError> {
    let record = AuditRecord {
        correlation_id: correlation_id.to_owned(),
        portal_id: ctx.portal_id,
        contact_id: item.contact_id,
        trigger: item.trigger.as_str().to_owned(),
        trigger_ref: item.trigger_ref.clone(),
        run_id: item.run_id,
        prompt_version: Some(ctx.prompt.version),
        model: Some(ctx.model_label()),
        outcome: Some(Outcome::Failed),
        reason: Some(if retry {
            format!("{reason} (will retry)")
        } else {
            reason.to_owned()
        }),
        ..Default::default()
    };
    audit::insert(conn, &record, now_ms())?;
    let result = if retry {
        ItemResult::Retry {
            reason: reason.to_owned(),
        }
    } else {
        ItemResult::Done {
            outcome: Outcome::Failed,
            correlation_id: correlation_id.to_owned(),
            diff: None,
            cost_micros: 0,
        }
    };
    Ok((item.clone(), result))
}

/// Inserts audit rows in one transaction: one disk sync for a whole group instead of one per
/// contact (a synchronous commit costs milliseconds; a batch run has thousands of rows).
pub(super) fn insert_all(
    ctx: &PipelineContext,
    records: &[AuditRecord],
) -> Result<(), EngineError> {
    if records.is_empty() {
        return Ok(());
    }
    let mut conn = ctx.store.conn();
    let tx = conn.transaction()?;
    let now = now_ms();
    for record in records {
        audit::insert(&tx, record, now)?;
    }
    tx.commit()?;
    Ok(())
}

/// A HubSpot error for a whole group: pause (nothing audited, nothing attempted) or retry.
pub(super) fn hubspot_failure<'a>(
    ctx: &PipelineContext,
    items: impl Iterator<Item = (&'a WorkItem, &'a str)>,
    err: &hubspot::Error,
) -> Result<Vec<(WorkItem, ItemResult)>, PipelineError> {
    let pause = Pause::from_hubspot(err);
    let reason = err.to_string();
    let mut conn = ctx.store.conn();
    let tx = conn.transaction().map_err(EngineError::from)?;
    let results = items
        .map(|(item, cid)| match &pause {
            Some(p) => Ok((item.clone(), ItemResult::Deferred { pause: p.clone() })),
            None => failure_with(&tx, ctx, item, cid, &reason, true),
        })
        .collect::<Result<Vec<_>, _>>()?;
    tx.commit().map_err(EngineError::from)?;
    Ok(results)
}

/// The correlation ID before the hash is known (failures while reading).
fn provisional_cid(ctx: &PipelineContext, contact_id: u64) -> String {
    hashing::correlation_id(ctx.portal_id, "contact", contact_id, "")
}

/// A contact that needs the LLM (owned, so LLM calls can run as independent futures).
pub(super) struct Changed {
    pub(super) item: WorkItem,
    /// The non-empty input properties, as the LLM sees them.
    pub(super) properties: BTreeMap<String, String>,
    pub(super) input_hash: String,
    pub(super) correlation_id: String,
    pub(super) refs: Vec<EngagementRef>,
}

fn month_start_ms(now: i64) -> i64 {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(now / 1000) else {
        return 0;
    };
    let start = t
        .date()
        .replace_day(1)
        .unwrap_or(t.date())
        .midnight()
        .assume_utc();
    start.unix_timestamp() * 1000
}

/// Processes one chunk of contacts of one portal and returns every contact's result.
pub async fn process_chunk(
    ctx: &PipelineContext,
    items: Vec<WorkItem>,
) -> Result<Vec<(WorkItem, ItemResult)>, PipelineError> {
    let mut all = Vec::new();
    let mut collect = |results: Vec<(WorkItem, ItemResult)>| -> Result<(), EngineError> {
        all.extend(results);
        Ok(())
    };
    process_chunk_streaming(ctx, items, ChunkHooks::new(&mut collect)).await?;
    Ok(all)
}

/// [`process_chunk`], handing results to `hooks` as soon as they are final: the unchanged and
/// failed right after the reads, then each write group as it lands. A chunk can be large
/// (association reads take 1,000 ids, so big chunks cost fewer HubSpot calls per contact)
/// without holding every result until its slowest LLM call returns.
pub async fn process_chunk_streaming(
    ctx: &PipelineContext,
    items: Vec<WorkItem>,
    mut hooks: ChunkHooks<'_>,
) -> Result<(), PipelineError> {
    let started = Instant::now();
    let ids: Vec<String> = items.iter().map(|i| i.contact_id.to_string()).collect();
    let mut properties: Vec<String> = ctx.input_properties.clone();
    properties.extend(fields::AI_FIELDS.iter().map(|f| f.name.to_owned()));
    let read = match ctx
        .hubspot
        .batch_read_contacts(&ids, &ReadOptions::properties(properties))
        .await
    {
        Ok(r) => r,
        Err(e) => {
            let cids: Vec<String> = items
                .iter()
                .map(|i| provisional_cid(ctx, i.contact_id))
                .collect();
            let failed =
                hubspot_failure(ctx, items.iter().zip(cids.iter().map(String::as_str)), &e)?;
            return hooks.settle(failed);
        }
    };
    let contacts: HashMap<&str, &Contact> =
        read.results.iter().map(|c| (c.id.as_str(), c)).collect();
    let found: Vec<String> = ids
        .iter()
        .filter(|id| contacts.contains_key(id.as_str()))
        .cloned()
        .collect();
    let mut refs = match activity::recent_refs(&ctx.hubspot, &found, ctx.max_activities).await {
        Ok(r) => r,
        Err(e) => {
            let cids: Vec<String> = items
                .iter()
                .map(|i| provisional_cid(ctx, i.contact_id))
                .collect();
            let failed =
                hubspot_failure(ctx, items.iter().zip(cids.iter().map(String::as_str)), &e)?;
            return hooks.settle(failed);
        }
    };
    let read_ms = started.elapsed().as_millis() as u64;

    let mut results = Vec::new();
    let mut records = Vec::new();
    let mut changed = Vec::new();
    for item in items {
        let id = item.contact_id.to_string();
        let Some(contact) = contacts.get(id.as_str()).copied() else {
            let reason = format!("contact {id} was not found in HubSpot (deleted or merged)");
            let cid = provisional_cid(ctx, item.contact_id);
            results.push(audit_failure(ctx, &item, &cid, &reason, false)?);
            continue;
        };
        let contact_refs = refs.remove(&id).unwrap_or_default();
        let inputs = HashInputs {
            properties: ctx
                .input_properties
                .iter()
                .map(|p| {
                    (
                        p.as_str(),
                        contact.properties.get(p).and_then(|v| v.as_deref()),
                    )
                })
                .collect(),
            activity: contact_refs.iter().map(EngagementRef::key).collect(),
            prompt_version: ctx.prompt.version,
            model: &ctx.model,
        };
        let input_hash = hashing::input_hash(&inputs);
        let correlation_id =
            hashing::correlation_id(ctx.portal_id, "contact", item.contact_id, &input_hash);
        let stored = contact
            .properties
            .get(fields::AI_INPUT_HASH)
            .and_then(|v| v.as_deref());
        // A write an earlier round trip sent but never recorded as done (crash, lost answer)
        // is settled first, so every write has its final audit row and its read-back. If it
        // was this job's own interrupted write (same inputs), that is the job's result: no
        // second row, and no second write even when forced.
        let recovered = super::writeback::recover(ctx, &item, stored).await?;
        if stored == Some(input_hash.as_str())
            && let Some(result) = resumed::earlier_result(ctx, &item, &input_hash, recovered)?
        {
            results.push((item, result));
            continue;
        }
        let _span = round_trip_span(&correlation_id, item.contact_id).entered();
        if !item.mode.force && stored == Some(input_hash.as_str()) {
            tracing::debug!("inputs unchanged: no LLM call, no write");
            records.push(AuditRecord {
                correlation_id: correlation_id.clone(),
                portal_id: ctx.portal_id,
                contact_id: item.contact_id,
                trigger: item.trigger.as_str().to_owned(),
                trigger_ref: item.trigger_ref.clone(),
                run_id: item.run_id,
                input_hash: Some(input_hash),
                prompt_version: Some(ctx.prompt.version),
                model: Some(ctx.model_label()),
                fetch_ms: read_ms,
                outcome: Some(Outcome::Unchanged),
                reason: Some("inputs unchanged since the last write".into()),
                ..Default::default()
            });
            results.push((
                item,
                ItemResult::Done {
                    outcome: Outcome::Unchanged,
                    correlation_id,
                    diff: None,
                    cost_micros: 0,
                },
            ));
            continue;
        }
        let properties = ctx
            .input_properties
            .iter()
            .filter_map(|p| {
                let v = contact.properties.get(p)?.as_deref()?;
                (!v.is_empty()).then(|| (p.clone(), v.to_owned()))
            })
            .collect();
        changed.push(Changed {
            item,
            properties,
            input_hash,
            correlation_id,
            refs: contact_refs,
        });
    }
    insert_all(ctx, &records)?;
    hooks.settle(results)?;
    if changed.is_empty() {
        return Ok(());
    }

    if let Some(budget) = ctx.monthly_budget_micros {
        let now = now_ms();
        let spent = audit::cost_since(&ctx.store.conn(), month_start_ms(now))?;
        if spent >= budget {
            tracing::warn!(
                spent,
                budget,
                "monthly LLM budget reached: pausing enrichment"
            );
            return hooks.settle(
                changed
                    .into_iter()
                    .map(|c| {
                        (
                            c.item,
                            ItemResult::Deferred {
                                pause: Pause::Budget,
                            },
                        )
                    })
                    .collect(),
            );
        }
    }

    let bodies_started = Instant::now();
    let wanted: Vec<&EngagementRef> = changed.iter().flat_map(|c| c.refs.iter()).collect();
    let bodies = match activity::bodies(&ctx.hubspot, &wanted).await {
        Ok(b) => b,
        Err(e) => {
            let failed = hubspot_failure(
                ctx,
                changed.iter().map(|c| (&c.item, c.correlation_id.as_str())),
                &e,
            )?;
            return hooks.settle(failed);
        }
    };
    let fetch_ms = read_ms + bodies_started.elapsed().as_millis() as u64;
    hooks.reads_done();

    let requests: Vec<(Changed, EnrichmentRequest)> = changed
        .into_iter()
        .map(|c| {
            let request = EnrichmentRequest {
                contact_id: c.item.contact_id,
                properties: c.properties.clone(),
                activities: c
                    .refs
                    .iter()
                    .filter_map(|r| bodies.get(r).cloned())
                    .collect(),
                prompt: ctx.prompt.clone(),
            };
            (c, request)
        })
        .collect();
    stream::enrich_and_write(ctx, requests, fetch_ms, &mut hooks).await
}
