//! The admin screens in the real window against the simulator, the relay and the engine: a
//! person's edit becomes a review, approving it writes to the simulator, provenance tells the
//! AI's values from the person's, Activity filters and exports, and a review raised while the
//! window is open reaches the navigation badge through an engine event. Screenshots of every
//! screen go to `target/e2e-screenshots/admin-*.png`.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use fantoccini::elements::Element;
use steward_engine::audit::{self, AuditFilter, Outcome};
use steward_engine::jobs::Trigger;
use steward_engine::pipeline::{self, Mode, PipelineContext, WorkItem};
use steward_engine::reviews::{self, ReviewFilter};
use steward_engine::{DataDir, Store};
use steward_tests::desktop::DesktopApp;
use steward_tests::seed;
use steward_tests::stack::{PORTAL, Stack, StackOptions};

const PAT: &str = "pat-na1-admin-e2e-0123456789";
const WAIT: Duration = Duration::from_secs(30);

pub(crate) fn css(test_id: &str) -> String {
    format!("[data-testid='{test_id}']")
}

pub(crate) async fn element(app: &DesktopApp, selector: &str) -> anyhow::Result<Element> {
    Ok(app
        .client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(selector))
        .await?)
}

/// Waits until the element's text contains `want`; returns the text.
pub(crate) async fn wait_text(
    app: &DesktopApp,
    selector: &str,
    want: &str,
) -> anyhow::Result<String> {
    let deadline = Instant::now() + WAIT;
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(el) = app.client.find(Locator::Css(selector)).await {
            last = el.text().await.unwrap_or_default();
            if last.contains(want) {
                return Ok(last);
            }
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    anyhow::bail!("{selector} never contained {want:?}; last text: {last:?}")
}

/// Waits until the element's whole text is `want`.
pub(crate) async fn wait_exact(app: &DesktopApp, selector: &str, want: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + WAIT;
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(el) = app.client.find(Locator::Css(selector)).await {
            last = el.text().await.unwrap_or_default();
            if last.trim() == want {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    anyhow::bail!("{selector} never read {want:?}; last text: {last:?}")
}

/// Waits until nothing matches `selector`.
async fn wait_gone(app: &DesktopApp, selector: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if app.client.find(Locator::Css(selector)).await.is_err() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    anyhow::bail!("{selector} is still shown")
}

async fn button(app: &DesktopApp, scope: &str, label: &str) -> anyhow::Result<Element> {
    element(app, &format!("{scope} button")).await?;
    for b in app
        .client
        .find_all(Locator::Css(&format!("{scope} button")))
        .await?
    {
        if b.text().await?.trim() == label {
            return Ok(b);
        }
    }
    anyhow::bail!("no button {label:?} in {scope}")
}

/// Saves a screenshot once the webview has painted what the DOM already holds.
pub(crate) async fn shot(app: &DesktopApp, name: &str) -> anyhow::Result<()> {
    tokio::time::sleep(Duration::from_millis(400)).await;
    app.screenshot(name).await?;
    Ok(())
}

/// Scrolls the element into view (for a screenshot of a long screen).
pub(crate) async fn scroll_to(app: &DesktopApp, selector: &str) -> anyhow::Result<()> {
    element(app, selector).await?;
    app.client
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'start'});",
            vec![serde_json::json!(selector)],
        )
        .await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    Ok(())
}

/// The context of the engine the test drives directly, on the app's own database.
fn engine_on(stack: &Stack, store: &Store) -> PipelineContext {
    PipelineContext {
        store: store.clone(),
        ..stack.ctx.clone()
    }
}

async fn round_trip(ctx: &PipelineContext, contact: u64) -> anyhow::Result<()> {
    let item = WorkItem {
        contact_id: contact,
        trigger: Trigger::Live,
        trigger_ref: Some("e2e".into()),
        run_id: None,
        mode: Mode::LIVE,
    };
    pipeline::process_chunk(ctx, vec![item]).await?;
    Ok(())
}

