//! Token renewal through the relay's OAuth broker: the desktop has no client secret, so the
//! relay adds it. A refresh token HubSpot refuses means the admin must reconnect.

use hubspot::{ApiError, Error, Secret, TokenRefresher, TokenResponse};
use relay_client::{ClientError, RelayClient, codes};

/// A [`TokenRefresher`] that calls `POST /oauth/refresh` on the relay.
pub struct RelayRefresher {
    relay: RelayClient,
}

impl RelayRefresher {
    pub fn new(relay_url: &str) -> Result<Self, hubspot::Error> {
        let relay = RelayClient::new(relay_url).map_err(|e| Error::Config(e.to_string()))?;
        Ok(Self { relay })
    }
}

impl TokenRefresher for RelayRefresher {
    fn refresh<'a>(
        &'a self,
        refresh_token: &'a Secret,
    ) -> futures::future::BoxFuture<'a, Result<TokenResponse, Error>> {
        Box::pin(async move {
            let token = relay_client::Secret::new(refresh_token.expose());
            match self.relay.oauth_refresh(&token).await {
                Ok(set) => Ok(TokenResponse {
                    access_token: Secret::new(set.access_token.expose()),
                    refresh_token: set.refresh_token.map(|t| Secret::new(t.expose())),
                    expires_in: set.expires_in,
                    token_type: Some(set.token_type),
                    hub_id: None,
                    user_id: None,
                    scopes: Vec::new(),
                }),
                Err(ClientError::Rejected {
                    code,
                    message,
                    status,
                }) if code == codes::HUBSPOT_REJECTED => Err(Error::Reconnect(Box::new(
                    ApiError::with_message(status, message),
                ))),
                Err(e) => Err(Error::RefreshFailed(e.to_string())),
            }
        })
    }
}
