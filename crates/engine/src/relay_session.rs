//! Opening a relay session: the relay knows the portal by the HubSpot access token Steward
//! holds, so a session is authenticated — and re-authenticated when the relay asks — with the
//! current access token of the connection's token source.

use hubspot::TokenSource;
use relay_client::{ClientError, RelayClient, Session};

use crate::connection::{AuthKind, ConnectionInfo};

/// Opens a session on `client` (its URL and retry policy) for the portal `tokens` belong to.
pub async fn open(client: RelayClient, tokens: TokenSource) -> Result<Session, ClientError> {
    client
        .open_session_with(move || {
            let tokens = tokens.clone();
            async move {
                let t = tokens.access_token().await?;
                Ok(relay_client::Secret::new(t.expose()))
            }
        })
        .await
}

/// The session a connection calls for: one on its relay when connected through OAuth with a
/// relay URL; `None` for a private-app token (live events then come from the local queue only).
pub async fn for_connection(
    info: &ConnectionInfo,
    tokens: &TokenSource,
) -> Result<Option<Session>, ClientError> {
    let (AuthKind::Oauth, Some(relay)) = (info.auth, info.relay_url.as_deref()) else {
        return Ok(None);
    };
    Ok(Some(open(RelayClient::new(relay)?, tokens.clone()).await?))
}
