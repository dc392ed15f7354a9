use std::sync::Arc;
use std::time::Duration;

use steward_engine::audit::{self, AuditFilter, Outcome};
use steward_engine::pipeline::Pause;
use steward_llm::{LlmClient, LlmConfig, Price, Provider};
use steward_tests::stack::{Stack, StackOptions};

const WAIT: Duration = Duration::from_secs(30);

fn written(stack: &Stack, id: u64) -> anyhow::Result<bool> {
    let rows = audit::list(
        &stack.store.conn(),
        &AuditFilter {
            contact_id: Some(id),
            outcome: Some(Outcome::Written),
            ..Default::default()
        },
    )?;
    Ok(!rows.is_empty())
}

/// Once the month's LLM spend reaches the budget, enrichment pauses visibly: no further LLM
/// call, the job waits (not failed), and raising the budget resumes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monthly_budget_pauses_enrichment_visibly() -> anyhow::Result<()> {
    let mut stack = Stack::start(StackOptions::default()).await?;
    let mut config = LlmConfig::new(
        Provider::OpenAiCompatible,
        format!("{}/llm/v1", stack.sim.base_url()),
        "sim-model",
    );
    config.api_key = Some(secrecy::SecretString::from("sk-test"));
    config.price = Price {
        input_per_million_micros: 5_000_000,
        output_per_million_micros: 15_000_000,
    };
    stack.ctx.llm = Arc::new(LlmClient::new(config)?);
    stack.ctx.monthly_budget_micros = Some(1);
    stack.start_engine().await?;

    let first = stack
        .create_contact(serde_json::json!({"email": "first@budget.example"}))
        .await?;

    stack
        .eventually(WAIT, "first contact written", || async {
            written(&stack, first)
        })
        .await?;
    let spent = audit::cost_since(&stack.store.conn(), 0)?;
    assert!(spent > 1, "the call was priced: {spent} micro-dollars");

    let second = stack
        .create_contact(serde_json::json!({"email": "second@budget.example"}))
        .await?;
    stack
        .eventually(WAIT, "enrichment pauses for the budget", || async {
            Ok(stack.runtime().and_then(|r| r.pause()) == Some(Pause::Budget))
        })
        .await?;
    assert_eq!(stack.llm_calls().await?, 1, "no LLM call past the budget");
    assert!(!written(&stack, second)?);
    assert_eq!(
        steward_engine::jobs::outstanding(&stack.store.conn())?,
        1,
        "the paused job waits; it is not failed"
    );
    assert!(Pause::Budget.message().contains("budget"));

    // The admin raises the budget; the engine restarts with the new settings and resumes.
    stack.stop_engine().await?;
    stack.ctx.monthly_budget_micros = Some(1_000_000_000);
    stack.start_engine().await?;
    stack
        .eventually(WAIT, "the paused contact is written", || async {
            written(&stack, second)
        })
        .await?;
    stack.stop_engine().await
}
