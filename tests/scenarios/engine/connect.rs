//! Connect as the engine does it for both shells: OAuth through the relay broker finished from
//! the deep link, the engine host polling with the new connection, the onboarding steps and
//! their state, and Disconnect stopping everything.

use std::time::Duration;

use secrecy::SecretString;
use steward_engine::host::EngineHost;
use steward_engine::llm_setup::{self, LlmChoice};
use steward_engine::oauth_connect::{self, OAuthConnectError};
use steward_engine::oauth_pending::PendingFlows;
use steward_engine::onboarding::{self, StepState};
use steward_engine::pipeline::DryRun;
use steward_engine::poller::PollerConfig;
use steward_engine::secrets::{self, SecretKind};
use steward_engine::worker::WorkerConfig;
use steward_engine::{Settings, Store, disconnect, settings};
use steward_llm::Provider;
use steward_tests::connect::{OAuthStack, follow_authorize, unique_portal};
use steward_tests::stack::APP_ID;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_connect_runs_the_host_and_every_onboarding_step_then_disconnect_stops_it() {
    let stack = OAuthStack::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("steward.sqlite3")).unwrap();
    let settings = Settings::new(store.clone());
    settings
        .set::<settings::HubspotApiBase>(&stack.sim.base_url())
        .unwrap();
    let flows = PendingFlows::for_store(&store);
    let portal = unique_portal();

    let fresh = onboarding::read(&store).unwrap();
    assert_eq!(
        (fresh.connect, fresh.provision, fresh.llm, fresh.dry_run),
        (
            StepState::Todo,
            StepState::Todo,
            StepState::Todo,
            StepState::Todo
        )
    );

    let start = oauth_connect::start(&settings, &flows, &stack.relay.base_url())
        .await
        .unwrap();
    assert!(onboarding::read(&store).unwrap().connect_pending);
    let link = follow_authorize(&start.authorize_url, portal, None)
        .await
        .unwrap();
    let info = oauth_connect::finish_link(&settings, &flows, &link)
        .await
        .unwrap();
    assert_eq!((info.portal_id, info.app_id), (portal, APP_ID));
    assert!(info.missing_scopes().is_empty());
    let again = oauth_connect::finish_link(&settings, &flows, &link).await;
    assert!(
        matches!(again, Err(OAuthConnectError::UnknownState)),
        "{again:?}"
    );

    // The host opens a relay session with the access token (renewed through the broker).
    let host = EngineHost::with_config(
        store.clone(),
        |ctx| {
            let mut p = PollerConfig::new(ctx.app_id, ctx.input_properties.clone());
            p.wait = Duration::from_millis(500);
            p
        },
        WorkerConfig::default(),
    );
    let status = host.start().await;
    assert!(status.running && status.polling, "{status:?}");
    assert_eq!(status.portal_id, Some(portal));
    assert!(status.problem.is_none(), "{status:?}");

    // Provision, the LLM (the simulator's), one dry run: each step turns Done.
    let report = onboarding::provision(&store, DryRun::No).await.unwrap();
    assert!(report.is_ready(), "{report:?}");
    llm_setup::save(
        &settings,
        LlmChoice {
            preset: None,
            provider: Provider::OpenAiCompatible,
            base_url: format!("{}/llm/v1/", stack.sim.base_url()),
            model: "sim-model".into(),
        },
        Some(SecretString::from("sk-engine-scenario")),
    )
    .unwrap();
    let check = llm_setup::test(&settings).await.unwrap();
    assert!(check.ok, "{check:?}");
    let created: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/_sim/contacts", stack.sim.base_url()))
        .json(&serde_json::json!({"portalId": portal, "properties": {"email": "grace@example.com", "firstname": "Grace"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let contact: u64 = created["id"].as_str().unwrap().parse().unwrap();
    let diff = onboarding::dry_run_contact(&store, contact).await.unwrap();
    assert!(
        diff.fields
            .iter()
            .any(|f| f.property == "ai_summary" && f.decision == "write")
    );
    let state = onboarding::read(&store).unwrap();
    assert_eq!(
        (state.connect, state.provision, state.llm, state.dry_run),
        (
            StepState::Done,
            StepState::Done,
            StepState::Done,
            StepState::Done
        )
    );
    assert_eq!(state.last_dry_run.unwrap().contact_id, contact);
    // Changing the model makes the LLM test stale.
    let mut llm = settings.get::<settings::Llm>().unwrap();
    llm.model = "another-model".into();
    settings.set::<settings::Llm>(&llm).unwrap();
    assert_eq!(onboarding::read(&store).unwrap().llm, StepState::Todo);

    // A missing contact gives a clear dry-run error.
    let err = onboarding::dry_run_contact(&store, 999_999_999)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not found"), "{err}");

    let report = disconnect::disconnect(&settings, disconnect::IfRevokeFails::Keep)
        .await
        .unwrap();
    assert!(report.revoked);
    assert!(
        secrets::get(&SecretKind::RefreshToken { portal_id: portal })
            .unwrap()
            .is_none()
    );
    let status = host.start().await;
    assert!(!status.running && status.problem.is_none(), "{status:?}");
    assert_eq!(onboarding::read(&store).unwrap().connect, StepState::Todo);
    secrets::delete(&SecretKind::LlmApiKey).unwrap();
    host.stop().await;
}
