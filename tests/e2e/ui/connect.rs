//! The whole Connect flow in the real window: the simulator's authorize page, the real relay
//! binary as OAuth broker, the deep link delivered by launching the app binary a second time
//! (single-instance forwards it over D-Bus), then provisioning, the LLM step, a dry run and
//! Disconnect — with the refresh token only ever in the OS keyring.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::Locator;
use hubspot_sim::SimConfig;
use secrecy::ExposeSecret;
use steward_engine::secrets::{self, SecretKind};
use steward_engine::{Settings, Store, settings};
use steward_tests::connect::{RelayProcess, files_containing, follow_authorize, unique_portal};
use steward_tests::desktop::{DesktopApp, app_binary};
use steward_tests::stack::{APP_ID, CLIENT_ID, CLIENT_SECRET};

/// Waits until the element's text contains `want`; returns the text.
async fn wait_text(app: &DesktopApp, test_id: &str, want: &str) -> anyhow::Result<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(el) = app
            .client
            .find(Locator::Css(&format!("[data-testid='{test_id}']")))
            .await
        {
            last = el.text().await.unwrap_or_default();
            if last.contains(want) {
                return Ok(last);
            }
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    anyhow::bail!("[data-testid='{test_id}'] never contained {want:?}; last text: {last:?}")
}

async fn click(app: &DesktopApp, test_id: &str) -> anyhow::Result<()> {
    app.client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(&format!("[data-testid='{test_id}']")))
        .await?
        .click()
        .await?;
    Ok(())
}

async fn fill(app: &DesktopApp, test_id: &str, text: &str) -> anyhow::Result<()> {
    let el = app
        .client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(&format!("[data-testid='{test_id}']")))
        .await?;
    el.clear().await?;
    el.send_keys(text).await?;
    Ok(())
}

