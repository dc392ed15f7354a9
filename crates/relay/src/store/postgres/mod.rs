//! PostgreSQL backend: several relay instances share one database.
//!
//! Leases use `FOR UPDATE SKIP LOCKED`, so concurrent leases (from any instance) never hand out
//! the same event; ingest and redrive `NOTIFY` so long-polls on every instance wake up.
//! Layout: `schema` (DDL), `queries` (the SQL of each operation), `listener` (LISTEN loop).

mod listener;
mod queries;
mod schema;

use std::sync::Arc;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;
use tokio_util::sync::CancellationToken;

use crate::clock::Millis;
use crate::store::{
    CleanupReport, DeadRow, IngestReport, LeaseOutcome, LeaseParams, NewEvent, PortalStats,
    QueueStore, Receipt, ReceiptOutcome, Retention, StoreError,
};

/// Connections per relay instance.
const POOL_SIZE: usize = 16;

/// The PostgreSQL implementation of [`QueueStore`]. Cheap to clone.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    config: Arc<tokio_postgres::Config>,
    channel: Arc<str>,
    schema: Option<Arc<str>>,
}

pub(crate) fn pg_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Postgres(e.to_string())
}

impl PgStore {
    /// Connects to `url` (`postgres://user:pass@host:port/db`) and creates the tables.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, None).await
    }

    /// Like [`PgStore::connect`], but inside `schema` (created if missing). Tests use one
    /// schema each so they can run in parallel against one database.
    pub async fn connect_in_schema(url: &str, schema: &str) -> Result<Self, StoreError> {
        let valid = !schema.is_empty()
            && schema.len() <= 40
            && schema
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            return Err(StoreError::Open(format!(
                "schema name `{schema}` must be 1-40 characters of a-z, 0-9 and _"
            )));
        }
        let (client, connection) = parse(url)?
            .connect(NoTls)
            .await
            .map_err(|e| StoreError::Open(e.to_string()))?;
        let driver = tokio::spawn(connection);
        let created = client
            .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
            .await;
        drop(client);
        let _ = driver.await;
        // Two tests racing on CREATE SCHEMA IF NOT EXISTS can both try: only "exists" is fine.
        if let Err(e) = created
            && e.code() != Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION)
        {
            return Err(pg_err(e));
        }
        Self::connect_with(url, Some(schema)).await
    }

    async fn connect_with(url: &str, schema: Option<&str>) -> Result<Self, StoreError> {
        let mut config = parse(url)?;
        if let Some(schema) = schema {
            config.options(format!("-c search_path={schema}"));
        }
        config.application_name("steward-relay");
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|e| StoreError::Open(e.to_string()))?;
        let mut client = pool
            .get()
            .await
            .map_err(|e| StoreError::Open(e.to_string()))?;
        schema::migrate(&mut client).await?;
        Ok(Self {
            pool,
            config: Arc::new(config),
            channel: format!("steward_relay_{}", schema.unwrap_or("events")).into(),
            schema: schema.map(Arc::from),
        })
    }

    /// Starts the LISTEN loop that calls `wake(Some(portal))` when any instance stores events
    /// for `portal`, and `wake(None)` (wake everyone) after each reconnect. Runs until `cancel`.
    pub fn spawn_listener(
        &self,
        wake: impl Fn(Option<i64>) + Send + Sync + 'static,
        cancel: CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        let config = (*self.config).clone();
        let channel = self.channel.to_string();
        tokio::spawn(listener::run(config, channel, wake, cancel))
    }

    /// Drops the schema given to [`PgStore::connect_in_schema`] (tests clean up with it).
    /// Does nothing for a store in the default schema.
    pub async fn drop_schema(&self) -> Result<(), StoreError> {
        let Some(schema) = &self.schema else {
            return Ok(());
        };
        let client = self.client().await?;
        client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .await
            .map_err(pg_err)
    }

    /// The schema given to [`PgStore::connect_in_schema`], if any.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    async fn client(&self) -> Result<deadpool_postgres::Client, StoreError> {
        self.pool.get().await.map_err(pg_err)
    }
}

fn parse(url: &str) -> Result<tokio_postgres::Config, StoreError> {
    url.parse::<tokio_postgres::Config>().map_err(|_| {
        StoreError::Open("the PostgreSQL URL is malformed (expected postgres://user:password@host:port/database)".into())
    })
}

impl QueueStore for PgStore {
    async fn ingest(&self, events: Vec<NewEvent>, now: Millis) -> Result<IngestReport, StoreError> {
        let mut client = self.client().await?;
        queries::ingest(&mut client, &self.channel, &events, now).await
    }

    async fn lease(&self, params: LeaseParams) -> Result<LeaseOutcome, StoreError> {
        let client = self.client().await?;
        queries::lease(&client, &params).await
    }

    async fn ack(
        &self,
        portal_id: i64,
        receipts: Vec<Receipt>,
        now: Millis,
    ) -> Result<ReceiptOutcome, StoreError> {
        let client = self.client().await?;
        queries::settle(&client, portal_id, &receipts, now, None).await
    }

    async fn nack(
        &self,
        portal_id: i64,
        receipts: Vec<Receipt>,
        visible_at: Millis,
    ) -> Result<ReceiptOutcome, StoreError> {
        let client = self.client().await?;
        queries::settle(&client, portal_id, &receipts, visible_at, Some(visible_at)).await
    }

    async fn dead_letters(
        &self,
        portal_id: i64,
        after: i64,
        limit: u32,
    ) -> Result<Vec<DeadRow>, StoreError> {
        let client = self.client().await?;
        queries::dead_letters(&client, portal_id, after, limit).await
    }

    async fn redrive(
        &self,
        portal_id: i64,
        ids: Option<Vec<i64>>,
        now: Millis,
    ) -> Result<u64, StoreError> {
        let mut client = self.client().await?;
        queries::redrive(&mut client, &self.channel, portal_id, ids, now).await
    }

    async fn put_oauth_state(
        &self,
        state_hash: [u8; 32],
        code_challenge: String,
        expires_at: Millis,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        queries::put_state(&client, &state_hash, &code_challenge, expires_at).await
    }

    async fn take_oauth_state(
        &self,
        state_hash: [u8; 32],
        now: Millis,
    ) -> Result<Option<String>, StoreError> {
        let client = self.client().await?;
        queries::take_state(&client, &state_hash, now).await
    }

    async fn cleanup(
        &self,
        now: Millis,
        retention: Retention,
    ) -> Result<CleanupReport, StoreError> {
        let client = self.client().await?;
        queries::cleanup(&client, now, retention).await
    }

    async fn stats(&self, now: Millis) -> Result<Vec<PortalStats>, StoreError> {
        let client = self.client().await?;
        queries::stats(&client, now).await
    }

    async fn health(&self) -> Result<(), StoreError> {
        let client = self.client().await?;
        client.batch_execute("SELECT 1").await.map_err(pg_err)
    }

    async fn close(&self) {
        self.pool.close();
    }
}
