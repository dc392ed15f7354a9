//! The second half of a chunk: LLM calls stream out, and every [`WRITE_GROUP`] validated
//! answers go through the guard and the write while the other calls are still running, so the
//! LLM never waits for HubSpot and a chunk's results reach the queue group by group.

use std::time::Instant;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use steward_llm::{EnrichmentRequest, LlmError, LlmResponse};
use tracing::Instrument;

use super::PipelineError;
use super::context::{PipelineContext, WorkItem};
use super::outcome::{ItemResult, Pause};
use super::proposal::Proposal;
use super::run::{Changed, Timings, audit_failure, round_trip_span};
use super::writeback::{self, Ready};
use crate::EngineError;
use crate::audit::{self, AuditRecord, Outcome};
use crate::clock::now_ms;

/// Contacts per guarded write: one batch update (≤ 100) and two history reads (≤ 50 each).
pub const WRITE_GROUP: usize = 100;

/// LLM calls a chunk keeps started at once (the client's own limit caps real concurrency).
/// Small enough that a hold (a paused or cancelled run) takes effect within seconds.
const LLM_FAN_OUT: usize = 32;

/// Results handed over as they become final.
pub type Settle<'a> = dyn FnMut(Vec<(WorkItem, ItemResult)>) -> Result<(), EngineError> + Send + 'a;

/// Whether an item must not go to the LLM after all.
pub type Hold<'a> = dyn Fn(&WorkItem) -> bool + Send + Sync + 'a;

/// What the caller of [`super::process_chunk_streaming`] wants to hear while a chunk runs.
pub struct ChunkHooks<'a> {
    settle: &'a mut Settle<'a>,
    reads_done: Option<Box<dyn FnOnce() + Send + 'a>>,
    hold: Option<&'a Hold<'a>>,
}

impl<'a> ChunkHooks<'a> {
    /// Hooks that only collect results.
    pub fn new(settle: &'a mut Settle<'a>) -> Self {
        Self {
            settle,
            reads_done: None,
            hold: None,
        }
    }

    /// Asked right before each item's LLM call: `true` skips the item, which then gets *no*
    /// result (nothing attempted, nothing audited); the caller puts its job back. The worker
    /// holds the contacts of a batch run paused or cancelled while its chunk was in flight.
    pub fn with_hold(mut self, hold: &'a Hold<'a>) -> Self {
        self.hold = Some(hold);
        self
    }

    /// Also calls `f` once the chunk's HubSpot reads are done (or the chunk ended before): the
    /// worker claims its next chunk then, so reads of one chunk overlap LLM calls of another
    /// without two chunks competing for the rate limit at start-up.
    pub fn on_reads_done(mut self, f: impl FnOnce() + Send + 'a) -> Self {
        self.reads_done = Some(Box::new(f));
        self
    }

    pub(super) fn settle(
        &mut self,
        results: Vec<(WorkItem, ItemResult)>,
    ) -> Result<(), PipelineError> {
        if results.is_empty() {
            return Ok(());
        }
        (self.settle)(results).map_err(PipelineError::from)
    }

    pub(super) fn reads_done(&mut self) {
        if let Some(f) = self.reads_done.take() {
            f();
        }
    }
}

impl Drop for ChunkHooks<'_> {
    fn drop(&mut self) {
        self.reads_done();
    }
}

type Answer = (Changed, Result<LlmResponse, LlmError>, u64);

/// One request's fate: held back, or answered.
enum Called {
    Held,
    Answered(Box<Answer>),
}

/// An answer judged: on to the guard, or final here.
enum Judged {
    Ready(Box<Ready>),
    Final(WorkItem, ItemResult),
}

/// Calls the LLM for every request and writes the validated answers in groups.
pub(super) async fn enrich_and_write(
    ctx: &PipelineContext,
    requests: Vec<(Changed, EnrichmentRequest)>,
    fetch_ms: u64,
    hooks: &mut ChunkHooks<'_>,
) -> Result<(), PipelineError> {
    let llm = ctx.llm.clone();
    let hold = hooks.hold;
    let mut answers = futures::stream::iter(requests)
        .map(move |(c, request)| {
            let llm = llm.clone();
            let span = round_trip_span(&c.correlation_id, c.item.contact_id);
            async move {
                if hold.is_some_and(|h| h(&c.item)) {
                    tracing::debug!("held back: its batch run was paused or cancelled");
                    return Called::Held;
                }
                let llm_started = Instant::now();
                let answer = llm.enrich(&request).await;
                Called::Answered(Box::new((
                    c,
                    answer,
                    llm_started.elapsed().as_millis() as u64,
                )))
            }
            .instrument(span)
        })
        .buffer_unordered(LLM_FAN_OUT);
    let mut writes = FuturesUnordered::new();
    let mut group: Vec<Ready> = Vec::new();
    // Results final before the guard (failures, invalid output) settle in batches too.
    let mut finals: Vec<(WorkItem, ItemResult)> = Vec::new();
    let mut llm_done = false;
    loop {
        tokio::select! {
            answer = answers.next(), if !llm_done => match answer {
                Some(Called::Held) => {}
                Some(Called::Answered(answer)) => {
                    match judge_answer(ctx, *answer, fetch_ms)? {
                        Judged::Final(item, result) => finals.push((item, result)),
                        Judged::Ready(ready) => group.push(*ready),
                    }
                    if finals.len() >= WRITE_GROUP {
                        hooks.settle(std::mem::take(&mut finals))?;
                    }
                    if group.len() >= WRITE_GROUP {
                        writes.push(writeback::apply(ctx, std::mem::take(&mut group)));
                    }
                }
                None => {
                    llm_done = true;
                    hooks.settle(std::mem::take(&mut finals))?;
                    if !group.is_empty() {
                        writes.push(writeback::apply(ctx, std::mem::take(&mut group)));
                    }
                }
            },
            Some(written) = writes.next(), if !writes.is_empty() => hooks.settle(written?)?,
            else => break,
        }
    }
    Ok(())
}

/// One LLM answer: ready for the guard, or a final result (audited here).
fn judge_answer(
    ctx: &PipelineContext,
    (c, answer, llm_ms): Answer,
    fetch_ms: u64,
) -> Result<Judged, PipelineError> {
    let _span = round_trip_span(&c.correlation_id, c.item.contact_id).entered();
    let timings = Timings { fetch_ms, llm_ms };
    let response = match answer {
        Err(e) if matches!(e, LlmError::Unauthorized | LlmError::BadConfig(..)) => {
            let pause = Pause::LlmConfig {
                message: e.to_string(),
            };
            return Ok(Judged::Final(c.item, ItemResult::Deferred { pause }));
        }
        Err(e) => {
            let (item, result) = audit_failure(
                ctx,
                &c.item,
                &c.correlation_id,
                &format!("LLM call failed: {e}"),
                e.is_retryable(),
            )?;
            return Ok(Judged::Final(item, result));
        }
        Ok(response) => response,
    };
    match response.output {
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
            let done = ItemResult::Done {
                outcome: Outcome::InvalidOutput,
                correlation_id: c.correlation_id,
                diff: None,
                cost_micros: response.cost_micros,
            };
            Ok(Judged::Final(c.item, done))
        }
        Ok(enrichment) => Ok(Judged::Ready(Box::new(Ready {
            item: c.item,
            input_hash: c.input_hash,
            correlation_id: c.correlation_id,
            proposal: Proposal::from_enrichment(&enrichment),
            tokens_in: response.usage.input_tokens,
            tokens_out: response.usage.output_tokens,
            cost_micros: response.cost_micros,
            timings,
        }))),
    }
}
