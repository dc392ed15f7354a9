//! No secret reaches a file, a log or a message: a whole session with the real binaries —
//! OAuth Connect through the relay broker, live enrichment from webhooks, a review approved,
//! a bad LLM key shown as a pause, a refused link, an unknown contact, a private-app
//! connection, Disconnect — then every file of both data dirs (logs, SQLite with its -wal and
//! -shm, exports), the relay's database and logs, everything the CLI printed and every error
//! it returned are scanned for each secret and its encodings (see `secret_scan`).
//!
//! Secret values the test cannot choose (access, refresh and relay session tokens) are learned
//! by a recording proxy between the CLI and the relay: every token crossing it is a secret.

mod harness;

use std::time::Duration;

use base64::Engine as _;
use hubspot_sim::SimConfig;
use secrecy::ExposeSecret;
use steward_engine::Store;
use steward_engine::audit::{AuditFilter, Outcome};
use steward_engine::audit_export::{self, ExportFormat};
use steward_engine::secrets::{self, SecretKind};
use steward_tests::bins::{self, RelayBin, RelayBinConfig};
use steward_tests::connect::{follow_authorize, unique_portal};
use steward_tests::net::free_port;
use steward_tests::secret_scan::SecretSet;
use steward_tests::stack::{APP_ID, CLIENT_ID};
use steward_tests::tap::Tap;

use harness::{Cli, outcomes, scan_all};
use steward_tests::standins::refusing_llm;