/// Enriches a new contact, then a person edits its summary (and an input, so the next round
/// trip calls the LLM again) and the engine holds the AI's new summary back as a review.
async fn guarded_contact(
    stack: &Stack,
    ctx: &PipelineContext,
    email: &str,
    company: &str,
    words: &str,
) -> anyhow::Result<u64> {
    let id = stack
        .create_contact(serde_json::json!({"email": email, "firstname": "Ann", "lastname": "Lee", "company": company, "jobtitle": "VP Sales"}))
        .await?;
    round_trip(ctx, id).await?;
    stack.human_edit(id, "ai_summary", words, 42).await?;
    stack
        .human_edit(id, "company", &format!("{company} International"), 42)
        .await?;
    round_trip(ctx, id).await?;
    let pending = reviews::list(
        &ctx.store.conn(),
        &ReviewFilter {
            contact_id: Some(id),
            ..Default::default()
        },
    )?;
    anyhow::ensure!(pending.len() == 1, "one review for {id}: {pending:?}");
    Ok(id)
}

#[tokio::test(flavor = "multi_thread")]
async fn reviews_provenance_and_activity_in_the_real_window() -> anyhow::Result<()> {
    let stack = Stack::start(StackOptions {
        private_app_token: Some(PAT.into()),
        ..StackOptions::default()
    })
    .await?;
    // The app's data dir, seeded as Connect would leave it (private-app token from the env).
    let root = tempfile::tempdir()?;
    let store = seed::connected_data_dir(&stack, &DesktopApp::steward_dir(root.path()))?;
    let ctx = engine_on(&stack, &store);
    let ann_words = "Ann's own words about this account.";
    let ann = guarded_contact(&stack, &ctx, "ann@acme.example", "Acme", ann_words).await?;
    let review = reviews::list(&store.conn(), &ReviewFilter::default())?.remove(0);
    let proposed = review.proposed_value.clone().unwrap_or_default();
    anyhow::ensure!(!proposed.is_empty() && proposed != ann_words);

    let app = DesktopApp::launch_in(
        root,
        &[
            ("STEWARD_HUBSPOT_PRIVATE_APP_TOKEN", PAT),
            ("STEWARD_LLM_API_KEY", "sk-test-llm-key"),
            ("STEWARD_NO_BROWSER", "1"),
        ],
    )
    .await?;

    // Reviews: the badge, and the item side by side.
    element(&app, "[aria-label='1 pending']").await?;
    app.open_screen("reviews").await?;
    let card = format!("review-{}", review.id);
    let text = wait_text(&app, &css(&card), ann_words).await?;
    assert!(
        text.contains(&proposed),
        "the AI's proposal is shown: {text}"
    );
    assert!(text.contains("User 42"), "{text}");
    assert!(text.contains(&review.correlation_id), "{text}");
    assert!(text.contains("sim-model@prompt-v1"), "{text}");
    shot(&app, "admin-reviews").await?;

    // Contacts: search by email; the person wrote the summary, the AI wrote the score.
    app.open_screen("contacts").await?;
    let search = element(&app, "input[type='search']").await?;
    search.send_keys("ann@acme.example").await?;
    element(&app, &css(&format!("hit-{ann}")))
        .await?
        .click()
        .await?;
    wait_text(&app, &css("field-ai_summary"), "User 42").await?;
    let summary = wait_text(&app, &css("field-ai_summary"), ann_words).await?;
    assert!(summary.contains("CRM_UI"), "{summary}");
    let score = wait_text(&app, &css("field-ai_generated_score"), "AI (Steward)").await?;
    assert!(
        score.contains("sim-model@prompt-v1"),
        "the AI run is named: {score}"
    );
    let timeline = wait_text(&app, &css("timeline"), "Steward round trip").await?;
    assert!(timeline.contains(ann_words), "{timeline}");
    shot(&app, "admin-contacts").await?;
    scroll_to(&app, &css("timeline")).await?;
    shot(&app, "admin-contacts-history").await?;
    button(&app, &css("contact-panel"), "Dry run")
        .await?
        .click()
        .await?;
    let dry = wait_text(&app, &css("dry-run"), "nothing was written").await?;
    assert!(dry.contains("ai_summary"), "{dry}");
    assert!(
        dry.contains("Blocked: review"),
        "the guard still holds the summary: {dry}"
    );
    scroll_to(&app, &css("dry-run")).await?;
    shot(&app, "admin-contacts-dry-run").await?;

    // Approve in the window: the AI's value is written through HubSpot's API.
    let writes_before = stack.integration_writes(ann, "ai_summary").await?.len();
    app.open_screen("reviews").await?;
    button(&app, &css(&card), "Approve AI value")
        .await?
        .click()
        .await?;
    wait_text(&app, &css("screen-reviews"), "No pending reviews").await?;
    let writes = stack.integration_writes(ann, "ai_summary").await?;
    assert_eq!(
        writes.len(),
        writes_before + 1,
        "one write of the approved value"
    );
    assert_eq!(
        writes.last().map(|w| w["value"].clone()),
        Some(serde_json::json!(proposed))
    );
    wait_gone(&app, "[aria-label='1 pending']").await?;
    shot(&app, "admin-reviews-done").await?;

    // Live: a review raised while the window is open reaches the badge by itself.
    let bob = guarded_contact(&stack, &ctx, "bob@globex.example", "Globex", "Bob's note.").await?;
    element(&app, "[aria-label='1 pending']").await?;

    // Provenance after the approval: the summary is now the AI's.
    app.open_screen("contacts").await?;
    let search = element(&app, "input[type='search']").await?;
    search.send_keys(&ann.to_string()).await?;
    element(&app, &css(&format!("hit-{ann}")))
        .await?
        .click()
        .await?;
    wait_text(&app, &css("field-ai_summary"), "AI (Steward)").await?;

    // Activity: filter by outcome and contact, then export what the filter shows.
    let count = |outcome: Option<Outcome>, contact: Option<u64>| {
        audit::count(
            &store.conn(),
            &AuditFilter {
                outcome,
                contact_id: contact,
                ..Default::default()
            },
        )
    };
    let total = count(None, None)?;
    let written = count(Some(Outcome::Written), None)?;
    let bob_written = count(Some(Outcome::Written), Some(bob))?;
    assert!(
        written >= 2 && bob_written >= 1 && written > bob_written,
        "written {written}, bob {bob_written}"
    );
    app.open_screen("activity").await?;
    wait_exact(&app, &css("activity-count"), &format!("{total} rows")).await?;
    element(&app, &css("chart-outcomes")).await?;
    shot(&app, "admin-activity").await?;
    element(&app, "select[aria-label='Outcome']")
        .await?
        .select_by_value("written")
        .await?;
    wait_exact(&app, &css("activity-count"), &format!("{written} rows")).await?;
    let deadline = Instant::now() + WAIT;
    let rows = loop {
        let rows = app.client.find_all(Locator::Css(&css("audit-row"))).await?;
        if rows.len() as u64 == written || Instant::now() > deadline {
            break rows;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    };
    assert_eq!(rows.len() as u64, written);
    for row in &rows {
        let t = row.text().await?;
        assert!(t.contains("Written"), "{t}");
    }
    element(&app, "input[aria-label='Contact id']")
        .await?
        .send_keys(&bob.to_string())
        .await?;
    wait_exact(&app, &css("activity-count"), &format!("{bob_written} rows")).await?;
    button(&app, "[role='search']", "Export CSV")
        .await?
        .click()
        .await?;
    let path = wait_text(&app, &css("export-path"), ".csv").await?;
    let csv = std::fs::read_to_string(path.trim())?;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines.len() as u64,
        bob_written + 1,
        "header + bob's written rows: {csv}"
    );
    for line in &lines[1..] {
        assert!(
            line.contains(&format!(",{bob},")) && line.contains(",written,"),
            "{line}"
        );
    }
    shot(&app, "admin-activity-filtered").await?;
    element(&app, &css("audit-row")).await?.click().await?;
    scroll_to(&app, &css("audit-table")).await?;
    shot(&app, "admin-activity-table").await?;

    // Settings renders what the engine stores.
    app.open_screen("settings").await?;
    wait_text(&app, &css("prompt-version"), "version 1").await?;
    wait_text(&app, &css("settings-portal"), &PORTAL.to_string()).await?;
    shot(&app, "admin-settings").await?;
    scroll_to(&app, &css("settings-prompt")).await?;
    shot(&app, "admin-settings-prompt").await?;
    scroll_to(&app, &css("settings-inputs")).await?;
    shot(&app, "admin-settings-inputs").await?;
    app.close().await
}

