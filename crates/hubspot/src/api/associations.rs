//! v4 associations: which notes/emails/calls/meetings belong to a contact.

use serde::Serialize;

use super::{ASSOCIATION_BATCH_READ_MAX, ASSOCIATION_PAGE_MAX, dedupe};
use crate::client::HubSpotClient;
use crate::error::Error;
use crate::http::Request;
use crate::model::association::WireAssociationSet;
use crate::model::batch::BatchResponse;
use crate::model::list::{Paging, WirePage};
use crate::model::{Association, AssociationSet, BatchResult, ObjectType, Page};

/// Safety stop for association paging (500 per page).
const MAX_ASSOCIATION_PAGES: usize = 100;

#[derive(Serialize)]
struct IdInput<'a> {
    id: &'a str,
}

#[derive(Serialize)]
struct Inputs<'a> {
    inputs: Vec<IdInput<'a>>,
}

impl HubSpotClient {
    /// One page of a record's associations to `to`.
    pub async fn associations_page(
        &self,
        from: ObjectType,
        id: &str,
        to: ObjectType,
        after: Option<&str>,
    ) -> Result<Page<Association>, Error> {
        let mut req = Request::get([
            "crm",
            "v4",
            "objects",
            from.as_str(),
            id,
            "associations",
            to.as_str(),
        ])
        .query("limit", ASSOCIATION_PAGE_MAX.to_string());
        if let Some(after) = after {
            req = req.query("after", after);
        }
        let page: WirePage<Association> = self.send_json(&req).await?;
        Ok(page.into_page())
    }

    /// All of a record's associations to `to` (e.g. a contact's notes), every page.
    pub async fn associations(
        &self,
        from: ObjectType,
        id: &str,
        to: ObjectType,
    ) -> Result<Vec<Association>, Error> {
        self.associations_after(from, id, to, None).await
    }

    async fn associations_after(
        &self,
        from: ObjectType,
        id: &str,
        to: ObjectType,
        mut after: Option<String>,
    ) -> Result<Vec<Association>, Error> {
        let mut out = Vec::new();
        for _ in 0..MAX_ASSOCIATION_PAGES {
            let page = self
                .associations_page(from, id, to, after.as_deref())
                .await?;
            out.extend(page.results);
            match page.next_after {
                Some(next) if Some(&next) != after.as_ref() => after = Some(next),
                _ => break,
            }
        }
        Ok(out)
    }

    /// Associations of many records at once (`POST /crm/v4/associations/{from}/{to}/batch/read`,
    /// chunks of ≤ 1000). Records with more associations than one answer holds are completed
    /// with single reads. Records without associations may be absent from `results` or listed
    /// in `errors`, depending on HubSpot.
    pub async fn batch_associations<S: AsRef<str>>(
        &self,
        from: ObjectType,
        ids: &[S],
        to: ObjectType,
    ) -> Result<BatchResult<AssociationSet>, Error> {
        let ids = dedupe(ids);
        let path = [
            "crm",
            "v4",
            "associations",
            from.as_str(),
            to.as_str(),
            "batch",
            "read",
        ];
        let mut out = BatchResult::default();
        for chunk in ids.chunks(ASSOCIATION_BATCH_READ_MAX) {
            let body = Inputs {
                inputs: chunk.iter().map(|id| IdInput { id }).collect(),
            };
            let req = Request::post(path).json(&body)?;
            let page: BatchResponse<WireAssociationSet> = self.send_json(&req).await?;
            out.errors.extend(page.errors);
            for set in page.results {
                let mut to_list = set.to;
                if let Some(after) = set.paging.and_then(Paging::after) {
                    to_list.extend(
                        self.associations_after(from, &set.from.id, to, Some(after))
                            .await?,
                    );
                }
                out.results.push(AssociationSet {
                    from_id: set.from.id,
                    to: to_list,
                });
            }
        }
        Ok(out)
    }
}
