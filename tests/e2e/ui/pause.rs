//! The engine banner in the real window: an LLM provider that refuses the key pauses
//! enrichment, every screen says why, and the banner leads to Settings; the queued contact
//! waits (nothing is audited as failed). Screenshot: `target/e2e-screenshots/engine-paused.png`.

use steward_engine::audit::{self, AuditFilter, Outcome};
use steward_engine::contact_actions;
use steward_engine::jobs;
use steward_engine::llm_settings::LlmSettings;
use steward_engine::settings::{self, Settings};
use steward_tests::desktop::DesktopApp;
use steward_tests::seed;
use steward_tests::stack::{PORTAL, Stack, StackOptions};
use steward_tests::standins::refusing_llm;

use super::admin::{css, element, shot, wait_text};

const PAT: &str = "pat-na1-pause-e2e-0123456789";

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_llm_key_pauses_enrichment_and_every_screen_says_why() -> anyhow::Result<()> {
    let stack = Stack::start(StackOptions {
        contacts: 3,
        private_app_token: Some(PAT.into()),
        webhooks: false,
        ..StackOptions::default()
    })
    .await?;
    let (refusing, _refusing_task) = refusing_llm().await?;
    let root = tempfile::tempdir()?;
    let store = seed::connected_data_dir(&stack, &DesktopApp::steward_dir(root.path()))?;
    Settings::new(store.clone()).set::<settings::Llm>(&LlmSettings {
        base_url: refusing,
        model: "sim-model".into(),
        ..LlmSettings::default()
    })?;
    let contact = seed::seeded_ids(&stack, 1).await?[0];
    contact_actions::reenrich(&store.conn(), PORTAL, contact)?;
    let app = DesktopApp::launch_in(
        root,
        &[
            ("STEWARD_HUBSPOT_PRIVATE_APP_TOKEN", PAT),
            ("STEWARD_LLM_API_KEY", "sk-refused-e2e-0000"),
            ("STEWARD_NO_BROWSER", "1"),
        ],
    )
    .await?;

    let banner = wait_text(&app, &css("engine-banner"), "Enrichment is paused").await?;
    assert!(banner.contains("API key"), "{banner}");
    assert!(
        !banner.contains("sk-refused-e2e-0000"),
        "the key is never shown: {banner}"
    );
    app.open_screen("activity").await?;
    element(&app, &css("engine-banner")).await?;
    shot(&app, "engine-paused").await?;
    // The contact waits for the fix: queued, not failed.
    assert_eq!(jobs::outstanding(&store.conn())?, 1, "the job waits");
    let failed = AuditFilter {
        outcome: Some(Outcome::Failed),
        ..AuditFilter::default()
    };
    assert_eq!(
        audit::count(&store.conn(), &failed)?,
        0,
        "nothing was audited as failed"
    );

    element(&app, "[data-testid='engine-banner'] button")
        .await?
        .click()
        .await?;
    element(&app, &css("screen-settings")).await?;
    app.close().await
}
