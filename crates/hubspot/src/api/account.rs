//! `GET /account-info/v3/details`.

use crate::client::HubSpotClient;
use crate::error::Error;
use crate::http::Request;
use crate::model::AccountDetails;

impl HubSpotClient {
    /// The connected portal's details: confirms which portal a token belongs to and gives
    /// its time zone (the daily limit resets at its midnight).
    pub async fn account_details(&self) -> Result<AccountDetails, Error> {
        self.send_json(&Request::get(["account-info", "v3", "details"]))
            .await
    }
}