/// Seeds reviews and audit rows straight into a data dir (no HubSpot needed to render them).
fn seed_history(store: &Store) -> anyhow::Result<()> {
    use steward_engine::audit::AuditRecord;
    use steward_engine::reviews::{NewReview, ReviewKind};
    use steward_engine::writer::Writer;
    let conn = store.conn();
    let now = steward_engine::clock::now_ms();
    let ann = Writer::Person {
        user_id: Some(42),
        source_type: "CRM_UI".into(),
    };
    for (i, (property, human, ai)) in [
        (
            "ai_summary",
            "Renewal talks paused until Q3; Ann owns this.",
            "Asked for pricing for 40 seats and a security review; a demo is booked.",
        ),
        ("ai_generated_score", "35", "78"),
        (
            "ai_next_best_action",
            "Wait for Ann's call.",
            "Send the security questionnaire and propose two demo slots.",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        reviews::raise(
            &conn,
            &NewReview {
                portal_id: PORTAL,
                contact_id: 500 + i as u64,
                property,
                kind: if i == 2 {
                    ReviewKind::Conflict
                } else {
                    ReviewKind::Guarded
                },
                human_value: human,
                human_writer: &ann,
                human_at: now - 7_200_000,
                proposed_value: ai,
                correlation_id: &format!("5eed{i:012}"),
                input_hash: "h",
                model: "gpt-4o-mini@prompt-v2",
            },
            now - 3_600_000 * (i as i64 + 1),
        )?;
    }
    let outcomes = [
        Outcome::Written,
        Outcome::Written,
        Outcome::Unchanged,
        Outcome::Written,
        Outcome::Guarded,
        Outcome::Unchanged,
        Outcome::Failed,
        Outcome::Approved,
    ];
    for i in (0..400_i64).rev() {
        let outcome = outcomes[(i % outcomes.len() as i64) as usize];
        let llm = !matches!(outcome, Outcome::Unchanged | Outcome::Approved);
        audit::insert(
            &conn,
            &AuditRecord {
                correlation_id: format!("{:016x}", i * 7_919),
                portal_id: PORTAL,
                contact_id: 500 + (i % 37) as u64,
                trigger: if i % 5 == 0 { "batch" } else { "live" }.into(),
                model: Some("gpt-4o-mini@prompt-v2".into()),
                prompt_version: Some(2),
                tokens_in: if llm { 520 + (i % 90) as u64 } else { 0 },
                tokens_out: if llm { 80 } else { 0 },
                cost_micros: if llm { 126 } else { 0 },
                outcome: Some(outcome),
                reason: (outcome == Outcome::Failed)
                    .then(|| "HubSpot answered 502 (will retry)".to_owned()),
                ..Default::default()
            },
            // Spread over the last 14 days, more recently more.
            now - (i * i * 7_560),
        )?;
    }
    Ok(())
}

/// With a dark desktop theme the window is dark too (`prefers-color-scheme` follows the OS).
#[tokio::test(flavor = "multi_thread")]
async fn dark_mode_follows_the_os() -> anyhow::Result<()> {
    let root = tempfile::tempdir()?;
    let dir = DataDir::at(DesktopApp::steward_dir(root.path()))?;
    seed_history(&Store::open(dir.database())?)?;
    let app = DesktopApp::launch_in(root, &[("GTK_THEME", "Adwaita:dark")]).await?;
    element(&app, "[aria-label='3 pending']").await?;
    let dark = app
        .client
        .execute(
            "return window.matchMedia('(prefers-color-scheme: dark)').matches;",
            vec![],
        )
        .await?;
    assert_eq!(
        dark,
        serde_json::json!(true),
        "the webview follows the GTK theme"
    );
    app.open_screen("reviews").await?;
    element(&app, &css("review-1")).await?;
    shot(&app, "admin-dark-reviews").await?;
    app.open_screen("activity").await?;
    wait_exact(&app, &css("activity-count"), "400 rows").await?;
    element(&app, &css("audit-row")).await?;
    shot(&app, "admin-dark-activity").await?;
    app.close().await
}
