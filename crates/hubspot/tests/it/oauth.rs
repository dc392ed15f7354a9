use hubspot::{Error, Secret, TokenKind};

use crate::support::{REDIRECT, Sim, unlimited};

#[tokio::test]
async fn code_exchange_introspect_refresh_revoke() {
    let sim = Sim::start(unlimited()).await;
    let app = sim.app();
    let tokens = sim.install().await;
    let refresh = tokens.refresh_token.clone().expect("refresh token issued");
    assert_eq!(tokens.hub_id, Some(sim.config.portal_id));
    assert!(tokens.expires_in > 0);
    assert!(tokens.scopes.iter().any(|s| s == "crm.lists.read"));

    let info = app
        .introspect(&tokens.access_token, Some(TokenKind::Access))
        .await
        .unwrap();
    assert!(info.active);
    assert_eq!(info.hub_id, Some(sim.config.portal_id));
    assert_eq!(info.app_id, Some(sim.config.app_id));
    assert_eq!(
        info.client_id.as_deref(),
        Some(sim.config.client_id.as_str())
    );
    assert_eq!(info.token_use.as_deref(), Some("access_token"));

    let renewed = app.refresh(&refresh).await.unwrap();
    assert_ne!(renewed.access_token, tokens.access_token);

    app.revoke(&refresh, Some(TokenKind::Refresh))
        .await
        .unwrap();
    let err = app.refresh(&refresh).await.unwrap_err();
    assert!(matches!(err, Error::Reconnect(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("reconnect in Settings → Connection"),
        "{err}"
    );
    let info = app.introspect(&renewed.access_token, None).await.unwrap();
    assert!(
        !info.active,
        "revoking the refresh token ends its access tokens"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn code_is_single_use_and_bad_secret_is_a_config_error() {
    let sim = Sim::start(unlimited()).await;
    let code = sim.authorize().await;
    sim.app()
        .exchange_code(&code, REDIRECT, None)
        .await
        .unwrap();
    let again = sim
        .app()
        .exchange_code(&code, REDIRECT, None)
        .await
        .unwrap_err();
    assert!(matches!(again, Error::Validation(_)), "{again:?}");

    let wrong = hubspot::OAuthApp::new(
        &sim.base,
        sim.config.client_id.clone(),
        Secret::new("not-the-secret"),
    )
    .unwrap();
    let err = wrong.refresh(&Secret::new("whatever")).await.unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(!err.to_string().contains("not-the-secret"));
    sim.shutdown().await;
}
