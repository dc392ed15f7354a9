//! What the LLM would be sent for a few contacts, built exactly as a round trip builds it, so a
//! batch run's token and cost estimate rests on real data rather than a guess.

use hubspot::ReadOptions;
use steward_llm::EnrichmentRequest;

use super::activity::{self, EngagementRef};
use super::context::PipelineContext;

/// The LLM requests for `contact_ids` (contacts HubSpot no longer has are left out). Costs one
/// contact read, four association reads and at most four engagement reads per 100 contacts.
pub async fn preview_requests(
    ctx: &PipelineContext,
    contact_ids: &[String],
) -> Result<Vec<EnrichmentRequest>, hubspot::Error> {
    if contact_ids.is_empty() {
        return Ok(Vec::new());
    }
    let read = ctx
        .hubspot
        .batch_read_contacts(
            contact_ids,
            &ReadOptions::properties(ctx.input_properties.iter().map(String::as_str)),
        )
        .await?;
    let found: Vec<String> = read.results.iter().map(|c| c.id.clone()).collect();
    let mut refs = activity::recent_refs(&ctx.hubspot, &found, ctx.max_activities).await?;
    let wanted: Vec<&EngagementRef> = refs.values().flatten().collect();
    let bodies = activity::bodies(&ctx.hubspot, &wanted).await?;
    Ok(read
        .results
        .iter()
        .map(|contact| EnrichmentRequest {
            contact_id: contact.id.parse().unwrap_or(0),
            properties: ctx
                .input_properties
                .iter()
                .filter_map(|p| {
                    let v = contact.properties.get(p)?.as_deref()?;
                    (!v.is_empty()).then(|| (p.clone(), v.to_owned()))
                })
                .collect(),
            activities: refs
                .remove(&contact.id)
                .unwrap_or_default()
                .iter()
                .filter_map(|r| bodies.get(r).cloned())
                .collect(),
            prompt: ctx.prompt.clone(),
        })
        .collect())
}
