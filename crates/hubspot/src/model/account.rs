//! `GET /account-info/v3/details`: which portal a token belongs to.

use serde::{Deserialize, Serialize};

use crate::lenient;

/// Account details of the connected portal (shown in Settings → Connection).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountDetails {
    /// The portal (hub) id.
    #[serde(deserialize_with = "lenient::id")]
    pub portal_id: String,
    /// `STANDARD`, `DEVELOPER_TEST`, `SANDBOX` …
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub account_type: Option<String>,
    /// IANA time zone, e.g. `US/Eastern` (the daily limit resets at its midnight).
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub time_zone: Option<String>,
    /// Main currency.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub company_currency: Option<String>,
    /// Other currencies.
    #[serde(default)]
    pub additional_currencies: Vec<String>,
    /// e.g. `-05:00`.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub utc_offset: Option<String>,
    /// Offset in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_offset_milliseconds: Option<i64>,
    /// e.g. `app.hubspot.com` (for deep links to records).
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub ui_domain: Option<String>,
    /// e.g. `na1`, `eu1`.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub data_hosting_location: Option<String>,
}

impl AccountDetails {
    /// The portal id as a number, when it is one.
    pub fn portal_id_u64(&self) -> Option<u64> {
        self.portal_id.parse().ok()
    }
}