/// Launches the app binary again with `link` as its only argument, as a browser would; the
/// second instance must hand the link to the running one and exit.
async fn deliver(root: &std::path::Path, link: &str) -> anyhow::Result<()> {
    let mut child = Command::new(app_binary()?)
        .arg(link)
        .envs(DesktopApp::env_of(root))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait()? {
            anyhow::ensure!(status.success(), "the second launch exited with {status}");
            return Ok(());
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            anyhow::bail!(
                "the second launch did not exit: single-instance did not forward the link"
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Scrolls the element to the top of the window (screenshots show the viewport).
async fn show(app: &DesktopApp, test_id: &str) -> anyhow::Result<()> {
    app.client
        .execute(
            "document.querySelector(`[data-testid='${arguments[0]}']`)?.scrollIntoView({block: 'start'});",
            vec![serde_json::json!(test_id)],
        )
        .await?;
    Ok(())
}

/// `window.__TAURI_INTERNALS__.invoke(cmd)` in the page.
async fn invoke(app: &DesktopApp, cmd: &str) -> anyhow::Result<serde_json::Value> {
    let script = "const done = arguments[arguments.length - 1];
        window.__TAURI_INTERNALS__.invoke(arguments[0]).then(done, (e) => done({ error: e }));";
    Ok(app
        .client
        .execute_async(script, vec![serde_json::json!(cmd)])
        .await?)
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_provision_llm_dry_run_and_disconnect_in_the_real_window() -> anyhow::Result<()> {
    let sim = hubspot_sim::spawn(SimConfig {
        app_id: APP_ID,
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        rate_limit: None,
        ..SimConfig::default()
    })
    .await?;
    let relay = RelayProcess::spawn(&sim.base_url())?;
    let portal = unique_portal();
    let root = tempfile::tempdir()?;
    {
        std::fs::create_dir_all(DesktopApp::steward_dir(root.path()))?;
        let store = Store::open(DesktopApp::steward_dir(root.path()).join("steward.sqlite3"))?;
        Settings::new(store).set::<settings::HubspotApiBase>(&sim.base_url())?;
    }
    let root_path = root.path().to_path_buf();
    let app = DesktopApp::launch_in(root, &[("STEWARD_NO_BROWSER", "1")]).await?;

    // 1. Connect: the relay URL typed in, HubSpot's authorize URL shown while waiting.
    fill(&app, "relay-url", &relay.url).await?;
    click(&app, "connect-start").await?;
    let authorize_url = app.text_of("authorize-url").await?;
    assert!(
        authorize_url.contains("/oauth/authorize?")
            && authorize_url.contains("crm.schemas.contacts.write"),
        "{authorize_url}"
    );
    app.screenshot("connect-waiting").await?;
    let link = follow_authorize(&authorize_url, portal, None).await?;
    deliver(&root_path, &link).await?;
    let portal_text = wait_text(&app, "connected-portal", &portal.to_string()).await?;
    assert!(
        portal_text.contains("Connected to HubSpot"),
        "{portal_text}"
    );
    assert!(portal_text.contains("crm.lists.read"), "{portal_text}");
    assert!(portal_text.contains("In the OS keyring"), "{portal_text}");
    wait_text(&app, "link-outcome", "Connected.").await?;
    assert!(wait_text(&app, "step-connect-state", "Done").await.is_ok());
    app.screenshot("connect-connected").await?;

    // The refresh token is in the Secret Service, and in no file of the data dir (SQLite with
    // its WAL, the app's logs) — the whole temp dir is scanned.
    let token = secrets::get(&SecretKind::RefreshToken { portal_id: portal })?
        .map(|t| t.expose_secret().to_owned())
        .expect("the refresh token is in the keyring");
    let hits = files_containing(&root_path, &token)?;
    assert!(hits.is_empty(), "the refresh token leaked into {hits:?}");
    let logs = DesktopApp::steward_dir(&root_path).join("logs");
    assert!(
        std::fs::read_dir(&logs)?.count() > 0,
        "the app writes logs to {}",
        logs.display()
    );

    // The engine runs and polls the relay with the new connection.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status = invoke(&app, "engine_status").await?;
        if status["polling"] == true && status["portal_id"] == portal {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the engine did not start polling: {status}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // 2. Refused links: the same link again, an unknown state, a malformed link.
    deliver(&root_path, &link).await?;
    let refused = wait_text(&app, "link-outcome", "already used").await?;
    assert!(
        refused.contains("Link refused.") && refused.contains("nothing was changed"),
        "{refused}"
    );
    app.screenshot("connect-refused").await?;
    deliver(
        &root_path,
        "steward://oauth/callback?code=forged&state=NotAStateThisAppStarted",
    )
    .await?;
    wait_text(
        &app,
        "link-outcome",
        "does not match a Connect started on this computer",
    )
    .await?;
    deliver(&root_path, "steward://oauth/callback?state=abc").await?;
    wait_text(&app, "link-outcome", "the link has no `code` parameter").await?;
    let still = app.text_of("connected-portal").await?;
    assert!(still.contains(&portal.to_string()), "{still}");
    assert_eq!(
        secrets::get(&SecretKind::RefreshToken { portal_id: portal })?
            .map(|t| t.expose_secret().to_owned()),
        Some(token.clone()),
        "a refused link changes nothing"
    );

    // 3. Provisioning, twice: the second run creates nothing.
    click(&app, "provision-run").await?;
    wait_text(&app, "provision-summary", "11 created").await?;
    click(&app, "provision-run").await?;
    wait_text(
        &app,
        "provision-summary",
        "0 created, 0 would be created, 11 already correct",
    )
    .await?;
    wait_text(&app, "step-provision-state", "Done").await?;
    show(&app, "step-provision").await?;
    app.screenshot("connect-provisioned").await?;

    // 4. The LLM: the simulator's OpenAI-compatible endpoint, the key into the keyring, Test.
    fill(&app, "llm-base-url", &format!("{}/llm/v1", sim.base_url())).await?;
    fill(&app, "llm-model", "sim-model").await?;
    fill(&app, "llm-key", "sk-e2e-llm-key").await?;
    click(&app, "llm-save").await?;
    wait_text(&app, "llm-key-source", "stored in the OS keyring").await?;
    click(&app, "llm-test").await?;
    wait_text(&app, "llm-test-result", "Works").await?;
    wait_text(&app, "step-llm-state", "Done").await?;
    show(&app, "step-llm").await?;
    app.screenshot("connect-llm").await?;

    // 5. A dry run of one contact shows the diff and writes nothing.
    let created: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/_sim/contacts", sim.base_url()))
        .json(&serde_json::json!({"portalId": portal, "properties": {"email": "ada@example.com", "firstname": "Ada", "company": "Analytical Engines"}}))
        .send()
        .await?
        .json()
        .await?;
    let contact = created["id"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| created["id"].to_string());
    fill(&app, "dry-run-contact", &contact).await?;
    click(&app, "dry-run-start").await?;
    let diff = wait_text(&app, "dry-run-diff", "nothing was written").await?;
    assert!(
        diff.contains("ai_summary") && diff.contains("Would write"),
        "{diff}"
    );
    wait_text(&app, "step-dry-run-state", "Done").await?;
    let stats: serde_json::Value = reqwest::get(format!("{}/_sim/stats", sim.base_url()))
        .await?
        .json()
        .await?;
    let ours = stats["writes"]
        .as_array()
        .map(|w| {
            w.iter()
                .filter(|w| w["sourceType"] == "INTEGRATION")
                .count()
        })
        .unwrap_or(0);
    assert_eq!(ours, 0, "a dry run writes nothing: {stats}");
    show(&app, "step-dry-run").await?;
    app.screenshot("connect-dry-run").await?;

    // 6. Disconnect: revoked through the relay, forgotten locally.
    click(&app, "disconnect").await?;
    wait_text(&app, "connection", "Not connected to HubSpot").await?;
    assert!(secrets::get(&SecretKind::RefreshToken { portal_id: portal })?.is_none());
    let relay_client = steward_engine::relay_client::RelayClient::new(&relay.url)?;
    let err = relay_client
        .oauth_refresh(&steward_engine::relay_client::Secret::new(token))
        .await
        .expect_err("the revoked refresh token is dead");
    assert_eq!(err.code(), Some("hubspot_rejected"), "{err}");
    show(&app, "onboarding").await?;
    app.screenshot("connect-disconnected").await?;

    secrets::delete(&SecretKind::LlmApiKey)?;
    app.close().await
}
