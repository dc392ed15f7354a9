//! The sandbox in the real window, as a newcomer meets it: the app starts with nothing
//! connected, runs the simulated portal, and the tour walks provision → a new contact (HubSpot's
//! creation webhook through the relay) → enrichment → a person edits the AI's summary → an input
//! changes → the guard holds the AI's new summary back as a review → approve writes it.
//! Screenshots: `target/e2e-screenshots/sandbox-*.png`.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use steward_engine::Store;
use steward_engine::audit::{self, AuditFilter, Outcome};
use steward_engine::reviews::{self, ReviewFilter};
use steward_tests::desktop::DesktopApp;

use crate::admin::{css, element, shot, wait_text};

const WAIT: Duration = Duration::from_secs(60);

async fn fill(app: &DesktopApp, test_id: &str, value: &str) -> anyhow::Result<()> {
    let input = element(app, &css(test_id)).await?;
    input.clear().await?;
    input.send_keys(value).await?;
    Ok(())
}

async fn click(app: &DesktopApp, test_id: &str) -> anyhow::Result<()> {
    element(app, &css(test_id)).await?.click().await?;
    Ok(())
}

/// A person edits `property` of `contact` through the tour's panel.
async fn edit_as_person(
    app: &DesktopApp,
    contact: u64,
    property: &str,
    value: &str,
) -> anyhow::Result<()> {
    fill(app, "sandbox-contact-id", &contact.to_string()).await?;
    element(app, &css("sandbox-property"))
        .await?
        .select_by_value(property)
        .await?;
    fill(app, "sandbox-value", value).await?;
    click(app, "sandbox-edit").await?;
    wait_text(
        app,
        &css("sandbox-edit-done"),
        &format!("Contact {contact}"),
    )
    .await?;
    Ok(())
}

/// Waits until the sandbox store holds an audit row for `contact` with `outcome`.
async fn wait_outcome(store: &Store, contact: u64, outcome: Outcome) -> anyhow::Result<usize> {
    let deadline = Instant::now() + WAIT;
    loop {
        let rows = audit::list(
            &store.conn(),
            &AuditFilter {
                contact_id: Some(contact),
                ..Default::default()
            },
        )?;
        let n = rows.iter().filter(|r| r.outcome == Some(outcome)).count();
        if n > 0 {
            return Ok(n);
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "no {outcome:?} audit row for contact {contact}; rows: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newcomer_walks_the_sandbox_from_provisioning_to_an_approved_review() -> anyhow::Result<()>
{
    let root = tempfile::tempdir()?;
    let sandbox_db = DesktopApp::steward_dir(root.path()).join("sandbox/steward.sqlite3");
    let real_db = DesktopApp::steward_dir(root.path()).join("steward.sqlite3");
    let app = DesktopApp::launch_in(
        root,
        &[
            ("STEWARD_SANDBOX", "on"),
            ("STEWARD_SANDBOX_CONTACTS", "60"),
            ("STEWARD_SANDBOX_LLM_MS", "30"),
        ],
    )
    .await?;

    // Nothing is connected: the app lands on the tour, under the banner.
    wait_text(&app, &css("sandbox-banner"), "60 contacts").await?;
    wait_text(&app, &css("screen-sandbox"), "Create the AI properties").await?;
    shot(&app, "sandbox-tour").await?;

    click(&app, "sandbox-provision").await?;
    let report = wait_text(&app, &css("sandbox-provision-report"), "created").await?;
    anyhow::ensure!(!report.contains("problems"), "provisioning: {report}");

    // A person adds a contact: HubSpot's webhook reaches the engine through the relay.
    fill(&app, "sandbox-new-firstname", "Grace").await?;
    fill(&app, "sandbox-new-lastname", "Hopper").await?;
    fill(&app, "sandbox-new-email", "grace@navy.example").await?;
    fill(&app, "sandbox-new-company", "Navy Labs").await?;
    fill(&app, "sandbox-new-jobtitle", "Director of Engineering").await?;
    click(&app, "sandbox-create").await?;
    let created = wait_text(&app, &css("sandbox-created"), "added").await?;
    let contact: u64 = created
        .split_whitespace()
        .nth(1)
        .and_then(|w| w.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no contact id in {created:?}"))?;

    let store = Store::open(&sandbox_db)?;
    wait_outcome(&store, contact, Outcome::Written).await?;
    app.open_screen("activity").await?;
    wait_text(&app, &css("audit-table"), "Written").await?;

    // A person rewrites the AI's summary; then an input changes, so the AI proposes again.
    app.open_screen("sandbox").await?;
    let words = "Met Grace at the summit; she wants a pilot in Q1.";
    edit_as_person(&app, contact, "ai_summary", words).await?;
    edit_as_person(&app, contact, "jobtitle", "VP Engineering").await?;
    wait_outcome(&store, contact, Outcome::Guarded).await?;
    let pending = reviews::list(
        &store.conn(),
        &ReviewFilter {
            contact_id: Some(contact),
            ..Default::default()
        },
    )?;
    anyhow::ensure!(pending.len() == 1, "one review: {pending:?}");
    let review = &pending[0];
    anyhow::ensure!(review.human_value.as_deref() == Some(words), "{review:?}");

    // The review in the window: the person's words beside the AI's proposal; approve.
    app.open_screen("reviews").await?;
    let card = css(&format!("review-{}", review.id));
    wait_text(&app, &card, words).await?;
    shot(&app, "sandbox-review").await?;
    let mut approved = false;
    for b in app
        .client
        .find_all(Locator::Css(&format!("{card} button")))
        .await?
    {
        if b.text().await?.trim() == "Approve AI value" {
            b.click().await?;
            approved = true;
            break;
        }
    }
    anyhow::ensure!(approved, "no Approve button on the review card");
    wait_outcome(&store, contact, Outcome::Approved).await?;

    // Provenance after the approval: the AI wrote the summary (approved by the admin).
    app.open_screen("contacts").await?;
    element(&app, "input[type='search']")
        .await?
        .send_keys("grace@navy.example")
        .await?;
    element(&app, &css(&format!("hit-{contact}")))
        .await?
        .click()
        .await?;
    wait_text(&app, &css("field-ai_summary"), "AI (Steward)").await?;
    shot(&app, "sandbox-contacts").await?;
    for screen in ["activity", "settings", "connect"] {
        app.open_screen(screen).await?;
        shot(&app, &format!("sandbox-{screen}")).await?;
    }

    // The sandbox never touched the real store.
    let real = Store::open(&real_db)?;
    anyhow::ensure!(
        audit::count(&real.conn(), &AuditFilter::default())? == 0,
        "the real store has audit rows"
    );
    app.close().await
}
