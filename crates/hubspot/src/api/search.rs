//! CRM search (`POST /crm/v3/objects/{type}/search`). HubSpot limits search more tightly than
//! other calls (5 requests per second per account); the client's pacer covers the general
//! limit, and callers search on a person's keystrokes, not in loops.

use crate::client::HubSpotClient;
use crate::error::Error;
use crate::http::Request;
use crate::model::list::WirePage;
use crate::model::search::{SEARCH_LIMIT_MAX, SearchRequest};
use crate::model::{CrmObject, ObjectType, Page};

impl HubSpotClient {
    /// One page of search results (`total` is HubSpot's count of every match).
    pub async fn search_objects(
        &self,
        ty: ObjectType,
        search: &SearchRequest,
    ) -> Result<Page<CrmObject>, Error> {
        let mut search = search.clone();
        search.limit = search.limit.map(|l| l.clamp(1, SEARCH_LIMIT_MAX));
        let req = Request::post(["crm", "v3", "objects", ty.as_str(), "search"]).json(&search)?;
        let page: WirePage<CrmObject> = self.send_json(&req).await?;
        Ok(page.into_page())
    }

    /// One page of contacts matching `search`.
    pub async fn search_contacts(&self, search: &SearchRequest) -> Result<Page<CrmObject>, Error> {
        self.search_objects(ObjectType::Contacts, search).await
    }
}
