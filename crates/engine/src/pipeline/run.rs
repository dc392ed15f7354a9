//! The round trip up to the guard: read, hash, skip the unchanged, fetch activity, ask the LLM.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use futures::StreamExt;
use hubspot::{Contact, ReadOptions};
use steward_llm::{EnrichmentRequest, LlmError};
use tracing::Instrument;

use super::PipelineError;
use super::activity::{self, EngagementRef};
use super::context::{PipelineContext, WorkItem};
use super::outcome::{ItemResult, Pause};
use super::proposal::Proposal;
use super::writeback::{self, Ready};
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
    audit::insert(&ctx.store.conn(), &record, now_ms())?;
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

/// A HubSpot error for a whole group: pause (nothing audited, nothing attempted) or retry.
pub(super) fn hubspot_failure<'a>(
    ctx: &PipelineContext,
    items: impl Iterator<Item = (&'a WorkItem, &'a str)>,
    err: &hubspot::Error,
) -> Result<Vec<(WorkItem, ItemResult)>, PipelineError> {
    let pause = Pause::from_hubspot(err);
    let reason = err.to_string();
    items
        .map(|(item, cid)| match &pause {
            Some(p) => Ok((item.clone(), ItemResult::Deferred { pause: p.clone() })),
            None => audit_failure(ctx, item, cid, &reason, true),
        })
        .collect()
}

/// The correlation ID before the hash is known (failures while reading).
fn provisional_cid(ctx: &PipelineContext, contact_id: u64) -> String {
    hashing::correlation_id(ctx.portal_id, "contact", contact_id, "")
}

/// A contact that needs the LLM (owned, so LLM calls can run as independent futures).
struct Changed {
    item: WorkItem,
    /// The non-empty input properties, as the LLM sees them.
    properties: BTreeMap<String, String>,
    input_hash: String,
    correlation_id: String,
    refs: Vec<EngagementRef>,
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

/// Processes one chunk of contacts of one portal (≤ 100 keeps every batch call single).
pub async fn process_chunk(
    ctx: &PipelineContext,
    items: Vec<WorkItem>,
) -> Result<Vec<(WorkItem, ItemResult)>, PipelineError> {
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
            return hubspot_failure(ctx, items.iter().zip(cids.iter().map(String::as_str)), &e);
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
            return hubspot_failure(ctx, items.iter().zip(cids.iter().map(String::as_str)), &e);
        }
    };
    let read_ms = started.elapsed().as_millis() as u64;

    let mut results = Vec::new();
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
        let _span = round_trip_span(&correlation_id, item.contact_id).entered();
        if !item.mode.force && stored == Some(input_hash.as_str()) {
            tracing::debug!("inputs unchanged: no LLM call, no write");
            let record = AuditRecord {
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
            };
            audit::insert(&ctx.store.conn(), &record, now_ms())?;
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
    if changed.is_empty() {
        return Ok(results);
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
            results.extend(changed.into_iter().map(|c| {
                (
                    c.item,
                    ItemResult::Deferred {
                        pause: Pause::Budget,
                    },
                )
            }));
            return Ok(results);
        }
    }

    let bodies_started = Instant::now();
    let wanted: Vec<&EngagementRef> = changed.iter().flat_map(|c| c.refs.iter()).collect();
    let bodies = match activity::bodies(&ctx.hubspot, &wanted).await {
        Ok(b) => b,
        Err(e) => {
            let mut failed = hubspot_failure(
                ctx,
                changed.iter().map(|c| (&c.item, c.correlation_id.as_str())),
                &e,
            )?;
            results.append(&mut failed);
            return Ok(results);
        }
    };
    let fetch_ms = read_ms + bodies_started.elapsed().as_millis() as u64;

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
    let llm = ctx.llm.clone();
    let answers: Vec<(Changed, Result<steward_llm::LlmResponse, LlmError>, u64)> =
        futures::stream::iter(requests)
            .map(move |(c, request)| {
                let llm = llm.clone();
                let span = round_trip_span(&c.correlation_id, c.item.contact_id);
                async move {
                    let llm_started = Instant::now();
                    let answer = llm.enrich(&request).await;
                    (c, answer, llm_started.elapsed().as_millis() as u64)
                }
                .instrument(span)
            })
            .buffer_unordered(64)
            .collect()
            .await;

    let mut ready = Vec::new();
    for (c, answer, llm_ms) in answers {
        let _span = round_trip_span(&c.correlation_id, c.item.contact_id).entered();
        let timings = Timings { fetch_ms, llm_ms };
        match answer {
            Err(e) if matches!(e, LlmError::Unauthorized | LlmError::BadConfig(..)) => {
                results.push((
                    c.item,
                    ItemResult::Deferred {
                        pause: Pause::LlmConfig {
                            message: e.to_string(),
                        },
                    },
                ));
            }
            Err(e) => {
                results.push(audit_failure(
                    ctx,
                    &c.item,
                    &c.correlation_id,
                    &format!("LLM call failed: {e}"),
                    e.is_retryable(),
                )?);
            }
            Ok(response) => match response.output {
                Err(invalid) => {
                    let record = AuditRecord {
                        correlation_id: c.correlation_id.clone(),
                        portal_id: ctx.portal_id,
                        contact_id: c.item.contact_id,
                        trigger: c.item.trigger.as_str().to_owned(),
                        trigger_ref: c.item.trigger_ref.clone(),
                        run_id: c.item.run_id,
                        input_hash: Some(c.input_hash.clone()),
                        prompt_version: Some(ctx.prompt.version),
                        model: Some(ctx.model_label()),
                        tokens_in: response.usage.input_tokens,
                        tokens_out: response.usage.output_tokens,
                        cost_micros: response.cost_micros,
                        fetch_ms,
                        llm_ms,
                        outcome: Some(Outcome::InvalidOutput),
                        reason: Some(format!("{:?}: {}", invalid.reason, invalid.detail)),
                        ..Default::default()
                    };
                    audit::insert(&ctx.store.conn(), &record, now_ms())?;
                    results.push((
                        c.item,
                        ItemResult::Done {
                            outcome: Outcome::InvalidOutput,
                            correlation_id: c.correlation_id,
                            diff: None,
                            cost_micros: response.cost_micros,
                        },
                    ));
                }
                Ok(enrichment) => ready.push(Ready {
                    item: c.item,
                    input_hash: c.input_hash,
                    correlation_id: c.correlation_id,
                    proposal: Proposal::from_enrichment(&enrichment),
                    tokens_in: response.usage.input_tokens,
                    tokens_out: response.usage.output_tokens,
                    cost_micros: response.cost_micros,
                    timings,
                }),
            },
        }
    }
    results.extend(writeback::apply(ctx, ready).await?);
    Ok(results)
}
