//! Independent evidence of what happened, gathered after every step: the simulator's write log
//! (every property write with its source, in order), the engine's audit rows and the reviews it
//! raised. The checker judges the engine from these alone.

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::Context;
use steward_engine::Store;
use steward_engine::audit::{self, AuditFilter, AuditRecord};
use steward_engine::reviews::{self, Review};

/// One row of `/_sim/stats` `writes`.
#[derive(Debug, Clone)]
pub struct WriteRec {
    pub contact: u64,
    pub property: String,
    pub value: String,
    pub source_type: String,
    pub source_id: Option<String>,
    /// One API write (all properties of one contact in one request) shares one timestamp.
    pub ts: String,
    /// False when the value equalled the current one (HubSpot keeps no new version).
    pub changed: bool,
}

impl WriteRec {
    pub fn is_ours(&self) -> bool {
        self.source_type == "INTEGRATION"
    }

    /// The CRM user id of a person's edit (`sourceId: "userId:N"`).
    pub fn user(&self) -> Option<u64> {
        self.source_id
            .as_deref()?
            .strip_prefix("userId:")?
            .parse()
            .ok()
    }

    pub fn parse(v: &serde_json::Value) -> Option<Self> {
        let contact = match &v["objectId"] {
            serde_json::Value::String(s) => s.parse().ok()?,
            other => other.as_u64()?,
        };
        Some(Self {
            contact,
            property: v["property"].as_str()?.to_owned(),
            value: v["value"].as_str().unwrap_or_default().to_owned(),
            source_type: v["sourceType"].as_str().unwrap_or_default().to_owned(),
            source_id: v["sourceId"].as_str().map(str::to_owned),
            ts: v["timestamp"].as_str().unwrap_or_default().to_owned(),
            changed: v["changed"].as_bool().unwrap_or(true),
        })
    }
}

/// What one step left behind for one contact.
#[derive(Debug, Clone, Default)]
pub struct StepLog {
    pub writes: Vec<WriteRec>,
    pub audit: Vec<AuditRecord>,
}

/// Everything the checker reads.
#[derive(Debug, Default)]
pub struct Evidence {
    /// Per step, per contact.
    pub steps: Vec<HashMap<u64, StepLog>>,
    /// Per step: contacts that had a forced run (allowed to rewrite an unchanged hash).
    pub forced: Vec<HashSet<u64>>,
    /// Every review raised during the run, by id (status as of the end).
    pub reviews: BTreeMap<i64, Review>,
    /// Hard crashes that actually cut a round trip short, per step.
    pub crashed: Vec<HashSet<u64>>,
}

impl Evidence {
    pub fn log(&self, step: usize, contact: u64) -> Option<&StepLog> {
        self.steps.get(step)?.get(&contact)
    }
}

/// Cursors into the engine's tables, kept across runs on one stack.
#[derive(Debug, Default)]
pub struct Cursors {
    pub audit_last_id: i64,
    pub review_next_id: i64,
}

impl Cursors {
    pub fn at_start(store: &Store) -> anyhow::Result<Self> {
        let conn = store.conn();
        let last = audit::list(
            &conn,
            &AuditFilter {
                limit: Some(1),
                ..Default::default()
            },
        )?;
        let mut next = 1;
        while reviews::get(&conn, next)?.is_some() {
            next += 1;
        }
        Ok(Self {
            audit_last_id: last.first().map(|r| r.id).unwrap_or(0),
            review_next_id: next,
        })
    }

    /// Audit rows written since the last call (and since `since_ms`), oldest first.
    pub fn new_audit_rows(
        &mut self,
        store: &Store,
        since_ms: i64,
    ) -> anyhow::Result<Vec<AuditRecord>> {
        let conn = store.conn();
        let mut out = Vec::new();
        let mut before = None;
        loop {
            let page = audit::list(
                &conn,
                &AuditFilter {
                    since_ms: Some(since_ms),
                    before_id: before,
                    limit: Some(2_000),
                    ..Default::default()
                },
            )?;
            let Some(oldest) = page.last().map(|r| r.id) else {
                break;
            };
            let done = oldest <= self.audit_last_id;
            out.extend(page.into_iter().filter(|r| r.id > self.audit_last_id));
            if done {
                break;
            }
            before = Some(oldest);
        }
        out.sort_by_key(|r| r.id);
        if let Some(last) = out.last() {
            self.audit_last_id = last.id;
        }
        Ok(out)
    }

    /// Reviews raised since the last call.
    pub fn new_reviews(&mut self, store: &Store) -> anyhow::Result<Vec<Review>> {
        let conn = store.conn();
        let mut out = Vec::new();
        while let Some(r) = reviews::get(&conn, self.review_next_id)? {
            out.push(r);
            self.review_next_id += 1;
        }
        Ok(out)
    }
}

/// The simulator's admin API (cheap to clone into tasks).
#[derive(Clone)]
pub struct Admin {
    pub http: reqwest::Client,
    pub base: String,
}

impl Admin {
    pub async fn post(&self, path: &str, body: serde_json::Value) -> anyhow::Result<()> {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await?;
        let status = resp.status();
        anyhow::ensure!(
            status.is_success(),
            "{path} answered {status}: {}",
            resp.text().await.unwrap_or_default()
        );
        Ok(())
    }

    /// The writes logged since the last call (the log is reset after reading; nothing else
    /// runs between the two requests).
    pub async fn take_writes(&self, portal: u64) -> anyhow::Result<Vec<WriteRec>> {
        let stats: serde_json::Value = self
            .http
            .get(format!("{}/_sim/stats", self.base))
            .send()
            .await?
            .json()
            .await?;
        anyhow::ensure!(
            stats["writesDropped"].as_u64().unwrap_or(0) == 0,
            "the simulator dropped writes from its log; collect more often"
        );
        self.post("/_sim/reset-stats", serde_json::json!({}))
            .await?;
        stats["writes"]
            .as_array()
            .context("no writes in /_sim/stats")?
            .iter()
            .filter(|w| w["portalId"].as_u64() == Some(portal))
            .map(|w| WriteRec::parse(w).context("unreadable write record"))
            .collect()
    }
}
