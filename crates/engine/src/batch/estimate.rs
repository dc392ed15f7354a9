//! Before a run starts: how many contacts, and roughly how many LLM tokens and dollars. The
//! tokens come from real prompts built for a sample of the list's first members, scaled to the
//! list, at the configured model's prices (`settings::Llm`).

use serde::{Deserialize, Serialize};
use steward_llm::Usage;
use ts_rs::TS;

use super::{BatchError, ListSummary};
use crate::pipeline::{self, PipelineContext};

/// Members whose prompts are built for the estimate (about ten HubSpot calls).
pub const SAMPLE: u32 = 20;

/// What a run over a list would cost at most. The app hands it back when the admin confirms
/// it, and the run records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Estimate {
    pub list: ListSummary,
    #[ts(type = "number")]
    pub contacts: u64,
    /// Contacts whose prompts were built to measure the average.
    #[ts(type = "number")]
    pub sampled: u64,
    #[ts(type = "number")]
    pub input_tokens: u64,
    #[ts(type = "number")]
    pub output_tokens: u64,
    /// USD micro-dollars at the configured prices.
    #[ts(type = "number")]
    pub cost_micros: u64,
    pub model: String,
}

/// Counts the list's members and estimates the LLM tokens and cost of enriching all of them.
/// It is an upper bound: contacts whose inputs are unchanged since their last enrichment make
/// no LLM call (unless the run forces them).
pub async fn estimate(ctx: &PipelineContext, list: &ListSummary) -> Result<Estimate, BatchError> {
    let first = ctx
        .hubspot
        .list_memberships_page(&list.list_id, None, SAMPLE)
        .await?;
    let contacts = match list.size.or(first.total) {
        Some(n) => n,
        None => count_members(ctx, &list.list_id).await?,
    };
    let sample: Vec<String> = first.results.into_iter().map(|m| m.record_id).collect();
    let requests = pipeline::preview_requests(ctx, &sample).await?;
    let sampled = requests.len() as u64;
    let mut total = Usage::default();
    for request in &requests {
        let usage = steward_llm::estimate_tokens(request);
        total.input_tokens += usage.input_tokens;
        total.output_tokens += usage.output_tokens;
    }
    let scale = |tokens: u64| -> u64 {
        if sampled == 0 {
            0
        } else {
            u64::try_from(u128::from(tokens) * u128::from(contacts) / u128::from(sampled))
                .unwrap_or(u64::MAX)
        }
    };
    let usage = Usage {
        input_tokens: scale(total.input_tokens),
        output_tokens: scale(total.output_tokens),
    };
    let config = ctx.llm.config();
    Ok(Estimate {
        list: list.clone(),
        contacts,
        sampled,
        input_tokens: usage.input_tokens,
        output_tokens: usage.output_tokens,
        cost_micros: config.price.cost_micros(usage),
        model: ctx.model.clone(),
    })
}

/// Pages through a list to count its members, when HubSpot did not say how many it has.
async fn count_members(ctx: &PipelineContext, list_id: &str) -> Result<u64, BatchError> {
    let mut after: Option<String> = None;
    let mut n = 0;
    loop {
        let page = ctx
            .hubspot
            .list_memberships_page(list_id, after.as_deref(), 250)
            .await?;
        n += page.results.len() as u64;
        match page.next_after {
            Some(next) if Some(&next) != after.as_ref() => after = Some(next),
            _ => return Ok(n),
        }
    }
}
