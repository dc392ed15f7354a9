use steward_tests::desktop::DesktopApp;

/// Every screen renders text that came from a Rust command, so a blank or broken webview fails.
#[tokio::test(flavor = "multi_thread")]
async fn every_screen_renders_its_engine_backed_state() -> anyhow::Result<()> {
    let app = DesktopApp::launch(&[]).await?;

    let connect = app.text_of("connection").await?;
    assert!(connect.contains("Not connected to HubSpot"), "{connect}");
    let version = app.text_of("nav-version").await?;
    assert_eq!(version, format!("v{}", env!("CARGO_PKG_VERSION")));
    app.screenshot("connect").await?;

    for (id, expected) in [
        ("reviews", "No pending reviews"),
        ("contacts", "No contacts enriched yet"),
        ("activity", "No activity yet"),
        ("batch", "No batch runs yet"),
    ] {
        let text = app.open_screen(id).await?;
        assert!(text.contains(expected), "screen {id}: {text}");
        app.screenshot(id).await?;
    }

    let settings = app.open_screen("settings").await?;
    let data_dir = app.data_dir.path().join("steward");
    assert!(
        settings.contains(&data_dir.display().to_string()),
        "Settings must show the data dir the engine opened ({}): {settings}",
        data_dir.display()
    );
    assert!(
        data_dir.join("steward.sqlite3").is_file(),
        "the engine created its database in the data dir"
    );
    app.screenshot("settings").await?;
    app.close().await
}
