//! Where the bearer token comes from: a static private-app token, or OAuth tokens renewed
//! proactively and single-flight.
//!
//! An OAuth access token lives ~30 minutes. [`TokenSource::access_token`] renews it when less
//! than min(5 min, 20 % of its lifetime) is left, not after a 401. The renewal holds an async
//! lock, so 50 concurrent callers trigger exactly one refresh and all get the new token. The
//! refresh itself is delegated to a [`TokenRefresher`]: the relay uses [`crate::OAuthApp`]
//! (client id + secret), the desktop plugs in the relay's `/oauth/refresh` broker because it
//! has no client secret. When HubSpot issues a different refresh token, the hook set with
//! [`TokenSource::on_new_refresh_token`] receives it (the engine stores it in the keyring).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex as StdMutex, PoisonError};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::Mutex;
use tokio::time::Instant;
use tracing::Instrument;

use crate::error::Error;
use crate::error_body::ApiError;
use crate::model::TokenResponse;
use crate::secret::Secret;

/// Longest safety margin before expiry at which a token is renewed.
const MAX_MARGIN: Duration = Duration::from_secs(5 * 60);
/// Share of the token lifetime used as margin when that is shorter than [`MAX_MARGIN`].
const MARGIN_FRACTION: f64 = 0.2;

/// Exchanges a refresh token for new tokens.
///
/// Implementations must return [`Error::Reconnect`] when the refresh token is revoked or
/// invalid (so the UI asks the admin to reconnect) and a transient variant
/// ([`Error::Transport`], [`Error::Server`], [`Error::RefreshFailed`]) when trying later may work.
pub trait TokenRefresher: Send + Sync {
    /// Renews the tokens.
    fn refresh<'a>(
        &'a self,
        refresh_token: &'a Secret,
    ) -> BoxFuture<'a, Result<TokenResponse, Error>>;
}

/// Called with the new refresh token whenever HubSpot issues one different from the current.
pub type RefreshTokenHook = Arc<dyn Fn(&Secret) + Send + Sync>;

/// The client's source of bearer tokens. Cheap to clone; clones share the cached token.
#[derive(Clone)]
pub struct TokenSource {
    inner: Arc<Inner>,
}

enum Inner {
    Static(Secret),
    OAuth(Box<OAuth>),
}

struct OAuth {
    refresher: Arc<dyn TokenRefresher>,
    state: Mutex<State>,
    hook: StdMutex<Option<RefreshTokenHook>>,
    refreshes: AtomicU64,
}

struct State {
    refresh_token: Secret,
    access: Option<Access>,
    /// Set once HubSpot said the refresh token is dead: fail fast instead of asking again.
    revoked: Option<ApiError>,
}

struct Access {
    token: Secret,
    renew_at: Instant,
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.inner {
            Inner::Static(_) => f.write_str("TokenSource::PrivateApp([redacted])"),
            Inner::OAuth(_) => f.write_str("TokenSource::OAuth([redacted])"),
        }
    }
}

impl TokenSource {
    /// A private-app (or any static) access token. Never refreshed.
    pub fn private_app(token: Secret) -> Self {
        Self {
            inner: Arc::new(Inner::Static(token)),
        }
    }

    /// OAuth with only a refresh token (e.g. read from the keyring at start-up): the first
    /// call renews the access token.
    pub fn oauth(refresh_token: Secret, refresher: Arc<dyn TokenRefresher>) -> Self {
        Self::build(refresh_token, None, refresher)
    }

    /// OAuth with a current access token that expires in `expires_in`.
    pub fn oauth_with_access(
        refresh_token: Secret,
        access_token: Secret,
        expires_in: Duration,
        refresher: Arc<dyn TokenRefresher>,
    ) -> Self {
        let access = Access {
            token: access_token,
            renew_at: renew_at(Instant::now(), expires_in),
        };
        Self::build(refresh_token, Some(access), refresher)
    }

    /// OAuth from a fresh token answer (after the code exchange).
    pub fn from_token_response(
        tokens: TokenResponse,
        refresher: Arc<dyn TokenRefresher>,
    ) -> Result<Self, Error> {
        let refresh = tokens
            .refresh_token
            .ok_or_else(|| Error::Config("HubSpot's token answer has no refresh token".into()))?;
        Ok(Self::oauth_with_access(
            refresh,
            tokens.access_token,
            Duration::from_secs(tokens.expires_in),
            refresher,
        ))
    }

