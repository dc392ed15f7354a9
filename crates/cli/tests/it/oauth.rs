//! `steward connect --relay` / `--callback`, `steward provision`, `steward disconnect` against
//! the simulator's authorize page and the relay broker, with the real OS keyring.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use secrecy::ExposeSecret;
use steward_engine::connection::{AuthKind, Connection};
use steward_engine::secrets::{self, SecretKind};
use steward_engine::{Settings, Store};
use steward_tests::connect::{OAuthStack, files_containing, follow_authorize, unique_portal};
use steward_tests::stack::APP_ID;

use crate::ok;

/// `steward` on `dir`, pointed at the simulator, without the private-app token variable.
fn steward(dir: &Path, stack: &OAuthStack) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_steward"));
    cmd.arg("--data-dir")
        .arg(dir)
        .arg("--hubspot-base")
        .arg(stack.sim.base_url())
        .env_remove("STEWARD_HUBSPOT_PRIVATE_APP_TOKEN")
        .env("RUST_LOG", "debug");
    cmd
}

fn fails(output: std::process::Output) -> String {
    assert!(
        !output.status.success(),
        "expected a failure; stdout: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stored(dir: &Path) -> Option<steward_engine::connection::ConnectionInfo> {
    let store = Store::open(dir.join("steward.sqlite3")).unwrap();
    Settings::new(store).get::<Connection>().unwrap()
}

fn refresh_token(portal: u64) -> Option<String> {
    secrets::get(&SecretKind::RefreshToken { portal_id: portal })
        .unwrap()
        .map(|s| s.expose_secret().to_owned())
}

/// Starts with `--no-wait --json` and returns the authorize URL.
fn start(dir: &Path, stack: &OAuthStack) -> String {
    let out = ok(steward(dir, stack)
        .args(["--json", "connect", "--no-wait", "--no-browser", "--relay"])
        .arg(stack.relay.base_url())
        .output()
        .unwrap());
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["authorize_url"].as_str().unwrap().to_owned()
}

/// A whole scripted connect: start, browser, `--callback`.
async fn connect(dir: &Path, stack: &OAuthStack, portal: u64, scope: Option<&str>) -> String {
    let url = start(dir, stack);
    let link = follow_authorize(&url, portal, scope).await.unwrap();
    ok(steward(dir, stack)
        .args(["connect", "--callback", &link])
        .output()
        .unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pasted_link_connects_keeps_the_token_in_the_keyring_then_provisions_and_disconnects() {
    let stack = OAuthStack::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let portal = unique_portal();

    let mut child = steward(dir.path(), &stack)
        .args(["connect", "--no-browser", "--relay"])
        .arg(stack.relay.base_url())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut printed = String::new();
    let url = loop {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "{printed}");
        printed.push_str(&line);
        if let Some(url) = line.trim().strip_prefix("http") {
            break format!("http{url}");
        }
    };
    assert!(url.contains("scope=crm.objects.contacts.read"), "{url}");
    let link = follow_authorize(&url, portal, None).await.unwrap();
    writeln!(child.stdin.take().unwrap(), "\n{link}").unwrap();
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    printed.push_str(&rest);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{printed}\n{stderr}");
    assert!(
        printed.contains(&format!("Connected to HubSpot portal {portal}")),
        "{printed}"
    );
    assert!(
        printed.contains("Granted scopes: crm.objects.contacts.read"),
        "{printed}"
    );
    assert!(!printed.contains("MISSING SCOPE"), "{printed}");

    let info = stored(dir.path()).unwrap();
    assert_eq!(
        (info.portal_id, info.auth, info.app_id),
        (portal, AuthKind::Oauth, APP_ID)
    );
    // The refresh token is in the Secret Service (looked up with secret-tool, like an admin
    // would), and nowhere in the data dir nor in anything the CLI printed.
    let token = refresh_token(portal).expect("the refresh token is in the keyring");
    let looked_up = Command::new("secret-tool")
        .args(["lookup", "service", secrets::SERVICE, "username"])
        .arg(SecretKind::RefreshToken { portal_id: portal }.account())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&looked_up.stdout).trim(), token);
    assert!(files_containing(dir.path(), &token).unwrap().is_empty());
    assert!(!printed.contains(&token) && !stderr.contains(&token));

    // Provisioning: --dry-run writes nothing, the first run creates, the second finds it all.
    let dry = |args: &[&str]| -> serde_json::Value {
        let out = ok(steward(dir.path(), &stack)
            .args(["--json", "provision"])
            .args(args)
            .output()
            .unwrap());
        serde_json::from_str(&out).unwrap()
    };
    let statuses = |report: &serde_json::Value, status: &str| {
        report["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["status"]["status"] == status)
            .count()
    };
    for _ in 0..2 {
        let report = dry(&["--dry-run"]);
        assert_eq!(statuses(&report, "would_create"), 11, "{report}");
    }
    let first = dry(&[]);
    assert_eq!(statuses(&first, "created"), 11, "{first}");
    let second = dry(&[]);
    assert_eq!(statuses(&second, "already_correct"), 11, "{second}");
    assert_eq!(statuses(&second, "created"), 0, "{second}");

    // Disconnect revokes at HubSpot (through the relay) and forgets.
    let out = ok(steward(dir.path(), &stack)
        .arg("disconnect")
        .output()
        .unwrap());
    assert!(out.contains("revoked at HubSpot"), "{out}");
    assert!(refresh_token(portal).is_none());
    assert!(stored(dir.path()).is_none());
    let relay = steward_engine::relay_client::RelayClient::new(&stack.relay.base_url()).unwrap();
    let err = relay
        .oauth_refresh(&steward_engine::relay_client::Secret::new(token))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("hubspot_rejected"), "{err}");
    let err = fails(
        steward(dir.path(), &stack)
            .arg("provision")
            .output()
            .unwrap(),
    );
    assert!(err.contains("not connected"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reused_unknown_denied_and_malformed_links_are_refused_and_change_nothing() {
    let stack = OAuthStack::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let portal = unique_portal();
    let url = start(dir.path(), &stack);
    let link = follow_authorize(&url, portal, None).await.unwrap();
    ok(steward(dir.path(), &stack)
        .args(["connect", "--callback", &link])
        .output()
        .unwrap());
    let before = stored(dir.path()).unwrap();
    let token = refresh_token(portal).unwrap();

    let state = url::Url::parse(&link)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let denied_state = {
        let url = start(dir.path(), &stack);
        url::Url::parse(&url)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "state")
            .unwrap()
            .1
            .into_owned()
    };
    let cases = [
        (link.clone(), "already used"),
        (
            "steward://oauth/callback?code=abc&state=NotAStateThisComputerStarted".to_owned(),
            "does not match a Connect started on this computer",
        ),
        (
            format!(
                "steward://oauth/callback?error=access_denied&error_description=No%20thanks&state={denied_state}"
            ),
            "HubSpot did not grant access (access_denied: No thanks)",
        ),
        (
            format!("steward://oauth/callback?state={state}"),
            "the link has no `code` parameter",
        ),
        (
            format!("https://evil.example/oauth/callback?code=x&state={state}"),
            "not `steward:`",
        ),
        ("steward://oauth/callback?code=x".to_owned(), "no `state`"),
    ];
    for (bad, expected) in cases {
        let err = fails(
            steward(dir.path(), &stack)
                .args(["connect", "--callback", &bad])
                .output()
                .unwrap(),
        );
        assert!(err.contains(expected), "{bad}: {err}");
        assert!(err.contains("nothing was changed"), "{bad}: {err}");
        assert_eq!(stored(dir.path()).as_ref(), Some(&before), "{bad}");
        assert_eq!(refresh_token(portal).as_deref(), Some(token.as_str()));
    }
    ok(steward(dir.path(), &stack)
        .arg("disconnect")
        .output()
        .unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_schema_scope_the_gap_is_flagged_and_provisioning_explains_it() {
    let stack = OAuthStack::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let portal = unique_portal();
    let out = connect(
        dir.path(),
        &stack,
        portal,
        Some("crm.objects.contacts.read crm.objects.contacts.write crm.lists.read oauth"),
    )
    .await;
    assert!(
        out.contains("MISSING SCOPE crm.schemas.contacts.write: creating the ai_enrichment group"),
        "{out}"
    );
    let err = fails(
        steward(dir.path(), &stack)
            .arg("provision")
            .output()
            .unwrap(),
    );
    assert!(
        err.contains("lacks the crm.schemas.contacts.write scope")
            && err.contains("reconnect and grant it"),
        "{err}"
    );
    ok(steward(dir.path(), &stack)
        .arg("disconnect")
        .output()
        .unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflicting_property_is_reported_and_left_untouched() {
    let stack = OAuthStack::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let portal = unique_portal();
    connect(dir.path(), &stack, portal, None).await;
    // Someone created ai_summary as a number before Steward was installed.
    let settings = Settings::new(Store::open(dir.path().join("steward.sqlite3")).unwrap());
    let info = settings.get::<Connection>().unwrap().unwrap();
    let client = steward_engine::connection::hubspot_client(&settings, &info).unwrap();
    let theirs = hubspot::PropertyCreate::new(
        "ai_summary",
        "AI summary (theirs)",
        "number",
        "number",
        "contactinformation",
    );
    client
        .create_property(hubspot::ObjectType::Contacts, &theirs)
        .await
        .unwrap();

    let output = steward(dir.path(), &stack)
        .arg("provision")
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&output.stdout).into_owned();
    let err = fails(output);
    assert!(err.contains("1 item(s) need attention"), "{err}");
    let row = table
        .lines()
        .find(|l| l.starts_with("ai_summary "))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(
        row.contains("CONFLICT (left untouched)") && row.contains("exists with type number"),
        "{row}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("ai_model ") && l.contains("created")),
        "{table}"
    );
    let kept = client
        .get_property(hubspot::ObjectType::Contacts, "ai_summary")
        .await
        .unwrap();
    assert_eq!(
        (kept.property_type.as_str(), kept.label.as_str()),
        ("number", "AI summary (theirs)")
    );
    // The next run reports the same conflict and creates nothing more.
    let output = steward(dir.path(), &stack)
        .args(["--json", "provision"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let created = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"]["status"] == "created")
        .count();
    assert_eq!(created, 0, "{report}");
    ok(steward(dir.path(), &stack)
        .arg("disconnect")
        .output()
        .unwrap());
}
