//! CRM objects: get, batch read (with history), batch update, create.
//!
//! Batch calls are split to HubSpot's limits (100 inputs; 50 when history is requested), so
//! callers pass any number of ids and the client never sends an oversize batch.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{BATCH_READ_MAX, BATCH_READ_WITH_HISTORY_MAX, BATCH_UPDATE_MAX, dedupe};
use crate::client::HubSpotClient;
use crate::error::Error;
use crate::http::Request;
use crate::model::batch::BatchResponse;
use crate::model::{
    BatchResult, ChunkFailure, Contact, CrmObject, ObjectType, ObjectUpdate, ReadOptions,
};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BatchReadBody<'a> {
    properties: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    properties_with_history: &'a [String],
    inputs: Vec<IdInput<'a>>,
}

#[derive(Serialize)]
struct IdInput<'a> {
    id: &'a str,
}

#[derive(Serialize)]
struct BatchUpdateBody<'a> {
    inputs: &'a [ObjectUpdate],
}

#[derive(Serialize)]
struct CreateBody<'a> {
    properties: &'a BTreeMap<String, String>,
}

fn object_path(ty: ObjectType) -> Vec<String> {
    ["crm", "v3", "objects", ty.as_str()]
        .map(str::to_owned)
        .to_vec()
}

impl HubSpotClient {
    /// One record by id, with the requested properties (and history).
    pub async fn get_object(
        &self,
        ty: ObjectType,
        id: &str,
        opts: &ReadOptions,
    ) -> Result<CrmObject, Error> {
        let mut segments = object_path(ty);
        segments.push(id.to_owned());
        let mut req = Request::get(segments);
        if !opts.properties.is_empty() {
            req = req.query("properties", opts.properties.join(","));
        }
        if !opts.properties_with_history.is_empty() {
            req = req.query(
                "propertiesWithHistory",
                opts.properties_with_history.join(","),
            );
        }
        self.send_json(&req).await
    }

    /// One contact by id.
    pub async fn get_contact(&self, id: &str, opts: &ReadOptions) -> Result<Contact, Error> {
        self.get_object(ObjectType::Contacts, id, opts).await
    }

    /// Reads many records, split into batches of ≤ 100 ids (≤ 50 when history is requested).
    ///
    /// Missing ids come back as per-record errors (HubSpot's 207), not as a failure. If any
    /// batch fails as a whole the call fails: nothing was changed, so retrying is safe.
    pub async fn batch_read<S: AsRef<str>>(
        &self,
        ty: ObjectType,
        ids: &[S],
        opts: &ReadOptions,
    ) -> Result<BatchResult<CrmObject>, Error> {
        let ids = dedupe(ids);
        let size = if opts.properties_with_history.is_empty() {
            BATCH_READ_MAX
        } else {
            BATCH_READ_WITH_HISTORY_MAX
        };
        let mut segments = object_path(ty);
        segments.extend(["batch".to_owned(), "read".to_owned()]);
        let mut out = BatchResult::default();
        for chunk in ids.chunks(size) {
            let body = BatchReadBody {
                properties: &opts.properties,
                properties_with_history: &opts.properties_with_history,
                inputs: chunk.iter().map(|id| IdInput { id }).collect(),
            };
            let req = Request::post(segments.clone()).json(&body)?;
            let page: BatchResponse<CrmObject> = self.send_json(&req).await?;
            out.absorb(page);
        }
        Ok(out)
    }

    /// Reads many contacts (see [`HubSpotClient::batch_read`]).
    pub async fn batch_read_contacts<S: AsRef<str>>(
        &self,
        ids: &[S],
        opts: &ReadOptions,
    ) -> Result<BatchResult<Contact>, Error> {
        self.batch_read(ObjectType::Contacts, ids, opts).await
    }

    /// Updates many records, split into batches of ≤ 100.
    ///
    /// Per-record failures (207) are in `errors`. If a whole batch fails after another batch
    /// succeeded, its ids are in `failed_chunks` (the successes are kept); the call returns
    /// `Err` only when no batch got through at all. After an authorization failure or the
    /// daily limit, the remaining batches are not sent and are reported as failed.
    /// A batch retried after a timeout or 5xx may be applied twice; that is harmless because
    /// it writes the same values (one extra history entry at most).
    pub async fn batch_update(
        &self,
        ty: ObjectType,
        updates: &[ObjectUpdate],
    ) -> Result<BatchResult<CrmObject>, Error> {
        let mut segments = object_path(ty);
        segments.extend(["batch".to_owned(), "update".to_owned()]);
        let mut out = BatchResult::default();
        let mut chunks = updates.chunks(BATCH_UPDATE_MAX);
        while let Some(chunk) = chunks.next() {
            let req = Request::post(segments.clone()).json(&BatchUpdateBody { inputs: chunk })?;
            match self.send_json::<BatchResponse<CrmObject>>(&req).await {
                Ok(page) => out.absorb(page),
                Err(error) => {
                    let fatal =
                        error.needs_reconnect() || matches!(error, Error::RateLimitedDaily(_));
                    let mut ids: Vec<String> = chunk.iter().map(|u| u.id.clone()).collect();
                    if fatal {
                        ids.extend(chunks.by_ref().flatten().map(|u| u.id.clone()));
                    }
                    tracing::warn!(error = %error, records = ids.len(), "HubSpot batch update failed");
                    out.failed_chunks.push(ChunkFailure { ids, error });
                    if fatal {
                        break;
                    }
                }
            }
        }
        if out.results.is_empty() && out.errors.is_empty() && !out.failed_chunks.is_empty() {
            // Nothing got through: one plain error is easier to handle than a partial result.
            return Err(out.failed_chunks.swap_remove(0).error);
        }
        Ok(out)
    }

    /// Updates many contacts (see [`HubSpotClient::batch_update`]).
    pub async fn batch_update_contacts(
        &self,
        updates: &[ObjectUpdate],
    ) -> Result<BatchResult<Contact>, Error> {
        self.batch_update(ObjectType::Contacts, updates).await
    }

    /// Creates one record (used by tests and the sandbox; the engine never creates contacts).
    pub async fn create_object(
        &self,
        ty: ObjectType,
        properties: &BTreeMap<String, String>,
    ) -> Result<CrmObject, Error> {
        let req = Request::post(object_path(ty)).json(&CreateBody { properties })?;
        self.send_json(&req).await
    }

    /// Creates one contact.
    pub async fn create_contact(
        &self,
        properties: &BTreeMap<String, String>,
    ) -> Result<Contact, Error> {
        self.create_object(ObjectType::Contacts, properties).await
    }
}
