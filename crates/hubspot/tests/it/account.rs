use hubspot::{Error, HubSpotClient, Secret, TokenSource};

use crate::support::{Sim, unlimited};

#[tokio::test]
async fn account_details_name_the_portal() {
    let sim = Sim::start(hubspot_sim::SimConfig {
        portal_id: 4242,
        ..unlimited()
    })
    .await;
    let details = sim.private_client().account_details().await.unwrap();
    assert_eq!(details.portal_id, "4242");
    assert_eq!(details.portal_id_u64(), Some(4242));
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_token_is_unauthorized_without_retry() {
    let sim = Sim::start(unlimited()).await;
    let client = HubSpotClient::new(
        &sim.base,
        TokenSource::private_app(Secret::new("pat-wrong")),
    )
    .unwrap();
    let err = client.account_details().await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("reconnect in Settings → Connection")
    );
    assert_eq!(
        client.stats().requests,
        1,
        "a 401 with a static token is not retried"
    );
    sim.shutdown().await;
}
