//! Lists: search by name, page through memberships (≤ 250 per page).

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use super::MEMBERSHIPS_PAGE_MAX;
use crate::client::HubSpotClient;
use crate::error::Error;
use crate::http::Request;
use crate::model::list::{WireMembership, WirePage};
use crate::model::{HubList, ListSearch, ListSearchPage, Membership, Page};

/// Safety stop for list search paging (500 per page × 200 pages).
const MAX_SEARCH_PAGES: usize = 200;

impl HubSpotClient {
    /// One page of `POST /crm/v3/lists/search`.
    pub async fn search_lists(&self, search: &ListSearch) -> Result<ListSearchPage, Error> {
        let req = Request::post(["crm", "v3", "lists", "search"]).json(search)?;
        self.send_json(&req).await
    }

    /// Every list whose name matches `query` (all lists when `None`), following `offset`.
    pub async fn search_all_lists(&self, query: Option<&str>) -> Result<Vec<HubList>, Error> {
        let mut search = ListSearch {
            query: query.map(str::to_owned),
            count: Some(100),
            ..ListSearch::default()
        };
        let mut lists = Vec::new();
        for _ in 0..MAX_SEARCH_PAGES {
            let page = self.search_lists(&search).await?;
            let got = page.lists.len() as u64;
            lists.extend(page.lists);
            let next = page.offset.unwrap_or(search.offset + got);
            if !page.has_more || got == 0 || next <= search.offset {
                break;
            }
            search.offset = next;
        }
        Ok(lists)
    }

    /// One list by id (`GET /crm/v3/lists/{listId}`), e.g. to show the name and size of a
    /// list an admin picked by id.
    pub async fn get_list(&self, list_id: &str) -> Result<HubList, Error> {
        #[derive(serde::Deserialize)]
        struct Wrapped {
            list: HubList,
        }
        let wrapped: Wrapped = self
            .send_json(&Request::get(["crm", "v3", "lists", list_id]))
            .await?;
        Ok(wrapped.list)
    }

    /// One page of a list's members. `limit` is capped at 250; pass the previous page's
    /// `next_after` to continue (the engine persists it to resume a batch run).
    pub async fn list_memberships_page(
        &self,
        list_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<Membership>, Error> {
        let limit = limit.clamp(1, MEMBERSHIPS_PAGE_MAX);
        let mut req = Request::get(["crm", "v3", "lists", list_id, "memberships"])
            .query("limit", limit.to_string());
        if let Some(after) = after {
            req = req.query("after", after);
        }
        let page: WirePage<WireMembership> = self.send_json(&req).await?;
        Ok(page.into_page())
    }

    /// All members of a list as a stream, fetched 250 at a time as the stream is consumed.
    pub fn list_memberships(&self, list_id: &str) -> BoxStream<'static, Result<Membership, Error>> {
        let client = self.clone();
        let list_id = list_id.to_owned();
        let pages = stream::try_unfold(Some(None::<String>), move |cursor| {
            let client = client.clone();
            let list_id = list_id.clone();
            async move {
                let Some(after) = cursor else { return Ok(None) };
                let page = client
                    .list_memberships_page(&list_id, after.as_deref(), MEMBERSHIPS_PAGE_MAX)
                    .await?;
                let next = match page.next_after {
                    Some(next) if Some(&next) == after.as_ref() => {
                        return Err(Error::Decode {
                            endpoint: format!("GET /crm/v3/lists/{list_id}/memberships"),
                            detail: "HubSpot repeated the same paging cursor".into(),
                        });
                    }
                    Some(next) => Some(Some(next)),
                    None => None,
                };
                Ok(Some((page.results, next)))
            }
        });
        pages
            .map_ok(|members| stream::iter(members.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// Every member of a list, collected.
    pub async fn all_list_memberships(&self, list_id: &str) -> Result<Vec<Membership>, Error> {
        self.list_memberships(list_id).try_collect().await
    }
}
