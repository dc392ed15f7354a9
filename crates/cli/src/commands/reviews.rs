//! `steward reviews list|approve ID|reject ID`.

use steward_engine::connection;
use steward_engine::review_actions;
use steward_engine::reviews::{self, ReviewFilter};

use super::Env;
use crate::cli::ReviewAction;
use crate::output;

pub async fn reviews(env: &Env, action: ReviewAction) -> anyhow::Result<()> {
    match action {
        ReviewAction::List { field } => {
            let items = reviews::list(
                &env.store.conn(),
                &ReviewFilter {
                    property: field,
                    ..Default::default()
                },
            )?;
            if env.json {
                return output::json(&items);
            }
            if items.is_empty() {
                println!("No pending reviews.");
                return Ok(());
            }
            let rows: Vec<Vec<String>> = items
                .iter()
                .map(|r| {
                    vec![
                        r.id.to_string(),
                        r.contact_id.to_string(),
                        r.property.clone(),
                        format!("{:?}", r.kind).to_lowercase(),
                        r.human_writer
                            .as_ref()
                            .map(|w| w.label())
                            .unwrap_or_default(),
                        r.human_value.clone().unwrap_or_default(),
                        r.proposed_value.clone().unwrap_or_default(),
                        r.correlation_id.clone(),
                    ]
                })
                .collect();
            output::table(
                &[
                    "id",
                    "contact",
                    "field",
                    "kind",
                    "kept value by",
                    "kept value",
                    "AI proposal",
                    "correlation",
                ],
                &rows,
            );
            Ok(())
        }
        ReviewAction::Approve { id, value } => {
            let ctx = connection::pipeline_context(&env.store)?;
            let review = review_actions::approve(&ctx, id, value.as_deref()).await?;
            if env.json {
                return output::json(&review);
            }
            println!(
                "Approved review {id}: wrote {} on contact {}.",
                review.property, review.contact_id
            );
            Ok(())
        }
        ReviewAction::Reject { id } => {
            let ctx = connection::pipeline_context(&env.store)?;
            let review = review_actions::reject(&ctx, id).await?;
            if env.json {
                return output::json(&review);
            }
            println!(
                "Rejected review {id}: the person's value of {} stays on contact {}.",
                review.property, review.contact_id
            );
            Ok(())
        }
    }
}
