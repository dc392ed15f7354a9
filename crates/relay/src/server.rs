//! [`Relay`]: start the server in-process; [`RelayHandle`]: its address and shutdown.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::api::{self, AppState, IntrospectionCache};
use crate::clock::now_ms;
use crate::config::{DatabaseUrl, RelayConfig};
use crate::error::RelayError;
use crate::hubspot::HubSpotOAuth;
use crate::metrics::Metrics;
use crate::session_token::SessionKey;
use crate::store::{PgStore, QueueStore, SqliteStore, Store};
use crate::waiters::Waiters;

/// The relay service. The binary and in-process users (tests, the desktop sandbox) start it
/// the same way.
pub struct Relay;

impl Relay {
    /// Binds `config.listen` and serves until [`RelayHandle::shutdown`].
    pub async fn start(config: RelayConfig) -> Result<RelayHandle, RelayError> {
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| RelayError::Bind {
                    addr: config.listen,
                    source,
                })?;
        Self::serve(listener, config).await
    }

    /// Serves on an already bound listener (lets a caller learn the port before starting,
    /// e.g. to point a webhook sender at it).
    pub async fn serve(
        listener: TcpListener,
        config: RelayConfig,
    ) -> Result<RelayHandle, RelayError> {
        config.validate()?;
        let addr = listener.local_addr().map_err(RelayError::Serve)?;
        let base_url = format!("http://{addr}");
        let public_url = match &config.public_url {
            Some(url) => url.clone(),
            None => Url::parse(&base_url).map_err(|e| RelayError::Http(e.to_string()))?,
        };
        let public_base = public_url.as_str().trim_end_matches('/').to_owned();
        let store = open_store(&config.database).await?;
        let cancel = CancellationToken::new();
        let waiters = Arc::new(Waiters::default());
        let hubspot = HubSpotOAuth::new(
            config.api_base.clone(),
            config.client_id.clone(),
            config.client_secret.clone(),
            AppState::redirect_uri_of(&public_base),
        )
        .map_err(|e| RelayError::Http(e.to_string()))?;
        let mut tasks = Vec::new();
        if let Store::Postgres(pg) = &store {
            let w = Arc::clone(&waiters);
            let wake = move |portal: Option<i64>| match portal {
                Some(p) => w.wake(p),
                None => w.wake_all(),
            };
            tasks.push(pg.spawn_listener(wake, cancel.child_token()));
        }
        tasks.push(tokio::spawn(cleanup_loop(
            store.clone(),
            config.clone(),
            cancel.child_token(),
        )));
        let state = Arc::new(AppState {
            sessions: SessionKey::derive(&config.client_secret),
            config,
            public_base,
            store: store.clone(),
            waiters,
            metrics: Arc::new(Metrics::default()),
            hubspot,
            introspection: IntrospectionCache::default(),
            cancel: cancel.clone(),
        });
        let app = api::router(state);
        let stop = cancel.clone();
        let join = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(stop.clone().cancelled_owned())
                .await;
            // In-flight requests (and their commits) are done; stop the rest.
            stop.cancel();
            for task in tasks {
                let _ = task.await;
            }
            store.close().await;
            served.map_err(RelayError::Serve)
        });
        tracing::info!(%addr, public_url = %public_url, "relay started");
        Ok(RelayHandle {
            addr,
            base_url,
            public_url,
            cancel,
            join,
        })
    }
}

async fn open_store(url: &DatabaseUrl) -> Result<Store, RelayError> {
    Ok(match url {
        DatabaseUrl::Sqlite(path) => Store::Sqlite(SqliteStore::open(path).await?),
        DatabaseUrl::Postgres(url) => Store::Postgres(PgStore::connect(url.expose()).await?),
    })
}

async fn cleanup_loop(store: Store, config: RelayConfig, cancel: CancellationToken) {
    let mut tick = tokio::time::interval(config.cleanup_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            _ = tick.tick() => {}
        }
        match store.cleanup(now_ms(), config.retention).await {
            Ok(r) if r.expired_events > 0 => {
                tracing::warn!(
                    expired = r.expired_events,
                    tombstones = r.tombstones,
                    "unacked events passed retention and were deleted"
                );
            }
            Ok(r) => tracing::debug!(
                tombstones = r.tombstones,
                states = r.oauth_states,
                "cleanup done"
            ),
            Err(e) => tracing::error!(error = %e, "cleanup failed"),
        }
    }
}

/// A running relay.
pub struct RelayHandle {
    addr: SocketAddr,
    base_url: String,
    public_url: Url,
    cancel: CancellationToken,
    join: JoinHandle<Result<(), RelayError>>,
}

impl RelayHandle {
    /// `http://ADDR` of the bound socket.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL used for webhook signatures and the OAuth redirect.
    pub fn public_url(&self) -> &Url {
        &self.public_url
    }

    /// Stops accepting, lets in-flight requests finish (ingests commit before they answer),
    /// ends long-polls early, flushes storage, and waits for all of it.
    pub async fn shutdown(self) -> Result<(), RelayError> {
        self.cancel.cancel();
        self.wait().await
    }

    /// Waits until the relay stops (after [`RelayHandle::shutdown`] or a fatal error).
    pub async fn wait(self) -> Result<(), RelayError> {
        self.join
            .await
            .map_err(|e| RelayError::Serve(std::io::Error::other(e.to_string())))?
    }

    /// A token whose cancellation starts a graceful shutdown (for signal handlers).
    pub fn shutdown_token(&self) -> CancellationToken {
        self.cancel.clone()
    }
}