const CLIENT_SECRET: &str = "cs-Qz7LmW4xK2pV8nR3tY6fAuLtSeCrEt";
pub(crate) const LLM_KEY: &str = "sk-llm-Lq8Zr2Wm5Xn9Kp3Vt7Yc4Bd6Gh";
const BAD_LLM_KEY: &str = "sk-bad-Hj7Rt2Mz9Qw4Xv8Nc3Lp6Ks5Df";
const PAT: &str = "pat-na1-Wd3Kq9Zm2Rx7Tv4Yn6Bp8Jc5Lf";
/// Full verbosity for our crates: a secret in any log line must show up.
pub(crate) const LOG: &str =
    "debug,steward_engine=trace,hubspot=trace,relay_client=trace,steward_llm=trace";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_a_file_a_log_or_a_message() -> anyhow::Result<()> {
    let bin = tokio::task::spawn_blocking(bins::cli).await??;
    tokio::task::spawn_blocking(bins::relay).await??;
    let portal = unique_portal();
    let relay_port = free_port()?;
    let relay_public = format!("http://127.0.0.1:{relay_port}");
    let sim = hubspot_sim::spawn(SimConfig {
        portal_id: portal,
        app_id: APP_ID,
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        private_app_token: Some(PAT.into()),
        rate_limit: None,
        webhook_target: Some(format!("{relay_public}/hubspot/webhooks")),
        webhook_batch_window: Duration::from_millis(20),
        webhook_retry_base: Duration::from_millis(50),
        ..SimConfig::default()
    })
    .await?;
    let relay_dir = tempfile::tempdir()?;
    let config = RelayBinConfig {
        listen: format!("127.0.0.1:{relay_port}").parse()?,
        database_url: format!(
            "sqlite:{}",
            relay_dir.path().join("relay.sqlite3").display()
        ),
        public_url: Some(relay_public),
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        app_id: APP_ID,
        hubspot_base: sim.base_url(),
        log_filter: "debug".into(),
        log_file: Some(relay_dir.path().join("relay.log")),
    };
    let relay = tokio::task::spawn_blocking(move || RelayBin::start(config)).await??;
    let tap = Tap::start(&relay.url).await?;
    let (refusing, refusing_task) = refusing_llm().await?;
    let http = reqwest::Client::new();
    let admin = |path: &str, body: serde_json::Value| {
        let req = http.post(format!("{}{path}", sim.base_url())).json(&body);
        async move {
            let resp = req.send().await?;
            anyhow::ensure!(resp.status().is_success(), "{}", resp.status());
            Ok::<serde_json::Value, anyhow::Error>(resp.json().await?)
        }
    };

    let mut cli = Cli {
        bin,
        sim: sim.base_url(),
        outputs: Vec::new(),
    };
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    // Held open until the scan, so the -wal and -shm files are there to be read.
    let store = Store::open(d.join("steward.sqlite3"))?;

    // Connect through the relay broker, as `steward connect --relay` does from a script.
    let started: serde_json::Value = serde_json::from_str(
        &cli.ok(
            d,
            &[
                "--json",
                "connect",
                "--no-wait",
                "--no-browser",
                "--relay",
                &tap.url,
            ],
        )
        .await?,
    )?;
    let link = follow_authorize(
        started["authorize_url"].as_str().unwrap_or_default(),
        portal,
        None,
    )
    .await?;
    cli.ok(d, &["connect", "--callback", &link]).await?;
    let refresh = secrets::get(&SecretKind::RefreshToken { portal_id: portal })?
        .map(|s| s.expose_secret().to_owned())
        .expect("the refresh token is in the keyring");
    cli.ok(d, &["provision"]).await?;
    let llm = format!("{}/llm/v1", sim.base_url());
    cli.ok(
        d,
        &["--llm-base", &llm, "--llm-model", "sim-model", "audit"],
    )
    .await?;

    // Live work: three new contacts (webhooks → relay → the CLI), one with a person's summary.
    let mut ids = Vec::new();
    for (i, name) in ["Ada", "Grace", "Edsger"].iter().enumerate() {
        let v = admin(
            "/_sim/contacts",
            serde_json::json!({"portalId": portal, "properties": {
                "email": format!("{}@secrets.example", name.to_lowercase()),
                "firstname": name, "company": format!("Secret Co {i}")}}),
        )
        .await?;
        ids.push(
            v["id"]
                .as_str()
                .and_then(|s| s.parse::<u64>().ok())
                .expect("contact id"),
        );
    }
    admin(
        "/_sim/human-edit",
        serde_json::json!({"portalId": portal, "contactId": ids[0], "property": "ai_summary",
            "value": "Written by a person", "userId": 77}),
    )
    .await?;
    for attempt in 0.. {
        cli.ok(d, &["run", "--until-idle"]).await?;
        let mut all = true;
        for id in &ids {
            all &= outcomes(&store, *id)?
                .iter()
                .any(|o| matches!(o, Outcome::Written | Outcome::Guarded));
        }
        if all {
            break;
        }
        anyhow::ensure!(attempt < 20, "the live contacts were never enriched");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // The person's summary became a review; the admin approves the AI's proposal.
    let reviews: serde_json::Value =
        serde_json::from_str(&cli.ok(d, &["--json", "reviews", "list"]).await?)?;
    let review = reviews
        .as_array()
        .and_then(|r| r.iter().find(|r| r["contact_id"].as_u64() == Some(ids[0])))
        .and_then(|r| r["id"].as_i64())
        .expect("a review for the person's summary");
    cli.ok(d, &["reviews", "approve", &review.to_string()])
        .await?;
    cli.ok(d, &["--json", "provenance", &ids[0].to_string()])
        .await?;
    cli.ok(d, &["audit", "--format", "jsonl"]).await?;
    cli.ok(d, &["audit", "--format", "csv"]).await?;

    // A bad LLM key: the run pauses and says why; the admin stops it and cancels the run.
    admin(
        "/_sim/lists",
        serde_json::json!({"portalId": portal, "name": "Secrets", "contactIds": ids}),
    )
    .await?;
    let (pause, run) = cli
        .enrich_until_paused(
            d,
            BAD_LLM_KEY,
            &[
                "--llm-base",
                &refusing,
                "--list",
                "Secrets",
                "--yes",
                "--force",
            ],
        )
        .await?;
    assert!(
        pause.contains("refused the API key"),
        "the pause says the key is wrong: {pause}"
    );
    cli.ok(d, &["--llm-base", &llm, "runs", "cancel", &run.to_string()])
        .await?;

    // Errors a person reads: a used link, an unknown contact.
    let used = cli.fails(d, &["connect", "--callback", &link]).await?;
    assert!(!used.is_empty());
    let unknown = cli.fails(d, &["provenance", "999999999"]).await?;
    assert!(!unknown.is_empty());
    for format in [ExportFormat::Csv, ExportFormat::Jsonl] {
        audit_export::export(
            &d.join("steward.sqlite3"),
            &AuditFilter::default(),
            format,
            &d.join("exports"),
        )?;
    }

    // A private-app connection in a second data dir.
    let pat_dir = tempfile::tempdir()?;
    let p = pat_dir.path();
    cli.ok(
        p,
        &[
            "connect",
            "--private-app-token",
            PAT,
            "--app-id",
            &APP_ID.to_string(),
        ],
    )
    .await?;
    cli.ok(p, &["provision", "--dry-run"]).await?;
    cli.ok(p, &["disconnect", "--force"]).await?;

    // Disconnect revokes through the relay (the refresh token crosses the tap once more).
    cli.ok(d, &["disconnect"]).await?;
    let after = cli.fails(d, &["provision"]).await?;
    assert!(after.contains("not connected"), "{after}");

    // Every secret, including the ones only the broker and the CLI saw.
    let learned: Vec<String> = tap.tokens().into_iter().filter(|t| t.len() >= 20).collect();
    assert!(
        learned.contains(&refresh),
        "the tap saw the refresh token cross it"
    );
    assert!(
        learned.iter().any(|t| t.starts_with("CN")),
        "the tap saw access tokens: {} tokens",
        learned.len()
    );
    let mut secrets = SecretSet::new();
    secrets.add("HubSpot client secret", CLIENT_SECRET);
    secrets.add("LLM API key", LLM_KEY);
    secrets.add("refused LLM API key", BAD_LLM_KEY);
    secrets.add("private-app token", PAT);
    secrets.add("refresh token", &refresh);
    for (i, token) in learned.iter().enumerate() {
        secrets.add(format!("token #{i} seen by the broker's clients"), token);
    }
    assert!(
        secrets.len() >= 8,
        "client secret, keys, PAT, refresh, access and session tokens: {:?}",
        secrets.labels()
    );

    let scan = scan_all(&secrets, &[d, p, relay_dir.path()], &cli.outputs)?;
    assert!(
        std::fs::metadata(relay_dir.path().join("relay.log"))?.len() > 0,
        "the relay logged"
    );
    let shown: Vec<String> = scan.leaks.iter().take(20).map(|l| l.to_string()).collect();
    assert!(
        scan.leaks.is_empty(),
        "{} leak(s) of {} secrets in {} files and {} outputs:\n{}",
        scan.leaks.len(),
        secrets.len(),
        scan.files.len(),
        cli.outputs.len(),
        shown.join("\n")
    );

    // The scan itself finds what it must (a base64-encoded access token in a file).
    let control = tempfile::tempdir()?;
    let token = learned.iter().find(|t| t.starts_with("CN")).expect("above");
    std::fs::write(
        control.path().join("leaky.log"),
        base64::engine::general_purpose::STANDARD.encode(format!("Authorization: Bearer {token}")),
    )?;
    let (found, _) = secrets.scan_dir(control.path())?;
    assert!(
        found.iter().any(|l| l.encoding.starts_with("base64")),
        "{found:?}"
    );
    let access = learned.iter().filter(|t| t.starts_with("CN")).count();
    crate::support::note(
        "secrets",
        &format!(
            "{} secret values ({access} access tokens, {} refresh/session tokens learned by the \
             tap; with base64/hex encodings and 16-character pieces) absent from {} files and \
             {} captured outputs ({} bytes)",
            secrets.len(),
            learned.len() - access,
            scan.files.len(),
            cli.outputs.len(),
            scan.bytes
        ),
    );
    refusing_task.abort();
    drop(relay);
    if std::env::var_os("STEWARD_FAULT_KEEP").is_some() {
        // For a person to look at what was scanned.
        for kept in [dir, pat_dir, relay_dir] {
            crate::support::note("secrets", &format!("kept {}", kept.keep().display()));
        }
    }
    Ok(())
}
