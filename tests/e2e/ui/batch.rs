//! The Batch runs screen in the real window against the simulator, with the app's own engine
//! doing the work: pick a 30-contact list by typing part of its name, see the estimate, run a
//! dry run (diffs shown, nothing written to HubSpot), then a real run to 100 % (history row
//! with totals), and a second run that finds every contact unchanged without calling the LLM.
//! Screenshots go to `target/e2e-screenshots/batch-*.png`.

use std::time::{Duration, Instant};

use fantoccini::Locator;

use steward_engine::Store;
use steward_engine::batch::{self, RunStatus, RunSummary};
use steward_tests::desktop::DesktopApp;
use steward_tests::seed;
use steward_tests::stack::{Stack, StackOptions};

use super::admin::{css, element, scroll_to, shot, wait_exact, wait_text};

const PAT: &str = "pat-na1-batch-e2e-0123456789";
const CONTACTS: usize = 30;

/// The newest run in the app's database.
fn newest(store: &Store) -> anyhow::Result<RunSummary> {
    batch::history(store, 1)?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no run was started"))
}

/// Waits until the element's text, without whitespace, is `want` (counters stack a number
/// over its label).
async fn wait_compact(app: &DesktopApp, selector: &str, want: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(el) = app.client.find(Locator::Css(selector)).await {
            last = el.text().await.unwrap_or_default();
            if last.split_whitespace().collect::<String>() == want {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    anyhow::bail!("{selector} never read {want:?}; last text: {last:?}")
}

/// Picks the list in the window (typing part of its name) and waits for the estimate.
async fn pick(app: &DesktopApp, list_id: &str) -> anyhow::Result<()> {
    element(app, &css(&format!("list-hit-{list_id}")))
        .await?
        .click()
        .await?;
    wait_exact(app, &css("estimate-contacts"), &CONTACTS.to_string()).await
}

/// Starts the run shown in the estimate panel and waits until the window shows it completed.
async fn confirm_and_finish(app: &DesktopApp, label: &str) -> anyhow::Result<()> {
    let confirm = element(app, &css("confirm-run")).await?;
    assert_eq!(confirm.text().await?.trim(), label);
    confirm.click().await?;
    wait_text(app, &css("run-status"), "Completed").await?;
    wait_exact(app, &css("run-percent"), "100%").await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_list_is_estimated_dry_run_then_enriched_in_the_real_window() -> anyhow::Result<()> {
    let stack = Stack::start(StackOptions {
        contacts: CONTACTS,
        private_app_token: Some(PAT.into()),
        // Slow enough that the window shows the run working, with a rate and an ETA.
        llm_latency: Duration::from_millis(800),
        webhooks: false,
        ..StackOptions::default()
    })
    .await?;
    let ids = seed::seeded_ids(&stack, CONTACTS).await?;
    let list_id = seed::static_list(&stack, "Q3 Renewal accounts", &ids).await?;

    // The app's data dir, seeded as Connect would leave it (private-app token from the env).
    let root = tempfile::tempdir()?;
    let store = seed::connected_data_dir(&stack, &DesktopApp::steward_dir(root.path()))?;
    let app = DesktopApp::launch_in(
        root,
        &[
            ("STEWARD_HUBSPOT_PRIVATE_APP_TOKEN", PAT),
            ("STEWARD_LLM_API_KEY", "sk-test-llm-key"),
            ("STEWARD_NO_BROWSER", "1"),
        ],
    )
    .await?;

    // Type-ahead: the portal's lists (four seeded by the simulator, and ours), then part of
    // the name finds ours alone.
    let text = app.open_screen("batch").await?;
    assert!(text.contains("No batch runs yet"), "{text}");
    wait_exact(&app, &css("list-count"), "5 lists").await?;
    element(&app, &css("list-search"))
        .await?
        .send_keys("renewal")
        .await?;
    wait_exact(&app, &css("list-count"), "1 list").await?;
    let hit = css(&format!("list-hit-{list_id}"));
    wait_text(&app, &hit, "30 contacts").await?;
    // WebKitWebDriver leaves the ellipsised name out of an element's text: read the DOM's.
    let name = app
        .client
        .execute(
            "return document.querySelector(arguments[0]).textContent;",
            vec![serde_json::json!(hit)],
        )
        .await?;
    assert!(
        name.as_str()
            .unwrap_or_default()
            .contains("Q3 Renewal accounts"),
        "{name}"
    );

    // The estimate before anything starts: contacts, tokens, cost; no LLM call.
    pick(&app, &list_id).await?;
    let tokens = element(&app, &css("estimate-tokens")).await?.text().await?;
    assert!(
        tokens.replace(',', "").trim().parse::<u64>()? > 30 * 100,
        "tokens {tokens}"
    );
    wait_text(&app, &css("estimate-cost"), "$").await?;
    assert_eq!(stack.llm_calls().await?, 0, "estimating calls no LLM");
    shot(&app, "batch-estimate").await?;

    // Dry run: diffs for every contact, nothing written to HubSpot.
    let writes_before = stack.all_integration_writes().await?.len();
    element(&app, &css("opt-dry-run")).await?.click().await?;
    confirm_and_finish(&app, "Start dry run on 30 contacts").await?;
    let dry = newest(&store)?;
    assert!(dry.dry_run && dry.status == RunStatus::Completed, "{dry:?}");
    assert_eq!(dry.done, CONTACTS as u64, "{dry:?}");
    wait_text(&app, &css("stat-done"), "Computed").await?;
    let first = wait_text(&app, &css(&format!("run-diff-{}", ids[0])), "ai_summary").await?;
    assert!(first.contains("Would write"), "{first}");
    let rows = app
        .client
        .find_all(Locator::Css("[data-testid^='run-diff-1']"))
        .await?;
    assert_eq!(rows.len(), CONTACTS, "one diff per contact");
    assert_eq!(
        stack.all_integration_writes().await?.len(),
        writes_before,
        "a dry run writes nothing"
    );
    let llm_after_dry = stack.llm_calls().await?;
    assert_eq!(llm_after_dry, CONTACTS as u64, "the dry run asked the LLM");
    scroll_to(&app, "#batch-history-title").await?;
    shot(&app, "batch-history-diffs").await?;
    scroll_to(&app, &css("run-diffs")).await?;
    shot(&app, "batch-dry-run-diffs").await?;

    // A real run: the window follows it to 100 %, then the history row has its totals.
    app.client
        .execute("window.scrollTo(0, 0);", Vec::new())
        .await?;
    pick(&app, &list_id).await?;
    element(&app, &css("confirm-run")).await?.click().await?;
    // Results settle per write group (100 contacts), so a 30-contact run shows its counters
    // at the end; while it works the window shows it running, with Pause and Cancel.
    wait_text(&app, &css("run-status"), "Running").await?;
    wait_text(&app, &css("run-progress"), "Pause").await?;
    shot(&app, "batch-running").await?;
    wait_text(&app, &css("run-status"), "Completed").await?;
    wait_exact(&app, &css("run-percent"), "100%").await?;
    let real = newest(&store)?;
    assert!(!real.dry_run && real.status == RunStatus::Completed);
    assert_eq!(
        (real.done, real.unchanged, real.failed),
        (CONTACTS as u64, 0, 0)
    );
    let row = css(&format!("run-row-{}", real.id));
    wait_text(&app, &row, "Completed").await?;
    wait_exact(&app, &format!("{row} [data-testid='run-row-done']"), "30").await?;
    wait_exact(&app, &format!("{row} [data-testid='run-row-total']"), "30").await?;
    assert!(stack.all_integration_writes().await?.len() > writes_before);
    let llm_after_real = stack.llm_calls().await?;
    assert_eq!(llm_after_real, llm_after_dry + CONTACTS as u64);
    shot(&app, "batch-history").await?;

    // Again: every contact unchanged, no LLM call, no write.
    let writes_after_real = stack.all_integration_writes().await?.len();
    pick(&app, &list_id).await?;
    confirm_and_finish(&app, "Start run on 30 contacts").await?;
    wait_compact(&app, &css("stat-unchanged"), "30Unchanged").await?;
    wait_compact(&app, &css("stat-done"), "0Written").await?;
    let again = newest(&store)?;
    assert_eq!((again.unchanged, again.done), (CONTACTS as u64, 0));
    assert_eq!(stack.llm_calls().await?, llm_after_real, "no LLM call");
    assert_eq!(
        stack.all_integration_writes().await?.len(),
        writes_after_real,
        "no write"
    );
    let row = css(&format!("run-row-{}", again.id));
    wait_exact(
        &app,
        &format!("{row} [data-testid='run-row-unchanged']"),
        "30",
    )
    .await?;
    shot(&app, "batch-history-unchanged").await?;

    // The run's audit rows, one click away.
    element(
        &app,
        &format!("{row} button[aria-label='Audit rows of run {}']", again.id),
    )
    .await?
    .click()
    .await?;
    wait_text(&app, &css("activity-run-filter"), &format!("#{}", again.id)).await?;
    wait_exact(&app, &css("activity-count"), "30 rows").await?;
    shot(&app, "batch-audit-rows").await?;
    app.close().await
}