    fn build(
        refresh_token: Secret,
        access: Option<Access>,
        refresher: Arc<dyn TokenRefresher>,
    ) -> Self {
        let oauth = OAuth {
            refresher,
            state: Mutex::new(State {
                refresh_token,
                access,
                revoked: None,
            }),
            hook: StdMutex::new(None),
            refreshes: AtomicU64::new(0),
        };
        Self {
            inner: Arc::new(Inner::OAuth(Box::new(oauth))),
        }
    }

    /// Sets the hook that receives newly issued refresh tokens (replaces any earlier hook).
    /// Does nothing for a private-app token.
    pub fn on_new_refresh_token(&self, hook: impl Fn(&Secret) + Send + Sync + 'static) -> &Self {
        if let Inner::OAuth(o) = &*self.inner {
            *o.hook.lock().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(hook));
        }
        self
    }

    /// Whether tokens come from OAuth (and so can be renewed).
    pub fn is_oauth(&self) -> bool {
        matches!(&*self.inner, Inner::OAuth(_))
    }

    /// How many refreshes this source performed.
    pub fn refresh_count(&self) -> u64 {
        match &*self.inner {
            Inner::Static(_) => 0,
            Inner::OAuth(o) => o.refreshes.load(Ordering::Relaxed),
        }
    }

    /// The current refresh token (to store it after a code exchange).
    pub async fn refresh_token(&self) -> Option<Secret> {
        match &*self.inner {
            Inner::Static(_) => None,
            Inner::OAuth(o) => Some(o.state.lock().await.refresh_token.clone()),
        }
    }

    /// A valid access token, renewing it first when it is close to expiry.
    pub async fn access_token(&self) -> Result<Secret, Error> {
        match &*self.inner {
            Inner::Static(token) => Ok(token.clone()),
            Inner::OAuth(o) => o.access_token(false).await,
        }
    }

    /// Renews the access token now, whatever its expiry (single-flight like any renewal).
    pub async fn force_refresh(&self) -> Result<Secret, Error> {
        match &*self.inner {
            Inner::Static(token) => Ok(token.clone()),
            Inner::OAuth(o) => o.access_token(true).await,
        }
    }

    /// Forgets `used` if it is still the cached token (HubSpot rejected it), so the next
    /// call renews. Returns whether a renewal is possible.
    pub(crate) async fn invalidate(&self, used: &Secret) -> bool {
        match &*self.inner {
            Inner::Static(_) => false,
            Inner::OAuth(o) => {
                let mut state = o.state.lock().await;
                if state.access.as_ref().is_some_and(|a| &a.token == used) {
                    state.access = None;
                }
                true
            }
        }
    }
}

impl OAuth {
    async fn access_token(&self, force: bool) -> Result<Secret, Error> {
        let mut state = self.state.lock().await;
        if let Some(api) = &state.revoked {
            return Err(Error::Reconnect(Box::new(api.clone())));
        }
        if !force
            && let Some(access) = &state.access
            && Instant::now() < access.renew_at
        {
            return Ok(access.token.clone());
        }
        let span = tracing::info_span!("hubspot.token_refresh", forced = force);
        let answer = match self
            .refresher
            .refresh(&state.refresh_token)
            .instrument(span)
            .await
        {
            Ok(answer) => answer,
            Err(Error::Reconnect(api)) => {
                tracing::warn!(
                    status = api.status,
                    "HubSpot refused the refresh token; reconnect needed"
                );
                state.revoked = Some((*api).clone());
                state.access = None;
                return Err(Error::Reconnect(api));
            }
            Err(other) => return Err(other),
        };
        self.refreshes.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        let token = answer.access_token;
        state.access = Some(Access {
            token: token.clone(),
            renew_at: renew_at(now, Duration::from_secs(answer.expires_in)),
        });
        if let Some(new_refresh) = answer
            .refresh_token
            .filter(|r| !r.is_empty() && *r != state.refresh_token)
        {
            state.refresh_token = new_refresh.clone();
            let hook = self
                .hook
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            if let Some(hook) = hook {
                hook(&new_refresh);
            }
        }
        tracing::debug!(
            expires_in = answer.expires_in,
            "HubSpot access token renewed"
        );
        Ok(token)
    }
}

/// When to renew a token that expires `lifetime` after `now`.
fn renew_at(now: Instant, lifetime: Duration) -> Instant {
    let margin = lifetime.mul_f64(MARGIN_FRACTION).min(MAX_MARGIN);
    now + lifetime.saturating_sub(margin)
}

#[cfg(test)]
mod tests;
